"""Reading tabular data into the frame shape every stage and the model expect."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from training.errors import ConfigError
from training.params import DataParams

# Categorical gaps are an empty string, not NaN: the ONNX converter handles string
# imputation only for a string marker, and the service sends "" for a null category.
MISSING_CATEGORY = ""


def embedded_dataset() -> bytes:
    """The Palmer penguins CSV bundled with the palmerpenguins package: no network needed."""
    return resources.files("palmerpenguins").joinpath("data", "penguins.csv").read_bytes()


def read_csv(path: Path, data: DataParams) -> pd.DataFrame:
    """Read a CSV and return only the configured columns, normalised for the pipeline."""
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: data file not found") from exc
    return normalise(frame, data, source=str(path))


def normalise(frame: pd.DataFrame, data: DataParams, *, source: str = "data") -> pd.DataFrame:
    missing = [name for name in (data.target, *data.features) if name not in frame.columns]
    if missing:
        raise ConfigError(
            f"{source}: column(s) {', '.join(map(repr, missing))} from params.yaml data are not in the data "
            f"(it has: {', '.join(map(str, frame.columns))})"
        )
    labelled = frame[frame[data.target].notna()]
    # Explicit object Series: from bare arrays pandas 3 would infer its str dtype.
    columns = {data.target: pd.Series(labelled[data.target].astype(str).to_numpy(), dtype=object)}
    for name in data.numeric:
        columns[name] = pd.Series(_numeric(labelled[name], name, source))
    for name in data.categorical:
        columns[name] = pd.Series(categorical_values(labelled[name]), dtype=object)
    return pd.DataFrame(columns, columns=[*data.features, data.target])


def categorical_values(column: pd.Series) -> np.ndarray:
    """Object strings with gaps as MISSING_CATEGORY (pandas 3 would give StringDtype and NA)."""
    return np.array([MISSING_CATEGORY if pd.isna(v) else str(v) for v in column], dtype=object)


def _numeric(column: pd.Series, name: str, source: str) -> np.ndarray:
    converted = pd.to_numeric(column, errors="coerce")
    bad = column[converted.isna() & column.notna()]
    if not bad.empty:
        raise ConfigError(f"{source}: numeric feature {name!r} has non-numeric value {bad.iloc[0]!r}")
    return converted.to_numpy(dtype=np.float64)
