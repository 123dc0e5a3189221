"""Test-split metrics and plot data, in the shapes `dvc metrics` and `dvc plots` read."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    precision_recall_curve,
    precision_recall_fscore_support,
    r2_score,
    root_mean_squared_error,
)

from app.bundle import Label, label_key


def _round(value: float) -> float:
    # Rounded so that metric diffs show real changes, not float noise.
    return round(float(value), 6)


def classification_metrics(y_true: np.ndarray, proba: np.ndarray, classes: list[Label]) -> dict[str, Any]:
    """Accuracy, macro F1, log loss, per-class precision/recall/support and the majority baseline."""
    # Arrays of the labels' own dtype (int64, bool, str): scikit-learn calls an object array of
    # numbers an "unknown" target type and refuses it.
    labels = np.array(classes)
    truth = np.array(list(y_true))
    predicted = labels[proba.argmax(axis=1)]
    precision, recall, _, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    majority_class, majority_count = Counter(truth.tolist()).most_common(1)[0]
    return {
        "accuracy": _round(accuracy_score(truth, predicted)),
        "macro_f1": _round(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        "log_loss": _round(log_loss(truth, proba, labels=labels)),
        "per_class": {
            label_key(label): {"precision": _round(p), "recall": _round(r), "support": int(s)}
            for label, p, r, s in zip(classes, precision, recall, support, strict=True)
        },
        "baseline": {"majority_class": label_key(majority_class), "accuracy": _round(majority_count / len(truth))},
        "test_rows": len(truth),
    }


def regression_metrics(y_true: np.ndarray, predicted: np.ndarray, train_mean: float) -> dict[str, Any]:
    """RMSE, MAE and R² on the test split, and the same for always predicting the training mean."""
    baseline = np.full(len(y_true), train_mean)
    return {
        "rmse": _round(root_mean_squared_error(y_true, predicted)),
        "mae": _round(mean_absolute_error(y_true, predicted)),
        "r2": _round(r2_score(y_true, predicted)),
        "baseline": {
            "prediction": _round(train_mean),
            "rmse": _round(root_mean_squared_error(y_true, baseline)),
            "mae": _round(mean_absolute_error(y_true, baseline)),
            "r2": _round(r2_score(y_true, baseline)),
        },
        "test_rows": len(y_true),
    }


def confusion_rows(y_true: np.ndarray, predicted: np.ndarray) -> list[dict[str, str]]:
    """One row per test record: DVC's confusion template counts the (actual, predicted) pairs."""
    return [{"actual": label_key(a), "predicted": label_key(p)} for a, p in zip(y_true, predicted, strict=True)]


def precision_recall_curves(
    y_true: np.ndarray, proba: np.ndarray, classes: list[Label]
) -> dict[str, list[dict[str, float]]]:
    """One-vs-rest precision-recall curve per class, as rows DVC's linear template draws."""
    curves = {}
    truth = np.asarray(y_true, dtype=object)
    for index, label in enumerate(classes):
        precision, recall, _ = precision_recall_curve(truth == label, proba[:, index])
        curves[label_key(label)] = [
            {"recall": _round(r), "precision": _round(p)} for p, r in zip(precision, recall, strict=True)
        ]
    return curves


def prediction_rows(y_true: np.ndarray, predicted: np.ndarray) -> list[dict[str, float]]:
    """One row per test record: actual, predicted and the residual (actual - predicted)."""
    return [
        {"actual": _round(a), "predicted": _round(p), "residual": _round(a - p)}
        for a, p in zip(y_true, predicted, strict=True)
    ]
