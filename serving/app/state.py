"""What the application holds between requests: settings, metrics and, once ready, the model."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from app.config import Settings
from app.metrics import Metrics, buckets_between
from app.page.card import ModelCard
from app.predictor.model import Predictor

NOT_LOADED = "the model is not loaded yet"
SHUTTING_DOWN = "the service is shutting down"
# Pictures decoded at once per worker (POST /predict/image): each may take tens of megabytes.
IMAGE_SLOTS = 2


@dataclass
class ServiceState:
    settings: Settings
    metrics: Metrics
    predictor: Predictor | None = None
    # The model card of `/`, built from the bundle with the predictor.
    card: ModelCard | None = None
    unavailable_reason: str = NOT_LOADED
    image_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(IMAGE_SLOTS))

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
