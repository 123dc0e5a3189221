"""The scikit-learn backend: the joblib Pipeline written by the train stage.

The only module of the service that imports pandas or scikit-learn (through joblib).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import pandas as pd

from app.predictor.errors import MetadataError, ModelLoadError
from app.predictor.metadata import Feature, NumberFeature
from app.predictor.records import Record

# How training marks a categorical gap (training/dataset.py MISSING_CATEGORY): the
# pipeline's imputer matches this string, not NaN.
MISSING_CATEGORY = ""


class SklearnBackend:
    name = "sklearn"
    # Milliseconds a call (a DataFrame through the Pipeline): run off the event loop.
    blocking = True

    def __init__(self, pipeline: Any, features: Sequence[Feature]) -> None:
        self._pipeline = pipeline
        self._numeric = [f.name for f in features if isinstance(f, NumberFeature)]
        self._categorical = [f.name for f in features if not isinstance(f, NumberFeature)]
        self._columns = [str(name) for name in getattr(pipeline, "feature_names_in_", [f.name for f in features])]
        if sorted(self._columns) != sorted(f.name for f in features):
            raise MetadataError(
                f"the model expects columns {self._columns}, the metadata describes {[f.name for f in features]}"
            )
        self._classes = tuple(str(label) for label in pipeline.classes_)

    @classmethod
    def load(cls, path: Path, features: Sequence[Feature]) -> SklearnBackend:
        # Only after check_model_file: unpickling runs code, so the file must be the trained one.
        try:
            pipeline = joblib.load(path)
        except Exception as exc:  # whatever unpickling raises, the service cannot start
            raise ModelLoadError(f"{path}: cannot load the model ({type(exc).__name__}: {exc})") from exc
        return cls(pipeline, features)

    @property
    def classes(self) -> tuple[str, ...]:
        return self._classes

    def predict_proba(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        return np.asarray(self._pipeline.predict_proba(self.frame(records)), dtype=np.float64)

    def frame(self, records: Sequence[Record]) -> pd.DataFrame:
        """The frame shape training used: float64 numbers with NaN gaps, object strings with "" gaps."""
        columns: dict[str, pd.Series] = {}
        for name in self._numeric:
            values = [np.nan if record[name] is None else record[name] for record in records]
            columns[name] = pd.Series(np.array(values, dtype=np.float64))
        for name in self._categorical:
            # Explicit object dtype: pandas 3 would infer its string dtype, unlike training.
            values = [MISSING_CATEGORY if record[name] is None else record[name] for record in records]
            columns[name] = pd.Series(np.array(values, dtype=object), dtype=object)
        return pd.DataFrame(columns, columns=self._columns)
