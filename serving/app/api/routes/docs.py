"""The API docs: Swagger UI at /docs and ReDoc at /redoc, with every script, style and icon served from here.

FastAPI's defaults load them from a CDN, so the docs were a blank page wherever the browser
cannot reach it. The files come from the fastapi-offline package, pinned in Pipfile.lock, and
are mounted under /static/docs.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.middleware.csp import CSP_HEADER, policy
from app.page.html import STATIC_URL

DOCS_ASSETS_URL = f"{STATIC_URL}/docs"
OPENAPI_URL = "/openapi.json"
TITLE = "Model service"
# Swagger UI would send the document to validator.swagger.io for a badge: no request leaves the service.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def docs_assets() -> Path:
    """The folder of swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js and favicon.png."""
    return Path(str(importlib.resources.files("fastapi_offline") / "static"))


@dataclass(frozen=True)
class DocsPage:
    html: str
    policy: str

    def response(self) -> HTMLResponse:
        return HTMLResponse(self.html, headers={CSP_HEADER: self.policy})


def with_policy(html: str, *, inline_styles: bool = False, blob_workers: bool = False) -> DocsPage:
    """The page, and a CSP that allows exactly its inline scripts (by hash) besides the service's own files."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    ]
    return DocsPage(html, policy(script_hashes=hashes, inline_styles=inline_styles, blob_workers=blob_workers))


@functools.cache
def swagger_ui() -> DocsPage:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{TITLE} - Swagger UI",
        swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    return with_policy(bytes(page.body).decode())


@functools.cache
def redoc() -> DocsPage:
    page = get_redoc_html(
        openapi_url=OPENAPI_URL,
        title=f"{TITLE} - ReDoc",
        redoc_js_url=f"{DOCS_ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )
    # ReDoc styles itself with <style> elements it writes at run time, and searches in a worker.
    return with_policy(bytes(page.body).decode(), inline_styles=True, blob_workers=True)


@router.get("/docs")
async def get_swagger_ui() -> HTMLResponse:
    return swagger_ui().response()


@router.get("/redoc")
async def get_redoc() -> HTMLResponse:
    return redoc().response()
