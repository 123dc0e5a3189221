"""Starting and stopping real servers on loopback for tests and benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OutputFollower:
    """A process's output, read line by line as it comes (and copied to `copy_to`), so that a caller can
    block until the line it waits for arrives instead of polling: each new line wakes the waiters."""

    def __init__(self, stream: IO[bytes], copy_to: Path | None = None) -> None:
        self._lines: list[str] = []
        self._ended = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream, copy_to), name="output", daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes], copy_to: Path | None) -> None:
        with ExitStack() as stack:
            stack.callback(stream.close)
            copy = stack.enter_context(copy_to.open("wb")) if copy_to is not None else None
            for raw in iter(stream.readline, b""):
                if copy is not None:
                    copy.write(raw)
                    copy.flush()
                with self._changed:
                    self._lines.append(raw.decode(errors="replace").rstrip("\r\n"))
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def lines(self) -> list[str]:
        with self._changed:
            return list(self._lines)

    def text(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)

    def wait_until(self, condition: Callable[[list[str]], bool], *, timeout: float, what: str) -> list[str]:
        """The lines so far, once `condition(lines)` holds; re-checked at each new line, until `timeout`.

        Fails when the output ends (the process and its children exited) with the condition still false."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(list(self._lines)):
                remaining = deadline - time.monotonic()
                if self._ended or remaining <= 0:
                    tail = "".join(f"{line}\n" for line in self._lines)[-3000:]
                    reason = "the output ended" if self._ended else f"{timeout} s passed"
                    raise AssertionError(f"{reason} before {what}:\n{tail}")
                self._changed.wait(remaining)
            return list(self._lines)

    def wait_for_text(self, text: str, *, timeout: float) -> list[str]:
        return self.wait_until(lambda lines: any(text in line for line in lines), timeout=timeout, what=repr(text))

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
