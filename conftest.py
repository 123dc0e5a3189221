"""Fixtures shared by every component's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit import s3
from testkit.processes import VENV_BIN
from testkit.project import make_project_copy, run


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
