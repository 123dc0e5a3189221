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

from app.bundle import BundleMetadata, Label, NumberFeature, plain_label
from app.predictor.columns import Columns, record_columns
from app.predictor.errors import MetadataError, ModelLoadError
from app.predictor.records import Record


class SklearnBackend:
    name = "sklearn"
    # Milliseconds a call (a DataFrame through the Pipeline): run off the event loop.
    blocking = True

    def __init__(self, pipeline: Any, metadata: BundleMetadata) -> None:
        self._pipeline = pipeline
        features = metadata.features
        self._features = tuple(features)
        self._numeric = [f.name for f in features if isinstance(f, NumberFeature)]
        self._categorical = [f.name for f in features if not isinstance(f, NumberFeature)]
        self._columns = [str(name) for name in getattr(pipeline, "feature_names_in_", [f.name for f in features])]
        if sorted(self._columns) != sorted(f.name for f in features):
            raise MetadataError(
                f"the model expects columns {self._columns}, the metadata describes {[f.name for f in features]}"
            )
        self._regression = metadata.task == "regression"
        self._classes = () if self._regression else tuple(plain_label(label) for label in pipeline.classes_)

    @classmethod
    def load(cls, path: Path, metadata: BundleMetadata) -> SklearnBackend:
        # Only after check_model_file: unpickling runs code, so the file must be the trained one.
        try:
            pipeline = joblib.load(path)
        except Exception as exc:  # whatever unpickling raises, the service cannot start
            raise ModelLoadError(f"{path}: cannot load the model ({type(exc).__name__}: {exc})") from exc
        return cls(pipeline, metadata)

    @property
    def classes(self) -> tuple[Label, ...]:
        return self._classes

    def predict(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        return self.predict_columns(record_columns(self._features, records))

    def predict_columns(self, columns: Columns) -> npt.NDArray[np.float64]:
        frame = self.frame(columns)
        if self._regression:
            return np.asarray(self._pipeline.predict(frame), dtype=np.float64).reshape(-1)
        return np.asarray(self._pipeline.predict_proba(frame), dtype=np.float64)

    def frame(self, columns: Columns) -> pd.DataFrame:
        """The frame shape training used: float64 numbers with NaN gaps, object strings with "" gaps."""
        series: dict[str, pd.Series] = {name: pd.Series(columns[name], dtype=np.float64) for name in self._numeric}
        for name in self._categorical:
            # Explicit object dtype: pandas 3 would infer its string dtype, unlike training.
            series[name] = pd.Series(columns[name], dtype=object)
        return pd.DataFrame(series, columns=self._columns)
