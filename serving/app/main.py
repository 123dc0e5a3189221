"""The application factory. gunicorn calls `create_app()` in each worker; the model loads in `lifespan`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.api.openapi import install_openapi
from app.api.routes import docs, health, images, metrics, model, page, predict
from app.config import Settings
from app.images.decode import refuse_decompression_bombs
from app.metrics import Metrics
from app.middleware.api_key import ApiKeyMiddleware
from app.middleware.body_limit import BodySizeLimitMiddleware
from app.middleware.csp import ContentSecurityPolicyMiddleware
from app.middleware.forwarded import ForwardedHeadersMiddleware
from app.middleware.request_context import RequestContextMiddleware
from app.page.card import build_card
from app.page.html import STATIC_URL
from app.predictor.errors import ModelStartupError
from app.predictor.model import load_predictor
from app.state import ServiceState

logger = logging.getLogger(__name__)

DESCRIPTION = """Predicts the class or the value of one record or a batch with the trained model.

Request fields are generated from the model's feature schema. `GET /model` describes the model
and its lineage; `GET /` is its model card, a page to read and try it in a browser.
"""
# The page's own script and stylesheet.
PAGE_STATIC = Path(__file__).resolve().parent / "page" / "static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ServiceState = app.state.service
    settings = state.settings
    refuse_decompression_bombs()
    try:
        predictor = load_predictor(settings.model_dir, max_batch=settings.max_batch_size, backend=settings.backend)
        card = build_card(settings.model_dir, predictor, api_key_required=settings.api_key is not None)
    except ModelStartupError as exc:
        logger.critical("refusing to start: %s", exc)
        raise
    state.serve(predictor, card)
    logger.info(
        "serving model %s (%s backend) from %s",
        predictor.version,
        predictor.backend.name,
        settings.model_dir,
        extra={"fields": {"model_version": predictor.version, "git_commit": predictor.metadata.git_commit}},
    )
    try:
        yield
    finally:
        state.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    state = ServiceState(settings=settings, metrics=Metrics(multiprocess_dir=settings.prometheus_multiproc_dir))
    # No trailing-slash redirects: their Location is built from the Host header, which the caller writes.
    # FastAPI's own /docs and /redoc load their files from a CDN: app.api.routes.docs serves them from here.
    app = FastAPI(
        title="Model service",
        description=DESCRIPTION,
        version="1",
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.service = state
    for module in (page, health, predict, images, model, metrics, docs):
        app.include_router(module.router)
    app.mount(f"{STATIC_URL}/page", StaticFiles(directory=PAGE_STATIC), name="page-static")
    app.mount(docs.DOCS_ASSETS_URL, StaticFiles(directory=docs.docs_assets()), name="docs-static")
    install_openapi(app, state)
    # Added innermost first: the request context wraps everything, so that 401 and 413
    # answers also carry a request id and reach the access log and the metrics.
    app.add_middleware(ContentSecurityPolicyMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits={images.PATH: settings.max_image_bytes},
    )
    if settings.api_key is not None:
        app.add_middleware(
            ApiKeyMiddleware,
            api_key=settings.api_key.get_secret_value(),
            # Static files hold nothing of the model: the page that asks for the key needs them.
            open_paths=health.PUBLIC_PATHS | page.CHECKS_ITS_OWN_KEY,
            open_prefixes=(f"{STATIC_URL}/",),
        )
    app.add_middleware(RequestContextMiddleware, metrics=state.metrics, routes=app.routes)
    # Outermost: every layer, the access log included, sees the client the load balancer saw.
    app.add_middleware(ForwardedHeadersMiddleware, trusted=settings.trusted_proxies)
    return app
