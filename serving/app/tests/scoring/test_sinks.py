from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from app.scoring.formats import Format
from app.scoring.sinks import AtomicFile, TableSink, write_bytes
from app.scoring.uris import Storage

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


def batch(start: int, rows: int) -> pa.RecordBatch:
    ids = list(range(start, start + rows))
    return pa.record_batch({"id": ids, "name": [f"n{i}" for i in ids]}, schema=SCHEMA)


def test_a_committed_table_appears_whole_with_its_digest(tmp_path: Path, storage: Storage) -> None:
    target = storage.locate(str(tmp_path / "out.parquet"))

    with TableSink(target, SCHEMA, Format.PARQUET) as sink:
        sink.write(batch(0, 3))
        assert not (tmp_path / "out.parquet").exists()
        sink.write(batch(3, 2))
        written = sink.commit()

    assert pq.read_table(tmp_path / "out.parquet").column("id").to_pylist() == [0, 1, 2, 3, 4]
    assert written.size == (tmp_path / "out.parquet").stat().st_size
    assert written.sha256 == hashlib.sha256((tmp_path / "out.parquet").read_bytes()).hexdigest()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.parquet"]


def test_while_writing_only_a_hidden_spool_exists_beside_the_target(tmp_path: Path, storage: Storage) -> None:
    sink = TableSink(storage.locate(str(tmp_path / "out.csv")), SCHEMA, Format.CSV)
    sink.write(batch(0, 2))

    names = [path.name for path in tmp_path.iterdir()]
    assert len(names) == 1
    assert names[0].startswith(".out.csv.")
    assert names[0].endswith(".partial")
    sink.abort()


def test_an_exception_mid_stream_publishes_nothing_and_keeps_the_previous_file(
    tmp_path: Path, storage: Storage
) -> None:
    (tmp_path / "out.csv").write_text("previous run\n")
    target = storage.locate(str(tmp_path / "out.csv"))

    def interrupted_write() -> None:
        with TableSink(target, SCHEMA, Format.CSV) as sink:
            sink.write(batch(0, 2))
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        interrupted_write()

    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.csv"]
    assert (tmp_path / "out.csv").read_text() == "previous run\n"


def test_a_rerun_replaces_the_file(tmp_path: Path, storage: Storage) -> None:
    target = storage.locate(str(tmp_path / "out.csv"))
    for start in (0, 10):
        with TableSink(target, SCHEMA, Format.CSV) as sink:
            sink.write(batch(start, 2))
            sink.commit()

    assert pacsv.read_csv(tmp_path / "out.csv").column("id").to_pylist() == [10, 11]


def test_an_empty_table_still_has_its_columns(tmp_path: Path, storage: Storage) -> None:
    for name, fmt in [("out.parquet", Format.PARQUET), ("out.csv", Format.CSV)]:
        with TableSink(storage.locate(str(tmp_path / name)), SCHEMA, fmt) as sink:
            sink.commit()

    assert pq.read_table(tmp_path / "out.parquet").schema == SCHEMA
    assert (tmp_path / "out.csv").read_text() == '"id","name"\n'


def test_an_s3_object_appears_only_on_commit(s3_storage: Storage, s3_prefix: str) -> None:
    target = s3_storage.locate(f"{s3_prefix}/out.parquet")
    filesystem = target.filesystem

    with TableSink(target, SCHEMA, Format.PARQUET) as sink:
        sink.write(batch(0, 4))
        assert filesystem.get_file_info(target.path).type == pafs.FileType.NotFound
        written = sink.commit()

    with filesystem.open_input_file(target.path) as stream:
        assert pq.read_table(stream).column("id").to_pylist() == [0, 1, 2, 3]
    assert written.uri == f"{s3_prefix}/out.parquet"
    assert filesystem.get_file_info(target.path).size == written.size


def test_an_aborted_s3_file_leaves_no_object_and_no_spool(s3_storage: Storage, s3_prefix: str) -> None:
    target = s3_storage.locate(f"{s3_prefix}/out.csv")
    atomic = AtomicFile(target)
    Path(atomic.spool_path).write_bytes(b"half")

    atomic.abort()

    assert target.filesystem.get_file_info(target.path).type == pafs.FileType.NotFound
    assert not Path(atomic.spool_path).exists()


def test_small_files_are_written_whole(tmp_path: Path, s3_storage: Storage, s3_prefix: str) -> None:
    local = write_bytes(s3_storage.locate(str(tmp_path / "m.json")), b"{}\n")
    remote = write_bytes(s3_storage.locate(f"{s3_prefix}/m.json"), b"{}\n")

    assert (tmp_path / "m.json").read_bytes() == b"{}\n"
    assert (local.size, local.sha256) == (remote.size, remote.sha256) == (3, hashlib.sha256(b"{}\n").hexdigest())
