"""Dependencies shared by the routes, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status
from pydantic import ValidationError

from app.api.errors import request_validation_error
from app.metrics import Metrics
from app.predictor.model import Predictor
from app.predictor.records import Record
from app.state import ServiceState

JSON_MEDIA_TYPE = "application/json"


# Every dependency is `async def`: FastAPI runs a plain `def` in its thread pool, and a
# thread hop per dependency costs more than an ONNX prediction.
async def get_state(request: Request) -> ServiceState:
    return service_state(request)


def service_state(request: Request) -> ServiceState:
    return cast(ServiceState, request.app.state.service)


StateDep = Annotated[ServiceState, Depends(get_state)]


async def get_metrics(state: StateDep) -> Metrics:
    return state.metrics


async def get_predictor(state: StateDep) -> Predictor:
    return ready_predictor(state)


def ready_predictor(state: ServiceState) -> Predictor:
    if state.predictor is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=state.unavailable_reason)
    return state.predictor


MetricsDep = Annotated[Metrics, Depends(get_metrics)]
PredictorDep = Annotated[Predictor, Depends(get_predictor)]


async def json_body(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"Content-Type must be {JSON_MEDIA_TYPE}, got {media_type or 'none'!r}",
        )
    return await request.body()


def parse_record(predictor: Predictor, body: bytes) -> Record:
    try:
        return predictor.schema.parse_record(body)
    except ValidationError as exc:
        raise request_validation_error(exc) from None


def parse_batch(predictor: Predictor, body: bytes) -> list[Record]:
    try:
        return predictor.schema.parse_batch(body)
    except ValidationError as exc:
        raise request_validation_error(exc) from None
