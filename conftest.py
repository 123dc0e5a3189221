"""Fixtures shared by every component's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from app.tests.servers import GunicornProcess, gunicorn
from examples.workspace import build
from testkit import s3
from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, make_project_copy, run

# What training an example must leave as it was in the repository.
COMMITTED = ("params.yaml", "dvc.lock")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[s3.S3Server]:
    with s3.s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy after one from-scratch `dvc repro` (shared: treat it as read-only)."""
    project = make_project_copy(tmp_path_factory.mktemp("trained") / "project")
    run([str(VENV_BIN / "dvc"), "repro", "--quiet"], project)
    return project


@pytest.fixture(scope="session")
def serve_example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], GunicornProcess]]:
    """Train an example of examples/ in its own work folder (training.check, then dvc repro) and serve it with
    the real gunicorn, on first use; the examples' tests and the service's page tests share each one, and every
    server stops at the end of the session."""
    started: dict[str, GunicornProcess] = {}
    with ExitStack() as stack:

        def serve(name: str) -> GunicornProcess:
            if name not in started:
                committed = {file: (REPOSITORY / file).read_bytes() for file in COMMITTED}
                folder = build(name, tmp_path_factory.mktemp("work"))
                run([str(VENV_BIN / "python"), "-m", "training.check"], folder)
                run([str(VENV_BIN / "dvc"), "repro", "--quiet"], folder)
                assert committed == {file: (REPOSITORY / file).read_bytes() for file in COMMITTED}, "it wrote here"
                server = gunicorn(folder / "serving/app/model", folder / "gunicorn.log", MODEL_SERVICE_WORKERS="1")
                started[name] = stack.enter_context(server)
            return started[name]

        yield serve
