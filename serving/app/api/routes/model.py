"""The served model's metadata and lineage."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import PredictorDep
from app.api.openapi import error_responses
from app.schemas import ModelInfo

router = APIRouter(tags=["model"], responses=error_responses(401, 503))


# Without nulls: classification names its classes, regression its target's statistics.
@router.get("/model", response_model=ModelInfo, response_model_exclude_none=True)
async def get_model(predictor: PredictorDep) -> ModelInfo:
    """Version, task, git commit, data md5, params, metrics, library versions, training run and feature schema."""
    metadata = predictor.metadata
    return ModelInfo(
        **metadata.model_dump(include=set(ModelInfo.model_fields) - {"backend", "features", "artifacts"}),
        backend=predictor.backend.name,
        features=[feature.model_dump() for feature in metadata.features],
        artifacts=metadata.artifacts.model_dump(exclude_none=True),
    )
