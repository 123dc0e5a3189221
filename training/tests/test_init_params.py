from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_breast_cancer, load_diabetes

from testkit.project import REPOSITORY, run
from training.errors import ConfigError
from training.init_params import infer, infer_task
from training.params import load_params


def test_integer_labels_are_classes_with_a_note() -> None:
    task, note = infer_task(pd.Series([0, 1, 1, 0]), "target")
    assert task == "classification"
    assert note == (
        "task: 'target' holds 2 distinct whole numbers, taken for class labels; "
        "set data.task: regression if it is a quantity"
    )


@pytest.mark.parametrize(
    ("values", "task", "noted"),
    [
        (["a", "b", "a"], "classification", False),
        ([True, False, True], "classification", False),
        ([0.5, 1.25, 3.0], "regression", False),
        (list(range(100)), "regression", True),
    ],
)
def test_the_task_follows_the_target(values: list, task: str, noted: bool) -> None:
    inferred, note = infer_task(pd.Series(values), "y")
    assert inferred == task
    assert (note is not None) == noted


def test_columns_are_sorted_into_features_and_left_out_with_reasons() -> None:
    rows = 120
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(rows),
            "age": rng.integers(18, 90, rows),
            "income (k€)": rng.normal(50, 10, rows),
            "plan": rng.choice(["basic", "plus"], rows),
            "country": "DE",
            "comment": [f"called on day {i} about the invoice" for i in range(rows)],
            "email": [f"user{i}@example.com" for i in range(rows)],
            "empty": np.nan,
            "churned": rng.choice([True, False], rows),
        }
    )
    inference = infer(frame, "churned")
    assert inference.task == "classification"
    assert inference.numeric == ["age", "income (k€)"]
    assert inference.categorical == ["plan"]
    assert inference.notes == [
        "'customer_id': left out, identifier-like (a distinct whole number in every row)",
        "'country': left out, constant ('DE')",
        "'comment': left out, free text (values of 20+ characters on average)",
        "'email': left out, identifier-like (a distinct value in every row)",
        "'empty': left out, empty",
    ]


def test_an_unknown_target_is_named() -> None:
    with pytest.raises(ConfigError, match=r"^TARGET: column 'price' is not in the data \(it has: a\)$"):
        infer(pd.DataFrame({"a": [1, 2]}), "price")


@pytest.mark.slow
def test_the_command_writes_params_that_train(tmp_path: Path) -> None:
    load_diabetes(as_frame=True).frame.to_parquet(tmp_path / "diabetes.parquet")
    (tmp_path / "params.yaml").write_bytes((REPOSITORY / "params.yaml").read_bytes())
    command = [sys.executable, "-m", "training.init_params", "--data", "diabetes.parquet", "--target", "target"]
    result = run(command, tmp_path)
    assert result.stdout.startswith("wrote params.yaml: regression, target 'target', 10 numeric and 0 categorical")
    assert (
        "note: train.estimator: sklearn.linear_model.LogisticRegression -> sklearn.linear_model.Ridge" in result.stdout
    )
    params = load_params(tmp_path / "params.yaml")
    assert params.data.path == "diabetes.parquet"
    assert params.train.estimator == "sklearn.linear_model.Ridge"
    assert params.gate.metric == "rmse"
    assert params.prepare.seed == 42  # kept from the file it replaced
    check = run([sys.executable, "-m", "training.check"], tmp_path, check=False)
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
def test_a_classification_keeps_a_suitable_estimator(tmp_path: Path) -> None:
    load_breast_cancer(as_frame=True).frame.to_csv(tmp_path / "cancer.csv", index=False)
    (tmp_path / "params.yaml").write_bytes((REPOSITORY / "params.yaml").read_bytes())
    result = run([sys.executable, "-m", "training.init_params", "--data", "cancer.csv", "--target", "target"], tmp_path)
    assert "taken for class labels" in result.stdout
    written = yaml.safe_load((tmp_path / "params.yaml").read_text())
    assert written["train"] == yaml.safe_load((REPOSITORY / "params.yaml").read_text())["train"]
    assert len(written["data"]["numeric"]) == 30
