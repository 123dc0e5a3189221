"""Worker crash: `kill -9` of one worker under load.

The master replaces it and the service is whole again within seconds; the requests that
fail are only those on connections the dead worker held: at most one each.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.tests.reliability.load import Load
from app.tests.reliability.service import access_lines, client_ports, predict_request, wait_for_ready_workers
from app.tests.servers import GunicornProcess

pytestmark = pytest.mark.slow

# "Within a few seconds": booting a worker loads the model and replays its golden records.
RECOVERY_SECONDS = 10.0
PROBES = 40
AFTER_RECOVERY = 128


def test_a_killed_worker_is_replaced_and_only_its_connections_fail(
    start_service: Callable[..., GunicornProcess], example: dict[str, Any], report_figure: Callable[[str], None]
) -> None:
    server = start_service(MODEL_SERVICE_WORKERS="2")
    workers = wait_for_ready_workers(server, 2)

    with Load(server.port, predict_request(example), concurrency=64, seconds=60, max_requests=100_000) as load:
        # Under load: every connection has carried an answer and has its next request in flight.
        load.wait_until_every_connection_answered(timeout=RECOVERY_SECONDS)
        # The victim is the worker holding the most connections (the split can be very uneven), and the
        # clients' ports of those connections are read just before it dies.
        victim = max(workers, key=lambda pid: len(client_ports(pid, server.port)))
        held = client_ports(victim, server.port)
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        replacement = wait_for_ready_workers(server, 2, timeout=RECOVERY_SECONDS, gone={victim}) - workers
        recovered_after = time.monotonic() - killed_at
        # Then the load goes on until a round of requests sent after the recovery has been answered.
        load.wait_for_outcomes(
            lambda outcomes: sum(1 for o in outcomes if o.sent_at > killed_at + recovered_after) >= AFTER_RECOVERY,
            timeout=RECOVERY_SECONDS,
            what=f"{AFTER_RECOVERY} requests sent after the recovery",
        )
        load.stop()
    result = load.join()

    probes = [httpx.get(f"{server.base_url}/health", headers={"X-Request-ID": f"probe-{n}"}) for n in range(PROBES)]
    for n in range(PROBES):
        # A worker writes the access line after it sends the answer: the last ones may still be on their way.
        server.wait_for_log_lines(lambda line, n=n: line.get("request_id") == f"probe-{n}")
    served = access_lines(server)
    after = [o for o in result.outcomes if o.sent_at > killed_at + recovered_after]
    probed_pids = {served[f"probe-{n}"]["pid"] for n in range(PROBES)}
    # Answered in the access log, yet lost: the kill discarded the response before it left.
    answered = sum(1 for o in result.errors if o.request_id in served)
    report_figure(
        f"{result.summary()}; the killed worker held {len(held)} connections; {len(result.errors)} requests failed "
        f"({answered} of them logged as answered); replaced and ready after {recovered_after:.2f} s; after that "
        f"{len(after)} requests without a failure; {PROBES} new connections served by both workers"
    )
    # Otherwise "only its connections fail" would hold of a worker that had none.
    assert held, "the killed worker held no connection"
    assert len(replacement) == 1
    assert recovered_after < RECOVERY_SECONDS
    assert {o.connection for o in result.errors} <= held
    assert len(result.errors) <= len(held)
    assert len(after) >= AFTER_RECOVERY
    assert [o for o in after if not o.ok] == []
    # Whole again: new connections reach both workers, the replacement among them.
    assert [probe.status_code for probe in probes] == [200] * PROBES
    assert probed_pids == workers - {victim} | replacement
    assert result.connect_errors == {}
