"""Every selectable estimator either converts to ONNX with parity, or says why it cannot."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from training.dataset import embedded_dataset, normalise
from training.model import ESTIMATORS, build_model
from training.onnx_export import PARITY_TOLERANCE, ConversionError, check_parity, convert
from training.params import Params, load_params
from training.stages.convert import main as convert_main
from training.stages.evaluate import onnx_artifact
from training.stages.prepare import split

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def params() -> Params:
    return load_params(REPOSITORY / "params.yaml")


@pytest.fixture(scope="module")
def splits(params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = normalise(pd.read_csv(io.BytesIO(embedded_dataset())), params.data)
    return split(frame, params.data, params.prepare)


def fitted(name: str, params: Params, train: pd.DataFrame) -> Pipeline:
    hyperparameters = params.raw["train"]["hyperparameters"].get(name, {})
    model = build_model(params.data, name, hyperparameters, seed=params.train.seed)
    return model.fit(train[list(params.data.features)], train[params.data.target])


@pytest.mark.parametrize("name", ["logistic_regression", "random_forest"])
def test_converts_with_parity_on_the_whole_test_split(
    name: str, params: Params, splits: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = splits
    model = fitted(name, params, train)
    parity = check_parity(model, convert(model, params.data), test, params.data)
    assert parity.rows == len(test) == 86
    assert parity.labels_identical
    assert parity.max_abs_probability_difference <= PARITY_TOLERANCE
    assert parity.passed


def test_gradient_boosting_converts_with_parity_or_gives_one_line_reason(
    params: Params, splits: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = splits
    model = fitted("hist_gradient_boosting", params, train)
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


def test_every_selectable_estimator_is_covered() -> None:
    assert set(ESTIMATORS) == {"logistic_regression", "random_forest", "hist_gradient_boosting"}


def test_parity_failure_is_detected(params: Params, splits: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, test = splits
    onnx_of_forest = convert(fitted("random_forest", params, train), params.data)
    parity = check_parity(fitted("logistic_regression", params, train), onnx_of_forest, test, params.data)
    assert parity.max_abs_probability_difference > PARITY_TOLERANCE
    assert not parity.passed


def test_unconvertible_model_is_recorded_and_the_stage_succeeds(
    params: Params, splits: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import joblib

    train, test = splits
    model = fitted("logistic_regression", params, train)
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
    assert artifact["available"] is False
    assert artifact["reason"] == "skl2onnx cannot convert LogisticRegression: no converter"
    assert set(artifact["versions"]) == {"onnx", "onnxruntime", "skl2onnx"}


def test_converted_model_is_recorded_with_its_digest(
    params: Params, splits: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    import hashlib

    train, test = splits
    model = fitted("logistic_regression", params, train)
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx/model.onnx").write_bytes(convert(model, params.data))
    artifact = onnx_artifact(tmp_path / "onnx", tmp_path, model, test, params)
    assert artifact["available"] is True
    assert artifact["file"] == "onnx/model.onnx"
    assert artifact["sha256"] == hashlib.sha256((tmp_path / "onnx/model.onnx").read_bytes()).hexdigest()
    assert artifact["parity"]["passed"] is True
