"""The pieces of the model bundle's metadata that come from data: schema, example, golden records, lineage."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.bundle import (
    MISSING_CATEGORY,
    CategoryFeature,
    Feature,
    GoldenRecord,
    ImageInput,
    Label,
    NumberFeature,
    label_key,
)
from training.params import DataParams

LIBRARIES = ("scikit-learn", "numpy", "joblib", "pandas", "scipy")


def feature_schema(train: pd.DataFrame, data: DataParams) -> list[Feature]:
    """What readers validate records against: every feature may be null (the pipeline imputes)."""
    schema: list[Feature] = []
    for name in data.numeric:
        values = train[name].dropna()
        low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 0.0)
        schema.append(NumberFeature(name=name, type="number", nullable=True, min=low, max=high))
    for name in data.categorical:
        categories = sorted(set(train[name]) - {MISSING_CATEGORY})
        schema.append(CategoryFeature(name=name, type="category", nullable=True, categories=categories))
    return schema


def image_input(data: DataParams) -> ImageInput | None:
    """The image declaration the service reads (POST /predict/image), from params.yaml data.image."""
    image = data.image
    if image is None:
        return None
    low, high = image.value_range
    return ImageInput(
        width=image.width,
        height=image.height,
        grayscale=image.grayscale,
        value_range=(low, high),
        ink=image.ink,
        margin=image.margin,
        stroke_width=image.stroke_width,
        pixel_columns=list(data.pixel_columns),
    )


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
    """The first row with no gap (or the first row): the example in the API docs."""
    complete = frame[
        frame[list(data.numeric)].notna().all(axis=1) & (frame[list(data.categorical)] != MISSING_CATEGORY).all(axis=1)
    ]
    return to_record((complete if len(complete) else frame).iloc[0], data)


def golden_classifications(
    test: pd.DataFrame, proba: np.ndarray, classes: list[Label], data: DataParams, count: int
) -> list[GoldenRecord]:
    return [
        GoldenRecord(
            record=to_record(test.iloc[position], data),
            label=classes[int(np.argmax(proba[position]))],
            probabilities={label_key(label): float(p) for label, p in zip(classes, proba[position], strict=True)},
        )
        for position in range(min(count, len(test)))
    ]


def golden_regressions(test: pd.DataFrame, predicted: np.ndarray, data: DataParams, count: int) -> list[GoldenRecord]:
    return [
        GoldenRecord(record=to_record(test.iloc[position], data), value=float(predicted[position]))
        for position in range(min(count, len(test)))
    ]


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
