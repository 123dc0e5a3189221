"""Response bodies. Request bodies are generated from the model's feature schema (predictor/records.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class PredictionOut(BaseModel):
    label: str = Field(description="The most probable class.")
    probabilities: dict[str, float] = Field(description="The probability of every class; they sum to 1.")
    warnings: list[str] = Field(
        description="Inputs the model could not use as sent, e.g. a category unseen in training."
    )


class PredictResponse(PredictionOut):
    model_version: str


class BatchResponse(BaseModel):
    predictions: list[PredictionOut] = Field(description="One per record, in the order sent.")
    model_version: str


class HealthOk(BaseModel):
    status: Literal["ok"] = "ok"
    model_version: str


class HealthUnavailable(BaseModel):
    status: Literal["unavailable"] = "unavailable"
    reason: str


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class ModelInfo(BaseModel):
    model_version: str
    backend: str = Field(description="The runtime that computes predictions, e.g. sklearn.")
    estimator: str
    target: str
    classes: list[str]
    git_commit: str = Field(description="The commit the model was trained from.")
    data: dict[str, Any] = Field(description="md5 of the raw snapshot and of the train and test splits.")
    params: dict[str, Any] = Field(description="params.yaml as used for training.")
    metrics: dict[str, Any] = Field(description="Test-split metrics.")
    versions: dict[str, str] = Field(description="Library versions the model was trained with.")
    training: dict[str, Any] = Field(description="When training ran, for how long, on how many rows.")
    features: list[dict[str, Any]] = Field(description="The feature schema requests are validated against.")
    example: dict[str, Any]
    artifacts: dict[str, Any]


class ErrorResponse(BaseModel):
    detail: str | list[dict[str, Any]] = Field(
        description="What was wrong: a sentence, or one entry per problem with its location (`loc`) and message."
    )
