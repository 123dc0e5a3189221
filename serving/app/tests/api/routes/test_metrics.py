from __future__ import annotations

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.bundle import BundleMetadata, label_key


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture(scope="module")
def scraped(open_client, example: dict, metadata: BundleMetadata) -> dict[tuple[str, frozenset], float]:
    """A fresh service after a known sequence of requests, then one scrape."""
    with open_client() as client:
        headers = {"Content-Type": "application/json"}
        client.post("/predict", content=json.dumps(example), headers=headers)
        client.post("/predict", content=json.dumps(example), headers=headers)
        records = [item.record for item in metadata.golden_records]
        client.post("/predict/batch", content=json.dumps({"records": records}), headers=headers)
        client.post("/predict", content=b"{}", headers=headers)
        client.get("/no/such/route")
        response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def requests(method: str, route: str, status: str) -> tuple[str, frozenset]:
    return ("http_requests_total", frozenset({"method": method, "route": route, "status": status}.items()))


def test_requests_are_counted_by_route_and_status(scraped) -> None:
    assert scraped[requests("POST", "/predict", "200")] == 2
    assert scraped[requests("POST", "/predict", "422")] == 1
    assert scraped[requests("POST", "/predict/batch", "200")] == 1
    # Arbitrary paths share one label value: the series stay bounded.
    assert scraped[requests("GET", "unmatched", "404")] == 1


def test_latency_is_a_histogram_per_route(scraped) -> None:
    count = ("http_request_duration_seconds_count", frozenset({"method": "POST", "route": "/predict"}.items()))
    infinite = (
        "http_request_duration_seconds_bucket",
        frozenset({"method": "POST", "route": "/predict", "le": "+Inf"}.items()),
    )

    assert scraped[count] == 3
    assert scraped[infinite] == 3


def test_predictions_are_counted_by_class(scraped, example: dict, metadata: BundleMetadata, predictor) -> None:
    expected = dict.fromkeys(metadata.class_keys, 0)
    expected[label_key(predictor.predict([example])[0].label)] += 2
    for item in metadata.golden_records:
        assert item.label is not None
        expected[label_key(item.label)] += 1

    counted = {label: scraped[("model_predictions_total", frozenset({"label": label}.items()))] for label in expected}

    assert counted == expected


def test_classification_has_no_histogram_of_values(scraped) -> None:
    assert not [name for name, _ in scraped if name.startswith("model_predicted_value")]


def test_model_info_names_version_commit_and_backend(scraped, metadata: BundleMetadata) -> None:
    labels = {"version": metadata.model_version, "git_commit": metadata.git_commit, "backend": "onnx"}

    assert scraped[("model_info", frozenset(labels.items()))] == 1
