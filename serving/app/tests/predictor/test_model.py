from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.predictor.errors import GoldenReplayError, MetadataError
from app.predictor.golden import TOLERANCE
from app.predictor.model import Prediction, Predictor, load_predictor


def test_predictions_carry_label_probabilities_and_warnings(predictor: Predictor, metadata: dict) -> None:
    golden = metadata["golden_records"][0]
    unknown = {**golden["record"], "island": "Atlantis"}

    first, second = predictor.predict([golden["record"], unknown])

    assert first == Prediction(label=golden["label"], probabilities=first.probabilities, warnings=[])
    assert first.probabilities == pytest.approx(golden["probabilities"], abs=TOLERANCE)
    assert second.warnings == [
        "island: 'Atlantis' was not seen in training (known: Biscoe, Dream, Torgersen); the model ignores it"
    ]
    assert predictor.version == metadata["model_version"]


def test_a_backend_with_other_classes_is_refused(predictor: Predictor) -> None:
    class Reordered:
        name = "fake"
        classes = ("Gentoo", "Adelie", "Chinstrap")

        def predict_proba(self, records):
            return np.zeros((len(records), 3))

    with pytest.raises(MetadataError, match="the model predicts classes"):
        Predictor(metadata=predictor.metadata, backend=Reordered(), max_batch=10)


def test_a_golden_label_the_model_does_not_reproduce_is_refused(
    model_copy: Path, edit_metadata, metadata: dict
) -> None:
    label = metadata["golden_records"][3]["label"]
    other = next(name for name in metadata["classes"] if name != label)
    edit_metadata(model_copy, lambda d: d["golden_records"][3].update(label=other))

    with pytest.raises(GoldenReplayError) as caught:
        load_predictor(model_copy, max_batch=10)

    assert str(caught.value) == f"golden record 3: the model predicts {label!r}, training recorded {other!r}"


def test_a_golden_probability_off_by_more_than_the_tolerance_is_refused(model_copy: Path, edit_metadata) -> None:
    def nudge(document: dict) -> None:
        document["golden_records"][0]["probabilities"]["Adelie"] += 1e-4

    edit_metadata(model_copy, nudge)

    with pytest.raises(GoldenReplayError, match="golden record 0: probability of 'Adelie' is"):
        load_predictor(model_copy, max_batch=10)


def test_a_golden_record_outside_the_schema_is_refused(model_copy: Path, edit_metadata) -> None:
    edit_metadata(model_copy, lambda d: d["golden_records"][0]["record"].update(island=7))

    with pytest.raises(GoldenReplayError, match="does not validate against the feature schema"):
        load_predictor(model_copy, max_batch=10)
