"""Batch scoring: `make score`'s command against a plain pandas script, on the same files, alternately.

Each tool runs as its own process, started afresh for every run; a run's time is the wall time
from start to exit (interpreter start, imports and model load included, as a user waits for
them) and its memory the process's peak resident set, from the kernel's own accounting, which
no polling can miss (bench/child_usage.py). Every figure is the median of `repeats` runs.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from app.bundle import read_metadata
from bench.scoring_data import CACHE, DataSpec, penguins_parquet

REPOSITORY = Path(__file__).resolve().parents[1]
PLAIN_SCRIPT = REPOSITORY / "bench/plain_scoring.py"
LAUNCHER = REPOSITORY / "bench/child_usage.py"
SCORER, PLAIN = "make score", "plain pandas script"
# Far above any run seen (2M rows: under 30 s); only a hung child meets it.
RUN_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True)
class ScoringProfile:
    sizes: tuple[int, ...]  # rows per input file, smallest first
    repeats: int
    # Where the input files are kept between runs; None: made afresh in the run's scratch folder.
    cache: Path | None = CACHE


FULL = ScoringProfile(sizes=(500_000, 2_000_000), repeats=3)
# Two sizes, so that the growth target is computed; small enough for the test suite, and not worth caching.
QUICK = ScoringProfile(sizes=(5_000, 20_000), repeats=1, cache=None)

# A tool's command for (input, output, model bundle folder).
Command = Callable[[Path, Path, Path], list[str]]


def scorer_command(source: Path, target: Path, model_dir: Path) -> list[str]:
    """What `make score INPUT=... OUTPUT=...` runs."""
    return [sys.executable, "-m", "app.scoring", "score", str(source), str(target), "--model", str(model_dir)]


def plain_command(source: Path, target: Path, model_dir: Path) -> list[str]:
    model_file = model_dir / read_metadata(model_dir).artifacts.model.file
    return [sys.executable, str(PLAIN_SCRIPT), str(source), str(target), str(model_file)]


TOOLS: dict[str, Command] = {SCORER: scorer_command, PLAIN: plain_command}


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_rss_mb: float


def run_child(command: list[str], *, log: Path, timeout: float = RUN_TIMEOUT_SECONDS) -> ChildRun:
    """Run `command` from the repository's root, through bench/child_usage.py (which says why).

    Its output goes to `log`. Raises RuntimeError, with the output's end, unless it exits 0
    within `timeout` seconds; at the timeout the command is killed.
    """
    usage_file = log.with_suffix(".usage.json")
    usage_file.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPOSITORY / "serving"), str(REPOSITORY)])}
    launcher = [sys.executable, "-I", "-S", str(LAUNCHER), str(usage_file), *command]
    with log.open("wb") as output:
        # A session of its own: at the timeout, the launcher and the command go together.
        process = subprocess.Popen(  # noqa: S603 - our own launcher and commands
            launcher, cwd=REPOSITORY, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise RuntimeError(f"{' '.join(command)}: still running after {timeout} s, killed") from None
    tail = log.read_text(errors="replace")[-2000:]
    if not usage_file.is_file():  # the launcher itself failed, e.g. no such program
        raise RuntimeError(f"{' '.join(command)}: could not be run (launcher exit {process.returncode}):\n{tail}")
    usage = json.loads(usage_file.read_text())
    if usage["exit_code"] != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {usage['exit_code']}:\n{tail}")
    return ChildRun(seconds=usage["seconds"], peak_rss_mb=usage["peak_rss_mb"])


def summarise(rows: int, runs: list[ChildRun]) -> dict[str, Any]:
    return {
        "rows_per_second": round(statistics.median(rows / run.seconds for run in runs)),
        "seconds": round(statistics.median(run.seconds for run in runs), 2),
        "peak_rss_mb": round(statistics.median(run.peak_rss_mb for run in runs)),
        "runs": [{"seconds": round(run.seconds, 3), "peak_rss_mb": round(run.peak_rss_mb, 1)} for run in runs],
    }


def compare_labels(scored: Path, plain: Path) -> dict[str, Any]:
    """Row counts, and the rows whose labels differ (a row the scorer refused counts as differing)."""
    left, right = (pq.read_table(path, columns=["prediction"])["prediction"] for path in (scored, plain))
    differ = _differing(left, right) if len(left) == len(right) else max(len(left), len(right))
    return {"rows_out": {SCORER: len(left), PLAIN: len(right)}, "labels_differ": differ}


def _differing(left: pa.ChunkedArray, right: pa.ChunkedArray) -> int:
    # Labels are compared as text: the plain script writes pandas' large strings, the scorer Arrow strings.
    same = pc.equal(left.cast(pa.large_string()), right.cast(pa.large_string()))
    return len(left) - int(pc.sum(pc.fill_null(same, False)).as_py() or 0)


def measure(profile: ScoringProfile, model_dir: Path, scratch: Path) -> dict[str, Any]:
    """Both tools on every file of the profile; the shape results.json holds under "batch_scoring".

    Each round runs every file with each tool in turn, so that the machine's changing load falls
    on all of them alike. The last round's outputs are compared.
    """
    onnx = read_metadata(model_dir).artifacts.onnx
    sources = {rows: penguins_parquet(DataSpec(rows), cache=profile.cache or scratch) for rows in profile.sizes}
    outputs = {(rows, name): scratch / f"{rows}-{i}.parquet" for rows in sources for i, name in enumerate(TOOLS)}
    runs: dict[tuple[int, str], list[ChildRun]] = {key: [] for key in outputs}
    for _ in range(profile.repeats):
        for rows, source in sources.items():
            for name, command in TOOLS.items():
                output = outputs[rows, name]
                output.unlink(missing_ok=True)  # what is compared is this run's output
                runs[rows, name].append(run_child(command(source, output, model_dir), log=output.with_suffix(".log")))
    files = [
        {
            "rows": rows,
            "input_mb": round(source.stat().st_size / 2**20, 1),
            "tools": {name: summarise(rows, runs[rows, name]) for name in TOOLS},
            **compare_labels(outputs[rows, SCORER], outputs[rows, PLAIN]),
        }
        for rows, source in sources.items()
    ]
    scorer_backend = "onnx" if onnx is not None and onnx.available else "sklearn"
    return {"repeats": profile.repeats, "scorer_backend": scorer_backend, "files": files}
