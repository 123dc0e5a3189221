"""Reading the input: a CSV or Parquet file, or a folder of them, as bounded record batches.

`open_dataset` finds the files and the schema (fast: footers and one CSV block); `ChunkReader`
streams the rows of some plan units in input order, `chunk_rows` at a time, so memory stays
flat whatever the input size: about one Parquet row group, or one CSV block, plus one chunk.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from app.scoring.csv_lines import CSV_PARSE, CountingStream, csv_header, line_start
from app.scoring.errors import ScoringError, storage_failed
from app.scoring.formats import Format, format_of, is_hidden
from app.scoring.plan import ByteRange, RowGroup, Unit, split_bytes, split_row_groups
from app.scoring.uris import Location, first_line

# The CSV reader's block: the size of the batches it parses, and the sample types are inferred from.
CSV_BLOCK_BYTES = 1 << 20
# A CSV range is fetched this many bytes at a time (one ranged GET on S3).
READ_BUFFER_BYTES = 8 << 20


@dataclass(frozen=True)
class InputFile:
    path: str
    size: int


@dataclass(frozen=True)
class Dataset:
    """The input: its files in name order, one format, and the schema every chunk is read with.

    Parquet: the first file's schema. CSV: the first file's header, types inferred from its
    first block (a column empty there is read as text), or given by `column_types`.
    """

    location: Location
    format: Format
    files: tuple[InputFile, ...]
    schema: pa.Schema
    row_groups: tuple[RowGroup, ...] = ()
    # Parquet: each file's footer, read once for the plan and reused by the readers.
    footers: Mapping[str, pq.FileMetaData] = field(default_factory=dict, repr=False, compare=False)

    @property
    def total_rows(self) -> int | None:
        """Rows in the whole input when known without reading it (Parquet), else None."""
        return sum(group.rows for group in self.row_groups) if self.format is Format.PARQUET else None

    def plan(self, shards: int) -> list[list[Unit]]:
        """The units of each of `shards` shards (see `plan`)."""
        split: Sequence[Sequence[Unit]] = (
            split_row_groups(self.row_groups, shards)
            if self.format is Format.PARQUET
            else split_bytes([(file.path, file.size) for file in self.files], shards)
        )
        return [list(units) for units in split]

    def uri_of(self, path: str) -> str:
        return _uri(self.location, path)


def open_dataset(location: Location, column_types: Mapping[str, pa.DataType]) -> Dataset:
    """Raises ScoringError: nothing there, no data files, mixed or unknown formats, unreadable files."""
    files, fmt = _data_files(location)
    if fmt is Format.PARQUET:
        footers = {file.path: _footer(location, file.path) for file in files}
        groups = tuple(
            RowGroup(file=file.path, index=index, rows=footers[file.path].row_group(index).num_rows)
            for file in files
            for index in range(footers[file.path].num_row_groups)
        )
        schema = footers[files[0].path].schema.to_arrow_schema()
        return Dataset(location=location, format=fmt, files=files, schema=schema, row_groups=groups, footers=footers)
    return Dataset(location=location, format=fmt, files=files, schema=_csv_schema(location, files[0], column_types))


def _data_files(location: Location) -> tuple[tuple[InputFile, ...], Format]:
    info = location.info()
    if info.type == pafs.FileType.NotFound:
        raise ScoringError(f"{location.uri}: no such file or folder")
    if info.type == pafs.FileType.File:
        fmt = format_of(location.name)
        if fmt is None:
            raise ScoringError(f"{location.uri}: unknown input format; expected a .csv or .parquet file")
        return (InputFile(path=location.path, size=info.size),), fmt
    try:
        listing = location.filesystem.get_file_info(pafs.FileSelector(location.path, recursive=False))
    except OSError as exc:
        raise ScoringError(f"{location.uri}: cannot list the folder ({first_line(exc)})") from exc
    found = sorted(
        (
            (entry, fmt)
            for entry in listing
            if entry.is_file and not is_hidden(entry.base_name) and (fmt := format_of(entry.base_name))
        ),
        key=lambda pair: pair[0].base_name,
    )
    formats = {fmt for _, fmt in found}
    if not found:
        raise ScoringError(f"{location.uri}: no .csv or .parquet files in this folder")
    if len(formats) > 1:
        raise ScoringError(f"{location.uri}: the folder mixes CSV and Parquet files; score each format on its own")
    return tuple(InputFile(path=entry.path, size=entry.size) for entry, _ in found), formats.pop()


def _uri(location: Location, path: str) -> str:
    """A file of the input as users write it: a local path, or s3://bucket/key."""
    return path if location.is_local else f"s3://{path}"


def _footer(location: Location, path: str) -> pq.FileMetaData:
    uri = _uri(location, path)
    try:
        with location.filesystem.open_input_file(path) as stream:
            return pq.ParquetFile(stream).metadata
    except (OSError, pa.ArrowException) as exc:
        raise ScoringError(f"{uri}: not a readable Parquet file ({first_line(exc)})") from exc


def _csv_schema(location: Location, first: InputFile, column_types: Mapping[str, pa.DataType]) -> pa.Schema:
    uri = _uri(location, first.path)
    try:
        with location.filesystem.open_input_file(first.path) as stream:
            names = csv_header(stream, size=first.size, uri=uri)[1]
        known = {name: kind for name, kind in column_types.items() if name in names}
        with location.filesystem.open_input_stream(first.path) as stream:
            inferred = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
                parse_options=CSV_PARSE,
                convert_options=pacsv.ConvertOptions(column_types=known),
            ).schema
    except (OSError, pa.ArrowException) as exc:
        raise ScoringError(f"{uri}: not a readable CSV file ({first_line(exc)})") from exc
    # A column empty in the sample is typed null, which no later value would fit.
    return pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in inferred])


class ChunkReader:
    """The rows of `units`, in order, as record batches of `chunk_rows` rows (the last one fewer).

    Batches hold `columns` (a subset of the dataset's schema, in the schema's order) typed as in
    `dataset.schema`. Construction checks that each file has them (ScoringError); iteration
    raises ScoringError naming the file when a value cannot be read or converted.
    """

    def __init__(self, dataset: Dataset, units: Sequence[Unit], columns: Sequence[str], chunk_rows: int) -> None:
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        self._dataset, self._units, self._chunk_rows = dataset, list(units), chunk_rows
        self._schema = pa.schema([dataset.schema.field(name) for name in columns])
        self._csv_headers: dict[str, int] = {}
        self.work_done = 0
        self.total_work = sum(_work(unit) for unit in self._units)
        for path in dict.fromkeys(unit.file for unit in self._units):
            self._check_file(path)

    @property
    def work_unit(self) -> str:
        """What `total_work` and `work_done` count: "rows" (Parquet) or "bytes" (CSV)."""
        return "rows" if self._dataset.format is Format.PARQUET else "bytes"

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return rechunk(self._batches(), self._chunk_rows)

    def _batches(self) -> Iterator[pa.RecordBatch]:
        # A shard's units of one file are consecutive: each file is opened once.
        for path, units in itertools.groupby(self._units, key=lambda unit: unit.file):
            try:
                with self._open(path) as stream:
                    if self._dataset.format is Format.PARQUET:
                        yield from self._read_row_groups(stream, path, [u for u in units if isinstance(u, RowGroup)])
                    else:
                        for unit in units:
                            if isinstance(unit, ByteRange):
                                yield from self._read_byte_range(stream, unit)
            except OSError as exc:
                raise storage_failed(self._dataset.uri_of(path), exc) from exc
            except pa.ArrowException as exc:
                raise ScoringError(f"{self._dataset.uri_of(path)}: {self._name_columns(first_line(exc))}") from exc

    def _check_file(self, path: str) -> None:
        dataset = self._dataset
        if dataset.format is Format.PARQUET:
            present = set(dataset.footers[path].schema.to_arrow_schema().names)
        else:
            with self._open(path) as stream:
                self._csv_headers[path], present_names = csv_header(
                    stream, size=stream.size(), uri=dataset.uri_of(path)
                )
            if present_names != dataset.schema.names:
                raise ScoringError(f"{dataset.uri_of(path)}: its header differs from the first file's")
            present = set(present_names)
        missing = [name for name in self._schema.names if name not in present]
        if missing:
            raise ScoringError(f"{dataset.uri_of(path)}: no column(s) {', '.join(map(repr, missing))}")

    def _open(self, path: str) -> pa.NativeFile:
        try:
            return self._dataset.location.filesystem.open_input_file(path)
        except OSError as exc:
            raise storage_failed(self._dataset.uri_of(path), exc) from exc

    def _name_columns(self, message: str) -> str:
        # pyarrow counts CSV columns from 0 ("In CSV column #2: ..."); say which one that is.
        names = self._dataset.schema.names
        return re.sub(
            r"CSV column #(\d+)",
            lambda found: f"column {names[int(found[1])]!r}" if int(found[1]) < len(names) else found[0],
            message,
        )

    def _read_row_groups(self, stream: pa.NativeFile, path: str, units: list[RowGroup]) -> Iterator[pa.RecordBatch]:
        parquet = pq.ParquetFile(stream, metadata=self._dataset.footers[path], pre_buffer=True)
        for unit in units:
            # One row group per call: memory holds one row group's columns, not the file's.
            for batch in parquet.iter_batches(self._chunk_rows, row_groups=[unit.index], columns=self._schema.names):
                self.work_done += batch.num_rows
                yield batch if batch.schema == self._schema else batch.cast(self._schema)

    def _read_byte_range(self, stream: pa.NativeFile, unit: ByteRange) -> Iterator[pa.RecordBatch]:
        size, first = stream.size(), self._csv_headers[unit.file]
        start = line_start(stream, unit.start, first=first, size=size)
        end = line_start(stream, unit.end, first=first, size=size)
        done = self.work_done
        if start < end:
            segment = CountingStream(pa.BufferedInputStream(stream.get_stream(start, end - start), READ_BUFFER_BYTES))
            reader = pacsv.open_csv(
                segment,
                read_options=pacsv.ReadOptions(column_names=self._dataset.schema.names, block_size=CSV_BLOCK_BYTES),
                parse_options=CSV_PARSE,
                convert_options=pacsv.ConvertOptions(
                    column_types=self._dataset.schema, include_columns=self._schema.names
                ),
            )
            for batch in reader:
                self.work_done = done + min(segment.count, unit.end - unit.start)
                yield batch
        self.work_done = done + unit.end - unit.start


def _work(unit: Unit) -> int:
    return int(unit.rows if isinstance(unit, RowGroup) else unit.end - unit.start)


def rechunk(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The same rows in the same order, as batches of exactly `rows` rows (the last one fewer)."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        while batch.num_rows:
            taken = batch.slice(0, rows - count)
            pending.append(taken)
            count += taken.num_rows
            batch = batch.slice(taken.num_rows)
            if count == rows:
                yield pending[0] if len(pending) == 1 else pa.concat_batches(pending)
                pending, count = [], 0
    if count:
        yield pending[0] if len(pending) == 1 else pa.concat_batches(pending)
