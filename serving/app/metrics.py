"""Prometheus metrics, one set per application.

Under gunicorn every worker is a process: gunicorn.conf.py points PROMETHEUS_MULTIPROC_DIR at
a shared folder, each worker writes its values there, and a scrape of any worker returns the
sum over all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from app.predictor.predictions import ClassPrediction, Prediction

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Equal-width buckets across the training target's range: a drift of the predictions shows as
# mass moving between them, or into the first bucket and +Inf (below and above what training saw).
VALUE_BUCKETS = 10


def buckets_between(low: float, high: float, count: int = VALUE_BUCKETS) -> tuple[float, ...]:
    """Upper bounds from `low` to `high` in `count` steps, at 6 significant digits (they are label values)."""
    bounds = {float(f"{low + (high - low) * step / count:.6g}") for step in range(count + 1)}
    return tuple(sorted(bounds))


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, *, multiprocess_dir: Path | None = None) -> None:
        self._multiprocess_dir = multiprocess_dir
        # In multiprocess mode values live in files, not in a registry.
        self._registry = CollectorRegistry() if multiprocess_dir is None else None
        registry = self._registry
        self.requests = Counter(
            "http_requests",
            "HTTP requests by method, route and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request start to the end of the response, by method and route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # Created once the model's task is known (serve_model): a class counter, or a histogram of values.
        self.predictions: Counter | None = None
        self.predicted_values: Histogram | None = None
        self.model_info = Gauge(
            "model_info",
            "The model being served (always 1).",
            ["version", "git_commit", "backend"],
            multiprocess_mode="max",
            registry=registry,
        )

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_predictions(self, predictions: Iterable[Prediction]) -> None:
        for prediction in predictions:
            if isinstance(prediction, ClassPrediction):
                if self.predictions is not None:
                    self.predictions.labels(prediction.key).inc()
            elif self.predicted_values is not None:
                self.predicted_values.observe(prediction.value)

    def serve_model(
        self,
        *,
        version: str,
        git_commit: str,
        backend: str,
        classes: Iterable[str] = (),
        value_buckets: Sequence[float] = (),
    ) -> None:
        """Classification names its classes (label keys); regression the histogram's bucket bounds."""
        self.model_info.labels(version, git_commit, backend).set(1)
        registry = self._registry
        if value_buckets and self.predicted_values is None:
            self.predicted_values = Histogram(
                "model_predicted_value",
                "Predicted values (regression), in the target's unit; buckets span the training target's range.",
                buckets=value_buckets,
                registry=registry,
            )
        if not value_buckets and self.predictions is None:
            self.predictions = Counter(
                "model_predictions", "Predictions by predicted class.", ["label"], registry=registry
            )
        if self.predictions is not None:
            for key in classes:
                # Present from the start, at 0: a rate over a series that appears later is wrong.
                self.predictions.labels(key)

    def render(self) -> bytes:
        if self._registry is not None:
            return generate_latest(self._registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(self._multiprocess_dir))  # type: ignore[no-untyped-call]
        return generate_latest(registry)
