from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.bundle import GOLDEN_PROBABILITY_TOLERANCE, BundleMetadata
from app.predictor.columns import record_columns
from app.predictor.errors import MetadataError, ModelLoadError
from app.predictor.onnx_backend import OnnxBackend
from app.predictor.sklearn_backend import SklearnBackend

ONNX_FILE = "onnx/model.onnx"


@pytest.fixture(scope="module")
def backends(model_dir: Path, metadata: BundleMetadata) -> tuple[OnnxBackend, SklearnBackend]:
    onnx = OnnxBackend.load(model_dir / ONNX_FILE, metadata)
    return onnx, SklearnBackend.load(model_dir / "model.joblib", metadata)


def test_inputs_are_one_column_per_graph_input_with_gaps_marked(
    backends, example: dict, metadata: BundleMetadata
) -> None:
    onnx, _ = backends
    gappy = {**example, "bill_length_mm": None, "island": None}

    inputs = onnx.inputs(record_columns(metadata.features, [example, gappy]))

    assert set(inputs) == set(example)
    assert inputs["bill_length_mm"].dtype == np.float32
    assert inputs["bill_length_mm"].shape == (2, 1)
    assert np.isnan(inputs["bill_length_mm"][1, 0])
    assert inputs["island"].dtype == object
    assert inputs["island"][:, 0].tolist() == [example["island"], ""]


def test_features_map_to_graph_inputs_by_position(model_dir: Path, metadata: BundleMetadata, example: dict) -> None:
    """The converter rewrites names such as "body mass (g)": the metadata's inputs list says which is which."""
    renamed = {"bill_length_mm": "bill length (mm)", "island": "Île"}
    features = [
        feature.model_copy(update={"name": renamed.get(feature.name, feature.name)}) for feature in metadata.features
    ]
    backend = OnnxBackend.load(model_dir / ONNX_FILE, metadata.model_copy(update={"features": features}))
    record = {renamed.get(name, name): value for name, value in example.items()}

    inputs = backend.inputs(record_columns(features, [record]))

    assert list(inputs) == metadata.artifacts.onnx.inputs  # type: ignore[union-attr]
    assert inputs["bill_length_mm"][0, 0] == np.float32(example["bill_length_mm"])
    assert inputs["island"][0, 0] == example["island"]


def test_same_probabilities_as_scikit_learn_for_golden_gappy_and_unknown_records(
    backends, metadata: BundleMetadata
) -> None:
    onnx, sklearn = backends
    records = [golden.record for golden in metadata.golden_records]
    example = metadata.example
    records += [
        dict.fromkeys(example),
        {**example, "island": "Atlantis", "sex": None},
        {**example, "body_mass_g": 1e9},
    ]

    from_onnx, from_sklearn = onnx.predict(records), sklearn.predict(records)

    assert from_onnx.shape == (len(records), 3)
    assert np.abs(from_onnx - from_sklearn).max() <= GOLDEN_PROBABILITY_TOLERANCE
    assert (from_onnx.argmax(axis=1) == from_sklearn.argmax(axis=1)).all()
    assert onnx.classes == sklearn.classes == tuple(metadata.classes or ())


def test_a_graph_with_other_inputs_is_refused(model_dir: Path, metadata: BundleMetadata) -> None:
    onnx = metadata.artifacts.onnx
    assert onnx is not None
    fewer = metadata.model_copy(
        update={
            "artifacts": metadata.artifacts.model_copy(
                update={"onnx": onnx.model_copy(update={"inputs": onnx.inputs[:-1]})}
            )
        }  # type: ignore[index]
    )

    with pytest.raises(MetadataError, match=r"the ONNX model takes inputs \[.*'sex'\], the metadata lists inputs"):
        OnnxBackend.load(model_dir / ONNX_FILE, fewer)


def test_a_file_that_is_not_onnx_is_a_load_error(tmp_path: Path, metadata: BundleMetadata) -> None:
    bogus = tmp_path / "model.onnx"
    bogus.write_bytes(json.dumps({"not": "onnx"}).encode())

    with pytest.raises(ModelLoadError, match=r"cannot load the ONNX model"):
        OnnxBackend.load(bogus, metadata)
