"""Bad configuration stops the command with one line naming the key, exit code 2, and nothing written."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pytest
import yaml
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from testkit.processes import VENV_BIN
from testkit.project import make_project_copy, run

pytestmark = pytest.mark.slow
Edit = Callable[[dict[str, Any], Path], None]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project_copy(tmp_path_factory.mktemp("bad") / "project")


def command(project: Path, module: str, params: dict[str, Any], *args: str) -> tuple[int, str]:
    path = project / "params.yaml"
    original = path.read_text()
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        result = run([sys.executable, "-m", module, *args], project, check=False)
    finally:
        path.write_text(original)
    return result.returncode, result.stderr


def default_params(project: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((project / "params.yaml").read_text()))


def write_data(project: Path, frame: pd.DataFrame, name: str = "data/raw/custom.csv") -> str:
    frame.to_csv(project / name, index=False)
    return name


def penguins(project: Path) -> pd.DataFrame:
    return pd.read_csv(project / "data/raw/penguins.csv")


def set_data(params: dict[str, Any], **values: Any) -> None:
    params["data"].update(values)


CHECKED_BEFORE_DVC: list[tuple[str, Edit, str]] = [
    (
        "missing data file",
        lambda p, project: set_data(p, path="data/raw/absent.csv"),
        "error: params.yaml: data.path: data/raw/absent.csv does not exist\n",
    ),
    (
        "missing data file that DVC tracks",
        lambda p, project: (set_data(p, path="data/raw/tracked.csv"), (project / "data/raw/tracked.csv.dvc").touch()),
        "error: params.yaml: data.path: data/raw/tracked.csv does not exist; run `dvc pull data/raw/tracked.csv.dvc`\n",
    ),
    (
        "unreadable file",
        lambda p, project: (
            set_data(p, path="data/raw/bad.parquet"),
            (project / "data/raw/bad.parquet").write_text("x"),
        ),
        "error: params.yaml: data.path: cannot read data/raw/bad.parquet: ",
    ),
    (
        "unknown column",
        lambda p, project: set_data(p, numeric=["bill_length_mm", "beak_colour"]),
        "error: params.yaml: data.numeric: column(s) 'beak_colour' are not in data/raw/penguins.csv (it has: ",
    ),
    (
        "target not in the data",
        lambda p, project: set_data(p, target="genus"),
        "error: params.yaml: data.target: column(s) 'genus' are not in data/raw/penguins.csv",
    ),
    (
        "a regressor for classification",
        lambda p, project: p["train"].update(estimator="sklearn.linear_model.Ridge", hyperparameters={}),
        "error: params.yaml: train.estimator: sklearn.linear_model.Ridge is a regressor, but data.task is "
        "classification; choose a classifier\n",
    ),
    (
        "a classifier for regression",
        lambda p, project: set_data(p, task="regression", target="body_mass_g", numeric=["bill_length_mm"]),
        "error: params.yaml: train.estimator: sklearn.linear_model.LogisticRegression is a classifier, but data.task "
        "is regression; choose a regressor\n",
    ),
    (
        "an estimator path that does not import",
        lambda p, project: p["train"].update(estimator="xgboost.XGBClassifier"),
        "error: params.yaml: train.estimator: cannot import module 'xgboost' (No module named 'xgboost'); "
        "check the path or install it\n",
    ),
    (
        "a path that names no estimator",
        lambda p, project: p["train"].update(estimator="sklearn.metrics.accuracy_score"),
        "error: params.yaml: train.estimator: 'sklearn.metrics.accuracy_score' is not a scikit-learn estimator",
    ),
    (
        "no such hyperparameter",
        lambda p, project: p["train"]["hyperparameters"].update(strength=2),
        "error: params.yaml: train.hyperparameters: LogisticRegression has no hyperparameter 'strength' (it has: C, ",
    ),
    (
        "a misspelt key",
        lambda p, project: p["data"].update(categoricals=["sex"]),
        "error: params.yaml: data.categoricals: unknown key (check the spelling)\n",
    ),
]


@pytest.mark.parametrize(("case", "edit", "message"), CHECKED_BEFORE_DVC, ids=[c[0] for c in CHECKED_BEFORE_DVC])
def test_the_check_before_dvc_names_the_key(project: Path, case: str, edit: Edit, message: str) -> None:
    params = default_params(project)
    edit(params, project)
    code, stderr = command(project, "training.check", params)
    assert code == 2, stderr
    assert stderr.startswith(message)
    assert stderr.count("\n") == 1


def prepare_fails(project: Path, params: dict[str, Any], tmp_path: Path) -> tuple[int, str]:
    out = tmp_path / "prepared"
    code, stderr = command(project, "training.stages.prepare", params, "--out", str(out))
    assert not out.exists(), "nothing may be written"
    assert command(project, "training.check", params) == (code, stderr), "the check before dvc says the same"
    return code, stderr


def test_text_in_a_numeric_column(project: Path, tmp_path: Path) -> None:
    frame = penguins(project).astype({"body_mass_g": object})
    frame.loc[7, "body_mass_g"] = "heavy"
    params = default_params(project)
    set_data(params, path=write_data(project, frame, "data/raw/text.csv"))
    code, stderr = prepare_fails(project, params, tmp_path)
    assert code == 2
    assert stderr == (
        "error: params.yaml: data: numeric feature 'body_mass_g' has the non-numeric value 'heavy' in "
        "data/raw/text.csv; list the column under categorical, or clean the data\n"
    )


def test_a_single_class(project: Path, tmp_path: Path) -> None:
    frame = penguins(project)
    params = default_params(project)
    set_data(params, path=write_data(project, frame[frame["species"] == "Adelie"], "data/raw/adelie.csv"))
    code, stderr = prepare_fails(project, params, tmp_path)
    assert code == 2
    assert stderr == "error: params.yaml: data.target: 'species' has 1 class(es); a classifier needs at least 2\n"


def test_a_class_with_one_row(project: Path, tmp_path: Path) -> None:
    frame = penguins(project)
    lonely = pd.concat([frame[frame["species"] != "Chinstrap"], frame[frame["species"] == "Chinstrap"].head(1)])
    params = default_params(project)
    set_data(params, path=write_data(project, lonely, "data/raw/lonely.csv"))
    code, stderr = prepare_fails(project, params, tmp_path)
    assert code == 2
    assert stderr.startswith("error: params.yaml: data.target: class 'Chinstrap' of 'species' has one row; ")


def test_too_few_rows(project: Path, tmp_path: Path) -> None:
    params = default_params(project)
    tiny = penguins(project).iloc[[*range(8), *range(200, 208)]]
    set_data(params, path=write_data(project, tiny, "data/raw/tiny.csv"))
    code, stderr = prepare_fails(project, params, tmp_path)
    assert code == 2
    assert stderr == (
        "error: params.yaml: prepare.test_size: 16 labelled rows are too few to split at 0.25 "
        "(the training split needs at least 10 rows and the test split 5); add data, or change prepare.test_size\n"
    )


def test_a_pixel_outside_the_declared_value_range(project: Path, tmp_path: Path) -> None:
    # The four penguin measurements as a 2x2 "picture" whose pixels should lie in 0..100: the first outside is named.
    params = default_params(project)
    set_data(params, categorical=[], image={"width": 2, "height": 2, "value_range": [0, 100]})
    code, stderr = prepare_fails(project, params, tmp_path)
    assert code == 2
    assert stderr == (
        "error: params.yaml: data.image.value_range: pixel column 'flipper_length_mm' has the value 181.0 in "
        "data/raw/penguins.csv, outside [0, 100]\n"
    )


@pytest.fixture(scope="module")
def prepared(project: Path) -> Path:
    code, stderr = command(project, "training.stages.prepare", default_params(project), "--out", "data/prepared")
    assert code == 0, stderr
    return project / "data/prepared/train.parquet"


def train_fails(project: Path, params: dict[str, Any], prepared: Path, tmp_path: Path) -> tuple[int, str]:
    model = tmp_path / "model.joblib"
    code, stderr = command(
        project, "training.stages.train", params,
        "--train", str(prepared), "--model", str(model), "--info", str(tmp_path / "info.json"),
    )  # fmt: skip
    assert not model.exists(), "nothing may be written"
    assert command(project, "training.check", params) == (code, stderr), "the check before dvc says the same"
    return code, stderr


def test_an_invalid_hyperparameter_value(project: Path, prepared: Path, tmp_path: Path) -> None:
    params = default_params(project)
    params["train"]["hyperparameters"]["max_iter"] = "many"
    code, stderr = train_fails(project, params, prepared, tmp_path)
    assert code == 2
    assert stderr.startswith(
        "error: params.yaml: train: fitting sklearn.linear_model.LogisticRegression failed: The 'max_iter' parameter"
    )
    assert stderr.endswith("; check train.hyperparameters and the data\n")
    assert stderr.count("\n") == 1


def test_a_pretrained_model_that_fails_on_the_training_data(project: Path, prepared: Path, tmp_path: Path) -> None:
    # Fitted on other columns: predicting on the configured ones fails.
    other = make_pipeline(make_column_transformer((StandardScaler(), ["x"])), LogisticRegression())
    joblib.dump(other.fit(pd.DataFrame({"x": [1.0, 2.0]}), ["a", "b"]), project / "models/other.joblib")
    params = default_params(project)
    params["train"] = {"seed": 1, "pretrained": "models/other.joblib"}
    code, stderr = train_fails(project, params, prepared, tmp_path)
    assert code == 2
    assert stderr.startswith("error: params.yaml: train.pretrained: models/other.joblib: predict() fails on the ")
    assert stderr.count("\n") == 1


def test_dvc_repro_reports_the_line_and_stops(tmp_path: Path) -> None:
    project = make_project_copy(tmp_path / "project")
    params = default_params(project)
    params["train"]["estimator"] = "sklearn.svm.SVR"
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    result = run([str(VENV_BIN / "dvc"), "repro"], project, check=False)
    assert result.returncode != 0
    assert "error: params.yaml: train.estimator: sklearn.svm.SVR is a regressor" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert not (project / "serving/app/model/model.joblib").exists()
