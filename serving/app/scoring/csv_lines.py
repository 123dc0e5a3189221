"""CSV at the byte level: the header line, line starts for cutting a file, a counting stream."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv

from app.scoring.errors import ScoringError

# Values may contain quoted line breaks: right for whole files; a cut inside one is the
# documented limit of sharded CSV input.
CSV_PARSE = pacsv.ParseOptions(newlines_in_values=True)
_SCAN_BYTES = 64 << 10


def csv_header(stream: pa.NativeFile, *, size: int, uri: str) -> tuple[int, list[str]]:
    """Where the first data line starts, and the header's column names.

    Raises ScoringError when the file has no header. The header is one line (no quoted line breaks).
    """
    end = line_start(stream, 1, first=0, size=size)
    header = stream.read_at(end, 0)
    if not header.strip():
        raise ScoringError(f"{uri}: not a readable CSV file (no header line)")
    try:
        names = pacsv.read_csv(pa.BufferReader(header), parse_options=CSV_PARSE).column_names
    except UnicodeDecodeError as exc:
        raise ScoringError(f"{uri}: not a readable CSV file (its header is not UTF-8 text)") from exc
    return end, names


def line_start(stream: pa.NativeFile, offset: int, *, first: int, size: int) -> int:
    """The first line start at or after byte `offset` of a file of `size` bytes.

    `first` when offset <= first (the first data line), `size` at or past the end, otherwise the
    byte after the first newline at or after offset - 1. Ranges [a, b) resolved through this
    tile a file: the line starting at x belongs to the one range with line_start(a) <= x < line_start(b).
    """
    if offset <= first:
        return first
    position = offset - 1
    while position < size:
        block: bytes = stream.read_at(min(_SCAN_BYTES, size - position), position)
        newline = block.find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += len(block)
    return size


class CountingStream(io.RawIOBase):
    """A stream that counts the bytes read through it: the CSV reader's progress (its input
    streams cannot tell their position). One call per block, so the cost is nil."""

    def __init__(self, stream: pa.NativeFile) -> None:
        self._stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._stream.read(None if size < 0 else size)
        self.count += len(data)
        return data

    def close(self) -> None:
        self._stream.close()
        super().close()
