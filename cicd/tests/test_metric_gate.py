from __future__ import annotations

from typing import Any

import pytest

from cicd import _dvc, metric_gate
from cicd.errors import CicdError
from cicd.metric_gate import Rule, Verdict, gate, judge, number, policy_of, rule_from
from training.params import GateParams

F1_GATE = {"evaluate.gate.metric": "macro_f1", "evaluate.gate.worse_if": "decrease", "evaluate.gate.tolerance": 0.02}
RMSE_GATE = {"evaluate.gate.metric": "rmse", "evaluate.gate.worse_if": "increase", "evaluate.gate.tolerance": 0}
CLASSIFIER = {"data.task": "classification", **F1_GATE}
REGRESSOR = {"data.task": "regression", **RMSE_GATE}
# params.yaml before evaluate.gate existed: no data.task either.
LEGACY = {"evaluate.golden_records": 20, "evaluate.max_macro_f1_drop": 0.02}
F1_RULE = Rule(
    GateParams(metric="macro_f1", worse_if="decrease", tolerance=0.02), "params.yaml evaluate.gate of the base"
)
RMSE_RULE = Rule(GateParams(metric="rmse", worse_if="increase", tolerance=0), "params.yaml evaluate.gate of the base")


def params(base: dict[str, Any] | None, head: dict[str, Any] | None) -> _dvc.Diff:
    """`dvc params diff --json --all` of two flat params files; a side without the key is None."""
    base, head = base or {}, head or {}
    return {"params.yaml": {key: {"old": base.get(key), "new": head.get(key)} for key in {*base, *head}}}


def metrics(**changes: tuple[float | None, float | None]) -> _dvc.Diff:
    return {"reports/metrics.json": {name: {"old": old, "new": new} for name, (old, new) in changes.items()}}


def verdict(
    base: dict[str, Any] | None, head: dict[str, Any] | None, **changes: tuple[float | None, float | None]
) -> str:
    return gate(metrics(**changes), params(base, head)).line


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (0.030527, "0.030527"), (86, "86"), (0.1234567, "0.123457"), (-0.02, "-0.02"), (-1e-9, "0")],
)
def test_numbers_are_shown_as_metrics_json_writes_them(value: float, text: str) -> None:
    assert number(value) == text


# ---- a metric that must not decrease: classification's macro F1 ----


def test_a_drop_beyond_the_tolerance_fails_and_says_by_how_much() -> None:
    assert judge(base=0.98, new=0.93, rule=F1_RULE) == Verdict(
        passed=False,
        reason="macro_f1 dropped by 0.05 (0.98 → 0.93), more than the allowed 0.02 "
        "(params.yaml evaluate.gate of the base)",
    )


def test_a_drop_within_the_tolerance_passes_and_says_by_how_much() -> None:
    assert verdict(CLASSIFIER, CLASSIFIER, macro_f1=(1.0, 0.99)) == (
        "Metric gate passed: macro_f1 dropped by 0.01 (1 → 0.99), within the allowed 0.02 "
        "(params.yaml evaluate.gate of the base)"
    )


def test_a_drop_of_exactly_the_tolerance_passes_despite_float_noise() -> None:
    assert 1.0 - 0.98 > 0.02  # what a naive comparison would see
    assert judge(base=1.0, new=0.98, rule=F1_RULE).passed


def test_a_rise_and_no_change_pass() -> None:
    assert judge(base=0.9, new=0.95, rule=F1_RULE).reason == (
        "macro_f1 rose by 0.05 (0.9 → 0.95); the allowed drop is 0.02 (params.yaml evaluate.gate of the base)"
    )
    assert judge(base=0.9, new=0.9, rule=F1_RULE).reason == (
        "macro_f1 is unchanged at 0.9; the allowed drop is 0.02 (params.yaml evaluate.gate of the base)"
    )


# ---- a metric that must not increase: regression's RMSE ----


def test_an_rmse_rise_beyond_the_tolerance_fails() -> None:
    assert verdict(REGRESSOR, REGRESSOR, rmse=(50.2, 53.3)) == (
        "Metric gate failed: rmse rose by 3.1 (50.2 → 53.3), more than the allowed 0 "
        "(params.yaml evaluate.gate of the base)"
    )


def test_an_rmse_rise_within_the_tolerance_passes() -> None:
    tolerant = {**REGRESSOR, "evaluate.gate.tolerance": 0.5}
    assert verdict(tolerant, tolerant, rmse=(50.2, 50.6)) == (
        "Metric gate passed: rmse rose by 0.4 (50.2 → 50.6), within the allowed 0.5 "
        "(params.yaml evaluate.gate of the base)"
    )


def test_an_rmse_drop_is_an_improvement_and_passes() -> None:
    assert judge(base=50.2, new=49.0, rule=RMSE_RULE) == Verdict(
        passed=True,
        reason="rmse dropped by 1.2 (50.2 → 49); the allowed rise is 0 (params.yaml evaluate.gate of the base)",
    )
    assert judge(base=50.2, new=50.2, rule=RMSE_RULE).reason == (
        "rmse is unchanged at 50.2; the allowed rise is 0 (params.yaml evaluate.gate of the base)"
    )


def test_any_metric_of_metrics_json_can_be_gated_in_either_direction() -> None:
    r2 = {"data.task": "regression", "evaluate.gate.metric": "r2", "evaluate.gate.worse_if": "decrease"}
    r2 |= {"evaluate.gate.tolerance": 0.01}
    assert verdict(r2, r2, r2=(0.8, 0.75), rmse=(50.2, 49.0)) == (
        "Metric gate failed: r2 dropped by 0.05 (0.8 → 0.75), more than the allowed 0.01 "
        "(params.yaml evaluate.gate of the base)"
    )


# ---- where the gate comes from ----


def test_without_evaluate_gate_the_task_default_applies() -> None:
    assert verdict({"data.task": "regression"}, {"data.task": "regression"}, rmse=(50.2, 50.3)) == (
        "Metric gate failed: rmse rose by 0.1 (50.2 → 50.3), more than the allowed 0 "
        "(the regression default, as the base sets no evaluate.gate)"
    )
    assert verdict({"data.task": "classification"}, {"data.task": "classification"}, macro_f1=(1, 0.99)) == (
        "Metric gate passed: macro_f1 dropped by 0.01 (1 → 0.99), within the allowed 0.02 "
        "(the classification default, as the base sets no evaluate.gate)"
    )


def test_the_base_gate_rules_even_when_the_pull_request_loosens_it() -> None:
    loose = {**CLASSIFIER, "evaluate.gate.tolerance": 0.5}
    assert verdict(CLASSIFIER, loose, macro_f1=(1.0, 0.9)) == (
        "Metric gate failed: macro_f1 dropped by 0.1 (1 → 0.9), more than the allowed 0.02 "
        "(params.yaml evaluate.gate of the base; this pull request sets tolerance 0.5, which applies once merged)"
    )


def test_the_base_gate_rules_when_the_pull_request_gates_another_metric() -> None:
    mae = {**REGRESSOR, "evaluate.gate.metric": "mae", "evaluate.gate.tolerance": 1.5}
    assert verdict(REGRESSOR, mae, rmse=(50.2, 53.3), mae=(40.0, 40.1)) == (
        "Metric gate failed: rmse rose by 3.1 (50.2 → 53.3), more than the allowed 0 "
        "(params.yaml evaluate.gate of the base; this pull request sets metric mae, tolerance 1.5, "
        "which applies once merged)"
    )


def test_the_pull_request_gate_applies_when_the_base_has_no_params() -> None:
    assert verdict(None, REGRESSOR, rmse=(None, 53.3)) == (
        "Metric gate passed: rmse is 53.3 and the base has none to compare with; the allowed rise is 0 "
        "(params.yaml evaluate.gate of this pull request; the base has none)"
    )


def test_the_first_model_passes_the_base_having_no_metrics() -> None:
    assert verdict(CLASSIFIER, CLASSIFIER, macro_f1=(None, 0.97)) == (
        "Metric gate passed: macro_f1 is 0.97 and the base has none to compare with; the allowed drop is 0.02 "
        "(params.yaml evaluate.gate of the base)"
    )
    assert gate({}, params(CLASSIFIER, CLASSIFIER)).passed is False  # no metrics at all in the pull request


def test_a_pull_request_without_the_gate_metric_fails() -> None:
    assert verdict(REGRESSOR, REGRESSOR, rmse=(50.2, None), mae=(40.0, 41.0)) == (
        "Metric gate failed: reports/metrics.json has no rmse in this pull request; the allowed rise is 0 "
        "(params.yaml evaluate.gate of the base)"
    )


# ---- a base from before evaluate.gate ----


def test_a_legacy_base_gates_macro_f1_with_its_max_macro_f1_drop() -> None:
    assert verdict(LEGACY, CLASSIFIER, macro_f1=(1.0, 0.95)) == (
        "Metric gate failed: macro_f1 dropped by 0.05 (1 → 0.95), more than the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop of the base)"
    )


def test_a_legacy_base_still_rules_a_pull_request_that_moves_to_a_looser_gate() -> None:
    assert verdict(LEGACY, {**CLASSIFIER, "evaluate.gate.tolerance": 0.1}, macro_f1=(1.0, 0.95)) == (
        "Metric gate failed: macro_f1 dropped by 0.05 (1 → 0.95), more than the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop of the base; this pull request sets tolerance 0.1, "
        "which applies once merged)"
    )
    assert verdict(LEGACY, {"data.task": "classification"}, macro_f1=(1.0, 0.99)) == (
        "Metric gate passed: macro_f1 dropped by 0.01 (1 → 0.99), within the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop of the base)"
    )


def test_a_legacy_policy_is_a_classification_gate() -> None:
    assert policy_of(LEGACY, "the base") == metric_gate.Policy(
        GateParams(metric="macro_f1", worse_if="decrease", tolerance=0.02),
        "classification",
        "params.yaml evaluate.max_macro_f1_drop of the base",
    )


# ---- a pull request that changes the task ----


def test_a_new_task_is_not_compared_with_the_base_and_passes_with_its_metric() -> None:
    assert verdict(CLASSIFIER, REGRESSOR, macro_f1=(1.0, None), rmse=(None, 53.3)) == (
        "Metric gate passed: the task changes from classification to regression, so the base has nothing to "
        "compare with; rmse is 53.3, and once merged the allowed rise is 0 "
        "(params.yaml evaluate.gate of this pull request)"
    )


def test_a_new_task_from_a_legacy_base_uses_the_pull_request_default() -> None:
    assert verdict(LEGACY, {"data.task": "regression"}, macro_f1=(1.0, None), rmse=(None, 53.3)) == (
        "Metric gate passed: the task changes from classification to regression, so the base has nothing to "
        "compare with; rmse is 53.3, and once merged the allowed rise is 0 "
        "(the regression default, as this pull request sets no evaluate.gate)"
    )


def test_a_new_task_without_its_gate_metric_fails() -> None:
    assert verdict(REGRESSOR, CLASSIFIER, rmse=(50.2, None), accuracy=(None, 0.9)) == (
        "Metric gate failed: the task changes from regression to classification, and reports/metrics.json has "
        "no macro_f1 in this pull request; the allowed drop is 0.02 (params.yaml evaluate.gate of this pull request)"
    )


# ---- params the gate cannot judge with ----


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        ({}, {}, "params.yaml has neither evaluate.gate nor data.task, in the base or in this pull request"),
        (
            {**CLASSIFIER, "evaluate.gate.worse_if": "lower"},
            CLASSIFIER,
            "params.yaml evaluate.gate.worse_if of the base: input should be 'decrease' or 'increase', got 'lower'",
        ),
        (
            {"data.task": "regression", "evaluate.gate.metric": "rmse", "evaluate.gate.worse_if": "increase"},
            REGRESSOR,
            "params.yaml evaluate.gate.tolerance of the base: missing",
        ),
        (
            CLASSIFIER,
            {**CLASSIFIER, "evaluate.gate.tolerance": -0.1},
            "params.yaml evaluate.gate.tolerance of this pull request: "
            "input should be greater than or equal to 0, got -0.1",
        ),
        (
            {**LEGACY, "evaluate.max_macro_f1_drop": "two"},
            CLASSIFIER,
            "params.yaml evaluate.max_macro_f1_drop of the base must be a number >= 0, got 'two'",
        ),
        (
            {**LEGACY, "evaluate.max_macro_f1_drop": True},
            CLASSIFIER,
            "params.yaml evaluate.max_macro_f1_drop of the base must be a number >= 0, got True",
        ),
        (
            CLASSIFIER,
            {"data.task": "ranking"},
            "params.yaml data.task of this pull request must be one of classification, regression, got 'ranking'",
        ),
    ],
)
def test_a_missing_or_bad_gate_is_an_error(base: dict[str, Any], head: dict[str, Any], message: str) -> None:
    with pytest.raises(CicdError) as error:
        gate(metrics(macro_f1=(1.0, 1.0)), params(base, head))
    assert str(error.value) == message


def test_a_gate_from_the_pull_request_alone_says_the_base_has_none() -> None:
    head = policy_of(REGRESSOR, "this pull request")
    assert rule_from(None, head) == Rule(
        GateParams(metric="rmse", worse_if="increase", tolerance=0),
        "params.yaml evaluate.gate of this pull request; the base has none",
    )


# ---- the command: one line, exit 0 passed, 1 failed, 2 could not judge ----


@pytest.mark.parametrize(
    ("rmse", "code", "stdout", "stderr"),
    [
        (
            (50.2, 50.2),
            0,
            "Metric gate passed: rmse is unchanged at 50.2; the allowed rise is 0 "
            "(params.yaml evaluate.gate of the base)\n",
            "",
        ),
        (
            (50.2, 53.3),
            1,
            "Metric gate failed: rmse rose by 3.1 (50.2 → 53.3), more than the allowed 0 "
            "(params.yaml evaluate.gate of the base)\n",
            "",
        ),
    ],
)
def test_the_command_prints_the_verdict_and_exits_with_its_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rmse: tuple[float, float],
    code: int,
    stdout: str,
    stderr: str,
) -> None:
    monkeypatch.setattr(_dvc, "metrics_diff", lambda base, cwd: metrics(rmse=rmse))
    monkeypatch.setattr(_dvc, "params_diff", lambda base, cwd: params(REGRESSOR, REGRESSOR))
    assert metric_gate.main(["--base", "main"]) == code
    assert capsys.readouterr() == (stdout, stderr)


def test_the_command_exits_2_with_one_line_when_it_cannot_judge(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_dvc, "metrics_diff", lambda base, cwd: metrics(rmse=(1.0, 1.0)))
    monkeypatch.setattr(_dvc, "params_diff", lambda base, cwd: params({}, {}))
    assert metric_gate.main(["--base", "main"]) == 2
    assert capsys.readouterr() == (
        "",
        "error: params.yaml has neither evaluate.gate nor data.task, in the base or in this pull request\n",
    )
