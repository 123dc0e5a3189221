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


def get_state(request: Request) -> ServiceState:
    return cast(ServiceState, request.app.state.service)


StateDep = Annotated[ServiceState, Depends(get_state)]


def get_metrics(state: StateDep) -> Metrics:
    return state.metrics


def get_predictor(state: StateDep) -> Predictor:
    if state.predictor is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=state.unavailable_reason)
    return state.predictor


MetricsDep = Annotated[Metrics, Depends(get_metrics)]
PredictorDep = Annotated[Predictor, Depends(get_predictor)]


async def read_json_body(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"Content-Type must be {JSON_MEDIA_TYPE}, got {media_type or 'none'!r}",
        )
    return await request.body()


JsonBody = Annotated[bytes, Depends(read_json_body)]


async def parse_record(predictor: PredictorDep, body: JsonBody) -> Record:
    try:
        return predictor.schema.parse_record(body)
    except ValidationError as exc:
        raise request_validation_error(exc) from None


async def parse_batch(predictor: PredictorDep, body: JsonBody) -> list[Record]:
    try:
        return predictor.schema.parse_batch(body)
    except ValidationError as exc:
        raise request_validation_error(exc) from None


RecordDep = Annotated[Record, Depends(parse_record)]
BatchDep = Annotated[list[Record], Depends(parse_batch)]
