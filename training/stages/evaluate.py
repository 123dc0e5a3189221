"""evaluate: score the model on the test split; write metrics, plots, the card's pictures and the bundle metadata."""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from app.bundle import (
    SCHEMA_VERSION,
    Artifact,
    Artifacts,
    BundleMetadata,
    GoldenRecord,
    OnnxArtifact,
    Picture,
    TargetStatistics,
    file_digest,
    plain_label,
    write_metadata,
)
from training import _cli, metadata, metrics, onnx_export, pictures
from training.dataset import read_dataset
from training.params import Params, load_params
from training.stages.convert import ONNX_FILE, UNAVAILABLE_FILE


@dataclass(frozen=True)
class DrawnPicture:
    """A PNG for the model card, before it is written to the bundle."""

    file_name: str
    title: str
    png: bytes


@dataclass(frozen=True)
class Evaluation:
    """What scoring the test split gives, for either task."""

    scores: dict[str, Any]
    # File name under the plots folder -> rows.
    plots: dict[str, list[dict[str, Any]]]
    golden_records: list[GoldenRecord]
    pictures: list[DrawnPicture]
    classes: list[Any] | None = None
    target_statistics: TargetStatistics | None = None


def evaluate_classifier(model: Any, train: pd.DataFrame, test: pd.DataFrame, params: Params) -> Evaluation:
    data = params.data
    classes = [plain_label(label) for label in model.classes_]
    proba = np.asarray(model.predict_proba(test[list(data.features)]), dtype=np.float64)
    y_true = np.array([plain_label(label) for label in test[data.target]], dtype=object)
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    plots: dict[str, list[dict[str, Any]]] = {"confusion.json": metrics.confusion_rows(y_true, predicted)}
    for label, rows in metrics.precision_recall_curves(y_true, proba, classes).items():
        plots[f"precision_recall/{label}.json"] = rows
    return Evaluation(
        scores=metrics.classification_metrics(y_true, proba, classes),
        plots=plots,
        golden_records=metadata.golden_classifications(test, proba, classes, data, params.evaluate.golden_records),
        pictures=[
            DrawnPicture(
                "confusion_matrix.png",
                pictures.CONFUSION_MATRIX_TITLE,
                pictures.confusion_matrix_png(y_true, predicted, classes, data.target),
            )
        ],
        classes=classes,
    )


def evaluate_regressor(model: Any, train: pd.DataFrame, test: pd.DataFrame, params: Params) -> Evaluation:
    data = params.data
    predicted = np.asarray(model.predict(test[list(data.features)]), dtype=np.float64).ravel()
    y_true = test[data.target].to_numpy(dtype=np.float64)
    target = train[data.target]
    return Evaluation(
        scores=metrics.regression_metrics(y_true, predicted, float(target.mean())),
        plots={"predictions.json": metrics.prediction_rows(y_true, predicted)},
        golden_records=metadata.golden_regressions(test, predicted, data, params.evaluate.golden_records),
        pictures=[
            DrawnPicture(
                "predicted_vs_actual.png",
                pictures.PREDICTED_VS_ACTUAL_TITLE,
                pictures.predicted_vs_actual_png(y_true, predicted, data.target),
            )
        ],
        target_statistics=TargetStatistics(
            mean=float(target.mean()), std=float(target.std(ddof=0)), min=float(target.min()), max=float(target.max())
        ),
    )


def onnx_artifact(folder: Path, model_dir: Path, model: Any, test: pd.DataFrame, params: Params) -> OnnxArtifact:
    """What a reader needs to choose a backend: the ONNX file and whether it matches scikit-learn."""
    versions = onnx_export.library_versions()
    onnx_file = folder / ONNX_FILE
    if not onnx_file.exists():
        reason = (folder / UNAVAILABLE_FILE).read_text().strip()
        return OnnxArtifact(available=False, reason=reason, versions=versions)
    graph = onnx_file.read_bytes()
    parity = onnx_export.check_parity(model, graph, test, params.data)
    return OnnxArtifact(
        available=parity.passed,
        reason=None if parity.passed else "predictions differ from scikit-learn beyond the tolerance",
        file=onnx_file.relative_to(model_dir).as_posix(),
        sha256=file_digest(onnx_file),
        inputs=onnx_export.input_names(graph),
        parity=parity.as_dict(),
        versions=versions,
    )


def picture_artifacts(drawn: list[DrawnPicture], folder: Path, bundle: Path) -> list[Picture]:
    """The pictures as the metadata names them: paths relative to the bundle, and the sha256 of the bytes to write."""
    return [
        Picture(
            file=(folder / picture.file_name).relative_to(bundle).as_posix(),
            sha256=hashlib.sha256(picture.png).hexdigest(),
            title=picture.title,
        )
        for picture in drawn
    ]


def estimator_description(model: Any, params: Params) -> tuple[str, dict[str, Any]]:
    """The estimator's import path and hyperparameters: as configured, or as the pretrained one has them."""
    if params.train.estimator is not None:
        return params.train.estimator, dict(params.train.hyperparameters)
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    settings = {name: _json_safe(value) for name, value in final.get_params(deep=False).items()}
    return public_path(type(final)), settings


def public_path(cls: type) -> str:
    """The shortest import path that names the class: sklearn.linear_model.LogisticRegression, not ._logistic."""
    parts = cls.__module__.split(".")
    for end in range(1, len(parts) + 1):
        module = ".".join(parts[:end])
        try:
            if getattr(importlib.import_module(module), cls.__qualname__, None) is cls:
                return f"{module}.{cls.__qualname__}"
        except ImportError:
            continue
    return f"{cls.__module__}.{cls.__qualname__}"


def _json_safe(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


def main(argv: list[str] | None = None) -> None:
    cli = _cli.parser(__doc__ or "")
    for name, text in (
        ("--train", "the training split"),
        ("--test", "the test split"),
        ("--model", "the joblib Pipeline"),
        ("--onnx", "the convert stage's folder"),
        ("--training-info", "what the train stage recorded"),
        ("--metrics", "where to write the metrics (JSON)"),
        ("--plots", "folder for the plot data"),
        ("--bundle", "the model bundle folder, where metadata.json goes"),
        ("--pictures", "folder inside the bundle for the model card's pictures (PNG)"),
    ):
        cli.add_argument(name, type=Path, required=True, help=text)
    args = cli.parse_args(argv)
    params = load_params(args.params)
    train, test = read_dataset(args.train, params.data), read_dataset(args.test, params.data)
    model = joblib.load(args.model)  # our own artifact, written by the train stage
    evaluator = evaluate_classifier if params.data.task == "classification" else evaluate_regressor
    evaluation = evaluator(model, train, test, params)
    estimator, hyperparameters = estimator_description(model, params)
    model_sha256 = file_digest(args.model)
    bundle = BundleMetadata(
        schema_version=SCHEMA_VERSION,
        model_version=model_sha256[:12],
        task=params.data.task,
        estimator=estimator,
        hyperparameters=hyperparameters,
        pretrained=params.train.pretrained is not None,
        target=params.data.target,
        classes=evaluation.classes,
        target_statistics=evaluation.target_statistics,
        features=metadata.feature_schema(train, params.data),
        example=metadata.example_record(test, params.data),
        metrics=evaluation.scores,
        params=params.raw,
        data={
            "path": params.data.path,
            "md5": file_digest(Path(params.data.path), "md5"),
            "train_md5": file_digest(args.train, "md5"),
            "test_md5": file_digest(args.test, "md5"),
        },
        git_commit=metadata.git_commit(Path.cwd()),
        versions=metadata.library_versions(),
        training=json.loads(args.training_info.read_text()),
        artifacts=Artifacts(
            model=Artifact(file=args.model.relative_to(args.bundle).as_posix(), sha256=model_sha256),
            onnx=onnx_artifact(args.onnx, args.bundle, model, test, params),
            pictures=picture_artifacts(evaluation.pictures, args.pictures, args.bundle),
        ),
        golden_records=evaluation.golden_records,
        image_input=metadata.image_input(params.data),
    )
    # Everything is computed before anything is written.
    _cli.write_json(args.metrics, evaluation.scores)
    for name, rows in evaluation.plots.items():
        _cli.write_json(args.plots / name, rows)
    args.pictures.mkdir(parents=True, exist_ok=True)
    for picture in evaluation.pictures:
        (args.pictures / picture.file_name).write_bytes(picture.png)
    write_metadata(args.bundle, bundle)


if __name__ == "__main__":
    sys.exit(_cli.run(main))
