"""The metric gate: a pull request fails when macro F1 drops by more than params.yaml allows.

python -m cicd.metric_gate --base <rev>     # exit 0 passed, 1 failed, 2 could not judge
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cicd import _dvc
from cicd.errors import CicdError

METRICS_FILE = "reports/metrics.json"
METRIC = "macro_f1"
PARAMS_FILE = "params.yaml"
THRESHOLD_PARAM = "evaluate.max_macro_f1_drop"
# The evaluate stage writes metrics rounded to 6 decimals: compare at that precision, so that
# 1.0 -> 0.98 is a drop of exactly 0.02 and not 0.020000000000000018.
DECIMALS = 6


@dataclass(frozen=True)
class Threshold:
    value: float
    # Where it came from, for the verdict line.
    source: str


@dataclass(frozen=True)
class Verdict:
    passed: bool
    # One sentence saying the drop and the threshold, either way.
    reason: str

    @property
    def line(self) -> str:
        return f"Metric gate {'passed' if self.passed else 'failed'}: {self.reason}"


def number(value: float) -> str:
    """A metric as written to metrics.json: at most 6 decimals, no trailing zeros."""
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def judge(*, base: float | None, new: float | None, threshold: Threshold) -> Verdict:
    allowed = f"{number(threshold.value)} ({threshold.source})"
    if new is None:
        return Verdict(False, f"{METRICS_FILE} has no {METRIC} in this pull request; the allowed drop is {allowed}")
    if base is None:
        return Verdict(
            True, f"macro F1 is {number(new)} and the base has none to compare with; the allowed drop is {allowed}"
        )
    drop = round(base - new, DECIMALS)
    change = f"({number(base)} → {number(new)})"
    if drop > threshold.value:
        return Verdict(False, f"macro F1 dropped by {number(drop)} {change}, more than the allowed {allowed}")
    if drop > 0:
        return Verdict(True, f"macro F1 dropped by {number(drop)} {change}, within the allowed {allowed}")
    if drop == 0:
        return Verdict(True, f"macro F1 is unchanged at {number(new)}; the allowed drop is {allowed}")
    return Verdict(True, f"macro F1 rose by {number(-drop)} {change}; the allowed drop is {allowed}")


def threshold_from(params: _dvc.Diff) -> Threshold:
    """The base's threshold: the policy of the branch being merged into, which the pull request cannot loosen."""
    change = params.get(PARAMS_FILE, {}).get(THRESHOLD_PARAM)
    old, new = (_threshold_value(change.get(side)) for side in ("old", "new")) if change else (None, None)
    name = f"{PARAMS_FILE} {THRESHOLD_PARAM}"
    if old is not None:
        if new is not None and new != old:
            return Threshold(
                old, f"{name} of the base; this pull request sets {number(new)}, which applies once merged"
            )
        return Threshold(old, name)
    if new is not None:
        return Threshold(new, f"{name} of this pull request; the base has none")
    raise CicdError(f"{PARAMS_FILE} has no {THRESHOLD_PARAM}, in the base or in this pull request")


def _threshold_value(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise CicdError(f"{PARAMS_FILE} {THRESHOLD_PARAM} must be a number >= 0, got {value!r}")
    return float(value)


def metric_values(metrics: _dvc.Diff) -> tuple[float | None, float | None]:
    change = metrics.get(METRICS_FILE, {}).get(METRIC, {})
    return _metric(change.get("old")), _metric(change.get("new"))


def _metric(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def gate(metrics: _dvc.Diff, params: _dvc.Diff) -> Verdict:
    base, new = metric_values(metrics)
    return judge(base=base, new=new, threshold=threshold_from(params))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fail when macro F1 drops by more than params.yaml allows.")
    parser.add_argument("--base", required=True, help="the git revision to compare the workspace with")
    parser.add_argument("--cwd", type=Path, default=Path(), help="the project folder")
    args = parser.parse_args(argv)
    try:
        verdict = gate(_dvc.metrics_diff(args.base, args.cwd), _dvc.params_diff(args.base, args.cwd))
    except CicdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(verdict.line)
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
