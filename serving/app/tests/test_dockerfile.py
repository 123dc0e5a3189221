"""The image, proven without a Docker engine: its dependencies, its files and its commands.

The Dockerfile is read, not restated (`dockerfile.py`): the final stage's ENV, WORKDIR, COPY, CMD and
HEALTHCHECK are replayed against a fresh virtual environment made from requirements.txt alone.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.bundle import BundleMetadata
from app.config import PACKAGE_DIR
from app.tests.dockerfile import DOCKERFILE, Stage, exec_form, instructions, stages
from app.tests.servers import GunicornProcess

CONTEXT = PACKAGE_DIR  # docker build serving/app
HADOLINT = Path(sys.executable).parent / "hadolint"


def ignored(relative: str, patterns: list[str]) -> bool:
    """.dockerignore for the forms used here: plain paths and `**/` prefixes, applying to folders too."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatchcase(prefix, pattern.rstrip("/")) for prefix in prefixes):
            return True
    return False


def dockerignore() -> list[str]:
    lines = (CONTEXT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert not any(p.startswith("!") for p in patterns), "negated patterns are not replayed by this test"
    return patterns


def copy_context(root: Path, stage: Stage) -> None:
    """Lay out the files as the stage's COPY instructions do, with `root` as the image's /."""
    patterns = dockerignore()
    for sources, target in stage.copies:
        destination = root / Path(stage.workdir).relative_to("/") / target
        for source in sources:
            for path in sorted((CONTEXT / source).resolve().rglob("*")):
                relative = path.relative_to(CONTEXT).as_posix()
                if path.is_file() and not ignored(relative, patterns):
                    (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination / relative)


@pytest.fixture(scope="module")
def runtime() -> Stage:
    return stages(DOCKERFILE.read_text())[-1]


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run([str(HADOLINT), str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False)

    assert (result.returncode, result.stdout) == (0, "")


def test_the_image_is_multi_stage_non_root_and_checks_its_health(runtime: Stage) -> None:
    all_stages = stages(DOCKERFILE.read_text())

    assert [s.name for s in all_stages] == ["lambda-adapter", "build", "runtime"]
    python_stages = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith("FROM")][1:]
    assert all("python:3.11-slim" in line for line in python_stages)
    assert runtime.instructions["USER"] not in ("root", "0", "0:0")
    assert exec_form(runtime.instructions["HEALTHCHECK"]) == ["python", "-m", "app.healthcheck"]
    assert exec_form(runtime.instructions["CMD"]) == ["gunicorn", "--config", "app/gunicorn.conf.py"]
    [install] = [run for run in all_stages[1].runs if "pip install" in run]
    assert "--require-hashes" in install
    assert "-r requirements.txt" in install


def test_lambda_finds_the_pinned_web_adapter_among_its_extensions() -> None:
    # Lambda starts every executable in /opt/extensions; elsewhere nothing reads that folder.
    froms = {
        rest.split()[-1]: rest.split()[0] for keyword, rest in instructions(DOCKERFILE.read_text()) if keyword == "FROM"
    }
    copies = [rest for keyword, rest in instructions(DOCKERFILE.read_text()) if keyword == "COPY"]

    assert re.fullmatch(r"public\.ecr\.aws/awsguru/aws-lambda-adapter:\d+\.\d+\.\d+", froms["lambda-adapter"])
    assert "--from=lambda-adapter /lambda-adapter /opt/extensions/lambda-adapter" in copies


def test_the_context_holds_code_and_model_but_no_tests(runtime: Stage, tmp_path: Path) -> None:
    copy_context(tmp_path, runtime)
    app = tmp_path / "srv" / "app"

    assert (app / "main.py").is_file()
    assert (app / "gunicorn.conf.py").is_file()
    assert (app / "model" / "model.joblib").is_file()
    assert (app / "model" / "metadata.json").is_file()
    assert not (app / "tests").exists()
    assert not list(app.rglob("__pycache__"))


@pytest.fixture(scope="session")
def image_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment from requirements.txt alone, installed the way the build stage does."""
    venv = tmp_path_factory.mktemp("image") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = [
        str(venv / "bin" / "pip"),
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--require-hashes",
        "--no-deps",
        "--only-binary=:all:",
        "-r",
        str(CONTEXT / "requirements.txt"),
    ]
    subprocess.run(install, check=True, timeout=900)
    subprocess.run([str(venv / "bin" / "pip"), "check"], check=True, timeout=120)
    return venv


@pytest.mark.slow
def test_the_image_command_serves_health_and_a_prediction(
    image_venv: Path, runtime: Stage, tmp_path: Path, metadata: BundleMetadata
) -> None:
    root = tmp_path / "image"
    copy_context(root, runtime)
    workdir = root / Path(runtime.workdir).relative_to("/")
    # The image's environment, with its venv at the test's path; nothing inherited from this one.
    env = {name: value.replace("/opt/venv", str(image_venv)) for name, value in runtime.env.items()}
    env["PATH"] = env["PATH"].replace("$PATH", "/usr/bin:/bin")
    env["HOME"] = str(tmp_path)
    command = exec_form(runtime.instructions["CMD"])  # `gunicorn` found on the image's PATH

    with GunicornProcess(command=command, cwd=workdir, env=env, log_path=tmp_path / "gunicorn.log") as server:
        health = httpx.get(f"{server.base_url}/health")
        golden = metadata.golden_records[0]
        prediction = httpx.post(f"{server.base_url}/predict", json=golden.record)
        check = subprocess.run(
            exec_form(runtime.instructions["HEALTHCHECK"]),
            cwd=workdir,
            env=server.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert (health.status_code, health.json()["model_version"]) == (200, metadata.model_version)
    assert (prediction.status_code, prediction.json()["label"]) == (200, golden.label)
    assert check.returncode == 0, check.stderr
    assert not (tmp_path / ".gunicorn").exists(), "gunicorn opened its control socket under HOME"
    # Nothing came from this checkout: the service ran from the copied files and the fresh venv.
    assert f"from {workdir / 'app' / 'model'}" in server.log()
