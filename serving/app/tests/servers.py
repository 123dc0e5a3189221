"""A real gunicorn process for tests: a free port on 127.0.0.1, bounded waits, always stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import httpx

from app.config import PACKAGE_DIR

# What `make serve` and the image run, from the folder that holds `app`.
SERVING_DIR = PACKAGE_DIR.parent
COMMAND = [str(Path(sys.executable).parent / "gunicorn"), "--config", "app/gunicorn.conf.py"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class GunicornProcess:
    def __init__(self, *, command: Sequence[str], cwd: Path, env: Mapping[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.command, self.cwd, self.log_path = list(command), cwd, log_path
        self.env = {**env, "MODEL_SERVICE_HOST": "127.0.0.1", "MODEL_SERVICE_PORT": str(self.port)}
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

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
        self._log = self.log_path.open("wb")
        # Its own session: if the master must be killed, its workers go with it.
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running().poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.running().returncode}:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn was not ready within {timeout} s:\n{self.log()[-3000:]}")

    def wait_for_log(self, text: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not logged within {timeout} s:\n{self.log()[-3000:]}")
            time.sleep(0.05)

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
        if self._log is not None:
            self._log.close()
        return self.process.returncode

    def running(self) -> subprocess.Popen[bytes]:
        assert self.process is not None, "not started"
        return self.process

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line the service wrote, parsed: each must be one JSON object."""
        return [json.loads(line) for line in self.log().splitlines() if line]

    def wait_for_log_lines(
        self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """The lines once one matches: the access line is written after the response is sent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log_lines()
            if any(wanted(line) for line in lines):
                return lines
            time.sleep(0.02)
        raise AssertionError(f"no matching log line within {timeout} s:\n{self.log()[-3000:]}")


def gunicorn(model_dir: Path, log_path: Path, **settings: str) -> GunicornProcess:
    """The production server configuration on `model_dir`, with `settings` as MODEL_SERVICE_* variables."""
    env = {**os.environ, "MODEL_SERVICE_MODEL_DIR": str(model_dir), **settings}
    return GunicornProcess(command=COMMAND, cwd=SERVING_DIR, env=env, log_path=log_path)
