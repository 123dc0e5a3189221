"""Predict from a picture, for a model whose features are the pixels of one (metadata `image_input`).

The picture comes as the body (image/png, image/jpeg, image/webp) or as the file field `image`
of a multipart/form-data body. Decoding and preprocessing (app.images) run in the thread pool,
at most IMAGE_SLOTS (app.state) at a time per worker: a large picture takes tens of megabytes and
milliseconds, which neither the event loop nor memory should pay for many at once.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.deps import ready_predictor, service_state
from app.api.openapi import error_responses, image_bodies
from app.api.routes.predict import predict
from app.images.decode import MEDIA_TYPES
from app.images.errors import ImageError
from app.images.picture import read_picture

PATH = "/predict/image"
FIELD = "image"
MULTIPART = "multipart/form-data"
# A file field may also say that it does not know its type.
_UNTYPED = "application/octet-stream"
_ACCEPTED = f"{', '.join(MEDIA_TYPES)} or {MULTIPART}"
_ONE_FILE_FIELD = (
    f"the multipart body must hold one file upload named {FIELD!r} (curl -F {FIELD}=@picture.png), and nothing else"
)

router = APIRouter(prefix="/predict", tags=["predict"], responses=error_responses(401, 408, 413, 415, 422, 503))


@router.post("/image", openapi_extra=image_bodies())
async def post_predict_image(request: Request) -> JSONResponse:
    """Predict from one picture of a drawing: PNG, JPEG or WebP, as the body or a multipart file field `image`."""
    state = service_state(request)
    predictor = ready_predictor(state)
    spec = predictor.metadata.image_input
    if spec is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="this model takes no picture (it declares no image input); use /predict"
        )
    data = await image_body(request)
    try:
        async with state.image_slots:
            picture = await run_in_threadpool(read_picture, data, spec, max_pixels=state.settings.max_image_pixels)
    except ImageError as exc:
        raise image_error(exc) from None
    (prediction,) = await predict(predictor, [picture.record(spec)])
    state.metrics.observe_predictions((prediction,))
    # The picture's warnings, not the pixels' range checks: every pixel lies in the trained range by construction.
    return JSONResponse({**prediction.body(), "warnings": picture.warnings, "model_version": predictor.version})


async def image_body(request: Request) -> bytes:
    """The picture's bytes; 415 for another type, 422 for a multipart body without the one file field."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type in MEDIA_TYPES:
        return await request.body()
    if media_type != MULTIPART:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"Content-Type must be {_ACCEPTED}, got {repr(media_type) if media_type else 'none'}",
        )
    try:
        form = await request.form(max_files=1, max_fields=0)
    except StarletteHTTPException as exc:
        if str(exc.detail).startswith("Too many fields"):
            # A text field, often the picture sent as text (curl -F 'image=<file' instead of '=@file').
            raise _invalid_form(_ONE_FILE_FIELD) from None
        raise _invalid_form(f"the multipart body cannot be read: {exc.detail}") from None
    try:
        upload = form.get(FIELD)
        if not isinstance(upload, UploadFile):
            raise _invalid_form(_ONE_FILE_FIELD)
        part_type = (upload.content_type or _UNTYPED).partition(";")[0].strip().lower()
        if part_type not in MEDIA_TYPES and part_type != _UNTYPED:
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                detail=f"the file field {FIELD!r} must be {', '.join(MEDIA_TYPES)} or {_UNTYPED}, got {part_type!r}",
            )
        return await upload.read()
    finally:
        # Uploads over 1 MiB were spooled to a temporary file.
        await form.close()


def image_error(exc: ImageError) -> HTTPException | RequestValidationError:
    if exc.status == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE:
        return HTTPException(exc.status, detail=str(exc))
    return RequestValidationError([{"type": exc.kind, "loc": ["body"], "msg": str(exc)}])


def _invalid_form(message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "multipart_invalid", "loc": ["body"], "msg": message}])
