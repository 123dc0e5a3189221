from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from training.dataset import normalise
from training.errors import ConfigError
from training.model import ESTIMATOR_STEP, fit, load_pretrained
from training.params import DataParams, TrainParams

CLASSIFIERS = [
    "sklearn.linear_model.LogisticRegression",
    "sklearn.ensemble.RandomForestClassifier",
    "sklearn.ensemble.HistGradientBoostingClassifier",
    "sklearn.neighbors.KNeighborsClassifier",
]


def train_params(estimator: str, **hyperparameters: object) -> TrainParams:
    return TrainParams(seed=0, estimator=estimator, hyperparameters=hyperparameters)


@pytest.mark.parametrize("estimator", CLASSIFIERS)
def test_pipeline_learns_and_tolerates_gaps_and_unseen_categories(
    estimator: str, penguins: pd.DataFrame, data_params: DataParams
) -> None:
    frame = normalise(penguins, data_params)
    features = list(data_params.features)
    pipeline = fit(frame, data_params, train_params(estimator))
    assert pipeline.score(frame[features], frame["species"]) > 0.9
    odd = pd.DataFrame(
        {"bill_length_mm": [np.nan], "body_mass_g": [5000.0], "island": np.array(["Atlantis"], dtype=object)}
    )
    proba = pipeline.predict_proba(odd)
    assert proba.shape == (1, 3)
    assert proba.sum() == pytest.approx(1.0)


def test_only_non_tree_models_scale_numeric_features(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins, data_params)

    def numeric_steps(estimator: str) -> list[str]:
        model = fit(frame, data_params, train_params(estimator))
        return [step for step, _ in model.named_steps["preprocess"].transformers_[0][1].steps]

    assert numeric_steps("sklearn.linear_model.LogisticRegression") == ["impute", "scale"]
    assert numeric_steps("sklearn.ensemble.RandomForestClassifier") == ["impute"]


def test_a_bad_hyperparameter_value_fails_with_scikit_learn_s_words(
    penguins: pd.DataFrame, data_params: DataParams
) -> None:
    frame = normalise(penguins, data_params)
    with pytest.raises(ConfigError) as error:
        fit(frame, data_params, train_params("sklearn.linear_model.LogisticRegression", C="strong"))
    message = str(error.value)
    assert message.startswith("params.yaml: train: fitting sklearn.linear_model.LogisticRegression failed: The 'C'")
    assert "Got 'strong' instead" in message
    assert message.endswith("; check train.hyperparameters and the data")


def test_the_estimator_is_the_last_step(penguins: pd.DataFrame, data_params: DataParams) -> None:
    pipeline = fit(
        normalise(penguins, data_params), data_params, train_params("sklearn.linear_model.LogisticRegression")
    )
    assert pipeline.steps[-1][0] == ESTIMATOR_STEP


def test_a_pretrained_pipeline_is_loaded_and_checked_not_refitted(
    penguins: pd.DataFrame, data_params: DataParams, tmp_path: Path
) -> None:
    frame = normalise(penguins, data_params)
    pipeline = fit(frame, data_params, train_params("sklearn.linear_model.LogisticRegression"))
    joblib.dump(pipeline, tmp_path / "pipeline.joblib")
    loaded = load_pretrained(tmp_path / "pipeline.joblib", frame, data_params)
    features = frame[list(data_params.features)]
    np.testing.assert_array_equal(loaded.predict_proba(features), pipeline.predict_proba(features))


def test_a_missing_pretrained_file_says_dvc_pull_when_dvc_tracks_it(
    penguins: pd.DataFrame, data_params: DataParams, tmp_path: Path
) -> None:
    (tmp_path / "pipeline.joblib.dvc").write_text("outs: []\n")
    with pytest.raises(ConfigError) as error:
        load_pretrained(tmp_path / "pipeline.joblib", normalise(penguins, data_params), data_params)
    assert str(error.value) == (
        f"params.yaml: train.pretrained: {tmp_path}/pipeline.joblib does not exist; "
        f"run `dvc pull {tmp_path}/pipeline.joblib.dvc`"
    )


def test_a_pretrained_model_that_fails_on_the_data_is_refused(
    penguins: pd.DataFrame, data_params: DataParams, tmp_path: Path
) -> None:
    frame = normalise(penguins, data_params)
    other = fit(
        frame.rename(columns={"body_mass_g": "mass"}),
        DataParams(**{**data_params.model_dump(), "numeric": ["bill_length_mm", "mass"]}),
        train_params("sklearn.linear_model.LogisticRegression"),
    )
    joblib.dump(other, tmp_path / "other.joblib")
    with pytest.raises(ConfigError) as error:
        load_pretrained(tmp_path / "other.joblib", frame, data_params)
    assert str(error.value).startswith(
        f"params.yaml: train.pretrained: {tmp_path}/other.joblib: predict() fails on the training split (ValueError: "
    )


def test_a_pretrained_regressor_for_classification_is_refused(
    penguins: pd.DataFrame, data_params: DataParams, tmp_path: Path
) -> None:
    joblib.dump(LinearRegression(), tmp_path / "regressor.joblib")
    with pytest.raises(ConfigError, match=r"LinearRegression is a regressor, but data\.task is classification"):
        load_pretrained(tmp_path / "regressor.joblib", normalise(penguins, data_params), data_params)


def test_a_file_that_is_not_a_pickle_is_refused(
    penguins: pd.DataFrame, data_params: DataParams, tmp_path: Path
) -> None:
    (tmp_path / "text.joblib").write_text("not a model")
    with pytest.raises(ConfigError, match=r"train.pretrained: .*text.joblib: cannot load it \("):
        load_pretrained(tmp_path / "text.joblib", normalise(penguins, data_params), data_params)
