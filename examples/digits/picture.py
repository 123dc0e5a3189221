"""A digit of the example's test split as a picture file, to try POST /predict/image without a camera.

    python -m examples.digits.picture digit.png                       # test digit 0, 280x280, dark on light
    python -m examples.digits.picture digit.jpg --index 7 --size 64 --light-on-dark

The 8x8 counts are scaled up smoothly (bicubic), as a drawing at a larger size would look; the
service's preprocessing has to bring it back to what the model was trained on.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from examples.digits.data import SIDE, frame
from training.dataset import normalise
from training.params import load_params
from training.split import split

PARAMS = Path(__file__).with_name("params.yaml")
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def held_out_digits() -> tuple[np.ndarray, np.ndarray]:
    """(pixels, digits) of the test split the pipeline makes from this example's params.yaml: shapes (n, 64), (n,)."""
    params = load_params(PARAMS)
    _, test = split(normalise(frame(), params.data), params.data, params.prepare)
    return test[list(params.data.numeric)].to_numpy(), test[params.data.target].to_numpy()


def render(pixels: Sequence[float] | np.ndarray, *, size: int, dark_on_light: bool = True) -> Image.Image:
    """One digit (64 counts, 0..16, row-major) as a size x size grayscale picture."""
    ink = np.clip(np.asarray(pixels, dtype=np.float64).reshape(SIDE, SIDE) / 16 * 255, 0, 255)
    picture = Image.fromarray(np.rint(ink).astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC)
    return ImageOps.invert(picture) if dark_on_light else picture


def encode(picture: Image.Image, image_format: str) -> bytes:
    """The picture as a file of `image_format` (PNG, JPEG or WEBP), with Pillow's default quality."""
    buffer = io.BytesIO()
    picture.save(buffer, image_format)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a test-split digit as a picture file.")
    parser.add_argument("file", type=Path, help=f"where to write it: {', '.join(FORMATS)}")
    parser.add_argument("--index", type=int, default=0, help="which test-split digit (default 0)")
    parser.add_argument("--size", type=int, default=280, help="width and height in pixels (default 280)")
    parser.add_argument("--light-on-dark", action="store_true", help="white ink on black instead of black on white")
    args = parser.parse_args(argv)
    image_format = FORMATS.get(args.file.suffix.lower())
    if image_format is None:
        parser.error(f"{args.file}: the name must end in one of {', '.join(FORMATS)}")
    pixels, digits = held_out_digits()
    if not 0 <= args.index < len(digits):
        parser.error(f"--index must be 0 to {len(digits) - 1}")
    picture = render(pixels[args.index], size=args.size, dark_on_light=not args.light_on_dark)
    args.file.write_bytes(encode(picture, image_format))
    print(f"wrote {args.file}: test digit {args.index}, a {digits[args.index]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
