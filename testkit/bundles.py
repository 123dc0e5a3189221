"""Model bundles made for tests by the real training stages, from datasets scikit-learn ships.

`train_bundle` copies the project's pipeline into a folder, writes a params.yaml and a data file
there, and runs the stages dvc.yaml lists, in order, with dvc.yaml's own arguments. It runs them
in this process rather than through `dvc repro`: a fresh interpreter per stage costs seconds
(pandas, scikit-learn, skl2onnx), so four bundles would take minutes on two cores.

`BUNDLES` are small, seeded cases of each task and label type; `example_metadata` is a valid
bundle's metadata built in memory, for tests that only need a reader to accept one.
"""

from __future__ import annotations

import contextlib
import importlib
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from app.bundle import (
    SCHEMA_VERSION,
    Artifact,
    Artifacts,
    BundleMetadata,
    CategoryFeature,
    GoldenRecord,
    NumberFeature,
    Task,
    read_metadata,
)
from examples.workspace import build
from testkit.project import make_project_copy

if TYPE_CHECKING:
    import pandas as pd

# Where the stages write the bundle in a project (dvc.yaml's outputs).
MODEL_DIR = "serving/app/model"
PRETRAINED_FILE = "models/pipeline.joblib"


@dataclass(frozen=True)
class BundleSpec:
    """One dataset and one estimator: what a params.yaml and a data file say."""

    name: str
    task: Task
    # Builds the data (every column, target included) as it would be read from the file.
    data: Callable[[], pd.DataFrame]
    target: str
    numeric: tuple[str, ...]
    estimator: str
    categorical: tuple[str, ...] = ()
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    # The suffix chooses the format: .csv or .parquet.
    data_file: str = "data/raw/data.csv"
    golden_records: int = 10
    # A Pipeline fitted outside the project on the data: written to models/ and named by
    # train.pretrained instead of estimator (which then names its final step, as the bundle will).
    pretrained: Callable[[pd.DataFrame], Any] | None = None

    def params(self) -> dict[str, Any]:
        return {
            "data": {
                "path": self.data_file,
                "target": self.target,
                "task": self.task,
                "numeric": list(self.numeric),
                "categorical": list(self.categorical),
            },
            "prepare": {"seed": 0, "test_size": 0.25},
            "train": (
                {"seed": 0, "pretrained": PRETRAINED_FILE}
                if self.pretrained is not None
                else {"seed": 0, "estimator": self.estimator, "hyperparameters": dict(self.hyperparameters)}
            ),
            "evaluate": {"golden_records": self.golden_records},
        }


@dataclass(frozen=True)
class TrainedBundle:
    spec: BundleSpec
    project: Path
    model_dir: Path
    metadata: BundleMetadata


def train_bundle(spec: BundleSpec, destination: Path) -> TrainedBundle:
    """A project at `destination` with `spec`'s params and data, after every training stage."""
    project = make_project_copy(destination)
    (project / "params.yaml").write_text(yaml.safe_dump(spec.params(), sort_keys=False, allow_unicode=True))
    data = spec.data()
    write_table(data, project / spec.data_file)
    if spec.pretrained is not None:
        import joblib

        joblib.dump(spec.pretrained(data), project / PRETRAINED_FILE)
    run_stages(project)
    model_dir = project / MODEL_DIR
    return TrainedBundle(spec=spec, project=project, model_dir=model_dir, metadata=read_metadata(model_dir))


def train_example(name: str, work_dir: Path) -> Path:
    """An example of examples/ (its params.yaml and data) in a folder of `work_dir`, after every
    training stage run in this process; returns its model bundle folder."""
    project = build(name, work_dir)
    run_stages(project)
    return project / MODEL_DIR


def write_table(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def run_stages(project: Path) -> None:
    """Each stage of the project's dvc.yaml (`python -m <module> <args>`), in order, in this process."""
    stages = yaml.safe_load((project / "dvc.yaml").read_text())["stages"]
    with contextlib.chdir(project):
        for name, stage in stages.items():
            program, flag, module, *argv = shlex.split(stage["cmd"])
            if (program, flag) != ("python", "-m"):
                raise ValueError(f"dvc.yaml: stage {name} does not run `python -m <module>`: {stage['cmd']}")
            importlib.import_module(module).main(argv)


# The datasets: scikit-learn's, with names and label types that a service must carry unchanged.


def diabetes() -> pd.DataFrame:
    """442 patients; the target is a number (disease progression after a year); sex as a category."""
    from sklearn.datasets import load_diabetes

    frame: pd.DataFrame = load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": "progression"})
    frame["sex"] = frame["sex"].map({1.0: "1", 2.0: "2"})
    return frame


def breast_cancer() -> pd.DataFrame:
    """569 tumours, ten "mean ..." measurements (names with spaces); the label is an integer 0/1."""
    from sklearn.datasets import load_breast_cancer

    frame: pd.DataFrame = load_breast_cancer(as_frame=True).frame
    return frame[[*BREAST_CANCER_FEATURES, "target"]].rename(columns={"target": "benign"})


def iris_with_awkward_names() -> pd.DataFrame:
    """150 irises under column names with spaces, parentheses, a dot and non-ASCII letters, a
    categorical column with gaps, and string labels with a space and an umlaut."""
    import numpy as np
    from sklearn.datasets import load_iris

    frame: pd.DataFrame = load_iris(as_frame=True).frame.rename(columns=IRIS_NAMES)
    sites = np.random.default_rng(0).choice(np.array(["Nord", "Süd", None], dtype=object), size=len(frame))
    frame[IRIS_SITE] = sites
    frame[IRIS_TARGET] = frame.pop("target").map(dict(enumerate(IRIS_LABELS)))
    return frame


BREAST_CANCER_FEATURES = (
    "mean radius",
    "mean texture",
    "mean perimeter",
    "mean area",
    "mean smoothness",
    "mean compactness",
    "mean concavity",
    "mean concave points",
    "mean symmetry",
    "mean fractal dimension",
)
IRIS_NAMES = {
    "sepal length (cm)": "sepal length (cm)",
    "sepal width (cm)": "Größe (cm)",
    "petal length (cm)": "petal.length",
    "petal width (cm)": "Blütenblatt-Breite",
}
IRIS_SITE = "Fundort (région)"
IRIS_TARGET = "Art"
IRIS_LABELS = ("setosa (Küste)", "versicolor", "virginica")
DIABETES_NUMERIC = ("age", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


def fitted_elsewhere(frame: pd.DataFrame) -> Any:
    """A Pipeline with its own preprocessing, fitted on every row, as a colleague would hand it over."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = frame[list(BREAST_CANCER_FEATURES)]
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000)).fit(features, frame["benign"])


BUNDLES = {
    "diabetes-ridge": BundleSpec(
        name="diabetes-ridge",
        task="regression",
        data=diabetes,
        target="progression",
        numeric=DIABETES_NUMERIC,
        categorical=("sex",),
        estimator="sklearn.linear_model.Ridge",
        hyperparameters={"alpha": 1.0},
    ),
    "diabetes-forest": BundleSpec(
        name="diabetes-forest",
        task="regression",
        data=diabetes,
        target="progression",
        numeric=DIABETES_NUMERIC,
        categorical=("sex",),
        estimator="sklearn.ensemble.RandomForestRegressor",
        hyperparameters={"n_estimators": 5, "max_depth": 4},
    ),
    "breast-cancer": BundleSpec(
        name="breast-cancer",
        task="classification",
        data=breast_cancer,
        target="benign",
        numeric=BREAST_CANCER_FEATURES,
        estimator="sklearn.linear_model.LogisticRegression",
        hyperparameters={"max_iter": 1000},
    ),
    "breast-cancer-pretrained": BundleSpec(
        name="breast-cancer-pretrained",
        task="classification",
        data=breast_cancer,
        target="benign",
        numeric=BREAST_CANCER_FEATURES,
        estimator="sklearn.linear_model.LogisticRegression",
        hyperparameters={"C": 0.5, "max_iter": 1000},
        pretrained=fitted_elsewhere,
    ),
    "iris-awkward-names": BundleSpec(
        name="iris-awkward-names",
        task="classification",
        data=iris_with_awkward_names,
        target=IRIS_TARGET,
        numeric=tuple(IRIS_NAMES.values()),
        categorical=(IRIS_SITE,),
        estimator="sklearn.linear_model.LogisticRegression",
        hyperparameters={"max_iter": 1000},
        data_file="data/raw/iris.parquet",
    ),
}


def example_metadata() -> BundleMetadata:
    """A valid classification bundle's metadata, built in memory: one number, one category, one golden record."""
    record = {"x": 1.5, "colour": "red"}
    return BundleMetadata(
        schema_version=SCHEMA_VERSION,
        model_version="0123456789ab",
        task="classification",
        estimator="sklearn.linear_model.LogisticRegression",
        hyperparameters={},
        pretrained=False,
        target="kind",
        classes=["a", "b"],
        features=[
            NumberFeature(name="x", type="number", nullable=True, min=0.0, max=3.0),
            CategoryFeature(name="colour", type="category", nullable=True, categories=["blue", "red"]),
        ],
        example=record,
        metrics={},
        params={},
        data={},
        git_commit="unknown",
        versions={},
        training={},
        artifacts=Artifacts(model=Artifact(file="model.joblib", sha256="0" * 64)),
        golden_records=[GoldenRecord(record=record, label="b", probabilities={"a": 0.25, "b": 0.75})],
    )
