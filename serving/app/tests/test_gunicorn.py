"""The production configuration, run for real: gunicorn, uvicorn workers, gunicorn.conf.py."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.bundle import GOLDEN_PROBABILITY_TOLERANCE, BundleMetadata
from app.tests.reliability.clients import HeldRequest
from app.tests.servers import GunicornProcess, gunicorn

pytestmark = pytest.mark.slow


def test_health_reports_the_model_version(module_service: GunicornProcess, metadata: BundleMetadata) -> None:
    response = httpx.get(f"{module_service.base_url}/health")

    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "model_version": metadata.model_version},
    )


def test_a_prediction_matches_the_golden_record(module_service: GunicornProcess, metadata: BundleMetadata) -> None:
    golden = metadata.golden_records[0]

    response = httpx.post(f"{module_service.base_url}/predict", json=golden.record)

    assert response.status_code == 200
    assert response.json()["label"] == golden.label
    assert response.json()["probabilities"] == pytest.approx(golden.probabilities, abs=GOLDEN_PROBABILITY_TOLERANCE)


def test_a_batch_comes_back_in_order(module_service: GunicornProcess, metadata: BundleMetadata) -> None:
    golden = metadata.golden_records

    records = [g.record for g in golden]
    response = httpx.post(f"{module_service.base_url}/predict/batch", json={"records": records})

    assert response.status_code == 200
    assert [p["label"] for p in response.json()["predictions"]] == [g.label for g in golden]


def test_every_log_line_is_json_and_access_lines_carry_the_request_id(
    module_service: GunicornProcess, example: dict
) -> None:
    httpx.post(f"{module_service.base_url}/predict", json=example, headers={"X-Request-ID": "gunicorn-test-7"})

    lines = module_service.wait_for_log_lines(lambda line: line.get("request_id") == "gunicorn-test-7")

    [access] = [line for line in lines if line.get("request_id") == "gunicorn-test-7"]
    assert (access["logger"], access["route"], access["status"]) == ("app.access", "/predict", 200)
    assert access["duration_ms"] > 0
    assert any(line["message"] == "Booting worker with pid: {}".format(line["pid"]) for line in lines)


def access_line(server: GunicornProcess, request_id: str, **headers: str) -> dict:
    httpx.get(f"{server.base_url}/livez", headers={"X-Request-ID": request_id, **headers})
    lines = server.wait_for_log_lines(lambda line: line.get("request_id") == request_id)
    [access] = [line for line in lines if line.get("request_id") == request_id and line["logger"] == "app.access"]
    return access


def test_the_client_address_forwarded_by_a_trusted_proxy_is_logged(module_service: GunicornProcess) -> None:
    access = access_line(module_service, "forwarded-1", **{"X-Forwarded-For": "203.0.113.7"})

    assert access["client"] == "203.0.113.7"


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(model_dir: Path, tmp_path: Path) -> None:
    with gunicorn(model_dir, tmp_path / "gunicorn.log", MODEL_SERVICE_FORWARDED_ALLOW_IPS="10.0.0.1") as process:
        access = access_line(process, "forwarded-2", **{"X-Forwarded-For": "203.0.113.7"})

    assert access["client"] == "127.0.0.1"


def test_behind_the_load_balancer_the_client_is_the_address_it_appended(model_dir: Path, tmp_path: Path) -> None:
    # The ECS setting: any peer is the balancer. The caller wrote the left entries, the balancer the last.
    with gunicorn(model_dir, tmp_path / "gunicorn.log", MODEL_SERVICE_FORWARDED_ALLOW_IPS="*") as process:
        one_header = access_line(process, "forwarded-3", **{"X-Forwarded-For": "203.0.113.7, 198.51.100.9"})
        httpx.get(
            f"{process.base_url}/livez",
            headers=[
                ("X-Request-ID", "forwarded-4"),
                ("X-Forwarded-For", "203.0.113.7"),
                ("X-Forwarded-For", "198.51.100.9"),
            ],
        )
        lines = process.wait_for_log_lines(lambda line: line.get("request_id") == "forwarded-4")

    assert one_header["client"] == "198.51.100.9"
    [two_headers] = [line for line in lines if line.get("request_id") == "forwarded-4"]
    assert two_headers["client"] == "198.51.100.9"


def test_the_host_header_is_never_echoed_in_a_redirect(module_service: GunicornProcess) -> None:
    response = httpx.get(f"{module_service.base_url}/health/", headers={"Host": "evil.example"})

    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    assert "location" not in response.headers


def test_metrics_add_up_over_both_workers(module_service: GunicornProcess) -> None:
    sent = 40
    # Other tests share this server: count from here.
    before = livez_count(httpx.get(f"{module_service.base_url}/metrics").text)
    for _ in range(sent):
        # A new connection each time, so that both workers take some.
        httpx.get(f"{module_service.base_url}/livez", headers={"X-Request-ID": "spread"})
    served_by = {line["pid"] for line in module_service.log_lines() if line.get("request_id") == "spread"}

    for _ in range(4):
        counted = livez_count(httpx.get(f"{module_service.base_url}/metrics").text)
        assert counted - before == sent

    assert len(served_by) == 2, "one worker served every request: the sum over workers was not exercised"


def livez_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "http_requests_total" and sample.labels.get("route") == "/livez":
                return sample.value
    return 0.0


def test_sigterm_lets_an_in_flight_request_finish_then_exits_cleanly(
    model_dir: Path, tmp_path: Path, example: dict
) -> None:
    with gunicorn(model_dir, tmp_path / "gunicorn.log", MODEL_SERVICE_WORKERS="1") as server:
        request = HeldRequest(server.port, "/predict", json.dumps(example).encode(), timeout=20)
        try:
            # A worker is reading the body, half of which is sent: the request is in flight when SIGTERM arrives.
            request.wait_in_flight()
            server.running().send_signal(signal.SIGTERM)
            server.wait_for_log("Shutting down")
            response = request.finish()
        finally:
            request.close()

        assert response.startswith(b"HTTP/1.1 200 ")
        assert json.loads(response.partition(b"\r\n\r\n")[2])["label"]
        assert server.wait_exit(timeout=30) == 0
        assert "Traceback" not in server.log()
        assert server.log_lines()[-1]["message"] == "Shutting down: Master"


def test_a_tampered_model_stops_gunicorn_before_any_worker_with_one_line(model_copy: Path, tmp_path: Path) -> None:
    with (model_copy / "model.joblib").open("ab") as stream:
        stream.write(b"tampered")
    process = gunicorn(model_copy, tmp_path / "gunicorn.log")

    process.start()
    try:
        status = process.wait_exit(timeout=30)
    finally:
        process.stop()

    assert status == 3
    refusals = [line for line in process.log_lines() if line["level"] == "CRITICAL"]
    assert [line["message"][:40] for line in refusals] == [f"refusing to start: {model_copy}/model."[:40]]
    assert "sha256" in refusals[0]["message"]
    assert "Booting worker" not in process.log()
    assert "Traceback" not in process.log()


def test_backend_onnx_without_an_export_stops_gunicorn_before_any_worker(
    model_copy: Path, edit_metadata, tmp_path: Path
) -> None:
    edit_metadata(model_copy, lambda d: d["artifacts"].pop("onnx"))
    process = gunicorn(model_copy, tmp_path / "gunicorn.log", MODEL_SERVICE_BACKEND="onnx")

    process.start()
    try:
        status = process.wait_exit(timeout=30)
    finally:
        process.stop()

    assert status == 3
    refusals = [line["message"] for line in process.log_lines() if line["level"] == "CRITICAL"]
    assert refusals == [
        "refusing to start: backend onnx was asked for, but the metadata records no ONNX export "
        "(trained before ONNX support); use backend auto or sklearn"
    ]
    assert "Booting worker" not in process.log()


def test_a_worker_silent_longer_than_the_worker_timeout_is_replaced(model_dir: Path, tmp_path: Path) -> None:
    # A stopped worker cannot tell the master it is alive: past the timeout, the master aborts and replaces it.
    # On AWS Lambda a frozen environment looks the same on thaw, hence MODEL_SERVICE_WORKER_TIMEOUT=0 there.
    with gunicorn(
        model_dir, tmp_path / "gunicorn.log", MODEL_SERVICE_WORKERS="1", MODEL_SERVICE_WORKER_TIMEOUT="1"
    ) as server:
        (worker,) = psutil.Process(server.running().pid).children()
        worker.send_signal(signal.SIGSTOP)
        try:
            server.wait_for_log(f"WORKER TIMEOUT (pid:{worker.pid})", timeout=30)
        finally:
            worker.send_signal(signal.SIGCONT)
