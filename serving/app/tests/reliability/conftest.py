"""Reliability tests: the real gunicorn on 127.0.0.1, every process stopped at teardown, pass or fail.

The figures they measure (requests fuzzed, load held, failures across a SIGTERM or a worker
kill) are printed at the end of the run, under "reliability figures".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from app.bundle import BundleMetadata
from app.tests.servers import GunicornProcess, gunicorn

# `make fuzz` loads the deep profile; otherwise the fuzz tests use the quick one.
settings.register_profile("fuzz-quick", max_examples=100, derandomize=True)
settings.register_profile("fuzz-deep", max_examples=2000, derandomize=False)

_FIGURES = pytest.StashKey[list[str]]()


@pytest.fixture
def report_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Keep one line for the run's summary, prefixed with the test's name."""
    figures = request.config.stash.setdefault(_FIGURES, [])
    return lambda line: figures.append(f"{request.node.name}: {line}")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    figures = config.stash.get(_FIGURES, [])
    if figures:
        terminalreporter.section("reliability figures")
        for line in figures:
            terminalreporter.write_line(line)


@pytest.fixture
def start_service(model_dir: Path, tmp_path: Path) -> Iterator[Callable[..., GunicornProcess]]:
    """Start gunicorn and wait until /health answers 200; every server started is stopped at teardown."""
    started: list[GunicornProcess] = []

    def start(model: Path | None = None, **settings: str) -> GunicornProcess:
        server = gunicorn(model or model_dir, tmp_path / f"gunicorn-{len(started)}.log", **settings)
        started.append(server)
        server.start()
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def golden_records(metadata: BundleMetadata) -> list[dict[str, Any]]:
    return [dict(item.record) for item in metadata.golden_records]
