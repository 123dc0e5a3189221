"""What the application holds between requests: settings, metrics and, once ready, the model."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.metrics import Metrics, buckets_between
from app.page.card import ModelCard
from app.predictor.model import Predictor

NOT_LOADED = "the model is not loaded yet"
SHUTTING_DOWN = "the service is shutting down"


@dataclass
class ServiceState:
    settings: Settings
    metrics: Metrics
    predictor: Predictor | None = None
    # The model card of `/`, built from the bundle with the predictor.
    card: ModelCard | None = None
    unavailable_reason: str = NOT_LOADED

    def serve(self, predictor: Predictor, card: ModelCard | None = None) -> None:
        """Ready: called only after the golden records replayed."""
        metadata = predictor.metadata
        target = metadata.target_statistics
        self.metrics.serve_model(
            version=predictor.version,
            git_commit=metadata.git_commit,
            backend=predictor.backend.name,
            classes=metadata.class_keys,
            value_buckets=() if target is None else buckets_between(target.min, target.max),
        )
        self.card = card
        self.predictor = predictor

    def stop(self) -> None:
        self.predictor = None
        self.unavailable_reason = SHUTTING_DOWN
