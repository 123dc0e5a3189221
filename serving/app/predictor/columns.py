"""The model's input as columns: what both backends predict from, for one record or millions.

`Columns` maps each feature name to a 1-d array: float64 numbers with NaN gaps, or object
arrays of strings with MISSING_CATEGORY gaps (the frame shape training used). The service
builds them from validated records (`record_columns`); batch scoring builds them from Arrow
columns it validated itself. Either way the backends run the same code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from app.bundle import MISSING_CATEGORY, Feature, NumberFeature
from app.predictor.records import Record

Columns = Mapping[str, npt.NDArray[Any]]


def record_columns(features: Sequence[Feature], records: Sequence[Record]) -> dict[str, npt.NDArray[Any]]:
    """One column per feature from validated records: None becomes NaN or MISSING_CATEGORY."""
    columns: dict[str, npt.NDArray[Any]] = {}
    for feature in features:
        name = feature.name
        if isinstance(feature, NumberFeature):
            columns[name] = np.array([np.nan if r[name] is None else r[name] for r in records], dtype=np.float64)
        else:
            columns[name] = np.array([MISSING_CATEGORY if r[name] is None else r[name] for r in records], dtype=object)
    return columns
