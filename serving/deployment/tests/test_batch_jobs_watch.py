"""Following a run: a line per change, until finalize ends. AWS Batch's answers are scripted here;
test_batch_jobs.py follows runs in moto's Batch."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from deployment.batch_jobs.watch import RunStatus, follow


class ScriptedBatch:
    """DescribeJobs answering each call with the next (score summary, finalize status) of a script."""

    def __init__(self, script: list[tuple[dict[str, int], str]]) -> None:
        self._script: Iterator[tuple[dict[str, int], str]] = iter(script)
        self.calls = 0

    def describe_jobs(self, jobs: list[str]) -> dict[str, Any]:
        self.calls += 1
        summary, final = next(self._script)
        score_status = "SUCCEEDED" if set(summary) == {"SUCCEEDED"} else "RUNNING"
        return {
            "jobs": [
                {"jobId": "f", "status": final},
                {
                    "jobId": "s",
                    "status": score_status,
                    "arrayProperties": {"statusSummary": summary, "size": sum(summary.values())},
                    "parameters": {"output": "s3://b/out/r"},
                },
            ]
        }


def test_a_line_is_printed_for_each_change_until_finalize_ends() -> None:
    batch = ScriptedBatch(
        [
            ({"RUNNABLE": 3}, "PENDING"),
            ({"RUNNABLE": 3}, "PENDING"),
            ({"RUNNING": 2, "RUNNABLE": 1}, "PENDING"),
            ({"SUCCEEDED": 3}, "PENDING"),
            ({"SUCCEEDED": 3}, "RUNNING"),
            ({"SUCCEEDED": 3}, "SUCCEEDED"),
        ]
    )
    out, waits = io.StringIO(), list[float]()

    # The clock advances only by the waits between polls.
    status = follow(batch, "s", "f", out=out, poll_seconds=15, clock=lambda: sum(waits), wait=waits.append)

    assert status.succeeded
    assert status.parameters == {"output": "s3://b/out/r"}
    assert out.getvalue().splitlines() == [
        "[     0 s] shards: 3 runnable of 3; finalize: PENDING",
        "[    30 s] shards: 2 running, 1 runnable of 3; finalize: PENDING",
        "[    45 s] shards: 3 succeeded of 3; finalize: PENDING",
        "[    60 s] shards: 3 succeeded of 3; finalize: RUNNING",
        "[    75 s] shards: 3 succeeded of 3; finalize: SUCCEEDED",
    ]
    assert waits == [15] * 5
    assert batch.calls == 6


def test_a_failed_shard_fails_the_run_once_batch_fails_finalize() -> None:
    batch = ScriptedBatch([({"SUCCEEDED": 1, "FAILED": 1}, "FAILED")])

    status = follow(batch, "s", "f", out=io.StringIO(), poll_seconds=1, wait=lambda _: None)

    assert status.done
    assert not status.succeeded


def test_a_one_shard_run_counts_its_plain_job_as_the_shard() -> None:
    status = RunStatus(score_status="RUNNING", finalize_status="PENDING", shards={"RUNNING": 1})

    assert status.line() == "shards: 1 running of 1; finalize: PENDING"
