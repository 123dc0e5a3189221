from __future__ import annotations

import logging
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from app.main import create_app
from app.predictor.errors import GoldenReplayError, IntegrityError, MetadataError


def start(make_settings, model_dir: Path) -> None:
    with TestClient(create_app(make_settings(model_dir=model_dir))):
        pytest.fail("the service started")


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]


def test_creating_the_app_loads_nothing(make_settings, tmp_path: Path) -> None:
    # An empty folder: only the lifespan reads the model, so creating the app succeeds.
    app = create_app(make_settings(model_dir=tmp_path))

    assert TestClient(app).get("/livez").status_code == 200


def test_a_tampered_model_file_is_refused_with_one_line(make_settings, model_copy: Path, caplog) -> None:
    with (model_copy / "model.joblib").open("ab") as stream:
        stream.write(b"tampered")

    with pytest.raises(IntegrityError):
        start(make_settings, model_copy)

    [line] = refusals(caplog)
    assert line.startswith(f"refusing to start: {model_copy / 'model.joblib'}: sha256 ")
    assert "does not match" in line


def test_a_model_trained_with_another_scikit_learn_is_refused(make_settings, model_copy, edit_metadata, caplog) -> None:
    edit_metadata(model_copy, lambda d: d["versions"].update({"scikit-learn": "1.0.0"}))

    with pytest.raises(IntegrityError):
        start(make_settings, model_copy)

    [line] = refusals(caplog)
    assert "but the model was trained with scikit-learn 1.0.0" in line


def test_a_failed_golden_replay_is_refused(make_settings, model_copy, edit_metadata, caplog) -> None:
    edit_metadata(model_copy, lambda d: d["golden_records"][0]["probabilities"].update(Adelie=0.5))

    with pytest.raises(GoldenReplayError):
        start(make_settings, model_copy)

    assert refusals(caplog)[0].startswith("refusing to start: golden record 0: probability of 'Adelie'")


def test_missing_artifacts_are_refused(make_settings, tmp_path: Path, caplog) -> None:
    with pytest.raises(MetadataError):
        start(make_settings, tmp_path)

    assert refusals(caplog) == [
        f"refusing to start: {tmp_path / 'metadata.json'}: cannot read the model metadata (No such file or directory)"
    ]


def test_backend_onnx_without_an_export_is_refused(make_settings, model_copy, edit_metadata, caplog) -> None:
    reason = "skl2onnx cannot convert HistGradientBoostingClassifier: no converter"
    edit_metadata(model_copy, lambda d: d["artifacts"].update(onnx={"available": False, "reason": reason}))

    with pytest.raises(IntegrityError), TestClient(create_app(make_settings(model_dir=model_copy, backend="onnx"))):
        pytest.fail("the service started")

    assert refusals(caplog) == [
        f"refusing to start: backend onnx was asked for, but training recorded no usable ONNX export: {reason}; "
        "use backend auto or sklearn"
    ]


def test_auto_without_an_export_serves_scikit_learn_and_warns(make_settings, model_copy, edit_metadata, caplog) -> None:
    edit_metadata(model_copy, lambda d: d["artifacts"].update(onnx={"available": False, "reason": "no converter"}))

    with TestClient(create_app(make_settings(model_dir=model_copy))) as client:
        assert client.get("/model").json()["backend"] == "sklearn"

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "serving with scikit-learn, not ONNX: training recorded no usable ONNX export: no converter" in warnings
