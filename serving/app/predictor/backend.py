"""What a model runtime provides. Each backend turns validated records into its own input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from app.bundle import Label
from app.predictor.columns import Columns
from app.predictor.records import Record

BackendName = Literal["onnx", "sklearn"]
# auto: ONNX when training exported it with proven parity, else scikit-learn.
BackendChoice = Literal["auto", "onnx", "sklearn"]


class Backend(Protocol):
    @property
    def name(self) -> str:
        """Reported by GET /model and the model_info metric, e.g. "sklearn"."""
        ...

    @property
    def blocking(self) -> bool:
        """True when a call takes long enough (milliseconds) to belong off the event loop."""
        ...

    @property
    def classes(self) -> tuple[Label, ...]:
        """Classification: the class labels, in the column order of `predict`. Regression: empty."""
        ...

    def predict(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        """Records are already validated. Classification: one row per record, one probability
        column per class. Regression: one predicted value per record (a 1-d array)."""
        ...

    def predict_columns(self, columns: Columns) -> npt.NDArray[np.float64]:
        """The same for validated columns (app.predictor.columns), one row per column entry.
        `predict` builds these columns and calls it: one implementation for both."""
        ...
