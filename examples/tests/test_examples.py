"""Each example trains in its own work folder and is served by the real gunicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.bundle import read_metadata
from app.tests.servers import GunicornProcess, gunicorn
from examples.workspace import build, names
from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, run

pytestmark = pytest.mark.slow


def test_every_example_is_listed() -> None:
    assert names() == ["diabetes", "iris"]


@pytest.fixture(scope="module", params=names())
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornProcess]:
    committed = {name: (REPOSITORY / name).read_bytes() for name in ("params.yaml", "dvc.lock")}
    folder = build(request.param, tmp_path_factory.mktemp("work"))
    run([str(VENV_BIN / "python"), "-m", "training.check"], folder)
    run([str(VENV_BIN / "dvc"), "repro", "--quiet"], folder)
    assert committed == {name: (REPOSITORY / name).read_bytes() for name in committed}, "the example wrote here"
    with gunicorn(folder / "serving/app/model", folder / "gunicorn.log", MODEL_SERVICE_WORKERS="1") as server:
        yield server


def test_the_example_serves_its_own_model(served: GunicornProcess) -> None:
    model_dir = Path(served.env["MODEL_SERVICE_MODEL_DIR"])
    bundle = read_metadata(model_dir)
    assert httpx.get(f"{served.base_url}/health").json() == {"status": "ok", "model_version": bundle.model_version}
    response = httpx.post(f"{served.base_url}/predict", json=bundle.example)
    assert response.status_code == 200, response.text
    body = response.json()
    if bundle.task == "classification":
        assert bundle.estimator == "sklearn.neighbors.KNeighborsClassifier"
        assert bundle.hyperparameters == {"n_neighbors": 3}
        assert body["label"] in {"setosa", "versicolor", "virginica"}
        assert sum(body["probabilities"].values()) == pytest.approx(1.0)
        assert bundle.metrics["accuracy"] >= 0.9
    else:
        assert bundle.estimator == "sklearn.linear_model.Ridge"
        assert isinstance(body["prediction"], float)
        assert bundle.metrics["rmse"] < bundle.metrics["baseline"]["rmse"]
