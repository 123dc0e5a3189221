"""Hostile payloads: huge bodies and headers, deep nesting, the largest batch of extreme numbers.

Each gets a clear 4xx (or a 200 for valid data), the workers' memory stays bounded, and a
client probing /livez meanwhile is answered quickly throughout.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from app.tests.reliability.clients import Answer, Prober, stream_request
from app.tests.reliability.service import rss_mib, wait_for_ready_workers
from app.tests.servers import GunicornProcess

pytestmark = pytest.mark.slow

FIFTY_MB = 50 * 1024 * 1024
MAX_BATCH = 1000
MAX_RSS_GROWTH_MIB = 10.0
# A probe of /livez slower than this means a worker was held up.
MAX_PROBE_MS = 500.0
FLOAT32_MAX = float(np.finfo(np.float32).max)


@pytest.fixture
def watched(module_service: GunicornProcess, report_figure: Callable[[str], None]) -> Iterator[Prober]:
    """The service, probed throughout the test: every probe answered 200, none slow, memory bounded."""
    workers = wait_for_ready_workers(module_service, 2)
    before = rss_mib(workers)
    with Prober(module_service.base_url) as prober:
        yield prober
    growth = {pid: rss_mib([pid])[pid] - before[pid] for pid in workers}
    report_figure(
        f"{len(prober.latencies)} /livez probes meanwhile, worst {prober.worst_ms:.0f} ms; "
        f"worker RSS growth at most {max(growth.values()):.1f} MiB"
    )
    assert prober.failures == []
    assert len(prober.latencies) > 0
    assert prober.worst_ms < MAX_PROBE_MS
    assert max(growth.values()) <= MAX_RSS_GROWTH_MIB, growth


def post_head(path: str, **headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: test", "Content-Type: application/json"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def zeros(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"0" * min(size, total - start)


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for piece in zeros(total, size):
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"


def detail(answer: Answer) -> Any:
    return json.loads(answer.body)["detail"]


def test_a_50_mb_body_is_refused_before_it_is_read(
    module_service: GunicornProcess, watched: Prober, report_figure: Callable[[str], None]
) -> None:
    declared = stream_request(module_service.port, post_head("/predict", Content_Length=str(FIFTY_MB)), zeros(FIFTY_MB))
    streamed = stream_request(
        module_service.port, post_head("/predict", Transfer_Encoding="chunked"), chunked(FIFTY_MB)
    )

    for name, answer in (("declared", declared), ("chunked", streamed)):
        mib = answer.bytes_sent / 2**20
        report_figure(f"50 MB body, {name}: {answer.status} after {mib:.1f} MiB sent, in {answer.seconds:.2f} s")
    for answer in (declared, streamed):
        assert answer.status == 413
        assert detail(answer) == "request body is larger than the limit of 1048576 bytes"
        assert answer.bytes_sent < FIFTY_MB / 4


def test_a_50_mb_header_is_refused_with_431(
    module_service: GunicornProcess, watched: Prober, report_figure: Callable[[str], None]
) -> None:
    answer = stream_request(module_service.port, b"GET /livez HTTP/1.1\r\nHost: test\r\nX-Padding: ", zeros(FIFTY_MB))

    report_figure(f"50 MB header: {answer.status} after {answer.bytes_sent / 2**20:.1f} MiB sent")
    assert answer.status == 431
    assert detail(answer) == "the request line and headers exceed 65536 bytes"
    assert answer.bytes_sent < FIFTY_MB / 4


@pytest.mark.parametrize("path", ["/predict", "/predict/batch"])
def test_deeply_nested_json_is_a_422_not_a_crash(path: str, module_service: GunicornProcess, watched: Prober) -> None:
    depth = 400_000  # 800 kB: inside the body limit, so the parser has to face it
    body = b"[" * depth + b"]" * depth

    response = httpx.post(
        f"{module_service.base_url}{path}", content=body, headers={"Content-Type": "application/json"}, timeout=10
    )

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["type"], error["loc"]) == ("json_invalid", ["body"])
    assert "recursion limit exceeded" in error["msg"]


def extreme_records(example: dict[str, Any], values: list[float | None]) -> list[dict[str, Any]]:
    numbers = [name for name, value in example.items() if isinstance(value, float)]
    cycle = itertools.cycle(values)
    return [{**example, **{name: next(cycle) for name in numbers}} for _ in range(MAX_BATCH)]


def test_the_largest_batch_of_extreme_numbers_is_predicted(
    module_service: GunicornProcess, example: dict[str, Any], watched: Prober, report_figure: Callable[[str], None]
) -> None:
    values = [FLOAT32_MAX, -FLOAT32_MAX, 1e38, -1e38, 5e-324, -5e-324, 0.0, -0.0, 1e-300, None, 123456789.0]
    records = extreme_records(example, values)

    response = httpx.post(f"{module_service.base_url}/predict/batch", json={"records": records}, timeout=30)

    report_figure(
        f"{MAX_BATCH} records of extreme numbers: {response.status_code} in {response.elapsed.total_seconds():.2f} s"
    )
    assert response.status_code == 200
    predictions = response.json()["predictions"]
    assert len(predictions) == MAX_BATCH
    for prediction in predictions:
        assert all(math.isfinite(p) for p in prediction["probabilities"].values())
        assert sum(prediction["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)


def test_numbers_beyond_float32_never_cause_a_5xx(
    module_service: GunicornProcess, example: dict[str, Any], watched: Prober, report_figure: Callable[[str], None]
) -> None:
    records = extreme_records(example, [1.7e308, -1.7e308, 1e300, 3.5e38, 42.0])

    response = httpx.post(f"{module_service.base_url}/predict/batch", json={"records": records}, timeout=30)

    report_figure(f"{MAX_BATCH} records beyond the float32 range: {response.status_code}")
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        for prediction in response.json()["predictions"]:
            assert all(math.isfinite(p) for p in prediction["probabilities"].values())
    else:
        assert {tuple(error["loc"][:2]) for error in response.json()["detail"]} == {("body", "records")}
