"""The service end to end on bundles trained here by the real training stages (testkit/bundles.py):
regression with a linear model and with a forest, binary classification with integer labels, and
column names with spaces, parentheses, a dot and non-ASCII letters read from Parquet.

Each bundle is trained once and served once, by the real gunicorn, for the tests of this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.bundle import BundleMetadata
from app.metrics import buckets_between
from app.tests.servers import GunicornProcess, gunicorn
from testkit.bundles import BUNDLES, IRIS_SITE, TrainedBundle, train_bundle

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Served:
    bundle: TrainedBundle
    server: GunicornProcess

    @property
    def metadata(self) -> BundleMetadata:
        return self.bundle.metadata

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.server.base_url}{path}", timeout=10)

    def post(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(f"{self.server.base_url}{path}", json=body, timeout=10)


@pytest.fixture(scope="module")
def serve_bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Served]]:
    """Train and serve a bundle of testkit.bundles.BUNDLES on first use; every server stops with the module."""
    started: dict[str, Served] = {}
    with ExitStack() as stack:

        def serve(name: str) -> Served:
            if name not in started:
                root = tmp_path_factory.mktemp(name)
                bundle = train_bundle(BUNDLES[name], root / "project")
                server = gunicorn(bundle.model_dir, root / "gunicorn.log", MODEL_SERVICE_WORKERS="1")
                started[name] = Served(bundle, stack.enter_context(server))
            return started[name]

        yield serve


@pytest.fixture(params=list(BUNDLES))
def served(request: pytest.FixtureRequest, serve_bundle: Callable[[str], Served]) -> Served:
    return serve_bundle(request.param)


def expected_body(metadata: BundleMetadata, position: int) -> dict[str, Any]:
    """What the service must answer for a golden record: the trained label or value, within the tolerance."""
    golden = metadata.golden_records[position]
    tolerance = metadata.golden_tolerance()
    if metadata.task == "regression":
        return {"prediction": pytest.approx(golden.value, abs=tolerance), "warnings": []}
    return {"label": golden.label, "probabilities": pytest.approx(golden.probabilities, abs=tolerance), "warnings": []}


def assert_json_types(answer: dict[str, Any], metadata: BundleMetadata) -> None:
    # approx compares 1 == True; the JSON types must be the trained ones.
    if metadata.task == "regression":
        assert list(answer)[:2] == ["prediction", "warnings"]
        assert type(answer["prediction"]) is float
    else:
        assert list(answer)[:3] == ["label", "probabilities", "warnings"]
        assert type(answer["label"]) is type(metadata.golden_records[0].label)
        assert list(answer["probabilities"]) == metadata.class_keys


def test_health_is_ready_once_the_golden_records_replayed(served: Served) -> None:
    response = served.get("/health")

    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "model_version": served.metadata.model_version},
    )


def test_model_names_the_task_and_its_classes_or_target_statistics(served: Served) -> None:
    body = served.get("/model").json()
    metadata, spec = served.metadata, served.bundle.spec

    assert (body["task"], body["target"], body["estimator"]) == (spec.task, spec.target, spec.estimator)
    assert body["pretrained"] is (spec.pretrained is not None)
    assert {key: body["hyperparameters"][key] for key in spec.hyperparameters} == spec.hyperparameters
    assert [feature["name"] for feature in body["features"]] == [*spec.numeric, *spec.categorical]
    # Training proved ONNX parity for each of these, so auto serves it.
    assert body["backend"] == "onnx"
    if spec.task == "regression":
        assert body["target_statistics"] == metadata.target_statistics.model_dump()  # type: ignore[union-attr]
        assert "classes" not in body
    else:
        assert body["classes"] == metadata.classes
        # == takes 1 for True: the JSON types must be the trained ones too.
        assert [type(label) for label in body["classes"]] == [type(label) for label in metadata.classes or []]
        assert "target_statistics" not in body


def test_predict_answers_in_the_task_s_shape_with_the_trained_types(served: Served) -> None:
    metadata = served.metadata

    response = served.post("/predict", metadata.golden_records[0].record)

    assert response.status_code == 200
    answer = response.json()
    assert answer == {**expected_body(metadata, 0), "model_version": metadata.model_version}
    assert_json_types(answer, metadata)


def test_a_batch_answers_each_record_in_order(served: Served) -> None:
    metadata = served.metadata
    records = [golden.record for golden in metadata.golden_records[:3]]

    response = served.post("/predict/batch", {"records": records})

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["predictions", "model_version"]
    assert body == {
        "predictions": [expected_body(metadata, n) for n in range(3)],
        "model_version": metadata.model_version,
    }
    for answer in body["predictions"]:
        assert_json_types(answer, metadata)


def test_the_openapi_response_schema_is_the_task_s(served: Served) -> None:
    schemas = served.get("/openapi.json").json()["components"]["schemas"]
    prediction = schemas["Prediction"]
    metadata = served.metadata

    if metadata.task == "regression":
        assert prediction["required"] == ["prediction", "warnings"]
        assert prediction["properties"]["prediction"]["type"] == "number"
        assert "Probabilities" not in schemas
    else:
        label = prediction["properties"]["label"]
        json_type = {bool: "boolean", int: "integer", str: "string"}[type(metadata.golden_records[0].label)]
        assert (label["type"], label["enum"]) == (json_type, metadata.classes)
        assert schemas["Probabilities"]["required"] == metadata.class_keys
    assert list(schemas["PredictionRecord"]["properties"]) == [feature.name for feature in metadata.features]


def test_the_model_card_shows_the_task_s_picture_and_metrics(served: Served) -> None:
    metadata = served.metadata
    name = f"{metadata.target} {'regressor' if metadata.task == 'regression' else 'classifier'}"

    summary = httpx.get(f"{served.server.base_url}/", headers={"Accept": "application/json"}, timeout=10).json()
    page = served.get("/")

    picture = (
        "Predicted against actual (test split)" if metadata.task == "regression" else "Confusion matrix (test split)"
    )
    assert (summary["name"], summary["pictures"]) == (name, [picture])
    headline = ("rmse", "mae", "r2") if metadata.task == "regression" else ("accuracy", "macro_f1", "log_loss")
    assert list(summary["metrics"]) == list(headline)
    assert summary["metrics"][headline[0]]["baseline"] == metadata.metrics["baseline"][headline[0]]
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert f"<title>{name} {metadata.model_version} · model card</title>" in page.text
    assert f'alt="{picture}"' in page.text


def samples(served: Served, prefix: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = served.get("/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith(prefix)
    }


def test_metrics_count_classes_or_observe_values_in_the_target_s_range(served: Served) -> None:
    metadata = served.metadata
    records = [golden.record for golden in metadata.golden_records[:4]]
    before = samples(served, "model_predict")

    served.post("/predict/batch", {"records": records})

    after = samples(served, "model_predict")
    changed = {key: after[key] - before.get(key, 0.0) for key in after if after[key] != before.get(key, 0.0)}
    if metadata.target_statistics is not None:
        statistics = metadata.target_statistics
        bounds = {float(dict(labels)["le"]) for name, labels in after if name == "model_predicted_value_bucket"}
        assert bounds == {*buckets_between(statistics.min, statistics.max), math.inf}
        assert changed[("model_predicted_value_count", ())] == len(records)
        assert not [name for name, _ in after if name.startswith("model_predictions")]
    else:
        labels = {dict(labels)["label"] for name, labels in after if name == "model_predictions_total"}
        assert labels == set(metadata.class_keys)
        assert sum(value for (name, _), value in changed.items() if name == "model_predictions_total") == len(records)
        assert not [name for name, _ in after if name.startswith("model_predicted_value")]


def test_awkward_column_names_take_nulls_and_warn_by_name(serve_bundle: Callable[[str], Served]) -> None:
    served = serve_bundle("iris-awkward-names")
    features = [feature.name for feature in served.metadata.features]

    gaps = served.post("/predict", dict.fromkeys(features))
    unknown = served.post("/predict", {**served.metadata.example, IRIS_SITE: "Ost"})

    assert gaps.status_code == 200
    assert gaps.json()["label"] in served.metadata.classes  # type: ignore[operator]
    assert unknown.json()["warnings"] == [
        "Fundort (région): 'Ost' was not seen in training (known: Nord, Süd); the model ignores it"
    ]
