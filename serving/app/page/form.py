"""The page's forms: the try-it form generated from the feature schema, and the API key box.

static/card.js gives them their behaviour: it sends the record to POST /predict and draws the
answer, and keeps the API key in the tab's sessionStorage. A model with an image input also gets
the picture inputs of picture_input.py.
"""

from __future__ import annotations

from typing import Any

from app.bundle import BundleMetadata, CategoryFeature, Feature, NumberFeature
from app.page.html import code, escape, measured, page, plain
from app.page.picture_input import picture_inputs

LOCKED_TITLE = "Model service · API key needed"
_RECORD_NOTE = (
    "Prefilled with the example record from the test split. An empty field is sent as "
    f"{code('null')} (unknown: the model imputes it). The form posts to {code('POST /predict')}."
)

_NO_SCRIPT = "The form needs JavaScript; POST /predict answers without it."
_NO_SCRIPT_PICTURE = "The drawing box and the form need JavaScript; the picture file is sent without it."


def try_it(metadata: BundleMetadata, *, api_key_required: bool) -> str:
    """The try-it section: the record form, prefilled with the bundle's example record (an empty field
    is sent as null); for a model with an image input, a drawing box and a file picker first, and the
    record form (its pixels as numbers) folded away below them."""
    key = key_box() if api_key_required else ""
    if metadata.image_input is None:
        inputs = f"<p>{_RECORD_NOTE}</p>{key}{_record_form(metadata)}"
    else:
        inputs = (
            key
            + picture_inputs(metadata.image_input)
            + f'<details class="pixels"><summary>Or the {len(metadata.features)} pixels as numbers, for '
            f"{code('POST /predict')}</summary><p>{_RECORD_NOTE}</p>{_record_form(metadata)}</details>"
        )
    # The answer's wording comes from the task and the target, whichever input asked.
    return (
        f'<section id="try" data-task="{escape(metadata.task)}" data-target="{escape(metadata.target)}">'
        f"<h2>Try it</h2>{inputs}"
        f"<noscript><p>{_NO_SCRIPT if metadata.image_input is None else _NO_SCRIPT_PICTURE}</p></noscript>"
        '<div id="result" aria-live="polite"></div></section>'
    )


def _record_form(metadata: BundleMetadata) -> str:
    fields = "".join(
        _field(position, feature, metadata.example.get(feature.name))
        for position, feature in enumerate(metadata.features)
    )
    submit = '<button type="submit">Predict</button>'
    return f'<form id="try-form" novalidate><div class="fields">{fields}</div>{submit}</form>'


def _field(position: int, feature: Feature, example: Any) -> str:
    element = f"feature-{position}"
    value = "" if example is None else escape(plain(example))
    common = f'id="{element}" data-feature="{escape(feature.name)}" value="{value}"'
    if isinstance(feature, NumberFeature):
        control = f'<input {common} data-kind="number" type="number" step="any" inputmode="decimal">'
        hint = f"seen {measured(feature.min)} to {measured(feature.max)}"
    else:
        control = f'<input {common} data-kind="category" type="text" list="{element}-categories">' + _datalist(
            element, feature
        )
        hint = f"{len(feature.categories)} categories seen"
    if feature.nullable:
        hint += "; empty = unknown"
    return (
        f'<div class="field"><label for="{element}">{escape(feature.name)}</label>{control}'
        f"<small>{escape(hint)}</small></div>"
    )


def _datalist(element: str, feature: CategoryFeature) -> str:
    options = "".join(f'<option value="{escape(category)}"></option>' for category in feature.categories)
    return f'<datalist id="{element}-categories">{options}</datalist>'


def key_box() -> str:
    return (
        '<form id="key-form" class="key" autocomplete="off"><label for="api-key">API key</label>'
        '<input id="api-key" type="password" required><button type="submit">Use this key</button>'
        '<p id="key-message" class="note">Kept in this browser tab only (sessionStorage) and sent as the '
        "X-API-Key header.</p></form>"
    )


def locked_page() -> str:
    """What a browser gets at `/` without the API key: the key box, and nothing about the model."""
    main = (
        "<header><h1>Model service</h1></header>"
        '<section id="key"><h2>API key needed</h2><p>This service answers only requests that carry its API key. '
        "Enter it to see the model card and try the model.</p>" + key_box() + "</section>"
    )
    return page(title=LOCKED_TITLE, main=main, locked=True)
