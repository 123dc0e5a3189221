"""Predictions for one record or a batch. Bodies are validated against the model's feature schema.

These routes take the Request and call the helpers of app.api.deps directly rather than
through `Depends`: FastAPI's dependency resolution costs more per request than an ONNX
prediction, and this is the hot path. Returning a Response skips a second validation of
the body just built; the OpenAPI document describes it with the response models generated
from the model's task and classes (app.api.openapi).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import json_body, parse_batch, parse_record, ready_predictor, service_state
from app.api.errors import non_finite_prediction_error
from app.api.openapi import error_responses, json_bodies
from app.predictor.model import Predictor
from app.predictor.predictions import Prediction
from app.predictor.records import BATCH_MODEL, RECORD_MODEL, Record
from app.schemas import BATCH_RESPONSE_MODEL, PREDICT_RESPONSE_MODEL

router = APIRouter(prefix="/predict", tags=["predict"], responses=error_responses(401, 408, 413, 415, 422, 503))

logger = logging.getLogger(__name__)


async def predict(predictor: Predictor, records: Sequence[Record], *, batch: bool = False) -> list[Prediction]:
    """A slow backend runs in the thread pool, so that it does not hold up the event loop (and
    the health checks); a fast one runs inline, where a thread hop would cost more than it does."""
    if predictor.backend.blocking:
        predictions = await run_in_threadpool(predictor.predict, records)
    else:
        predictions = predictor.predict(records)
    failed = [n for n, p in enumerate(predictions) if not p.finite]
    if failed:
        logger.warning(
            "%d record(s) gave non-finite predictions on the %s backend", len(failed), predictor.backend.name
        )
        raise non_finite_prediction_error(failed, batch=batch, regression=predictor.regression)
    return predictions


@router.post(
    "",
    openapi_extra=json_bodies(
        RECORD_MODEL, PREDICT_RESPONSE_MODEL, "The class with every probability, or the predicted value."
    ),
)
async def post_predict(request: Request) -> JSONResponse:
    """Predict one record: a flat JSON object with every feature (null where unknown)."""
    state = service_state(request)
    predictor = ready_predictor(state)
    (prediction,) = await predict(predictor, [parse_record(predictor, await json_body(request))])
    state.metrics.observe_predictions((prediction,))
    return JSONResponse({**prediction.body(), "model_version": predictor.version})


@router.post(
    "/batch",
    openapi_extra=json_bodies(BATCH_MODEL, BATCH_RESPONSE_MODEL, "One prediction per record, in the order sent."),
)
async def post_predict_batch(request: Request) -> JSONResponse:
    """Predict up to the configured batch limit of records, returned in the order sent."""
    state = service_state(request)
    predictor = ready_predictor(state)
    predictions = await predict(predictor, parse_batch(predictor, await json_body(request)), batch=True)
    state.metrics.observe_predictions(predictions)
    return JSONResponse({"predictions": [p.body() for p in predictions], "model_version": predictor.version})
