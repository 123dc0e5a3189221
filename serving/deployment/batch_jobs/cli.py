"""The command line: submit a scoring run to AWS Batch and follow it, or follow one already submitted.

    python -m deployment.batch_jobs submit INPUT OUTPUT --shards N [--environment staging | --stack NAME]
                                           [--max-error-rate R] [--no-wait] [--poll-seconds S]
    python -m deployment.batch_jobs watch SCORE_JOB_ID FINALIZE_JOB_ID [--poll-seconds S]

AWS credentials, region and endpoint come from the standard AWS variables and files.
Exit codes: 0 the run succeeded (or was submitted, with --no-wait); 1 a job failed or the output is
incomplete; 2 a bad command, a stack that is not there, or an input or output the jobs may not use;
130 interrupted while watching (the run goes on).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from deployment.batch_jobs.errors import BatchJobError, RunFailedError
from deployment.batch_jobs.settings import BatchJobSettings
from deployment.batch_jobs.submission import ScoringRun, check_run, finalize_request, score_request
from deployment.batch_jobs.targets import read_targets
from deployment.batch_jobs.watch import failures, follow
from deployment.service_deployment import batch_contract

DEFAULT_POLL_SECONDS = 15.0


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        batch = _client("batch")
        if args.command == "submit":
            score_id, finalize_id = _submit(batch, args, stdout)
            if args.no_wait:
                return 0
        else:
            score_id, finalize_id = args.score_job_id, args.finalize_job_id
        return _watch(batch, score_id, finalize_id, args.poll_seconds, stdout, stderr)
    except BatchJobError as exc:
        print(f"error: {exc}", file=stderr)
        return int(exc.exit_code)


def _submit(batch: Any, args: argparse.Namespace, stdout: TextIO) -> tuple[str, str]:
    stack = args.stack or batch_contract.stack_name(args.environment)
    targets = read_targets(_client("cloudformation"), stack)
    run = ScoringRun(input=args.input, output=args.output, shards=args.shards, max_error_rate=args.max_error_rate)
    check_run(run, targets)
    score = _call(batch.submit_job, **score_request(run, targets))
    final = _call(batch.submit_job, **finalize_request(run, targets, score["jobId"]))
    score_id, finalize_id = str(score["jobId"]), str(final["jobId"])
    print(f"submitted {run.shards} shard(s) as job {score_id}, then finalize as job {finalize_id}", file=stdout)
    print(f"follow it with: python -m deployment.batch_jobs watch {score_id} {finalize_id}", file=stdout)
    return score_id, finalize_id


def _watch(batch: Any, score_id: str, finalize_id: str, poll_seconds: float, stdout: TextIO, stderr: TextIO) -> int:
    try:
        status = _call(follow, batch, score_id, finalize_id, out=stdout, poll_seconds=poll_seconds)
    except KeyboardInterrupt:
        print(f"stopped watching; the run goes on: python -m deployment.batch_jobs watch {score_id} {finalize_id}",
              file=stderr)  # fmt: skip
        return 130
    if not status.succeeded:
        shards = sum(status.shards.values())
        reasons = _call(failures, batch, score_id, finalize_id, shards)
        raise RunFailedError("the run failed:\n  " + "\n  ".join(reasons or ["no failed job found"]))
    print(_summary(status.parameters[batch_contract.PARAMETER_OUTPUT]), file=stdout)
    return 0


def _summary(output: str) -> str:
    """The finalize job's own summary line, from the `_SUCCESS` manifest it wrote."""
    from app.scoring.errors import ScoringError
    from app.scoring.finalize import read_success
    from app.scoring.settings import load_settings
    from app.scoring.uris import Storage

    try:
        storage = Storage(s3_endpoint=load_settings().s3_endpoint)
        return str(read_success(storage.locate(output)).line())
    except ScoringError as exc:
        raise RunFailedError(f"every job succeeded, but {exc}") from exc


def _client(service: str) -> Any:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.client(service, region_name=BatchJobSettings().region)
    except BotoCoreError as exc:  # no region configured, most often
        raise BatchJobError(f"cannot create an AWS {service} client: {exc}") from exc


def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """An AWS call whose refusal becomes one line, not a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return function(*args, **kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise BatchJobError(f"AWS Batch refused: {error.get('Code')}: {error.get('Message')}") from exc
    except BotoCoreError as exc:
        raise BatchJobError(f"cannot reach AWS Batch: {exc}") from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deployment.batch_jobs", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    submit = commands.add_parser("submit", help="submit a scoring run, then follow it")
    submit.add_argument("input", help="s3://bucket/key: a .csv or .parquet file, or a folder of them")
    submit.add_argument("output", help="s3://bucket/prefix/run: the folder for the parts and _SUCCESS")
    submit.add_argument("--shards", type=_count, required=True, help=f"parallel jobs, 1..{10_000}")
    where = submit.add_mutually_exclusive_group()
    where.add_argument("--environment", default="staging", help="the stack of this environment (default staging)")
    where.add_argument("--stack", help="the batch scoring stack's name, instead of --environment")
    submit.add_argument("--max-error-rate", type=float, help="fail the run when failed/read rows exceed R")
    submit.add_argument("--no-wait", action="store_true", help="print the job IDs and return")
    watch = commands.add_parser("watch", help="follow a submitted run until it ends")
    watch.add_argument("score_job_id")
    watch.add_argument("finalize_job_id")
    for command in (submit, watch):
        command.add_argument("--poll-seconds", type=float, default=DEFAULT_POLL_SECONDS, help="between status checks")
    return parser


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
