from __future__ import annotations

import pandas as pd
import pytest

from training.dataset import normalise
from training.errors import ConfigError
from training.params import Params
from training.split import split


def test_split_is_stratified_and_disjoint(penguins: pd.DataFrame, params: Params) -> None:
    frame = normalise(penguins, params.data)
    train, test = split(frame, params.data, params.prepare)
    assert len(train) == 45
    assert len(test) == 15
    assert test["species"].value_counts().to_dict() == {"Adelie": 5, "Gentoo": 5, "Chinstrap": 5}
    assert (
        pd.concat([train, test])
        .sort_values(["species", "body_mass_g"])
        .reset_index(drop=True)
        .equals(frame.sort_values(["species", "body_mass_g"]).reset_index(drop=True))
    )


def test_split_is_seeded(penguins: pd.DataFrame, params: Params) -> None:
    frame = normalise(penguins, params.data)
    first, _ = split(frame, params.data, params.prepare)
    second, _ = split(frame, params.data, params.prepare)
    assert first.equals(second)


def test_a_single_class_is_refused(penguins: pd.DataFrame, params: Params) -> None:
    frame = normalise(penguins[penguins["species"] == "Adelie"], params.data)
    with pytest.raises(ConfigError, match=r"data\.target: 'species' has 1 class"):
        split(frame, params.data, params.prepare)


def test_a_class_with_one_row_cannot_be_stratified(penguins: pd.DataFrame, params: Params) -> None:
    frame = normalise(pd.concat([penguins[penguins["species"] != "Chinstrap"], penguins.iloc[[45]]]), params.data)
    with pytest.raises(ConfigError, match="class 'Chinstrap' of 'species' has one row"):
        split(frame, params.data, params.prepare)


def test_regression_splits_without_stratifying(penguins: pd.DataFrame, params: Params) -> None:
    data = params.data.model_copy(update={"task": "regression", "target": "body_mass_g", "numeric": ["bill_length_mm"]})
    train, test = split(normalise(penguins, data), data, params.prepare)
    assert (len(train), len(test)) == (45, 15)


def test_too_few_rows_are_refused(penguins: pd.DataFrame, params: Params) -> None:
    frame = normalise(penguins.iloc[[*range(8), *range(20, 28)]], params.data)
    with pytest.raises(ConfigError) as error:
        split(frame, params.data, params.prepare)
    assert str(error.value) == (
        "params.yaml: prepare.test_size: 16 labelled rows are too few to split at 0.25 "
        "(the training split needs at least 10 rows and the test split 5); add data, or change prepare.test_size"
    )
