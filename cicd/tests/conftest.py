"""A real model service for the smoke-test rehearsals: gunicorn from this repository's serving/app code."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from testkit.processes import VENV_BIN, OutputFollower, free_port
from testkit.project import REPOSITORY

SERVING = REPOSITORY / "serving"


@contextmanager
def model_service(model_dir: Path, log: Path, api_key: str | None = None) -> Iterator[str]:
    """Serve `model_dir` on a free loopback port; yields the base URL; stopped on exit, pass or fail."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("MODEL_SERVICE_") and name != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(
        MODEL_SERVICE_MODEL_DIR=str(model_dir),
        MODEL_SERVICE_HOST="127.0.0.1",
        MODEL_SERVICE_PORT=str(port),
        MODEL_SERVICE_WORKERS="1",
        **({"MODEL_SERVICE_API_KEY": api_key} if api_key else {}),
    )
    # Its own session: should the master need killing, its worker goes with it.
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", "app/gunicorn.conf.py"],
        cwd=SERVING,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    output = OutputFollower(process.stdout, copy_to=log)
    try:
        output.wait_for_text(f"Listening at: http://127.0.0.1:{port}", timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)
        output.join(timeout=10)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def serve(tmp_path: Path) -> Callable[..., AbstractContextManager[str]]:
    def start(model_dir: Path, api_key: str | None = None) -> AbstractContextManager[str]:
        return model_service(model_dir, tmp_path / "gunicorn.log", api_key=api_key)

    return start
