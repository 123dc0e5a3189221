from __future__ import annotations

import json
from pathlib import Path

import pytest

from cicd import metric_gate, pr_report
from cicd.errors import CicdError
from cicd.metric_gate import Verdict
from cicd.pr_report import MARKER, Context, delta, render_confusion, render_report
from testkit.processes import VENV_BIN
from testkit.project import run

CONFUSION = [
    {"actual": "Adelie", "predicted": "Adelie"},
    {"actual": "Adelie", "predicted": "Adelie"},
    {"actual": "Adelie", "predicted": "Chinstrap"},
    {"actual": "Gentoo", "predicted": "Gentoo"},
    {"actual": "Chinstrap", "predicted": "Chinstrap"},
]
CONFUSION_TABLE = """\
### Confusion matrix (test split, this PR: 5 rows)

| actual ╲ predicted | Adelie | Chinstrap | Gentoo |
| --- | ---: | ---: | ---: |
| **Adelie** | 2 | 1 | 0 |
| **Chinstrap** | 0 | 1 | 0 |
| **Gentoo** | 0 | 0 | 1 |"""


def test_the_report_renders_every_section_exactly() -> None:
    report = render_report(
        metrics={
            "reports/metrics.json": {
                "macro_f1": {"old": 0.96, "new": 0.95, "diff": -0.01},
                "accuracy": {"old": 0.97, "new": 0.97, "diff": 0.0},
                "baseline.majority_class": {"old": "Adelie", "new": "Adelie"},
                "log_loss": {"old": None, "new": 0.05},
            }
        },
        params={"params.yaml": {"train.C": {"old": 1.0, "new": 0.5, "diff": -0.5}, "train.seed": {"old": 1, "new": 1}}},
        confusion=CONFUSION,
        verdict=Verdict(True, "macro F1 dropped by 0.01 (0.96 → 0.95), within the allowed 0.02 (x)"),
        context=Context(base="`main` (`0123456789ab`)", head="abcdef012345", model_version="e6ea222af2a0"),
    )
    assert (
        report
        == f"""\
{MARKER}

## Model report

✅ **Metric gate passed: macro F1 dropped by 0.01 (0.96 → 0.95), within the allowed 0.02 (x)**

Model `e6ea222af2a0` trained from `abcdef012345`, compared with `main` (`0123456789ab`).

### Metrics (`reports/metrics.json`)

| metric | base | this PR | change |
| --- | ---: | ---: | ---: |
| accuracy | 0.97 | 0.97 | 0 |
| baseline.majority_class | Adelie | Adelie |  |
| log_loss | — | 0.05 | new |
| macro_f1 | 0.96 | 0.95 | -0.01 |

### Params changed (`params.yaml`)

| param | base | this PR |
| --- | --- | --- |
| train.C | 1 | 0.5 |

{CONFUSION_TABLE}

<sub>Updated in place by every run of the train workflow on this pull request.</sub>
"""
    )


def test_a_failed_gate_is_marked_and_no_param_change_is_said() -> None:
    report = render_report(
        metrics={},
        params={"params.yaml": {"train.C": {"old": 1.0, "new": 1.0, "diff": 0.0}}},
        confusion=CONFUSION,
        verdict=Verdict(False, "macro F1 dropped by 0.5"),
        context=Context(base="`0123456789ab`", head="abcdef012345"),
    )
    assert "❌ **Metric gate failed: macro F1 dropped by 0.5**" in report
    assert "The model trained from `abcdef012345`" in report
    assert "### Params (`params.yaml`)\n\nNo param differs from the base." in report


@pytest.mark.parametrize(
    ("old", "new", "text"),
    [(1, 2, "+1"), (0.5, 0.25, "-0.25"), (0.1, 0.1, "0"), ("a", "b", "changed"), ("a", "a", ""), (1, None, "removed")],
)
def test_changes(old: object, new: object, text: str) -> None:
    assert delta(old, new) == text


def test_a_cell_with_a_pipe_does_not_break_the_table() -> None:
    assert pr_report.table(["a"], [["x|y"]]) == "| a |\n| --- |\n| x\\|y |"


def test_the_confusion_matrix_counts_every_pair() -> None:
    assert render_confusion(CONFUSION) == CONFUSION_TABLE


def test_a_malformed_confusion_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "confusion.json"
    path.write_text(json.dumps([{"actual": "Adelie"}]))
    with pytest.raises(CicdError, match=r"confusion.json: expected a list of \{'actual': ..., 'predicted': ...\} rows"):
        pr_report.read_confusion(path)
    with pytest.raises(CicdError, match="not found; run `make train` first"):
        pr_report.read_confusion(tmp_path / "missing.json")


# ---- against real `dvc metrics diff` / `dvc params diff` between two commits of a repository ----

DVC_YAML = """\
stages:
  evaluate:
    cmd: "true"
    params:
      - train
      - evaluate
    metrics:
      - reports/metrics.json:
          cache: false
"""


def write_state(repo: Path, *, c: float, macro_f1: float, accuracy: float, extra_param: bool = False) -> None:
    train = {"C": c, "estimator": "logistic_regression", **({"class_weight": "balanced"} if extra_param else {})}
    params = {"train": train, "evaluate": {"max_macro_f1_drop": 0.02}}
    (repo / "params.yaml").write_text(json.dumps(params))  # JSON is YAML
    (repo / "reports/plots").mkdir(parents=True, exist_ok=True)
    (repo / "reports/metrics.json").write_text(json.dumps({"accuracy": accuracy, "macro_f1": macro_f1}))
    (repo / "reports/plots/confusion.json").write_text(json.dumps(CONFUSION))


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A DVC project whose base commit has macro F1 0.96 and C 1.0."""
    repo = tmp_path_factory.mktemp("report") / "repo"
    repo.mkdir()
    dvc = str(VENV_BIN / "dvc")
    run(["git", "init", "--quiet", "--initial-branch", "main"], repo)
    run([dvc, "init", "--quiet"], repo)
    run([dvc, "config", "core.analytics", "false"], repo)
    (repo / "dvc.yaml").write_text(DVC_YAML)
    write_state(repo, c=1.0, macro_f1=0.96, accuracy=0.97)
    run(["git", "add", "--all"], repo)
    run(["git", "commit", "--quiet", "--message", "base"], repo)
    return repo, run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


def expected_report(repo: Path, base: str, verdict_line: str, metric_rows: str, param_rows: str) -> str:
    head = run(["git", "rev-parse", "--short=12", "HEAD"], repo).stdout.strip()
    return f"""\
{MARKER}

## Model report

{verdict_line}

The model trained from `{head}`, compared with `main` (`{base[:12]}`).

### Metrics (`reports/metrics.json`)

| metric | base | this PR | change |
| --- | ---: | ---: | ---: |
{metric_rows}

### Params changed (`params.yaml`)

| param | base | this PR |
| --- | --- | --- |
{param_rows}

{CONFUSION_TABLE}

<sub>Updated in place by every run of the train workflow on this pull request.</sub>
"""


@pytest.mark.slow
def test_a_small_drop_passes_the_gate(
    repository: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    write_state(repo, c=0.5, macro_f1=0.95, accuracy=0.97)
    out = tmp_path / "report.md"

    assert pr_report.main(["--base", base, "--base-name", "main", "--cwd", str(repo), "--out", str(out)]) == 0
    assert out.read_text() == expected_report(
        repo,
        base,
        "✅ **Metric gate passed: macro F1 dropped by 0.01 (0.96 → 0.95), within the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop)**",
        "| accuracy | 0.97 | 0.97 | 0 |\n| macro_f1 | 0.96 | 0.95 | -0.01 |",
        "| train.C | 1 | 0.5 |",
    )
    assert metric_gate.main(["--base", base, "--cwd", str(repo)]) == 0
    assert capsys.readouterr().out.startswith("Metric gate passed: macro F1 dropped by 0.01")


@pytest.mark.slow
def test_a_large_drop_fails_the_gate_and_the_report_says_by_how_much(
    repository: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    write_state(repo, c=10.0, macro_f1=0.9, accuracy=0.92, extra_param=True)
    out = tmp_path / "report.md"

    assert pr_report.main(["--base", base, "--base-name", "main", "--cwd", str(repo), "--out", str(out)]) == 0
    assert out.read_text() == expected_report(
        repo,
        base,
        "❌ **Metric gate failed: macro F1 dropped by 0.06 (0.96 → 0.9), more than the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop)**",
        "| accuracy | 0.97 | 0.92 | -0.05 |\n| macro_f1 | 0.96 | 0.9 | -0.06 |",
        "| train.C | 1 | 10 |\n| train.class_weight | — | balanced |",
    )
    assert metric_gate.main(["--base", base, "--cwd", str(repo)]) == 1
    assert capsys.readouterr().out == (
        "Metric gate failed: macro F1 dropped by 0.06 (0.96 → 0.9), more than the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop)\n"
    )


@pytest.mark.slow
def test_an_unknown_base_is_a_one_line_error(
    repository: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    assert metric_gate.main(["--base", "no-such-rev", "--cwd", str(repo)]) == 2
    assert capsys.readouterr().err == (
        "error: dvc metrics diff no-such-rev: ERROR: unknown Git revision 'no-such-rev'\n"
    )
