"""The served model: metadata, a backend and the request schema, checked at load time."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.predictor.backend import Backend, BackendChoice
from app.predictor.errors import MetadataError
from app.predictor.golden import replay_golden_records
from app.predictor.integrity import VerifiedModel, verify_artifacts
from app.predictor.metadata import ModelMetadata
from app.predictor.records import Record, RecordSchema

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prediction:
    label: str
    probabilities: dict[str, float]
    warnings: list[str]


class Predictor:
    def __init__(self, *, metadata: ModelMetadata, backend: Backend, max_batch: int) -> None:
        if list(backend.classes) != metadata.classes:
            raise MetadataError(
                f"the model predicts classes {list(backend.classes)}, the metadata lists {metadata.classes}"
            )
        self.metadata = metadata
        self.backend = backend
        self.schema = RecordSchema(metadata.features, example=metadata.example, max_batch=max_batch)

    @property
    def version(self) -> str:
        return self.metadata.model_version

    def predict(self, records: Sequence[Record]) -> list[Prediction]:
        proba = self.backend.predict_proba(records)
        classes = self.backend.classes
        best = np.argmax(proba, axis=1)
        return [
            Prediction(
                label=classes[int(best[row])],
                probabilities={label: float(p) for label, p in zip(classes, proba[row], strict=True)},
                warnings=self.schema.warnings(record),
            )
            for row, record in enumerate(records)
        ]


def load_backend(verified: VerifiedModel) -> Backend:
    # Imported here: only the chosen runtime loads (the ONNX path never imports pandas or scikit-learn).
    metadata = verified.metadata
    if verified.backend == "onnx":
        from app.predictor.onnx_backend import OnnxBackend

        return OnnxBackend.load(verified.path, metadata.features, metadata.classes)
    from app.predictor.sklearn_backend import SklearnBackend

    return SklearnBackend.load(verified.path, metadata.features)


def load_predictor(model_dir: Path, *, max_batch: int, backend: BackendChoice = "auto") -> Predictor:
    """Verify, load, then replay the golden records: a Predictor that is safe to serve, or a ModelStartupError."""
    verified = verify_artifacts(model_dir, backend)
    if verified.fallback_reason:
        logger.warning("serving with scikit-learn, not ONNX: %s", verified.fallback_reason)
    predictor = Predictor(metadata=verified.metadata, backend=load_backend(verified), max_batch=max_batch)
    replay_golden_records(predictor)
    return predictor
