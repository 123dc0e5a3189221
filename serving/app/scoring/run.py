"""The scoring loop: plan -> read chunks -> score -> write, counting rows.

Everything that can be checked is checked before the first byte is written (ScoringError,
exit 2): the URIs, the input's files and columns, the output's format and folder, column
name clashes. Then the rows stream through in chunks of `chunk_rows`; the output is published
whole at the end, or not at all.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from app.scoring import manifest, sinks
from app.scoring.csv_gaps import csv_gaps_to_nulls
from app.scoring.errors import ErrorRateError, ScoringError, StorageError, storage_failed
from app.scoring.formats import Format, format_of
from app.scoring.plan import Shard, Unit, plan_id
from app.scoring.progress import NoProgress, Progress
from app.scoring.scorer import MODEL_VERSION_COLUMN, Scorer, check_prediction_schema, failed_rows
from app.scoring.sources import ChunkReader, Dataset, open_dataset
from app.scoring.uris import Location, Storage, first_line

DEFAULT_CHUNK_ROWS = 50_000


@dataclass(frozen=True, kw_only=True)
class ScoringJob:
    """One run. `output` is a file (.parquet, .pq or .csv) without `shard`, a folder of parts with it.

    `id_columns`: the input columns copied to the output (default: all of them).
    `max_error_rate`: the largest failed/read fraction that still publishes the output.
    """

    input: str
    output: str
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    id_columns: tuple[str, ...] | None = None
    shard: Shard | None = None
    max_error_rate: float | None = None


@dataclass(frozen=True)
class RunSummary:
    output: str
    rows_read: int
    rows_failed: int
    seconds: float

    def line(self) -> str:
        rate = self.rows_read / self.seconds if self.seconds > 0 else 0.0
        return (
            f"scored {self.rows_read} rows ({self.rows_failed} failed) in {self.seconds:.1f} s, "
            f"{rate:.0f} rows/s -> {self.output}"
        )


def score_dataset(
    job: ScoringJob,
    scorer: Scorer,
    *,
    storage: Storage,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RunSummary:
    """Score `job.input` into `job.output`; for a sharded job, also write the part's manifest.

    Raises ScoringError (exit 2) before writing anything for a bad URI, input or output; during
    the run for a value that cannot be read. Raises ErrorRateError (exit 1) when more rows
    failed than allowed, as soon as that is certain. Either way nothing is published.
    Exceptions from the scorer propagate, with nothing published.
    """
    started = clock()
    run = _prepare(job, scorer, storage)
    if job.shard is not None:
        _start_part(run.target, run.shard.index)
    progress = progress or NoProgress()
    progress.start(run.reader.total_work, run.reader.work_unit)
    try:
        written, rows, failed = _stream(run, scorer, job.max_error_rate, progress)
    finally:
        progress.finish()
    seconds = clock() - started
    if job.shard is not None:
        _write_manifest(run, rows, failed, scorer.model_version, written, seconds)
    return RunSummary(output=written.uri, rows_read=rows, rows_failed=failed, seconds=seconds)


@dataclass(frozen=True)
class _Run:
    """A job checked against its input and output, ready to stream."""

    dataset: Dataset
    plan: list[list[Unit]]
    shard: Shard
    reader: ChunkReader
    kept: list[str]
    schema: pa.Schema
    target: Location
    part: Location
    format: Format
    # What the scorer receives each required column as.
    input_types: dict[str, pa.DataType]
    # CSV columns whose gap text becomes null before the scorer sees them (see _scorer_input).
    csv_gap_columns: frozenset[str]


def _prepare(job: ScoringJob, scorer: Scorer, storage: Storage) -> _Run:
    source, target = storage.locate(job.input), storage.locate(job.output)
    out_format = _output_format(target, sharded=job.shard is not None)
    dataset = open_dataset(source, {**scorer.required_columns, **scorer.csv_column_types})
    types = dict(scorer.required_columns)
    gap_columns: frozenset[str] = frozenset()
    if dataset.format is Format.CSV:
        types.update(scorer.csv_column_types)
        # Number text is read as text and its gaps found by the scorer's own checks; the rest here.
        gap_columns = frozenset(scorer.required_columns) - frozenset(scorer.csv_column_types)
    kept, needed = _columns(dataset, scorer, job.id_columns)
    schema = _output_schema(dataset.schema, kept, scorer)
    shard = job.shard or Shard(index=0, count=1)
    plan = dataset.plan(shard.count)
    reader = ChunkReader(dataset, plan[shard.index], needed, job.chunk_rows)
    _check_target(source, target, sharded=job.shard is not None)
    part = target.child(manifest.part_name(shard.index, out_format)) if job.shard else target
    return _Run(dataset, plan, shard, reader, kept, schema, target, part, out_format, types, gap_columns)


def _stream(
    run: _Run, scorer: Scorer, max_error_rate: float | None, progress: Progress
) -> tuple[sinks.WrittenFile, int, int]:
    """Read, score and write every chunk; returns the published file, rows read and rows failed."""
    try:
        sink = sinks.TableSink(run.part, run.schema, run.format)
    except OSError as exc:
        raise ScoringError(f"{run.part.uri}: cannot write here ({first_line(exc)})") from exc
    try:
        with sink:
            rows, failed = _score_chunks(run, scorer, sink, max_error_rate, progress)
            return sink.commit(), rows, failed
    except OSError as exc:
        raise storage_failed(run.part, exc) from exc


def _score_chunks(
    run: _Run, scorer: Scorer, sink: sinks.TableSink, max_error_rate: float | None, progress: Progress
) -> tuple[int, int]:
    rows = failed = 0
    versions = _ConstantColumn(scorer.model_version)
    known_rows = run.reader.total_work if run.reader.work_unit == "rows" else None
    for chunk in run.reader:
        predictions = scorer.score(_scorer_input(chunk, run.input_types, run.csv_gap_columns))
        failed += failed_rows(predictions, scorer.prediction_schema, chunk.num_rows)
        rows += chunk.num_rows
        _check_error_rate(max_error_rate, failed, rows, known_rows, final=False)
        columns = [chunk.column(name) for name in run.kept] + predictions.columns + [versions(chunk.num_rows)]
        sink.write(pa.RecordBatch.from_arrays(columns, schema=run.schema))
        progress.update(rows, run.reader.work_done)
    _check_error_rate(max_error_rate, failed, rows, known_rows, final=True)
    return rows, failed


def _output_format(target: Location, *, sharded: bool) -> Format:
    fmt = format_of(target.name)
    if fmt is None and sharded and "." not in target.name:
        return Format.PARQUET  # a plain folder name: Parquet parts
    if fmt is None:
        expected = "a folder name, or one ending in .parquet or .csv" if sharded else "a .parquet or .csv file"
        raise ScoringError(f"{target.uri}: unknown output format; expected {expected}")
    return fmt


def _columns(dataset: Dataset, scorer: Scorer, id_columns: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The input columns copied to the output, and every column read (in the input's order)."""
    names = dataset.schema.names
    missing_required = [name for name in scorer.required_columns if name not in names]
    if missing_required:
        raise ScoringError(
            f"{dataset.location.uri}: the model needs column(s) {', '.join(map(repr, missing_required))}, "
            f"which the input lacks"
        )
    missing_ids = [name for name in id_columns or () if name not in names]
    if missing_ids:
        raise ScoringError(
            f"{dataset.location.uri}: --id-columns names {', '.join(map(repr, missing_ids))}, not in the input"
        )
    kept = list(dict.fromkeys(id_columns)) if id_columns is not None else list(names)
    wanted = set(kept) | set(scorer.required_columns)
    return kept, [name for name in names if name in wanted]


def _output_schema(input_schema: pa.Schema, kept: Sequence[str], scorer: Scorer) -> pa.Schema:
    predictions = scorer.prediction_schema
    check_prediction_schema(predictions)
    added = [*predictions.names, MODEL_VERSION_COLUMN]
    clashes = [name for name in kept if name in added]
    if clashes:
        raise ScoringError(
            f"input column(s) {', '.join(map(repr, clashes))} would clash with the output's "
            f"{', '.join(added)}; leave them out with --id-columns"
        )
    fields = [input_schema.field(name) for name in kept]
    return pa.schema([*fields, *predictions, pa.field(MODEL_VERSION_COLUMN, pa.string(), nullable=False)])


def _check_target(source: Location, target: Location, *, sharded: bool) -> None:
    if source.contains(target) or target.contains(source):
        raise ScoringError(f"{target.uri}: the output must not be the input or inside it")
    info = target.info()
    if not sharded and info.type == pafs.FileType.Directory:
        raise ScoringError(f"{target.uri}: is a folder; name a file, or pass --shards for a folder of parts")
    if sharded and info.type == pafs.FileType.File:
        raise ScoringError(f"{target.uri}: is a file; a sharded run writes a folder of parts")
    # Where the file goes must exist: its folder, or on S3 its bucket (keys need no folders).
    # A sharded run's folder is its own: made here.
    folder = posixpath.dirname(target.path) if target.is_local else target.path.split("/", 1)[0]
    try:
        if sharded and target.is_local:
            target.filesystem.create_dir(target.path, recursive=True)
        present = target.filesystem.get_file_info(folder).type == pafs.FileType.Directory
    except OSError as exc:
        raise ScoringError(f"{target.uri}: cannot write here ({first_line(exc)})") from exc
    if not present:
        what = "its folder" if target.is_local else f"the bucket {folder!r}"
        raise ScoringError(f"{target.uri}: {what} does not exist")


def _start_part(folder: Location, shard: int) -> None:
    # This shard is being redone: its old manifest no longer vouches for anything, and the
    # folder is no longer complete until finalize runs again.
    try:
        sinks.delete_if_exists(folder.child(manifest.SUCCESS))
        sinks.delete_if_exists(folder.child(manifest.manifest_name(shard)))
    except OSError as exc:
        raise ScoringError(f"{folder.uri}: cannot write here ({first_line(exc)})") from exc


def _scorer_input(chunk: pa.RecordBatch, types: dict[str, pa.DataType], gap_columns: frozenset[str]) -> pa.RecordBatch:
    columns = []
    for name, kind in types.items():
        column = chunk.column(name)
        if name in gap_columns:
            # Training reads CSV with pandas: its gap text is a gap in a category column too.
            column = csv_gaps_to_nulls(column)
        if column.type != kind:
            try:
                column = pc.cast(column, kind)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ScoringError(f"column {name!r}: cannot be read as {kind} ({first_line(exc)})") from exc
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=list(types))


def _check_error_rate(limit: float | None, failed: int, rows: int, known_rows: int | None, *, final: bool) -> None:
    if limit is None:
        return
    if final and rows and failed > limit * rows:
        raise ErrorRateError(
            f"{failed} of {rows} rows failed ({failed / rows:.2%}), more than --max-error-rate {limit}; "
            f"nothing was written"
        )
    # Stop early once no number of good rows still to come could bring the rate under the limit.
    if not final and known_rows and failed > limit * known_rows:
        raise ErrorRateError(
            f"{failed} rows failed after {rows} of {known_rows}, already more than --max-error-rate {limit}; "
            f"nothing was written"
        )


def _write_manifest(
    run: _Run, rows: int, failed: int, model_version: str, written: sinks.WrittenFile, seconds: float
) -> None:
    dataset, shard = run.dataset, run.shard
    document = manifest.PartManifest(
        shard=shard.index,
        plan=manifest.PlanFacts(
            input=dataset.uri_of(dataset.location.path),
            format=dataset.format,
            shards=shard.count,
            plan_id=plan_id(run.plan),
            input_rows=dataset.total_rows,
        ),
        units=run.plan[shard.index],
        rows=manifest.Rows(read=rows, scored=rows - failed, failed=failed),
        model_version=model_version,
        part=manifest.PartFile(file=run.part.name, size=written.size, sha256=written.sha256),
        seconds=round(seconds, 3),
    )
    target = run.target.child(manifest.manifest_name(shard.index))
    try:
        sinks.write_bytes(target, manifest.dump(document))
    except OSError as exc:
        raise StorageError(
            f"{target.uri}: storage failed writing the manifest ({first_line(exc)}); the shard counts as "
            "missing until it is rerun"
        ) from exc


class _ConstantColumn:
    """The model version as a column of n rows, built once per length."""

    def __init__(self, value: str) -> None:
        self._value = value
        self._cache: dict[int, pa.Array] = {}

    def __call__(self, rows: int) -> pa.Array:
        if rows not in self._cache:
            self._cache = {rows: pa.repeat(pa.scalar(self._value, pa.string()), rows)}
        return self._cache[rows]
