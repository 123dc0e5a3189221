from __future__ import annotations

import io

import numpy as np
from PIL import Image

from training.pictures import confusion_matrix_png, predicted_vs_actual_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decoded(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_the_confusion_matrix_is_a_640_by_480_png_drawn_the_same_every_time() -> None:
    truth = np.array([0, 0, 1, 1, 1], dtype=object)
    predicted = np.array([0, 1, 1, 1, 1], dtype=object)

    first = confusion_matrix_png(truth, predicted, [0, 1], "digit")

    assert decoded(first).size == (640, 480)
    assert confusion_matrix_png(truth, predicted, [0, 1], "digit") == first
    # Other counts, another picture.
    assert confusion_matrix_png(truth, truth, [0, 1], "digit") != first


def test_predicted_against_actual_is_a_640_by_480_png() -> None:
    actual = np.array([1.0, 2.0, 3.0, 4.0])

    png = predicted_vs_actual_png(actual, actual + 0.5, "price")

    assert decoded(png).size == (640, 480)
    assert predicted_vs_actual_png(actual, actual - 0.5, "price") != png
