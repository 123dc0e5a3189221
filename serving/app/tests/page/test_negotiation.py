from __future__ import annotations

import pytest

from app.page.negotiation import preferred_media_type

OFFERED = ("text/html", "application/json")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/html"),
        ("", "text/html"),
        ("*/*", "text/html"),
        (BROWSER, "text/html"),
        ("application/json", "application/json"),
        ("Application/JSON", "application/json"),
        ("application/*", "application/json"),
        ("text/*", "text/html"),
        # Equal quality: the server's order decides.
        ("application/json, text/html", "text/html"),
        ("text/html;q=0.5, application/json", "application/json"),
        ("application/json; charset=utf-8; q=0.9, text/html; q=0.1", "application/json"),
        # The most specific range decides: JSON is refused even though */* would take it.
        ("*/*;q=0.1, application/json;q=0", "text/html"),
        ("text/csv", None),
        ("application/json;q=0", None),
        ("text/html;q=0, application/json;q=0", None),
        # Unreadable ranges are ignored, not guessed at.
        ("application/json;q=high", None),
        ("application/json;q=2", None),
        ("json, html", None),
    ],
)
def test_the_client_s_preference_chooses_the_representation(accept: str | None, chosen: str | None) -> None:
    assert preferred_media_type(accept, OFFERED) == chosen
