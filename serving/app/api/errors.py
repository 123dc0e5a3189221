"""Validation problems as 422 bodies that are always valid JSON and never echo a whole payload."""

from __future__ import annotations

import math
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError


def request_validation_error(exc: ValidationError) -> RequestValidationError:
    """FastAPI's own error shape, located in the body: {"loc": ["body", "records", 3, "island"], ...}."""
    return RequestValidationError([_located(error) for error in exc.errors(include_url=False)])


_NOT_FINITE = {
    False: "The model's probabilities for this record are not finite numbers",
    True: "The model's prediction for this record is not a finite number",
}


def non_finite_prediction_error(
    positions: list[int], *, batch: bool, regression: bool = False
) -> RequestValidationError:
    """Records the model could not compute: answering NaN would be a 500 (JSON has no NaN), or a lie."""
    return RequestValidationError(
        [
            {
                "type": "prediction_not_finite",
                "loc": ["body", "records", position] if batch else ["body"],
                "msg": f"{_NOT_FINITE[regression]}; a number far outside the training range overflows the model's "
                "arithmetic",
            }
            for position in positions
        ]
    )


def _located(error: Any) -> dict[str, Any]:
    located: dict[str, Any] = {"type": error["type"], "loc": ["body", *error["loc"]], "msg": error["msg"]}
    value = error.get("input")
    # Scalars help spot a typo; objects and lists could be the whole batch, and bytes are raw JSON.
    if value is None or isinstance(value, bool | int | str):
        located["input"] = value
    elif isinstance(value, float):
        located["input"] = value if math.isfinite(value) else str(value)
    if "ctx" in error:
        located["ctx"] = {key: _json_safe(item) for key, item in error["ctx"].items()}
    return located


def _json_safe(value: Any) -> Any:
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)
