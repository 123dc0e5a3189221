"""What the model half provides: a Scorer turns a chunk of input rows into prediction columns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import pyarrow as pa

ERROR_COLUMN = "error"
MODEL_VERSION_COLUMN = "model_version"


class Scorer(Protocol):
    @property
    def model_version(self) -> str:
        """Written in every output row's `model_version` column and in the shard manifests."""
        ...

    @property
    def required_columns(self) -> Mapping[str, pa.DataType]:
        """The input columns the model reads, each with the Arrow type `score` receives it as.

        A column missing from the input stops the run before anything is written (exit 2).
        Parquet columns are cast to these types, safely; CSV columns are parsed as these
        types unless `csv_column_types` says otherwise.
        """
        ...

    @property
    def csv_column_types(self) -> Mapping[str, pa.DataType]:
        """Some required columns' types when the input is CSV; `score` then receives them so.

        Text in a CSV column parsed as a number stops the run: declare `pa.string()` here to
        convert it, and fail rows, yourself, while Parquet numbers still arrive as numbers
        (a cast to text and back would cost more than the model).
        """
        ...

    @property
    def prediction_schema(self) -> pa.Schema:
        """The columns `score` returns, in output order, including `error` (a string)."""
        ...

    def score(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Predictions for 1 to chunk_rows input rows.

        `batch` holds the required columns, in their order, typed as declared (for CSV input,
        with `csv_column_types` over `required_columns`). Returns a batch
        of `prediction_schema` with one row per input row, in the same order; `error` is null
        where the row was scored and says why where it was not (its predictions then null).
        Raising stops the run with nothing published: only for faults of the model itself.
        """
        ...


# Builds the Scorer for a model bundle folder (`--model DIR`); raises ScoringError, one line.
# The real one is app.scoring.model_scorer.load_model_scorer.
ScorerFactory = Callable[[Path], Scorer]


def check_prediction_schema(schema: pa.Schema) -> None:
    """Raises TypeError unless the schema has a string `error` column and no `model_version`."""
    if ERROR_COLUMN not in schema.names or not pa.types.is_string(schema.field(ERROR_COLUMN).type):
        raise TypeError(f"a scorer's prediction_schema needs a string {ERROR_COLUMN!r} column, got {schema}")
    if MODEL_VERSION_COLUMN in schema.names:
        raise TypeError(f"{MODEL_VERSION_COLUMN!r} is added by the run, not by the scorer")


def failed_rows(predictions: pa.RecordBatch, schema: pa.Schema, rows: int) -> int:
    """The rows whose `error` is set; raises TypeError when the batch breaks the contract."""
    if predictions.num_rows != rows or not predictions.schema.equals(schema):
        raise TypeError(
            f"the scorer returned {predictions.num_rows} rows of {predictions.schema.names} "
            f"for {rows} rows of prediction_schema {schema.names}"
        )
    errors = predictions.column(ERROR_COLUMN)
    return int(len(errors) - errors.null_count)
