"""Test-split metrics and plot data, in the shapes `dvc metrics` and `dvc plots` read."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_recall_fscore_support,
)


def _round(value: float) -> float:
    # Rounded so that metric diffs show real changes, not float noise.
    return round(float(value), 6)


def classification_metrics(y_true: np.ndarray, proba: np.ndarray, classes: list[str]) -> dict[str, Any]:
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    precision, recall, _, support = precision_recall_fscore_support(y_true, predicted, labels=classes, zero_division=0)
    majority_class, majority_count = Counter(y_true).most_common(1)[0]
    return {
        "accuracy": _round(accuracy_score(y_true, predicted)),
        "macro_f1": _round(f1_score(y_true, predicted, labels=classes, average="macro", zero_division=0)),
        "log_loss": _round(log_loss(y_true, proba, labels=classes)),
        "per_class": {
            label: {"precision": _round(p), "recall": _round(r), "support": int(s)}
            for label, p, r, s in zip(classes, precision, recall, support, strict=True)
        },
        "baseline": {"majority_class": str(majority_class), "accuracy": _round(majority_count / len(y_true))},
        "test_rows": len(y_true),
    }


def confusion_rows(y_true: np.ndarray, predicted: np.ndarray) -> list[dict[str, str]]:
    """One row per test record: DVC's confusion template counts the (actual, predicted) pairs."""
    return [{"actual": str(a), "predicted": str(p)} for a, p in zip(y_true, predicted, strict=True)]


def precision_recall_curves(
    y_true: np.ndarray, proba: np.ndarray, classes: list[str]
) -> dict[str, list[dict[str, float]]]:
    """One-vs-rest precision-recall curve per class, as rows DVC's linear template draws."""
    curves = {}
    for index, label in enumerate(classes):
        precision, recall, _ = precision_recall_curve(y_true == label, proba[:, index])
        curves[label] = [{"recall": _round(r), "precision": _round(p)} for p, r in zip(precision, recall, strict=True)]
    return curves
