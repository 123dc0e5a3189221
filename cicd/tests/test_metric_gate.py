from __future__ import annotations

import pytest

from cicd.errors import CicdError
from cicd.metric_gate import Threshold, Verdict, gate, judge, number, threshold_from

POLICY = Threshold(0.02, "params.yaml evaluate.max_macro_f1_drop")


def params(old: object, new: object) -> dict:
    return {"params.yaml": {"evaluate.max_macro_f1_drop": {"old": old, "new": new}}}


def metrics(old: object, new: object) -> dict:
    return {"reports/metrics.json": {"macro_f1": {"old": old, "new": new}}}


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (0.030527, "0.030527"), (86, "86"), (0.1234567, "0.123457"), (-0.02, "-0.02"), (-1e-9, "0")],
)
def test_numbers_are_shown_as_metrics_json_writes_them(value: float, text: str) -> None:
    assert number(value) == text


def test_a_drop_beyond_the_threshold_fails_and_says_by_how_much() -> None:
    assert judge(base=0.98, new=0.93, threshold=POLICY) == Verdict(
        passed=False,
        reason="macro F1 dropped by 0.05 (0.98 → 0.93), more than the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop)",
    )


def test_a_drop_within_the_threshold_passes_and_says_by_how_much() -> None:
    verdict = judge(base=1.0, new=0.99, threshold=POLICY)
    assert verdict.passed
    assert verdict.line == (
        "Metric gate passed: macro F1 dropped by 0.01 (1 → 0.99), within the allowed 0.02 "
        "(params.yaml evaluate.max_macro_f1_drop)"
    )


def test_a_drop_of_exactly_the_threshold_passes_despite_float_noise() -> None:
    assert 1.0 - 0.98 > 0.02  # what a naive comparison would see
    assert judge(base=1.0, new=0.98, threshold=POLICY).passed


def test_a_rise_and_no_change_pass() -> None:
    assert judge(base=0.9, new=0.95, threshold=POLICY).reason.startswith("macro F1 rose by 0.05 (0.9 → 0.95)")
    assert judge(base=0.9, new=0.9, threshold=POLICY).reason.startswith("macro F1 is unchanged at 0.9;")


def test_no_base_metric_passes_and_no_new_metric_fails() -> None:
    first = judge(base=None, new=0.97, threshold=POLICY)
    assert first.passed
    assert "the base has none to compare with" in first.reason
    missing = judge(base=0.97, new=None, threshold=POLICY)
    assert not missing.passed
    assert missing.reason.startswith("reports/metrics.json has no macro_f1 in this pull request")


def test_the_base_threshold_rules_even_when_the_pull_request_loosens_it() -> None:
    threshold = threshold_from(params(0.02, 0.5))
    assert threshold.value == 0.02
    assert "this pull request sets 0.5, which applies once merged" in threshold.source
    assert not gate(metrics(1.0, 0.9), params(0.02, 0.5)).passed


def test_the_pull_request_threshold_applies_when_the_base_has_none() -> None:
    assert threshold_from(params(None, 0.1)) == Threshold(
        0.1, "params.yaml evaluate.max_macro_f1_drop of this pull request; the base has none"
    )


@pytest.mark.parametrize(
    ("diff", "message"),
    [
        ({}, "params.yaml has no evaluate.max_macro_f1_drop, in the base or in this pull request"),
        (params("two", "two"), "params.yaml evaluate.max_macro_f1_drop must be a number >= 0, got 'two'"),
        (params(-0.1, -0.1), "params.yaml evaluate.max_macro_f1_drop must be a number >= 0, got -0.1"),
        (params(True, True), "params.yaml evaluate.max_macro_f1_drop must be a number >= 0, got True"),
    ],
)
def test_a_missing_or_bad_threshold_is_an_error(diff: dict, message: str) -> None:
    with pytest.raises(CicdError) as error:
        threshold_from(diff)
    assert str(error.value) == message
