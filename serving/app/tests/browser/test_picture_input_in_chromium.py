"""The card's picture inputs in a real headless Chromium, against the digits example served by the real gunicorn:
a test digit's picture chosen in the file picker, and digits drawn on the canvas with the mouse.

The network is limited to 127.0.0.1 (see conftest.py); the digits service is the one the examples' tests
use (`serve_example`, trained once per session).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, Request, expect

from app.bundle import read_metadata
from app.tests.browser.conftest import Tab
from app.tests.servers import GunicornProcess
from examples.digits.picture import encode, held_out_digits, render

pytestmark = pytest.mark.slow

CLASSES = [str(digit) for digit in range(10)]
# Strokes in the canvas's own pixels (280 x 280), as a person would draw them with a mouse.
SEVEN = [(80, 50), (200, 50), (120, 240)]
ONE = [(140, 40), (140, 240)]
KEY_STORAGE = "model-service-api-key"
UNPROCESSABLE = "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"


@pytest.fixture(scope="module")
def digits(serve_example: Callable[[str], GunicornProcess]) -> GunicornProcess:
    return serve_example("digits")


def open_card(open_tab: Callable[[], Tab], served: GunicornProcess) -> Tab:
    tab = open_tab()
    response = tab.page.goto(f"{served.base_url}/")
    assert response is not None
    assert response.status == 200
    return tab


def shown_bars(tab: Tab) -> dict[str, str]:
    bars = tab.page.locator("#result .bar-row")
    expect(bars).to_have_count(len(CLASSES))
    return {row.get_attribute("data-label") or "": row.locator(".bar-value").inner_text() for row in bars.all()}


def draw(page: Page, strokes: list[tuple[float, float]]) -> None:
    """One stroke through `strokes` (canvas pixels), with the mouse button held down."""
    canvas = page.locator("#drawing")
    # Mouse events land where the window shows the canvas: below the feature schema, it must be scrolled to first.
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    scale = box["width"] / 280

    def at(point: tuple[float, float]) -> tuple[float, float]:
        return box["x"] + point[0] * scale, box["y"] + point[1] * scale

    page.mouse.move(*at(strokes[0]))
    page.mouse.down()
    for point in strokes[1:]:
        page.mouse.move(*at(point), steps=12)
    page.mouse.up()


def refusal_of(picture: Path, served: GunicornProcess) -> str:
    """What the service says about `picture`, sent as curl -F would: the message the page must show."""
    response = httpx.post(f"{served.base_url}/predict/image", files={"image": ("blank.png", picture.read_bytes())})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["type"] == "image_blank"
    return str(problem["msg"])


def test_a_chosen_picture_of_a_test_digit_is_predicted_with_the_key_header(
    digits: GunicornProcess, open_tab: Callable[[], Tab], tmp_path: Path
) -> None:
    pixels, labels = held_out_digits()
    # Test digit 7 (a 9), as `python -m examples.digits.picture digit.png --index 7` writes it.
    picture = tmp_path / "digit.png"
    picture.write_bytes(encode(render(pixels[7], size=280), "PNG"))
    expected = httpx.post(
        f"{digits.base_url}/predict/image", content=picture.read_bytes(), headers={"Content-Type": "image/png"}
    ).json()
    assert expected["label"] == labels[7] == 9
    tab = open_card(open_tab, digits)
    # A key in the tab's storage goes with the picture as it goes with the form (this service needs none).
    tab.page.evaluate("([name, key]) => sessionStorage.setItem(name, key)", [KEY_STORAGE, "a-key-from-this-tab"])

    tab.page.locator("#picture-file").set_input_files(picture)
    expect(tab.page.locator("#picture-preview")).to_be_visible()
    with tab.page.expect_request(lambda request: request.url.endswith("/predict/image")) as sent:
        tab.page.get_by_role("button", name="Predict the picture").click()

    request: Request = sent.value
    assert request.headers["x-api-key"] == "a-key-from-this-tab"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    expect(tab.page.locator("#result .label")).to_have_text("9")
    assert shown_bars(tab) == {label: f"{p * 100:.1f}%" for label, p in expected["probabilities"].items()}
    tab.screenshot("digits-card-picture", element=tab.page.locator("#try"))
    assert (tab.console_errors, tab.page_errors, tab.foreign_requests) == ([], [], [])


def test_a_picture_the_service_refuses_is_explained(
    digits: GunicornProcess, open_tab: Callable[[], Tab], tmp_path: Path
) -> None:
    blank = tmp_path / "blank.png"
    blank.write_bytes(encode(Image.fromarray(np.full((64, 64), 255, dtype=np.uint8)), "PNG"))
    tab = open_card(open_tab, digits)

    tab.page.locator("#picture-file").set_input_files(blank)
    tab.page.get_by_role("button", name="Predict the picture").click()

    alert = tab.page.get_by_role("alert")
    expect(alert.locator("p")).to_have_text("The service could not use this picture:")
    expect(alert.locator("li")).to_have_text([refusal_of(blank, digits)])
    assert tab.console_errors == [UNPROCESSABLE]
    assert (tab.page_errors, tab.foreign_requests) == ([], [])


def test_a_digit_drawn_with_the_mouse_is_predicted(digits: GunicornProcess, open_tab: Callable[[], Tab]) -> None:
    tab = open_card(open_tab, digits)
    predict = tab.page.get_by_role("button", name="Predict the drawing")

    draw(tab.page, SEVEN)
    with tab.page.expect_request(lambda request: request.url.endswith("/predict/image")) as sent:
        predict.click()

    assert sent.value.headers["content-type"] == "image/png"
    # No key in this tab, so no key header.
    assert "x-api-key" not in sent.value.headers
    expect(tab.page.locator("#result .label")).to_have_text("7")
    assert set(shown_bars(tab)) == set(CLASSES)
    tab.screenshot("digits-card-drawing", element=tab.page.locator("#try"))

    # Clear wipes the box and the answer: nothing is sent until something is drawn again.
    tab.page.get_by_role("button", name="Clear").click()
    expect(tab.page.locator("#result")).to_be_empty()
    predict.click()
    expect(tab.page.locator("#result")).to_have_text("Draw something in the box first.")

    draw(tab.page, ONE)
    predict.click()
    expect(tab.page.locator("#result .label")).to_have_text("1")
    assert (tab.console_errors, tab.page_errors, tab.foreign_requests) == ([], [], [])


def test_the_pixels_can_still_be_sent_as_numbers(digits: GunicornProcess, open_tab: Callable[[], Tab]) -> None:
    metadata = read_metadata(Path(digits.env["MODEL_SERVICE_MODEL_DIR"]))
    spec = metadata.image_input
    assert spec is not None
    pixels, labels = held_out_digits()
    records = [dict(zip(spec.pixel_columns, row.tolist(), strict=True)) for row in pixels[:20]]
    answers = httpx.post(f"{digits.base_url}/predict/batch", json={"records": records}).json()["predictions"]
    example_label = httpx.post(f"{digits.base_url}/predict", json=metadata.example).json()["label"]
    # A test digit the model gets right and that is not the prefilled example's: the answer must come from
    # what was typed in.
    row = next(n for n, answer in enumerate(answers) if answer["label"] == labels[n] != example_label)
    record = records[row]
    tab = open_card(open_tab, digits)
    form_button = tab.page.get_by_role("button", name="Predict", exact=True)
    expect(form_button).to_be_hidden()

    tab.page.get_by_text("Or the 64 pixels as numbers").click()
    for name, value in record.items():
        tab.page.locator(f'[data-feature="{name}"]').fill(str(value))
    form_button.click()

    expect(tab.page.locator("#result .label")).to_have_text(str(labels[row]))
    assert (tab.console_errors, tab.page_errors, tab.foreign_requests) == ([], [], [])
