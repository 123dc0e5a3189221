"""A real gunicorn process for tests: a free port on 127.0.0.1, bounded waits, always stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from app.config import PACKAGE_DIR
from testkit.processes import OutputFollower, free_port

# What `make serve` and the image run, from the folder that holds `app`.
SERVING_DIR = PACKAGE_DIR.parent
COMMAND = [str(Path(sys.executable).parent / "gunicorn"), "--config", "app/gunicorn.conf.py"]
# uvicorn logs it once a worker's lifespan startup is done; the worker accepts connections right after.
READY_MESSAGE = "Application startup complete."


class GunicornProcess:
    def __init__(self, *, command: Sequence[str], cwd: Path, env: Mapping[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.command, self.cwd, self.log_path = list(command), cwd, log_path
        self.env = {**env, "MODEL_SERVICE_HOST": "127.0.0.1", "MODEL_SERVICE_PORT": str(self.port)}
        self.process: subprocess.Popen[bytes] | None = None
        self.output: OutputFollower | None = None

    def __enter__(self) -> GunicornProcess:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        # Its own session: if the master must be killed, its workers go with it.
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        self.output = OutputFollower(self.process.stdout, copy_to=self.log_path)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until a worker has logged the end of its lifespan (model loaded, golden records replayed), then
        /health must answer 200: the worker accepts connections from then on."""
        self.wait_for_log_lines(lambda line: line.get("message") == READY_MESSAGE, timeout=timeout)
        response = httpx.get(f"{self.base_url}/health", timeout=10.0)
        assert response.status_code == 200, f"/health answered {response.status_code} after {READY_MESSAGE!r}"

    def wait_for_log(self, text: str, timeout: float = 20.0) -> None:
        self.following().wait_for_text(text, timeout=timeout)

    def wait_exit(self, timeout: float = 30.0) -> int:
        return self.running().wait(timeout)

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if self.output is not None:
            self.output.join(10)
        return self.process.returncode

    def running(self) -> subprocess.Popen[bytes]:
        assert self.process is not None, "not started"
        return self.process

    def following(self) -> OutputFollower:
        assert self.output is not None, "not started"
        return self.output

    def log(self) -> str:
        return self.output.text() if self.output is not None else ""

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line the service wrote, parsed: each must be one JSON object."""
        return [json.loads(line) for line in self.log().splitlines() if line]

    def wait_for_log_lines(
        self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """The parsed lines once one matches, woken by each line the service writes (an access line is
        written after its response is sent)."""
        lines = self.following().wait_until(
            lambda lines: any(wanted(parsed) for parsed in map(_parsed, lines)),
            timeout=timeout,
            what="a matching log line",
        )
        return [parsed for parsed in map(_parsed, lines) if parsed]


def _parsed(line: str) -> dict[str, Any]:
    try:
        parsed = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def gunicorn(model_dir: Path, log_path: Path, **settings: str) -> GunicornProcess:
    """The production server configuration on `model_dir`, with `settings` as MODEL_SERVICE_* variables."""
    env = {**os.environ, "MODEL_SERVICE_MODEL_DIR": str(model_dir), **settings}
    return GunicornProcess(command=COMMAND, cwd=SERVING_DIR, env=env, log_path=log_path)
