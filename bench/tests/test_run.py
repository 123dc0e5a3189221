"""The benchmark harness end to end, on tiny request counts: it measures, it does not judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import main

# No skip without `hey`: the harness raises, naming `make hey` (which `make test` runs first).
pytestmark = pytest.mark.slow


def test_quick_run_measures_both_backends_and_writes_the_reports(tmp_path: Path) -> None:
    assert main(["--quick", "--suites", "service", "--out", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["backends"]) == {"onnx", "sklearn"}
    assert "batch_scoring" not in results
    for backend in results["backends"].values():
        assert 0 < backend["cold_start_seconds"] < 60
        assert 0 < backend["worker_rss_mb_max"] < 2000
        for load in backend["loads"].values():
            assert load["errors"] == 0
            assert load["requests_per_second"] > 0
    assert results["backends"]["onnx"]["loads"]["batch_c4"]["rows_per_second"] > 0
    assert set(results["lambda"]) == {"onnx", "sklearn"}
    for on_lambda in results["lambda"].values():
        assert 0 < on_lambda["ready_seconds"] < on_lambda["first_prediction_seconds"] < 60
        assert 0 < on_lambda["ready_cpu_seconds"] < 60
        assert 0 < on_lambda["cpu_ms_per_request"] < on_lambda["wall_ms_per_request"] * 2
    markdown = (tmp_path / "results.md").read_text()
    assert "| onnx | POST /predict, 1 record, c=16 |" in markdown
    assert "| target | limit | measured | met |" in markdown
    assert "| backend | ready (first 200 /health) | CPU until ready | first /predict answered |" in markdown
