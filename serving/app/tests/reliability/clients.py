"""Misbehaving clients on raw sockets, and a well-behaved one that checks the service stays responsive."""

from __future__ import annotations

import select
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
                # The send buffer is full: block until the server reads (writable) or answers (readable).
                select.select([conn], [conn], [], max(0.0, timeout - (time.monotonic() - started)))
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
        # The pause between bytes is what is under test (a slow client), not a wait for an event: the
        # socket timeout paces the bytes and catches an early answer at once.
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
        self._probed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._probed:
            done = self._probed.wait_for(lambda: len(self.latencies) + len(self.failures) >= self.min_probes, 10)
        self._stop.set()
        self._thread.join(5)
        if exc_info[0] is None:
            assert done, f"fewer than {self.min_probes} probes within 10 s"

    def _run(self) -> None:
        while not self._stop.is_set():
            self._probe()
            with self._probed:
                self._probed.notify_all()
            # The probes' pace, what a health checker does; not a wait for an event.
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


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class HeldRequest:
    """A POST held open mid-body, known to be in a worker's hands.

    Its headers ask `Expect: 100-continue`; uvicorn answers `100 Continue` when the application first
    reads the body. Reading that answer is the proof that a worker accepted the connection and is
    serving the request. Then half the body is sent; `finish()` sends the rest and reads the answer.
    """

    def __init__(self, port: int, path: str, body: bytes, *, timeout: float, extra_headers: str = "") -> None:
        self.body = body
        self.conn = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.conn.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n{extra_headers}\r\n"
            ).encode()
        )

    def wait_in_flight(self) -> None:
        received = b""
        while not received.endswith(b"\r\n\r\n"):
            chunk = self.conn.recv(1)
            if not chunk:
                raise AssertionError(f"the connection closed before 100 Continue: {received!r}")
            received += chunk
        assert received == CONTINUE, received
        self.conn.sendall(self.body[: len(self.body) // 2])

    def finish(self) -> bytes:
        self.conn.sendall(self.body[len(self.body) // 2 :])
        return _read_to_end(self.conn)

    def close(self) -> None:
        self.conn.close()
