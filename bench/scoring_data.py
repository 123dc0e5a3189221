"""The batch-scoring benchmark's input: a Parquet file of penguins-schema rows, made once and cached.

Rows are drawn with replacement from data/raw/penguins.csv (seeded), their measurements
jittered so that the file is not 344 rows repeated (which Parquet's dictionary encoding would
shrink to almost nothing), and a share of the feature values blanked, on top of the gaps the
real data has. The file is written with pyarrow's default settings, as pandas would write it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPOSITORY = Path(__file__).resolve().parents[1]
SOURCE = REPOSITORY / "data/raw/penguins.csv"
CACHE = REPOSITORY / ".work/bench/scoring-data"
MEASUREMENTS = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
CATEGORIES = ("island", "sex")
# Bump when the way rows are made changes, so that cached files made the old way are not reused.
RECIPE = 1


@dataclass(frozen=True)
class DataSpec:
    """`rows` rows; `jitter`: noise as a fraction of each measurement's standard deviation;
    `blank`: the chance that any one feature value is blanked (added to the real gaps)."""

    rows: int
    seed: int = 7
    jitter: float = 0.1
    blank: float = 0.01

    def key(self, source: Path = SOURCE) -> str:
        """Names the file by everything that shapes its bytes: the spec, the recipe and the source's content."""
        text = json.dumps({**asdict(self), "recipe": RECIPE}, sort_keys=True)
        digest = hashlib.sha256(text.encode())
        digest.update(source.read_bytes())
        return digest.hexdigest()[:12]


def penguins_parquet(spec: DataSpec, *, source: Path = SOURCE, cache: Path = CACHE) -> Path:
    """The file for `spec`: from the cache when it is there, else made and cached (about 1 s per million rows)."""
    path = cache / f"penguins-{spec.rows}-{spec.key(source)}.parquet"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        pq.write_table(make_rows(spec, pd.read_csv(source)), partial)
        partial.replace(path)  # an interrupted run leaves no half-written file under the real name
    return path


def make_rows(spec: DataSpec, real: pd.DataFrame) -> pa.Table:
    """`spec.rows` rows with `real`'s columns and types: strings, float64 measurements, int64 year."""
    rng = np.random.default_rng(spec.seed)
    drawn = real.iloc[rng.integers(0, len(real), spec.rows)].reset_index(drop=True)
    columns: dict[str, pa.Array] = {}
    for name in real.columns:
        values = drawn[name]
        if name in MEASUREMENTS:
            noise = rng.normal(0.0, spec.jitter * float(real[name].std()), spec.rows)
            values = (values + noise).round(1)
        array = pa.array(values, from_pandas=True)
        if name in MEASUREMENTS or name in CATEGORIES:
            array = _blanked(array, rng.random(spec.rows) < spec.blank)
        columns[name] = array
    return pa.table(columns)


def _blanked(array: pa.Array, blank: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(blank), pa.scalar(None, array.type), array)
