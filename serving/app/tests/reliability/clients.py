"""Misbehaving clients on raw sockets, and a well-behaved one that checks the service stays responsive."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

CHUNK = 64 * 1024


@dataclass
class Answer:
    """What came back: the status line and body (empty if none), and how much of the request went out."""

    head: bytes
    body: bytes
    bytes_sent: int
    seconds: float

    @property
    def status(self) -> int | None:
        parts = self.head.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def stream_request(port: int, head: bytes, chunks: Iterator[bytes], *, timeout: float = 20.0) -> Answer:
    """Send `head`, then `chunks` while watching for an early answer, as curl does; stop at the first one."""
    started = time.monotonic()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head)
        conn.setblocking(False)
        received = b""
        for chunk in chunks:
            received += _read_available(conn)
            if received or time.monotonic() - started > timeout:
                break
            try:
                sent += conn.send(chunk)
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break
        conn.settimeout(timeout)
        received += _read_to_end(conn)
    head_part, _, body = received.partition(b"\r\n\r\n")
    return Answer(head_part, body, sent, time.monotonic() - started)


def _read_available(conn: socket.socket) -> bytes:
    try:
        return conn.recv(CHUNK)
    except (BlockingIOError, InterruptedError):
        return b""
    except OSError:
        return b""


def _read_to_end(conn: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := conn.recv(CHUNK):
            data += chunk
    except OSError:
        pass
    return data


def trickle(port: int, data: bytes, *, interval: float, limit: float, head: bytes = b"") -> Answer:
    """Send `head` at once, then `data` a byte every `interval` seconds until the server answers
    or closes the connection, or `limit` seconds pass."""
    started = time.monotonic()
    sent = 0
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as conn:
        conn.sendall(head)
        conn.settimeout(interval)
        for byte in data:
            if time.monotonic() - started > limit:
                break
            try:
                sent += conn.send(bytes([byte]))
                received = conn.recv(CHUNK)
            except TimeoutError:
                continue  # no answer yet: the timeout paced this byte
            except OSError:
                break
            break  # an answer, or the server closed the connection
        conn.settimeout(max(0.1, limit - (time.monotonic() - started)))
        received += _read_to_end(conn)
    head_part, _, body = received.partition(b"\r\n\r\n")
    return Answer(head_part, body, sent, time.monotonic() - started)


@dataclass
class Prober:
    """GET /livez on a new connection every `interval` seconds, in the background, recording latencies.

    It leaves only after `min_probes`, so that a quick test still shows the service answering after it.
    """

    base_url: str
    interval: float = 0.05
    min_probes: int = 3
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        deadline = time.monotonic() + 10
        while len(self.latencies) + len(self.failures) < self.min_probes and time.monotonic() < deadline:
            time.sleep(self.interval)
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._probe()
            self._stop.wait(self.interval)

    def _probe(self) -> None:
        started = time.monotonic()
        try:
            response = httpx.get(f"{self.base_url}/livez", timeout=2)
        except httpx.HTTPError as exc:
            self.failures.append(repr(exc))
            return
        self.latencies.append(time.monotonic() - started)
        if response.status_code != 200:
            self.failures.append(f"status {response.status_code}")

    @property
    def worst_ms(self) -> float:
        return max(self.latencies, default=float("nan")) * 1000
