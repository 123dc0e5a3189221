"""POST /predict/image: a picture in, the answer /predict gives; every bad picture a 4xx with a JSON body.

The digits example (examples/digits) is trained here by the real stages, in this process.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.bundle import BundleMetadata, read_metadata
from app.config import Settings
from app.main import create_app
from examples.digits.picture import encode, held_out_digits, render
from testkit.bundles import train_example

from ...conftest import TestClient

ONE_FILE_FIELD = (
    "the multipart body must hold one file upload named 'image' (curl -F image=@picture.png), and nothing else"
)


def test_a_model_without_an_image_input_takes_no_picture(client: TestClient) -> None:
    response = client.post("/predict/image", content=b"\x89PNG", headers={"Content-Type": "image/png"})

    assert (response.status_code, response.json()) == (
        404,
        {"detail": "this model takes no picture (it declares no image input); use /predict"},
    )


def test_a_model_without_an_image_input_documents_no_image_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert "/predict/image" not in paths
    assert "/predict" in paths


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_example("digits", tmp_path_factory.mktemp("examples"))


@pytest.fixture(scope="module")
def digits(digits_model: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(model_dir=digits_model))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def test_digits() -> tuple[np.ndarray, np.ndarray]:
    return held_out_digits()


def picture(test_digits: tuple[np.ndarray, np.ndarray], index: int, image_format: str = "PNG", **options: Any) -> bytes:
    pixels, _ = test_digits
    return encode(render(pixels[index], size=options.pop("size", 280), **options), image_format)


def post(client: TestClient, body: bytes, content_type: str = "image/png") -> Any:
    return client.post("/predict/image", content=body, headers={"Content-Type": content_type})


def upload(client: TestClient, body: bytes, content_type: str = "image/png", field: str = "image") -> Any:
    return client.post("/predict/image", files={field: ("digit", body, content_type)})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("image_format", "media_type", "how"),
    [
        ("PNG", "image/png", post),
        ("JPEG", "image/jpeg", post),
        ("WEBP", "image/webp", post),
        ("PNG", "image/png", upload),
        ("JPEG", "application/octet-stream", upload),
    ],
)
def test_a_picture_is_answered_like_predict(
    digits: TestClient, test_digits: tuple[np.ndarray, np.ndarray], image_format: str, media_type: str, how: Any
) -> None:
    metadata = read_metadata(Path(digits.app.state.service.settings.model_dir))
    _, labels = test_digits

    response = how(digits, picture(test_digits, 0, image_format), media_type)

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["label", "probabilities", "warnings", "model_version"]
    assert (body["label"], body["warnings"], body["model_version"]) == (labels[0], [], metadata.model_version)
    assert list(body["probabilities"]) == metadata.class_keys
    assert sum(body["probabilities"].values()) == pytest.approx(1.0)


@pytest.mark.slow
def test_the_model_says_it_takes_pictures(digits: TestClient) -> None:
    image = digits.get("/model").json()["image_input"]

    assert {key: image[key] for key in ("width", "height", "grayscale", "value_range", "ink")} == {
        "width": 8,
        "height": 8,
        "grayscale": True,
        "value_range": [0.0, 16.0],
        "ink": "high",
    }
    assert image["pixel_columns"][:2] == ["pixel_0_0", "pixel_0_1"]


def test_a_model_without_an_image_input_says_so_by_omission(client: TestClient) -> None:
    assert "image_input" not in client.get("/model").json()


@pytest.mark.slow
def test_pixel_values_still_go_to_predict(digits: TestClient) -> None:
    metadata = read_metadata(Path(digits.app.state.service.settings.model_dir))
    golden = metadata.golden_records[0]

    response = digits.post("/predict", json=golden.record)

    assert (response.status_code, response.json()["label"]) == (200, golden.label)


@pytest.mark.slow
def test_an_animation_is_read_from_its_first_frame_with_a_warning(
    digits: TestClient, test_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    pixels, labels = test_digits
    first = render(pixels[0], size=64)
    buffer = io.BytesIO()
    first.save(buffer, "PNG", save_all=True, append_images=[render(pixels[1], size=64)], duration=500)

    response = post(digits, buffer.getvalue())

    assert response.status_code == 200
    assert (response.json()["label"], response.json()["warnings"]) == (
        labels[0],
        ["the PNG image has 2 frames; only the first was used"],
    )


def png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"garbage") + chunk(b"IEND", b"")


def blank_png() -> bytes:
    return encode(Image.new("L", (280, 280), 255), "PNG")


def gif() -> bytes:
    return encode(Image.new("L", (28, 28), 255), "GIF")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("request_body", "status", "detail"),
    [
        (
            (b"hello", "text/plain"),
            415,
            "Content-Type must be image/png, image/jpeg, image/webp or multipart/form-data, got 'text/plain'",
        ),
        (
            (b"{}", "application/json"),
            415,
            "Content-Type must be image/png, image/jpeg, image/webp or multipart/form-data, got 'application/json'",
        ),
        (
            (gif(), "image/gif"),
            415,
            "Content-Type must be image/png, image/jpeg, image/webp or multipart/form-data, got 'image/gif'",
        ),
        ((gif(), "image/png"), 415, "the picture is not a PNG, JPEG or WebP image"),
        ((b"just text", "image/jpeg"), 415, "the picture is not a PNG, JPEG or WebP image"),
        ((b"", "image/png"), 422, [{"type": "image_empty", "loc": ["body"], "msg": "the image is empty (0 bytes)"}]),
        (
            (png_declaring(5000, 5000), "image/png"),
            422,
            [
                {
                    "type": "image_too_large",
                    "loc": ["body"],
                    "msg": "the image is 5000x5000 pixels (25,000,000); at most 16,777,216 are accepted",
                }
            ],
        ),
        (
            (png_declaring(100_000, 100_000), "image/png"),
            422,
            [
                {
                    "type": "image_too_large",
                    "loc": ["body"],
                    "msg": "the image is 10,000,000,000 pixels; at most 16,777,216 are accepted",
                }
            ],
        ),
        (
            (blank_png(), "image/png"),
            422,
            [
                {
                    "type": "image_blank",
                    "loc": ["body"],
                    "msg": "the image is blank: no stroke stands out from the background",
                }
            ],
        ),
    ],
    ids=["text", "json", "gif-declared", "gif-as-png", "text-as-jpeg", "empty", "too-many-pixels", "bomb", "blank"],
)
def test_a_bad_picture_gets_its_status_and_a_json_detail(
    digits: TestClient, request_body: tuple[bytes, str], status: int, detail: Any
) -> None:
    response = post(digits, *request_body)

    assert (response.status_code, response.json()) == (status, {"detail": detail})


@pytest.mark.slow
def test_a_truncated_picture_names_the_problem(digits: TestClient, test_digits: tuple[np.ndarray, np.ndarray]) -> None:
    whole = picture(test_digits, 0, "JPEG")

    response = post(digits, whole[: len(whole) // 2], "image/jpeg")

    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert (problem["type"], problem["loc"]) == ("image_corrupt", ["body"])
    assert problem["msg"].startswith("the JPEG image is truncated or damaged: image file is truncated")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("send", "status", "detail"),
    [
        (
            lambda c, body: upload(c, body, field="file"),
            422,
            [
                {
                    "type": "multipart_invalid",
                    "loc": ["body"],
                    "msg": ONE_FILE_FIELD,
                }
            ],
        ),
        (
            lambda c, body: c.post("/predict/image", files={"image": ("d.png", body, "image/png")}, data={"x": "1"}),
            422,
            [
                {
                    "type": "multipart_invalid",
                    "loc": ["body"],
                    "msg": ONE_FILE_FIELD,
                }
            ],
        ),
        (
            lambda c, body: post(c, b"--x\r\n", "multipart/form-data"),
            422,
            [
                {
                    "type": "multipart_invalid",
                    "loc": ["body"],
                    "msg": "the multipart body cannot be read: Missing boundary in multipart.",
                }
            ],
        ),
        (
            lambda c, body: upload(c, body, "image/gif"),
            415,
            "the file field 'image' must be image/png, image/jpeg, image/webp or application/octet-stream, "
            "got 'image/gif'",
        ),
    ],
    ids=["other-field", "extra-field", "no-boundary", "gif-part"],
)
def test_a_bad_multipart_body_gets_its_status_and_a_json_detail(
    digits: TestClient, test_digits: tuple[np.ndarray, np.ndarray], send: Any, status: int, detail: Any
) -> None:
    response = send(digits, picture(test_digits, 0))

    assert (response.status_code, response.json()) == (status, {"detail": detail})


@pytest.mark.slow
def test_a_picture_over_the_image_limit_is_413_while_json_keeps_its_own(
    digits_model: Path, test_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    big = picture(test_digits, 0, size=600)
    settings = Settings(model_dir=digits_model, max_image_bytes=len(big) - 1, max_body_bytes=len(big) * 4)

    with TestClient(create_app(settings)) as client:
        response = post(client, big)

    assert (response.status_code, response.json()) == (
        413,
        {"detail": f"request body is larger than the limit of {len(big) - 1} bytes"},
    )


@pytest.mark.slow
def test_the_image_route_is_documented_for_a_model_that_takes_pictures(digits: TestClient) -> None:
    document = digits.get("/openapi.json").json()
    operation = document["paths"]["/predict/image"]["post"]
    metadata: BundleMetadata = digits.app.state.service.predictor.metadata

    content = operation["requestBody"]["content"]
    assert list(content) == ["image/png", "image/jpeg", "image/webp", "multipart/form-data"]
    assert content["image/png"]["schema"] == {"type": "string", "format": "binary"}
    assert content["multipart/form-data"]["schema"]["required"] == ["image"]
    answer = operation["responses"]["200"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/PredictResponse"}
    assert answer["example"]["model_version"] == metadata.model_version
    assert {"413", "415", "422"} <= set(operation["responses"])
