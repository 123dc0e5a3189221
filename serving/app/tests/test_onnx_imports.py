"""The ONNX path serves without importing pandas or scikit-learn: checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import PACKAGE_DIR

SCRIPT = """
import json, sys, warnings
warnings.simplefilter("ignore")
from starlette.testclient import TestClient
from app.config import Settings
from app.main import create_app

with TestClient(create_app(Settings(model_dir=sys.argv[1], backend=sys.argv[2]))) as client:
    backend = client.get("/model").json()["backend"]
    status = client.post("/predict", json=json.loads(sys.argv[3])).status_code
heavy = sorted(name for name in ("pandas", "sklearn", "joblib", "scipy") if name in sys.modules)
print(json.dumps({"backend": backend, "status": status, "heavy": heavy}))
"""


def serve_once(model_dir: Path, backend: str, record: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(model_dir), backend, json.dumps(record)],
        cwd=PACKAGE_DIR.parent,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_onnx_backend_never_imports_pandas_or_scikit_learn(model_dir: Path, example: dict) -> None:
    assert serve_once(model_dir, "onnx", example) == {"backend": "onnx", "status": 200, "heavy": []}


@pytest.mark.slow
def test_the_check_sees_the_imports_of_the_scikit_learn_backend(model_dir: Path, example: dict) -> None:
    # The same script on the other backend: proof that the check above can fail.
    outcome = serve_once(model_dir, "sklearn", example)
    assert outcome["status"] == 200
    assert {"pandas", "sklearn"} <= set(outcome["heavy"])
