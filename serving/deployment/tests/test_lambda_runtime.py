"""The service started exactly as the Lambda function starts it, without Lambda: the image's CMD under
the image's ENV and the function's environment from a real synthesis, then the Web Adapter's own
readiness check, resolved from those variables the way adapter 0.9.1 resolves it.
"""

from pathlib import Path

import httpx
import psutil
import pytest

from app.tests.dockerfile import DOCKERFILE, exec_form, stages
from app.tests.servers import SERVING_DIR, GunicornProcess
from deployment.service_deployment.lambda_adapter import ADAPTER_PORTS, adapter_environment, readiness_url
from testkit.processes import VENV_BIN

pytestmark = pytest.mark.slow

# Stands in for the value CloudFormation resolves from Secrets Manager at deploy time.
API_KEY = "k" * 40


@pytest.fixture(scope="module")
def lambda_environment(lambda_service) -> dict[str, str]:
    """The process environment Lambda gives the image's CMD: the image's ENV, then the function's variables."""
    runtime = stages(DOCKERFILE.read_text())[-1]
    (function,) = lambda_service.template.find_resources("AWS::Lambda::Function").values()
    variables = dict(function["Properties"]["Environment"]["Variables"])
    assert isinstance(variables.pop("MODEL_SERVICE_API_KEY"), dict), "the key must be a deploy-time reference"
    env = {**runtime.env, **variables, "MODEL_SERVICE_API_KEY": API_KEY}
    # The image's virtualenv is this checkout's; everything else is exactly what the image and function set.
    env["PATH"] = env["PATH"].replace("/opt/venv/bin", str(VENV_BIN)).replace("$PATH", "/usr/bin:/bin")
    return env


def test_the_adapters_readiness_check_finds_the_service_ready_with_one_worker(lambda_environment, tmp_path: Path):
    runtime = stages(DOCKERFILE.read_text())[-1]
    env = dict(lambda_environment)
    server = GunicornProcess(
        command=exec_form(runtime.instructions["CMD"]), cwd=SERVING_DIR, env=env, log_path=tmp_path / "gunicorn.log"
    )
    # A free port for the test, in every variable that named the service's port: they must stay equal.
    image_port = env["MODEL_SERVICE_PORT"]
    server.env.update({name: str(server.port) for name in ADAPTER_PORTS if env.get(name) == image_port})
    assert server.env["MODEL_SERVICE_HOST"] == env["MODEL_SERVICE_HOST"] == "127.0.0.1"

    with server:
        ready = httpx.get(readiness_url(server.env), timeout=10)
        workers = psutil.Process(server.running().pid).children()
        without_key = httpx.post(f"{server.base_url}/predict", json={})
        golden = httpx.get(f"{server.base_url}/model", headers={"X-API-Key": API_KEY})

    assert (ready.status_code, ready.json()["status"]) == (200, "ok")
    assert len(workers) == 1
    # The function URL lets every request through: the service itself must refuse one without the key.
    assert without_key.status_code == 401
    assert golden.status_code == 200


def test_the_readiness_url_follows_the_adapters_defaults_and_fallbacks():
    assert readiness_url({}) == "http://127.0.0.1:8080/"
    assert readiness_url({"PORT": "7000"}) == "http://127.0.0.1:7000/"
    assert readiness_url(adapter_environment(port=8001)) == "http://127.0.0.1:8001/health"
