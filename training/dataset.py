"""Reading tabular data into the frame shape every stage and the model expect."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from app.bundle import MISSING_CATEGORY
from training.errors import ConfigError, missing_file
from training.params import DataParams

PARQUET_SUFFIXES = (".parquet", ".pq")


def embedded_dataset() -> bytes:
    """The Palmer penguins CSV bundled with the palmerpenguins package: the committed default's source."""
    return resources.files("palmerpenguins").joinpath("data", "penguins.csv").read_bytes()


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or Parquet file (by extension) as it is.

    Raises ConfigError when the file is missing (saying `dvc pull` when DVC tracks it) or unreadable.
    """
    if not path.is_file():
        raise missing_file("data.path", path)
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except Exception as exc:  # pandas and pyarrow raise many types for a corrupt or foreign file
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ConfigError(f"params.yaml: data.path: cannot read {path}: {first_line}") from exc


def check_columns(columns: list[str], data: DataParams, source: str) -> None:
    """Raises ConfigError naming the first key (data.target, data.numeric, data.categorical) with unknown columns."""
    for key, names in (("target", [data.target]), ("numeric", data.numeric), ("categorical", data.categorical)):
        missing = [name for name in names if name not in columns]
        if missing:
            raise ConfigError(
                f"params.yaml: data.{key}: column(s) {', '.join(map(repr, missing))} are not in {source} "
                f"(it has: {', '.join(columns)})"
            )


def read_dataset(path: Path, data: DataParams) -> pd.DataFrame:
    """Read a file and return only the configured columns, normalised for the pipeline."""
    return normalise(read_table(path), data, source=str(path))


def normalise(frame: pd.DataFrame, data: DataParams, *, source: str = "data") -> pd.DataFrame:
    """The features (float64 with NaN gaps; object strings with MISSING_CATEGORY gaps), then the target.

    Rows without a target are dropped. A classification target keeps its type: bool, int (also
    from integral floats) or str. A regression target is float64. Raises ConfigError.
    """
    frame = frame.rename(columns=str)
    check_columns(list(frame.columns), data, source)
    labelled = frame[frame[data.target].notna()].reset_index(drop=True)
    columns: dict[str, pd.Series] = {}
    for name in data.numeric:
        columns[name] = pd.Series(_numeric(labelled[name], f"numeric feature {name!r}", source))
    if data.image is not None:
        check_pixel_values(columns, data.image.value_range, source)
    for name in data.categorical:
        columns[name] = pd.Series(categorical_values(labelled[name]), dtype=object)
    if data.task == "regression":
        columns[data.target] = pd.Series(_numeric(labelled[data.target], f"regression target {data.target!r}", source))
    else:
        labels = class_labels(labelled[data.target])
        columns[data.target] = pd.Series(labels, dtype=labels.dtype)
    return pd.DataFrame(columns, columns=[*data.features, data.target])


def check_pixel_values(columns: dict[str, pd.Series], value_range: list[float], source: str) -> None:
    """Raises ConfigError when a pixel lies outside data.image.value_range: the service scales pictures onto it."""
    low, high = value_range
    for name, values in columns.items():
        outside = values[(values < low) | (values > high)]
        if not outside.empty:
            raise ConfigError(
                f"params.yaml: data.image.value_range: pixel column {name!r} has the value {float(outside.iloc[0])} "
                f"in {source}, outside [{low:g}, {high:g}]"
            )


def categorical_values(column: pd.Series) -> np.ndarray:
    """Object strings with gaps as MISSING_CATEGORY (pandas 3 would give StringDtype and NA)."""
    return np.array([MISSING_CATEGORY if pd.isna(v) else str(v) for v in column], dtype=object)


def class_labels(column: pd.Series) -> np.ndarray:
    """Labels of one type for the whole column: bool, int64 (also from integral floats) or str objects."""
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(column):
        return column.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(column) and bool((column == column.round()).all()):
        # CSV reads an integer column with gaps as float; the gaps are gone by now.
        return column.to_numpy(dtype=np.int64)
    return np.array([str(v) for v in column], dtype=object)


def _numeric(column: pd.Series, what: str, source: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.float64)
    converted = pd.to_numeric(column, errors="coerce")
    bad = column[converted.isna() & column.notna()]
    if not bad.empty:
        raise ConfigError(
            f"params.yaml: data: {what} has the non-numeric value {bad.iloc[0]!r} in {source}; "
            "list the column under categorical, or clean the data"
        )
    return converted.to_numpy(dtype=np.float64)
