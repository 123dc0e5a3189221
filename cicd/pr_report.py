"""The pull request's model report, as markdown: gate verdict, metrics and params against the base, and the
test split's confusion matrix (classification) or residuals (regression).

    python -m cicd.pr_report --base <rev> [--base-name main] [--out report.md]

The first line is a hidden marker, so that the workflow finds its own comment and updates it in place.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.bundle import BundleError, read_metadata
from cicd import _dvc
from cicd.errors import CicdError
from cicd.metric_gate import DECIMALS, PARAMS_FILE, TASK_PARAM, Verdict, gate, number

MARKER = "<!-- model-report -->"
PLOTS_DIR = Path("reports/plots")
# The evaluate stage's plot data for each task: what the report summarises.
CONFUSION_FILE, PREDICTIONS_FILE = "confusion.json", "predictions.json"
RESIDUAL_QUANTILES = (("5%", 1), ("25%", 5), ("median", 10), ("75%", 15), ("95%", 19))
MODEL_DIR = Path("serving/app/model")
MISSING = "—"


@dataclass(frozen=True)
class Context:
    """What the report says it compares: the model and commit of this pull request, and the base."""

    base: str
    head: str
    model_version: str | None = None


def render_report(*, metrics: _dvc.Diff, params: _dvc.Diff, test_split: str, verdict: Verdict, context: Context) -> str:
    """`test_split` is the rendered plot section: `render_confusion` or `render_residuals`."""
    model = f"Model `{context.model_version}` " if context.model_version else "The model "
    parts = [
        MARKER,
        "## Model report",
        f"{'✅' if verdict.passed else '❌'} **{verdict.line}**",
        f"{model}trained from `{context.head}`, compared with {context.base}.",
        *(render_metrics(path, changes) for path, changes in sorted(metrics.items())),
        render_params(params.get(PARAMS_FILE, {})),
        test_split,
        "<sub>Updated in place by every run of the train workflow on this pull request.</sub>",
    ]
    return "\n\n".join(parts) + "\n"


def render_metrics(path: str, changes: dict[str, _dvc.Change]) -> str:
    rows = [
        [name, cell(change.get("old")), cell(change.get("new")), delta(change.get("old"), change.get("new"))]
        for name, change in sorted(changes.items())
    ]
    return f"### Metrics (`{path}`)\n\n" + table(["metric", "base", "this PR", "change"], rows, numeric_from=1)


def render_params(changes: dict[str, _dvc.Change]) -> str:
    changed = sorted((name, change) for name, change in changes.items() if change.get("old") != change.get("new"))
    if not changed:
        return f"### Params (`{PARAMS_FILE}`)\n\nNo param differs from the base."
    rows = [[name, cell(change.get("old")), cell(change.get("new"))] for name, change in changed]
    return f"### Params changed (`{PARAMS_FILE}`)\n\n" + table(["param", "base", "this PR"], rows)


def render_confusion(rows: Sequence[dict[str, str]]) -> str:
    counts = Counter((row["actual"], row["predicted"]) for row in rows)
    classes = sorted({label for pair in counts for label in pair})
    body = [[f"**{actual}**", *(str(counts[actual, predicted]) for predicted in classes)] for actual in classes]
    heading = f"### Confusion matrix (test split, this PR: {len(rows)} rows)\n\n"
    return heading + table(["actual ╲ predicted", *classes], body, numeric_from=1)


def render_residuals(rows: Sequence[dict[str, float]]) -> str:
    residuals = [row["residual"] for row in rows]
    # Twenty-quantiles, interpolated between the nearest ranks (numpy's default); one row is its own quantile.
    cuts = statistics.quantiles(residuals, n=20, method="inclusive") if len(residuals) > 1 else residuals * 19
    body = [
        ["mean", number(statistics.fmean(residuals))],
        ["mean absolute", number(statistics.fmean(abs(value) for value in residuals))],
        ["min", number(min(residuals))],
        *([name, number(cuts[position - 1])] for name, position in RESIDUAL_QUANTILES),
        ["max", number(max(residuals))],
    ]
    heading = f"### Residuals (test split, this PR: {len(rows)} rows, residual = actual - predicted)\n\n"
    return heading + table(["residual", "value"], body, numeric_from=1)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int | None = None) -> str:
    align = ["---:" if numeric_from is not None and i >= numeric_from else "---" for i in range(len(header))]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(_escape(value) for value in line) + " |" for line in lines)


def cell(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value)
    return str(value)


def delta(old: Any, new: Any) -> str:
    if old is None and new is None:
        return ""
    if old is None:
        return "new"
    if new is None:
        return "removed"
    if _numeric(old) and _numeric(new):
        change = round(new - old, DECIMALS)
        return "0" if change == 0 else f"{'+' if change > 0 else ''}{number(change)}"
    return "" if old == new else "changed"


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def read_confusion(path: Path) -> list[dict[str, str]]:
    rows = _read_rows(path)
    if not isinstance(rows, list) or not all(
        isinstance(row, dict) and isinstance(row.get("actual"), str) and isinstance(row.get("predicted"), str)
        for row in rows
    ):
        raise CicdError(f"{path}: expected a list of {{'actual': ..., 'predicted': ...}} rows")
    return rows


def read_predictions(path: Path) -> list[dict[str, float]]:
    rows = _read_rows(path)
    if (
        not isinstance(rows, list)
        or not rows
        or not all(
            isinstance(row, dict) and all(_numeric(row.get(key)) for key in ("actual", "predicted", "residual"))
            for row in rows
        )
    ):
        raise CicdError(
            f"{path}: expected a non-empty list of {{'actual': ..., 'predicted': ..., 'residual': ...}} rows"
        )
    return rows


def _read_rows(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise CicdError(f"{path}: not found; run `make train` first") from exc
    except json.JSONDecodeError as exc:
        raise CicdError(f"{path}: not valid JSON: {exc}") from exc


def render_test_split(params: _dvc.Diff, plots: Path) -> str:
    """The confusion matrix of a classifier, the residuals of a regressor (the task this pull request trains)."""
    task = params.get(PARAMS_FILE, {}).get(TASK_PARAM, {}).get("new") or "classification"
    if task == "regression":
        return render_residuals(read_predictions(plots / PREDICTIONS_FILE))
    return render_confusion(read_confusion(plots / CONFUSION_FILE))


def read_model_version(model_dir: Path) -> str | None:
    """The bundle's model version; None when there is no readable bundle (the report says "The model")."""
    try:
        return read_metadata(model_dir).model_version
    except BundleError:
        return None


def head_commit(cwd: Path) -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607 - git from PATH, like every developer tool
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "the workspace"


def describe_base(base: str, name: str | None) -> str:
    revision = f"`{base[:12]}`"
    return f"`{name}` ({revision})" if name and name != base else revision


def build_report(*, base: str, base_name: str | None, cwd: Path, plots: Path, model_dir: Path) -> tuple[str, Verdict]:
    metrics, params = _dvc.metrics_diff(base, cwd), _dvc.params_diff(base, cwd)
    verdict = gate(metrics, params)
    context = Context(
        base=describe_base(base, base_name), head=head_commit(cwd), model_version=read_model_version(cwd / model_dir)
    )
    report = render_report(
        metrics=metrics,
        params=params,
        test_split=render_test_split(params, cwd / plots),
        verdict=verdict,
        context=context,
    )
    return report, verdict


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the pull request's model report as markdown.")
    parser.add_argument("--base", required=True, help="the git revision to compare with (the PR's base)")
    parser.add_argument("--base-name", help="how to call the base in the report, e.g. the branch name")
    parser.add_argument("--cwd", type=Path, default=Path(), help="the project folder")
    parser.add_argument("--plots", type=Path, default=PLOTS_DIR, help="the evaluate stage's plot data")
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR, help="the model bundle (for its version)")
    parser.add_argument("--out", type=Path, help="write the report here instead of to stdout")
    args = parser.parse_args(argv)
    try:
        report, _ = build_report(
            base=args.base, base_name=args.base_name, cwd=args.cwd, plots=args.plots, model_dir=args.model_dir
        )
    except CicdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.write(report)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
