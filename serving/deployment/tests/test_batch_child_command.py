"""The synthesized job definitions' exact commands, run as AWS Batch would run them, against moto's S3.

The commands and default parameters come from the template; the submitted parameters from the
submit client's own SubmitJob requests. Each array child is a local process in `serving/` (the
image's WORKDIR holds the code as `app/`), with AWS_BATCH_JOB_ARRAY_INDEX set and the container
environment of its job definition. The model is a bundle trained here by the real stages.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from deployment.batch_jobs.submission import ScoringRun, check_run, finalize_request, score_request
from deployment.batch_jobs.targets import BatchTargets
from deployment.service_deployment import batch_contract as contract
from testkit.aws_batch import client, substitute
from testkit.bundles import BUNDLES, TrainedBundle, train_bundle
from testkit.processes import VENV_BIN
from testkit.s3 import S3Server

pytestmark = pytest.mark.slow

SERVING_DIR = Path(__file__).resolve().parents[2]
INPUT_BUCKET, OUTPUT_BUCKET = "batch-child-input", "batch-child-output"
INPUT_PREFIX, OUTPUT_PREFIX = f"s3://{INPUT_BUCKET}/tables", f"s3://{OUTPUT_BUCKET}/scores"
SOURCE = f"{INPUT_PREFIX}/tumours/"
SHARDS = 3
# Six chunks of the scorer's 50,000 rows per child: a child is still writing well after its first chunk.
ROWS = SHARDS * 300_000
REGION = "us-east-1"


@dataclass(frozen=True)
class Jobs:
    """What the template says each job runs, and what the client submits."""

    commands: dict[str, list[str]]
    defaults: dict[str, dict[str, str]]
    environment: dict[str, dict[str, str]]
    targets: BatchTargets


@pytest.fixture(scope="module")
def jobs(synthesize_app) -> Jobs:
    stacks = synthesize_app({"batchInput": INPUT_PREFIX, "batchOutput": OUTPUT_PREFIX})
    template = stacks[contract.stack_name("staging")].raw
    definitions = {
        resource["Properties"]["ContainerProperties"]["Command"][3]: resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Batch::JobDefinition"
    }
    outputs = {name: output["Value"] for name, output in template["Outputs"].items()}
    return Jobs(
        commands={kind: job["ContainerProperties"]["Command"] for kind, job in definitions.items()},
        defaults={kind: job["Parameters"] for kind, job in definitions.items()},
        environment={kind: _container_environment(job["ContainerProperties"]) for kind, job in definitions.items()},
        targets=BatchTargets(
            stack=contract.stack_name("staging"),
            job_queue="arn:aws:batch:us-east-1:123456789012:job-queue/scoring",
            score_job_definition="arn:aws:batch:us-east-1:123456789012:job-definition/score:1",
            finalize_job_definition="arn:aws:batch:us-east-1:123456789012:job-definition/finalize:1",
            input_prefixes=tuple(outputs[contract.OUTPUT_INPUT_PREFIXES].split(",")),
            output_prefix=outputs[contract.OUTPUT_OUTPUT_PREFIX],
        ),
    )


def _container_environment(container: Mapping[str, Any]) -> dict[str, str]:
    """The job definition's variables, with the stack's region resolved as CloudFormation would."""
    region = {"Ref": "AWS::Region"}
    return {item["Name"]: REGION if item["Value"] == region else item["Value"] for item in container["Environment"]}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> TrainedBundle:
    return train_bundle(BUNDLES["breast-cancer"], tmp_path_factory.mktemp("bundle") / "project")


@pytest.fixture(scope="module")
def source_file(bundle: TrainedBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle's data without its target, repeated to ROWS rows with an id, in row groups of 10,000."""
    data = pacsv.read_csv(bundle.project / bundle.spec.data_file).drop_columns([bundle.spec.target])
    rows = pa.concat_tables([data] * (ROWS // data.num_rows + 1)).slice(0, ROWS)
    path = tmp_path_factory.mktemp("source") / "rows.parquet"
    pq.write_table(rows.add_column(0, "id", pa.array(range(ROWS), pa.int64())), path, row_group_size=10_000)
    return path


@pytest.fixture(scope="module")
def s3(s3_server: S3Server, source_file: Path) -> S3Server:
    s3_server.create_bucket(INPUT_BUCKET)
    s3_server.create_bucket(OUTPUT_BUCKET)
    bucket, key = _bucket_key(f"{SOURCE}rows.parquet")
    client(s3_server, "s3").upload_file(str(source_file), bucket, key)
    return s3_server


@pytest.fixture(scope="module")
def reference(bundle: TrainedBundle, source_file: Path, tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    """One local `score` run of the same rows, no shards, no S3."""
    output = tmp_path_factory.mktemp("reference") / "scores.parquet"
    command = ["python", "-m", "app.scoring", "score", str(source_file), str(output)]
    _finished(_start(command, _local_env(bundle)))
    return pq.read_table(output)


def _local_env(bundle: TrainedBundle, **extra: str) -> dict[str, str]:
    # The venv's python first, as the image's; the bundle where the service's variable says.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_BATCH_")}
    return {
        **environment,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "MODEL_SERVICE_MODEL_DIR": str(bundle.model_dir),
        **extra,
    }


def _job_env(s3: S3Server, bundle: TrainedBundle, jobs: Jobs, kind: str, **extra: str) -> dict[str, str]:
    credentials = {name: s3.env[name] for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    return _local_env(bundle, **jobs.environment[kind], **credentials, AWS_ENDPOINT_URL_S3=s3.endpoint, **extra)


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, cwd=SERVING_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finished(process: subprocess.Popen[str], code: int = 0) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == code, (process.returncode, out, err)
    return out + err


@dataclass(frozen=True)
class Submitted:
    """One scoring run as the client submits it: the children's commands and environments, then finalize."""

    children: list[tuple[list[str], dict[str, str]]]
    finalize: list[str]


def _submit(jobs: Jobs, output: str) -> Submitted:
    run = ScoringRun(input=SOURCE, output=output, shards=SHARDS)
    check_run(run, jobs.targets)
    score = score_request(run, jobs.targets)
    command = substitute(jobs.commands["score"], jobs.defaults["score"], score)
    size = score["arrayProperties"]["size"]
    finalize = substitute(
        jobs.commands["finalize"], jobs.defaults["finalize"], finalize_request(run, jobs.targets, "0")
    )
    return Submitted([(command, {"AWS_BATCH_JOB_ARRAY_INDEX": str(index)}) for index in range(size)], finalize)


def _bucket_key(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _objects(s3: S3Server, folder: str) -> dict[str, bytes]:
    bucket, prefix = _bucket_key(folder.rstrip("/") + "/")
    s3_client = client(s3, "s3")
    keys = [item["Key"] for item in s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    return {key.removeprefix(prefix): s3_client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def _published(s3: S3Server, output: str) -> tuple[dict[str, Any], pa.Table]:
    """`_SUCCESS`, and its parts read in the order it lists them."""
    objects = _objects(s3, output)
    success = json.loads(objects["_SUCCESS"])
    parts = [pq.read_table(io.BytesIO(objects[part["file"]])) for part in success["parts"]]
    return success, pa.concat_tables(parts)


def _assert_same_as_the_single_run(s3: S3Server, output: str, reference: pa.Table) -> None:
    success, scored = _published(s3, output)
    assert [part["file"] for part in success["parts"]] == [f"part-{index:05d}.parquet" for index in range(SHARDS)]
    assert success["rows"] == {"read": ROWS, "scored": ROWS, "failed": 0}
    assert success["plan"]["input_rows"] == ROWS
    assert scored.column("id").to_pylist() == list(range(ROWS))  # none lost, none twice, in order
    assert scored.equals(reference)  # the same predictions, column for column


def test_array_children_then_finalize_give_the_single_runs_rows(s3, jobs, bundle, reference):
    submitted = _submit(jobs, f"{OUTPUT_PREFIX}/parallel")
    children = [_start(command, _job_env(s3, bundle, jobs, "score", **env)) for command, env in submitted.children]
    for child in children:
        _finished(child)
    line = _finished(_start(submitted.finalize, _job_env(s3, bundle, jobs, "finalize")))

    assert line == f"finalized {SHARDS} shards: {ROWS} rows (0 failed) -> {OUTPUT_PREFIX}/parallel/_SUCCESS\n"
    _assert_same_as_the_single_run(s3, f"{OUTPUT_PREFIX}/parallel", reference)


def _spools(folder: Path, shard: int) -> Iterator[Path]:
    # An S3 part is spooled whole in TMPDIR (app/scoring/sinks.py) and uploaded at the end.
    return folder.glob(f"part-{shard:05d}.parquet.*.partial")


def _wait_for_rows_in_spool(child: subprocess.Popen[str], spool_dir: Path, shard: int) -> None:
    """Until the child's part spool holds a written row group (more than Parquet's 4-byte header)."""
    deadline = time.monotonic() + 120
    while not any(path.stat().st_size > 64 * 1024 for path in _spools(spool_dir, shard)):
        assert child.poll() is None, f"shard {shard} exited ({child.returncode}) before it was killed"
        assert time.monotonic() < deadline, f"shard {shard} wrote no rows in 120 s"
        time.sleep(0.01)


def test_a_child_killed_mid_write_then_rerun_still_gives_the_single_runs_rows(s3, jobs, bundle, reference, tmp_path):
    output = f"{OUTPUT_PREFIX}/rerun"
    submitted = _submit(jobs, output)
    (killed_command, killed_env) = submitted.children[1]
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    others = [_start(command, _job_env(s3, bundle, jobs, "score", **env)) for command, env in submitted.children[::2]]
    victim = _start(killed_command, _job_env(s3, bundle, jobs, "score", **killed_env, TMPDIR=str(spool_dir)))
    _wait_for_rows_in_spool(victim, spool_dir, 1)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    for other in others:
        _finished(other)

    assert victim.returncode == -signal.SIGKILL
    assert sorted(_objects(s3, output)) == [
        "part-00000.manifest.json",
        "part-00000.parquet",
        "part-00002.manifest.json",
        "part-00002.parquet",
    ]
    refused = _finished(_start(submitted.finalize, _job_env(s3, bundle, jobs, "finalize")), code=1)
    assert f"missing shard(s) 1 of {SHARDS}" in refused

    _finished(_start(killed_command, _job_env(s3, bundle, jobs, "score", **killed_env)))
    _finished(_start(submitted.finalize, _job_env(s3, bundle, jobs, "finalize")))

    _assert_same_as_the_single_run(s3, output, reference)
