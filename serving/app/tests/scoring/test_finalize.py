from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from app.scoring.errors import ErrorRateError, IncompleteOutputError
from app.scoring.finalize import finalize, read_success
from app.scoring.plan import Shard
from app.scoring.run import ScoringJob, score_dataset
from app.scoring.uris import Storage
from app.tests.scoring.conftest import expected, read_output, same_rows, table, write_csv, write_parquet
from app.tests.scoring.echo import EchoScorer


def run_shards(source: Path, out: Path, storage: Storage, shards: int, indices: list[int] | None = None) -> None:
    for index in range(shards) if indices is None else indices:
        job = ScoringJob(input=str(source), output=str(out), chunk_rows=6, shard=Shard(index, shards))
        score_dataset(job, EchoScorer(), storage=storage)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_parquet(tmp_path / "in.parquet", table(70, negative_every=8), row_group_size=10)


def test_success_lists_every_part_in_shard_order_with_the_totals(
    tmp_path: Path, storage: Storage, source: Path
) -> None:
    out = tmp_path / "out"
    run_shards(source, out, storage, 4)

    finalized = finalize(storage.locate(str(out)), 4)

    success = json.loads((out / "_SUCCESS").read_text())
    assert finalized.line() == f"finalized 4 shards: 70 rows (9 failed) -> {out / '_SUCCESS'}"
    assert [part["file"] for part in success["parts"]] == [f"part-0000{i}.parquet" for i in range(4)]
    assert success["rows"] == {"read": 70, "scored": 61, "failed": 9}
    assert success["plan"]["input_rows"] == 70
    assert success["model_version"] == "echo-1"
    assert same_rows(read_output(out), expected(table(70, negative_every=8)))


def test_read_success_gives_back_what_finalize_wrote(tmp_path: Path, storage: Storage, source: Path) -> None:
    out = tmp_path / "out"
    run_shards(source, out, storage, 3)
    with pytest.raises(IncompleteOutputError, match=f"^{out / '_SUCCESS'}: not there; the run has not been finalized$"):
        read_success(storage.locate(str(out)))

    finalized = finalize(storage.locate(str(out)), 3)

    assert read_success(storage.locate(str(out))) == finalized
    (out / "_SUCCESS").write_text("{}")
    with pytest.raises(IncompleteOutputError, match="_SUCCESS: not a valid manifest"):
        read_success(storage.locate(str(out)))


def test_missing_shards_are_named_in_one_line_and_no_success_is_written(
    tmp_path: Path, storage: Storage, source: Path
) -> None:
    out = tmp_path / "out"
    run_shards(source, out, storage, 5, indices=[0, 2, 3])
    (out / "part-00002.parquet").unlink()  # a manifest without its part counts as missing

    with pytest.raises(IncompleteOutputError) as caught:
        finalize(storage.locate(str(out)), 5)

    assert str(caught.value) == (
        f"{out}: missing shard(s) 1, 2, 4 of 5 (no part or no manifest); rerun them, then finalize again"
    )
    assert caught.value.exit_code == 1
    assert not (out / "_SUCCESS").exists()


def test_a_rerun_shard_replaces_its_part_and_withdraws_success(tmp_path: Path, storage: Storage, source: Path) -> None:
    out = tmp_path / "out"
    run_shards(source, out, storage, 3)
    finalize(storage.locate(str(out)), 3)
    before = (out / "part-00001.parquet").stat().st_ino

    run_shards(source, out, storage, 3, indices=[1])

    assert (out / "part-00001.parquet").stat().st_ino != before
    assert not (out / "_SUCCESS").exists()
    assert sorted(path.name for path in out.iterdir() if path.name.startswith(".")) == []
    finalize(storage.locate(str(out)), 3)
    assert same_rows(read_output(out), expected(table(70, negative_every=8)))


def test_a_part_that_differs_from_its_manifest_is_refused(tmp_path: Path, storage: Storage, source: Path) -> None:
    out = tmp_path / "out"
    run_shards(source, out, storage, 2)
    pq.write_table(table(1), out / "part-00001.parquet")

    with pytest.raises(
        IncompleteOutputError, match=r"part-00001\.parquet: \d+ bytes, but its manifest says \d+; rerun shard 1$"
    ):
        finalize(storage.locate(str(out)), 2)


def test_shards_of_another_shard_count_are_refused(tmp_path: Path, storage: Storage, source: Path) -> None:
    out = tmp_path / "out"
    run_shards(source, out, storage, 3)

    with pytest.raises(IncompleteOutputError, match=r": shard 0 was run with --shards 3, not 2$"):
        finalize(storage.locate(str(out)), 2)


def test_a_part_from_a_larger_run_is_refused(tmp_path: Path, storage: Storage, source: Path) -> None:
    out = tmp_path / "out"
    run_shards(source, out, storage, 3)
    run_shards(source, out, storage, 2)

    with pytest.raises(IncompleteOutputError, match=r": part-00002\.parquet belong to no shard of 2; remove them$"):
        finalize(storage.locate(str(out)), 2)


def test_shards_from_different_inputs_are_refused(tmp_path: Path, storage: Storage, source: Path) -> None:
    other = write_csv(tmp_path / "other.csv", table(70))
    out = tmp_path / "out"
    run_shards(source, out, storage, 2, indices=[0])
    run_shards(other, out, storage, 2, indices=[1])

    with pytest.raises(IncompleteOutputError, match=r": shards 0 and 1 were planned from different inputs \("):
        finalize(storage.locate(str(out)), 2)


def test_too_many_failed_rows_overall_write_no_success(tmp_path: Path, storage: Storage, source: Path) -> None:
    out = tmp_path / "out"
    run_shards(source, out, storage, 2)

    with pytest.raises(ErrorRateError, match=r": 9 of 70 rows failed \(12\.86%\), more than --max-error-rate 0\.1;"):
        finalize(storage.locate(str(out)), 2, max_error_rate=0.1)
    assert not (out / "_SUCCESS").exists()


def test_a_finalize_that_fails_withdraws_an_earlier_success(tmp_path: Path, storage: Storage, source: Path) -> None:
    # Reported from the field: a stricter finalize refused the run but left the earlier _SUCCESS.
    out = tmp_path / "out"
    run_shards(source, out, storage, 2)
    finalize(storage.locate(str(out)), 2)

    with pytest.raises(ErrorRateError):
        finalize(storage.locate(str(out)), 2, max_error_rate=0.1)

    assert not (out / "_SUCCESS").exists()
    with pytest.raises(IncompleteOutputError, match="missing shard"):
        finalize(storage.locate(str(out)), 3)
    assert not (out / "_SUCCESS").exists()


def test_a_folder_that_is_not_there_is_incomplete(tmp_path: Path, storage: Storage) -> None:
    with pytest.raises(IncompleteOutputError, match=r"out: no such folder; run the shards first$"):
        finalize(storage.locate(str(tmp_path / "out")), 2)


def test_csv_shards_finalize_on_s3(tmp_path: Path, s3_storage: Storage, s3_prefix: str) -> None:
    source = write_csv(tmp_path / "in.csv", table(50, negative_every=5))
    for index in range(3):
        job = ScoringJob(input=str(source), output=f"{s3_prefix}/out.csv", chunk_rows=7, shard=Shard(index, 3))
        score_dataset(job, EchoScorer(), storage=s3_storage)

    finalized = finalize(s3_storage.locate(f"{s3_prefix}/out.csv"), 3)

    assert finalized.uri == f"{s3_prefix}/out.csv/_SUCCESS"
    assert finalized.success.rows.read == 50
    assert [part.file for part in finalized.success.parts] == ["part-00000.csv", "part-00001.csv", "part-00002.csv"]
