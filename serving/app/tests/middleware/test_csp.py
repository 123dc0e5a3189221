from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from app.middleware.csp import SAME_ORIGIN_ONLY, ContentSecurityPolicyMiddleware, policy

OWN = "default-src 'none'"


def application() -> Starlette:
    routes = [
        Route("/html", lambda request: HTMLResponse("<p>hi</p>")),
        Route("/own", lambda request: HTMLResponse("<p>hi</p>", headers={"Content-Security-Policy": OWN})),
        Route("/json", lambda request: JSONResponse({"a": 1})),
        Route("/text", lambda request: PlainTextResponse("hi")),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(ContentSecurityPolicyMiddleware)
    return app


@pytest.mark.parametrize(
    ("path", "expected"), [("/html", SAME_ORIGIN_ONLY), ("/own", OWN), ("/json", None), ("/text", None)]
)
def test_every_html_response_gets_a_policy_unless_it_has_its_own(path: str, expected: str | None) -> None:
    response = TestClient(application()).get(path)

    assert response.headers.get("Content-Security-Policy") == expected


def test_the_default_policy_allows_the_service_s_own_origin_only() -> None:
    assert SAME_ORIGIN_ONLY == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    assert "script-src 'self' 'sha256-abc=';" in policy(script_hashes=["'sha256-abc='"])
