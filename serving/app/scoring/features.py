"""Input columns checked with the service's rules (app.predictor.records), a whole chunk at a time.

The service validates each record with pydantic and refuses a whole request for one bad
value; a batch keeps every row and says, per row, why it was not scored. The rules are the
same: numbers finite and within the float32 range, categories of 1 to MAX_CATEGORY_LENGTH
characters, gaps only where the feature is nullable. Unseen categories and numbers outside
the training range are warnings, worded as RecordSchema.warnings words them.

An empty value is a gap in either format: CSV cannot tell an empty field from a null. Number
text is read as training reads a CSV (pandas): "NA", "nan" and the like are gaps; a CSV's
category text gets the same treatment before it arrives here (run.py, csv_gaps.py).
Python formats a message only for the rows that have one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.bundle import MISSING_CATEGORY, CategoryFeature, Feature, NumberFeature
from app.predictor.records import FLOAT32_MAX, MAX_CATEGORY_LENGTH
from app.scoring.csv_gaps import gap_text

# What pyarrow's text-to-double cast accepts, so that one bad value does not fail the chunk's cast.
_NUMBER_TEXT = r"(?i)^[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|inf|infinity|nan)$"


# Built on first use: pyarrow imports pandas when it first converts Python values, and
# `python -m app.scoring finalize` must not pay for that.
@functools.cache
def _no_text() -> pa.Scalar:
    return pa.scalar(None, pa.string())


@dataclass(frozen=True)
class CheckedChunk:
    """One chunk's model input (every row; a failed row holds gaps), and per-row messages."""

    columns: dict[str, npt.NDArray[Any]]
    # A string per row: null where the row is valid (errors) or unremarkable (warnings).
    errors: pa.Array
    warnings: pa.Array


def check_chunk(features: Sequence[Feature], batch: pa.RecordBatch) -> CheckedChunk:
    """`batch` holds each feature as float64 or string (numbers) or string (categories)."""
    columns: dict[str, npt.NDArray[Any]] = {}
    errors: list[pa.Array] = []
    warnings: list[pa.Array] = []
    for feature in features:
        column = batch.column(feature.name)
        values: npt.NDArray[Any]
        if isinstance(feature, NumberFeature):
            values, error, warning = _check_number(feature, column)
        else:
            values, error, warning = _check_category(feature, column)
        columns[feature.name] = values
        errors.append(error)
        warnings.append(warning)
    return CheckedChunk(columns=columns, errors=join_messages(errors), warnings=join_messages(warnings))


def join_messages(messages: Sequence[pa.Array]) -> pa.Array:
    """Per row, the non-null messages joined with "; ", or null when there are none."""
    present = [column for column in messages if column.null_count < len(column)]
    if not present:
        return messages[0] if messages else pa.array([], pa.string())
    joined = present[0]
    # Pairwise, not binary_join_element_wise(null_handling="skip"): in pyarrow 26 that drops
    # the rows where every input is null, so the result is shorter than its inputs.
    for more in present[1:]:
        both = pc.binary_join_element_wise(joined, more, "; ")
        joined = pc.if_else(pc.is_null(joined), more, pc.if_else(pc.is_null(more), joined, both))
    return joined


def _check_number(feature: NumberFeature, column: pa.Array) -> tuple[npt.NDArray[np.float64], pa.Array, pa.Array]:
    name = feature.name
    problems: list[pa.Array] = []
    unreadable = np.zeros(len(column), dtype=bool)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        text = pc.utf8_trim_whitespace(column)
        text = pc.if_else(pc.is_in(text, value_set=gap_text()), _no_text(), text)
        gap = _missing(text)
        readable = pc.fill_null(pc.match_substring_regex(text, _NUMBER_TEXT), True)
        unreadable = ~np.asarray(readable.to_numpy(zero_copy_only=False), dtype=bool)
        problems.append(_messages(unreadable, text, lambda value: f"{name}: {value!r} is not a number"))
        column = pc.cast(pc.if_else(readable, text, _no_text()), pa.float64())
    else:
        gap = _missing(column)
    values = pc.fill_null(pc.cast(column, pa.float64()), np.nan).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        in_range = np.abs(values) <= FLOAT32_MAX
    not_finite = ~finite & ~gap & ~unreadable
    problems.append(_messages(not_finite, values, lambda value: f"{name}: {value} is not a finite number"))
    problems.append(
        _messages(
            finite & ~in_range,
            values,
            lambda value: f"{name}: {value} is beyond the float32 range (magnitude at most {FLOAT32_MAX:.4g})",
        )
    )
    if not feature.nullable:
        problems.append(_messages(gap, values, lambda _: f"{name}: missing, and the model needs a value"))
    outside = finite & in_range & ((values < feature.min) | (values > feature.max))
    warning = _messages(
        outside,
        values,
        lambda value: (
            f"{name}: {value} is outside the training range [{feature.min}, {feature.max}]; the prediction extrapolates"
        ),
    )
    # A row that fails keeps a gap here: it is never predicted, and the arrays stay aligned.
    return np.where(finite & in_range, values, np.nan), join_messages(problems), warning


def _check_category(feature: CategoryFeature, column: pa.Array) -> tuple[npt.NDArray[np.object_], pa.Array, pa.Array]:
    name = feature.name
    column = pc.if_else(pc.equal(column, ""), _no_text(), column)
    gap = _missing(column)
    lengths = pc.fill_null(pc.utf8_length(column), 0).to_numpy(zero_copy_only=False)
    problems = [
        _messages(
            lengths > MAX_CATEGORY_LENGTH,
            lengths,
            lambda length: f"{name}: a category of {length} characters; at most {MAX_CATEGORY_LENGTH} are allowed",
        )
    ]
    if not feature.nullable:
        problems.append(_messages(gap, lengths, lambda _: f"{name}: missing, and the model needs a value"))
    known = pc.is_in(column, value_set=pa.array(feature.categories, pa.string())).to_numpy(zero_copy_only=False)
    unseen = ~np.asarray(known, dtype=bool) & ~gap & (lengths <= MAX_CATEGORY_LENGTH)
    warning = _messages(
        unseen,
        column,
        lambda value: (
            f"{name}: {value!r} was not seen in training (known: {', '.join(feature.categories)}); the model ignores it"
        ),
    )
    values = pc.fill_null(column, MISSING_CATEGORY).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=object), join_messages(problems), warning


def _missing(column: pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.is_null(column).to_numpy(zero_copy_only=False), dtype=bool)


def _messages(rows: Any, values: Any, text: Callable[[Any], str]) -> pa.Array:
    """A string per row: `text(value)` where `rows` is true, null elsewhere."""
    flags = np.asarray(rows.to_numpy(zero_copy_only=False) if isinstance(rows, pa.Array) else rows, dtype=bool)
    found = np.flatnonzero(flags)
    if not len(found):
        return pa.nulls(len(flags), pa.string())
    picked = values.take(pa.array(found)).to_pylist() if isinstance(values, pa.Array) else values[found].tolist()
    messages: list[str | None] = [None] * len(flags)
    for row, value in zip(found.tolist(), picked, strict=True):
        messages[row] = text(value)
    return pa.array(messages, pa.string())
