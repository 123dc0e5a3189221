from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.bundle import MISSING_CATEGORY, plain_label
from training.dataset import embedded_dataset, normalise, read_dataset, read_table
from training.errors import ConfigError
from training.params import DataParams

REPOSITORY = Path(__file__).resolve().parents[2]


def test_the_committed_default_is_the_bundled_penguins_csv() -> None:
    assert (REPOSITORY / "data/raw/penguins.csv").read_bytes() == embedded_dataset()
    frame = pd.read_csv(io.BytesIO(embedded_dataset()))
    assert len(frame) == 344
    assert set(frame["species"]) == {"Adelie", "Chinstrap", "Gentoo"}


def test_normalise_keeps_configured_columns_in_feature_order(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins.assign(extra=1), data_params)
    assert list(frame.columns) == ["bill_length_mm", "body_mass_g", "island", "species"]
    assert frame["bill_length_mm"].dtype == np.float64
    assert frame["island"].dtype == object


def test_categorical_gaps_become_the_missing_marker(penguins: pd.DataFrame, data_params: DataParams) -> None:
    frame = normalise(penguins, data_params)
    assert frame.loc[25, "island"] == MISSING_CATEGORY
    assert np.isnan(frame.loc[3, "bill_length_mm"])


def test_rows_without_a_label_are_dropped(penguins: pd.DataFrame, data_params: DataParams) -> None:
    penguins.loc[[0, 1], "species"] = np.nan
    frame = normalise(penguins, data_params)
    # The very rows without a label are gone, and every other row is kept, in order.
    assert frame["body_mass_g"].tolist() == penguins["body_mass_g"].iloc[2:].tolist()
    assert frame["species"].tolist() == penguins["species"].iloc[2:].tolist()


@pytest.mark.parametrize(
    ("labels", "dtype", "first"),
    [
        ([0, 1, 1], np.int64, 0),
        ([1.0, np.nan, 0.0], np.int64, 1),
        ([True, False, True], np.bool_, True),
        (["01", "2", "x"], object, "01"),
    ],
)
def test_class_labels_keep_their_type(labels: list, dtype: type, first: object) -> None:
    data = DataParams(path="d.csv", target="y", task="classification", numeric=["x"])
    frame = normalise(pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": labels}), data)
    assert frame["y"].dtype == dtype
    assert plain_label(frame["y"].iloc[0]) == first
    assert type(plain_label(frame["y"].iloc[0])) is type(first)


def test_a_regression_target_is_a_float(penguins: pd.DataFrame) -> None:
    data = DataParams(path="d.csv", target="body_mass_g", task="regression", numeric=["bill_length_mm"])
    frame = normalise(penguins, data)
    assert frame["body_mass_g"].dtype == np.float64


def test_a_feature_missing_from_the_data_is_named(penguins: pd.DataFrame, data_params: DataParams) -> None:
    with pytest.raises(ConfigError) as error:
        normalise(penguins.drop(columns=["body_mass_g"]), data_params, source="train.csv")
    assert str(error.value).startswith(
        "params.yaml: data.numeric: column(s) 'body_mass_g' are not in train.csv (it has: "
    )


def test_text_in_a_numeric_feature_is_named(penguins: pd.DataFrame, data_params: DataParams) -> None:
    penguins["body_mass_g"] = penguins["body_mass_g"].astype(object)
    penguins.loc[4, "body_mass_g"] = "heavy"
    with pytest.raises(ConfigError, match="numeric feature 'body_mass_g' has the non-numeric value 'heavy'"):
        normalise(penguins, data_params)


def test_text_in_a_regression_target_is_named(penguins: pd.DataFrame) -> None:
    data = DataParams(path="d.csv", target="island", task="regression", numeric=["bill_length_mm"])
    with pytest.raises(ConfigError, match="regression target 'island' has the non-numeric value"):
        normalise(penguins, data)


def test_csv_and_parquet_read_the_same_frame(penguins: pd.DataFrame, data_params: DataParams, tmp_path: Path) -> None:
    penguins.to_csv(tmp_path / "p.csv", index=False)
    penguins.to_parquet(tmp_path / "p.parquet", index=False)
    from_csv = read_dataset(tmp_path / "p.csv", data_params)
    from_parquet = read_dataset(tmp_path / "p.parquet", data_params)
    pd.testing.assert_frame_equal(from_csv, from_parquet)


def test_a_missing_file_says_dvc_pull_when_a_dvc_file_exists(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"data.path: .*absent.csv does not exist$"):
        read_table(tmp_path / "absent.csv")
    (tmp_path / "tracked.csv.dvc").write_text("outs: []\n")
    with pytest.raises(ConfigError, match=r"tracked.csv does not exist; run `dvc pull .*tracked.csv.dvc`$"):
        read_table(tmp_path / "tracked.csv")


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ConfigError) as error:
        read_table(tmp_path / "broken.parquet")
    assert str(error.value).startswith(f"params.yaml: data.path: cannot read {tmp_path}/broken.parquet: ")
    assert "\n" not in str(error.value)
