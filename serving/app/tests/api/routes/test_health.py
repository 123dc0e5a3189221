from __future__ import annotations

from starlette.testclient import TestClient

from app.bundle import BundleMetadata
from app.main import create_app


def test_health_is_ok_with_the_model_version_once_ready(client, metadata: BundleMetadata) -> None:
    response = client.get("/health")

    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "model_version": metadata.model_version},
    )


def test_livez_answers(client) -> None:
    assert (client.get("/livez").status_code, client.get("/livez").json()) == (200, {"status": "ok"})


def test_health_is_503_with_a_reason_before_the_model_is_loaded(make_settings) -> None:
    # Without `with`, the test client does not run the lifespan: nothing is loaded.
    client = TestClient(create_app(make_settings()))

    response = client.get("/health")

    assert (response.status_code, response.json()) == (
        503,
        {"status": "unavailable", "reason": "the model is not loaded yet"},
    )
    assert client.get("/livez").status_code == 200
    assert client.get("/model").json() == {"detail": "the model is not loaded yet"}


def test_health_is_503_once_shutting_down(make_settings) -> None:
    app = create_app(make_settings())
    with TestClient(app) as running:
        assert running.get("/health").status_code == 200

    response = TestClient(app).get("/health")

    assert (response.status_code, response.json()["reason"]) == (503, "the service is shutting down")
