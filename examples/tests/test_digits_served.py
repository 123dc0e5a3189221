"""The digits example served by the real gunicorn: pictures of its test split over HTTP, the body limit,
and the README's upload commands run as written."""

from __future__ import annotations

import collections
import itertools
import json
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from app.config import PACKAGE_DIR, Settings
from app.tests.servers import GunicornProcess
from examples.digits.picture import encode, render
from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, run

pytestmark = pytest.mark.slow

# Scaled up to 64 and 280 pixels, dark-on-light and light-on-dark, PNG and JPEG.
VARIANTS = list(itertools.product((64, 280), (True, False), ("PNG", "JPEG")))
READMES = (REPOSITORY / "README.md", PACKAGE_DIR / "README.md")


@pytest.fixture(scope="module")
def digits(serve_example: Callable[[str], GunicornProcess]) -> GunicornProcess:
    return serve_example("digits")


def held_out_of(served: GunicornProcess) -> pd.DataFrame:
    """The test split the served model was evaluated on, as the prepare stage wrote it."""
    project = Path(served.env["MODEL_SERVICE_MODEL_DIR"]).parents[2]
    return pd.read_parquet(project / "data/prepared/test.parquet")


def test_pictures_of_the_test_split_are_predicted_right(digits: GunicornProcess) -> None:
    test = held_out_of(digits)
    pixels, labels = test.drop(columns="digit").to_numpy(), test["digit"].to_numpy()
    right: dict[tuple[int, bool, str], list[bool]] = collections.defaultdict(list)
    with httpx.Client(base_url=digits.base_url, timeout=30) as client:
        for row, (size, dark_on_light, image_format) in zip(range(len(labels)), itertools.cycle(VARIANTS)):
            body = encode(render(pixels[row], size=size, dark_on_light=dark_on_light), image_format)
            media_type = f"image/{image_format.lower()}"
            # Every other picture as a multipart file field, as a browser form or `curl -F` sends it.
            if row % 2:
                response = client.post("/predict/image", files={"image": ("digit", body, media_type)})
            else:
                response = client.post("/predict/image", content=body, headers={"Content-Type": media_type})
            assert response.status_code == 200, response.text
            right[size, dark_on_light, image_format].append(response.json()["label"] == labels[row])

    accuracy = {variant: float(np.mean(outcomes)) for variant, outcomes in right.items()}
    overall = float(np.mean([outcome for outcomes in right.values() for outcome in outcomes]))
    assert overall >= 0.9, accuracy
    assert min(accuracy.values()) >= 0.85, accuracy


def test_the_image_route_has_its_own_body_limit(digits: GunicornProcess) -> None:
    limit = Settings.model_fields["max_image_bytes"].default
    json_limit = Settings.model_fields["max_body_bytes"].default
    with httpx.Client(base_url=digits.base_url, timeout=30) as client:
        too_large = client.post("/predict/image", content=b"\0" * (limit + 1), headers={"Content-Type": "image/png"})
        # Over the JSON routes' limit, under the image route's: read, and refused for what it is.
        not_an_image = b"\0" * (json_limit * 2)
        accepted = client.post("/predict/image", content=not_an_image, headers={"Content-Type": "image/png"})
        as_json = client.post("/predict", content=not_an_image, headers={"Content-Type": "application/json"})

    assert (too_large.status_code, too_large.json()) == (
        413,
        {"detail": f"request body is larger than the limit of {limit} bytes"},
    )
    assert (accepted.status_code, accepted.json()) == (415, {"detail": "the picture is not a PNG, JPEG or WebP image"})
    assert as_json.status_code == 413


def documented_uploads() -> list[tuple[str, str, dict]]:
    """(the command that writes the picture, the curl upload after it, its documented answer) from the READMEs."""
    found = []
    for readme in READMES:
        for block in re.findall(r"```bash\n(.*?)```", readme.read_text(), flags=re.DOTALL):
            write = ""
            lines = block.splitlines()
            for number, line in enumerate(lines):
                if "examples.digits.picture" in line:
                    write = line.split("  #")[0].strip()
                elif line.startswith("curl") and "/predict/image" in line:
                    answer = lines[number + 1].removeprefix("# ") if number + 1 < len(lines) else "{}"
                    found.append((write, line.split("  #")[0], json.loads(answer)))
    return found


def test_the_readme_upload_commands_answer_as_documented(digits: GunicornProcess, tmp_path: Path) -> None:
    uploads = documented_uploads()
    assert len(uploads) >= 3, uploads

    for write, curl, documented in uploads:
        assert write, f"no command writes the picture for: {curl}"
        run([str(VENV_BIN / "python"), *shlex.split(write)[1:]], tmp_path)
        command = shlex.split(curl.replace("http://127.0.0.1:8000", digits.base_url))
        answer = json.loads(subprocess.run(command, cwd=tmp_path, capture_output=True, check=True, timeout=60).stdout)

        assert (answer["label"], answer["warnings"]) == (documented["label"], documented["warnings"]), curl
        assert list(answer) == list(documented) == ["label", "probabilities", "warnings", "model_version"]


def test_make_serve_serves_the_example_it_trains() -> None:
    command = ["make", "--no-print-directory", "--dry-run", f"VENV={VENV_BIN.parent}", "serve", "EXAMPLE=digits"]

    plan = run(command, REPOSITORY).stdout

    assert 'python -m examples.workspace "digits"' in plan
    assert f'MODEL_SERVICE_MODEL_DIR="{REPOSITORY}/.work/examples/digits/serving/app/model"' in plan


def test_make_serve_takes_another_port() -> None:
    # Reported from the field: the recipe set the port itself, so MODEL_SERVICE_PORT=8011 was overridden.
    command = ["make", "--no-print-directory", "--dry-run", f"VENV={VENV_BIN.parent}", "serve", "PORT=8011"]

    plan = run(command, REPOSITORY).stdout

    assert "MODEL_SERVICE_HOST=127.0.0.1 MODEL_SERVICE_PORT=8011 " in plan
