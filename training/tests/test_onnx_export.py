"""Every estimator either converts to ONNX with parity, or says why it cannot."""

from __future__ import annotations

import hashlib
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from sklearn.pipeline import Pipeline

from training.dataset import normalise, read_dataset
from training.model import fit
from training.onnx_export import PARITY_TOLERANCE, ConversionError, check_parity, convert, input_names
from training.params import DataParams, Params, TrainParams, load_params
from training.split import split
from training.stages.convert import main as convert_main
from training.stages.evaluate import onnx_artifact

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def params() -> Params:
    return load_params(REPOSITORY / "params.yaml")


@pytest.fixture(scope="module")
def splits(params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    return split(read_dataset(REPOSITORY / params.data.path, params.data), params.data, params.prepare)


def fitted(estimator: str, params: Params, train: pd.DataFrame, **hyperparameters: object) -> Pipeline:
    return fit(
        train, params.data, TrainParams(seed=params.train.seed, estimator=estimator, hyperparameters=hyperparameters)
    )


@pytest.mark.parametrize(
    "estimator", ["sklearn.linear_model.LogisticRegression", "sklearn.ensemble.RandomForestClassifier"]
)
def test_converts_with_parity_on_the_whole_test_split(
    estimator: str, params: Params, splits: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = splits
    model = (
        fitted(estimator, params, train, max_iter=1000) if "Logistic" in estimator else fitted(estimator, params, train)
    )
    parity = check_parity(model, convert(model, params.data), test, params.data)
    assert parity.rows == len(test) == 86
    assert parity.labels_identical
    assert parity.max_abs_difference <= PARITY_TOLERANCE
    assert parity.passed


def test_gradient_boosting_converts_with_parity_or_gives_one_line_reason(
    params: Params, splits: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = splits
    model = fitted("sklearn.ensemble.HistGradientBoostingClassifier", params, train)
    outcome: bytes | ConversionError
    try:
        outcome = convert(model, params.data)
    except ConversionError as exc:
        outcome = exc
    if isinstance(outcome, ConversionError):
        assert str(outcome).startswith("skl2onnx cannot convert HistGradientBoostingClassifier: ")
        assert "\n" not in str(outcome)
    else:
        assert check_parity(model, outcome, test, params.data).passed


def test_parity_failure_is_detected(params: Params, splits: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, test = splits
    onnx_of_forest = convert(fitted("sklearn.ensemble.RandomForestClassifier", params, train), params.data)
    logistic = fitted("sklearn.linear_model.LogisticRegression", params, train, max_iter=1000)
    parity = check_parity(logistic, onnx_of_forest, test, params.data)
    assert parity.max_abs_difference > PARITY_TOLERANCE
    assert not parity.passed


@pytest.mark.parametrize("estimator", ["sklearn.linear_model.Ridge", "sklearn.ensemble.RandomForestRegressor"])
def test_a_regressor_converts_with_parity_and_odd_column_names(estimator: str) -> None:
    raw = load_diabetes(as_frame=True).frame.rename(columns={"bmi": "body mass (index)", "s1": "Größe.1"})
    data = DataParams(
        path="d.parquet", target="target", task="regression", numeric=[c for c in raw.columns if c != "target"]
    )
    frame = normalise(raw, data)
    train, test = frame.iloc[:300], frame.iloc[300:]
    hyperparameters = {"n_estimators": 10} if "Forest" in estimator else {}
    model = fit(train, data, TrainParams(seed=0, estimator=estimator, hyperparameters=hyperparameters))
    graph = convert(model, data)
    names = input_names(graph)
    assert len(names) == len(data.features)
    assert "body mass (index)" not in names  # skl2onnx rewrites it: readers map features by position
    parity = check_parity(model, graph, test, data)
    assert parity.passed, parity


def test_unconvertible_model_is_recorded_and_the_stage_succeeds(
    params: Params, splits: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train, test = splits
    model = fitted("sklearn.linear_model.LogisticRegression", params, train, max_iter=1000)
    joblib.dump(model, tmp_path / "model.joblib")

    def refuse(pipeline: Pipeline, data: object) -> bytes:
        raise ConversionError("skl2onnx cannot convert LogisticRegression: no converter")

    # The stage is under test here, not skl2onnx: make the converter refuse.
    monkeypatch.setattr("training.stages.convert.convert", refuse)
    out = tmp_path / "onnx"
    convert_main(
        ["--params", str(REPOSITORY / "params.yaml"), "--model", str(tmp_path / "model.joblib"), "--out", str(out)]
    )
    assert not (out / "model.onnx").exists()
    artifact = onnx_artifact(out, tmp_path, model, test, params)
    assert artifact.available is False
    assert artifact.reason == "skl2onnx cannot convert LogisticRegression: no converter"
    assert set(artifact.versions or {}) == {"onnx", "onnxruntime", "skl2onnx"}


def test_converted_model_is_recorded_with_its_digest_and_inputs(
    params: Params, splits: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    train, test = splits
    model = fitted("sklearn.linear_model.LogisticRegression", params, train, max_iter=1000)
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx/model.onnx").write_bytes(convert(model, params.data))
    artifact = onnx_artifact(tmp_path / "onnx", tmp_path, model, test, params)
    assert artifact.available is True
    assert artifact.file == "onnx/model.onnx"
    assert artifact.sha256 == hashlib.sha256((tmp_path / "onnx/model.onnx").read_bytes()).hexdigest()
    assert artifact.inputs == list(params.data.features)
    assert artifact.parity is not None
    assert artifact.parity["passed"] is True
    assert np.isfinite(artifact.parity["max_abs_difference"])
