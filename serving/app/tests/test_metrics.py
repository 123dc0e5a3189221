from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from app.metrics import Metrics, buckets_between
from app.predictor.predictions import ClassPrediction, ValuePrediction


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
        if sample.name.startswith("model_predict")
    }


def test_value_buckets_span_the_training_range_in_ten_readable_steps() -> None:
    assert buckets_between(25.0, 346.0) == (
        25.0, 57.1, 89.2, 121.3, 153.4, 185.5, 217.6, 249.7, 281.8, 313.9, 346.0,
    )  # fmt: skip
    assert buckets_between(0.0, 1.0 / 3, count=2) == (0.0, 0.166667, 0.333333)
    # A constant target: one bound, everything else above it.
    assert buckets_between(3.0, 3.0) == (3.0,)


def test_regression_observes_a_histogram_of_values_and_counts_no_classes() -> None:
    metrics = Metrics()
    metrics.serve_model(version="v", git_commit="c", backend="onnx", value_buckets=(0.0, 10.0, 20.0))

    metrics.observe_predictions([ValuePrediction(value=v, warnings=[]) for v in (-1.0, 5.0, 15.0, 25.0)])

    assert {key: value for key, value in samples(metrics).items() if "created" not in key[0]} == {
        ("model_predicted_value_bucket", (("le", "0.0"),)): 1.0,
        ("model_predicted_value_bucket", (("le", "10.0"),)): 2.0,
        ("model_predicted_value_bucket", (("le", "20.0"),)): 3.0,
        ("model_predicted_value_bucket", (("le", "+Inf"),)): 4.0,
        ("model_predicted_value_count", ()): 4.0,
        ("model_predicted_value_sum", ()): 44.0,
    }


def test_classification_counts_every_class_by_its_key_from_zero() -> None:
    metrics = Metrics()
    metrics.serve_model(version="v", git_commit="c", backend="onnx", classes=["false", "true"])

    metrics.observe_predictions([ClassPrediction(label=True, key="true", probabilities={}, warnings=[])])

    assert {key: value for key, value in samples(metrics).items() if "created" not in key[0]} == {
        ("model_predictions_total", (("label", "false"),)): 0.0,
        ("model_predictions_total", (("label", "true"),)): 1.0,
    }
