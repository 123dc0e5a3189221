"""Slow clients: headers or a body sent a byte at a time, connections opened and left idle.

Each is cut off with a 408 (or a silent close when it never sent a byte) once its time limit
passes, the connections and memory are released, and other clients are served throughout.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from app.middleware.body_limit import BODY_TIMEOUT
from app.middleware.http_protocol import HEADER_TIMEOUT
from app.tests.reliability.clients import Answer, HeldRequest, Prober, trickle
from app.tests.reliability.service import client_ports, log_lines, rss_mib, wait_for_ready_workers, wait_until
from app.tests.servers import GunicornProcess

pytestmark = pytest.mark.slow

SLOW_HEADER_CLIENTS = 50
MAX_PROBE_MS = 500.0
MAX_RSS_GROWTH_MIB = 10.0


def body_head(length: int) -> bytes:
    return (
        f"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def idle(port: int, limit: float) -> Answer:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as conn:
        received = conn.recv(1024)
    return Answer(received, b"", 0, time.monotonic() - started)


def test_slow_and_idle_clients_are_cut_off_while_others_are_served(
    module_service: GunicornProcess, example: dict[str, Any], report_figure: Callable[[str], None]
) -> None:
    port = module_service.port
    workers = wait_for_ready_workers(module_service, 2)
    before = rss_mib(workers)

    def held_connections() -> int:
        return sum(len(client_ports(pid, port)) for pid in workers)

    header = b"GET /livez HTTP/1.1\r\nHost: test\r\nX-Padding: " + b"a" * 100 + b"\r\n\r\n"
    limit = BODY_TIMEOUT + 5

    with Prober(module_service.base_url, interval=0.1) as prober, ThreadPoolExecutor(SLOW_HEADER_CLIENTS + 2) as pool:
        headers = [pool.submit(trickle, port, header, interval=0.5, limit=limit) for _ in range(SLOW_HEADER_CLIENTS)]
        idler = pool.submit(idle, port, limit)
        record = json.dumps(example).encode()
        body = pool.submit(trickle, port, record, head=body_head(len(record)), interval=1.0, limit=limit)
        # While they trickle, every one of them holds a connection: seen well before the first time limit.
        wait_until(lambda: held_connections() >= SLOW_HEADER_CLIENTS + 2, timeout=HEADER_TIMEOUT / 2, what="held")
        held = held_connections()
        slow_headers, idle_answer, slow_body_answer = [f.result() for f in headers], idler.result(), body.result()

    wait_until(lambda: held_connections() == 0, timeout=5, what="every connection released")
    growth = max(rss_mib(workers)[pid] - before[pid] for pid in workers)
    report_figure(
        f"{SLOW_HEADER_CLIENTS} slow-header clients: {sorted({a.status for a in slow_headers})} after "
        f"{max(a.seconds for a in slow_headers):.1f} s; idle connection closed after {idle_answer.seconds:.1f} s; "
        f"slow body: {slow_body_answer.status} after {slow_body_answer.seconds:.1f} s; {len(prober.latencies)} "
        f"/livez probes meanwhile, worst {prober.worst_ms:.0f} ms; worker RSS growth at most {growth:.1f} MiB"
    )
    assert held >= SLOW_HEADER_CLIENTS + 2
    assert [a.status for a in slow_headers] == [408] * SLOW_HEADER_CLIENTS
    assert all(HEADER_TIMEOUT - 1 < a.seconds < HEADER_TIMEOUT + 2 for a in slow_headers)
    assert json.loads(slow_headers[0].body) == {
        "detail": f"the request headers did not arrive within {HEADER_TIMEOUT:g} s"
    }
    assert (idle_answer.head, HEADER_TIMEOUT - 1 < idle_answer.seconds < HEADER_TIMEOUT + 2) == (b"", True)
    assert slow_body_answer.status == 408
    assert json.loads(slow_body_answer.body) == {"detail": f"the request body did not arrive within {BODY_TIMEOUT:g} s"}
    assert prober.failures == []
    assert prober.worst_ms < MAX_PROBE_MS
    assert growth <= MAX_RSS_GROWTH_MIB


def test_a_client_that_leaves_mid_body_is_logged_as_499_not_as_a_server_error(
    module_service: GunicornProcess, example: dict[str, Any]
) -> None:
    request = HeldRequest(
        module_service.port,
        "/predict",
        json.dumps(example).encode(),
        timeout=5,
        extra_headers="X-Request-ID: leaves-early\r\n",
    )
    # Leaves only once the application is reading its body: a close before that is not this case.
    request.wait_in_flight()
    request.close()

    lines = module_service.wait_for_log_lines(lambda line: line.get("request_id") == "leaves-early")

    [access] = [line for line in lines if line.get("request_id") == "leaves-early"]
    assert (access["logger"], access["status"]) == ("app.access", 499)
    assert [line for line in log_lines(module_service) if line["level"] == "ERROR"] == []
