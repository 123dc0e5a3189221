from __future__ import annotations

import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier

from training.errors import ConfigError
from training.estimators import build_estimator, import_estimator, scales_numeric
from training.params import TrainParams


def train(estimator: str, **hyperparameters: object) -> TrainParams:
    return TrainParams(seed=3, estimator=estimator, hyperparameters=hyperparameters)


def test_any_estimator_imports_by_its_path() -> None:
    assert import_estimator("sklearn.neighbors.KNeighborsClassifier") is KNeighborsClassifier


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("LogisticRegression", "'LogisticRegression' is not an import path such as sklearn.linear_model."),
        ("sklearn.linear_modle.LogisticRegression", "cannot import module 'sklearn.linear_modle'"),
        ("sklearn.linear_model.LogisticRegresion", "module 'sklearn.linear_model' has no 'LogisticRegresion'"),
        ("sklearn.metrics.accuracy_score", "'sklearn.metrics.accuracy_score' is not a scikit-learn estimator class"),
        ("pathlib.Path", "'pathlib.Path' is not a scikit-learn estimator class"),
    ],
)
def test_a_path_that_names_no_estimator_is_refused(path: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        import_estimator(path)
    assert str(error.value).startswith(f"params.yaml: train.estimator: {message}")


def test_seed_and_hyperparameters_are_applied() -> None:
    estimator = build_estimator(train("sklearn.ensemble.HistGradientBoostingClassifier", max_iter=7), "classification")
    assert isinstance(estimator, HistGradientBoostingClassifier)
    assert estimator.get_params()["max_iter"] == 7
    assert estimator.get_params()["random_state"] == 3


def test_an_explicit_random_state_wins_over_the_seed() -> None:
    estimator = build_estimator(train("sklearn.ensemble.RandomForestRegressor", random_state=11), "regression")
    assert isinstance(estimator, RandomForestRegressor)
    assert estimator.get_params()["random_state"] == 11


def test_an_estimator_without_random_state_is_built() -> None:
    estimator = build_estimator(train("sklearn.neighbors.KNeighborsClassifier", n_neighbors=3), "classification")
    assert estimator.get_params()["n_neighbors"] == 3


def test_unknown_hyperparameter_is_named() -> None:
    with pytest.raises(ConfigError) as error:
        build_estimator(train("sklearn.linear_model.LogisticRegression", strength=1), "classification")
    assert str(error.value).startswith(
        "params.yaml: train.hyperparameters: LogisticRegression has no hyperparameter 'strength' (it has: C, "
    )


@pytest.mark.parametrize(
    ("path", "task", "message"),
    [
        ("sklearn.linear_model.Ridge", "classification", "sklearn.linear_model.Ridge is a regressor, but data.task is"),
        ("sklearn.linear_model.LogisticRegression", "regression", "sklearn.linear_model.LogisticRegression is a class"),
        ("sklearn.preprocessing.StandardScaler", "regression", "sklearn.preprocessing.StandardScaler is not a regre"),
    ],
)
def test_an_estimator_for_the_other_task_is_refused(path: str, task: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        build_estimator(train(path), task)  # type: ignore[arg-type]
    assert str(error.value).startswith(f"params.yaml: train.estimator: {message}")


def test_only_non_tree_models_scale_numeric_features_by_default() -> None:
    assert scales_numeric(LogisticRegression(), "auto")
    assert scales_numeric(Ridge(), "auto")
    assert not scales_numeric(RandomForestRegressor(), "auto")
    assert not scales_numeric(HistGradientBoostingClassifier(), "auto")
    assert scales_numeric(RandomForestRegressor(), True)
    assert not scales_numeric(Ridge(), False)


def test_training_imports_only_public_scikit_learn_modules() -> None:
    # Private modules (sklearn.utils._param_validation, ...) change without notice between releases.
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1]
    private = []
    for path in package.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            private += [
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] == "sklearn" and any(part.startswith("_") for part in name.split("."))
            ]
    assert private == []
