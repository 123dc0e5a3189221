from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from training.dataset import normalise
from training.errors import ConfigError
from training.model import ESTIMATORS, build_estimator, build_model
from training.params import DataParams


def test_unknown_estimator_lists_the_choices() -> None:
    with pytest.raises(ConfigError) as error:
        build_estimator("xgboost", {}, seed=0)
    assert str(error.value) == (
        "params.yaml: train.estimator 'xgboost' is unknown; "
        "choose one of: logistic_regression, random_forest, hist_gradient_boosting"
    )


def test_unknown_hyperparameter_is_named() -> None:
    with pytest.raises(ConfigError, match="random_forest has no hyperparameter 'n_trees'"):
        build_estimator("random_forest", {"n_trees": 10}, seed=0)


def test_hyperparameter_of_the_wrong_type_is_named() -> None:
    with pytest.raises(ConfigError) as error:
        build_estimator("logistic_regression", {"C": "strong"}, seed=0)
    message = str(error.value)
    assert message.startswith("params.yaml: train.hyperparameters.logistic_regression: The 'C' parameter")
    assert "Got 'strong' instead" in message


def test_seed_and_hyperparameters_are_applied() -> None:
    estimator = build_estimator("hist_gradient_boosting", {"max_iter": 7}, seed=3)
    assert isinstance(estimator, HistGradientBoostingClassifier)
    assert estimator.get_params()["max_iter"] == 7
    assert estimator.get_params()["random_state"] == 3


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_pipeline_learns_and_tolerates_gaps_and_unseen_categories(
    name: str, penguins: pd.DataFrame, data_params: DataParams
) -> None:
    frame = normalise(penguins, data_params)
    features = list(data_params.features)
    pipeline = build_model(data_params, name, {}, seed=0)
    pipeline.fit(frame[features], frame["species"])
    assert pipeline.score(frame[features], frame["species"]) > 0.9
    odd = pd.DataFrame(
        {"bill_length_mm": [np.nan], "body_mass_g": [5000.0], "island": np.array(["Atlantis"], dtype=object)}
    )
    proba = pipeline.predict_proba(odd)
    assert proba.shape == (1, 3)
    assert proba.sum() == pytest.approx(1.0)


def test_only_linear_models_scale_numeric_features(data_params: DataParams) -> None:
    def numeric_steps(name: str) -> list[str]:
        model = build_model(data_params, name, {}, seed=0)
        return [step for step, _ in model.named_steps["preprocess"].transformers[0][1].steps]

    assert numeric_steps("logistic_regression") == ["impute", "scale"]
    assert numeric_steps("random_forest") == ["impute"]
    assert numeric_steps("hist_gradient_boosting") == ["impute"]
