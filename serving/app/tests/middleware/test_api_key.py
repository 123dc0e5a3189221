from __future__ import annotations

import json

import pytest

KEY = "s3cret-key-for-the-tests"


@pytest.fixture(scope="module")
def guarded(open_client):
    with open_client(api_key=KEY) as client:
        yield client


@pytest.mark.parametrize("path", ["/health", "/livez"])
def test_health_checks_need_no_key(guarded, path: str) -> None:
    assert guarded.get(path).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/predict"),
        ("POST", "/predict/batch"),
        ("GET", "/model"),
        ("GET", "/metrics"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
        ("GET", "/no/such/route"),
    ],
)
def test_every_other_route_is_401_without_the_key(guarded, method: str, path: str) -> None:
    response = guarded.request(method, path)

    assert response.status_code == 401
    assert response.json()["detail"].startswith("missing or invalid API key")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "headers",
    [{"X-API-Key": KEY[:-1]}, {"X-API-Key": KEY + "x"}, {"Authorization": f"Basic {KEY}"}, {"Authorization": "Bearer"}],
)
def test_a_wrong_key_is_401(guarded, headers: dict) -> None:
    assert guarded.get("/model", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}, {"authorization": f"bearer {KEY}"}]
)
def test_the_key_is_accepted_in_either_header(guarded, headers: dict, example: dict) -> None:
    response = guarded.post(
        "/predict", content=json.dumps(example), headers={**headers, "Content-Type": "application/json"}
    )

    assert response.status_code == 200


def test_the_key_is_checked_before_the_body_is_read(open_client) -> None:
    with open_client(api_key=KEY, max_body_bytes=1024) as client:
        response = client.post("/predict", content=b"x" * 4096, headers={"Content-Type": "application/json"})

    assert response.status_code == 401


def test_without_a_configured_key_no_route_asks_for_one(client) -> None:
    assert client.get("/model").status_code == 200
