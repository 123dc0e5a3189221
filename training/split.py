"""The seeded train/test split: stratified by class for classification, plain for regression."""

from __future__ import annotations

import math

import pandas as pd
from sklearn.model_selection import train_test_split

from training.errors import ConfigError
from training.params import DataParams, PrepareParams

# Fewer rows than these leave too little to fit, or a test score that means nothing.
MIN_TRAIN_ROWS, MIN_TEST_ROWS = 10, 5


def split(frame: pd.DataFrame, data: DataParams, prepare: PrepareParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test), each re-indexed from 0; raises ConfigError when the data cannot be split."""
    stratify = None
    if data.task == "classification":
        counts = frame[data.target].value_counts()
        if len(counts) < 2:
            raise ConfigError(
                f"params.yaml: data.target: {data.target!r} has {len(counts)} class(es); a classifier needs at least 2"
            )
        if counts.min() < 2:
            raise ConfigError(
                f"params.yaml: data.target: class {counts.idxmin()!r} of {data.target!r} has one row; "
                "a stratified split needs at least 2 rows per class (add data or drop the class)"
            )
        stratify = frame[data.target].astype(str)
    test_rows = math.ceil(prepare.test_size * len(frame))
    if test_rows < MIN_TEST_ROWS or len(frame) - test_rows < MIN_TRAIN_ROWS:
        raise ConfigError(
            f"params.yaml: prepare.test_size: {len(frame)} labelled rows are too few to split at {prepare.test_size} "
            f"(the training split needs at least {MIN_TRAIN_ROWS} rows and the test split {MIN_TEST_ROWS}); "
            "add data, or change prepare.test_size"
        )
    try:
        train, test = train_test_split(frame, test_size=prepare.test_size, random_state=prepare.seed, stratify=stratify)
    except ValueError as exc:
        # e.g. a test split with fewer rows than there are classes to stratify.
        raise ConfigError(f"params.yaml: prepare.test_size: cannot split {len(frame)} rows: {exc}") from exc
    return train.reset_index(drop=True), test.reset_index(drop=True)
