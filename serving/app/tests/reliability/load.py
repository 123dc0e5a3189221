"""A small HTTP/1.1 load generator on raw asyncio sockets, run in a background thread.

Every request carries its own X-Request-ID and every outcome is classified, so that a test
can match what the client saw against what the server's access log says it served. Bounded:
a deadline, a request budget and a per-request timeout.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Failures, from the client's side:
# closed: the connection closed before a single byte of the response (the request may never have been read);
# reset: the connection was reset before a single byte of the response;
# partial: the response started but did not complete;
# timeout: no complete response within the request timeout.
FAILURES = ("closed", "reset", "partial", "timeout")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""

    def encode(self, request_id: str) -> bytes:
        head = f"{self.method} {self.path} HTTP/1.1\r\nHost: loadtest\r\nX-Request-ID: {request_id}\r\n"
        if self.body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(self.body)}\r\n"
        return head.encode() + b"\r\n" + self.body


@dataclass
class Outcome:
    request_id: str
    # The client's port: it names the connection, on the server's side too.
    connection: int
    # Sent on a connection that had already carried a response (a keep-alive reuse).
    reused: bool
    # When the whole request had been handed to the kernel, and when the outcome was known.
    sent_at: float = 0.0
    ended_at: float = 0.0
    status: int | None = None
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class LoadResult:
    outcomes: list[Outcome]
    # Failed connection attempts by exception, e.g. ConnectionRefusedError once nothing listens.
    connect_errors: Counter[str]
    started_at: float
    ended_at: float
    statuses: Counter[int] = field(init=False)
    failures: Counter[str] = field(init=False)

    def __post_init__(self) -> None:
        self.statuses = Counter(o.status for o in self.outcomes if o.status is not None)
        self.failures = Counter(o.failure for o in self.outcomes if o.failure is not None)

    @property
    def seconds(self) -> float:
        return self.ended_at - self.started_at

    @property
    def completed(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def requests_per_second(self) -> float:
        return self.completed / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        return (
            f"{len(self.outcomes)} requests in {self.seconds:.1f} s ({self.requests_per_second:.0f}/s completed), "
            f"statuses {dict(sorted(self.statuses.items()))}, failures {dict(self.failures)}, "
            f"failed connects {dict(self.connect_errors)}"
        )


class Load:
    """`with Load(...) as load:` runs until the deadline, the budget, or `stop()`; then `load.result`.

    Each of `concurrency` connections sends one request at a time (no pipelining), keeps the
    connection while the server does, and opens a new one when it closes.
    """

    def __init__(
        self,
        port: int,
        requests: Request | Sequence[Request],
        *,
        concurrency: int,
        seconds: float,
        max_requests: int,
        request_timeout: float = 30.0,
        id_prefix: str = "load",
    ) -> None:
        self.port = port
        self._requests = [requests] if isinstance(requests, Request) else list(requests)
        self.concurrency, self.seconds, self.max_requests = concurrency, seconds, max_requests
        self.request_timeout = request_timeout
        self._numbers = itertools.count()
        self._id_prefix = id_prefix
        self._stop = threading.Event()
        self._lock = threading.Lock()
        # Notified at every outcome and failed connect, and when the load ends.
        self._changed = threading.Condition(self._lock)
        self._running = True
        self._outcomes: list[Outcome] = []
        self._connect_errors: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._run, name="load", daemon=True)
        self._started_at = self._ended_at = 0.0
        self.result: LoadResult | None = None

    def __enter__(self) -> Load:
        self._started_at = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        if exc_type is not None:
            self.stop()
        self.join()

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> LoadResult:
        self._thread.join(self.seconds + self.request_timeout + 30)
        if self._thread.is_alive():
            raise AssertionError("the load generator did not stop")
        with self._lock:
            outcomes, errors = list(self._outcomes), Counter(self._connect_errors)
        self.result = LoadResult(outcomes, errors, self._started_at, self._ended_at)
        return self.result

    def snapshot(self) -> list[Outcome]:
        with self._lock:
            return list(self._outcomes)

    def wait_for_outcomes(self, condition: Callable[[list[Outcome]], bool], *, timeout: float, what: str) -> None:
        """Until `condition(outcomes so far)` holds, re-checked at each outcome."""
        self._wait_until(lambda: condition(self._outcomes), timeout, what)

    def wait_until_every_connection_answered(self, *, timeout: float) -> None:
        """Until as many connections as the load keeps open have each received a complete response."""
        self._wait_until(
            lambda: len({o.connection for o in self._outcomes if o.status is not None}) >= self.concurrency,
            timeout,
            f"an answer on each of {self.concurrency} connections",
        )

    def wait_for_connect_error(self, name: str, *, timeout: float) -> None:
        """Until a connection attempt has failed with `name`, e.g. ConnectionRefusedError once nothing listens."""
        self._wait_until(lambda: self._connect_errors[name] > 0, timeout, f"a failed connect with {name}")

    def _wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if not self._running or remaining <= 0:
                    ended = "the load ended" if not self._running else f"{timeout} s passed"
                    raise AssertionError(f"{ended} before {what}: {len(self._outcomes)} outcomes")
                self._changed.wait(remaining)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            self._ended_at = time.monotonic()
            with self._changed:
                self._running = False
                self._changed.notify_all()

    async def _main(self) -> None:
        deadline = self._started_at + self.seconds
        await asyncio.gather(*(self._connection_loop(deadline) for _ in range(self.concurrency)))

    def _more(self, deadline: float) -> bool:
        with self._lock:
            budget_left = len(self._outcomes) < self.max_requests
        return budget_left and not self._stop.is_set() and time.monotonic() < deadline

    async def _connection_loop(self, deadline: float) -> None:
        while self._more(deadline):
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port), timeout=self.request_timeout
                )
            except (OSError, TimeoutError) as exc:
                with self._changed:
                    self._connect_errors[type(exc).__name__] += 1
                    self._changed.notify_all()
                # A pause before the next attempt, not a wait for an event: a refused connect returns at once,
                # and without it each connection loop would spin on the refusals.
                await asyncio.sleep(0.01)
                continue
            try:
                await self._requests_on(reader, writer, deadline)
            finally:
                writer.close()

    async def _requests_on(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, deadline: float) -> None:
        port = int(writer.get_extra_info("sockname")[1])
        reused = False
        while self._more(deadline):
            number = next(self._numbers)
            outcome = Outcome(f"{self._id_prefix}-{number}", port, reused)
            keep_alive = False
            try:
                writer.write(self._requests[number % len(self._requests)].encode(outcome.request_id))
                await writer.drain()
                outcome.sent_at = time.monotonic()
                outcome.status, keep_alive = await asyncio.wait_for(
                    read_response(reader, outcome), timeout=self.request_timeout
                )
            except TimeoutError:
                outcome.failure = "timeout"
            except (ConnectionResetError, BrokenPipeError):
                outcome.failure = outcome.failure or "reset"
            except asyncio.IncompleteReadError:
                outcome.failure = outcome.failure or "closed"
            outcome.ended_at = time.monotonic()
            outcome.sent_at = outcome.sent_at or outcome.ended_at
            with self._changed:
                self._outcomes.append(outcome)
                self._changed.notify_all()
            if not keep_alive:
                return
            reused = True


async def read_response(reader: asyncio.StreamReader, outcome: Outcome) -> tuple[int, bool]:
    """The status and whether the connection stays open; `partial` once a byte has arrived."""
    first = await reader.readexactly(1)
    outcome.failure = "partial"
    head = first + await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines if ": " in line)
    await reader.readexactly(int(headers.get("content-length", "0")))
    outcome.failure = None
    return int(status_line.split(" ", 2)[1]), headers.get("connection") != "close"
