"""The service under test: gunicorn with its production config, and what a test reads from it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import psutil

from app.tests.reliability.load import Request
from app.tests.servers import READY_MESSAGE, GunicornProcess

MIB = 1024 * 1024


def predict_request(record: dict[str, Any]) -> Request:
    return Request("POST", "/predict", json.dumps(record).encode())


def batch_request(records: list[dict[str, Any]]) -> Request:
    return Request("POST", "/predict/batch", json.dumps({"records": records}).encode())


def worker_pids(server: GunicornProcess) -> set[int]:
    """The live workers: a killed one stays a zombie child until the master reaps it."""
    live = set()
    for child in psutil.Process(server.running().pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                live.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return live


def ready_pids(server: GunicornProcess) -> set[int]:
    """Workers that finished their lifespan: the model loaded and the golden records replayed."""
    return {line["pid"] for line in log_lines(server) if line.get("message") == READY_MESSAGE}


def wait_for_ready_workers(
    server: GunicornProcess, count: int, *, timeout: float = 30.0, gone: Iterable[int] = ()
) -> set[int]:
    """The live workers, once `count` of them are up and ready, and none of `gone` among them.

    Checked at each line the service logs: the last change this waits for is a worker logging that it is
    ready, and the master reaps a dead worker (and says so) before it boots the replacement."""
    gone = set(gone)
    live: set[int] = set()

    def all_ready(_: list[str]) -> bool:
        nonlocal live
        live = worker_pids(server)
        return len(live) == count and live <= ready_pids(server) and live.isdisjoint(gone)

    server.following().wait_until(all_ready, timeout=timeout, what=f"{count} ready workers")
    return live


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Polls: for what the service announces nowhere (a socket's state in a worker), there is no event to block on."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not true within {timeout} s")
        time.sleep(0.02)


def rss_mib(pids: Iterable[int]) -> dict[int, float]:
    return {pid: psutil.Process(pid).memory_info().rss / MIB for pid in pids}


def client_ports(pid: int, port: int) -> set[int]:
    """The clients' ports of the connections a worker holds on the service port."""
    return {
        conn.raddr.port
        for conn in psutil.Process(pid).net_connections(kind="tcp")
        if conn.status == psutil.CONN_ESTABLISHED and conn.laddr.port == port and conn.raddr
    }


def log_lines(server: GunicornProcess) -> list[dict[str, Any]]:
    """Every complete line, parsed; the last one may still be being written."""
    lines = []
    for text in server.log().splitlines():
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError:
            continue
    return lines


def access_lines(server: GunicornProcess) -> dict[str, dict[str, Any]]:
    """The access log by request id: what the server says it answered."""
    return {line["request_id"]: line for line in log_lines(server) if line.get("logger") == "app.access"}
