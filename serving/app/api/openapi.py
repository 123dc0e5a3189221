"""OpenAPI: request and response schemas and examples come from the loaded model's metadata.

The routes read their bodies and build their answers themselves (the schemas exist only once
the model is loaded, and differ by task), so the document is completed here, each time it is
asked for.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

from app.api.routes.health import PUBLIC_PATHS
from app.images.decode import MEDIA_TYPES as IMAGE_MEDIA_TYPES
from app.middleware.api_key import API_KEY_HEADER
from app.middleware.body_limit import BODY_TIMEOUT
from app.predictor.model import Predictor
from app.predictor.records import BATCH_MODEL, RECORD_MODEL
from app.schemas import (
    BATCH_RESPONSE_MODEL,
    PREDICT_RESPONSE_MODEL,
    PREDICTION_MODEL,
    ErrorResponse,
    prediction_models,
)
from app.state import ServiceState

_REF = "#/components/schemas/{model}"

_ERRORS = {
    401: "The API key is missing or wrong (only when the service is configured with one).",
    408: f"The body did not arrive within {BODY_TIMEOUT:g} s of the request's headers.",
    413: "The body is larger than the configured limit.",
    415: "The body is not sent as application/json.",
    422: "The body is not valid JSON or does not match the feature schema; `detail` names each field and problem.",
    503: "The model is not loaded (yet).",
}
# The image route's own meaning of the codes it shares with the JSON routes.
_IMAGE_ERRORS = {
    415: "The body is not a PNG, JPEG or WebP image (or multipart/form-data holding one).",
    422: "The picture is empty, damaged or truncated, has too many pixels (checked before decoding), or shows "
    "nothing drawn; or the multipart body lacks the file field `image`.",
}
IMAGE_PATH = "/predict/image"


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse, "description": _ERRORS[code]} for code in codes}


def json_bodies(request: str, response: str, description: str) -> dict[str, Any]:
    """For a route's `openapi_extra`: the request and the 200 response are the generated models of those names."""

    def content(model: str) -> dict[str, Any]:
        return {"application/json": {"schema": {"$ref": _REF.format(model=model)}}}

    return {
        "requestBody": {"required": True, "content": content(request)},
        "responses": {"200": {"description": description, "content": content(response)}},
    }


def image_bodies() -> dict[str, Any]:
    """For the image route's `openapi_extra`: a picture as the body or as a multipart file field, and its answer."""
    picture = {"type": "string", "format": "binary"}
    multipart = {
        "type": "object",
        "required": ["image"],
        "properties": {"image": {**picture, "description": "The picture: PNG, JPEG or WebP."}},
        "additionalProperties": False,
    }
    content: dict[str, Any] = {media_type: {"schema": picture} for media_type in IMAGE_MEDIA_TYPES}
    content["multipart/form-data"] = {"schema": multipart}
    errors = {str(code): {"description": text} for code, text in _IMAGE_ERRORS.items()}
    response = {"application/json": {"schema": {"$ref": _REF.format(model=PREDICT_RESPONSE_MODEL)}}}
    return {
        "requestBody": {"required": True, "content": content},
        "responses": {
            "200": {"description": "The class with every probability, or the predicted value.", "content": response},
            **errors,
        },
    }


def install_openapi(app: FastAPI, state: ServiceState) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = copy.deepcopy(generate())
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components.update(_request_schemas(state.predictor))
        components.update(_response_schemas(state.predictor))
        if state.predictor is None or state.predictor.metadata.image_input is None:
            # Only a model that declares an image input takes pictures.
            document["paths"].pop(IMAGE_PATH, None)
        if state.predictor is not None:
            _add_examples(document["paths"], state.predictor)
        if state.settings.api_key is not None:
            _add_security(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _request_schemas(predictor: Predictor | None) -> dict[str, Any]:
    if predictor is None:
        pending = {"type": "object", "description": "Generated from the model's feature schema once it is loaded."}
        return {RECORD_MODEL: pending, BATCH_MODEL: pending}
    batch = predictor.schema.batch_model.model_json_schema(ref_template=_REF)
    definitions: dict[str, Any] = batch.pop("$defs", {})
    return {**definitions, BATCH_MODEL: batch}


def _response_schemas(predictor: Predictor | None) -> dict[str, Any]:
    if predictor is None:
        pending = {"type": "object", "description": "Generated from the model's task and classes once it is loaded."}
        return {PREDICTION_MODEL: pending, PREDICT_RESPONSE_MODEL: pending, BATCH_RESPONSE_MODEL: pending}
    models = prediction_models(predictor.metadata)
    schemas: dict[str, Any] = {}
    for model in (models.predict, models.batch):
        schema = model.model_json_schema(ref_template=_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _add_examples(paths: dict[str, Any], predictor: Predictor) -> None:
    metadata = predictor.metadata
    example = metadata.example
    golden = metadata.golden_records[0]
    prediction: dict[str, Any] = (
        {"prediction": golden.value, "warnings": []}
        if metadata.task == "regression"
        else {"label": golden.label, "probabilities": golden.probabilities, "warnings": []}
    )
    bodies: dict[str, tuple[Any, Any]] = {
        "/predict": (example, {**prediction, "model_version": predictor.version}),
        "/predict/batch": ({"records": [example]}, {"predictions": [prediction], "model_version": predictor.version}),
    }
    for path, (request, response) in bodies.items():
        operation = paths[path]["post"]
        operation["requestBody"]["content"]["application/json"]["example"] = request
        operation["responses"]["200"]["content"]["application/json"]["example"] = response
    if IMAGE_PATH in paths:
        image_answer = paths[IMAGE_PATH]["post"]["responses"]["200"]["content"]["application/json"]
        image_answer["example"] = {**prediction, "model_version": predictor.version}


def _add_security(document: dict[str, Any]) -> None:
    document["components"]["securitySchemes"] = {
        "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER},
        "Bearer": {"type": "http", "scheme": "bearer"},
    }
    for path, operations in document["paths"].items():
        for operation in operations.values():
            operation["security"] = [] if path in PUBLIC_PATHS else [{"ApiKeyHeader": []}, {"Bearer": []}]
