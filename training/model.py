"""The Pipeline: automatic preprocessing and the configured estimator, or a pretrained Pipeline checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from app.bundle import MISSING_CATEGORY
from training.errors import ConfigError, missing_file
from training.estimators import build_estimator, check_task, scales_numeric
from training.params import DataParams, TrainParams

ESTIMATOR_STEP = "estimator"


def build_pipeline(data: DataParams, estimator: BaseEstimator, *, scale_numeric: bool = True) -> Pipeline:
    """Numbers: median imputation (+ scaling); categories: imputation + one-hot, unknowns ignored."""
    numeric_steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if scale_numeric:
        numeric_steps.append(("scale", StandardScaler()))
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(missing_values=MISSING_CATEGORY, strategy="constant", fill_value="missing")),
            ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    preprocess = ColumnTransformer(
        [
            ("numeric", Pipeline(numeric_steps), list(data.numeric)),
            ("categorical", categorical, list(data.categorical)),
        ],
        remainder="drop",
    )
    return Pipeline([("preprocess", preprocess), (ESTIMATOR_STEP, estimator)])


def fit(train: pd.DataFrame, data: DataParams, params: TrainParams) -> Pipeline:
    """Build and fit the Pipeline; a bad hyperparameter value or a failed fit is a ConfigError."""
    estimator = build_estimator(params, data.task)
    pipeline = build_pipeline(data, estimator, scale_numeric=scales_numeric(estimator, params.scale_numeric))
    try:
        return pipeline.fit(train[list(data.features)], train[data.target].to_numpy())
    except (ValueError, TypeError) as exc:
        # scikit-learn validates hyperparameter values when fitting, and says which one is wrong.
        raise ConfigError(
            f"params.yaml: train: fitting {params.estimator} failed: {_first_line(exc)}; "
            "check train.hyperparameters and the data"
        ) from exc


def load_pretrained(path: Path, train: pd.DataFrame, data: DataParams) -> Any:
    """A Pipeline fitted elsewhere, checked on the training split; never refitted.

    joblib runs code while loading: only load files you trust. Raises ConfigError when it is
    missing, fails to load or to predict, or does not fit data.task.
    """
    where = f"params.yaml: train.pretrained: {path}"
    if not path.is_file():
        raise missing_file("train.pretrained", path)
    try:
        model = joblib.load(path)  # the user's own file, named in params.yaml (see the README)
    except Exception as exc:  # unpickling raises whatever the pickled code raises
        raise ConfigError(f"{where}: cannot load it ({type(exc).__name__}: {_first_line(exc)})") from exc
    check_task(model, data.task, name=type(model).__name__, key=f"params.yaml: train.pretrained: {path}")
    features = train[list(data.features)]
    methods = ("predict", "predict_proba") if data.task == "classification" else ("predict",)
    for method in methods:
        if not callable(getattr(model, method, None)):
            raise ConfigError(f"{where}: the model has no {method}(), which {data.task} needs")
        try:
            result = getattr(model, method)(features)
        except Exception as exc:  # the model's own code: any failure means it does not fit this data
            raise ConfigError(
                f"{where}: {method}() fails on the training split ({type(exc).__name__}: {_first_line(exc)}); "
                "it must take the data.numeric and data.categorical columns as a DataFrame"
            ) from exc
        if len(result) != len(features):
            raise ConfigError(f"{where}: {method}() returned {len(result)} rows for {len(features)}")
    return model


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
