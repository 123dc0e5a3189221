from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from app.bundle import file_digest
from training import metadata
from training.dataset import normalise
from training.params import DataParams


def test_feature_schema_records_ranges_and_seen_categories(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins, data_params)
    schema = {feature.name: feature.model_dump() for feature in metadata.feature_schema(frame, data_params)}
    assert schema["body_mass_g"]["type"] == "number"
    assert schema["body_mass_g"]["min"] == frame["body_mass_g"].min()
    assert schema["bill_length_mm"]["max"] == np.nanmax(frame["bill_length_mm"])
    # The gap in row 25 is not a category.
    assert schema["island"] == {
        "name": "island",
        "type": "category",
        "nullable": True,
        "categories": ["Biscoe", "Dream", "Torgersen"],
    }


def test_records_turn_gaps_into_null(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins, data_params)
    assert metadata.to_record(frame.iloc[3], data_params)["bill_length_mm"] is None
    assert metadata.to_record(frame.iloc[25], data_params)["island"] is None


def test_example_record_has_no_gaps(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins, data_params).iloc[3:]
    example = metadata.example_record(frame, data_params)
    assert None not in example.values()
    assert example == metadata.to_record(frame.iloc[1], data_params)


def test_golden_records_carry_label_and_probabilities(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins, data_params).iloc[:3]
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.5, 0.3]])
    golden = metadata.golden_classifications(frame, proba, ["x", "y", "z"], data_params, count=2)
    assert [row.label for row in golden] == ["x", "z"]
    assert golden[1].probabilities == {"x": 0.1, "y": 0.1, "z": 0.8}
    assert golden[0].record == metadata.to_record(frame.iloc[0], data_params)


def test_golden_records_key_typed_labels_as_json(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins, data_params).iloc[:1]
    golden = metadata.golden_classifications(frame, np.array([[0.25, 0.75]]), [False, True], data_params, count=1)
    assert golden[0].label is True
    assert golden[0].probabilities == {"false": 0.25, "true": 0.75}


def test_golden_regressions_carry_the_value(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins, data_params).iloc[:3]
    golden = metadata.golden_regressions(frame, np.array([1.5, 2.5, 3.5]), data_params, count=2)
    assert [row.value for row in golden] == [1.5, 2.5]
    assert golden[0].label is None


def test_file_digest_matches_hashlib(tmp_path: Path) -> None:
    target = tmp_path / "blob"
    target.write_bytes(b"penguin" * 1000)
    assert file_digest(target) == hashlib.sha256(b"penguin" * 1000).hexdigest()
    assert file_digest(target, "md5") == hashlib.md5(b"penguin" * 1000).hexdigest()  # noqa: S324


def test_git_commit_outside_a_repository_is_unknown(tmp_path: Path) -> None:
    assert metadata.git_commit(tmp_path) == "unknown"
