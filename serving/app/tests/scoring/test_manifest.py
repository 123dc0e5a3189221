from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.scoring.formats import Format
from app.scoring.manifest import PART, PartFile, PartManifest, PlanFacts, Rows, dump, manifest_name, part_name
from app.scoring.plan import ByteRange, RowGroup


def test_names_sort_in_shard_order() -> None:
    assert part_name(3, Format.PARQUET) == "part-00003.parquet"
    assert part_name(12, Format.CSV) == "part-00012.csv"
    assert manifest_name(3) == "part-00003.manifest.json"
    assert PART.match("part-00012.csv")
    assert not PART.match(manifest_name(12))


def test_rows_must_add_up() -> None:
    with pytest.raises(ValidationError, match="10 rows read but 7 scored and 2 failed"):
        Rows(read=10, scored=7, failed=2)


def test_a_manifest_reads_back_as_written_with_both_kinds_of_unit() -> None:
    document = PartManifest(
        shard=1,
        plan=PlanFacts(input="s3://b/in", format=Format.CSV, shards=2, plan_id="ab" * 32, input_rows=None),
        units=[ByteRange(file="b/in/a.csv", start=0, end=10), RowGroup(file="b/in/p.parquet", index=2, rows=5)],
        rows=Rows(read=3, scored=2, failed=1),
        model_version="v1",
        part=PartFile(file="part-00001.csv", size=10, sha256="0" * 64),
        seconds=0.5,
    )

    assert PartManifest.model_validate_json(dump(document)) == document
