"""Predictions for one record or a batch. Bodies are validated against the model's feature schema.

These routes take the Request and call the helpers of app.api.deps directly rather than
through `Depends`: FastAPI's dependency resolution costs more per request than an ONNX
prediction, and this is the hot path. Returning a Response skips a second validation of
the body just built; `response_model` still documents it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import json_body, parse_batch, parse_record, ready_predictor, service_state
from app.api.errors import non_finite_prediction_error
from app.api.openapi import error_responses, json_request_body
from app.predictor.model import Prediction, Predictor
from app.predictor.records import BATCH_MODEL, RECORD_MODEL, Record
from app.schemas import BatchResponse, PredictResponse

router = APIRouter(prefix="/predict", tags=["predict"], responses=error_responses(401, 408, 413, 415, 422, 503))

logger = logging.getLogger(__name__)


async def predict(predictor: Predictor, records: Sequence[Record], *, batch: bool = False) -> list[Prediction]:
    """A slow backend runs in the thread pool, so that it does not hold up the event loop (and
    the health checks); a fast one runs inline, where a thread hop would cost more than it does."""
    if predictor.backend.blocking:
        predictions = await run_in_threadpool(predictor.predict, records)
    else:
        predictions = predictor.predict(records)
    # One sum per record: NaN or infinity anywhere makes it non-finite.
    failed = [n for n, p in enumerate(predictions) if not math.isfinite(sum(p.probabilities.values()))]
    if failed:
        logger.warning(
            "%d record(s) gave non-finite probabilities on the %s backend", len(failed), predictor.backend.name
        )
        raise non_finite_prediction_error(failed, batch=batch)
    return predictions


@router.post("", response_model=PredictResponse, openapi_extra=json_request_body(RECORD_MODEL))
async def post_predict(request: Request) -> JSONResponse:
    """Predict one record: a flat JSON object with every feature (null where unknown)."""
    state = service_state(request)
    predictor = ready_predictor(state)
    (prediction,) = await predict(predictor, [parse_record(predictor, await json_body(request))])
    state.metrics.count_predictions([prediction.label])
    return JSONResponse({**_out(prediction), "model_version": predictor.version})


@router.post("/batch", response_model=BatchResponse, openapi_extra=json_request_body(BATCH_MODEL))
async def post_predict_batch(request: Request) -> JSONResponse:
    """Predict up to the configured batch limit of records, returned in the order sent."""
    state = service_state(request)
    predictor = ready_predictor(state)
    predictions = await predict(predictor, parse_batch(predictor, await json_body(request)), batch=True)
    state.metrics.count_predictions(p.label for p in predictions)
    return JSONResponse({"predictions": [_out(p) for p in predictions], "model_version": predictor.version})


def _out(prediction: Prediction) -> dict[str, Any]:
    return {"label": prediction.label, "probabilities": prediction.probabilities, "warnings": prediction.warnings}
