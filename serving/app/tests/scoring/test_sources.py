from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from app.scoring.errors import ScoringError
from app.scoring.sources import ChunkReader, Dataset, open_dataset, rechunk
from app.scoring.uris import Storage
from app.tests.scoring.conftest import table, write_parquet

CSV_FILES = {
    "plain": b"id,x,name\n" + b"".join(b"%d,%d.5,row %d\n" % (i, i, i) for i in range(60)),
    "crlf, no final newline": b"id,x,name\r\n" + b"\r\n".join(b"%d,%d.5,r%d" % (i, i, i) for i in range(40)),
    "quoted commas and quotes": b"id,x,name\n" + b"".join(b'%d,%d.5,"a, ""b"" %d"\n' % (i, i, i) for i in range(45)),
    "blank lines": b"id,x,name\n1,1.5,a\n\n2,2.5,b\n\n\n3,3.5,c\n" * 5,
    "a line longer than a scan": b"id,x,name\n1,1.5,short\n2,2.5," + b"y" * 70_000 + b"\n3,3.5,short\n",
    "header only": b"id,x,name\n",
}


def read_all(dataset: Dataset, shards: int, chunk_rows: int = 7) -> list[dict]:
    rows: list[dict] = []
    for units in dataset.plan(shards):
        for batch in ChunkReader(dataset, units, dataset.schema.names, chunk_rows):
            rows.extend(batch.to_pylist())
    return rows


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_csv_row_is_read_by_exactly_one_shard_in_order(tmp_path: Path, storage: Storage, name: str) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(CSV_FILES[name])
    dataset = open_dataset(storage.locate(str(path)), {})
    whole = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=dataset.schema)).to_pylist()

    for shards in range(1, 8):
        assert read_all(dataset, shards) == whole, f"{shards} shards"


def test_a_folder_of_csv_files_is_read_in_name_order_by_shards(tmp_path: Path, storage: Storage) -> None:
    for index, name in enumerate(["b.csv", "a.csv", "c.csv"]):
        lines = b"".join(b"%d,%d.5,f%d\n" % (index * 100 + i, i, index) for i in range(20 + 7 * index))
        (tmp_path / name).write_bytes(b"id,x,name\n" + lines)
    (tmp_path / "_SUCCESS").write_bytes(b"{}")
    (tmp_path / ".a.csv.1234.partial").write_bytes(b"garbage")
    dataset = open_dataset(storage.locate(str(tmp_path)), {})
    whole = [row for name in ["a.csv", "b.csv", "c.csv"] for row in pacsv.read_csv(tmp_path / name).to_pylist()]

    assert [Path(file.path).name for file in dataset.files] == ["a.csv", "b.csv", "c.csv"]
    for shards in range(1, 8):
        assert read_all(dataset, shards) == whole, f"{shards} shards"


def test_every_parquet_row_is_read_by_exactly_one_shard_in_order(tmp_path: Path, storage: Storage) -> None:
    write_parquet(tmp_path / "part-0.parquet", table(53), row_group_size=10)
    write_parquet(tmp_path / "part-1.parquet", table(0, start=53))
    write_parquet(tmp_path / "part-2.parquet", table(31, start=53), row_group_size=7)
    dataset = open_dataset(storage.locate(str(tmp_path)), {})

    assert dataset.total_rows == 84
    for shards in range(1, 8):
        assert read_all(dataset, shards) == table(84).to_pylist(), f"{shards} shards"


def test_chunks_have_chunk_rows_rows_across_row_groups_and_files(tmp_path: Path, storage: Storage) -> None:
    write_parquet(tmp_path / "a.parquet", table(25), row_group_size=10)
    write_parquet(tmp_path / "b.parquet", table(12, start=25), row_group_size=5)
    dataset = open_dataset(storage.locate(str(tmp_path)), {})

    batches = list(ChunkReader(dataset, dataset.plan(1)[0], ["id"], 8))

    assert [batch.num_rows for batch in batches] == [8, 8, 8, 8, 5]
    assert [row["id"] for batch in batches for row in batch.to_pylist()] == list(range(37))


def test_rechunk_keeps_rows_and_order() -> None:
    batches = [pa.record_batch({"a": list(range(start, start + size))}) for start, size in [(0, 3), (3, 0), (3, 9)]]

    chunks = list(rechunk(batches, 5))

    assert [chunk.num_rows for chunk in chunks] == [5, 5, 2]
    assert [row["a"] for chunk in chunks for row in chunk.to_pylist()] == list(range(12))


def test_a_whole_csv_file_may_hold_line_breaks_inside_quotes(tmp_path: Path, storage: Storage) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b'id,x,name\n1,1.5,"two\nlines"\n2,2.5,plain\n')
    dataset = open_dataset(storage.locate(str(path)), {})

    assert read_all(dataset, 1) == [
        {"id": 1, "x": 1.5, "name": "two\nlines"},
        {"id": 2, "x": 2.5, "name": "plain"},
    ]


def test_csv_types_come_from_the_first_block_and_the_scorer(tmp_path: Path, storage: Storage) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(b"id,x,empty,code\n1,1.5,,7\n2,2.5,,8\n")

    dataset = open_dataset(storage.locate(str(path)), {"code": pa.string()})

    assert dataset.schema == pa.schema(
        [("id", pa.int64()), ("x", pa.float64()), ("empty", pa.string()), ("code", pa.string())]
    )


def test_parquet_files_with_other_column_types_are_read_as_the_first_file(tmp_path: Path, storage: Storage) -> None:
    pq.write_table(pa.table({"id": pa.array([1, 2], pa.int64())}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"id": pa.array([3], pa.int32())}), tmp_path / "b.parquet")
    dataset = open_dataset(storage.locate(str(tmp_path)), {})

    batches = list(ChunkReader(dataset, dataset.plan(1)[0], ["id"], 10))

    assert batches[0].schema == pa.schema([("id", pa.int64())])
    assert batches[0].column("id").to_pylist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("files", "target", "message"),
    [
        ({}, "missing.csv", r"missing\.csv: no such file or folder"),
        ({"data.json": b"{}"}, "data.json", r"data\.json: unknown input format; expected a \.csv or \.parquet file"),
        ({"sub/notes.txt": b"x"}, "sub", r"sub: no \.csv or \.parquet files in this folder"),
        ({"d/a.csv": b"x\n1\n", "d/b.parquet": b"x"}, "d", r"d: the folder mixes CSV and Parquet files"),
        ({"bad.parquet": b"not parquet"}, "bad.parquet", r"bad\.parquet: not a readable Parquet file \(.+\)$"),
        ({"empty.csv": b""}, "empty.csv", r"empty\.csv: not a readable CSV file \(no header line\)"),
    ],
)
def test_an_input_that_cannot_be_scored_is_refused_in_one_line(
    tmp_path: Path, storage: Storage, files: dict[str, bytes], target: str, message: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)

    with pytest.raises(ScoringError, match=message) as caught:
        open_dataset(storage.locate(str(tmp_path / target)), {})
    assert "\n" not in str(caught.value)


def test_a_csv_whose_header_differs_from_the_first_files_is_refused_before_reading(
    tmp_path: Path, storage: Storage
) -> None:
    (tmp_path / "a.csv").write_bytes(b"id,x\n1,1.5\n")
    (tmp_path / "b.csv").write_bytes(b"id,y\n2,2.5\n")
    dataset = open_dataset(storage.locate(str(tmp_path)), {})

    with pytest.raises(ScoringError, match=r"b\.csv: its header differs from the first file's"):
        ChunkReader(dataset, dataset.plan(1)[0], ["id"], 10)


def test_a_value_that_does_not_fit_the_columns_type_stops_the_read_naming_file_and_column(
    tmp_path: Path, storage: Storage
) -> None:
    path = tmp_path / "input.csv"
    # Typed from the first 1 MiB block: x is a number; a later block holds text.
    path.write_bytes(b"name,x\n" + b"a,1.5\n" * 200_000 + b"b,oops\n")
    dataset = open_dataset(storage.locate(str(path)), {})

    with pytest.raises(ScoringError) as caught:
        list(ChunkReader(dataset, dataset.plan(1)[0], ["x"], 50_000))

    assert str(caught.value) == f"{path}: In column 'x': CSV conversion error to double: invalid value 'oops'"
