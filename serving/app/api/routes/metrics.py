"""Prometheus scrape endpoint."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.api.deps import MetricsDep
from app.api.openapi import error_responses

router = APIRouter(tags=["metrics"], responses=error_responses(401))


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def get_metrics(metrics: MetricsDep) -> Response:
    """Requests by route and status, latency histogram, predictions by class, and model_info."""
    return Response(metrics.render(), media_type=metrics.content_type)
