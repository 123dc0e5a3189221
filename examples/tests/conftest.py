"""Examples trained in their own work folders by `dvc repro`, then served by the real gunicorn, once per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from app.tests.servers import GunicornProcess, gunicorn
from examples.workspace import build
from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, run

COMMITTED = ("params.yaml", "dvc.lock")


@pytest.fixture(scope="session")
def serve_example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], GunicornProcess]]:
    """Train (training.check, then dvc repro) and serve an example on first use; every server stops at the end."""
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
