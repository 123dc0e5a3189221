"""What a model runtime provides. Each backend turns validated records into its own input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from app.predictor.records import Record


class Backend(Protocol):
    @property
    def name(self) -> str:
        """Reported by GET /model and the model_info metric, e.g. "sklearn"."""
        ...

    @property
    def classes(self) -> tuple[str, ...]:
        """The class labels, in the column order of predict_proba."""
        ...

    def predict_proba(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        """One row per record, one column per class; records are already validated."""
        ...
