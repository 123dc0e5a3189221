"""From the bytes a client sent to the record a model with an image input predicts from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.bundle import ImageInput
from app.images.decode import decode_image
from app.images.preprocess import WORK_SIDE, to_pixels


@dataclass(frozen=True)
class Picture:
    # (height, width), in the model's value range.
    pixels: npt.NDArray[np.float64]
    # What the client should know about how the picture was read.
    warnings: list[str]

    def record(self, spec: ImageInput) -> dict[str, float | str | None]:
        """One feature per pixel, named by spec.pixel_columns (row-major)."""
        return dict(zip(spec.pixel_columns, self.pixels.ravel().tolist(), strict=True))


def read_picture(data: bytes, spec: ImageInput, *, max_pixels: int) -> Picture:
    """Decode (PNG, JPEG or WebP, at most `max_pixels`) and preprocess. Raises ImageError (app.images.errors)."""
    decoded = decode_image(data, max_pixels=max_pixels, shrink_to=WORK_SIDE)
    warnings = []
    if decoded.frames > 1:
        warnings.append(f"the {decoded.format} image has {decoded.frames} frames; only the first was used")
    return Picture(pixels=to_pixels(decoded.image, spec), warnings=warnings)
