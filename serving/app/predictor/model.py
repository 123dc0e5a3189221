"""The served model: metadata, a backend and the request schema, checked at load time."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from app.bundle import BundleMetadata, label_key
from app.predictor.backend import Backend, BackendChoice
from app.predictor.errors import MetadataError
from app.predictor.golden import replay_golden_records
from app.predictor.integrity import VerifiedModel, verify_artifacts
from app.predictor.predictions import ClassPrediction, Prediction, ValuePrediction
from app.predictor.records import Record, RecordSchema

logger = logging.getLogger(__name__)


class Predictor:
    def __init__(self, *, metadata: BundleMetadata, backend: Backend, max_batch: int) -> None:
        # By key, not by value: True == 1 in Python, but a bool model is not an int model.
        if [label_key(label) for label in backend.classes] != metadata.class_keys:
            raise MetadataError(
                f"the model predicts classes {list(backend.classes)}, the metadata lists {metadata.classes}"
            )
        self.metadata = metadata
        self.backend = backend
        self.schema = RecordSchema(metadata.features, example=metadata.example, max_batch=max_batch)
        self.regression = metadata.task == "regression"
        self._classes = tuple(metadata.classes or ())
        self._keys = tuple(metadata.class_keys)

    @property
    def version(self) -> str:
        return self.metadata.model_version

    def predict(self, records: Sequence[Record]) -> list[Prediction]:
        output = self.backend.predict(records)
        if self.regression:
            return [
                ValuePrediction(value=float(value), warnings=self.schema.warnings(record))
                for value, record in zip(output.tolist(), records, strict=True)
            ]
        best = output.argmax(axis=1).tolist()
        return [
            ClassPrediction(
                label=self._classes[column],
                key=self._keys[column],
                probabilities=dict(zip(self._keys, row, strict=True)),
                warnings=self.schema.warnings(record),
            )
            for column, row, record in zip(best, output.tolist(), records, strict=True)
        ]


def load_backend(verified: VerifiedModel) -> Backend:
    # Imported here: only the chosen runtime loads (the ONNX path never imports pandas or scikit-learn).
    if verified.backend == "onnx":
        from app.predictor.onnx_backend import OnnxBackend

        return OnnxBackend.load(verified.path, verified.metadata)
    from app.predictor.sklearn_backend import SklearnBackend

    return SklearnBackend.load(verified.path, verified.metadata)


def load_predictor(model_dir: Path, *, max_batch: int, backend: BackendChoice = "auto") -> Predictor:
    """Verify, load, then replay the golden records: a Predictor that is safe to serve, or a ModelStartupError."""
    verified = verify_artifacts(model_dir, backend)
    if verified.fallback_reason:
        logger.warning("serving with scikit-learn, not ONNX: %s", verified.fallback_reason)
    predictor = Predictor(metadata=verified.metadata, backend=load_backend(verified), max_batch=max_batch)
    replay_golden_records(predictor)
    return predictor
