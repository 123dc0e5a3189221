"""Each preprocessing step, on drawings made here: what a picture shows must not depend on how it was taken."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.bundle import ImageInput
from app.images.errors import BlankImageError
from app.images.preprocess import to_pixels

SIDE = 8
SPEC = ImageInput(
    width=SIDE,
    height=SIDE,
    value_range=(0.0, 16.0),
    stroke_width=0.12,
    pixel_columns=[f"pixel_{row}_{column}" for row in range(SIDE) for column in range(SIDE)],
)
# The strokes of a "7" and of a "4", in a unit box (x, y from the top left).
SEVEN = [[(0.1, 0.05), (0.9, 0.05), (0.35, 0.95)]]
FOUR = [[(0.7, 0.95), (0.7, 0.05), (0.1, 0.65), (0.95, 0.65)]]


def drawing(
    strokes: list[list[tuple[float, float]]] = SEVEN,
    *,
    canvas: tuple[int, int] = (200, 200),
    box: tuple[int, int, int, int] = (20, 20, 180, 180),
    width: float = 0.12,
    ink: int = 0,
    paper: int = 255,
    mode: str = "L",
) -> Image.Image:
    """Strokes drawn into `box` (left, top, right, bottom) of a canvas; `width` is a share of the box's height."""
    picture = Image.new(mode, canvas, paper)
    left, top, right, bottom = box
    pen = ImageDraw.Draw(picture)
    for stroke in strokes:
        points = [(left + x * (right - left), top + y * (bottom - top)) for x, y in stroke]
        pen.line(points, fill=ink, width=max(1, round(width * (bottom - top))), joint="curve")
    return picture


def pixels(picture: Image.Image, spec: ImageInput = SPEC) -> np.ndarray:
    return to_pixels(picture, spec)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference, in the model's units (0..16)."""
    return float(np.abs(a - b).mean())


REFERENCE = pixels(drawing())


def test_the_result_has_the_model_s_shape_and_range() -> None:
    assert REFERENCE.shape == (SIDE, SIDE)
    assert REFERENCE.dtype == np.float64
    assert REFERENCE.min() >= 0.0
    assert REFERENCE.max() <= 16.0
    # The 7's bar fills the top row and its foot the bottom one; the paper around is 0.
    assert REFERENCE[0].mean() > 8
    assert REFERENCE[-1].max() > 8
    assert REFERENCE[-1, -1] == 0.0


def test_light_on_dark_gives_what_dark_on_light_gives() -> None:
    assert difference(pixels(drawing(ink=255, paper=0)), REFERENCE) < 0.05


@pytest.mark.parametrize(("ink", "paper"), [(0, 255), (255, 0)])
def test_strokes_on_a_transparent_canvas_are_read_whatever_their_colour(ink: int, paper: int) -> None:
    strokes = drawing(ink=ink, paper=paper)
    transparent = Image.new("LA", strokes.size, (0, 0))
    transparent.putalpha(Image.eval(strokes, lambda value: 255 - value if paper == 255 else value))
    coloured = Image.merge("LA", (Image.new("L", strokes.size, ink), transparent.getchannel("A")))

    assert difference(pixels(coloured), REFERENCE) < 0.3


def test_a_palette_picture_with_a_transparent_colour_is_read() -> None:
    palette = drawing(mode="RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", transparency=palette.getpixel((0, 0)))

    assert difference(pixels(Image.open(buffer)), REFERENCE) < 0.3


def test_a_16_bit_picture_is_scaled_not_clipped() -> None:
    gray = drawing(ink=60, paper=200)
    wide = Image.fromarray((np.asarray(gray, dtype=np.uint16) * 257).astype(np.uint16))
    assert wide.mode == "I;16"

    assert difference(pixels(wide), pixels(gray)) < 0.05


def test_coloured_ink_on_coloured_paper_is_read_by_its_luminance() -> None:
    blue_on_yellow = drawing(mode="RGB", ink=(20, 40, 160), paper=(250, 235, 140))  # type: ignore[arg-type]

    assert difference(pixels(blue_on_yellow), REFERENCE) < 0.3


def test_a_small_drawing_anywhere_on_a_large_canvas_is_cropped_to_its_content() -> None:
    corner = drawing(canvas=(1200, 900), box=(850, 80, 1050, 280))

    assert difference(pixels(corner), REFERENCE) < 0.5


def test_the_content_keeps_its_aspect_ratio_centred() -> None:
    bar = pixels(drawing([[(0.5, 0.0), (0.5, 1.0)]], box=(60, 20, 140, 180), width=0.1))

    columns = bar.sum(axis=0)
    assert columns[:3].max() == 0
    assert columns[-3:].max() == 0
    assert bar[:, 3:5].min() > 4


def test_the_margin_leaves_an_empty_border() -> None:
    framed = pixels(drawing(), SPEC.model_copy(update={"margin": 0.25}))

    border = np.concatenate([framed[0], framed[-1], framed[:, 0], framed[:, -1]])
    assert border.max() == 0.0
    assert framed[1:-1, 1:-1].max() > 8


def test_uneven_light_and_sensor_noise_are_removed() -> None:
    rng = np.random.default_rng(0)
    gray = np.asarray(drawing(ink=60, paper=200), dtype=np.float64)
    shadow = np.linspace(-40, 40, gray.shape[1])[np.newaxis, :] + np.linspace(-20, 20, gray.shape[0])[:, np.newaxis]
    photo = np.clip(gray + shadow + rng.normal(0, 8, gray.shape), 0, 255).astype(np.uint8)

    assert difference(pixels(Image.fromarray(photo)), REFERENCE) < 0.6


def test_thin_strokes_are_thickened_to_the_declared_width() -> None:
    pen = drawing(canvas=(1600, 1600), box=(200, 200, 1400, 1400), width=0.01)

    thickened = pixels(pen)
    as_drawn = pixels(pen, SPEC.model_copy(update={"stroke_width": 0.0}))

    assert difference(thickened, REFERENCE) < 1.0
    assert difference(as_drawn, REFERENCE) > 2 * difference(thickened, REFERENCE)


def test_the_exif_orientation_is_applied() -> None:
    sideways = drawing().rotate(90, expand=True)  # as a phone stores a picture taken upright
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to show
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", exif=exif, quality=95)

    assert difference(pixels(Image.open(buffer)), REFERENCE) < 0.3


def test_the_value_range_and_the_ink_end_are_the_model_s() -> None:
    reversed_range = pixels(drawing(), SPEC.model_copy(update={"value_range": (-1.0, 1.0), "ink": "low"}))

    assert np.allclose(reversed_range, 1.0 - REFERENCE / 8.0)


@pytest.mark.parametrize(
    "picture",
    [
        Image.new("L", (100, 80), 255),
        Image.new("L", (100, 80), 0),
        Image.new("RGBA", (100, 80), (0, 0, 0, 0)),
        Image.fromarray(np.random.default_rng(1).normal(128, 10, (300, 300)).clip(0, 255).astype(np.uint8)),
        Image.new("L", (1, 1), 128),
    ],
    ids=["white", "black", "transparent", "paper-noise", "one-pixel"],
)
def test_a_picture_with_nothing_drawn_is_blank(picture: Image.Image) -> None:
    with pytest.raises(BlankImageError, match=r"^the image is (blank|fully transparent)") as caught:
        pixels(picture)

    assert (caught.value.status, caught.value.kind) == (422, "image_blank")


@pytest.mark.parametrize("size", [(1, 40), (40, 1), (3, 3), (5000, 2)])
def test_degenerate_shapes_give_pixels_or_blank(size: tuple[int, int]) -> None:
    picture = Image.new("L", size, 255)
    picture.putpixel((0, 0), 0)

    try:
        result = pixels(picture)
    except BlankImageError:
        return
    assert result.shape == (SIDE, SIDE)
    assert np.isfinite(result).all()
