"""GET / through the whole application in process: negotiation, the API key, the CSP header."""

from __future__ import annotations

import pytest

from app.api.routes.page import NOT_ACCEPTABLE
from app.bundle import BundleMetadata
from app.middleware.api_key import UNAUTHORIZED
from app.middleware.csp import SAME_ORIGIN_ONLY
from app.page.form import LOCKED_TITLE

KEY = "s3cret-key-for-the-tests"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_the_model_card(client, metadata: BundleMetadata) -> None:
    response = client.get("/", headers={"Accept": BROWSER})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert f"<title>species classifier {metadata.model_version} · model card</title>" in response.text
    assert response.headers["Content-Security-Policy"] == SAME_ORIGIN_ONLY
    assert response.headers["Vary"] == "Accept"


def test_a_client_that_states_no_preference_gets_the_page(client) -> None:
    assert client.get("/", headers={"Accept": "*/*"}).headers["content-type"] == "text/html; charset=utf-8"


def test_a_json_client_gets_the_summary_not_html(client, metadata: BundleMetadata) -> None:
    response = client.get("/", headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "Content-Security-Policy" not in response.headers
    body = response.json()
    assert (body["model_version"], body["backend"], body["links"]["predict"]) == (
        metadata.model_version,
        "onnx",
        "/predict",
    )
    assert body["metrics"]["accuracy"] == {
        "model": metadata.metrics["accuracy"],
        "baseline": metadata.metrics["baseline"]["accuracy"],
    }


@pytest.mark.parametrize("accept", ["text/csv", "application/json;q=0, text/html;q=0", "image/png"])
def test_a_client_that_accepts_neither_gets_406(client, accept: str) -> None:
    response = client.get("/", headers={"Accept": accept})

    assert response.status_code == 406
    assert response.json() == {"detail": NOT_ACCEPTABLE}


def test_the_page_s_script_and_style_are_served_by_the_service(client) -> None:
    script = client.get("/static/page/card.js")
    style = client.get("/static/page/card.css")

    assert (script.status_code, script.headers["content-type"]) == (200, "text/javascript; charset=utf-8")
    assert (style.status_code, style.headers["content-type"]) == (200, "text/css; charset=utf-8")
    # Nothing in them reaches for another host.
    assert "://" not in script.text
    assert "://" not in style.text


@pytest.fixture(scope="module")
def guarded(open_client):
    with open_client(api_key=KEY) as client:
        yield client


def test_without_the_key_a_browser_gets_the_page_that_asks_for_it(guarded, metadata: BundleMetadata) -> None:
    response = guarded.get("/", headers={"Accept": BROWSER})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert f"<title>{LOCKED_TITLE}</title>" in response.text
    assert '<main id="card" data-locked>' in response.text
    assert '<input id="api-key" type="password" required>' in response.text
    # Nothing about the model.
    for secret in (metadata.model_version, metadata.git_commit, metadata.data["md5"], "species"):
        assert secret not in response.text
    assert response.headers["Content-Security-Policy"] == SAME_ORIGIN_ONLY


def test_without_the_key_a_json_client_gets_the_usual_401(guarded) -> None:
    response = guarded.get("/", headers={"Accept": "application/json"})

    assert response.status_code == 401
    assert response.json() == {"detail": UNAUTHORIZED}


@pytest.mark.parametrize("headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}])
def test_with_the_key_the_card_comes_uncached(guarded, metadata: BundleMetadata, headers: dict) -> None:
    response = guarded.get("/", headers={**headers, "Accept": BROWSER})

    assert response.status_code == 200
    assert metadata.model_version in response.text
    # The key box, for the predictions the form sends.
    assert '<input id="api-key" type="password" required>' in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Vary"] == "Accept, X-API-Key, Authorization"


def test_a_wrong_key_gets_the_page_that_asks_for_it(guarded) -> None:
    response = guarded.get("/", headers={"X-API-Key": KEY + "x"})

    assert response.status_code == 401
    assert '<main id="card" data-locked>' in response.text


@pytest.mark.parametrize("path", ["/static/page/card.js", "/static/page/card.css", "/static/docs/favicon.png"])
def test_the_static_files_need_no_key(guarded, path: str) -> None:
    assert guarded.get(path).status_code == 200
