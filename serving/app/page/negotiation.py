"""Which representation a client's Accept header asks for (RFC 9110, section 12.5.1), without a library."""

from __future__ import annotations

from collections.abc import Sequence


def preferred_media_type(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client ranks highest, or None when it accepts none of them.

    `offered` lists `type/subtype` values in the server's order of preference, which breaks ties;
    no Accept header (or an empty one) accepts anything. A range's most specific match sets an
    offer's quality (`text/html` before `text/*` before `*/*`); q=0 refuses it. Ranges with an
    unreadable q are ignored.
    """
    if accept is None or not accept.strip():
        return offered[0] if offered else None
    ranges = _ranges(accept)
    best, best_quality = None, 0.0
    for media_type in offered:
        quality = _quality(media_type, ranges)
        if quality > best_quality:
            best, best_quality = media_type, quality
    return best


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for item in accept.split(","):
        media_range, *parameters = (part.strip() for part in item.split(";"))
        main, slash, sub = media_range.lower().partition("/")
        if not slash or not main or not sub:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if 0.0 <= quality <= 1.0:
            ranges.append((main, sub, quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, str, float]]) -> float:
    main, _, sub = media_type.partition("/")
    # Specificity: 2 for type/subtype, 1 for type/*, 0 for */*; the most specific range decides.
    matches = [
        (2 if (m, s) == (main, sub) else 1 if (m, s) == (main, "*") else 0, quality)
        for m, s, quality in ranges
        if (m, s) in ((main, sub), (main, "*"), ("*", "*"))
    ]
    return max(matches)[1] if matches else 0.0
