"""A picture of a drawing, photographed or scanned, turned into the pixels a model was trained on.

`to_pixels(image, spec)` returns a (height, width) float64 array in `spec.value_range`. The steps,
in order, each a function below:

1. `grayscale`: one luminance value per pixel (ITU-R 601-2, Pillow's "L"); 16-bit pictures are
   scaled, not clipped; an alpha channel is kept aside.
2. `shrink`: the longer side to at most WORK_SIDE pixels by area averaging (bounds the work,
   averages sensor noise), then the EXIF orientation is applied (phones store pictures sideways).
3. `flatten_transparency`: transparent pixels become paper: white under dark strokes, black
   under light ones (the opaque pixels' mean decides), so neither polarity vanishes.
4. `ink`: 0 for paper, 1 for ink, whether the picture is dark-on-light or light-on-dark: the
   paper is what most of the border shows, the ink what differs most from it.
5. `clean`: uneven light is removed (a plane fitted to the paper is subtracted), differences
   within 4 standard deviations of the paper's noise become 0, and the strongest ink becomes 1.
6. `content_box`: the box holding the ink, but for the faintest `TRIM` of it at each side (specks
   and halos); no ink at all raises BlankImageError.
7. `thicken`: strokes thinner than `spec.stroke_width` (a pen on a large photo) are widened.
8. `frame`: a box centred on the content, grown by `spec.margin`, widened to the model's aspect
   ratio: the content keeps its own aspect ratio and fills the box as the training pictures did.
9. `resize`: that box to width x height by area averaging: each pixel is the share of ink under it,
   as scikit-learn's digits count the ink of 4x4 blocks.
10. `scale`: 0..1 onto `spec.value_range`, full ink at the end `spec.ink` names.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from app.bundle import ImageInput
from app.images.errors import BlankImageError

Array = npt.NDArray[np.float32]
# (top, bottom, left, right) in pixels, bottom and right exclusive.
Box = tuple[int, int, int, int]
# The longer side, in pixels, that the picture is reduced to before the numeric steps.
WORK_SIDE = 512
# The border ring that shows the paper: this share of the shorter side, at least one pixel.
BORDER = 0.02
# Differences from the paper within this many standard deviations of its noise are noise: a
# Gaussian exceeds 4 sigma in 3 pixels of 100,000.
NOISE_FLOOR = 4.0
# A picture whose strokes differ from the paper by less than this (of full black to white) is blank.
MIN_CONTRAST = 0.06
# Ink below this share of a typical stroke does not count towards the content box.
CONTENT_THRESHOLD = 0.2
# The share of the ink cut from each side of the content box.
TRIM = 0.002
# Percentiles and Otsu's threshold are taken from a regular sample of about this many pixels,
# the paper's plane from about this many of the border ring's.
SAMPLE_PIXELS = 40_000
RING_SAMPLE = 4_000
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
_WITH_ALPHA = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})


def to_pixels(image: Image.Image, spec: ImageInput) -> npt.NDArray[np.float64]:
    """The model's pixels for a decoded picture: shape (spec.height, spec.width), values in spec.value_range.

    Raises BlankImageError when nothing is drawn.
    """
    picture = shrink(grayscale(image), WORK_SIDE)
    ink_share = clean(ink(flatten_transparency(picture)))
    ink_share, box = thicken(ink_share, content_box(ink_share), spec.stroke_width)
    return scale(resize(ink_share, frame(box, spec), (spec.width, spec.height)), spec)


def grayscale(image: Image.Image) -> Image.Image:
    """Step 1: "L" (luminance) or "LA" (with alpha), 8 bits a pixel."""
    if image.mode in _SIXTEEN_BIT:
        # Pillow's convert("L") clips 16-bit values at 255 instead of scaling them.
        values = np.asarray(image, dtype=np.float64) / 257.0
        converted = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
        converted.info = dict(image.info)
        return converted
    if image.mode in _WITH_ALPHA or "transparency" in image.info:
        return image.convert("RGBA").convert("LA")
    return image if image.mode == "L" else image.convert("L")


def shrink(image: Image.Image, side: int) -> Image.Image:
    """Step 2: the longer side to at most `side` pixels (area average, alpha premultiplied), upright."""
    factor = side / max(image.size)
    if factor < 1:
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        image = image.resize(size, Image.Resampling.BOX, reducing_gap=2.0)
    return ImageOps.exif_transpose(image)


def flatten_transparency(image: Image.Image) -> Array:
    """Step 3: luminance in 0..1 (1 white), transparent pixels replaced by a paper that contrasts with the strokes."""
    values = np.asarray(image, dtype=np.float32) / 255.0
    if image.mode != "LA":
        return values
    gray, alpha = values[..., 0], values[..., 1]
    covered = float(alpha.sum())
    if covered == 0:
        raise BlankImageError("the image is fully transparent: nothing is drawn")
    strokes = float((gray * alpha).sum()) / covered
    paper = np.float32(1.0 if strokes < 0.5 else 0.0)
    flattened: Array = gray * alpha + paper * (np.float32(1.0) - alpha)
    return flattened


def ink(gray: Array) -> Array:
    """Step 4: 1 where the picture differs most from its paper, in either direction."""
    paper = float(np.median(gray[_ring(gray.shape)]))
    darkest, lightest = np.percentile(_sample(gray), [0.1, 99.9])
    inverted: Array = np.float32(1.0) - gray
    return inverted if paper - darkest >= lightest - paper else gray


def clean(values: Array) -> Array:
    """Step 5: paper 0 and the strongest ink 1, under uneven light and sensor noise.

    Differences from the paper's level (`_paper`) within NOISE_FLOOR standard deviations of its
    noise are none. The strongest ink is the 99th percentile of the pixels above Otsu's
    threshold (the split that best separates two levels), so that a few hot pixels do not decide.
    """
    level, spread = _paper(values)
    residual = values - level
    floor = NOISE_FLOOR * spread
    sample = _sample(residual)
    strokes = sample[sample > max(_otsu(sample), floor)]
    stroke = float(np.percentile(strokes, 99)) if strokes.size else floor
    if stroke - floor < MIN_CONTRAST:
        raise BlankImageError("the image is blank: no stroke stands out from the background")
    share: Array = np.clip((residual - floor) / (stroke - floor), 0.0, 1.0).astype(np.float32)
    return share


def content_box(ink_share: Array) -> Box:
    """Step 6: (top, bottom, left, right), bottom and right exclusive, around the ink that counts."""
    counted = np.where(ink_share >= CONTENT_THRESHOLD, ink_share, 0.0)
    total = float(counted.sum())
    if total == 0:
        raise BlankImageError("the image is blank: no stroke stands out from the background")
    top, bottom = _trimmed_span(counted.sum(axis=1), total)
    left, right = _trimmed_span(counted.sum(axis=0), total)
    return top, bottom, left, right


def thicken(ink_share: Array, box: Box, stroke_width: float) -> tuple[Array, Box]:
    """Step 7: widen the strokes in `box` that are thinner than `stroke_width` of its larger side (0: never).

    The width is estimated as twice the ink's area over its outline (a long stroke of width w
    has an area of w times its length, and an outline of twice its length). Each step grows
    every stroke by a pixel on each side, and the picture and the box with it; specks outside
    the box stay as they are.
    """
    top, bottom, left, right = box
    solid = ink_share[top:bottom, left:right] >= 0.5
    outline = solid & ~_eroded(solid)
    if stroke_width <= 0 or not outline.any():
        return ink_share, box
    width = 2.0 * float(solid.sum()) / float(outline.sum())
    steps = int((stroke_width * max(bottom - top, right - left) - width) / 2.0 + 0.5)
    if steps <= 0:
        return ink_share, box
    grown = np.pad(ink_share, steps)
    inside = grown[top : bottom + 2 * steps, left : right + 2 * steps]
    for _ in range(steps):
        inside = _dilated(inside)
    grown[top : bottom + 2 * steps, left : right + 2 * steps] = inside
    return grown, (top, bottom + 2 * steps, left, right + 2 * steps)


def frame(box: Box, spec: ImageInput) -> tuple[float, float, float, float]:
    """Step 8: (left, top, right, bottom) in pixels, around the content's centre, at the model's aspect ratio."""
    top, bottom, left, right = box
    border = spec.margin * max(bottom - top, right - left)
    height, width = bottom - top + 2 * border, right - left + 2 * border
    aspect = spec.width / spec.height
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    middle_y, middle_x = (top + bottom) / 2, (left + right) / 2
    return (middle_x - width / 2, middle_y - height / 2, middle_x + width / 2, middle_y + height / 2)


def resize(ink_share: Array, box: tuple[float, float, float, float], size: tuple[int, int]) -> Array:
    """Step 9: the box, which may reach past the picture's edges (paper there), to `size` by area averaging."""
    left, top, right, bottom = box
    pad = int(np.ceil(max(0.0, -left, -top, right - ink_share.shape[1], bottom - ink_share.shape[0])))
    padded = np.pad(ink_share, pad) if pad else ink_share
    shifted = (left + pad, top + pad, right + pad, bottom + pad)
    resized = Image.fromarray(padded.astype(np.float32)).resize(size, Image.Resampling.BOX, box=shifted)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def scale(ink_share: Array, spec: ImageInput) -> npt.NDArray[np.float64]:
    """Step 10: 0..1 of ink onto [low, high], full ink at `spec.ink`'s end."""
    low, high = spec.value_range
    share = ink_share.astype(np.float64)
    return low + share * (high - low) if spec.ink == "high" else high - share * (high - low)


def _paper(values: Array) -> tuple[Array, float]:
    """The paper's level at every pixel, a plane a + b*x + c*y, and the standard deviation of its noise.

    Fitted to the border ring, three times: each fit keeps the ring's pixels within 3 standard
    deviations of the previous one (the first is the ring's median), so that ink touching the
    border does not tilt it.
    """
    rows, columns = np.nonzero(_ring(values.shape))
    step = max(1, rows.size // RING_SAMPLE)
    rows, columns = rows[::step], columns[::step]
    paper = values[rows, columns].astype(np.float64)
    design = np.column_stack([np.ones(rows.size), columns, rows])
    level = np.full_like(paper, np.median(paper))
    coefficients = np.array([level[0], 0.0, 0.0])
    for _ in range(3):
        deviation = np.abs(paper - level)
        spread = 1.4826 * float(np.median(deviation))  # the median absolute deviation, as a Gaussian's sigma
        near = deviation <= 3.0 * spread + 1e-6
        coefficients, *_ = np.linalg.lstsq(design[near], paper[near], rcond=None)
        level = design @ coefficients
    a, b, c = (np.float32(value) for value in coefficients)
    x = np.arange(values.shape[1], dtype=np.float32)[np.newaxis, :]
    y = np.arange(values.shape[0], dtype=np.float32)[:, np.newaxis]
    return a + b * x + c * y, spread


def _ring(shape: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """True on the border ring: BORDER of the shorter side, at least one pixel, all around."""
    width = max(1, round(min(shape[:2]) * BORDER))
    ring = np.ones(shape[:2], dtype=bool)
    ring[width:-width, width:-width] = False
    return ring


def _sample(values: Array) -> Array:
    """Every k-th row and column, for at most about SAMPLE_PIXELS: enough for the statistics, far quicker."""
    step = max(1, int(np.sqrt(values.size / SAMPLE_PIXELS)))
    return values[::step, ::step]


def _otsu(values: Array) -> float:
    """The threshold that maximises the variance between the two classes it makes (Otsu, 1979)."""
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-6:
        return high
    bins = np.bincount(((values - low) * (255 / (high - low))).astype(np.intp).ravel(), minlength=256)
    levels = np.arange(bins.size, dtype=np.float64)
    weight, mass = np.cumsum(bins, dtype=np.float64), np.cumsum(bins * levels)
    total_weight, total_mass = weight[-1], mass[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mass * weight - mass * total_weight) ** 2 / (weight * (total_weight - weight))
    best = int(np.argmax(np.nan_to_num(between, nan=-1.0, posinf=-1.0)))
    return low + (best + 1) * (high - low) / 255


def _trimmed_span(profile: npt.NDArray[np.float64], total: float) -> tuple[int, int]:
    cumulative = np.cumsum(profile)
    start = int(np.searchsorted(cumulative, TRIM * total, side="right"))
    end = int(np.searchsorted(cumulative, (1 - TRIM) * total, side="left")) + 1
    return start, max(end, start + 1)


def _eroded(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """True where a pixel and its four neighbours are all true (outside the array counts as false)."""
    padded = np.pad(mask, 1)
    return padded[1:-1, 1:-1] & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]


def _dilated(values: Array) -> Array:
    """Each pixel the largest of itself and its 3x3 neighbours."""
    padded = np.pad(values, 1)
    rows = np.maximum(np.maximum(padded[:-2], padded[1:-1]), padded[2:])
    return np.maximum(np.maximum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])
