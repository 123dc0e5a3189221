"""The digits example's test split drawn as pictures, read back by the service's own preprocessing.

In process and without the trained model: a picture must come back as the 8x8 counts it was drawn
from, closely enough that the training split's nearest neighbour still names the digit. The
served model is checked the same way over HTTP in test_digits_served.py.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from app.bundle import ImageInput
from app.images.picture import read_picture
from examples.digits.data import frame
from examples.digits.picture import PARAMS, encode, render
from training.dataset import normalise
from training.metadata import image_input
from training.params import load_params
from training.split import split

# Every combination the issue names: scaled up to 64 and 280 pixels, both polarities, PNG and JPEG.
VARIANTS = list(itertools.product((64, 280), (True, False), ("PNG", "JPEG")))


@dataclass(frozen=True)
class Split:
    spec: ImageInput
    train_pixels: np.ndarray
    train_digits: np.ndarray
    test_pixels: np.ndarray
    test_digits: np.ndarray


@pytest.fixture(scope="module")
def digits_split() -> Split:
    """The example's split, as its params.yaml makes it."""
    params = load_params(PARAMS)
    spec = image_input(params.data)
    assert spec is not None
    train, test = split(normalise(frame(), params.data), params.data, params.prepare)
    columns, target = list(spec.pixel_columns), params.data.target
    return Split(
        spec, train[columns].to_numpy(), train[target].to_numpy(), test[columns].to_numpy(), test[target].to_numpy()
    )


@pytest.fixture(scope="module")
def read_back(digits_split: Split) -> dict[tuple[int, bool, str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per variant: (drawn counts, counts read back, digits); the test digits take the variants in turn."""
    outcome = {}
    for number, (size, dark_on_light, image_format) in enumerate(VARIANTS):
        rows = list(range(number, len(digits_split.test_digits), len(VARIANTS)))
        read = [
            read_picture(
                encode(render(digits_split.test_pixels[row], size=size, dark_on_light=dark_on_light), image_format),
                digits_split.spec,
                max_pixels=16_777_216,
            ).pixels.ravel()
            for row in rows
        ]
        outcome[size, dark_on_light, image_format] = (
            digits_split.test_pixels[rows],
            np.array(read),
            digits_split.test_digits[rows],
        )
    return outcome


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v[0]}px-{'dark' if v[1] else 'light'}-{v[2]}")
def test_a_picture_reads_back_as_the_counts_it_was_drawn_from(read_back: dict, variant: tuple) -> None:
    drawn, read, _ = read_back[variant]

    # Mean absolute difference per pixel, of 16: the framing of a re-centred crop moves a little ink.
    assert np.abs(read - drawn).mean() < 1.6


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v[0]}px-{'dark' if v[1] else 'light'}-{v[2]}")
def test_the_nearest_training_digit_of_a_picture_is_its_digit(
    digits_split: Split, read_back: dict, variant: tuple
) -> None:
    _, read, digits = read_back[variant]
    nearest = KNeighborsClassifier(n_neighbors=1).fit(digits_split.train_pixels, digits_split.train_digits)

    assert (nearest.predict(read) == digits).mean() >= 0.9
