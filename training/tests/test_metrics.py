from __future__ import annotations

import numpy as np
import pytest

from training.metrics import (
    classification_metrics,
    confusion_rows,
    precision_recall_curves,
    prediction_rows,
    regression_metrics,
)

CLASSES = ["a", "b"]
Y_TRUE = np.array(["a", "a", "a", "b"], dtype=object)
# Predicts a, a, b, b: one "a" mistaken for "b".
PROBA = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])


def test_classification_metrics_match_hand_computed_values() -> None:
    scores = classification_metrics(Y_TRUE, PROBA, CLASSES)
    assert scores["accuracy"] == 0.75
    # F1(a) = 2*1*(2/3)/(1+2/3) = 0.8, F1(b) = 2*0.5*1/1.5 = 2/3
    assert scores["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2, abs=1e-6)
    assert scores["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.7])), abs=1e-6)
    assert scores["per_class"]["a"] == {"precision": 1.0, "recall": pytest.approx(0.666667), "support": 3}
    assert scores["per_class"]["b"] == {"precision": 0.5, "recall": 1.0, "support": 1}
    assert scores["baseline"] == {"majority_class": "a", "accuracy": 0.75}
    assert scores["test_rows"] == 4


def test_confusion_rows_pair_actual_and_predicted() -> None:
    predicted = np.array(["a", "a", "b", "b"], dtype=object)
    assert confusion_rows(Y_TRUE, predicted)[2] == {"actual": "a", "predicted": "b"}


def test_precision_recall_curve_runs_from_full_recall_to_full_precision() -> None:
    curves = precision_recall_curves(Y_TRUE, PROBA, CLASSES)
    assert set(curves) == {"a", "b"}
    # At the lowest threshold all four are called "b", one rightly.
    assert curves["b"][0] == {"recall": 1.0, "precision": 0.25}
    assert curves["b"][-1] == {"recall": 0.0, "precision": 1.0}


def test_typed_labels_are_keyed_as_json() -> None:
    scores = classification_metrics(np.array([0, 1, 1, 1], dtype=object), PROBA, [0, 1])
    assert set(scores["per_class"]) == {"0", "1"}
    assert scores["baseline"]["majority_class"] == "1"


def test_regression_metrics_match_hand_computed_values() -> None:
    y_true = np.array([1.0, 2.0, 3.0, 4.0])
    predicted = np.array([1.0, 2.0, 3.0, 6.0])
    scores = regression_metrics(y_true, predicted, train_mean=2.0)
    assert scores["rmse"] == 1.0  # sqrt((0 + 0 + 0 + 4) / 4)
    assert scores["mae"] == 0.5
    assert scores["r2"] == pytest.approx(1 - 4 / 5, abs=1e-6)
    # Predicting 2.0 everywhere: errors 1, 0, 1, 2.
    assert scores["baseline"] == {
        "prediction": 2.0,
        "rmse": pytest.approx(np.sqrt(6 / 4), abs=1e-6),
        "mae": 1.0,
        "r2": pytest.approx(1 - 6 / 5, abs=1e-6),
    }
    assert scores["test_rows"] == 4


def test_prediction_rows_carry_the_residual() -> None:
    rows = prediction_rows(np.array([3.0, 1.0]), np.array([2.5, 1.5]))
    assert rows == [
        {"actual": 3.0, "predicted": 2.5, "residual": 0.5},
        {"actual": 1.0, "predicted": 1.5, "residual": -0.5},
    ]
