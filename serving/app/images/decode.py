"""Decoding untrusted image bytes with Pillow: PNG, JPEG and WebP only, the size checked before the pixels.

`Image.open` reads the header alone, so the dimensions are known, and refused when too large,
before a single pixel is decompressed: a decompression bomb (a small file declaring a huge image)
costs nothing. Pillow's own guard (`Image.MAX_IMAGE_PIXELS`, about 89 million pixels) stays in
place behind ours; its DecompressionBombWarning is an error here, see `refuse_decompression_bombs`.
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from app.images.errors import CorruptImageError, EmptyImageError, TooManyPixelsError, UnsupportedImageError

# Pillow format names, and the media types a client may declare for them.
FORMATS = ("PNG", "JPEG", "WEBP")
MEDIA_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
# What Pillow raises for damaged data, besides its own decompression-bomb errors.
_DECODING_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error, zlib.error)


@dataclass(frozen=True)
class DecodedImage:
    """The first frame, decoded; `frames` counts them all (an animation, or a phone's multi-picture JPEG)."""

    image: Image.Image
    format: str
    frames: int


def refuse_decompression_bombs() -> None:
    """Make Pillow's DecompressionBombWarning an exception in this process, as pytest does.

    Pillow warns, and decodes anyway, between MAX_IMAGE_PIXELS and twice that; as an exception it
    is caught by `decode_image` and answered like any picture over the limit, and never reaches
    the log as a stray line of text. Called once per worker at start-up.
    """
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


def decode_image(data: bytes, *, max_pixels: int, shrink_to: int | None = None) -> DecodedImage:
    """Decode the first frame of a PNG, JPEG or WebP image.

    `max_pixels` bounds width * height, checked from the header before decoding. `shrink_to`
    lets a JPEG decode at 1/2, 1/4 or 1/8 scale while its longer side stays at least that many
    pixels (libjpeg's own scaling: a 12-megapixel photo decodes in a fraction of the time and
    memory), and as grayscale.

    Raises EmptyImageError (no bytes), UnsupportedImageError (not one of the three formats),
    TooManyPixelsError, CorruptImageError (a truncated or damaged file, naming Pillow's reason;
    also a file that starts like one of the three but cannot be opened).
    """
    if not data:
        raise EmptyImageError("the image is empty (0 bytes)")
    signed = signature(data)
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        if signed is None:
            raise UnsupportedImageError("the picture is not a PNG, JPEG or WebP image") from None
        raise CorruptImageError(f"the {signed} image is truncated or damaged: its header cannot be read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(exc, max_pixels) from None
    except _DECODING_ERRORS as exc:
        named = f"the {signed} image" if signed else "the image"
        raise CorruptImageError(f"{named} is truncated or damaged: {_reason(exc)}") from None
    width, height = image.size
    if width * height > max_pixels:
        raise TooManyPixelsError(
            f"the image is {width}x{height} pixels ({width * height:,}); at most {max_pixels:,} are accepted"
        )
    frames = int(getattr(image, "n_frames", 1))
    # A phone's multi-picture JPEG (MPO) is a JPEG whose first frame is the picture.
    if shrink_to is not None and image.format in ("JPEG", "MPO"):
        scale = shrink_to / max(width, height)
        if scale < 1:
            image.draft("L", (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(exc, max_pixels) from None
    except _DECODING_ERRORS as exc:
        raise CorruptImageError(f"the {image.format} image is truncated or damaged: {_reason(exc)}") from None
    return DecodedImage(image=image, format=str(image.format), frames=frames)


def signature(data: bytes) -> str | None:
    """The format whose magic bytes the data starts with, if one of FORMATS: a damaged file is still that format."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _too_many_pixels(exc: BaseException, max_pixels: int) -> TooManyPixelsError:
    # Pillow's guard fires inside Image.open, before ours can read the size: say it in our words,
    # with our limit, not Pillow's ("exceeds limit of 178956970 pixels, could be decompression bomb").
    found = re.search(r"Image size \((\d+) pixels\)", str(exc))
    size = f"{int(found.group(1)):,} pixels" if found else "more pixels than Pillow decodes"
    return TooManyPixelsError(f"the image is {size}; at most {max_pixels:,} are accepted")


def _reason(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200] or type(exc).__name__
