"""Each example trains in its own work folder and is served by the real gunicorn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.bundle import read_metadata
from app.tests.servers import GunicornProcess
from examples.workspace import EXAMPLES, names
from training.params import load_params

pytestmark = pytest.mark.slow

# The least each classifier must score on its test split.
MINIMUM_ACCURACY = {"digits": 0.95, "iris": 0.9}


def test_every_example_is_listed() -> None:
    assert names() == ["diabetes", "digits", "iris"]


@pytest.mark.parametrize("name", names())
def test_the_example_serves_its_own_model(name: str, serve_example: Callable[[str], GunicornProcess]) -> None:
    served = serve_example(name)
    bundle = read_metadata(Path(served.env["MODEL_SERVICE_MODEL_DIR"]))
    assert httpx.get(f"{served.base_url}/health").json() == {"status": "ok", "model_version": bundle.model_version}

    response = httpx.post(f"{served.base_url}/predict", json=bundle.example)

    assert response.status_code == 200, response.text
    body = response.json()
    train = load_params(EXAMPLES / name / "params.yaml").train
    assert (bundle.estimator, bundle.hyperparameters) == (train.estimator, train.hyperparameters)
    if bundle.task == "classification":
        assert body["label"] in bundle.classes  # type: ignore[operator]
        assert sum(body["probabilities"].values()) == pytest.approx(1.0)
        assert bundle.metrics["accuracy"] >= MINIMUM_ACCURACY[name]
    else:
        assert isinstance(body["prediction"], float)
        assert bundle.metrics["rmse"] < bundle.metrics["baseline"]["rmse"]
    assert (bundle.image_input is not None) is (name == "digits")
