"""The model's metadata: feature schema, golden records and lineage, read by the service."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from training.dataset import MISSING_CATEGORY
from training.params import DataParams

SCHEMA_VERSION = 1
LIBRARIES = ("scikit-learn", "numpy", "joblib", "pandas", "scipy")


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def feature_schema(train: pd.DataFrame, data: DataParams) -> list[dict[str, Any]]:
    """What the service validates requests against: every feature may be null (the pipeline imputes)."""
    schema: list[dict[str, Any]] = []
    for name in data.numeric:
        values = train[name].dropna()
        schema.append(
            {"name": name, "type": "number", "nullable": True, "min": float(values.min()), "max": float(values.max())}
        )
    for name in data.categorical:
        categories = sorted(set(train[name]) - {MISSING_CATEGORY})
        schema.append({"name": name, "type": "category", "nullable": True, "categories": categories})
    return schema


def to_record(row: pd.Series, data: DataParams) -> dict[str, Any]:
    """A frame row as the JSON record a client would send: gaps become null."""
    record: dict[str, Any] = {}
    for name in data.numeric:
        value = row[name]
        record[name] = None if pd.isna(value) else float(value)
    for name in data.categorical:
        value = row[name]
        record[name] = None if value == MISSING_CATEGORY else str(value)
    return record


def example_record(frame: pd.DataFrame, data: DataParams) -> dict[str, Any]:
    complete = frame[
        (frame[list(data.numeric)].notna().all(axis=1)) & (frame[list(data.categorical)] != "").all(axis=1)
    ]
    return to_record((complete if len(complete) else frame).iloc[0], data)


def golden_records(
    test: pd.DataFrame, proba: np.ndarray, classes: list[str], data: DataParams, count: int
) -> list[dict[str, Any]]:
    rows = []
    for position in range(min(count, len(test))):
        probabilities = {label: float(p) for label, p in zip(classes, proba[position], strict=True)}
        rows.append(
            {
                "record": to_record(test.iloc[position], data),
                "label": classes[int(np.argmax(proba[position]))],
                "probabilities": probabilities,
            }
        )
    return rows


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    versions.update({name: package_metadata.version(name) for name in LIBRARIES})
    return versions


def git_commit(directory: Path) -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"
