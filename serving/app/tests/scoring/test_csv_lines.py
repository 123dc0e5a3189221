from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring.csv_lines import CountingStream, csv_header, line_start
from app.scoring.errors import ScoringError


@given(
    lines=st.lists(st.binary(max_size=6).map(lambda b: b.replace(b"\n", b"")), min_size=1, max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=120), max_size=6),
)
@settings(max_examples=100, deadline=None)
def test_resolved_cuts_are_line_starts_in_order(lines: list[bytes], cuts: list[int]) -> None:
    data = b"head\n" + b"\n".join(lines)
    stream = pa.BufferReader(data)
    resolved = [line_start(stream, cut, first=5, size=len(data)) for cut in sorted([0, *cuts, len(data)])]

    assert resolved[0] == 5
    assert resolved[-1] == len(data)
    assert resolved == sorted(resolved)
    assert all(start in (5, len(data)) or data[start - 1 : start] == b"\n" for start in resolved)


def test_the_header_gives_the_names_and_where_the_rows_start() -> None:
    data = b'id,"a, b",x\r\n1,2,3\r\n'

    assert csv_header(pa.BufferReader(data), size=len(data), uri="in.csv") == (13, ["id", "a, b", "x"])


@pytest.mark.parametrize("data", [b"", b"\n1,2\n"])
def test_a_file_without_a_header_is_refused(data: bytes) -> None:
    with pytest.raises(ScoringError, match=r"^in\.csv: not a readable CSV file \(no header line\)$"):
        csv_header(pa.BufferReader(data), size=len(data), uri="in.csv")


def test_the_counting_stream_counts_what_was_read() -> None:
    stream = CountingStream(pa.BufferReader(b"0123456789"))

    assert stream.read(4) == b"0123"
    assert stream.read() == b"456789"
    assert stream.count == 10


def test_a_header_that_is_not_utf8_text_is_refused_in_one_line() -> None:
    # Reported from the field: a Parquet file named .csv ended in a UnicodeDecodeError traceback.
    data = b"PAR1\xa0\x15\x04,x\n1,2\n"

    with pytest.raises(ScoringError) as caught:
        csv_header(pa.BufferReader(data), size=len(data), uri="in.csv")

    assert str(caught.value) == "in.csv: not a readable CSV file (its header is not UTF-8 text)"
    assert caught.value.exit_code == 2
