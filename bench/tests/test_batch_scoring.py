from __future__ import annotations

import json
import sys
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.batch_scoring import PLAIN, SCORER, compare_labels, run_child
from bench.run import main


def allocate(megabytes: int) -> list[str]:
    """A child that holds `megabytes` of touched memory, then exits."""
    return [sys.executable, "-c", f"block = bytearray({megabytes} * 2**20); block[::4096] = b'x' * len(block[::4096])"]


def test_each_child_reports_its_own_peak_memory(tmp_path: Path) -> None:
    # The big one first: a peak taken over all children so far would give the small one its figure.
    big = run_child(allocate(200), log=tmp_path / "big.log")
    small = run_child(allocate(0), log=tmp_path / "small.log")

    assert 200 < big.peak_rss_mb < 300
    assert small.peak_rss_mb < 50
    assert big.seconds > 0
    assert small.seconds > 0


def test_a_failing_child_raises_with_its_output(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; print('no such column'); sys.exit(2)"]
    with pytest.raises(RuntimeError, match=r"exited with 2:\nno such column"):
        run_child(command, log=tmp_path / "child.log")


def test_a_program_that_cannot_start_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"no-such-program: could not be run \(launcher exit 1\)"):
        run_child(["no-such-program"], log=tmp_path / "child.log")


@pytest.mark.slow
def test_a_hung_child_is_killed_at_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    hang = f"import os, signal; open({str(pid_file)!r}, 'w').write(str(os.getpid())); signal.pause()"

    with pytest.raises(RuntimeError, match=r"still running after 2 s, killed"):
        run_child([sys.executable, "-c", hang], log=tmp_path / "child.log", timeout=2)

    # The command itself, not only the launcher: gone, or a zombie that only init may reap.
    try:
        psutil.Process(int(pid_file.read_text())).wait(timeout=10)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        assert psutil.Process(int(pid_file.read_text())).status() == psutil.STATUS_ZOMBIE


def write_labels(path: Path, labels: list[str | None], *, large: bool = False) -> Path:
    pq.write_table(pa.table({"prediction": pa.array(labels, pa.large_string() if large else pa.string())}), path)
    return path


def test_labels_are_compared_row_by_row_across_string_types(tmp_path: Path) -> None:
    scored = write_labels(tmp_path / "scored.parquet", ["Adelie", "Gentoo", None, "Chinstrap"])
    plain = write_labels(tmp_path / "plain.parquet", ["Adelie", "Adelie", "Gentoo", "Chinstrap"], large=True)

    # A row the scorer refused (null) differs from the plain script's label.
    assert compare_labels(scored, plain) == {"rows_out": {SCORER: 4, PLAIN: 4}, "labels_differ": 2}
    assert compare_labels(scored, scored)["labels_differ"] == 1  # null never equals


def test_different_row_counts_mean_every_row_differs(tmp_path: Path) -> None:
    scored = write_labels(tmp_path / "scored.parquet", ["Adelie", "Gentoo"])
    plain = write_labels(tmp_path / "plain.parquet", ["Adelie", "Gentoo", "Gentoo"])

    assert compare_labels(scored, plain) == {"rows_out": {SCORER: 2, PLAIN: 3}, "labels_differ": 3}


@pytest.mark.slow
def test_quick_run_scores_both_files_with_both_tools_and_reports_them(tmp_path: Path) -> None:
    assert main(["--quick", "--suites", "batch-scoring", "--out", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "results.json").read_text())
    assert "backends" not in results
    batch = results["batch_scoring"]
    assert batch["scorer_backend"] == "onnx"
    assert [file["rows"] for file in batch["files"]] == [5000, 20_000]
    for file in batch["files"]:
        assert file["rows_out"] == {SCORER: file["rows"], PLAIN: file["rows"]}
        assert file["labels_differ"] == 0
        for tool in file["tools"].values():
            assert tool["rows_per_second"] > 0
            assert 50 < tool["peak_rss_mb"] < 2000
    markdown = (tmp_path / "results.md").read_text()
    assert "| 20,000 (0.2 MB) | make score |" in markdown
    assert "| batch outputs agree (rows and labels, every file) | all equal | 0 of 25,000 labels differ | yes |" in (
        markdown
    )
