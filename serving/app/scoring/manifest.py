"""The sharded output's contract: one manifest per part, and `_SUCCESS` over all of them.

This module is the only writer and reader of those JSON documents (the run writes a part's
manifest, `finalize` reads them all and writes `_SUCCESS`).

    OUTPUT/part-00003.parquet         rows of shard 3 (or .csv when OUTPUT ends in .csv)
    OUTPUT/part-00003.manifest.json   PartManifest, written after the part
    OUTPUT/_SUCCESS                   SuccessManifest, written by finalize once every shard is there
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.scoring.formats import Format
from app.scoring.plan import ByteRange, RowGroup

SUCCESS = "_SUCCESS"
PART = re.compile(r"^part-(\d{5})\.(?:parquet|csv)$")

Count = Annotated[int, Field(ge=0)]


def part_name(shard: int, fmt: Format) -> str:
    return f"part-{shard:05d}.{fmt.value}"


def manifest_name(shard: int) -> str:
    return f"part-{shard:05d}.manifest.json"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rows(_Frozen):
    """Rows read, scored (no error) and failed (an error): read = scored + failed."""

    read: Count
    scored: Count
    failed: Count

    @model_validator(mode="after")
    def _add_up(self) -> Rows:
        if self.read != self.scored + self.failed:
            raise ValueError(f"{self.read} rows read but {self.scored} scored and {self.failed} failed")
        return self


class PartFile(_Frozen):
    """A part: its name in the output folder, size in bytes and sha256."""

    file: str
    size: Count
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class PlanFacts(_Frozen):
    """What every shard of one run agrees on."""

    input: str
    format: Format
    shards: Annotated[int, Field(ge=1)]
    # sha256 of the whole shard plan (plan.plan_id): equal only for the same input files and N.
    plan_id: str
    # Rows in the whole input when its footers say (Parquet); None for CSV.
    input_rows: Count | None


class PartManifest(_Frozen):
    schema_version: Literal[1] = 1
    shard: Count
    plan: PlanFacts
    # The units this shard read: Parquet row groups, or CSV byte ranges (nominal cuts).
    units: list[RowGroup | ByteRange]
    rows: Rows
    model_version: str
    part: PartFile
    seconds: Annotated[float, Field(ge=0)]


class SuccessManifest(_Frozen):
    schema_version: Literal[1] = 1
    plan: PlanFacts
    model_version: str
    rows: Rows
    # In shard order: reading them in this order gives the rows in input order.
    parts: list[PartFile]


def dump(document: PartManifest | SuccessManifest) -> bytes:
    return (document.model_dump_json(indent=2) + "\n").encode()
