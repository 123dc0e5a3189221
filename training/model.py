"""The model: one scikit-learn Pipeline of preprocessing and the configured estimator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sklearn.base import ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from training.dataset import MISSING_CATEGORY
from training.errors import ConfigError
from training.params import DataParams


@dataclass(frozen=True)
class EstimatorSpec:
    factory: Callable[..., ClassifierMixin]
    # Trees split on raw values, so scaling teaches them nothing; and scaled in float32 (as
    # ONNX does) values move across split thresholds, which breaks parity with scikit-learn.
    scale_numeric: bool


ESTIMATORS: dict[str, EstimatorSpec] = {
    "logistic_regression": EstimatorSpec(LogisticRegression, scale_numeric=True),
    "random_forest": EstimatorSpec(RandomForestClassifier, scale_numeric=False),
    "hist_gradient_boosting": EstimatorSpec(HistGradientBoostingClassifier, scale_numeric=False),
}


def build_model(data: DataParams, name: str, hyperparameters: dict[str, Any], *, seed: int) -> Pipeline:
    estimator = build_estimator(name, hyperparameters, seed=seed)
    return build_pipeline(data, estimator, scale_numeric=ESTIMATORS[name].scale_numeric)


def build_estimator(name: str, hyperparameters: dict[str, Any], *, seed: int) -> ClassifierMixin:
    if name not in ESTIMATORS:
        raise ConfigError(f"params.yaml: train.estimator {name!r} is unknown; choose one of: {', '.join(ESTIMATORS)}")
    estimator = ESTIMATORS[name].factory()
    accepted = estimator.get_params()
    unknown = sorted(set(hyperparameters) - set(accepted))
    if unknown:
        raise ConfigError(f"params.yaml: train.hyperparameters.{name}: {name} has no hyperparameter {unknown[0]!r}")
    settings = {"random_state": seed} if "random_state" in accepted else {}
    estimator.set_params(**settings, **hyperparameters)
    try:
        # Fail before any data is read, with scikit-learn's own description of the bad value.
        estimator._validate_params()
    except InvalidParameterError as exc:
        raise ConfigError(f"params.yaml: train.hyperparameters.{name}: {exc}") from exc
    return estimator


def build_pipeline(data: DataParams, estimator: ClassifierMixin, *, scale_numeric: bool = True) -> Pipeline:
    numeric_steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if scale_numeric:
        numeric_steps.append(("scale", StandardScaler()))
    numeric = Pipeline(numeric_steps)
    categorical = Pipeline(
        [
            (
                "impute",
                SimpleImputer(missing_values=MISSING_CATEGORY, strategy="constant", fill_value="missing"),
            ),
            ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    preprocess = ColumnTransformer(
        [("numeric", numeric, list(data.numeric)), ("categorical", categorical, list(data.categorical))],
        remainder="drop",
    )
    return Pipeline([("preprocess", preprocess), ("classify", estimator)])
