from __future__ import annotations

import io
import struct
import subprocess
import sys
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.bundle import ImageInput
from app.config import PACKAGE_DIR
from app.images.decode import decode_image, signature
from app.images.errors import (
    CorruptImageError,
    EmptyImageError,
    ImageError,
    TooManyPixelsError,
    UnsupportedImageError,
)
from app.images.picture import read_picture

LIMIT = 16_777_216
SPEC = ImageInput(width=4, height=4, value_range=(0, 1), pixel_columns=[f"p{n}" for n in range(16)])


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def noise(size: tuple[int, int] = (120, 90)) -> Image.Image:
    return Image.effect_noise(size, 60)


def drawn() -> Image.Image:
    """Dark strokes on light paper, in colour."""
    picture = Image.new("RGB", (64, 48), (240, 235, 220))
    ImageDraw.Draw(picture).line([(10, 8), (50, 8), (25, 40)], fill=(20, 20, 60), width=5)
    return picture


def png_header(width: int, height: int, pixel_data: bytes) -> bytes:
    """A grayscale PNG declaring width x height, with `pixel_data` (zlib) as its only IDAT chunk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel_data) + chunk(b"IEND", b"")


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_each_accepted_format_decodes(image_format: str) -> None:
    decoded = decode_image(encoded(noise(), image_format), max_pixels=LIMIT)

    assert (decoded.format, decoded.frames, decoded.image.size) == (image_format, 1, (120, 90))
    assert signature(encoded(noise(), image_format)) == image_format


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_unsupported(image_format: str) -> None:
    with pytest.raises(UnsupportedImageError, match=r"^the picture is not a PNG, JPEG or WebP image$") as caught:
        decode_image(encoded(noise().convert("RGB"), image_format), max_pixels=LIMIT)

    assert (caught.value.status, caught.value.kind) == (415, "image_unsupported")


@pytest.mark.parametrize("data", [b"hello", b'{"pixel_0_0": 0}', bytes(range(256))])
def test_what_is_not_an_image_is_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedImageError):
        decode_image(data, max_pixels=LIMIT)


def test_no_bytes_is_an_empty_image() -> None:
    with pytest.raises(EmptyImageError, match=r"^the image is empty \(0 bytes\)$") as caught:
        decode_image(b"", max_pixels=LIMIT)

    assert (caught.value.status, caught.value.kind) == (422, "image_empty")


@pytest.mark.parametrize(
    ("image_format", "keep", "message"),
    [
        ("PNG", 0.5, r"^the PNG image is truncated or damaged: image file is truncated$"),
        ("PNG", 20, r"^the PNG image is truncated or damaged: Truncated File Read$"),
        ("JPEG", 0.5, r"^the JPEG image is truncated or damaged: image file is truncated \(\d+ bytes not processed\)$"),
        ("JPEG", 30, r"^the JPEG image is truncated or damaged: Truncated File Read$"),
        ("WEBP", 0.5, r"^the WEBP image is truncated or damaged: could not create decoder object$"),
    ],
)
def test_a_truncated_file_is_corrupt_and_says_why(image_format: str, keep: float, message: str) -> None:
    data = encoded(noise((300, 300)), image_format)
    cut = int(len(data) * keep) if keep < 1 else int(keep)

    with pytest.raises(CorruptImageError, match=message) as caught:
        decode_image(data[:cut], max_pixels=LIMIT)

    assert (caught.value.status, caught.value.kind) == (422, "image_corrupt")


def test_a_damaged_chunk_is_corrupt() -> None:
    data = bytearray(encoded(noise(), "PNG"))
    data[30] ^= 0xFF  # inside IHDR: its CRC no longer matches

    with pytest.raises(CorruptImageError, match=r"^the PNG image is truncated or damaged: its header cannot be read$"):
        decode_image(bytes(data), max_pixels=LIMIT)


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        # Over our limit: refused by the service's own check.
        (5000, 5000, r"^the image is 5000x5000 pixels \(25,000,000\); at most 16,777,216 are accepted$"),
        # Over Pillow's MAX_IMAGE_PIXELS: its warning, an error here, as at service start-up.
        (10_000, 10_000, r"^the image is 100,000,000 pixels; at most 16,777,216 are accepted$"),
        # Over twice Pillow's limit: its DecompressionBombError.
        (100_000, 100_000, r"^the image is 10,000,000,000 pixels; at most 16,777,216 are accepted$"),
    ],
)
def test_too_many_pixels_are_refused_from_the_header_before_decoding(width: int, height: int, message: str) -> None:
    # The pixel data is garbage: decoding it would fail as corrupt, so this answer came before decoding.
    with pytest.raises(TooManyPixelsError, match=message) as caught:
        decode_image(png_header(width, height, b"not zlib data"), max_pixels=LIMIT)

    assert (caught.value.status, caught.value.kind) == (422, "image_too_large")


def test_a_decompression_bomb_costs_no_memory() -> None:
    # 36 million pixels of black in about 35 KB: decoding it would take 36 MB.
    bomb = png_header(6000, 6000, zlib.compress(b"\x00" * (6001 * 6000), 9))
    assert len(bomb) < 100_000

    tracemalloc.start()
    try:
        with pytest.raises(TooManyPixelsError):
            decode_image(bomb, max_pixels=LIMIT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 2_000_000


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_an_animation_gives_its_first_frame_and_counts_them(image_format: str) -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("black", "grey", "white")]
    data = encoded(frames[0], image_format, save_all=True, append_images=frames[1:], duration=100)

    decoded = decode_image(data, max_pixels=LIMIT)

    assert decoded.frames == 3
    assert decoded.image.convert("L").getextrema() == (0, 0)


def test_a_large_jpeg_decodes_shrunk_and_gray() -> None:
    data = encoded(noise((4000, 3000)).convert("RGB"), "JPEG")

    decoded = decode_image(data, max_pixels=LIMIT, shrink_to=512)

    # libjpeg's 1/4 scale: the smallest whose longer side is still at least 512.
    assert (decoded.image.size, decoded.image.mode) == ((1000, 750), "L")


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_damaged_files_raise_only_image_errors(image_format: str) -> None:
    original = encoded(drawn(), image_format)
    rng = np.random.default_rng(len(original))
    variants = [original[:cut] for cut in range(0, len(original), max(1, len(original) // 40))]
    for _ in range(60):
        damaged = bytearray(original)
        for position in rng.integers(0, len(damaged), size=rng.integers(1, 9)):
            damaged[position] = int(rng.integers(0, 256))
        variants.append(bytes(damaged))

    outcomes = set()
    for data in variants:
        try:
            # Decoded, then preprocessed: whatever a damaged file decodes to must not break the steps either.
            read_picture(data, SPEC, max_pixels=LIMIT)
            outcomes.add("read")
        except ImageError as exc:
            outcomes.add(type(exc).__name__)

    assert {"read", "CorruptImageError"} <= outcomes


DECOMPRESSION_WARNING_SCRIPT = """
import sys
from app.images.decode import decode_image, refuse_decompression_bombs
from app.images.errors import TooManyPixelsError
if sys.argv[1] == "refuse":
    refuse_decompression_bombs()
try:
    decode_image(sys.stdin.buffer.read(), max_pixels=16_777_216)
except TooManyPixelsError as exc:
    print(exc)
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["refuse", "default"])
def test_pillows_bomb_warning_never_reaches_the_log_as_text(mode: str) -> None:
    # A fresh interpreter: pytest's warnings-as-errors would hide what a worker does.
    result = subprocess.run(
        [sys.executable, "-c", DECOMPRESSION_WARNING_SCRIPT, mode],
        input=png_header(10_000, 10_000, b"x"),
        capture_output=True,
        cwd=PACKAGE_DIR.parent,
        timeout=60,
        check=True,
    )

    if mode == "refuse":
        assert result.stdout.decode() == "the image is 100,000,000 pixels; at most 16,777,216 are accepted\n"
        assert result.stderr == b""
    else:
        # Without the start-up call, Pillow writes its warning to stderr (and the own check still refuses).
        assert b"DecompressionBombWarning" in result.stderr
        assert result.stdout.decode().startswith("the image is 10000x10000 pixels")
