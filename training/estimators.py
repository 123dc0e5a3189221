"""The estimator named in params.yaml: imported by its path, checked against the task, configured.

Only scikit-learn's public API is used: `get_params`/`set_params` for the hyperparameter
names, `is_classifier`/`is_regressor` for the task. Invalid values surface when the Pipeline
is fitted (train.fit), in scikit-learn's own words.
"""

from __future__ import annotations

import importlib
from typing import Any

from sklearn.base import BaseEstimator, is_classifier, is_regressor

from training.errors import ConfigError
from training.params import Task, TrainParams

# Trees split on raw values, so scaling teaches them nothing; and scaled in float32 (as ONNX
# computes) values move across split thresholds, which breaks parity with scikit-learn.
TREE_MODULES = ("sklearn.tree", "sklearn.ensemble", "xgboost", "lightgbm", "catboost")
KEY = "params.yaml: train.estimator"


def import_estimator(path: str) -> type[BaseEstimator]:
    """The class at `path` ("package.module.Class"); ConfigError unless it imports and is an estimator."""
    module_name, _, class_name = path.rpartition(".")
    if not module_name or not class_name:
        raise ConfigError(f"{KEY}: {path!r} is not an import path such as sklearn.linear_model.LogisticRegression")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{KEY}: cannot import module {module_name!r} ({exc}); check the path or install it") from exc
    found = getattr(module, class_name, None)
    if found is None:
        raise ConfigError(f"{KEY}: module {module_name!r} has no {class_name!r}")
    if not isinstance(found, type) or not all(hasattr(found, name) for name in ("fit", "get_params", "set_params")):
        raise ConfigError(f"{KEY}: {path!r} is not a scikit-learn estimator class (it needs fit, get_params)")
    return found


def check_task(estimator: Any, task: Task, *, name: str, key: str = KEY) -> None:
    if task == "classification" and not is_classifier(estimator):
        kind = "a regressor" if is_regressor(estimator) else "not a classifier"
        raise ConfigError(f"{key}: {name} is {kind}, but data.task is classification; choose a classifier")
    if task == "regression" and not is_regressor(estimator):
        kind = "a classifier" if is_classifier(estimator) else "not a regressor"
        raise ConfigError(f"{key}: {name} is {kind}, but data.task is regression; choose a regressor")


def build_estimator(train: TrainParams, task: Task) -> BaseEstimator:
    """An unfitted estimator with the configured hyperparameters and the seed as random_state."""
    if train.estimator is None:
        raise ConfigError("params.yaml: train.estimator: missing; it is needed unless train.pretrained is set")
    cls = import_estimator(train.estimator)
    try:
        estimator = cls()
    except TypeError as exc:
        raise ConfigError(f"{KEY}: {train.estimator} cannot be built without arguments ({exc})") from exc
    check_task(estimator, task, name=train.estimator)
    accepted = estimator.get_params(deep=False)
    unknown = sorted(set(train.hyperparameters) - set(accepted))
    if unknown:
        raise ConfigError(
            f"params.yaml: train.hyperparameters: {cls.__name__} has no hyperparameter {unknown[0]!r} "
            f"(it has: {', '.join(sorted(accepted))})"
        )
    seed = (
        {"random_state": train.seed}
        if "random_state" in accepted and "random_state" not in train.hyperparameters
        else {}
    )
    estimator.set_params(**seed, **train.hyperparameters)
    return estimator


def scales_numeric(estimator: Any, setting: bool | str) -> bool:
    """Whether numeric features are standardised before the estimator ("auto": all but trees)."""
    if isinstance(setting, bool):
        return setting
    return not type(estimator).__module__.startswith(TREE_MODULES)
