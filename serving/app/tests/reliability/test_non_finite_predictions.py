"""A backend that returns NaN or infinity never turns into a 500: the records are named in a 422.

In process, with a backend that misbehaves on purpose, so that the guard stays tested whatever
the real backends do with extreme numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from starlette.testclient import TestClient

from app.bundle import Label, TargetStatistics
from app.config import Settings
from app.main import create_app
from app.predictor.model import Predictor
from app.predictor.records import Record

POISON = -1.0  # the value of bill_length_mm that makes the backend overflow
STATISTICS = TargetStatistics(mean=1.0, std=1.0, min=0.0, max=2.0)


class OverflowingBackend:
    name = "overflowing"
    blocking = False

    def __init__(self, classes: Sequence[Label]) -> None:
        self.classes = tuple(classes)

    def predict(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        certain = [1.0] + [0.0] * (len(self.classes) - 1)
        rows = [[np.nan] * len(self.classes) if r["bill_length_mm"] == POISON else certain for r in records]
        return np.array(rows, dtype=np.float64)


@pytest.fixture(scope="module")
def overflowing(model_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(model_dir=model_dir))) as client:
        state = client.app.state.service  # type: ignore[attr-defined]
        metadata = state.predictor.metadata
        state.serve(Predictor(metadata=metadata, backend=OverflowingBackend(metadata.classes or []), max_batch=1000))
        yield client


def test_one_record_with_non_finite_probabilities_is_a_422(overflowing: TestClient, example: dict) -> None:
    response = overflowing.post("/predict", json={**example, "bill_length_mm": POISON})

    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "prediction_not_finite",
                "loc": ["body"],
                "msg": "The model's probabilities for this record are not finite numbers; "
                "a number far outside the training range overflows the model's arithmetic",
            }
        ]
    }


def test_a_batch_names_each_record_with_non_finite_probabilities(overflowing: TestClient, example: dict) -> None:
    records = [example, {**example, "bill_length_mm": POISON}, example, {**example, "bill_length_mm": POISON}]

    response = overflowing.post("/predict/batch", json={"records": records})

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "records", 1], ["body", "records", 3]]


def test_finite_probabilities_pass(overflowing: TestClient, example: dict) -> None:
    assert overflowing.post("/predict", json=example).status_code == 200


class OverflowingRegressor:
    name = "overflowing"
    blocking = False
    classes = ()

    def predict(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        return np.array([np.inf if r["bill_length_mm"] == POISON else 1.5 for r in records], dtype=np.float64)


@pytest.fixture(scope="module")
def overflowing_regressor(model_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(model_dir=model_dir))) as client:
        state = client.app.state.service  # type: ignore[attr-defined]
        regression = state.predictor.metadata.model_copy(
            update={"task": "regression", "classes": None, "target_statistics": STATISTICS}
        )
        state.serve(Predictor(metadata=regression, backend=OverflowingRegressor(), max_batch=1000))
        yield client


def test_a_non_finite_value_is_a_422_naming_the_prediction(overflowing_regressor: TestClient, example: dict) -> None:
    response = overflowing_regressor.post("/predict", json={**example, "bill_length_mm": POISON})

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "prediction_not_finite",
            "loc": ["body"],
            "msg": "The model's prediction for this record is not a finite number; "
            "a number far outside the training range overflows the model's arithmetic",
        }
    ]


def test_a_batch_names_each_record_with_a_non_finite_value(overflowing_regressor: TestClient, example: dict) -> None:
    records = [example, {**example, "bill_length_mm": POISON}]

    response = overflowing_regressor.post("/predict/batch", json={"records": records})

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "records", 1]]
    assert overflowing_regressor.post("/predict/batch", json={"records": [example]}).json()["predictions"] == [
        {"prediction": 1.5, "warnings": []}
    ]
