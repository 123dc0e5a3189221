from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.predictor.errors import MetadataError, ModelLoadError
from app.predictor.golden import TOLERANCE
from app.predictor.metadata import read_metadata
from app.predictor.onnx_backend import OnnxBackend
from app.predictor.sklearn_backend import SklearnBackend


@pytest.fixture(scope="module")
def backends(model_dir: Path) -> tuple[OnnxBackend, SklearnBackend]:
    metadata = read_metadata(model_dir)
    assert metadata.artifacts.onnx is not None
    assert metadata.artifacts.onnx.file is not None
    onnx = OnnxBackend.load(model_dir / metadata.artifacts.onnx.file, metadata.features, metadata.classes)
    return onnx, SklearnBackend.load(model_dir / "model.joblib", metadata.features)


def test_inputs_are_one_column_per_feature_with_gaps_marked(backends, example: dict) -> None:
    onnx, _ = backends
    gappy = {**example, "bill_length_mm": None, "island": None}

    inputs = onnx.inputs([example, gappy])

    assert set(inputs) == set(example)
    assert inputs["bill_length_mm"].dtype == np.float32
    assert inputs["bill_length_mm"].shape == (2, 1)
    assert np.isnan(inputs["bill_length_mm"][1, 0])
    assert inputs["island"].dtype == object
    assert inputs["island"][:, 0].tolist() == [example["island"], ""]


def test_same_probabilities_as_scikit_learn_for_golden_gappy_and_unknown_records(backends, metadata: dict) -> None:
    onnx, sklearn = backends
    records = [golden["record"] for golden in metadata["golden_records"]]
    example = metadata["example"]
    records += [
        {name: None for name in example},
        {**example, "island": "Atlantis", "sex": None},
        {**example, "body_mass_g": 1e9},
    ]

    from_onnx, from_sklearn = onnx.predict_proba(records), sklearn.predict_proba(records)

    assert from_onnx.shape == (len(records), 3)
    assert np.abs(from_onnx - from_sklearn).max() <= TOLERANCE
    assert (from_onnx.argmax(axis=1) == from_sklearn.argmax(axis=1)).all()
    assert onnx.classes == sklearn.classes


def test_a_graph_with_other_inputs_is_refused(model_dir: Path) -> None:
    metadata = read_metadata(model_dir)
    assert metadata.artifacts.onnx is not None
    assert metadata.artifacts.onnx.file is not None
    fewer = [feature for feature in metadata.features if feature.name != "sex"]

    with pytest.raises(MetadataError, match=r"the ONNX model takes inputs \[.*'sex'.*\], the metadata describes"):
        OnnxBackend.load(model_dir / metadata.artifacts.onnx.file, fewer, metadata.classes)


def test_a_file_that_is_not_onnx_is_a_load_error(tmp_path: Path, model_dir: Path) -> None:
    metadata = read_metadata(model_dir)
    bogus = tmp_path / "model.onnx"
    bogus.write_bytes(json.dumps({"not": "onnx"}).encode())

    with pytest.raises(ModelLoadError, match=r"cannot load the ONNX model"):
        OnnxBackend.load(bogus, metadata.features, metadata.classes)
