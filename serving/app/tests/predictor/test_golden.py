"""The golden replay compares by task: a class and its probabilities, or a value relative to the target's spread."""

from __future__ import annotations

import numpy as np
import pytest

from app.bundle import GOLDEN_VALUE_TOLERANCE, BundleMetadata, GoldenRecord, TargetStatistics
from app.predictor.errors import GoldenReplayError
from app.predictor.golden import replay_golden_records
from app.predictor.model import Predictor

STATISTICS = TargetStatistics(mean=150.0, std=80.0, min=25.0, max=346.0)
TOLERANCE = GOLDEN_VALUE_TOLERANCE * STATISTICS.std  # 0.08 in the target's unit


class Values:
    """A regression backend that answers the given values."""

    name = "fake"
    blocking = False
    classes = ()

    def __init__(self, *values: float) -> None:
        self.values = values

    def predict(self, records):
        return np.array(self.values[: len(records)], dtype=np.float64)


def regression(metadata: BundleMetadata, *values: float) -> BundleMetadata:
    golden = [GoldenRecord(record=metadata.example, value=value) for value in values]
    update = {"task": "regression", "classes": None, "target_statistics": STATISTICS, "golden_records": golden}
    return metadata.model_copy(update=update)


def test_values_within_the_tolerance_replay(metadata: BundleMetadata) -> None:
    predictor = Predictor(metadata=regression(metadata, 100.0, 200.0), backend=Values(100.05, 199.93), max_batch=10)

    replay_golden_records(predictor)


def test_a_value_beyond_the_tolerance_is_refused_naming_it(metadata: BundleMetadata) -> None:
    predictor = Predictor(metadata=regression(metadata, 100.0, 200.0), backend=Values(100.0, 200.1), max_batch=10)

    with pytest.raises(GoldenReplayError) as caught:
        replay_golden_records(predictor)

    assert str(caught.value) == "golden record 1: the model predicts 200.1, training recorded 200.0 (tolerance 0.08)"


def test_a_non_finite_value_never_replays(metadata: BundleMetadata) -> None:
    predictor = Predictor(metadata=regression(metadata, 100.0), backend=Values(float("nan")), max_batch=10)

    with pytest.raises(GoldenReplayError, match=r"the model predicts nan, training recorded 100\.0"):
        replay_golden_records(predictor)


def test_an_int_label_does_not_replay_a_bool_one(metadata: BundleMetadata) -> None:
    class Binary:
        name = "fake"
        blocking = False
        classes = (False, True)

        def predict(self, records):
            return np.array([[0.1, 0.9]] * len(records))

    golden = GoldenRecord(record=metadata.example, label=1, probabilities={"false": 0.1, "true": 0.9})
    binary = metadata.model_copy(update={"classes": [False, True], "golden_records": [golden]})

    with pytest.raises(GoldenReplayError, match="golden record 0: the model predicts True, training recorded 1"):
        replay_golden_records(Predictor(metadata=binary, backend=Binary(), max_batch=10))
