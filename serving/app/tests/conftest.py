"""Shared fixtures. The real model artifacts come from `make train` (the `test` target trains first)."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.bundle import METADATA_FILE, BundleMetadata, read_metadata
from app.config import ENV_PREFIX, PACKAGE_DIR, Settings
from app.main import create_app
from app.predictor.model import Predictor, load_predictor
from app.tests.servers import GunicornProcess, gunicorn

with warnings.catch_warnings():
    # starlette 1.10 asks for httpx2, which Pipfile.lock does not have yet; drop this with httpx2 locked.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

MODEL_DIR = PACKAGE_DIR / "model"


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment() -> Iterator[None]:
    # The developer's own MODEL_SERVICE_* variables must not change what the tests see.
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.upper().startswith(ENV_PREFIX) or name.upper() == "PROMETHEUS_MULTIPROC_DIR":
                patch.delenv(name)
        yield


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the trained artifacts: a `dvc repro` running meanwhile cannot change them under the tests."""
    missing = [name for name in (METADATA_FILE, "model.joblib") if not (MODEL_DIR / name).is_file()]
    if missing:
        pytest.fail(f"{MODEL_DIR} lacks {', '.join(missing)}: run `make train` first")
    return Path(shutil.copytree(MODEL_DIR, tmp_path_factory.mktemp("artifacts") / "model"))


@pytest.fixture(scope="session")
def metadata(model_dir: Path) -> BundleMetadata:
    return read_metadata(model_dir)


@pytest.fixture(scope="session")
def example(metadata: BundleMetadata) -> dict[str, Any]:
    return dict(metadata.example)


@pytest.fixture(scope="session")
def predictor(model_dir: Path) -> Predictor:
    return load_predictor(model_dir, max_batch=1000)


@pytest.fixture
def model_copy(model_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the artifacts, for tests that tamper with them."""
    return Path(shutil.copytree(model_dir, tmp_path / "model"))


@pytest.fixture(scope="session")
def make_settings(model_dir: Path) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        return Settings(**{"model_dir": model_dir, **overrides})

    return build


def rewrite_metadata(model_dir: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Tamper with metadata.json as raw JSON: what is tested is how its readers take a bad one."""
    path = model_dir / METADATA_FILE
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


@pytest.fixture(scope="session")
def edit_metadata() -> Callable[[Path, Callable[[dict[str, Any]], None]], None]:
    return rewrite_metadata


@pytest.fixture(scope="module")
def client(model_dir: Path) -> Iterator[TestClient]:
    """The service with default settings and the real model, shared by a test module."""
    with TestClient(create_app(Settings(model_dir=model_dir))) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def open_client(make_settings: Callable[..., Settings]) -> Callable[..., TestClient]:
    """A client for other settings; enter it (`with open_client(...) as client:`) to run the lifespan."""

    def build(**overrides: Any) -> TestClient:
        return TestClient(create_app(make_settings(**overrides)))

    return build


@pytest.fixture(scope="module")
def module_service(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornProcess]:
    """One real gunicorn with the production defaults (2 workers), shared by a module's tests."""
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with gunicorn(model_dir, log_path, MODEL_SERVICE_WORKERS="2") as server:
        yield server
