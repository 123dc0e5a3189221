"""Writing the output: files that appear whole, or not at all.

Every file goes through a local spool and is published in one step:
- a local target: the spool is a hidden sibling, `.NAME.<random>.partial`, renamed over the
  target (atomic within a filesystem; an existing file is replaced). A run killed before that
  leaves the hidden spool, which folder readers (and this package) skip.
- an S3 target: the spool is a local temporary file (TMPDIR), uploaded to the final key on
  commit. S3 shows an object only once its upload is complete, so a run killed before or
  during the upload leaves no object, only an unfinished multipart upload (expired by the
  bucket's lifecycle rule). Nothing is written to S3 for a run that fails or is aborted.
  Why not a temporary key renamed into place: S3 has no rename, CopyObject stops at 5 GiB,
  and a pyarrow S3 stream cannot be aborted (closing it, even on an error, publishes it).
  The cost: local disk for the whole file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from app.scoring.formats import Format
from app.scoring.uris import Location

SPOOL_SUFFIX = ".partial"


@dataclass(frozen=True)
class WrittenFile:
    uri: str
    size: int
    sha256: str


class AtomicFile:
    """A file at `target`, written to `spool_path` and published by `commit`, or dropped by `abort`."""

    def __init__(self, target: Location) -> None:
        self.target = target
        self._done = False
        if target.is_local:
            folder, name = os.path.split(target.path)
            self.spool_path = os.path.join(folder, f".{name}.{secrets.token_hex(6)}{SPOOL_SUFFIX}")
            # Exclusive create with the default mode (umask applies), unlike mkstemp's 0600.
            os.close(os.open(self.spool_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        else:
            handle, self.spool_path = tempfile.mkstemp(prefix=f"{target.name}.", suffix=SPOOL_SUFFIX)
            os.close(handle)

    def commit(self) -> WrittenFile:
        """Publish the spool's bytes at the target; raises OSError, leaving the target as it was."""
        try:
            with open(self.spool_path, "rb") as stream:
                digest = hashlib.file_digest(stream, "sha256").hexdigest()
                os.fsync(stream.fileno())
            size = os.path.getsize(self.spool_path)
            if self.target.is_local:
                os.replace(self.spool_path, self.target.path)
            else:
                self._upload(size)
        finally:
            self._drop_spool()
        return WrittenFile(uri=self.target.uri, size=size, sha256=digest)

    def abort(self) -> None:
        """Drop the spool: nothing is published. Safe to call more than once, and after commit."""
        self._drop_spool()

    def _drop_spool(self) -> None:
        if not self._done:
            self._done = True
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.spool_path)

    def _upload(self, size: int) -> None:
        pafs.copy_files(
            self.spool_path,
            self.target.path,
            source_filesystem=pafs.LocalFileSystem(),
            destination_filesystem=self.target.filesystem,
        )
        # A failed part upload must not pass for a whole file.
        uploaded = self.target.filesystem.get_file_info(self.target.path)
        if uploaded.size != size:
            delete_if_exists(self.target)
            raise OSError(f"{self.target.uri}: uploaded {uploaded.size} of {size} bytes")


def write_bytes(target: Location, data: bytes) -> WrittenFile:
    """A small file (a manifest) written whole or not at all."""
    atomic = AtomicFile(target)
    try:
        with open(atomic.spool_path, "wb") as stream:
            stream.write(data)
    except BaseException:
        atomic.abort()
        raise
    return atomic.commit()


def delete_if_exists(target: Location) -> None:
    with contextlib.suppress(FileNotFoundError):
        target.filesystem.delete_file(target.path)


class TableSink:
    """Record batches of `schema` into one CSV or Parquet file at `target`, published by `commit`.

    Used as a context manager, an exception before `commit` aborts: nothing is published.
    Parquet: one row group per written batch, snappy-compressed. CSV: a header, then rows.
    """

    def __init__(self, target: Location, schema: pa.Schema, fmt: Format) -> None:
        self._file = AtomicFile(target)
        try:
            self._stream = pa.OSFile(self._file.spool_path, "wb")
            self._writer: pq.ParquetWriter | pacsv.CSVWriter = (
                pq.ParquetWriter(self._stream, schema)
                if fmt is Format.PARQUET
                else pacsv.CSVWriter(self._stream, schema)
            )
        except BaseException:
            self._file.abort()
            raise

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)

    def commit(self) -> WrittenFile:
        self._close()
        return self._file.commit()

    def abort(self) -> None:
        try:
            self._close()
        finally:
            self._file.abort()

    def __enter__(self) -> TableSink:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is not None:
            self.abort()

    def _close(self) -> None:
        if not self._stream.closed:
            try:
                self._writer.close()
            finally:
                self._stream.close()
