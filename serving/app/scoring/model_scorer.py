"""The Scorer of a trained model bundle: the service's predictor, fed whole columns.

The bundle is verified, loaded and replayed exactly as the service does it
(app.predictor.model.load_predictor: sha256 of every artifact, the scikit-learn version,
ONNX when training proved it, the golden records). Rows are checked with the service's
rules, a chunk at a time (app.scoring.features), and the valid ones go to the backend's
`predict_columns`, the code behind every /predict answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.bundle import BundleMetadata, Label, NumberFeature
from app.predictor.errors import ModelStartupError
from app.predictor.model import Predictor, load_predictor
from app.scoring.errors import ScoringError
from app.scoring.features import check_chunk, join_messages
from app.scoring.scorer import ERROR_COLUMN

PREDICTION_COLUMN = "prediction"
WARNINGS_COLUMN = "warnings"
PROBABILITY_PREFIX = "probability_"
NOT_FINITE = "the model's arithmetic overflowed on this row (a non-finite prediction)"


def load_model_scorer(model_dir: Path) -> ModelScorer:
    """Verify, load and replay the bundle as the service does; a ScoringError (one line) when it cannot serve."""
    try:
        # One record at a time is all the golden replay sends through the request schema.
        predictor = load_predictor(model_dir, max_batch=1, backend="auto")
    except ModelStartupError as exc:
        message = str(exc)
        raise ScoringError(message if str(model_dir) in message else f"{model_dir}: {message}") from exc
    return ModelScorer(predictor)


def label_type(classes: list[Label]) -> pa.DataType:
    """The Arrow type of the trained labels: bool, int64 or string (BundleMetadata forbids mixing them)."""
    if isinstance(classes[0], bool):
        return pa.bool_()
    return pa.int64() if isinstance(classes[0], int) else pa.string()


class ModelScorer:
    def __init__(self, predictor: Predictor) -> None:
        self._predictor = predictor
        metadata: BundleMetadata = predictor.metadata
        self._features = tuple(metadata.features)
        self._regression = predictor.regression
        self._classes = pa.array(metadata.classes or [], label_type(metadata.classes or [""]))
        fields = [pa.field(PREDICTION_COLUMN, pa.float64() if self._regression else self._classes.type)]
        fields += [pa.field(f"{PROBABILITY_PREFIX}{key}", pa.float64()) for key in metadata.class_keys]
        fields += [pa.field(WARNINGS_COLUMN, pa.string()), pa.field(ERROR_COLUMN, pa.string())]
        self._schema = pa.schema(fields)

    @property
    def model_version(self) -> str:
        return self._predictor.version

    @property
    def backend(self) -> str:
        return self._predictor.backend.name

    @property
    def required_columns(self) -> Mapping[str, pa.DataType]:
        # Parquet numbers arrive as float64 (no text round trip); see csv_column_types for CSV.
        return {f.name: pa.float64() if isinstance(f, NumberFeature) else pa.string() for f in self._features}

    @property
    def csv_column_types(self) -> Mapping[str, pa.DataType]:
        # Read as text, so that "abc" in a numeric column fails its row, not the run.
        return {f.name: pa.string() for f in self._features if isinstance(f, NumberFeature)}

    @property
    def prediction_schema(self) -> pa.Schema:
        return self._schema

    def score(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        checked = check_chunk(self._features, batch)
        valid = np.asarray(checked.errors.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        output = self._predict(checked.columns, valid, batch.num_rows)
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(output if self._regression else output.sum(axis=1))
        overflowed = valid & ~finite
        failed = ~(valid & finite)
        errors = join_messages([checked.errors, _flagged(overflowed, NOT_FINITE)])
        columns = self._prediction_columns(output, failed)
        return pa.RecordBatch.from_arrays([*columns, checked.warnings, errors], schema=self._schema)

    def _predict(
        self, columns: dict[str, npt.NDArray[np.generic]], valid: npt.NDArray[np.bool_], rows: int
    ) -> npt.NDArray[np.float64]:
        """The backend's output for every row: NaN where a row is not valid (never sent to the model)."""
        shape = (rows,) if self._regression else (rows, len(self._classes))
        output = np.full(shape, np.nan)
        if valid.all():
            return self._predictor.backend.predict_columns(columns)
        if valid.any():
            output[valid] = self._predictor.backend.predict_columns({n: c[valid] for n, c in columns.items()})
        return output

    def _prediction_columns(self, output: npt.NDArray[np.float64], failed: npt.NDArray[np.bool_]) -> list[pa.Array]:
        if self._regression:
            return [pa.array(output, pa.float64(), mask=failed)]
        best = np.where(failed, 0, np.nan_to_num(output).argmax(axis=1))
        labels = self._classes.take(pa.array(best, pa.int64(), mask=failed))
        return [labels, *(pa.array(output[:, n], pa.float64(), mask=failed) for n in range(len(self._classes)))]


def _flagged(rows: npt.NDArray[np.bool_], text: str) -> pa.Array:
    return pc.if_else(pa.array(rows), pa.scalar(text), pa.scalar(None, pa.string()))
