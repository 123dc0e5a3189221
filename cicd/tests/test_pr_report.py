from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cicd import metric_gate, pr_report
from cicd.errors import CicdError
from cicd.metric_gate import Verdict
from cicd.pr_report import MARKER, Context, delta, render_confusion, render_report, render_residuals
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
PREDICTIONS = [
    {"actual": 10.0, "predicted": 13.0, "residual": -3.0},
    {"actual": 20.0, "predicted": 21.0, "residual": -1.0},
    {"actual": 30.0, "predicted": 30.0, "residual": 0.0},
    {"actual": 40.0, "predicted": 39.0, "residual": 1.0},
    {"actual": 50.0, "predicted": 47.5, "residual": 2.5},
]
# Quantiles interpolate between neighbours: the 5% one lies a fifth of the way from -3 to -1.
RESIDUALS_TABLE = """\
### Residuals (test split, this PR: 5 rows, residual = actual - predicted)

| residual | value |
| --- | ---: |
| mean | -0.1 |
| mean absolute | 1.5 |
| min | -3 |
| 5% | -2.6 |
| 25% | -1 |
| median | 0 |
| 75% | 1 |
| 95% | 2.2 |
| max | 2.5 |"""


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
        test_split=CONFUSION_TABLE,
        verdict=Verdict(True, "macro_f1 dropped by 0.01 (0.96 → 0.95), within the allowed 0.02 (x)"),
        context=Context(base="`main` (`0123456789ab`)", head="abcdef012345", model_version="e6ea222af2a0"),
    )
    assert (
        report
        == f"""\
{MARKER}

## Model report

✅ **Metric gate passed: macro_f1 dropped by 0.01 (0.96 → 0.95), within the allowed 0.02 (x)**

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
        test_split=CONFUSION_TABLE,
        verdict=Verdict(False, "macro_f1 dropped by 0.5"),
        context=Context(base="`0123456789ab`", head="abcdef012345"),
    )
    assert "❌ **Metric gate failed: macro_f1 dropped by 0.5**" in report
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


def test_the_residuals_are_summarised_by_mean_and_quantiles() -> None:
    assert render_residuals(PREDICTIONS) == RESIDUALS_TABLE


def test_one_prediction_is_its_own_quantile() -> None:
    lines = render_residuals([{"actual": 2.0, "predicted": 1.5, "residual": 0.5}]).splitlines()
    assert lines[0] == "### Residuals (test split, this PR: 1 rows, residual = actual - predicted)"
    assert lines[4:] == [
        f"| {name} | 0.5 |" for name in ("mean", "mean absolute", "min", "5%", "25%", "median", "75%", "95%", "max")
    ]


def test_the_task_of_the_pull_request_chooses_the_plot_section(tmp_path: Path) -> None:
    (tmp_path / "confusion.json").write_text(json.dumps(CONFUSION))
    (tmp_path / "predictions.json").write_text(json.dumps(PREDICTIONS))
    task = {"params.yaml": {"data.task": {"old": "classification", "new": "regression"}}}
    assert pr_report.render_test_split(task, tmp_path) == RESIDUALS_TABLE
    task = {"params.yaml": {"data.task": {"old": "regression", "new": "classification"}}}
    assert pr_report.render_test_split(task, tmp_path) == CONFUSION_TABLE
    # A params.yaml from before data.task trained the classifier.
    assert pr_report.render_test_split({}, tmp_path) == CONFUSION_TABLE


@pytest.mark.parametrize(
    "rows", [[], [{"actual": 1.0, "predicted": 1.0}], [{"actual": 1, "predicted": 1, "residual": "0"}], {"a": 1}]
)
def test_a_malformed_predictions_file_is_a_one_line_error(tmp_path: Path, rows: object) -> None:
    path = tmp_path / "predictions.json"
    path.write_text(json.dumps(rows))
    with pytest.raises(CicdError) as error:
        pr_report.read_predictions(path)
    assert str(error.value) == (
        f"{path}: expected a non-empty list of {{'actual': ..., 'predicted': ..., 'residual': ...}} rows"
    )


def test_a_malformed_confusion_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "confusion.json"
    path.write_text(json.dumps([{"actual": "Adelie"}]))
    with pytest.raises(CicdError, match=r"confusion.json: expected a list of \{'actual': ..., 'predicted': ...\} rows"):
        pr_report.read_confusion(path)
    with pytest.raises(CicdError, match="not found; run `make train` first"):
        pr_report.read_confusion(tmp_path / "missing.json")


# ---- against real `dvc metrics diff` / `dvc params diff` between commits of a repository ----

DVC_YAML = """\
stages:
  evaluate:
    cmd: "true"
    params:
      - data
      - train
      - evaluate
    metrics:
      - reports/metrics.json:
          cache: false
"""
F1_GATE = {"metric": "macro_f1", "worse_if": "decrease", "tolerance": 0.02}
RMSE_GATE = {"metric": "rmse", "worse_if": "increase", "tolerance": 0}


def write_classifier(repo: Path, *, c: float, macro_f1: float, accuracy: float, extra_param: bool = False) -> None:
    train = {"C": c, **({"class_weight": "balanced"} if extra_param else {})}
    write_state(
        repo,
        {"data": {"task": "classification"}, "train": train, "evaluate": {"gate": F1_GATE}},
        {"accuracy": accuracy, "macro_f1": macro_f1},
        {"confusion.json": CONFUSION},
    )


def write_regressor(repo: Path, *, rmse: float) -> None:
    scores = {"rmse": rmse, "mae": 40.5, "r2": 0.6, "baseline": {"prediction": 4200, "rmse": 80.0, "r2": 0}}
    write_state(
        repo,
        {"data": {"task": "regression"}, "train": {"C": 1.0}, "evaluate": {"gate": RMSE_GATE}},
        scores,
        {"predictions.json": PREDICTIONS},
    )


def write_state(repo: Path, params: dict[str, Any], scores: dict[str, Any], plots: dict[str, Any]) -> None:
    (repo / "params.yaml").write_text(json.dumps(params))  # JSON is YAML
    shutil.rmtree(repo / "reports", ignore_errors=True)
    (repo / "reports/plots").mkdir(parents=True)
    (repo / "reports/metrics.json").write_text(json.dumps(scores))
    for name, rows in plots.items():
        (repo / "reports/plots" / name).write_text(json.dumps(rows))


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A DVC project with three bases: main (a classifier with macro F1 0.96 and C 1.0), a regressor (RMSE 50.2)
    and a classifier from before evaluate.gate; the workspace is on main."""
    repo = tmp_path_factory.mktemp("report") / "repo"
    repo.mkdir()
    dvc = str(VENV_BIN / "dvc")
    run(["git", "init", "--quiet", "--initial-branch", "main"], repo)
    run([dvc, "init", "--quiet"], repo)
    run([dvc, "config", "core.analytics", "false"], repo)
    (repo / "dvc.yaml").write_text(DVC_YAML)
    bases = {}

    def commit(name: str) -> None:
        run(["git", "add", "--all"], repo)
        run(["git", "commit", "--quiet", "--message", name], repo)
        bases[name] = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()

    legacy_params = {"train": {"C": 1.0}, "evaluate": {"max_macro_f1_drop": 0.02}}
    write_state(repo, legacy_params, {"accuracy": 0.97, "macro_f1": 0.96}, {"confusion.json": CONFUSION})
    commit("legacy")
    write_regressor(repo, rmse=50.2)
    commit("regression")
    write_classifier(repo, c=1.0, macro_f1=0.96, accuracy=0.97)
    commit("main")
    return repo, bases


def params_changed(rows: str) -> str:
    return f"### Params changed (`params.yaml`)\n\n| param | base | this PR |\n| --- | --- | --- |\n{rows}"


def expected_report(
    repo: Path, base: str, verdict_line: str, metric_rows: str, params: str, test_split: str = CONFUSION_TABLE
) -> str:
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

{params}

{test_split}

<sub>Updated in place by every run of the train workflow on this pull request.</sub>
"""


def report(repo: Path, base: str, out: Path) -> str:
    assert pr_report.main(["--base", base, "--base-name", "main", "--cwd", str(repo), "--out", str(out)]) == 0
    return out.read_text()


@pytest.mark.slow
def test_a_small_drop_passes_the_gate(
    repository: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, bases = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    write_classifier(repo, c=0.5, macro_f1=0.95, accuracy=0.97)

    assert report(repo, bases["main"], tmp_path / "report.md") == expected_report(
        repo,
        bases["main"],
        "✅ **Metric gate passed: macro_f1 dropped by 0.01 (0.96 → 0.95), within the allowed 0.02 "
        "(params.yaml evaluate.gate of the base)**",
        "| accuracy | 0.97 | 0.97 | 0 |\n| macro_f1 | 0.96 | 0.95 | -0.01 |",
        params_changed("| train.C | 1 | 0.5 |"),
    )
    assert metric_gate.main(["--base", bases["main"], "--cwd", str(repo)]) == 0
    assert capsys.readouterr().out.startswith("Metric gate passed: macro_f1 dropped by 0.01")


@pytest.mark.slow
def test_a_large_drop_fails_the_gate_and_the_report_says_by_how_much(
    repository: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, bases = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    write_classifier(repo, c=10.0, macro_f1=0.9, accuracy=0.92, extra_param=True)

    assert report(repo, bases["main"], tmp_path / "report.md") == expected_report(
        repo,
        bases["main"],
        "❌ **Metric gate failed: macro_f1 dropped by 0.06 (0.96 → 0.9), more than the allowed 0.02 "
        "(params.yaml evaluate.gate of the base)**",
        "| accuracy | 0.97 | 0.92 | -0.05 |\n| macro_f1 | 0.96 | 0.9 | -0.06 |",
        params_changed("| train.C | 1 | 10 |\n| train.class_weight | — | balanced |"),
    )
    assert metric_gate.main(["--base", bases["main"], "--cwd", str(repo)]) == 1
    assert capsys.readouterr().out == (
        "Metric gate failed: macro_f1 dropped by 0.06 (0.96 → 0.9), more than the allowed 0.02 "
        "(params.yaml evaluate.gate of the base)\n"
    )


@pytest.mark.slow
def test_a_regressor_whose_rmse_rose_fails_and_the_report_summarises_its_residuals(
    repository: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, bases = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    write_regressor(repo, rmse=53.3)
    verdict = (
        "Metric gate failed: rmse rose by 3.1 (50.2 → 53.3), more than the allowed 0 "
        "(params.yaml evaluate.gate of the base)"
    )

    assert report(repo, bases["regression"], tmp_path / "report.md") == expected_report(
        repo,
        bases["regression"],
        f"❌ **{verdict}**",
        "| baseline.prediction | 4200 | 4200 | 0 |\n| baseline.r2 | 0 | 0 | 0 |\n| baseline.rmse | 80 | 80 | 0 |\n"
        "| mae | 40.5 | 40.5 | 0 |\n| r2 | 0.6 | 0.6 | 0 |\n| rmse | 50.2 | 53.3 | +3.1 |",
        "### Params (`params.yaml`)\n\nNo param differs from the base.",
        RESIDUALS_TABLE,
    )
    assert metric_gate.main(["--base", bases["regression"], "--cwd", str(repo)]) == 1
    assert capsys.readouterr().out == f"{verdict}\n"


@pytest.mark.slow
def test_a_pull_request_that_changes_the_task_passes_on_its_own_metric(
    repository: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, bases = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    write_regressor(repo, rmse=53.3)

    text = report(repo, bases["main"], tmp_path / "report.md")
    assert "| data.task | classification | regression |" in text
    assert "| macro_f1 | 0.96 | — | removed |" in text
    assert "| rmse | — | 53.3 | new |" in text
    assert text.endswith(
        f"{RESIDUALS_TABLE}\n\n<sub>Updated in place by every run of the train workflow on this pull request.</sub>\n"
    )
    assert metric_gate.main(["--base", bases["main"], "--cwd", str(repo)]) == 0
    assert capsys.readouterr().out == (
        "Metric gate passed: the task changes from classification to regression, so the base has nothing to "
        "compare with; rmse is 53.3, and once merged the allowed rise is 0 "
        "(params.yaml evaluate.gate of this pull request)\n"
    )


@pytest.mark.slow
def test_a_base_from_before_evaluate_gate_is_judged_by_its_max_macro_f1_drop(
    repository: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, bases = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    write_classifier(repo, c=1.0, macro_f1=0.9, accuracy=0.92)

    assert metric_gate.main(["--base", bases["legacy"], "--cwd", str(repo)]) == 1
    assert capsys.readouterr().out == (
        "Metric gate failed: macro_f1 dropped by 0.06 (0.96 → 0.9), more than the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop of the base)\n"
    )


@pytest.mark.slow
def test_an_unknown_base_is_a_one_line_error(
    repository: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = repository
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    assert metric_gate.main(["--base", "no-such-rev", "--cwd", str(repo)]) == 2
    assert capsys.readouterr().err == (
        "error: dvc metrics diff no-such-rev: ERROR: unknown Git revision 'no-such-rev'\n"
    )
