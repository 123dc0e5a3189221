"""The real `dvc repro` of dvc.yaml in throw-away copies of the project."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pytest
import yaml

from app.bundle import file_digest, read_metadata
from testkit.processes import VENV_BIN
from testkit.project import make_project_copy, run
from training.dataset import read_dataset
from training.params import load_params

pytestmark = pytest.mark.slow
OUTPUTS = (
    "data/prepared/train.parquet",
    "data/prepared/test.parquet",
    "serving/app/model/model.joblib",
    "serving/app/model/onnx/model.onnx",
    "serving/app/model/metadata.json",
    "serving/app/model/card/confusion_matrix.png",
    "reports/metrics.json",
    "reports/plots/confusion.json",
)


def dvc(project: Path, *args: str) -> str:
    return run([str(VENV_BIN / "dvc"), *args], project).stdout


def predict_test_split(project: Path) -> list[list[float]]:
    params = load_params(project / "params.yaml")
    test = read_dataset(project / "data/prepared/test.parquet", params.data)
    model = joblib.load(project / "serving/app/model/model.joblib")
    return model.predict_proba(test[list(params.data.features)]).tolist()


def test_repro_from_scratch_writes_every_output(trained_project: Path) -> None:
    for output in OUTPUTS:
        assert (trained_project / output).is_file(), output
    assert sorted(p.name for p in (trained_project / "reports/plots/precision_recall").iterdir()) == [
        "Adelie.json",
        "Chinstrap.json",
        "Gentoo.json",
    ]
    assert "Data and pipelines are up to date." in dvc(trained_project, "status")


def test_metadata_describes_the_model_it_sits_beside(trained_project: Path) -> None:
    model_dir = trained_project / "serving/app/model"
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["artifacts"]["model"]["sha256"] == file_digest(model_dir / "model.joblib")
    assert metadata["model_version"] == metadata["artifacts"]["model"]["sha256"][:12]
    assert metadata["git_commit"] == run(["git", "rev-parse", "HEAD"], trained_project).stdout.strip()
    assert metadata["data"]["md5"] == file_digest(trained_project / "data/raw/penguins.csv", "md5")
    assert metadata["task"] == "classification"
    assert metadata["estimator"] == "sklearn.linear_model.LogisticRegression"
    assert read_metadata(model_dir).classes == ["Adelie", "Chinstrap", "Gentoo"]
    assert metadata["metrics"] == json.loads((trained_project / "reports/metrics.json").read_text())
    assert metadata["params"] == yaml.safe_load((trained_project / "params.yaml").read_text())
    assert len(metadata["golden_records"]) == 20
    assert set(metadata["versions"]) >= {"python", "scikit-learn", "numpy", "joblib"}
    assert metadata["training"]["rows"] == 258
    [picture] = metadata["artifacts"]["pictures"]
    assert (picture["file"], picture["title"]) == ("card/confusion_matrix.png", "Confusion matrix (test split)")
    assert picture["sha256"] == file_digest(model_dir / picture["file"])
    onnx = metadata["artifacts"]["onnx"]
    assert onnx["sha256"] == file_digest(model_dir / onnx["file"])
    assert onnx["parity"]["rows"] == 86
    assert onnx["available"] is True


def test_the_default_model_beats_the_majority_baseline(trained_project: Path) -> None:
    metrics = json.loads((trained_project / "reports/metrics.json").read_text())
    assert metrics["test_rows"] == 86
    assert metrics["accuracy"] >= 0.95 > metrics["baseline"]["accuracy"]
    assert metrics["macro_f1"] >= 0.95


def test_noop_repro_runs_no_stage(trained_project: Path) -> None:
    output = dvc(trained_project, "repro")
    assert "Running stage" not in output
    assert "Data and pipelines are up to date." in output


def test_dvc_reads_the_metrics_and_renders_the_plots(trained_project: Path) -> None:
    # DVC keys the workspace as "" in its JSON.
    metrics = json.loads(dvc(trained_project, "metrics", "show", "--json"))
    assert metrics[""]["data"]["reports/metrics.json"]["data"]["accuracy"] >= 0.95
    plots = json.loads(dvc(trained_project, "plots", "show", "--json"))
    # The regression plots are declared too; a classification run writes only its own.
    missing = {error["name"] for error in plots.get("errors", [])}
    assert missing <= {"predicted_vs_actual", "residuals"}, plots.get("errors")
    rendered = plots["data"]
    assert rendered["reports/plots/confusion.json"][0]["type"] == "vega"
    assert any(name.endswith("precision_recall/Gentoo.json") for name in rendered)


def test_two_runs_from_scratch_give_identical_metrics_and_predictions(trained_project: Path, tmp_path: Path) -> None:
    again = make_project_copy(tmp_path / "again")
    dvc(again, "repro", "--quiet")
    for same in ("reports/metrics.json", "data/prepared/train.parquet", "data/prepared/test.parquet"):
        assert (again / same).read_bytes() == (trained_project / same).read_bytes(), same
    assert predict_test_split(again) == predict_test_split(trained_project)
    first = json.loads((trained_project / "serving/app/model/metadata.json").read_text())
    second = json.loads((again / "serving/app/model/metadata.json").read_text())
    assert second["golden_records"] == first["golden_records"]
    # The pickled Pipeline itself is byte-identical, and so are the card's pictures: the commit names one exact model.
    assert second["artifacts"] == first["artifacts"]
