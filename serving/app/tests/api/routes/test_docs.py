"""/docs and /redoc: every file they load comes from the service, and their CSP allows exactly their inline code."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
import pytest

ASSETS = Path(fastapi_offline.__file__).parent / "static"


def loaded_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href|spec-url)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/docs",
            [
                "/static/docs/swagger-ui.css",
                "/static/docs/favicon.png",
                "/static/docs/swagger-ui-bundle.js",
                "/openapi.json",
            ],
        ),
        ("/redoc", ["/static/docs/favicon.png", "/openapi.json", "/static/docs/redoc.standalone.js"]),
    ],
)
def test_the_docs_load_their_files_from_the_service(client, path: str, expected: list[str]) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert loaded_urls(response.text) == expected
    assert "googleapis" not in response.text
    assert "cdn." not in response.text


def test_swagger_ui_s_csp_allows_its_one_inline_script_by_hash(client) -> None:
    response = client.get("/docs")

    [script] = re.findall(r"<script>(.*?)</script>", response.text, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "default-src 'self';" in policy
    assert "'unsafe-inline'" not in policy
    # Swagger UI's validator badge would send the document to validator.swagger.io.
    assert '"validatorUrl": null' in script


def test_redoc_s_csp_allows_its_styles_and_search_worker_but_no_other_host(client) -> None:
    policy = client.get("/redoc").headers["Content-Security-Policy"]

    assert policy == (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("redoc.standalone.js", "text/javascript; charset=utf-8"),
        ("favicon.png", "image/png"),
    ],
)
def test_the_assets_are_the_packaged_files(client, name: str, content_type: str) -> None:
    response = client.get(f"/static/docs/{name}")

    assert (response.status_code, response.headers["content-type"]) == (200, content_type)
    assert response.content == (ASSETS / name).read_bytes()


def test_fastapi_s_cdn_pages_are_gone(client) -> None:
    assert client.get("/docs/oauth2-redirect").status_code == 404
