"""Replay the golden records stored at training time through the full request path."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pydantic import ValidationError

from app.predictor.errors import GoldenReplayError

if TYPE_CHECKING:
    from app.predictor.model import Predictor

# Same library versions give identical results; float32 runtimes agree to about 1e-6.
TOLERANCE = 1e-5


def replay_golden_records(predictor: Predictor, *, tolerance: float = TOLERANCE) -> None:
    golden = predictor.metadata.golden_records
    try:
        # As JSON text, the way a client sends them: the generated validation is replayed too.
        records = [predictor.schema.parse_record(json.dumps(item.record)) for item in golden]
    except ValidationError as exc:
        raise GoldenReplayError(
            f"a golden record does not validate against the feature schema: {exc.errors()[0]}"
        ) from exc
    for position, (item, prediction) in enumerate(zip(golden, predictor.predict(records), strict=True)):
        if prediction.label != item.label:
            raise GoldenReplayError(
                f"golden record {position}: the model predicts {prediction.label!r}, training recorded {item.label!r}"
            )
        for label, expected in item.probabilities.items():
            actual = prediction.probabilities.get(label)
            if actual is None or abs(actual - expected) > tolerance:
                raise GoldenReplayError(
                    f"golden record {position}: probability of {label!r} is {actual}, training recorded {expected} "
                    f"(tolerance {tolerance})"
                )
