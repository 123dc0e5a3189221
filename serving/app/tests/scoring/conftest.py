"""Batch scoring tests: small inputs, a trivial scorer, the real pyarrow readers and writers, moto's S3."""

from __future__ import annotations

import itertools
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from app.scoring.uris import Storage
from testkit.s3 import S3Server

BUCKET = "scoring-tests"
# The working folder for `python -m app...` subprocesses: this checkout's `app` comes first on their path.
SERVING_DIR = Path(__file__).resolve().parents[3]


def table(rows: int, *, negative_every: int = 0, start: int = 0) -> pa.Table:
    """`id` 0.., `x` = id + 0.5 (negated every `negative_every` rows), `name` a short text."""
    ids = list(range(start, start + rows))
    x = [-(i + 0.5) if negative_every and i % negative_every == 0 else i + 0.5 for i in ids]
    return pa.table({"id": ids, "x": x, "name": [f"row {i}" for i in ids]})


def expected(source: pa.Table) -> pa.Table:
    """What EchoScorer's run writes for `source`: the input, doubled, error, model_version."""
    negative = pc.less(source["x"], 0)
    return (
        source.append_column("doubled", pc.if_else(negative, None, pc.multiply(source["x"], 2)))
        .append_column("error", pc.if_else(negative, pa.scalar("negative x"), pa.scalar(None, pa.string())))
        .append_column("model_version", pa.array(["echo-1"] * source.num_rows, pa.string()))
    )


def write_csv(path: Path, source: pa.Table) -> Path:
    pacsv.write_csv(source, path)
    return path


def write_parquet(path: Path, source: pa.Table, row_group_size: int = 1000) -> Path:
    pq.write_table(source, path, row_group_size=row_group_size)
    return path


def read_csv(source: Path | pa.NativeFile) -> pa.Table:
    """A CSV output as written: an empty field is null (CSV cannot tell null from "")."""
    return pacsv.read_csv(source, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


def read_output(path: Path | str) -> pa.Table:
    """An output file or a sharded folder (parts in shard order), types as written."""
    path = Path(path)
    if path.is_dir():
        parts = sorted(p for p in path.iterdir() if p.name.startswith("part-") and not p.name.endswith(".json"))
        return pa.concat_tables(read_output(part) for part in parts)
    if path.suffix == ".csv":
        return read_csv(path)
    return pq.read_table(path)


def same_rows(actual: pa.Table, wanted: pa.Table) -> bool:
    """Equal values, column by column, in order (types may differ: CSV reads back int64 for doubles of .0)."""
    if actual.column_names != wanted.column_names or actual.num_rows != wanted.num_rows:
        return False
    return all(
        actual[name].to_pylist() == wanted[name].cast(actual[name].type).to_pylist() for name in actual.column_names
    )


@pytest.fixture
def storage() -> Storage:
    return Storage()


@pytest.fixture(scope="session")
def s3_bucket(s3_server: S3Server) -> str:
    s3_server.create_bucket(BUCKET)
    return BUCKET


@pytest.fixture
def s3(s3_server: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """moto's S3 with the test bucket; its endpoint and test credentials in this test's environment."""
    for name, value in s3_server.env.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint)
    return s3_server


@pytest.fixture
def s3_storage(s3: S3Server) -> Storage:
    return Storage(s3_endpoint=s3.endpoint)


_prefixes = itertools.count()


@pytest.fixture
def s3_prefix(s3: S3Server) -> str:
    """A fresh key prefix in the test bucket."""
    return f"s3://{BUCKET}/t{next(_prefixes)}"
