"""A scoring run as two AWS Batch SubmitJob requests: the array of shards, then finalize after all of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from deployment.batch_jobs.errors import BatchJobError
from deployment.batch_jobs.targets import BatchTargets
from deployment.service_deployment import batch_contract

# AWS Batch's bounds: an array job has 2 to 10,000 children; one shard is a plain job.
MAX_SHARDS = 10_000
_JOB_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ScoringRun:
    """Score `input` (a file or folder) into the folder `output`, in `shards` parallel jobs."""

    input: str
    output: str
    shards: int
    max_error_rate: float | None = None

    def parameters(self) -> dict[str, str]:
        """The job parameters that AWS Batch substitutes for `Ref::<name>` in the commands."""
        return {
            batch_contract.PARAMETER_INPUT: self.input,
            batch_contract.PARAMETER_OUTPUT: self.output,
            batch_contract.PARAMETER_SHARDS: str(self.shards),
            batch_contract.PARAMETER_MAX_ERROR_RATE: (
                batch_contract.DEFAULT_MAX_ERROR_RATE if self.max_error_rate is None else repr(self.max_error_rate)
            ),
        }


def check_run(run: ScoringRun, targets: BatchTargets) -> None:
    """Refuse, before anything is submitted, a run the jobs could not finish. Raises BatchJobError."""
    if not 1 <= run.shards <= MAX_SHARDS:
        raise BatchJobError(f"SHARDS must be 1 to {MAX_SHARDS} (AWS Batch's largest array), got {run.shards}")
    if not any(_under(run.input, prefix) for prefix in targets.input_prefixes):
        raise BatchJobError(
            f"{run.input} is not under an input prefix of {targets.stack} ({', '.join(targets.input_prefixes)}): "
            "the jobs may read only those (redeploy with -c batchInput=... to add one)"
        )
    if not _under(run.output, targets.output_prefix) or run.output.rstrip("/") == targets.output_prefix.rstrip("/"):
        raise BatchJobError(
            f"{run.output} is not a folder under the output prefix of {targets.stack} ({targets.output_prefix}): "
            "give each run its own folder there"
        )
    if _under(run.output, run.input) or _under(run.input, run.output):
        raise BatchJobError(f"{run.output} overlaps the input {run.input}: the run would read its own output")


def score_request(run: ScoringRun, targets: BatchTargets) -> dict[str, Any]:
    """SubmitJob arguments for the shards: an array job of `shards` children, or one job for one shard."""
    request: dict[str, Any] = {
        "jobName": job_name("score", run.output),
        "jobQueue": targets.job_queue,
        "jobDefinition": targets.score_job_definition,
        "parameters": run.parameters(),
    }
    if run.shards > 1:
        request["arrayProperties"] = {"size": run.shards}
    return request


def finalize_request(run: ScoringRun, targets: BatchTargets, score_job_id: str) -> dict[str, Any]:
    """SubmitJob arguments for finalize, which starts once every shard has succeeded."""
    return {
        "jobName": job_name("finalize", run.output),
        "jobQueue": targets.job_queue,
        "jobDefinition": targets.finalize_job_definition,
        "parameters": run.parameters(),
        # On an array job, a plain dependency waits for all of its children.
        "dependsOn": [{"jobId": score_job_id}],
    }


def job_name(kind: str, output: str) -> str:
    """`kind-<output folder>`, in the letters AWS Batch allows (128 at most), so the console tells runs apart."""
    folder = output.rstrip("/").rsplit("/", 1)[-1]
    return f"{kind}-{_JOB_NAME_UNSAFE.sub('-', folder).strip('-') or 'run'}"[:128]


def _under(uri: str, prefix: str) -> bool:
    base = prefix.rstrip("/")
    return uri.rstrip("/") == base or uri.startswith(base + "/")
