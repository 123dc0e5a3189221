from __future__ import annotations

import copy
from typing import Any

from bench.report import render_markdown, targets


def load(rps: float, p99: float = 5.0, errors: int = 0) -> dict[str, Any]:
    return {"requests": 100, "errors": errors, "seconds": 1.0, "requests_per_second": rps, "p50_ms": 1.0, "p99_ms": p99}


def backend(single: float, trivial: float, cold: float, rss: float, p99: float = 5.0) -> dict[str, Any]:
    return {
        "cold_start_seconds": cold,
        "worker_rss_mb_max": rss,
        "loads": {
            "trivial_c64": load(trivial),
            "single_c16": load(single),
            "single_c64": load(single, p99=p99),
            "batch_c4": {**load(single / 10), "rows_per_second": single * 10},
        },
    }


RESULTS = {
    "machine": {"date": "2026-11-23", "cpus": 2, "memory_gb": 23.4, "python": "3.11.7"},
    "model_version": "abc123",
    "repeats": 3,
    "backends": {
        "onnx": backend(single=3000, trivial=4000, cold=0.9, rss=120),
        "sklearn": backend(single=120, trivial=4000, cold=1.4, rss=180),
    },
}


def test_all_targets_met() -> None:
    verdicts = {t.name: (t.measured, t.met) for t in targets(RESULTS)}
    assert verdicts["ONNX vs scikit-learn, one-record req/s (c=16)"] == ("25.0x", True)
    assert verdicts["/predict vs trivial route req/s (c=64, ONNX)"] == ("75%", True)
    assert verdicts["p99 at c=64 (ONNX)"] == ("5.0 ms", True)
    assert verdicts["cold start to first 200 /health (ONNX)"] == ("0.90 s", True)
    assert verdicts["resident memory per worker (max, both)"] == ("180 MB", True)
    assert verdicts["errors, all runs"] == ("0", True)


def test_missed_targets_are_marked() -> None:
    results = copy.deepcopy(RESULTS)
    results["backends"]["onnx"] = backend(single=1200, trivial=4000, cold=2.0, rss=300, p99=40.0)
    results["backends"]["sklearn"]["loads"]["single_c64"]["errors"] = 3
    missed = {t.name for t in targets(results) if not t.met}
    assert missed == {
        "ONNX vs scikit-learn, one-record req/s (c=16)",
        "/predict vs trivial route req/s (c=64, ONNX)",
        "p99 at c=64 (ONNX)",
        "cold start to first 200 /health (ONNX)",
        "resident memory per worker (max, both)",
        "errors, all runs",
    }
    assert "| errors, all runs | 0 | 3 | **no** |" in render_markdown(results)


def test_markdown_has_a_row_per_backend_and_load() -> None:
    markdown = render_markdown(RESULTS)
    assert "| onnx | POST /predict/batch, 100 records, c=4 | 300 | 30000 | 1.0 | 5.0 | 0 |" in markdown
    assert "| sklearn | 1.40 s | 180 MB |" in markdown
    assert markdown.startswith("Measured 2026-11-23 on 2 cores / 23.4 GB")
