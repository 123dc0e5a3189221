"""params.yaml data.image: a model whose features are the pixels of a picture."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from training.dataset import normalise
from training.errors import ConfigError
from training.metadata import image_input
from training.params import parse_params

PIXELS = [f"p{row}{column}" for row in range(2) for column in range(3)]


def image_params(**image: Any) -> dict[str, Any]:
    """A 3 x 2 picture: six numeric features, no categorical ones."""
    return {
        "data": {
            "path": "data/raw/pictures.csv",
            "target": "digit",
            "task": "classification",
            "numeric": list(PIXELS),
            "categorical": [],
            "image": {"width": 3, "height": 2, "value_range": [0, 16], **image},
        },
        "prepare": {"seed": 0, "test_size": 0.25},
        "train": {"seed": 0, "estimator": "sklearn.linear_model.LogisticRegression"},
    }


def test_the_pixel_columns_default_to_the_numeric_features_in_order() -> None:
    data = parse_params(image_params()).data

    assert data.image is not None
    assert (data.image.value_range, data.image.ink, data.image.margin, data.image.stroke_width) == (
        [0.0, 16.0],
        "high",
        0.0,
        0.0,
    )
    assert data.pixel_columns == tuple(PIXELS)


def test_listed_pixel_columns_give_the_row_major_order_and_reach_the_bundle() -> None:
    order = list(reversed(PIXELS))
    data = parse_params(image_params(pixel_columns=order, ink="low", margin=0.1, stroke_width=0.12)).data

    spec = image_input(data)

    assert spec is not None
    assert (spec.width, spec.height, spec.value_range, spec.ink) == (3, 2, (0.0, 16.0), "low")
    assert (spec.margin, spec.stroke_width, spec.pixel_columns) == (0.1, 0.12, order)


def test_without_an_image_the_bundle_declares_none(raw_params: dict) -> None:
    assert image_input(parse_params(raw_params).data) is None


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ({"width": 2}, "data: image: 2x2 pixels need 4 pixel columns, got 6"),
        ({"pixel_columns": PIXELS[:5]}, "data: image.pixel_columns must list every numeric feature, each once"),
        ({"pixel_columns": [*PIXELS[:5], "p00"]}, "data: image.pixel_columns must list every numeric feature"),
        ({"value_range": [16, 0]}, "data: image.value_range must be [low, high] with low < high, got [16.0, 0.0]"),
        ({"value_range": [0, 1, 2]}, "data.image.value_range: List should have at most 2 items"),
        ({"grayscale": False}, "data.image.grayscale: Input should be True, got bool False"),
        ({"ink": "dark"}, "data.image.ink: Input should be 'high' or 'low'"),
        ({"stroke_width": 0.9}, "data.image.stroke_width: Input should be less than or equal to 0.5"),
        ({"colour": "red"}, "data.image.colour: unknown key (check the spelling)"),
    ],
)
def test_an_inconsistent_image_names_the_key(image: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_params(image_params(**image))

    assert str(error.value).startswith(f"params.yaml: {message}")


def test_a_picture_takes_no_categorical_features() -> None:
    raw = image_params()
    raw["data"]["categorical"] = ["pen"]

    with pytest.raises(ConfigError, match=r"^params.yaml: data: image: a model of pixels takes no categorical"):
        parse_params(raw)


def pictures(values: list[float]) -> pd.DataFrame:
    frame = pd.DataFrame(np.zeros((4, 6)), columns=PIXELS)
    frame["p12"] = values
    frame["digit"] = [0, 1, 0, 1]
    return frame


def test_pixels_inside_the_value_range_are_read() -> None:
    data = parse_params(image_params()).data

    assert normalise(pictures([0, 16, np.nan, 7.5]), data)["p12"].tolist()[:2] == [0.0, 16.0]


def test_a_pixel_outside_the_value_range_is_a_config_error() -> None:
    data = parse_params(image_params()).data

    with pytest.raises(ConfigError) as error:
        normalise(pictures([0, 17, 3, 4]), data, source="data/raw/pictures.csv")

    assert str(error.value) == (
        "params.yaml: data.image.value_range: pixel column 'p12' has the value 17.0 in data/raw/pictures.csv, "
        "outside [0, 16]"
    )
