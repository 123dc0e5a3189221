from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from app.logs import ACCESS_LOGGER
from app.metrics import Metrics
from app.middleware.request_context import RequestContextMiddleware


def test_a_request_id_is_generated_when_none_is_sent(client) -> None:
    response = client.get("/livez")

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert response.headers["X-Request-ID"] != client.get("/livez").headers["X-Request-ID"]


def test_a_client_request_id_is_propagated(client) -> None:
    assert client.get("/health", headers={"X-Request-ID": "lb-7f3a.42"}).headers["X-Request-ID"] == "lb-7f3a.42"


@pytest.mark.parametrize("sent", ["has space", "x" * 129, "-starts-with-dash", 'quote"d'])
def test_an_unsafe_request_id_is_replaced(client, sent: str) -> None:
    returned = client.get("/livez", headers={"X-Request-ID": sent}).headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", returned)


def test_errors_carry_the_request_id_too(client) -> None:
    assert client.get("/nowhere", headers={"X-Request-ID": "abc"}).headers["X-Request-ID"] == "abc"
    response = client.post("/predict", content=b"{}", headers={"X-Request-ID": "def", "Content-Type": "text/plain"})
    assert (response.status_code, response.headers["X-Request-ID"]) == (415, "def")


def test_each_request_writes_one_access_line_with_its_id(client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        client.get("/health", headers={"X-Request-ID": "trace-1"})

    [record] = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert record.getMessage() == "GET /health 200"
    assert record.request_id == "trace-1"
    fields = record.fields
    assert {k: fields[k] for k in ("method", "path", "route", "status")} == {
        "method": "GET",
        "path": "/health",
        "route": "/health",
        "status": 200,
    }
    assert fields["duration_ms"] > 0


@pytest.fixture
def failing_client():
    app = FastAPI()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaput")

    metrics = Metrics()
    app.add_middleware(RequestContextMiddleware, metrics=metrics, routes=app.routes)
    return TestClient(app), metrics


def test_an_unhandled_error_is_a_json_500_logged_with_the_request_id(failing_client, caplog) -> None:
    client, metrics = failing_client
    with caplog.at_level(logging.INFO):
        response = client.get("/boom", headers={"X-Request-ID": "req-500"})

    assert (response.status_code, response.json()) == (500, {"detail": "internal server error"})
    assert response.headers["X-Request-ID"] == "req-500"
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.getMessage() == "unhandled error in GET /boom"
    assert "kaput" in caplog.text
    assert metrics.requests.labels("GET", "/boom", "500")._value.get() == 1
