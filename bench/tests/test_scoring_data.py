from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.scoring_data import CATEGORIES, MEASUREMENTS, SOURCE, DataSpec, make_rows, penguins_parquet

REAL = pd.read_csv(SOURCE)


def test_rows_keep_the_penguins_schema_and_are_the_same_for_the_same_seed() -> None:
    rows = make_rows(DataSpec(rows=2000), REAL)

    assert rows.num_rows == 2000
    assert rows.column_names == list(REAL.columns)
    assert {name: rows.schema.field(name).type for name in MEASUREMENTS} == dict.fromkeys(MEASUREMENTS, pa.float64())
    assert rows.schema.field("year").type == pa.int64()
    assert rows.equals(make_rows(DataSpec(rows=2000), REAL))
    assert not rows.equals(make_rows(DataSpec(rows=2000, seed=8), REAL))


def test_labels_and_categories_come_from_the_data_and_measurements_are_jittered() -> None:
    rows = make_rows(DataSpec(rows=5000), REAL)

    assert set(rows["species"].to_pylist()) == set(REAL["species"])
    for name in CATEGORIES:
        assert set(rows[name].drop_null().to_pylist()) == set(REAL[name].dropna())
    # Jittered: nearly every row's measurements are its own, not one of the 344 real rows', and near the real range.
    distinct = rows.select(list(MEASUREMENTS)).to_pandas().drop_duplicates()
    assert len(distinct) > 0.95 * rows.num_rows
    bill = rows["bill_length_mm"].drop_null().to_numpy()
    assert REAL["bill_length_mm"].min() - 3 < bill.min()
    assert bill.max() < REAL["bill_length_mm"].max() + 3


def test_features_have_gaps_and_the_label_and_year_do_not() -> None:
    rows = make_rows(DataSpec(rows=20_000, blank=0.05), REAL)

    for name in (*MEASUREMENTS, *CATEGORIES):
        share = rows[name].null_count / rows.num_rows
        assert 0.04 < share < 0.1, (name, share)  # 5% blanked, plus the real gaps (sex: 3%)
    assert rows["species"].null_count == rows["year"].null_count == 0
    assert pc.count(rows["island"], mode="only_valid").as_py() == 20_000 - rows["island"].null_count


def test_the_file_is_made_once_then_reused(tmp_path: Path) -> None:
    spec = DataSpec(rows=1000)
    made = penguins_parquet(spec, cache=tmp_path)
    written = made.stat().st_mtime_ns

    again = penguins_parquet(spec, cache=tmp_path)

    assert again == made
    assert again.stat().st_mtime_ns == written
    assert pq.read_table(made).equals(make_rows(spec, REAL))
    assert [path.name for path in tmp_path.iterdir()] == [made.name]  # no partial file left behind


def test_the_file_name_changes_with_the_spec_and_the_source(tmp_path: Path) -> None:
    source = tmp_path / "penguins.csv"
    source.write_bytes(SOURCE.read_bytes())
    specs = [DataSpec(rows=1000), DataSpec(rows=1000, seed=1), DataSpec(rows=1000, blank=0.02), DataSpec(rows=999)]
    keys = {spec.key(source) for spec in specs}
    before = DataSpec(rows=1000).key(source)
    source.write_bytes(SOURCE.read_bytes().replace(b"Torgersen,39.1", b"Torgersen,39.2"))

    assert len(keys) == 4
    assert DataSpec(rows=1000).key(source) != before
