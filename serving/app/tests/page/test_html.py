from __future__ import annotations

import pytest

from app.page.html import escape, measured, page, plain, score


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.000"),
        (0.44186, "0.4419"),
        (0.030527, "0.03053"),
        (53.234, "53.23"),
        (1234.0, "1234"),
        (12345.6, "12,346"),
    ],
)
def test_a_score_shows_four_significant_digits(value: float, text: str) -> None:
    assert score(value) == text


@pytest.mark.parametrize(("value", "text"), [(33.1, "33.1"), (6300.0, "6,300"), (0.181, "0.181"), (-2.5, "-2.5")])
def test_a_measured_value_shows_as_recorded(value: float, text: str) -> None:
    assert measured(value) == text


@pytest.mark.parametrize(("value", "text"), [("Biscoe", "Biscoe"), (42.0, "42.0"), (True, "true"), (None, "null")])
def test_a_value_shows_as_text_or_json(value: object, text: str) -> None:
    assert plain(value) == text


def test_the_page_escapes_its_title_and_links_its_own_files_only() -> None:
    document = page(title="a <b> & 'c'", main="<p>body</p>")

    assert "<title>a &lt;b&gt; &amp; &#x27;c&#x27;</title>" in document
    assert '<script src="/static/page/card.js" defer></script>' in document
    assert "<p>body</p>" in document
    assert "http" not in document
    assert escape('"><script>') == "&quot;&gt;&lt;script&gt;"
