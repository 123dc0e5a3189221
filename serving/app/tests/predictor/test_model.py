from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.bundle import GOLDEN_PROBABILITY_TOLERANCE, BundleMetadata, label_key
from app.predictor.errors import GoldenReplayError, MetadataError
from app.predictor.model import Predictor, load_predictor
from app.predictor.predictions import ClassPrediction


def test_predictions_carry_label_probabilities_and_warnings(predictor: Predictor, metadata: BundleMetadata) -> None:
    golden = metadata.golden_records[0]
    assert golden.label is not None
    unknown = {**golden.record, "island": "Atlantis"}

    first, second = predictor.predict([golden.record, unknown])

    assert first == ClassPrediction(
        label=golden.label, key=label_key(golden.label), probabilities=first.probabilities, warnings=[]
    )
    assert first.probabilities == pytest.approx(golden.probabilities, abs=GOLDEN_PROBABILITY_TOLERANCE)
    assert isinstance(second, ClassPrediction)
    assert second.warnings == [
        "island: 'Atlantis' was not seen in training (known: Biscoe, Dream, Torgersen); the model ignores it"
    ]
    assert first.body() == {"label": golden.label, "probabilities": first.probabilities, "warnings": []}
    assert predictor.version == metadata.model_version


class FakeBackend:
    name = "fake"
    blocking = False

    def __init__(self, classes: tuple, rows: list[list[float]]) -> None:
        self.classes, self.rows = classes, rows

    def predict(self, records):
        return np.array(self.rows[: len(records)], dtype=np.float64)


def test_a_backend_with_other_classes_is_refused(predictor: Predictor) -> None:
    with pytest.raises(MetadataError, match="the model predicts classes"):
        Predictor(metadata=predictor.metadata, backend=FakeBackend(("Gentoo", "Adelie", "Chinstrap"), []), max_batch=10)


def test_labels_keep_their_type_and_key_their_probabilities(metadata: BundleMetadata) -> None:
    binary = metadata.model_copy(update={"classes": [False, True]})
    backend = FakeBackend((False, True), [[0.2, 0.8], [0.9, 0.1]])

    first, second = Predictor(metadata=binary, backend=backend, max_batch=10).predict([metadata.example] * 2)

    assert first.body() == {"label": True, "probabilities": {"false": 0.2, "true": 0.8}, "warnings": []}
    assert (second.label, type(second.label)) == (False, bool)


def test_a_bool_model_is_not_an_int_model(metadata: BundleMetadata) -> None:
    # True == 1 in Python: the labels are compared by their JSON text.
    with pytest.raises(MetadataError, match=r"the model predicts classes \[0, 1\], the metadata lists \[False, True\]"):
        Predictor(
            metadata=metadata.model_copy(update={"classes": [False, True]}),
            backend=FakeBackend((0, 1), []),
            max_batch=10,
        )


def test_a_golden_label_the_model_does_not_reproduce_is_refused(
    model_copy: Path, edit_metadata, metadata: BundleMetadata
) -> None:
    label = metadata.golden_records[3].label
    other = next(name for name in metadata.class_keys if name != label)
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
