"""HTML building blocks: escaping, the page shell (templates/page.html), numbers and definition lists.

Every value from the bundle reaches the page through `escape`: feature names, categories and
labels are whatever the training data held.
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Iterable
from pathlib import Path
from string import Template
from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Where the service mounts the page's own files (static/) and the API docs' assets.
STATIC_URL = "/static"


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


@functools.cache
def _shell() -> Template:
    return Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))


def page(*, title: str, main: str, locked: bool = False) -> str:
    """A whole document: `main` is trusted HTML (built here, values escaped), `title` plain text."""
    return _shell().substitute(
        title=escape(title),
        static=STATIC_URL,
        main_attributes=" data-locked" if locked else "",
        main=main,
    )


def score(number: float) -> str:
    """A metric, to compare at a glance: four significant digits, trailing zeros kept (1.000, 0.4419, 53.23);
    whole from 10,000."""
    if not math.isfinite(number):
        return str(number)
    # "#" keeps trailing zeros, and a trailing point too (1234.): that goes.
    return f"{number:,.0f}" if abs(number) >= 1e4 else f"{number:#.4g}".rstrip(".")


def measured(number: float) -> str:
    """A measured value as it was recorded, up to 6 significant digits: 33.1, 6300, 0.181."""
    return f"{number:,.6g}"


def plain(value: Any) -> str:
    """A value as a reader expects it: text as is, anything else as JSON (true, null, [1, 2])."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def definitions(rows: Iterable[tuple[str, str]]) -> str:
    """A <dl> of (term, HTML) pairs; terms are escaped, descriptions are trusted HTML."""
    items = "".join(f"<dt>{escape(term)}</dt><dd>{description}</dd>" for term, description in rows)
    return f"<dl>{items}</dl>"


def code(value: object) -> str:
    return f"<code>{escape(value)}</code>"
