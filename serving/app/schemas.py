"""Response bodies. The prediction responses, like the request bodies (predictor/records.py), are
generated from the served model's metadata: their shape depends on its task and classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.bundle import BundleMetadata, Label, TargetStatistics, Task

PREDICTION_MODEL = "Prediction"
PREDICT_RESPONSE_MODEL = "PredictResponse"
BATCH_RESPONSE_MODEL = "BatchResponse"
PROBABILITIES_MODEL = "Probabilities"
_WARNINGS = "Inputs the model could not use as sent, e.g. a category unseen in training."


@dataclass(frozen=True)
class PredictionModels:
    """One record's prediction, the POST /predict body and the POST /predict/batch body."""

    prediction: type[BaseModel]
    predict: type[BaseModel]
    batch: type[BaseModel]


def prediction_models(metadata: BundleMetadata) -> PredictionModels:
    """The response bodies for this model: a typed label and a probability per class, or a value."""
    fields: dict[str, Any]
    if metadata.classes is not None:
        label_type: Any = Literal[tuple(metadata.classes)]
        fields = {
            "label": (label_type, Field(description=f"The most probable class of {metadata.target}, as trained.")),
            "probabilities": (
                _probabilities_model(metadata.class_keys),
                Field(description="The probability of every class; they sum to 1."),
            ),
        }
    else:
        fields = {"prediction": (float, Field(description=f"The predicted {metadata.target}."))}
    fields["warnings"] = (list[str], Field(description=_WARNINGS))
    prediction = create_model(PREDICTION_MODEL, **fields)
    version = (str, Field(description="The model that answered."))
    predict = create_model(PREDICT_RESPONSE_MODEL, __base__=prediction, model_version=version)
    predictions = (list[prediction], Field(description="One per record, in the order sent."))  # type: ignore[valid-type]
    batch = create_model(BATCH_RESPONSE_MODEL, predictions=predictions, model_version=version)
    return PredictionModels(prediction=prediction, predict=predict, batch=batch)


def _probabilities_model(keys: list[str]) -> type[BaseModel]:
    # Positional Python names, the class keys as aliases: a key may be any text ("true", "1", "Adelie").
    fields: dict[str, Any] = {
        f"class_{position}": (Annotated[float, Field(alias=key, title=key)], ...) for position, key in enumerate(keys)
    }
    return create_model(PROBABILITIES_MODEL, __config__=ConfigDict(extra="forbid"), **fields)


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
    task: Task
    estimator: str = Field(description="The estimator's import path.")
    hyperparameters: dict[str, Any]
    pretrained: bool = Field(description="True when the Pipeline was fitted elsewhere and passed through.")
    target: str
    classes: list[Label] | None = Field(
        default=None, description="Classification only: the labels, as trained (true, 1 or a string)."
    )
    target_statistics: TargetStatistics | None = Field(
        default=None, description="Regression only: mean, standard deviation, min and max of the training target."
    )
    git_commit: str = Field(description="The commit the model was trained from.")
    data: dict[str, Any] = Field(description="The data file and md5 of it and of the train and test splits.")
    params: dict[str, Any] = Field(description="params.yaml as used for training.")
    metrics: dict[str, Any] = Field(description="Test-split metrics.")
    versions: dict[str, str] = Field(description="Library versions the model was trained with.")
    training: dict[str, Any] = Field(description="When training ran, for how long, on how many rows.")
    features: list[dict[str, Any]] = Field(description="The feature schema requests are validated against.")
    example: dict[str, Any]
    artifacts: dict[str, Any]
    image_input: dict[str, Any] | None = Field(
        default=None,
        description="Only for a model that takes pictures (POST /predict/image): their width and height, value "
        "range, which end is ink, margin, stroke width and the pixel columns, row-major.",
    )


class MetricComparison(BaseModel):
    model: float = Field(description="The model's score on the test split.")
    baseline: float | None = Field(
        description="The same score of the trivial baseline (the majority class, or the training mean); "
        "null where none is computed."
    )


class CardSummary(BaseModel):
    """GET / for a JSON client: the model card's headline facts."""

    name: str = Field(description='The target and the task, e.g. "species classifier".')
    model_version: str
    task: Task
    target: str
    estimator: str = Field(description="The estimator's import path.")
    backend: str = Field(description="The runtime that computes predictions, e.g. onnx.")
    trained_at: str | None = Field(description="When training ran (ISO 8601).")
    git_commit: str = Field(description="The commit the model was trained from.")
    data_md5: str | None = Field(description="The md5 of the data file trained on.")
    test_rows: int | None = Field(description="Rows in the test split the metrics are computed on.")
    metrics: dict[str, MetricComparison] = Field(description="Each headline test metric against the baseline.")
    pictures: list[str] = Field(description="The titles of the pictures the HTML card shows.")
    links: dict[str, str] = Field(description="Where the details are: /model, /predict, /docs, ...")


class ErrorResponse(BaseModel):
    detail: str | list[dict[str, Any]] = Field(
        description="What was wrong: a sentence, or one entry per problem with its location (`loc`) and message."
    )
