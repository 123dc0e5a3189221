from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.bundle import BundleMetadata
from app.predictor.columns import record_columns
from app.predictor.errors import MetadataError, ModelLoadError
from app.predictor.sklearn_backend import SklearnBackend


@pytest.fixture(scope="module")
def backend(model_dir: Path, metadata: BundleMetadata) -> SklearnBackend:
    return SklearnBackend.load(model_dir / "model.joblib", metadata)


def test_the_frame_has_the_dtypes_and_column_order_training_used(
    backend: SklearnBackend, example: dict, metadata: BundleMetadata
) -> None:
    gaps = dict.fromkeys(example)
    frame = backend.frame(record_columns(metadata.features, [example, gaps]))

    assert list(frame.columns) == list(backend._pipeline.feature_names_in_)
    assert frame["body_mass_g"].dtype == np.float64
    assert np.isnan(frame["body_mass_g"].iloc[1])
    assert frame["island"].dtype == object
    assert frame["island"].tolist() == [example["island"], ""]


def test_probabilities_have_one_row_per_record_and_sum_to_one(
    backend: SklearnBackend, example: dict, metadata: BundleMetadata
) -> None:
    proba = backend.predict([example, dict.fromkeys(example), {**example, "island": "Atlantis"}])

    assert proba.shape == (3, len(backend.classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(backend.classes) == metadata.classes
    assert {type(label) for label in backend.classes} == {str}
    assert backend.name == "sklearn"


def test_a_schema_that_does_not_match_the_model_is_refused(backend: SklearnBackend, metadata: BundleMetadata) -> None:
    fewer = metadata.model_copy(update={"features": metadata.features[:-1]})

    with pytest.raises(MetadataError, match="the model expects columns"):
        SklearnBackend(backend._pipeline, fewer)


def test_a_file_that_does_not_unpickle_is_a_load_error(tmp_path: Path, metadata: BundleMetadata) -> None:
    broken = tmp_path / "model.joblib"
    broken.write_bytes(b"not a pickle")

    with pytest.raises(ModelLoadError, match=r"model\.joblib: cannot load the model \("):
        SklearnBackend.load(broken, metadata)
