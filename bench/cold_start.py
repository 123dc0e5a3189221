"""The service started as the Lambda function starts it: how long until the Web Adapter would find it ready
and until the first prediction is answered, and what one prediction then costs in CPU and in time.

Each run starts gunicorn with the function's variables (one worker, the adapter's port and readiness
path), polls the readiness URL every 10 ms as the adapter does, then sends one golden record, then
`requests` more one after another on one connection while the worker's CPU time is read before and
after. No load generator: one request at a time is what one Lambda execution environment serves.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.bundle import BundleMetadata
from deployment.service_deployment.lambda_adapter import adapter_environment, readiness_url
from testkit.processes import VENV_BIN, free_port, stop

SERVING = Path(__file__).resolve().parents[1] / "serving"
ADAPTER_POLL_SECONDS = 0.010  # the adapter's own readiness retry interval
# Fresh processes per backend, and warm requests timed in each.
FULL = {"repeats": 5, "requests": 200}
QUICK = {"repeats": 1, "requests": 10}


@dataclass(frozen=True)
class ColdStart:
    ready_seconds: float  # process start to the first 200 from the readiness path
    # CPU the master and worker spent until then: on a busy machine, closer to an idle vCPU's wall time.
    ready_cpu_seconds: float
    first_prediction_seconds: float  # process start to the first /predict answer
    cpu_ms_per_request: float  # the worker's user + system CPU per warm /predict
    wall_ms_per_request: float  # one warm /predict on loopback, one at a time

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def lambda_env(backend: str, model_dir: Path, port: int) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("MODEL_SERVICE_", "AWS_LWA_"))}
    return {
        **inherited,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **adapter_environment(port=port),
        "MODEL_SERVICE_BACKEND": backend,
        "MODEL_SERVICE_MODEL_DIR": str(model_dir.resolve()),  # gunicorn runs from serving/
        "MODEL_SERVICE_LOG_LEVEL": "warning",
    }


def measure_once(backend: str, model_dir: Path, metadata: BundleMetadata, *, requests: int) -> ColdStart:
    env = lambda_env(backend, model_dir, free_port())
    body = json.dumps(metadata.golden_records[0].record).encode()
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - fixed command
        [str(VENV_BIN / "gunicorn"), "--config", "app/gunicorn.conf.py"],
        cwd=SERVING,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = _wait_ready(readiness_url(env), process, started) - started
        ready_cpu = _cpu_seconds(process.pid)
        connection = http.client.HTTPConnection("127.0.0.1", int(env["MODEL_SERVICE_PORT"]), timeout=30)
        _predict(connection, body)
        first_prediction = time.perf_counter() - started
        cpu_ms, wall_ms = _per_request(connection, body, process.pid, requests)
        connection.close()
    finally:
        stop(process, timeout=30)
    return ColdStart(
        round(ready, 3), round(ready_cpu, 3), round(first_prediction, 3), round(cpu_ms, 3), round(wall_ms, 3)
    )


def measure(backend: str, model_dir: Path, metadata: BundleMetadata, *, repeats: int, requests: int) -> dict[str, Any]:
    """Each figure is the median over `repeats` fresh processes."""
    runs = [measure_once(backend, model_dir, metadata, requests=requests) for _ in range(repeats)]
    medians = {name: round(statistics.median(getattr(run, name) for run in runs), 3) for name in runs[0].as_dict()}
    return {**medians, "repeats": repeats, "requests": requests}


def _wait_ready(url: str, process: subprocess.Popen[bytes], started: float, timeout: float = 60.0) -> float:
    # Polling is what is measured here: the adapter retries this URL every 10 ms until it answers 200.
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode} before it was ready")
        try:
            # Once gunicorn listens, a request waits in its backlog until the worker, model loaded, answers.
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return time.perf_counter()
        except OSError:  # refused before gunicorn listens; reset if it dies
            pass
        time.sleep(ADAPTER_POLL_SECONDS)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:g} s")


def _cpu_seconds(master: int) -> float:
    import psutil

    processes = [psutil.Process(master), *psutil.Process(master).children(recursive=True)]
    return float(sum(times.user + times.system for times in (process.cpu_times() for process in processes)))


def _predict(connection: http.client.HTTPConnection, body: bytes) -> None:
    connection.request("POST", "/predict", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    if response.status != 200:
        raise RuntimeError(f"/predict answered {response.status}: {payload[:200]!r}")


def _per_request(
    connection: http.client.HTTPConnection, body: bytes, master: int, requests: int
) -> tuple[float, float]:
    import psutil

    (worker,) = psutil.Process(master).children()
    before = worker.cpu_times()
    started = time.perf_counter()
    for _ in range(requests):
        _predict(connection, body)
    wall = time.perf_counter() - started
    after = worker.cpu_times()
    cpu = (after.user - before.user) + (after.system - before.system)
    return 1000 * cpu / requests, 1000 * wall / requests


def render_markdown(results: dict[str, dict[str, Any]]) -> str:
    """The table the README's cost section quotes."""
    lines = [
        "",
        "Started as on AWS Lambda (1 worker, the adapter's readiness check on /health), "
        "one request at a time; medians of fresh processes:",
        "",
        "| backend | ready (first 200 /health) | CPU until ready | first /predict answered "
        "| CPU per /predict | time per /predict |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for backend, figures in results.items():
        lines.append(
            f"| {backend} | {figures['ready_seconds']:.2f} s | {figures['ready_cpu_seconds']:.2f} s "
            f"| {figures['first_prediction_seconds']:.2f} s "
            f"| {figures['cpu_ms_per_request']:.2f} ms | {figures['wall_ms_per_request']:.2f} ms |"
        )
    return "\n".join(lines) + "\n"
