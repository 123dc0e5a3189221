from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from app.scoring.errors import ErrorRateError, ScoringError
from app.scoring.plan import Shard
from app.scoring.run import ScoringJob, score_dataset
from app.scoring.uris import Storage
from app.tests.scoring.conftest import (
    expected,
    read_output,
    same_rows,
    table,
    write_csv,
    write_parquet,
)
from app.tests.scoring.echo import EchoScorer

WRITERS = {"csv": write_csv, "parquet": write_parquet}


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize(("source", "target"), [("csv", "parquet"), ("parquet", "csv"), ("csv", "csv")])
def test_rows_come_out_in_input_order_with_predictions_and_model_version(
    tmp_path: Path, storage: Storage, source: str, target: str
) -> None:
    data = table(100, negative_every=9)
    WRITERS[source](tmp_path / f"in.{source}", data)
    scorer = EchoScorer()

    summary = score_dataset(
        ScoringJob(input=str(tmp_path / f"in.{source}"), output=str(tmp_path / f"out.{target}"), chunk_rows=7),
        scorer,
        storage=storage,
    )

    output = read_output(tmp_path / f"out.{target}")
    assert same_rows(output, expected(data))
    assert (summary.rows_read, summary.rows_failed) == (100, 12)
    assert [rows for rows, _ in scorer.calls] == [7] * 14 + [2]
    assert {tuple(schema.names) for _, schema in scorer.calls} == {("x",)}
    assert files_in(tmp_path) == sorted([f"in.{source}", f"out.{target}"])


def test_the_summary_line_counts_rows_time_and_rate(tmp_path: Path, storage: Storage) -> None:
    write_parquet(tmp_path / "in.parquet", table(30, negative_every=10))
    ticks = iter([10.0, 12.5])

    summary = score_dataset(
        ScoringJob(input=str(tmp_path / "in.parquet"), output=str(tmp_path / "o.csv")),
        EchoScorer(),
        storage=storage,
        clock=lambda: next(ticks),
    )

    assert summary.line() == f"scored 30 rows (3 failed) in 2.5 s, 12 rows/s -> {tmp_path / 'o.csv'}"


def test_id_columns_choose_the_input_columns_copied(tmp_path: Path, storage: Storage) -> None:
    write_parquet(tmp_path / "in.parquet", table(5))

    score_dataset(
        ScoringJob(input=str(tmp_path / "in.parquet"), output=str(tmp_path / "o.parquet"), id_columns=("name", "id")),
        EchoScorer(),
        storage=storage,
    )

    output = pq.read_table(tmp_path / "o.parquet")
    assert output.column_names == ["name", "id", "doubled", "error", "model_version"]
    assert output.column("doubled").to_pylist() == [1.0, 3.0, 5.0, 7.0, 9.0]


def test_required_columns_are_cast_to_the_scorers_types(tmp_path: Path, storage: Storage) -> None:
    pq.write_table(pa.table({"x": pa.array([1, 2], pa.int32())}), tmp_path / "in.parquet")
    scorer = EchoScorer()

    score_dataset(
        ScoringJob(input=str(tmp_path / "in.parquet"), output=str(tmp_path / "o.parquet")), scorer, storage=storage
    )

    assert scorer.calls[0][1] == pa.schema([("x", pa.float64())])
    assert pq.read_table(tmp_path / "o.parquet").column("x").type == pa.int32()


@pytest.mark.parametrize(
    ("files", "job", "message"),
    [
        ({"in.csv": b"id,y\n1,2\n"}, {}, "{tmp}/in.csv: the model needs column(s) 'x', which the input lacks"),
        ({}, {"output": "{tmp}/out.json"}, "{tmp}/out.json: unknown output format; expected a .parquet or .csv file"),
        ({}, {"input": "gs://b/in.csv"}, "gs://b/in.csv: unsupported URI; use a local path or s3://bucket/key"),
        ({}, {"input": "{tmp}/nothing.csv"}, "{tmp}/nothing.csv: no such file or folder"),
        ({"in.csv": b"\n"}, {}, "{tmp}/in.csv: not a readable CSV file (no header line)"),
        ({}, {"output": "{tmp}/no/such/out.csv"}, "{tmp}/no/such/out.csv: its folder does not exist"),
        ({}, {"output": "{tmp}/in.csv"}, "{tmp}/in.csv: the output must not be the input or inside it"),
        ({}, {"id_columns": ("id", "nope")}, "{tmp}/in.csv: --id-columns names 'nope', not in the input"),
        (
            {"in.csv": b"id,x,error\n1,2,\n"},
            {},
            "input column(s) 'error' would clash with the output's doubled, error, model_version; "
            "leave them out with --id-columns",
        ),
    ],
)
def test_a_bad_job_is_refused_in_one_line_before_anything_is_written(
    tmp_path: Path, storage: Storage, files: dict[str, bytes], job: dict, message: str
) -> None:
    write_csv(tmp_path / "in.csv", table(3))
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    arguments = {"input": f"{tmp_path}/in.csv", "output": f"{tmp_path}/out.csv", **job}
    arguments = {
        key: value.format(tmp=tmp_path) if isinstance(value, str) else value for key, value in arguments.items()
    }

    with pytest.raises(ScoringError) as caught:
        score_dataset(ScoringJob(**arguments), EchoScorer(), storage=storage)

    assert str(caught.value) == message.format(tmp=tmp_path)
    assert caught.value.exit_code == 2
    assert files_in(tmp_path) == ["in.csv"]


def test_an_exception_mid_stream_publishes_nothing_and_a_rerun_succeeds(tmp_path: Path, storage: Storage) -> None:
    write_csv(tmp_path / "in.csv", table(50))
    (tmp_path / "out.parquet").write_bytes(b"the previous run's file")
    job = ScoringJob(input=str(tmp_path / "in.csv"), output=str(tmp_path / "out.parquet"), chunk_rows=10)

    with pytest.raises(RuntimeError, match="the model broke"):
        score_dataset(job, EchoScorer(fail_after_rows=25), storage=storage)

    assert files_in(tmp_path) == ["in.csv", "out.parquet"]
    assert (tmp_path / "out.parquet").read_bytes() == b"the previous run's file"
    score_dataset(job, EchoScorer(), storage=storage)
    assert same_rows(pq.read_table(tmp_path / "out.parquet"), expected(table(50)))


def test_too_many_failed_rows_publish_nothing(tmp_path: Path, storage: Storage) -> None:
    write_csv(tmp_path / "in.csv", table(40, negative_every=10))
    job = ScoringJob(input=str(tmp_path / "in.csv"), output=str(tmp_path / "o.csv"), chunk_rows=10, max_error_rate=0.05)

    with pytest.raises(ErrorRateError) as caught:
        score_dataset(job, EchoScorer(), storage=storage)

    assert str(caught.value) == "4 of 40 rows failed (10.00%), more than --max-error-rate 0.05; nothing was written"
    assert caught.value.exit_code == 1
    assert files_in(tmp_path) == ["in.csv"]


def test_a_known_row_count_stops_the_run_as_soon_as_the_rate_cannot_be_met(tmp_path: Path, storage: Storage) -> None:
    data = table(100, negative_every=1)  # every row fails
    write_parquet(tmp_path / "in.parquet", data)
    scorer = EchoScorer()
    job = ScoringJob(
        input=str(tmp_path / "in.parquet"), output=str(tmp_path / "o.parquet"), chunk_rows=10, max_error_rate=0.25
    )

    with pytest.raises(
        ErrorRateError, match=r"^30 rows failed after 30 of 100, already more than --max-error-rate 0\.25"
    ):
        score_dataset(job, scorer, storage=storage)

    assert len(scorer.calls) == 3
    assert files_in(tmp_path) == ["in.parquet"]


def test_a_scorer_that_breaks_the_contract_publishes_nothing(tmp_path: Path, storage: Storage) -> None:
    class ShortScorer(EchoScorer):
        def score(self, batch: pa.RecordBatch) -> pa.RecordBatch:
            return super().score(batch).slice(1)

    write_csv(tmp_path / "in.csv", table(5))

    with pytest.raises(TypeError, match="the scorer returned 4 rows of"):
        score_dataset(
            ScoringJob(input=str(tmp_path / "in.csv"), output=str(tmp_path / "o.csv")), ShortScorer(), storage=storage
        )
    assert files_in(tmp_path) == ["in.csv"]


def test_s3_in_and_out_csv_and_parquet(tmp_path: Path, s3_storage: Storage, s3_prefix: str) -> None:
    data = table(60, negative_every=7)
    bucket_fs = s3_storage.locate(s3_prefix).filesystem
    prefix = s3_prefix.removeprefix("s3://")
    with bucket_fs.open_output_stream(f"{prefix}/in/a.csv") as stream:
        pacsv.write_csv(data.slice(0, 25), stream)
    with bucket_fs.open_output_stream(f"{prefix}/in/b.csv") as stream:
        pacsv.write_csv(data.slice(25), stream)

    score_dataset(
        ScoringJob(input=f"{s3_prefix}/in", output=f"{s3_prefix}/out.parquet", chunk_rows=8),
        EchoScorer(),
        storage=s3_storage,
    )
    with bucket_fs.open_input_file(f"{prefix}/out.parquet") as stream:
        assert same_rows(pq.read_table(stream), expected(data))

    score_dataset(
        ScoringJob(input=f"{s3_prefix}/out.parquet", output=str(tmp_path / "again.csv"), id_columns=("id", "x")),
        EchoScorer(),
        storage=s3_storage,
    )
    assert pacsv.read_csv(tmp_path / "again.csv").column("id").to_pylist() == list(range(60))


def test_an_s3_output_in_a_missing_bucket_is_refused_before_reading(tmp_path: Path, s3_storage: Storage) -> None:
    write_csv(tmp_path / "in.csv", table(3))
    job = ScoringJob(input=str(tmp_path / "in.csv"), output="s3://no-such-bucket/out.parquet")

    with pytest.raises(ScoringError) as caught:
        score_dataset(job, EchoScorer(), storage=s3_storage)

    assert str(caught.value) == "s3://no-such-bucket/out.parquet: the bucket 'no-such-bucket' does not exist"


def test_a_sharded_run_writes_a_part_and_a_manifest_per_shard(tmp_path: Path, storage: Storage) -> None:
    data = table(95, negative_every=6)
    write_parquet(tmp_path / "in.parquet", data, row_group_size=10)
    out = tmp_path / "scores"

    summaries = [
        score_dataset(
            ScoringJob(input=str(tmp_path / "in.parquet"), output=str(out), chunk_rows=4, shard=Shard(index, 3)),
            EchoScorer(),
            storage=storage,
        )
        for index in range(3)
    ]

    assert files_in(out) == [f"part-0000{i}.{kind}" for i in range(3) for kind in ("manifest.json", "parquet")]
    assert [summary.output for summary in summaries] == [str(out / f"part-0000{i}.parquet") for i in range(3)]
    assert sum(summary.rows_read for summary in summaries) == 95
    parts = [pq.read_table(out / f"part-0000{i}.parquet") for i in range(3)]
    assert same_rows(pa.concat_tables(parts), expected(data))


def test_a_shard_with_no_units_writes_an_empty_part_with_the_columns(tmp_path: Path, storage: Storage) -> None:
    write_parquet(tmp_path / "in.parquet", table(10), row_group_size=10)

    score_dataset(
        ScoringJob(input=str(tmp_path / "in.parquet"), output=str(tmp_path / "out.csv"), shard=Shard(0, 2)),
        EchoScorer(),
        storage=storage,
    )

    assert (
        tmp_path / "out.csv" / "part-00000.csv"
    ).read_text() == '"id","x","name","doubled","error","model_version"\n'
