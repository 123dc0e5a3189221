"""Predictions for one record or a batch. Bodies are validated against the model's feature schema."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import BatchDep, MetricsDep, PredictorDep, RecordDep
from app.api.openapi import error_responses, json_request_body
from app.predictor.model import Prediction
from app.predictor.records import BATCH_MODEL, RECORD_MODEL
from app.schemas import BatchResponse, PredictionOut, PredictResponse

router = APIRouter(prefix="/predict", tags=["predict"], responses=error_responses(401, 413, 415, 422, 503))


# Plain `def`: FastAPI runs them in its thread pool, so the CPU work of a prediction does
# not hold up the event loop (and the health checks) meanwhile.
@router.post("", response_model=PredictResponse, openapi_extra=json_request_body(RECORD_MODEL))
def post_predict(record: RecordDep, predictor: PredictorDep, metrics: MetricsDep) -> PredictResponse:
    """Predict one record: a flat JSON object with every feature (null where unknown)."""
    prediction = predictor.predict([record])[0]
    metrics.count_predictions([prediction.label])
    return PredictResponse(**_out(prediction).model_dump(), model_version=predictor.version)


@router.post("/batch", response_model=BatchResponse, openapi_extra=json_request_body(BATCH_MODEL))
def post_predict_batch(records: BatchDep, predictor: PredictorDep, metrics: MetricsDep) -> BatchResponse:
    """Predict up to the configured batch limit of records, returned in the order sent."""
    predictions = predictor.predict(records)
    metrics.count_predictions(p.label for p in predictions)
    return BatchResponse(predictions=[_out(p) for p in predictions], model_version=predictor.version)


def _out(prediction: Prediction) -> PredictionOut:
    return PredictionOut(label=prediction.label, probabilities=prediction.probabilities, warnings=prediction.warnings)
