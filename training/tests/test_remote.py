"""The DVC S3 remote, for real: push to an S3 protocol server, pull into a fresh clone."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, run
from testkit.s3 import S3Server

pytestmark = pytest.mark.slow
MODEL = "serving/app/model/model.joblib"


def remote_bucket() -> str:
    url = run([str(VENV_BIN / "dvc"), "config", "remote.s3.url"], REPOSITORY).stdout.strip()
    assert url.startswith("s3://"), url
    return url.removeprefix("s3://").split("/")[0]


def locked_md5(project: Path, path: str) -> str:
    lock = yaml.safe_load((project / "dvc.lock").read_text())
    for stage in lock["stages"].values():
        for out in stage.get("outs", []):
            if out["path"] == path:
                return str(out["md5"])
    raise AssertionError(f"{path} is not an output in dvc.lock")


@pytest.fixture(scope="module")
def pushed_project(trained_project: Path, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained project, committed with its dvc.lock, pushed to the S3 server."""
    project = tmp_path_factory.mktemp("pushed") / "project"
    shutil.copytree(trained_project, project, symlinks=True)
    dvc = str(VENV_BIN / "dvc")
    s3_server.create_bucket(remote_bucket())
    run([dvc, "remote", "modify", "s3", "endpointurl", s3_server.endpoint], project)
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "--message", "train"], project)
    pushed = run([dvc, "push"], project, env=s3_server.env)
    assert "pushed" in pushed.stdout
    return project


def clone(project: Path, destination: Path) -> Path:
    run(["git", "clone", "--quiet", str(project), str(destination)], destination.parent)
    return destination


def test_pull_into_a_fresh_clone_gets_the_locked_model(
    pushed_project: Path, s3_server: S3Server, tmp_path: Path
) -> None:
    fresh = clone(pushed_project, tmp_path / "clone")
    assert not (fresh / MODEL).exists()
    run([str(VENV_BIN / "dvc"), "pull"], fresh, env=s3_server.env)

    pulled = (fresh / MODEL).read_bytes()
    assert hashlib.md5(pulled).hexdigest() == locked_md5(fresh, MODEL)  # noqa: S324 - DVC's own checksum
    assert pulled == (pushed_project / MODEL).read_bytes()
    assert (fresh / "serving/app/model/metadata.json").read_bytes() == (
        pushed_project / "serving/app/model/metadata.json"
    ).read_bytes()
    assert "Data and pipelines are up to date." in run([str(VENV_BIN / "dvc"), "status"], fresh).stdout


def test_pull_without_credentials_fails_and_says_so(pushed_project: Path, s3_server: S3Server, tmp_path: Path) -> None:
    env = {k: v for k, v in s3_server.env.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_CONFIG_FILE=str(tmp_path / "none"))
    fresh = clone(pushed_project, tmp_path / "clone")
    result = run([str(VENV_BIN / "dvc"), "pull"], fresh, env=env, check=False)
    assert result.returncode != 0
    assert "Unable to locate credentials" in result.stderr
    assert not (fresh / MODEL).exists()
