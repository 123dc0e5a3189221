from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from training.dataset import MISSING_CATEGORY, embedded_dataset, normalise
from training.errors import ConfigError
from training.params import DataParams


def test_embedded_dataset_is_the_bundled_penguins_csv() -> None:
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


def test_a_feature_missing_from_the_data_is_named(penguins: pd.DataFrame, data_params: DataParams) -> None:
    with pytest.raises(ConfigError) as error:
        normalise(penguins.drop(columns=["body_mass_g"]), data_params, source="train.csv")
    assert str(error.value).startswith("train.csv: column(s) 'body_mass_g' from params.yaml data are not in the data")


def test_text_in_a_numeric_feature_is_named(penguins: pd.DataFrame, data_params: DataParams) -> None:
    penguins["body_mass_g"] = penguins["body_mass_g"].astype(object)
    penguins.loc[4, "body_mass_g"] = "heavy"
    with pytest.raises(ConfigError, match="numeric feature 'body_mass_g' has non-numeric value 'heavy'"):
        normalise(penguins, data_params)
