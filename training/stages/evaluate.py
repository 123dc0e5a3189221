"""evaluate: score the model on the test split; write metrics, plots and the model's metadata."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from training import _cli, metadata, metrics, onnx_export
from training.dataset import read_csv
from training.params import Params, load_params
from training.stages.convert import ONNX_FILE, UNAVAILABLE_FILE

_ARTIFACT_KEYS = ("model_file", "model_sha256", "onnx")


def onnx_artifact(
    folder: Path, model_dir: Path, pipeline: Pipeline, test: pd.DataFrame, params: Params
) -> dict[str, Any]:
    """What the service needs to choose a backend: the ONNX file and whether it matches scikit-learn."""
    versions = onnx_export.library_versions()
    onnx_file = folder / ONNX_FILE
    if not onnx_file.exists():
        reason = (folder / UNAVAILABLE_FILE).read_text().strip()
        return {"available": False, "reason": reason, "versions": versions}
    parity = onnx_export.check_parity(pipeline, onnx_file.read_bytes(), test, params.data)
    return {
        "available": parity.passed,
        "reason": None if parity.passed else "predictions differ from scikit-learn beyond the tolerance",
        "file": onnx_file.relative_to(model_dir).as_posix(),
        "sha256": metadata.file_digest(onnx_file),
        "parity": parity.as_dict(),
        "versions": versions,
    }


def predict(model: Pipeline, frame: pd.DataFrame, params: Params) -> tuple[np.ndarray, list[str]]:
    proba = model.predict_proba(frame[list(params.data.features)])
    return proba, [str(label) for label in model.classes_]


def build_metadata(
    *,
    params: Params,
    train: pd.DataFrame,
    test: pd.DataFrame,
    proba: np.ndarray,
    classes: list[str],
    scores: dict[str, Any],
    lineage: dict[str, Any],
) -> dict[str, Any]:
    return {
        "schema_version": metadata.SCHEMA_VERSION,
        "model_version": lineage["model_sha256"][:12],
        "estimator": params.train.estimator,
        "target": params.data.target,
        "classes": classes,
        "features": metadata.feature_schema(train, params.data),
        "example": metadata.example_record(test, params.data),
        "metrics": scores,
        "params": params.raw,
        **{key: value for key, value in lineage.items() if key not in _ARTIFACT_KEYS},
        "artifacts": {
            "model": {"file": lineage["model_file"], "sha256": lineage["model_sha256"]},
            "onnx": lineage["onnx"],
        },
        "golden_records": metadata.golden_records(test, proba, classes, params.data, params.evaluate.golden_records),
    }


def main(argv: list[str] | None = None) -> None:
    cli = _cli.parser(__doc__ or "")
    for name, text in (
        ("--raw", "the raw snapshot (CSV), for its md5"),
        ("--train", "the training split (CSV)"),
        ("--test", "the test split (CSV)"),
        ("--model", "the joblib Pipeline"),
        ("--onnx", "the convert stage's folder"),
        ("--training-info", "what the train stage recorded"),
        ("--metrics", "where to write the metrics (JSON)"),
        ("--plots", "folder for the plot data"),
        ("--metadata", "where to write the model metadata (JSON)"),
    ):
        cli.add_argument(name, type=Path, required=True, help=text)
    args = cli.parse_args(argv)
    params = load_params(args.params)
    train, test = read_csv(args.train, params.data), read_csv(args.test, params.data)
    model = joblib.load(args.model)  # our own artifact, written by the train stage
    proba, classes = predict(model, test, params)
    y_true = test[params.data.target].to_numpy()
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    scores = metrics.classification_metrics(y_true, proba, classes)
    _cli.write_json(args.metrics, scores)
    write_plots(args.plots, y_true, predicted, proba, classes)
    lineage = {
        "model_file": args.model.relative_to(args.metadata.parent).as_posix(),
        "model_sha256": metadata.file_digest(args.model),
        "onnx": onnx_artifact(args.onnx, args.metadata.parent, model, test, params),
        "data": {
            "raw_md5": metadata.file_digest(args.raw, "md5"),
            "train_md5": metadata.file_digest(args.train, "md5"),
            "test_md5": metadata.file_digest(args.test, "md5"),
        },
        "git_commit": metadata.git_commit(Path.cwd()),
        "versions": metadata.library_versions(),
        "training": json.loads(args.training_info.read_text()),
    }
    _cli.write_json(
        args.metadata,
        build_metadata(
            params=params,
            train=train,
            test=test,
            proba=proba,
            classes=classes,
            scores=scores,
            lineage=lineage,
        ),
    )


def write_plots(folder: Path, y_true: np.ndarray, predicted: np.ndarray, proba: np.ndarray, classes: list[str]) -> None:
    _cli.write_json(folder / "confusion.json", metrics.confusion_rows(y_true, predicted))
    for label, rows in metrics.precision_recall_curves(y_true, proba, classes).items():
        _cli.write_json(folder / "precision_recall" / f"{label}.json", rows)


if __name__ == "__main__":
    sys.exit(_cli.run(main))
