"""The two table formats, known by file name: `.csv`, and `.parquet` (or `.pq`)."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


_SUFFIXES = {".csv": Format.CSV, ".parquet": Format.PARQUET, ".pq": Format.PARQUET}


def format_of(name: str) -> Format | None:
    """The format a file name says, or None: "a.csv" -> CSV, "part-0.snappy.parquet" -> PARQUET."""
    lowered = name.lower()
    return next((fmt for suffix, fmt in _SUFFIXES.items() if lowered.endswith(suffix)), None)


def is_hidden(name: str) -> bool:
    """Names that folder readers skip: temporaries (`.x.partial`) and markers (`_SUCCESS`)."""
    return name.startswith((".", "_"))
