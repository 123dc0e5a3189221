"""The try-it inputs of a model whose features are the pixels of one picture (metadata `image_input`):
a box to draw in and a file picker, both sent to POST /predict/image.

static/card.js gives them their behaviour: the drawing goes as a PNG body (`canvas.toBlob`), the
chosen file as the multipart file field `image`, and the answer is drawn as the form's is.
"""

from __future__ import annotations

from app.bundle import ImageInput
from app.images.decode import MEDIA_TYPES
from app.page.html import code, escape

# POST /predict/image and its file field (app.api.routes.images, which imports this package's
# card through the service state, so they cannot be imported from there; a test keeps them equal).
PATH = "/predict/image"
FIELD = "image"
# The drawing box, in canvas pixels (also its size on screen, in CSS pixels).
CANVAS_SIDE = 280
# About a felt-tip pen on that box: the service widens thinner strokes to the model's own stroke width.
PEN_WIDTH = 16


def picture_inputs(spec: ImageInput) -> str:
    """The drawing box (dark ink on white, a Clear button) and the file picker (PNG, JPEG or WebP)."""
    return (
        f"<p>Draw in the box, or choose a picture of a drawing (PNG, JPEG or WebP): either goes to "
        f"{code('POST ' + PATH)}, which reduces it to the {spec.width} &times; {spec.height} pixels the model "
        "was trained on.</p>"
        '<div class="picture-inputs">'
        f"{_drawing_box()}{_file_picker()}"
        "</div>"
    )


def _drawing_box() -> str:
    return (
        f'<div class="drawing" data-action="{PATH}"><p id="drawing-title" class="input-title">Draw here</p>'
        f'<canvas id="drawing" width="{CANVAS_SIDE}" height="{CANVAS_SIDE}" data-pen-width="{PEN_WIDTH}" '
        'aria-labelledby="drawing-title">'
        "A box to draw in (needs JavaScript).</canvas>"
        '<div class="buttons"><button type="button" id="drawing-predict">Predict the drawing</button>'
        '<button type="button" id="drawing-clear" class="secondary">Clear</button></div></div>'
    )


def _file_picker() -> str:
    accept = ",".join(MEDIA_TYPES)
    return (
        # A plain multipart form, which also works without the script (the browser then shows the JSON).
        f'<form id="picture-form" class="picture" action="{PATH}" method="post" enctype="multipart/form-data">'
        '<label for="picture-file" class="input-title">Or a picture file</label>'
        f'<input id="picture-file" name="{FIELD}" type="file" accept="{escape(accept)}" required>'
        '<img id="picture-preview" alt="The chosen picture" hidden>'
        '<button type="submit">Predict the picture</button></form>'
    )
