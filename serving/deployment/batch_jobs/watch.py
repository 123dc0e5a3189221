"""Follow a submitted run until it ends: a progress line whenever it changes, and why a job failed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

# DescribeJobs takes at most 100 job IDs per call.
_DESCRIBE_LIMIT = 100
_ORDER = ("SUCCEEDED", "RUNNING", "STARTING", "RUNNABLE", "PENDING", "SUBMITTED", "FAILED")
DONE = frozenset({"SUCCEEDED", "FAILED"})


@dataclass(frozen=True)
class RunStatus:
    """The two jobs of a run as DescribeJobs reports them; `shards` counts children by status."""

    score_status: str
    finalize_status: str
    shards: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        # finalize never starts when a shard fails: AWS Batch fails it as a dependency instead.
        return self.finalize_status in DONE

    @property
    def succeeded(self) -> bool:
        return self.score_status == "SUCCEEDED" and self.finalize_status == "SUCCEEDED"

    def line(self) -> str:
        """e.g. `shards: 3 succeeded, 5 running of 8; finalize: PENDING`."""
        total = sum(self.shards.values())
        counts = ", ".join(f"{self.shards[name]} {name.lower()}" for name in _ORDER if self.shards.get(name))
        return f"shards: {counts or self.score_status.lower()} of {total}; finalize: {self.finalize_status}"


def run_status(batch: Any, score_job_id: str, finalize_job_id: str) -> RunStatus:
    jobs = {job["jobId"]: job for job in batch.describe_jobs(jobs=[score_job_id, finalize_job_id])["jobs"]}
    score, final = jobs[score_job_id], jobs[finalize_job_id]
    summary = score.get("arrayProperties", {}).get("statusSummary")
    # A one-shard run is a plain job: its own status is its one shard's.
    shards = {name: count for name, count in summary.items() if count} if summary else {score["status"]: 1}
    return RunStatus(
        score_status=score["status"],
        finalize_status=final["status"],
        shards=shards,
        parameters=dict(score.get("parameters", {})),
    )


def follow(
    batch: Any,
    score_job_id: str,
    finalize_job_id: str,
    *,
    out: TextIO,
    poll_seconds: float,
    clock: Callable[[], float] = time.monotonic,
    wait: Callable[[float], None] = time.sleep,
) -> RunStatus:
    """Poll until finalize has succeeded or failed; prints `[elapsed] <status line>` on each change."""
    started, last = clock(), ""
    while True:
        status = run_status(batch, score_job_id, finalize_job_id)
        if status.line() != last:
            last = status.line()
            print(f"[{clock() - started:6.0f} s] {last}", file=out, flush=True)
        if status.done:
            return status
        wait(poll_seconds)


def failures(batch: Any, score_job_id: str, finalize_job_id: str, shards: int) -> list[str]:
    """One line per failed job: which shard, its exit code and reason, and where its log is."""
    ids = [f"{score_job_id}:{index}" for index in range(shards)] if shards > 1 else [score_job_id]
    return [
        _failure(job, finalize_job_id) for job in _describe(batch, [*ids, finalize_job_id]) if job["status"] == "FAILED"
    ]


def _failure(job: dict[str, Any], finalize_job_id: str) -> str:
    # An array child's ID is its parent's and its index: "<id>:<index>".
    name = "finalize" if job["jobId"] == finalize_job_id else f"shard {job['jobId'].partition(':')[2] or 0}"
    container = job.get("container", {})
    exit_code = container.get("exitCode")
    reason = job.get("statusReason", "no reason given")
    line = f"{name}: failed{'' if exit_code is None else f' (exit {exit_code})'}: {reason}"
    log = container.get("logStreamName")
    return f"{line}; log stream {log}" if log else line


def _describe(batch: Any, ids: list[str]) -> Iterator[dict[str, Any]]:
    position = {job_id: n for n, job_id in enumerate(ids)}
    for start in range(0, len(ids), _DESCRIBE_LIMIT):
        jobs = batch.describe_jobs(jobs=ids[start : start + _DESCRIBE_LIMIT])["jobs"]
        yield from sorted(jobs, key=lambda job: position[job["jobId"]])
