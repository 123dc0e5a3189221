"""A bad params.yaml fails its stage with one line naming the problem, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, make_project_copy, run

pytestmark = pytest.mark.slow


def stage(module: str, params: Path, cwd: Path, *args: str) -> tuple[int, str]:
    result = run([sys.executable, "-m", f"training.stages.{module}", "--params", str(params), *args], cwd, check=False)
    return result.returncode, result.stderr


def broken_params(tmp_path: Path, section: str, key: str, value: object) -> Path:
    params = yaml.safe_load((REPOSITORY / "params.yaml").read_text())
    params[section][key] = value
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("prepared")
    code, stderr = stage(
        "prepare", REPOSITORY / "params.yaml", REPOSITORY, "--raw", str(folder / "raw.csv"), "--out", str(folder)
    )
    assert code == 0, stderr
    return folder


def test_unknown_estimator(tmp_path: Path, prepared: Path) -> None:
    params = broken_params(tmp_path, "train", "estimator", "xgboost")
    code, stderr = stage(
        "train", params, REPOSITORY, "--train", str(prepared / "train.csv"),
        "--model", str(tmp_path / "m.joblib"), "--info", str(tmp_path / "i.json"),
    )  # fmt: skip
    assert code == 2
    assert stderr == (
        "error: params.yaml: train.estimator 'xgboost' is unknown; "
        "choose one of: logistic_regression, random_forest, hist_gradient_boosting\n"
    )
    assert not (tmp_path / "m.joblib").exists()


def test_hyperparameter_of_the_wrong_type(tmp_path: Path, prepared: Path) -> None:
    params = broken_params(tmp_path, "train", "hyperparameters", {"logistic_regression": {"max_iter": "many"}})
    code, stderr = stage(
        "train", params, REPOSITORY, "--train", str(prepared / "train.csv"),
        "--model", str(tmp_path / "m.joblib"), "--info", str(tmp_path / "i.json"),
    )  # fmt: skip
    assert code == 2
    assert stderr.startswith("error: params.yaml: train.hyperparameters.logistic_regression: The 'max_iter' parameter")
    assert stderr.count("\n") == 1


def test_feature_missing_from_the_data(tmp_path: Path) -> None:
    params = broken_params(tmp_path, "data", "numeric", ["bill_length_mm", "beak_colour"])
    code, stderr = stage("prepare", params, REPOSITORY, "--raw", str(tmp_path / "raw.csv"), "--out", str(tmp_path))
    assert code == 2
    assert stderr.startswith(f"error: {tmp_path / 'raw.csv'}: column(s) 'beak_colour' from params.yaml data")
    assert stderr.count("\n") == 1


def test_dvc_repro_reports_the_line_and_stops(tmp_path: Path) -> None:
    project = make_project_copy(tmp_path / "project")
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["train"]["estimator"] = "svm"
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    result = run([str(VENV_BIN / "dvc"), "repro"], project, check=False)
    assert result.returncode != 0
    assert "error: params.yaml: train.estimator 'svm' is unknown" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert not (project / "serving/app/model/model.joblib").exists()
