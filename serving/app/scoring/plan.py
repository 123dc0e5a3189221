"""The shard plan: the input cut into units, and the units dealt to N shards, deterministically.

A unit is a Parquet row group, or a byte range of a CSV file. Each shard gets a contiguous run
of units (possibly none), so the parts read in shard order give the rows in input order, and
every row belongs to exactly one shard. The plan depends only on the input's file names,
sizes and row-group sizes, so every child of an array job computes the same plan on its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RowGroup:
    """Row group `index` of a Parquet file, with its row count from the footer."""

    file: str
    index: int
    rows: int


@dataclass(frozen=True)
class ByteRange:
    """The CSV rows of `file` whose line starts at a byte offset in [start, end).

    The offsets are nominal cuts; the reader moves each to the next line start, so that
    adjacent ranges share their boundary line-exactly (see `sources.line_start`).
    """

    file: str
    start: int
    end: int


Unit = RowGroup | ByteRange


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (0-based)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} of {self.count}: needs 0 <= index < count")


def split_row_groups(row_groups: Sequence[RowGroup], shards: int) -> list[list[RowGroup]]:
    """Row groups (in input order) dealt to `shards` contiguous runs balanced by rows."""
    total = sum(group.rows for group in row_groups)
    plan: list[list[RowGroup]] = [[] for _ in range(shards)]
    start = 0
    for group in row_groups:
        # A group goes to the shard where its middle row falls: monotone, so runs stay contiguous.
        shard = 0 if total == 0 else min(shards - 1, (2 * start + group.rows) * shards // (2 * total))
        plan[shard].append(group)
        start += group.rows
    return plan


def split_bytes(files: Sequence[tuple[str, int]], shards: int) -> list[list[ByteRange]]:
    """Files (name, size in bytes, in input order) cut into `shards` equal spans of their concatenation.

    Shard i owns bytes [i*T/N, (i+1)*T/N) of the T bytes of all files; a span crossing a file
    boundary becomes one range per file. Empty ranges are left out.
    """
    total = sum(size for _, size in files)
    cuts = [index * total // shards for index in range(shards + 1)]
    plan: list[list[ByteRange]] = [[] for _ in range(shards)]
    offset = 0
    for name, size in files:
        for shard in range(shards):
            start, end = max(cuts[shard], offset), min(cuts[shard + 1], offset + size)
            if start < end:
                plan[shard].append(ByteRange(file=name, start=start - offset, end=end - offset))
        offset += size
    return plan


def plan_id(plan: Sequence[Sequence[Unit]]) -> str:
    """A digest of the whole plan: shards planned from the same input and N share it."""
    document = [[{"kind": type(unit).__name__, **asdict(unit)} for unit in units] for units in plan]
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
