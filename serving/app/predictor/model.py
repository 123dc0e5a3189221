"""The served model: metadata, a backend and the request schema, checked at load time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.predictor.backend import Backend
from app.predictor.errors import MetadataError
from app.predictor.golden import replay_golden_records
from app.predictor.integrity import verify_artifacts
from app.predictor.metadata import ModelMetadata
from app.predictor.records import Record, RecordSchema


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


def load_backend(model_path: Path, metadata: ModelMetadata) -> Backend:
    # Imported here: pandas and scikit-learn load only when this backend is chosen.
    from app.predictor.sklearn_backend import SklearnBackend

    return SklearnBackend.load(model_path, metadata.features)


def load_predictor(model_dir: Path, *, max_batch: int) -> Predictor:
    """Verify, load, then replay the golden records: a Predictor that is safe to serve, or a ModelStartupError."""
    metadata, model_path = verify_artifacts(model_dir)
    predictor = Predictor(metadata=metadata, backend=load_backend(model_path, metadata), max_batch=max_batch)
    replay_golden_records(predictor)
    return predictor
