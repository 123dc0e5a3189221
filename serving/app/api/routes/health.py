"""Health checks for the load balancer (/health) and the process supervisor (/livez)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import StateDep
from app.schemas import HealthOk, HealthUnavailable, Liveness

# Reachable without the API key: load balancers and orchestrators send none.
PUBLIC_PATHS = frozenset({"/health", "/livez"})

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthOk,
    responses={503: {"model": HealthUnavailable, "description": "Not ready: the reason says why."}},
)
async def get_health(state: StateDep) -> HealthOk | JSONResponse:
    """Ready to serve: the model is loaded and reproduced its golden records."""
    if state.predictor is None:
        return JSONResponse(HealthUnavailable(reason=state.unavailable_reason).model_dump(), status_code=503)
    return HealthOk(model_version=state.predictor.version)


@router.get("/livez", response_model=Liveness)
async def get_livez() -> Liveness:
    """The process answers; no model work."""
    return Liveness()
