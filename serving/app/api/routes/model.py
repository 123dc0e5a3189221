"""The served model's metadata and lineage."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import PredictorDep
from app.api.openapi import error_responses
from app.schemas import ModelInfo

router = APIRouter(tags=["model"], responses=error_responses(401, 503))


@router.get("/model", response_model=ModelInfo)
async def get_model(predictor: PredictorDep) -> ModelInfo:
    """Version, git commit, data md5, params, metrics, library versions, training run and feature schema."""
    metadata = predictor.metadata
    return ModelInfo(
        **metadata.model_dump(include=set(ModelInfo.model_fields) - {"backend", "features"}),
        backend=predictor.backend.name,
        features=[feature.model_dump() for feature in metadata.features],
    )
