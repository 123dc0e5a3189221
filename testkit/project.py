"""Throw-away copies of the project's pipeline, as git repositories, for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from examples.workspace import copy_pipeline
from testkit.processes import VENV_BIN

REPOSITORY = Path(__file__).resolve().parents[1]
# Besides the pipeline and its code (examples.workspace.copy_pipeline): the repository's own
# params, DVC config, ignores and default data, as a from-scratch `dvc repro` here needs them.
PROJECT_FILES = ("params.yaml", ".dvc/config", ".gitignore", "data/raw/penguins.csv")


# Tests run `make` as a developer would from a shell, even when the suite itself runs under `make test`.
MAKE_RECURSION_VARIABLES = frozenset({"MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"})


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env or project_env(), capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def project_env(**extra: str) -> dict[str, str]:
    """The environment `make` gives stage commands: the project's interpreter first on PATH."""
    inherited = {name: value for name, value in os.environ.items() if name not in MAKE_RECURSION_VARIABLES}
    return {
        **inherited,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DVC_NO_ANALYTICS": "1",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        **extra,
    }


def make_project_copy(destination: Path) -> Path:
    """A new git repository holding this working tree's pipeline, with no outputs and no cache."""
    destination.mkdir(parents=True)
    copy_pipeline(destination)
    for name in PROJECT_FILES:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPOSITORY / name, destination / name)
    run(["git", "init", "--quiet", "--initial-branch", "main"], destination)
    run(["git", "add", "--all"], destination)
    run(["git", "commit", "--quiet", "--message", "pipeline"], destination)
    return destination
