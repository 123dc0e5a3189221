import json
from pathlib import Path

import pytest

from deployment.service_deployment.image import service_image

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def image_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("image")
    (directory / "Dockerfile").write_text("FROM python:3.11-slim\nARG GIT_COMMIT\n")
    for relative in ("main.py", "model/model.onnx", "tests/test_main.py", "__pycache__/main.cpython-311.pyc"):
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_text("")
    (directory / "api" / "__pycache__").mkdir(parents=True)
    (directory / "api" / "__pycache__" / "routes.cpython-311.pyc").write_text("")
    (directory / ".venv" / "bin").mkdir(parents=True)
    return directory


@pytest.fixture(scope="module")
def docker_image(synthesize_service, image_directory):
    synthesized = synthesize_service(image_directory=image_directory)
    assets = json.loads((synthesized.outdir / f"{synthesized.stack_name}.assets.json").read_text())
    (image,) = assets["dockerImages"].values()
    return synthesized, image


def test_image_is_built_from_the_folder_with_the_commit_for_linux_amd64(docker_image):
    synthesized, image = docker_image
    assert image["source"]["dockerBuildArgs"] == {"GIT_COMMIT": synthesized.git_commit}
    assert image["source"]["platform"] == "linux/amd64"
    assert image["displayName"] == f"model-service@{synthesized.git_commit[:12]}"


def test_staged_image_context_leaves_out_tests_caches_and_virtualenvs(docker_image):
    synthesized, image = docker_image
    staged = synthesized.outdir / image["source"]["directory"]
    files = {path.relative_to(staged).as_posix() for path in staged.rglob("*") if path.is_file()}
    assert files == {"Dockerfile", "main.py", "model/model.onnx"}


def test_each_commit_is_its_own_image(synthesize_service, image_directory, docker_image):
    _, image = docker_image
    other = synthesize_service(
        {"gitCommit": "fedcba9876543210fedcba9876543210fedcba98"}, image_directory=image_directory
    )
    other_assets = json.loads((other.outdir / f"{other.stack_name}.assets.json").read_text())
    (other_image,) = other_assets["dockerImages"].values()
    assert other_image["destinations"] != image["destinations"]


def test_missing_dockerfile_is_reported_before_synthesis(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Dockerfile"):
        service_image(tmp_path, git_commit="unknown")
