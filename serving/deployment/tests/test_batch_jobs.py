"""`make score-aws` against moto's Batch, CloudFormation and S3; the tests play the containers' part."""

from __future__ import annotations

import io
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.tests.scoring.conftest import same_rows
from testkit.aws_batch import BatchStack, client, deploy_batch_stack, job_commands
from testkit.s3 import S3Server, s3_server

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[3]
SERVING = REPOSITORY / "serving"
BUCKET = "batch-scoring"
FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "island", "sex"]
_runs = itertools.count()


@pytest.fixture(scope="module")
def penguins() -> pa.Table:
    """The test split, five times over, with an id, in row groups of 100 so that shards get several."""
    split = pq.read_table(REPOSITORY / "data/prepared/test.parquet").select(FEATURES)
    table = pa.concat_tables([split] * 5)
    return table.add_column(0, "id", pa.array(range(table.num_rows), pa.int64()))


@pytest.fixture(scope="module")
def aws(s3_server: S3Server) -> tuple[S3Server, BatchStack]:
    client(s3_server, "s3").create_bucket(Bucket=BUCKET)
    stack = deploy_batch_stack(
        s3_server, environment="test", input_prefixes=[f"s3://{BUCKET}/in"], output_prefix=f"s3://{BUCKET}/out"
    )
    return s3_server, stack


def aws_env(server: S3Server) -> dict[str, str]:
    return {
        **{name: value for name, value in server.env.items() if name.startswith("AWS_")},
        "AWS_ENDPOINT_URL": server.endpoint,
    }


def run(argv: list[str], server: S3Server, **env: str) -> subprocess.CompletedProcess[str]:
    """A command in serving/, like the image's working folder where the code is `app/`."""
    return subprocess.run(
        argv,
        cwd=SERVING,
        env={**os.environ, **aws_env(server), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def batch_jobs(server: S3Server, *argv: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "deployment.batch_jobs", *argv], server)


def upload(server: S3Server, table: pa.Table, key: str) -> None:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=100)
    client(server, "s3").put_object(Bucket=BUCKET, Key=key, Body=buffer.getvalue())


def download(server: S3Server, key: str) -> pa.Table:
    return pq.read_table(io.BytesIO(client(server, "s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()))


def play_batch(server: S3Server, job_id: str) -> None:
    """Run each child of the job as AWS Batch would in the service image: `python` first on PATH,
    in the image's working folder (the code is `app/` there), with the array index it sets."""
    for command, batch_env in job_commands(server, job_id):
        result = run(command, server, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", **batch_env)
        assert (result.returncode, result.stderr) == (0, ""), (command, batch_env, result.stderr)


def submitted_ids(stdout: str) -> tuple[str, str]:
    match = re.search(r"as job (\S+), then finalize as job (\S+)\n", stdout)
    assert match, stdout
    return match.group(1), match.group(2)


def test_a_submitted_run_gives_the_rows_of_one_local_run(
    aws: tuple[S3Server, BatchStack], penguins: pa.Table, tmp_path: Path
) -> None:
    server, _ = aws
    run_id = next(_runs)
    source, output = f"s3://{BUCKET}/in/penguins-{run_id}.parquet", f"s3://{BUCKET}/out/run-{run_id}"
    upload(server, penguins, f"in/penguins-{run_id}.parquet")
    pq.write_table(penguins, tmp_path / "local.parquet")
    local = run(
        [
            sys.executable,
            "-m",
            "app.scoring",
            "score",
            str(tmp_path / "local.parquet"),
            str(tmp_path / "local-out.parquet"),
        ],
        server,
    )
    assert local.returncode == 0, local.stderr

    submitted = batch_jobs(server, "submit", source, output, "--shards", "3", "--environment", "test", "--no-wait")
    assert submitted.returncode == 0, submitted.stderr
    score_id, finalize_id = submitted_ids(submitted.stdout)
    play_batch(server, score_id)
    play_batch(server, finalize_id)
    watched = batch_jobs(server, "watch", score_id, finalize_id, "--poll-seconds", "0.1")

    assert watched.returncode == 0, watched.stderr
    lines = watched.stdout.splitlines()
    assert re.fullmatch(r"\[\s+\d+ s\] shards: 3 succeeded of 3; finalize: SUCCEEDED", lines[0])
    assert lines[1] == f"finalized 3 shards: {penguins.num_rows} rows (0 failed) -> {output}/_SUCCESS"
    parts = [download(server, f"out/run-{run_id}/part-0000{index}.parquet") for index in range(3)]
    assert same_rows(pa.concat_tables(parts), pq.read_table(tmp_path / "local-out.parquet"))


def test_jobs_that_succeeded_without_writing_success_fail_the_run(aws: tuple[S3Server, BatchStack]) -> None:
    server, _ = aws
    run_id = next(_runs)
    output = f"s3://{BUCKET}/out/run-{run_id}"

    # moto marks the jobs SUCCEEDED without running them: no part, no _SUCCESS.
    result = batch_jobs(
        server, "submit", f"s3://{BUCKET}/in/x.parquet", output, "--shards", "2", "--environment", "test",
        "--poll-seconds", "0.1",
    )  # fmt: skip

    assert result.returncode == 1
    assert result.stderr == (
        f"error: every job succeeded, but {output}/_SUCCESS: not there; the run has not been finalized\n"
    )


def test_a_failed_run_names_each_failed_job() -> None:
    with s3_server(server_env={"MOTO_SIMPLE_BATCH_FAIL_AFTER": "0"}) as server:
        deploy_batch_stack(
            server, environment="test", input_prefixes=[f"s3://{BUCKET}/in"], output_prefix=f"s3://{BUCKET}/out"
        )
        result = batch_jobs(
            server, "submit", f"s3://{BUCKET}/in/x.csv", f"s3://{BUCKET}/out/r", "--shards", "2",
            "--environment", "test", "--poll-seconds", "0.1",
        )  # fmt: skip

    assert result.returncode == 1
    assert "shards: 2 failed of 2; finalize: FAILED" in result.stdout
    errors = result.stderr.splitlines()
    assert errors[0] == "error: the run failed:"
    assert [line.split(":")[0].strip() for line in errors[1:]] == ["shard 0", "shard 1", "finalize"], errors


@pytest.mark.parametrize(
    ("source", "output", "message"),
    [
        (
            f"s3://{BUCKET}/elsewhere/x.csv",
            f"s3://{BUCKET}/out/r",
            f"error: s3://{BUCKET}/elsewhere/x.csv is not under an input prefix of PenguinsBatchScoring-test "
            f"(s3://{BUCKET}/in): the jobs may read only those (redeploy with -c batchInput=... to add one)\n",
        ),
        (
            f"s3://{BUCKET}/in/x.csv",
            f"s3://{BUCKET}/out",
            f"error: s3://{BUCKET}/out is not a folder under the output prefix of PenguinsBatchScoring-test "
            f"(s3://{BUCKET}/out): give each run its own folder there\n",
        ),
    ],
)
def test_a_run_the_jobs_could_not_finish_is_refused_before_submitting(
    aws: tuple[S3Server, BatchStack], source: str, output: str, message: str
) -> None:
    server, stack = aws
    batch = client(server, "batch")
    before = batch.list_jobs(jobQueue=stack.job_queue, filters=[{"name": "JOB_NAME", "values": ["*"]}])[
        "jobSummaryList"
    ]

    result = batch_jobs(server, "submit", source, output, "--shards", "2", "--environment", "test")

    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)
    after = batch.list_jobs(jobQueue=stack.job_queue, filters=[{"name": "JOB_NAME", "values": ["*"]}])["jobSummaryList"]
    assert after == before


def test_the_region_may_come_from_aws_region_as_for_the_cdk_cli(aws: tuple[S3Server, BatchStack]) -> None:
    # Reported from the field: boto3 alone reads only AWS_DEFAULT_REGION, so `make deploy-batch`
    # worked with AWS_REGION while `make score-aws` said "You must specify a region".
    server, _ = aws
    env = {**os.environ, **aws_env(server), "AWS_REGION": "us-east-1"}
    env.pop("AWS_DEFAULT_REGION")

    result = subprocess.run(
        [sys.executable, "-m", "deployment.batch_jobs", "submit", f"s3://{BUCKET}/in/x.csv", f"s3://{BUCKET}/out/r",
         "--shards", "2", "--environment", "test", "--no-wait"],
        cwd=SERVING, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("submitted 2 shard(s) as job ")


def test_a_stack_that_is_not_deployed_is_named(aws: tuple[S3Server, BatchStack]) -> None:
    server, _ = aws

    result = batch_jobs(
        server,
        "submit",
        f"s3://{BUCKET}/in/x.csv",
        f"s3://{BUCKET}/out/r",
        "--shards",
        "2",
        "--environment",
        "production",
    )

    assert (result.returncode, result.stderr) == (
        2,
        "error: stack PenguinsBatchScoring-production is not deployed in this account and region: "
        "run `make deploy-batch`\n",
    )


def test_make_score_aws_submits_the_run_the_user_asked_for(aws: tuple[S3Server, BatchStack]) -> None:
    server, stack = aws
    run_id = next(_runs)
    source, output = f"s3://{BUCKET}/in/penguins.parquet", f"s3://{BUCKET}/out/make-{run_id}"

    result = subprocess.run(
        ["make", "--no-print-directory", "score-aws", f"INPUT={source}", f"OUTPUT={output}", "SHARDS=4",
         "SERVICE_ENVIRONMENT=test", "ARGS=--no-wait --max-error-rate 0.25"],
        cwd=REPOSITORY, env={**os.environ, **aws_env(server)}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    score_id, finalize_id = submitted_ids(result.stdout)
    jobs = {job["jobId"]: job for job in client(server, "batch").describe_jobs(jobs=[score_id, finalize_id])["jobs"]}
    parameters = {"input": source, "output": output, "shards": "4", "maxErrorRate": "0.25"}
    assert (jobs[score_id]["jobName"], jobs[score_id]["parameters"]) == (f"score-make-{run_id}", parameters)
    assert jobs[score_id]["arrayProperties"]["size"] == 4
    assert jobs[score_id]["jobDefinition"] == stack.score_job_definition
    assert (jobs[finalize_id]["jobDefinition"], jobs[finalize_id]["dependsOn"]) == (
        stack.finalize_job_definition,
        [{"jobId": score_id}],
    )


def test_make_score_aws_without_its_variables_prints_its_usage() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "score-aws", "INPUT=s3://b/in"],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.startswith(
        "usage: make score-aws INPUT=s3://bucket/key OUTPUT=s3://bucket/prefix/run SHARDS=N"
    )
