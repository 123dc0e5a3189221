"""GET /: the model card. A browser gets the HTML page, a JSON client its summary (content negotiation).

With an API key configured, this route checks the key itself: a browser cannot send a header
when it opens a URL, so without the key it gets a page that asks for it (status 401), which
then fetches the card with the key from the tab's storage.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.api.deps import ready_predictor, service_state
from app.api.openapi import error_responses
from app.middleware.api_key import CHALLENGE, UNAUTHORIZED, authorized
from app.page.form import locked_page
from app.page.negotiation import preferred_media_type
from app.schemas import CardSummary, ErrorResponse

HTML, JSON = "text/html", "application/json"
# What the API key middleware lets through: this route answers a missing key itself.
CHECKS_ITS_OWN_KEY = frozenset({"/"})
NOT_ACCEPTABLE = (
    "GET / answers text/html (the model card) or application/json (its summary); the Accept header allows neither"
)
CARD_NOT_READY = "the model card is not built"

router = APIRouter(tags=["model"])


@router.get(
    "/",
    response_model=CardSummary,
    responses={
        200: {
            "description": "The model card: HTML for a browser, or this summary for a JSON client.",
            "content": {HTML: {}},
        },
        406: {"model": ErrorResponse, "description": "The Accept header allows neither HTML nor JSON."},
        **error_responses(401, 503),
    },
)
async def get_model_card(request: Request) -> Response:
    """The model card of the served model: lineage, test metrics against the baseline, pictures,
    the feature schema and a form to try the model."""
    state = service_state(request)
    api_key = state.settings.api_key
    # Which representation depends on Accept; behind a key, whether it is the card depends on the key too,
    # and no cache may keep the key holder's card.
    headers = (
        {"Vary": "Accept"}
        if api_key is None
        else {"Vary": "Accept, X-API-Key, Authorization", "Cache-Control": "no-store"}
    )
    media_type = preferred_media_type(request.headers.get("accept"), (HTML, JSON))
    if media_type is None:
        return JSONResponse({"detail": NOT_ACCEPTABLE}, status_code=406, headers=headers)
    if api_key is not None and not authorized(request.headers, api_key.get_secret_value()):
        refusal = {**CHALLENGE, **headers}
        if media_type == HTML:
            return HTMLResponse(locked_page(), status_code=401, headers=refusal)
        return JSONResponse({"detail": UNAUTHORIZED}, status_code=401, headers=refusal)
    ready_predictor(state)
    if state.card is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=CARD_NOT_READY)
    if media_type == HTML:
        return HTMLResponse(state.card.html, headers=headers)
    return JSONResponse(state.card.summary.model_dump(mode="json"), headers=headers)
