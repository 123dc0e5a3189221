"""Benchmark the service under gunicorn's production configuration, for both backends, and batch
scoring (`make score` against a plain pandas script; bench/batch_scoring.py).

Writes bench/results.json and bench/results.md. Every figure is the median of the profile's repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.bundle import BundleMetadata, read_metadata
from bench import batch_scoring, cold_start
from bench.load import LoadResult, median, median_result, run_load
from bench.report import render_markdown
from testkit.processes import VENV_BIN, stop

REPOSITORY = Path(__file__).resolve().parents[1]
SERVING = REPOSITORY / "serving"
SUITES = ("service", "batch-scoring")


@dataclass(frozen=True)
class Profile:
    repeats: int
    single_requests: dict[str, int]  # per backend
    batch_requests: dict[str, int]
    trivial_requests: int
    warm_up_requests: int
    batch_size: int = 100


FULL = Profile(
    repeats=3,
    single_requests={"onnx": 6000, "sklearn": 1500},
    batch_requests={"onnx": 600, "sklearn": 150},
    trivial_requests=6000,
    warm_up_requests=200,
)
# The fewest requests that still give every concurrency level one request per connection.
QUICK = Profile(
    repeats=1,
    single_requests={"onnx": 64, "sklearn": 64},
    batch_requests={"onnx": 8, "sklearn": 8},
    trivial_requests=64,
    warm_up_requests=16,
)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    cold_start_seconds: float


@contextmanager
def serve(backend: str, model_dir: Path) -> Iterator[Server]:
    # The listening socket exists before gunicorn starts, which takes it over as fd://: a request sent at
    # once waits in its queue until the first worker, model loaded and golden records replayed, accepts it.
    # The cold start is that one request's answer, not the next tick of a polling loop.
    listener = socket.create_server(("127.0.0.1", 0), backlog=2048)
    port = int(listener.getsockname()[1])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MODEL_SERVICE_")},
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "MODEL_SERVICE_BACKEND": backend,
        "MODEL_SERVICE_MODEL_DIR": str(model_dir),
        "MODEL_SERVICE_LOG_LEVEL": "warning",
    }
    started = time.perf_counter()
    with listener:
        process = subprocess.Popen(  # noqa: S603 - fixed command
            [str(VENV_BIN / "gunicorn"), "--config", "app/gunicorn.conf.py", "--bind", f"fd://{listener.fileno()}"],
            cwd=SERVING,
            env=env,
            pass_fds=(listener.fileno(),),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    # Only gunicorn holds the socket now: should it die, the waiting request is reset instead of hanging.
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, process)
        yield Server(process, base_url, time.perf_counter() - started)
    finally:
        stop(process, timeout=30)


def wait_until_ready(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """One /health request, answered once a worker is ready (see `serve`)."""
    try:
        with urllib.request.urlopen(f"{base_url}/health", timeout=timeout) as response:  # noqa: S310 - loopback
            status = response.status
    except OSError as exc:
        exited = process.poll()
        raise RuntimeError(
            f"the service exited with {exited} before it was ready"
            if exited is not None
            else f"{base_url}/health: {exc}"
        ) from exc
    if status != 200:
        raise RuntimeError(f"{base_url}/health answered {status} when first served")


def worker_rss_mb(master_pid: int) -> list[float]:
    import psutil

    return [round(child.memory_info().rss / 2**20, 1) for child in psutil.Process(master_pid).children()]


def write_bodies(folder: Path, metadata: BundleMetadata, batch_size: int) -> tuple[Path, Path]:
    records = [golden.record for golden in metadata.golden_records]
    single, batch = folder / "single.json", folder / "batch.json"
    single.write_text(json.dumps(records[0]))
    batch.write_text(json.dumps({"records": [records[i % len(records)] for i in range(batch_size)]}))
    return single, batch


def measure_backend(backend: str, model_dir: Path, bodies: tuple[Path, Path], profile: Profile) -> dict[str, Any]:
    single, batch = bodies
    cold_starts: list[float] = []
    runs: dict[str, list[LoadResult]] = {"trivial_c64": [], "single_c16": [], "single_c64": [], "batch_c4": []}
    rss: list[float] = []
    for _ in range(profile.repeats):
        with serve(backend, model_dir) as server:
            cold_starts.append(server.cold_start_seconds)
            run_load(f"{server.base_url}/predict", requests=profile.warm_up_requests, concurrency=8, body=single)
            runs["trivial_c64"].append(
                run_load(f"{server.base_url}/livez", requests=profile.trivial_requests, concurrency=64)
            )
            n = profile.single_requests[backend]
            runs["single_c16"].append(run_load(f"{server.base_url}/predict", requests=n, concurrency=16, body=single))
            runs["single_c64"].append(run_load(f"{server.base_url}/predict", requests=n, concurrency=64, body=single))
            runs["batch_c4"].append(
                run_load(
                    f"{server.base_url}/predict/batch",
                    requests=profile.batch_requests[backend],
                    concurrency=4,
                    body=batch,
                )
            )
            rss.extend(worker_rss_mb(server.process.pid))
    results = {name: median_result(values).as_dict() for name, values in runs.items()}
    results["batch_c4"]["rows_per_second"] = round(results["batch_c4"]["requests_per_second"] * profile.batch_size, 1)
    return {
        "cold_start_seconds": round(median(cold_starts), 3),
        "worker_rss_mb_max": max(rss),
        "loads": results,
    }


def machine() -> dict[str, Any]:
    import psutil

    return {
        "date": datetime.now(UTC).date().isoformat(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--model-dir", type=Path, default=SERVING / "app/model")
    cli.add_argument("--out", type=Path, default=REPOSITORY / "bench")
    cli.add_argument("--suites", nargs="+", choices=SUITES, default=list(SUITES), help="what to measure")
    cli.add_argument("--backends", nargs="+", default=["onnx", "sklearn"], help="the service's backends")
    cli.add_argument("--quick", action="store_true", help="tiny workloads: checks the harness, not the service")
    args = cli.parse_args(argv)
    metadata = read_metadata(args.model_dir)
    results: dict[str, Any] = {"machine": machine(), "model_version": metadata.model_version}
    with tempfile.TemporaryDirectory() as scratch:
        if "service" in args.suites:
            profile = QUICK if args.quick else FULL
            bodies = write_bodies(Path(scratch), metadata, profile.batch_size)
            results["repeats"] = profile.repeats
            results["backends"] = {
                name: measure_backend(name, args.model_dir, bodies, profile) for name in args.backends
            }
            # The same service as AWS Lambda starts it: one worker, its own cold start each time (bench/cold_start.py).
            lambda_runs = cold_start.QUICK if args.quick else cold_start.FULL
            results["lambda"] = {
                name: cold_start.measure(name, args.model_dir, metadata, **lambda_runs) for name in args.backends
            }
        if "batch-scoring" in args.suites:
            scoring = batch_scoring.QUICK if args.quick else batch_scoring.FULL
            results["batch_scoring"] = batch_scoring.measure(scoring, args.model_dir, Path(scratch))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    markdown = render_markdown(results) + (cold_start.render_markdown(results["lambda"]) if "lambda" in results else "")
    (args.out / "results.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
