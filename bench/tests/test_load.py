from __future__ import annotations

import math

import pytest

from bench.load import LoadResult, median_result, percentile, summarise

HEADER = "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n"


def test_summarise_counts_missing_rows_and_non_2xx_as_errors() -> None:
    rows = "".join(f"{n / 1000:.4f},0,0,0,0,0,200,0\n" for n in range(1, 99))  # 1 ms .. 98 ms
    rows += "0.0500,0,0,0,0,0,503,0\n"
    result = summarise(HEADER + rows, requests=100, seconds=2.0)
    assert result == LoadResult(requests=100, errors=2, seconds=2.0, requests_per_second=50.0, p50_ms=50.0, p99_ms=97.0)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == 5.0
    assert percentile(values, 99) == 10.0
    assert percentile(values, 0) == 1.0


def test_empty_run_has_no_latency() -> None:
    result = summarise(HEADER, requests=5, seconds=1.0)
    assert result.errors == 5
    assert math.isnan(result.p50_ms)  # nothing was measured


def test_median_result_keeps_one_real_run_and_sums_errors() -> None:
    runs = [
        LoadResult(10, 0, 1.0, 10.0, 1.0, 2.0),
        LoadResult(10, 1, 1.0, 30.0, 3.0, 4.0),
        LoadResult(10, 0, 1.0, 20.0, 2.0, 9.0),
    ]
    assert median_result(runs) == LoadResult(10, 1, 1.0, 20.0, 2.0, 9.0)


@pytest.mark.parametrize("rank", [50, 99])
def test_percentile_of_nothing_is_nan(rank: float) -> None:
    assert math.isnan(percentile([], rank))
