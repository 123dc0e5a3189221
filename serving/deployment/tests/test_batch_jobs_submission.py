"""A scoring run as SubmitJob requests, and runs refused before anything is submitted."""

from __future__ import annotations

import pytest

from deployment.batch_jobs.errors import BatchJobError
from deployment.batch_jobs.submission import ScoringRun, check_run, finalize_request, job_name, score_request
from deployment.batch_jobs.targets import BatchTargets

TARGETS = BatchTargets(
    stack="PenguinsBatchScoring-staging",
    job_queue="arn:aws:batch:eu-west-1:1:job-queue/q",
    score_job_definition="arn:aws:batch:eu-west-1:1:job-definition/score:3",
    finalize_job_definition="arn:aws:batch:eu-west-1:1:job-definition/finalize:3",
    input_prefixes=("s3://data/customers", "s3://other/exports/"),
    output_prefix="s3://data/scores/",
)


def test_shards_become_an_array_job_and_finalize_waits_for_all_of_them() -> None:
    run = ScoringRun(input="s3://data/customers/2026-11.parquet", output="s3://data/scores/nightly 2026-11", shards=8)

    score = score_request(run, TARGETS)
    final = finalize_request(run, TARGETS, "job-1")

    parameters = {
        "input": "s3://data/customers/2026-11.parquet",
        "output": "s3://data/scores/nightly 2026-11",
        "shards": "8",
        "maxErrorRate": "1",
    }
    assert score == {
        "jobName": "score-nightly-2026-11",
        "jobQueue": TARGETS.job_queue,
        "jobDefinition": TARGETS.score_job_definition,
        "parameters": parameters,
        "arrayProperties": {"size": 8},
    }
    assert final == {
        "jobName": "finalize-nightly-2026-11",
        "jobQueue": TARGETS.job_queue,
        "jobDefinition": TARGETS.finalize_job_definition,
        "parameters": parameters,
        "dependsOn": [{"jobId": "job-1"}],
    }


def test_one_shard_is_a_plain_job_and_the_error_rate_is_passed_on() -> None:
    run = ScoringRun(input="s3://other/exports/a.csv", output="s3://data/scores/r", shards=1, max_error_rate=0.05)

    request = score_request(run, TARGETS)

    assert "arrayProperties" not in request
    assert request["parameters"]["shards"] == "1"
    assert request["parameters"]["maxErrorRate"] == "0.05"


def test_job_names_keep_only_the_letters_aws_batch_allows() -> None:
    assert job_name("score", "s3://b/out/run.2026/") == "score-run-2026"
    assert job_name("score", "s3://b/out/***") == "score-run"
    assert len(job_name("finalize", "s3://b/" + "x" * 300)) == 128


@pytest.mark.parametrize(
    ("run", "message"),
    [
        (
            ScoringRun(input="s3://data/customers/a.csv", output="s3://data/scores/r", shards=0),
            "SHARDS must be 1 to 10000 (AWS Batch's largest array), got 0",
        ),
        (
            ScoringRun(input="s3://data/customers/a.csv", output="s3://data/scores/r", shards=10_001),
            "SHARDS must be 1 to 10000 (AWS Batch's largest array), got 10001",
        ),
        (
            # A prefix is a folder: "customers-old" is not under "customers".
            ScoringRun(input="s3://data/customers-old/a.csv", output="s3://data/scores/r", shards=2),
            "s3://data/customers-old/a.csv is not under an input prefix of PenguinsBatchScoring-staging "
            "(s3://data/customers, s3://other/exports/): the jobs may read only those "
            "(redeploy with -c batchInput=... to add one)",
        ),
        (
            ScoringRun(input="s3://data/customers/a.csv", output="s3://data/scores/", shards=2),
            "s3://data/scores/ is not a folder under the output prefix of PenguinsBatchScoring-staging "
            "(s3://data/scores/): give each run its own folder there",
        ),
        (
            ScoringRun(input="s3://data/customers/a.csv", output="s3://elsewhere/r", shards=2),
            "s3://elsewhere/r is not a folder under the output prefix of PenguinsBatchScoring-staging "
            "(s3://data/scores/): give each run its own folder there",
        ),
    ],
)
def test_a_run_the_jobs_could_not_finish_is_refused(run: ScoringRun, message: str) -> None:
    with pytest.raises(BatchJobError) as caught:
        check_run(run, TARGETS)

    assert str(caught.value) == message
    assert caught.value.exit_code == 2


def test_an_output_inside_the_input_is_refused() -> None:
    targets = BatchTargets(**{**TARGETS.__dict__, "input_prefixes": ("s3://data",)})
    run = ScoringRun(input="s3://data/scores", output="s3://data/scores/r", shards=2)

    with pytest.raises(BatchJobError) as caught:
        check_run(run, targets)

    assert (
        str(caught.value) == "s3://data/scores/r overlaps the input s3://data/scores: the run would read its own output"
    )
