"""Load: 64 concurrent connections for a fixed time, one-record then batch requests.

Zero errors, and the memory of every worker stays flat once warm: a leak of a few hundred
bytes a request would show over the tens of thousands of requests sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.tests.reliability.load import Load, LoadResult, Request
from app.tests.reliability.service import batch_request, predict_request, rss_mib, wait_for_ready_workers
from app.tests.servers import GunicornProcess

pytestmark = pytest.mark.slow

CONCURRENCY = 64
WARM_UP_SECONDS = 2.0
RUN_SECONDS = 5.0
BATCH_SIZE = 100
# Growth allowed per worker over both runs, once warm (measured: 0.5 to 2 MiB).
MAX_RSS_GROWTH_MIB = 5.0


def test_64_connections_get_only_200s_and_worker_memory_stays_flat(
    module_service: GunicornProcess,
    example: dict[str, Any],
    golden_records: list[dict[str, Any]],
    report_figure: Callable[[str], None],
) -> None:
    workers = wait_for_ready_workers(module_service, 2)
    one = predict_request(example)
    batch = batch_request((golden_records * BATCH_SIZE)[:BATCH_SIZE])
    # Warm: first requests fill caches and allocator pools that are not leaks.
    for request in (one, batch):
        run(module_service, request, WARM_UP_SECONDS)
    before = rss_mib(workers)

    runs = (("one record", one), (f"batches of {BATCH_SIZE}", batch))
    results = {name: run(module_service, request, RUN_SECONDS) for name, request in runs}

    after = rss_mib(workers)
    for name, result in results.items():
        report_figure(f"{name}: {result.summary()}")
        assert result.errors == [], result.summary()
        assert result.completed > 100
    report_figure(
        "worker RSS MiB before -> after: "
        + ", ".join(f"{before[pid]:.1f} -> {after[pid]:.1f}" for pid in sorted(workers))
    )
    growth = {pid: after[pid] - before[pid] for pid in workers}
    assert max(growth.values()) <= MAX_RSS_GROWTH_MIB, growth


def run(server: GunicornProcess, request: Request, seconds: float) -> LoadResult:
    with Load(server.port, request, concurrency=CONCURRENCY, seconds=seconds, max_requests=200_000) as load:
        pass
    assert load.result is not None
    return load.result
