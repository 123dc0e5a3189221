"""Replay the golden records stored at training time through the full request path.

Classification must give the same label and every probability within
GOLDEN_PROBABILITY_TOLERANCE; regression the same value within GOLDEN_VALUE_TOLERANCE standard
deviations of the training target (BundleMetadata.golden_tolerance, in app.bundle).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pydantic import ValidationError

from app.bundle import GoldenRecord, label_key
from app.predictor.errors import GoldenReplayError
from app.predictor.predictions import ClassPrediction, Prediction, ValuePrediction

if TYPE_CHECKING:
    from app.predictor.model import Predictor


def replay_golden_records(predictor: Predictor, *, tolerance: float | None = None) -> None:
    metadata = predictor.metadata
    golden = metadata.golden_records
    allowed = metadata.golden_tolerance() if tolerance is None else tolerance
    try:
        # As JSON text, the way a client sends them: the generated validation is replayed too.
        records = [predictor.schema.parse_record(json.dumps(item.record)) for item in golden]
    except ValidationError as exc:
        raise GoldenReplayError(
            f"a golden record does not validate against the feature schema: {exc.errors()[0]}"
        ) from exc
    for position, (item, prediction) in enumerate(zip(golden, predictor.predict(records), strict=True)):
        problem = _difference(item, prediction, allowed)
        if problem:
            raise GoldenReplayError(f"golden record {position}: {problem}")


def _difference(item: GoldenRecord, prediction: Prediction, tolerance: float) -> str:
    if isinstance(prediction, ValuePrediction):
        return _value_difference(item, prediction, tolerance)
    return _class_difference(item, prediction, tolerance)


def _value_difference(item: GoldenRecord, prediction: ValuePrediction, tolerance: float) -> str:
    expected = item.value
    if expected is None or not abs(prediction.value - expected) <= tolerance:
        return f"the model predicts {prediction.value}, training recorded {expected} (tolerance {tolerance:g})"
    return ""


def _class_difference(item: GoldenRecord, prediction: ClassPrediction, tolerance: float) -> str:
    # Compared as keys: True == 1 in Python, but a bool label is not an int label.
    if item.label is None or prediction.key != label_key(item.label):
        return f"the model predicts {prediction.label!r}, training recorded {item.label!r}"
    for key, expected in (item.probabilities or {}).items():
        actual = prediction.probabilities.get(key)
        if actual is None or not abs(actual - expected) <= tolerance:
            return f"probability of {key!r} is {actual}, training recorded {expected} (tolerance {tolerance})"
    return ""
