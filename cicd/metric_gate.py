"""The metric gate: a pull request fails when its metric gets worse than params.yaml allows.

The gate is params.yaml `evaluate.gate` (metric, worse_if, tolerance), else the task's default
(`training.params.DEFAULT_GATES`). The base's gate applies, so that no pull request loosens its own.

    python -m cicd.metric_gate --base <rev>     # exit 0 passed, 1 failed, 2 could not judge
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cicd import _dvc
from cicd.errors import CicdError
from training.params import DEFAULT_GATES, GateParams

METRICS_FILE = "reports/metrics.json"
PARAMS_FILE = "params.yaml"
GATE_PARAM = "evaluate.gate"
TASK_PARAM = "data.task"
# What params.yaml had before evaluate.gate: the macro F1 drop a classifier may show.
LEGACY_PARAM = "evaluate.max_macro_f1_drop"
LEGACY_GATE = {"metric": "macro_f1", "worse_if": "decrease"}
BASE, HEAD = "the base", "this pull request"
# The evaluate stage writes metrics rounded to 6 decimals: compare at that precision, so that
# 1.0 -> 0.98 is a drop of exactly 0.02 and not 0.020000000000000018.
DECIMALS = 6


@dataclass(frozen=True)
class Policy:
    """One side's gate, as its params.yaml states it."""

    gate: GateParams
    # The task that side trains, when its params.yaml says (the legacy key implies classification).
    task: str | None
    # Where the gate comes from, for the verdict, e.g. "params.yaml evaluate.gate of the base".
    source: str


@dataclass(frozen=True)
class Rule:
    """The gate that judges this pull request, and why it is that one."""

    gate: GateParams
    source: str

    @property
    def allowed(self) -> str:
        """E.g. "drop is 0.02 (params.yaml evaluate.gate of the base)"."""
        return f"{_noun(self.gate)} is {number(self.gate.tolerance)} ({self.source})"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    # One sentence naming the metric, its change and the allowed change, either way.
    reason: str

    @property
    def line(self) -> str:
        return f"Metric gate {'passed' if self.passed else 'failed'}: {self.reason}"


def number(value: float) -> str:
    """A metric as written to metrics.json: at most 6 decimals, no trailing zeros."""
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _noun(gate: GateParams) -> str:
    return "drop" if gate.worse_if == "decrease" else "rise"


def judge(*, base: float | None, new: float | None, rule: Rule) -> Verdict:
    metric, tolerance = rule.gate.metric, rule.gate.tolerance
    worse, better = ("dropped", "rose") if rule.gate.worse_if == "decrease" else ("rose", "dropped")
    if new is None:
        return Verdict(False, f"{METRICS_FILE} has no {metric} in this pull request; the allowed {rule.allowed}")
    if base is None:
        return Verdict(
            True, f"{metric} is {number(new)} and the base has none to compare with; the allowed {rule.allowed}"
        )
    change = round(new - base, DECIMALS)
    worsening = -change if rule.gate.worse_if == "decrease" else change
    values = f"({number(base)} → {number(new)})"
    allowed = f"{number(tolerance)} ({rule.source})"
    if worsening > tolerance:
        return Verdict(False, f"{metric} {worse} by {number(worsening)} {values}, more than the allowed {allowed}")
    if worsening > 0:
        return Verdict(True, f"{metric} {worse} by {number(worsening)} {values}, within the allowed {allowed}")
    if worsening == 0:
        return Verdict(True, f"{metric} is unchanged at {number(new)}; the allowed {rule.allowed}")
    return Verdict(True, f"{metric} {better} by {number(-worsening)} {values}; the allowed {rule.allowed}")


def judge_new_task(*, base_task: str, head: Policy, new: float | None) -> Verdict:
    """A pull request that changes the task: the base measured another task, so nothing is compared."""
    rule = Rule(head.gate, head.source)
    changes = f"the task changes from {base_task} to {head.task}"
    if new is None:
        return Verdict(
            False,
            f"{changes}, and {METRICS_FILE} has no {head.gate.metric} in this pull request; the allowed {rule.allowed}",
        )
    return Verdict(
        True,
        f"{changes}, so the base has nothing to compare with; {head.gate.metric} is {number(new)}, and once merged "
        f"the allowed {rule.allowed}",
    )


def policy_of(params: Mapping[str, Any], side: str) -> Policy | None:
    """One side's gate from its params (dotted keys, as `dvc params diff` flattens them); None without any."""
    task = params.get(TASK_PARAM)
    if task is not None and task not in DEFAULT_GATES:
        raise CicdError(f"{PARAMS_FILE} {TASK_PARAM} of {side} must be one of {', '.join(DEFAULT_GATES)}, got {task!r}")
    prefix = f"{GATE_PARAM}."
    gate = {key.removeprefix(prefix): value for key, value in params.items() if key.startswith(prefix)}
    if any(value is not None for value in gate.values()):
        return Policy(_gate(gate, side), task, f"{PARAMS_FILE} {GATE_PARAM} of {side}")
    legacy = params.get(LEGACY_PARAM)
    if legacy is not None:
        if isinstance(legacy, bool) or not isinstance(legacy, int | float) or legacy < 0:
            raise CicdError(f"{PARAMS_FILE} {LEGACY_PARAM} of {side} must be a number >= 0, got {legacy!r}")
        legacy_gate = GateParams.model_validate({**LEGACY_GATE, "tolerance": legacy})
        return Policy(legacy_gate, task or "classification", f"{PARAMS_FILE} {LEGACY_PARAM} of {side}")
    if task is not None:
        return Policy(DEFAULT_GATES[task], task, f"the {task} default, as {side} sets no {GATE_PARAM}")
    return None


def _gate(values: dict[str, Any], side: str) -> GateParams:
    try:
        return GateParams.model_validate({key: value for key, value in values.items() if value is not None})
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        key = ".".join(str(part) for part in (GATE_PARAM, *error["loc"]))
        problem = "missing" if error["type"] == "missing" else f"{error['msg'].lower()}, got {error['input']!r}"
        raise CicdError(f"{PARAMS_FILE} {key} of {side}: {problem}") from exc


def rule_from(base: Policy | None, head: Policy | None) -> Rule:
    """The base's gate: the policy of the branch being merged into, which the pull request cannot loosen."""
    if base is None:
        if head is None:
            raise CicdError(
                f"{PARAMS_FILE} has neither {GATE_PARAM} nor {TASK_PARAM}, in the base or in this pull request"
            )
        return Rule(head.gate, f"{head.source}; the base has none")
    if head is None or head.gate == base.gate:
        return Rule(base.gate, base.source)
    changed = ", ".join(
        f"{name} {_shown(getattr(head.gate, name))}"
        for name in GateParams.model_fields
        if getattr(head.gate, name) != getattr(base.gate, name)
    )
    return Rule(base.gate, f"{base.source}; this pull request sets {changed}, which applies once merged")


def _shown(value: Any) -> str:
    return number(value) if isinstance(value, float) else str(value)


def metric_values(metrics: _dvc.Diff, metric: str) -> tuple[float | None, float | None]:
    change = metrics.get(METRICS_FILE, {}).get(metric, {})
    return _metric(change.get("old")), _metric(change.get("new"))


def _metric(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def gate(metrics: _dvc.Diff, params: _dvc.Diff) -> Verdict:
    changes = params.get(PARAMS_FILE, {})
    base = policy_of({key: change.get("old") for key, change in changes.items()}, BASE)
    head = policy_of({key: change.get("new") for key, change in changes.items()}, HEAD)
    if base is not None and head is not None and base.task and head.task and base.task != head.task:
        return judge_new_task(base_task=base.task, head=head, new=metric_values(metrics, head.gate.metric)[1])
    rule = rule_from(base, head)
    old, new = metric_values(metrics, rule.gate.metric)
    return judge(base=old, new=new, rule=rule)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fail when the gate metric of params.yaml evaluate.gate gets worse than the base's gate allows."
    )
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
