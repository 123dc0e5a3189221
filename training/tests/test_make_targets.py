"""The Makefile targets of the training half, run as a developer runs them."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, make_project_copy, project_env, run

pytestmark = pytest.mark.slow
MAKE_FILES = ("Makefile", "Pipfile", "Pipfile.lock")


def with_makefile(project: Path) -> Path:
    for name in MAKE_FILES:
        shutil.copy2(REPOSITORY / name, project / name)  # copy2 keeps mtimes: the venv stays up to date
    shutil.copytree(REPOSITORY / "make", project / "make")
    return project


def make(project: Path, *args: str) -> str:
    return run(["make", "--no-print-directory", f"VENV={VENV_BIN.parent}", *args], project).stdout


def test_help_lists_every_target_with_its_description() -> None:
    output = make(REPOSITORY, "help")
    for target in ("setup-development-pipenv", "train", "test", "serve", "lint", "dvc-remote-local", "metrics"):
        assert f" {target} " in output, target
    assert "then run the DVC pipeline" in output


def test_train_then_local_remote_round_trip(tmp_path: Path) -> None:
    project = with_makefile(make_project_copy(tmp_path / "project"))
    make(project, "train")
    model = project / "serving/app/model/model.joblib"
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    remote = tmp_path / "remote"
    make(project, "dvc-remote-local", f"DVC_LOCAL_REMOTE={remote}")
    assert "local" in (project / ".dvc/config.local").read_text()
    run([str(VENV_BIN / "dvc"), "push"], project)
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "--message", "train"], project)

    clone = tmp_path / "clone"
    run(["git", "clone", "--quiet", str(project), str(clone)], tmp_path)
    assert not (clone / ".dvc/config.local").exists(), "the local remote must not be committed"
    make(clone, "dvc-remote-local", f"DVC_LOCAL_REMOTE={remote}")
    run([str(VENV_BIN / "dvc"), "pull"], clone)
    assert hashlib.sha256((clone / "serving/app/model/model.joblib").read_bytes()).hexdigest() == digest
    # A no-op `make train` trains nothing when the pulled model matches dvc.lock.
    assert "Running stage" not in make(clone, "train")


def test_python_in_stage_commands_is_the_project_interpreter(tmp_path: Path) -> None:
    # Another `python` first on the caller's PATH, as on a machine whose system python lacks the project's packages.
    decoy = tmp_path / "decoy-bin"
    decoy.mkdir()
    (decoy / "python").write_text("#!/bin/sh\necho 'the decoy python ran' >&2\nexit 97\n")
    (decoy / "python").chmod(0o755)
    project = with_makefile(make_project_copy(tmp_path / "project"))
    (project / "dvc.yaml").write_text(
        "stages:\n  interpreter:\n"
        "    cmd: python -c 'import sys; print(sys.prefix)' > interpreter.txt\n"
        "    outs:\n      - interpreter.txt\n"
    )
    env = project_env()
    env["PATH"] = f"{decoy}{os.pathsep}{env['PATH']}"

    run(["make", "--no-print-directory", f"VENV={VENV_BIN.parent}", "train"], project, env=env)

    assert Path((project / "interpreter.txt").read_text().strip()).resolve() == VENV_BIN.parent.resolve()
