"""Load from a separate process: `hey` with a fixed request count, summarised from its per-request CSV."""

from __future__ import annotations

import csv
import io
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(csv_text: str, *, requests: int, seconds: float) -> LoadResult:
    """hey lists only the requests that got a response; the others are errors too."""
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    latencies = sorted(float(row["response-time"]) * 1000 for row in rows)
    failed = sum(1 for row in rows if not row["status-code"].startswith("2"))
    return LoadResult(
        requests=requests,
        errors=failed + requests - len(rows),
        seconds=round(seconds, 3),
        requests_per_second=round(requests / seconds, 1),
        p50_ms=round(percentile(latencies, 50), 2),
        p99_ms=round(percentile(latencies, 99), 2),
    )


def percentile(sorted_values: list[float], rank: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(rank / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def hey_binary() -> str:
    found = shutil.which("hey")
    if found is None:
        raise RuntimeError("`hey` is not installed: `make bench` installs it (Debian package hey)")
    return found


def run_load(url: str, *, requests: int, concurrency: int, body: Path | None = None) -> LoadResult:
    # hey gives each of its workers requests // concurrency: ask for a multiple, count what is sent.
    requests = max(1, requests // concurrency) * concurrency
    command = [hey_binary(), "-n", str(requests), "-c", str(concurrency), "-t", "10", "-o", "csv"]
    if body is not None:
        command += ["-m", "POST", "-T", "application/json", "-D", str(body)]
    started = time.perf_counter()
    # Bounded: a fixed request count, each with a 10 s timeout, and the whole run capped.
    result = subprocess.run([*command, url], capture_output=True, text=True, check=True, timeout=300)  # noqa: S603
    return summarise(result.stdout, requests=requests, seconds=time.perf_counter() - started)


def median_result(results: list[LoadResult]) -> LoadResult:
    """The run with the median throughput, so that its latencies belong to one real run."""
    ordered = sorted(results, key=lambda r: r.requests_per_second)
    chosen = ordered[len(ordered) // 2]
    return LoadResult(**{**chosen.as_dict(), "errors": sum(r.errors for r in results)})


def median(values: list[float]) -> float:
    return float(statistics.median(values))
