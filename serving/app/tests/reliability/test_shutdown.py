"""Graceful shutdown: SIGTERM to the gunicorn master under load, as ECS sends on every deploy and scale-in.

What is proved: requests in flight at SIGTERM complete with 200; no request the server
processed is lost on the way back; a request that fails was never processed (so a retry is
safe) and was sent after the SIGTERM; once the master is gone every connection attempt is
refused; the process exits with status 0 within the graceful timeout.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from app.tests.reliability.clients import HeldRequest
from app.tests.reliability.load import Load, Outcome
from app.tests.reliability.service import (
    access_lines,
    log_lines,
    predict_request,
    wait_for_ready_workers,
)
from app.tests.servers import GunicornProcess

pytestmark = pytest.mark.slow

GRACEFUL_TIMEOUT = 10
# Requests held half-sent across the SIGTERM: certainly accepted and in flight when it lands.
HELD_REQUESTS = 16
CONCURRENCY = 64


@contextmanager
def held_requests(port: int, body: bytes, count: int) -> Iterator[list[HeldRequest]]:
    """`count` requests, each accepted by a worker and half-received, closed at exit."""
    with ExitStack() as stack:
        held = []
        for _ in range(count):
            request = HeldRequest(port, "/predict", body, timeout=GRACEFUL_TIMEOUT)
            stack.callback(request.close)
            held.append(request)
        for request in held:
            request.wait_in_flight()
        yield held


def test_sigterm_under_load_completes_accepted_requests_and_refuses_new_connections(
    start_service: Callable[..., GunicornProcess],
    example: dict[str, Any],
    report_figure: Callable[[str], None],
) -> None:
    server = start_service(MODEL_SERVICE_WORKERS="2", MODEL_SERVICE_GRACEFUL_TIMEOUT=str(GRACEFUL_TIMEOUT))
    wait_for_ready_workers(server, 2)
    load = Load(server.port, predict_request(example), concurrency=CONCURRENCY, seconds=30, max_requests=100_000)

    with load, held_requests(server.port, json.dumps(example).encode(), HELD_REQUESTS) as held:
        # Load built up: every connection has carried an answer, so requests are in flight on all of them.
        load.wait_until_every_connection_answered(timeout=30)
        sigterm_at = time.monotonic()
        server.running().send_signal(signal.SIGTERM)
        # Both workers have begun their shutdown with these requests still half-received.
        server.following().wait_until(
            lambda _: len(shutting_down(server)) == 2, timeout=5, what="two workers shutting down"
        )
        answers = [request.finish() for request in held]
        status = server.wait_exit(timeout=GRACEFUL_TIMEOUT + 5)
        exited_after = time.monotonic() - sigterm_at
        # The load goes on until its clients see that nothing listens any more.
        load.wait_for_connect_error("ConnectionRefusedError", timeout=5)
        load.stop()
    result = load.join()

    served = access_lines(server)
    outcomes = result.outcomes
    in_flight = [o for o in outcomes if o.sent_at < sigterm_at < o.ended_at]
    before = [o for o in outcomes if o.sent_at < sigterm_at]
    report_figure(
        f"{result.summary()}; {len(in_flight)} load requests and {HELD_REQUESTS} held requests in flight at "
        f"SIGTERM; failures by connection reuse {failures_by_reuse(result.errors)}; exit {status} after "
        f"{exited_after:.2f} s"
    )
    assert [answer.split(b"\r\n", 1)[0] for answer in answers] == [b"HTTP/1.1 200 OK"] * HELD_REQUESTS
    assert all(b"\r\nconnection: close\r\n" in answer.lower() for answer in answers)
    assert [o for o in before if not o.ok] == []
    # Nothing processed was lost: the client got whatever the server logged as answered.
    assert [o for o in outcomes if o.request_id in served and served[o.request_id]["status"] != o.status] == []
    for failure in result.errors:
        assert failure.failure in ("closed", "reset"), failure
        assert failure.request_id not in served, failure
        assert failure.sent_at > sigterm_at, failure
    # Refused once no worker listens. Reset only if a handshake completes in the microseconds between the
    # last worker's final accept of the queue and its close of the socket (app/worker.py).
    assert set(result.connect_errors) <= {"ConnectionRefusedError", "ConnectionResetError"}
    assert (status, exited_after < GRACEFUL_TIMEOUT) == (0, True)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
    assert "Traceback" not in server.log()
    assert [line["message"] for line in log_lines(server) if line["level"] in ("ERROR", "CRITICAL")] == []
    assert log_lines(server)[-1]["message"] == "Shutting down: Master"


def test_a_request_stuck_past_the_graceful_timeout_does_not_hold_up_the_exit(
    start_service: Callable[..., GunicornProcess], example: dict[str, Any], report_figure: Callable[[str], None]
) -> None:
    graceful_timeout = 2
    server = start_service(MODEL_SERVICE_WORKERS="1", MODEL_SERVICE_GRACEFUL_TIMEOUT=str(graceful_timeout))

    with held_requests(server.port, json.dumps(example).encode(), 1):
        sigterm_at = time.monotonic()
        server.running().send_signal(signal.SIGTERM)
        status = server.wait_exit(timeout=graceful_timeout + 10)
        exited_after = time.monotonic() - sigterm_at

    report_figure(f"a client that never finishes its body: exit {status} after {exited_after:.2f} s")
    assert exited_after < graceful_timeout + 2
    assert status == 0


def shutting_down(server: GunicornProcess) -> list[dict[str, Any]]:
    return [line for line in log_lines(server) if line.get("message") == "Shutting down"]


def failures_by_reuse(failures: list[Outcome]) -> dict[str, int]:
    fresh = sum(1 for f in failures if not f.reused)
    return {"fresh connection": fresh, "kept-alive connection": len(failures) - fresh}
