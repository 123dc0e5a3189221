"""`python -m app.scoring` as real processes: array children in parallel, and a child killed mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from app.scoring.errors import IncompleteOutputError
from app.scoring.finalize import finalize
from app.scoring.plan import Shard
from app.scoring.run import ScoringJob, score_dataset
from app.scoring.uris import Storage
from app.tests.scoring.conftest import (
    SERVING_DIR,
    expected,
    read_output,
    same_rows,
    table,
    write_parquet,
)
from app.tests.scoring.echo import EchoScorer
from testkit.s3 import S3Server


def command(*argv: str, delay: float = 0.0) -> list[str]:
    """The real CLI with the echo scorer (see echo.py)."""
    return [sys.executable, "-m", "app.tests.scoring.echo", "--delay", str(delay), *argv]


def start(argv: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        cwd=SERVING_DIR,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_array_children_score_their_shards_in_parallel(tmp_path: Path, s3: S3Server, s3_prefix: str) -> None:
    storage = Storage(s3_endpoint=s3.endpoint)
    source, output = f"{s3_prefix}/in.csv", f"{s3_prefix}/scores"
    with storage.locate(source).filesystem.open_output_stream(source.removeprefix("s3://")) as stream:
        pacsv.write_csv(table(3000, negative_every=11), stream)
    aws = {name: value for name, value in s3.env.items() if name.startswith("AWS_")}
    aws["AWS_ENDPOINT_URL_S3"] = s3.endpoint

    children = [
        start(
            command("score", source, output, "--shards", "3", "--chunk-rows", "500"),
            **aws,
            AWS_BATCH_JOB_ARRAY_INDEX=str(index),
        )
        for index in range(3)
    ]
    results = [(child.wait(timeout=120), *child.communicate()) for child in children]
    finalized = finalize(storage.locate(output), 3)

    assert [(code, err) for code, _, err in results] == [(0, "")] * 3, results
    assert [out.split(" -> ")[1].strip() for _, out, _ in results] == [
        f"{output}/part-0000{index}.parquet" for index in range(3)
    ]
    assert finalized.line() == f"finalized 3 shards: 3000 rows (273 failed) -> {output}/_SUCCESS"
    filesystem = storage.locate(output).filesystem
    parts = []
    for index in range(3):
        with filesystem.open_input_file(f"{output.removeprefix('s3://')}/part-0000{index}.parquet") as stream:
            parts.append(pq.read_table(stream))
    assert same_rows(pa.concat_tables(parts), expected(table(3000, negative_every=11)))


@pytest.mark.slow
def test_a_child_killed_mid_write_leaves_no_part_and_its_rerun_completes(tmp_path: Path, storage: Storage) -> None:
    source = write_parquet(tmp_path / "in.parquet", table(2000), row_group_size=100)
    out = tmp_path / "out"
    score_dataset(ScoringJob(input=str(source), output=str(out), shard=Shard(0, 2)), EchoScorer(), storage=storage)
    argv = command("score", str(source), str(out), "--shards", "2", "--shard", "1", "--chunk-rows", "50", delay=0.05)
    child = start(argv)
    deadline = time.monotonic() + 60
    while not list(out.glob(".part-00001.parquet.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # a few chunks into the part
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=10)

    spools = list(out.glob(".part-00001.parquet.*.partial"))
    assert len(spools) == 1
    assert spools[0].stat().st_size > 0
    assert not (out / "part-00001.parquet").exists()
    assert not (out / "part-00001.manifest.json").exists()
    with pytest.raises(IncompleteOutputError, match=r"missing shard\(s\) 1 of 2"):
        finalize(storage.locate(str(out)), 2)

    score_dataset(ScoringJob(input=str(source), output=str(out), shard=Shard(1, 2)), EchoScorer(), storage=storage)

    finalize(storage.locate(str(out)), 2)
    assert same_rows(read_output(out), expected(table(2000)))


@pytest.mark.slow
def test_an_output_bucket_lost_mid_run_exits_3_so_that_aws_batch_retries(tmp_path: Path, s3: S3Server) -> None:
    # Exit codes 1 and 2 are the data's verdict, which a rerun repeats; storage that fails under
    # a run is not, and AWS Batch retries every other code (service_deployment/batch_scoring.py).
    import boto3

    bucket = "vanishing-output"
    s3_client = boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1")
    s3_client.create_bucket(Bucket=bucket)
    source = write_parquet(tmp_path / "in.parquet", table(2000), row_group_size=100)
    spool = tmp_path / "spool"
    spool.mkdir()
    aws = {name: value for name, value in s3.env.items() if name.startswith("AWS_")}
    argv = command("score", str(source), f"s3://{bucket}/out.parquet", "--chunk-rows", "100", delay=0.05)
    child = start(argv, **aws, AWS_ENDPOINT_URL_S3=s3.endpoint, TMPDIR=str(spool))
    deadline = time.monotonic() + 60
    # The part is spooled locally and uploaded at the end: once rows are in the spool, remove the bucket.
    while not any(path.stat().st_size > 4 for path in spool.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    s3_client.delete_bucket(Bucket=bucket)
    out, err = child.communicate(timeout=60)

    assert (child.returncode, out) == (3, "")
    assert err.startswith(f"error: s3://{bucket}/out.parquet: storage failed during the run (")
    assert err.endswith("); nothing was published; a rerun may succeed\n")
    assert err.count("\n") == 1
    assert list(spool.iterdir()) == []


@pytest.mark.slow
def test_python_m_app_scoring_runs_without_a_web_framework_pandas_or_scikit_learn(tmp_path: Path) -> None:
    script = """
import runpy, sys
sys.argv = ["app.scoring", "finalize", sys.argv[1], "--shards", "2"]
try:
    runpy.run_module("app.scoring", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    print(exit.code, sorted(m for m in ("fastapi", "starlette", "uvicorn", "pandas", "sklearn") if m in sys.modules))
"""
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "out")],
        cwd=SERVING_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout == "1 []\n"
    assert result.stderr == f"error: {tmp_path / 'out'}: no such folder; run the shards first\n"
