from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring.plan import ByteRange, RowGroup, Shard, plan_id, split_bytes, split_row_groups

row_counts = st.lists(st.integers(min_value=0, max_value=50), max_size=12)
file_sizes = st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=5)
shard_counts = st.integers(min_value=1, max_value=7)


@settings(max_examples=100, deadline=None)
@given(row_counts, shard_counts)
def test_row_groups_are_dealt_once_each_in_order(counts: list[int], shards: int) -> None:
    groups = [RowGroup(file=f"f{i // 3}", index=i % 3, rows=rows) for i, rows in enumerate(counts)]

    plan = split_row_groups(groups, shards)

    assert len(plan) == shards
    assert [group for units in plan for group in units] == groups


@settings(max_examples=100, deadline=None)
@given(file_sizes, shard_counts)
def test_byte_ranges_tile_every_file_in_order(sizes: list[int], shards: int) -> None:
    files = [(f"f{i}", size) for i, size in enumerate(sizes)]

    plan = split_bytes(files, shards)

    ranges = [unit for units in plan for unit in units]
    for name, size in files:
        own = [(unit.start, unit.end) for unit in ranges if unit.file == name]
        covered = [offset for start, end in own for offset in range(start, end)]
        assert covered == list(range(size))
    assert [unit.file for unit in ranges] == sorted(unit.file for unit in ranges)


def test_a_row_group_goes_to_the_shard_where_its_middle_row_falls() -> None:
    # 300 rows: shards own rows [0, 100), [100, 200), [200, 300); the middles are 50, 105, ..., 275.
    groups = [RowGroup(file="a", index=i, rows=rows) for i, rows in enumerate([100, 10, 10, 10, 100, 10, 10, 50])]

    plan = split_row_groups(groups, 3)

    assert [[group.index for group in units] for units in plan] == [[0], [1, 2, 3, 4], [5, 6, 7]]


def test_more_shards_than_units_leaves_some_shards_empty() -> None:
    plan = split_row_groups([RowGroup(file="a", index=0, rows=5)], 3)

    assert [len(units) for units in plan] == [0, 1, 0]


def test_bytes_are_cut_into_equal_spans_across_files() -> None:
    plan = split_bytes([("a", 10), ("b", 20)], 3)

    assert plan == [
        [ByteRange(file="a", start=0, end=10)],
        [ByteRange(file="b", start=0, end=10)],
        [ByteRange(file="b", start=10, end=20)],
    ]


def test_the_plan_id_changes_with_the_input_or_the_shard_count() -> None:
    files = [("a", 1000), ("b", 500)]

    assert plan_id(split_bytes(files, 3)) == plan_id(split_bytes(list(files), 3))
    assert plan_id(split_bytes(files, 3)) != plan_id(split_bytes(files, 4))
    assert plan_id(split_bytes(files, 3)) != plan_id(split_bytes([("a", 1001), ("b", 500)], 3))


@pytest.mark.parametrize(("index", "count"), [(3, 3), (-1, 2), (0, 0)])
def test_a_shard_outside_its_count_is_refused(index: int, count: int) -> None:
    with pytest.raises(ValueError, match="needs 0 <= index < count"):
        Shard(index=index, count=count)
