"""The try-it section of a model with an image input: a drawing box and a file picker, the pixels folded below."""

from __future__ import annotations

import re
from pathlib import Path

from app.api.routes import images
from app.bundle import BundleMetadata, ImageInput, NumberFeature
from app.page import picture_input
from app.page.card import build_card, render_card
from app.predictor.model import Predictor
from testkit.bundles import example_metadata

PIXELS = [f"pixel_{row}_{column}" for row in range(2) for column in range(2)]


def image_metadata() -> BundleMetadata:
    """A valid bundle whose four features are the pixels of a 2 x 2 picture."""
    record = dict.fromkeys(PIXELS, 8.0)
    document = example_metadata().model_dump(mode="json")
    document.update(
        target="digit",
        classes=[0, 1],
        features=[NumberFeature(name=name, type="number", nullable=False, min=0.0, max=16.0) for name in PIXELS],
        example=record,
        image_input=ImageInput(width=2, height=2, value_range=(0.0, 16.0), pixel_columns=PIXELS),
        golden_records=[{"record": record, "label": 1, "probabilities": {"0": 0.25, "1": 0.75}}],
    )
    return BundleMetadata.model_validate(document)


def try_section(html: str) -> str:
    found = re.search(r'<section id="try".*?</section>', html, flags=re.DOTALL)
    assert found is not None
    return found.group(0)


def test_an_image_model_s_card_offers_a_drawing_box_and_a_file_picker() -> None:
    card = render_card(image_metadata(), backend="onnx", pictures=[], api_key_required=False)

    section = try_section(card.html)
    assert '<section id="try" data-task="classification" data-target="digit">' in section
    assert (
        '<canvas id="drawing" width="280" height="280" data-pen-width="16" aria-labelledby="drawing-title">' in section
    )
    assert '<button type="button" id="drawing-clear" class="secondary">Clear</button>' in section
    assert '<button type="button" id="drawing-predict">Predict the drawing</button>' in section
    assert (
        '<form id="picture-form" class="picture" action="/predict/image" method="post" enctype="multipart/form-data">'
        in section
    )
    assert '<input id="picture-file" name="image" type="file" accept="image/png,image/jpeg,image/webp" required>' in (
        section
    )
    assert "reduces it to the 2 &times; 2 pixels the model was trained on" in section
    # The pixels as numbers are still there, folded away below the picture inputs.
    pixels = re.search(r'<details class="pixels">(.*?)</details>', section, flags=re.DOTALL)
    assert pixels is not None
    assert "<summary>Or the 4 pixels as numbers, for <code>POST /predict</code></summary>" in pixels.group(1)
    assert re.findall(r'data-feature="(pixel_\d_\d)" value="8.0"', pixels.group(1)) == PIXELS
    assert section.index('id="drawing"') < section.index('id="picture-form"') < section.index("<details")


def test_with_an_api_key_the_key_box_comes_before_the_picture_inputs() -> None:
    card = render_card(image_metadata(), backend="onnx", pictures=[], api_key_required=True)

    section = try_section(card.html)
    assert section.index('id="key-form"') < section.index('id="drawing"')


def test_the_picture_inputs_send_where_the_image_route_listens() -> None:
    # The page cannot import the route (the route's state imports the page): the constants are kept equal here.
    assert (picture_input.PATH, picture_input.FIELD) == (images.PATH, images.FIELD)
    assert images.router.prefix + "/image" == images.PATH


def test_a_model_without_an_image_input_gets_no_picture_inputs(model_dir: Path, predictor: Predictor) -> None:
    card = build_card(model_dir, predictor, api_key_required=False)

    section = try_section(card.html)
    for absent in ("<canvas", 'id="picture-form"', 'type="file"', "/predict/image", "<details"):
        assert absent not in section, absent
    assert '<form id="try-form" novalidate><div class="fields">' in section
