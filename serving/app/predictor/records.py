"""Request validation generated from the model's feature schema: one pydantic model per record.

Fields are required but nullable: a client states a gap with null, and a missing key is a
typo or a stale client, reported as such. Unknown keys, wrong JSON types and NaN or infinite
numbers are rejected; categories unseen in training are accepted and reported as warnings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.bundle import CategoryFeature, Feature, NumberFeature

# One validated record: feature name -> number, category or None (the pipeline imputes).
Record = dict[str, float | str | None]

RECORD_MODEL = "PredictionRecord"
BATCH_MODEL = "BatchRequest"
MAX_CATEGORY_LENGTH = 256
# The ONNX backend computes in float32: a larger number cannot even be represented there.
FLOAT32_MAX = 3.4028234663852886e38


class RecordSchema:
    """Parses request bodies into records; raises pydantic.ValidationError naming the field."""

    def __init__(self, features: Sequence[Feature], *, example: Mapping[str, Any], max_batch: int) -> None:
        self.features = tuple(features)
        self.max_batch = max_batch
        self.record_model = _record_model(self.features, example)
        self.batch_model = _batch_model(self.record_model, max_batch=max_batch, example=example)

    def parse_record(self, body: bytes | str) -> Record:
        return _as_record(self.record_model.model_validate_json(body))

    def parse_batch(self, body: bytes | str) -> list[Record]:
        batch = self.batch_model.model_validate_json(body)
        return [_as_record(item) for item in batch.records]  # type: ignore[attr-defined]

    def warnings(self, record: Record) -> list[str]:
        found: list[str] = []
        for feature in self.features:
            value = record[feature.name]
            if value is None:
                continue
            if isinstance(feature, CategoryFeature) and value not in feature.categories:
                found.append(
                    f"{feature.name}: {value!r} was not seen in training "
                    f"(known: {', '.join(feature.categories)}); the model ignores it"
                )
            elif isinstance(feature, NumberFeature) and not feature.min <= float(value) <= feature.max:
                found.append(
                    f"{feature.name}: {value} is outside the training range [{feature.min}, {feature.max}]; "
                    "the prediction extrapolates"
                )
        return found


def _as_record(model: BaseModel) -> Record:
    return model.model_dump(by_alias=True)


def _record_model(features: Sequence[Feature], example: Mapping[str, Any]) -> type[BaseModel]:
    # Python names are positional and the feature names are aliases, so that any column name
    # (spaces, or one that shadows a BaseModel attribute) is a valid field.
    fields: dict[str, Any] = {
        f"feature_{position}": (_field_type(feature, example.get(feature.name)), ...)
        for position, feature in enumerate(features)
    }
    config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [dict(example)]})
    return create_model(RECORD_MODEL, __config__=config, **fields)


def _field_type(feature: Feature, example: Any) -> Any:
    examples = [] if example is None else [example]
    if isinstance(feature, NumberFeature):
        kind: Any = float | None if feature.nullable else float
        info = Field(
            alias=feature.name,
            title=feature.name,
            allow_inf_nan=False,
            ge=-FLOAT32_MAX,
            le=FLOAT32_MAX,
            description=_describe_number(feature),
            examples=examples,
        )
    else:
        kind = str | None if feature.nullable else str
        info = Field(
            alias=feature.name,
            title=feature.name,
            min_length=1,
            max_length=MAX_CATEGORY_LENGTH,
            description=_describe_category(feature),
            examples=examples or feature.categories[:1],
        )
    return Annotated[kind, info]


def _describe_number(feature: NumberFeature) -> str:
    text = (
        f"A finite number of magnitude at most {FLOAT32_MAX:.4g}; training range [{feature.min}, {feature.max}] "
        "(values outside it are warned about)."
    )
    return text + (" null when unknown: the model imputes it." if feature.nullable else "")


def _describe_category(feature: CategoryFeature) -> str:
    text = (
        f"Categories seen in training: {', '.join(feature.categories)}. Any other value is accepted, "
        "ignored by the model and reported in `warnings`."
    )
    return text + (" null when unknown: the model imputes it." if feature.nullable else "")


def _batch_model(record_model: type[BaseModel], *, max_batch: int, example: Mapping[str, Any]) -> type[BaseModel]:
    records = Annotated[
        list[record_model],  # type: ignore[valid-type]
        Field(min_length=1, max_length=max_batch, description=f"1 to {max_batch} records, predicted in order."),
    ]
    config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [{"records": [dict(example)]}]})
    return create_model(BATCH_MODEL, __config__=config, records=(records, ...))
