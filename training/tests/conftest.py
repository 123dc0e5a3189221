from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from training.params import DataParams, Params, parse_params

PARAMS = {
    "data": {
        "path": "data/raw/penguins.csv",
        "target": "species",
        "task": "classification",
        "numeric": ["bill_length_mm", "body_mass_g"],
        "categorical": ["island"],
    },
    "prepare": {"seed": 7, "test_size": 0.25},
    "train": {"seed": 7, "estimator": "sklearn.linear_model.LogisticRegression", "hyperparameters": {"max_iter": 500}},
    "evaluate": {"golden_records": 5, "gate": {"metric": "macro_f1", "worse_if": "decrease", "tolerance": 0.02}},
}


@pytest.fixture
def raw_params() -> dict:
    # A fresh deep copy per test, so a test may break one value without touching the others.
    return copy.deepcopy(PARAMS)


@pytest.fixture
def params(raw_params: dict) -> Params:
    return parse_params(raw_params)


@pytest.fixture
def data_params(params: Params) -> DataParams:
    return params.data


@pytest.fixture
def penguins() -> pd.DataFrame:
    """A small, separable, seeded stand-in for the penguins data, with gaps like the real one."""
    rng = np.random.default_rng(0)
    species = np.repeat(["Adelie", "Gentoo", "Chinstrap"], 20)
    centre = {"Adelie": (38.0, 3700.0), "Gentoo": (47.0, 5100.0), "Chinstrap": (49.0, 3700.0)}
    island = {"Adelie": "Torgersen", "Gentoo": "Biscoe", "Chinstrap": "Dream"}
    frame = pd.DataFrame(
        {
            "species": species,
            "island": [island[s] for s in species],
            "bill_length_mm": [centre[s][0] + rng.normal(0, 1.0) for s in species],
            "body_mass_g": [centre[s][1] + rng.normal(0, 150.0) for s in species],
        }
    )
    frame.loc[3, "bill_length_mm"] = np.nan
    frame.loc[25, "island"] = np.nan
    return frame
