from __future__ import annotations

import copy
from typing import Any

from bench.batch_scoring import PLAIN, SCORER
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


def tool(seconds: float, rows: int, peak: float) -> dict[str, Any]:
    return {"rows_per_second": round(rows / seconds), "seconds": seconds, "peak_rss_mb": peak, "runs": []}


def scored_file(rows: int, scorer: tuple[float, float], plain: tuple[float, float], differ: int = 0) -> dict[str, Any]:
    return {
        "rows": rows,
        "input_mb": round(rows / 160_000, 1),
        "tools": {SCORER: tool(scorer[0], rows, scorer[1]), PLAIN: tool(plain[0], rows, plain[1])},
        "rows_out": {SCORER: rows, PLAIN: rows},
        "labels_differ": differ,
    }


BATCH = {
    "repeats": 3,
    "scorer_backend": "onnx",
    "files": [
        scored_file(500_000, scorer=(3.0, 300), plain=(6.0, 400)),
        scored_file(2_000_000, scorer=(7.5, 310), plain=(16.0, 1100)),
    ],
}


def batch_verdicts(batch: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    results = {**RESULTS, "batch_scoring": batch}
    return {t.name: (t.measured, t.met) for t in targets(results) if t.name.startswith("batch")}


def test_batch_targets_met() -> None:
    assert batch_verdicts(BATCH) == {
        "batch rows/s, make score vs the plain script (2,000,000 rows)": ("2.13x", True),
        "batch peak memory, make score (every file)": ("310 MB", True),
        "batch peak memory of the plain script, 500,000 to 2,000,000 rows": ("2.75x (make score: 1.03x)", True),
        "batch outputs agree (rows and labels, every file)": ("0 of 2,500,000 labels differ", True),
    }


def test_batch_targets_missed() -> None:
    batch = copy.deepcopy(BATCH)
    batch["files"] = [
        scored_file(500_000, scorer=(3.0, 420), plain=(3.0, 1000)),
        scored_file(2_000_000, scorer=(20.0, 390), plain=(16.0, 1100), differ=3),
    ]
    batch["files"][1]["rows_out"][SCORER] = 1_999_000
    assert batch_verdicts(batch) == {
        "batch rows/s, make score vs the plain script (2,000,000 rows)": ("0.80x", False),
        "batch peak memory, make score (every file)": ("420 MB", False),
        "batch peak memory of the plain script, 500,000 to 2,000,000 rows": ("1.10x (make score: 0.93x)", False),
        "batch outputs agree (rows and labels, every file)": ("3 of 2,500,000 labels differ; row counts differ", False),
    }


def test_batch_markdown_has_a_row_per_file_and_tool_and_the_rate_without_start_up() -> None:
    markdown = render_markdown({**RESULTS, "batch_scoring": BATCH})

    assert "| 2,000,000 (12.5 MB) | make score | 266,667 | 7.50 | 310 MB |" in markdown
    assert "| 500,000 (3.1 MB) | plain pandas script | 83,333 | 6.00 | 400 MB |" in markdown
    # 1.5M extra rows: 4.5 s more for make score, 10 s more for the plain script.
    assert "make score 333,333, plain pandas script 150,000." in markdown


def test_a_batch_only_run_has_no_service_tables() -> None:
    results = {key: value for key, value in RESULTS.items() if key not in ("backends", "repeats")}
    markdown = render_markdown({**results, "batch_scoring": BATCH})

    assert "| backend |" not in markdown
    assert all(t.name.startswith("batch ") for t in targets({**results, "batch_scoring": BATCH}))
