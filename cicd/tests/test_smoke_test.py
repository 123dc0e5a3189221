from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bundle import GOLDEN_PROBABILITY_TOLERANCE, GoldenRecord, write_metadata
from cicd import smoke_test
from cicd.errors import CicdError
from cicd.smoke_test import Expected, ServiceNotHealthyError, load_expected, wait_healthy
from testkit.bundles import BUNDLES, example_metadata, train_bundle

GOLDEN = (
    GoldenRecord(record={"x": 1.0}, label="Gentoo", probabilities={"Adelie": 0.01, "Gentoo": 0.99}),
    GoldenRecord(record={"x": 2.0}, label="Adelie", probabilities={"Adelie": 0.7, "Gentoo": 0.3}),
)
EXPECTED = Expected(model_version="e6ea222af2a0", golden=GOLDEN, tolerance=GOLDEN_PROBABILITY_TOLERANCE)
# Regression: values, compared within a tolerance in the target's unit.
VALUES = (GoldenRecord(record={"x": 1.0}, value=151.5), GoldenRecord(record={"x": 2.0}, value=75.25))


def fake_service(
    *,
    version: str = "e6ea222af2a0",
    predict: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    golden: tuple[GoldenRecord, ...] = GOLDEN,
) -> Callable[[httpx.Request], httpx.Response]:
    """A service answering like the real one; `predict` may bend its answers."""
    by_record = {json.dumps(g.record): g for g in golden}

    def answer(record: dict[str, Any]) -> dict[str, Any]:
        item = by_record[json.dumps(record)]
        result: dict[str, Any] = (
            {"prediction": item.value, "warnings": []}
            if item.value is not None
            else {"label": item.label, "probabilities": dict(item.probabilities or {}), "warnings": []}
        )
        return predict(result) if predict else result

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": "ok", "model_version": version})
        body = json.loads(request.content)
        if request.url.path == "/predict":
            return httpx.Response(200, json={**answer(body), "model_version": version})
        return httpx.Response(200, json={"predictions": [answer(r) for r in body["records"]], "model_version": version})

    return handle


def check(
    handler: Callable[[httpx.Request], httpx.Response], tolerance: float = 1e-4, expected: Expected = EXPECTED
) -> list[str]:
    with httpx.Client(base_url="http://service", transport=httpx.MockTransport(handler)) as client:
        return smoke_test.smoke_test(client, expected, tolerance=tolerance, health_timeout=1.0)


def test_the_expected_model_passes() -> None:
    assert check(fake_service()) == []


def test_a_small_onnx_like_difference_is_within_the_tolerance() -> None:
    def nudge(result: dict[str, Any]) -> dict[str, Any]:
        result["probabilities"]["Gentoo"] += 2e-6
        return result

    assert check(fake_service(predict=nudge), tolerance=EXPECTED.tolerance) == []


def test_a_label_of_another_json_type_is_reported() -> None:
    golden = (GoldenRecord(record={"x": 1.0}, label=1, probabilities={"0": 0.2, "1": 0.8}),)
    expected = Expected(model_version="e6ea222af2a0", golden=golden, tolerance=1e-5)

    def as_text(result: dict[str, Any]) -> dict[str, Any]:
        return {**result, "label": "1"}

    assert check(fake_service(golden=golden, predict=as_text), expected=expected) == [
        'golden record 0 via /predict: expected label 1, got "1"',
        'golden record 0 via /predict/batch: expected label 1, got "1"',
    ]


def test_regression_values_are_compared_within_the_tolerance() -> None:
    expected = Expected(model_version="e6ea222af2a0", golden=VALUES, tolerance=0.05)

    def drift(result: dict[str, Any]) -> dict[str, Any]:
        return {**result, "prediction": result["prediction"] + (0.04 if result["prediction"] > 100 else 0.5)}

    assert check(fake_service(golden=VALUES), tolerance=0.05, expected=expected) == []
    assert check(fake_service(golden=VALUES, predict=drift), tolerance=0.05, expected=expected) == [
        "golden record 1 via /predict: expected prediction 75.25, got 75.75 (tolerance 0.05)",
        "golden record 1 via /predict/batch: expected prediction 75.25, got 75.75 (tolerance 0.05)",
    ]


def test_a_classification_answer_to_a_regression_model_is_reported() -> None:
    expected = Expected(model_version="e6ea222af2a0", golden=VALUES[:1], tolerance=0.05)

    problems = check(fake_service(), expected=expected)

    assert problems[0] == "golden record 0 via /predict: expected a prediction near 151.5, got null"


def test_a_wrong_label_and_wrong_probabilities_give_one_line_each() -> None:
    def swap(result: dict[str, Any]) -> dict[str, Any]:
        if result["label"] == "Gentoo":
            return {**result, "label": "Adelie", "probabilities": {"Adelie": 0.6, "Gentoo": 0.4}}
        return result

    assert check(fake_service(predict=swap)) == [
        'golden record 0 via /predict: expected label "Gentoo", got "Adelie"',
        "golden record 0 via /predict: probabilities differ by up to 0.59 (tolerance 0.0001); "
        "Adelie: expected 0.01, got 0.6",
        'golden record 0 via /predict/batch: expected label "Gentoo", got "Adelie"',
        "golden record 0 via /predict/batch: probabilities differ by up to 0.59 (tolerance 0.0001); "
        "Adelie: expected 0.01, got 0.6",
    ]


def test_other_classes_are_reported() -> None:
    def rename(result: dict[str, Any]) -> dict[str, Any]:
        return {**result, "probabilities": {"A": 0.5, "B": 0.5}}

    problems = check(fake_service(predict=rename))
    assert problems[0] == "golden record 0 via /predict: expected probabilities for Adelie, Gentoo, got A, B"


def test_another_model_version_is_reported_once_from_health() -> None:
    assert check(fake_service(version="0123456789ab")) == [
        "GET /health: the service serves model 0123456789ab, the metadata describes e6ea222af2a0"
    ]


def test_a_refused_request_is_reported_with_its_status_and_body() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": "ok", "model_version": "e6ea222af2a0"})
        return httpx.Response(401, json={"detail": "missing or invalid API key"})

    assert check(handle) == [
        'golden record 0: POST /predict answered 401: {"detail":"missing or invalid API key"}',
        'POST /predict/batch answered 401: {"detail":"missing or invalid API key"}',
    ]


def test_health_is_retried_until_ready() -> None:
    answers = iter([httpx.ConnectError("refused"), httpx.Response(503, json={"status": "unavailable"})])

    def handle(request: httpx.Request) -> httpx.Response:
        answer = next(answers, None)
        if isinstance(answer, Exception):
            raise answer
        return answer or httpx.Response(200, json={"status": "ok", "model_version": "v"})

    slept: list[float] = []
    with httpx.Client(base_url="http://service", transport=httpx.MockTransport(handle)) as client:
        assert wait_healthy(client, timeout=10, interval=1, sleep=slept.append) == {
            "status": "ok",
            "model_version": "v",
        }
    assert slept == [1, 1]


def test_health_gives_up_after_the_timeout_with_the_last_answer() -> None:
    now = [0.0]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"status": "unavailable", "reason": "loading"})

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with (
        httpx.Client(base_url="http://service", transport=httpx.MockTransport(handle)) as client,
        pytest.raises(ServiceNotHealthyError) as error,
    ):
        wait_healthy(client, timeout=5, interval=2, clock=lambda: now[0], sleep=sleep)
    assert str(error.value) == (
        'GET /health did not answer 200 within 5 s; last answer 503 {"status":"unavailable","reason":"loading"}'
    )
    assert now[0] == 4


def test_the_expected_model_and_tolerance_come_from_the_bundle(tmp_path: Path) -> None:
    metadata = example_metadata()
    write_metadata(tmp_path, metadata)

    assert load_expected(tmp_path) == Expected(
        model_version=metadata.model_version,
        golden=tuple(metadata.golden_records),
        tolerance=GOLDEN_PROBABILITY_TOLERANCE,
    )


def test_a_missing_or_invalid_bundle_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(CicdError) as missing:
        load_expected(tmp_path)
    assert str(missing.value) == (
        f"{tmp_path / 'metadata.json'}: cannot read the model metadata (No such file or directory); "
        "`dvc pull` or `make train` writes it"
    )
    (tmp_path / "metadata.json").write_text(json.dumps({"model_version": "v", "golden_records": []}))
    with pytest.raises(CicdError, match=r"metadata\.json: schema_version: Field required"):
        load_expected(tmp_path)


def test_the_api_key_comes_from_the_environment_before_the_cdk_secret(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"PenguinsService-production": {"ServiceUrl": "http://alb", "ApiKeySecretArn": "x"}}))
    args = smoke_test_args("--cdk-outputs", str(outputs))
    assert smoke_test.resolve_target(args, {"SMOKE_TEST_API_KEY": "k" * 20}) == ("http://alb", "k" * 20)
    assert smoke_test.resolve_target(smoke_test_args("--url", "http://x"), {}) == ("http://x", None)


def smoke_test_args(*argv: str) -> Any:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--cdk-outputs", type=Path)
    parser.add_argument("--stack")
    return parser.parse_args(argv)


def test_an_unreachable_service_fails_with_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from testkit.processes import free_port

    write_metadata(tmp_path, example_metadata())
    url = f"http://127.0.0.1:{free_port()}"
    argv = ["--url", url, "--model-dir", str(tmp_path), "--health-timeout", "0.2", "--github-output", ""]
    assert smoke_test.main(argv) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        f"smoke test failed: {url}: GET /health did not answer 200 within 0.2 s; last error ConnectError"
    )


@pytest.mark.slow
def test_a_served_regression_bundle_passes_within_its_own_tolerance(
    tmp_path: Path, serve: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = train_bundle(BUNDLES["diabetes-ridge"], tmp_path / "project")
    tolerance = bundle.metadata.golden_tolerance()

    with serve(bundle.model_dir) as url:
        status = smoke_test.main(["--url", url, "--model-dir", str(bundle.model_dir), "--github-output", ""])

    assert (status, capsys.readouterr().out) == (
        0,
        f"smoke test passed: {url} serves model {bundle.metadata.model_version}; 10 golden records matched via "
        f"/predict and /predict/batch within {tolerance:g}\n",
    )
