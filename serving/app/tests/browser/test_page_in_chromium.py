"""The model card, the try-it form and the API docs in a real headless Chromium, against the real gunicorn.

The network is limited to 127.0.0.1 (see conftest.py): every test asserts that no page asked
for another host and that the console shows no error it did not expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from app.bundle import BundleMetadata
from app.page.form import LOCKED_TITLE
from app.page.html import score
from app.tests.browser.conftest import Tab
from app.tests.servers import GunicornProcess, gunicorn

pytestmark = pytest.mark.slow

KEY = "s3cret-key-for-the-browser"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def card_title(metadata: BundleMetadata) -> str:
    return f"species classifier {metadata.model_version} · model card"


def assert_clean(tab: Tab) -> None:
    assert (tab.console_errors, tab.page_errors, tab.foreign_requests) == ([], [], [])


def fill_record(tab: Tab, record: dict[str, Any]) -> None:
    for name, value in record.items():
        tab.page.locator(f'[data-feature="{name}"]').fill("" if value is None else str(value))


def operations(server: GunicornProcess, **headers: str) -> list[dict[str, Any]]:
    document = httpx.get(f"{server.base_url}/openapi.json", headers=headers, timeout=10).json()
    return [
        {"method": method.upper(), "path": path, "operation_id": operation["operationId"]}
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_the_card_shows_the_model_and_its_test_metrics(module_service, open_tab, metadata: BundleMetadata) -> None:
    tab = open_tab()

    response = tab.page.goto(f"{module_service.base_url}/")

    assert response is not None
    assert response.status == 200
    expect(tab.page).to_have_title(card_title(metadata))
    expect(tab.page.locator("h1")).to_have_text("species classifier")
    accuracy = tab.page.locator('tr[data-metric="accuracy"]')
    expect(accuracy.locator("td.model")).to_have_text(score(metadata.metrics["accuracy"]))
    expect(accuracy.locator("td.baseline")).to_have_text(score(metadata.metrics["baseline"]["accuracy"]))
    # The confusion matrix decoded: the PNG evaluate drew, 640 x 480.
    picture = tab.page.locator("#pictures img")
    assert picture.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [640, 480]
    tab.screenshot("model-card", full_page=False)
    tab.screenshot("model-card-full")
    assert_clean(tab)


def test_the_form_predicts_the_record_it_is_given(module_service, open_tab, metadata: BundleMetadata) -> None:
    # A record whose class is not the example's: the answer must come from what was typed in.
    example_label = httpx.post(f"{module_service.base_url}/predict", json=metadata.example, timeout=10).json()["label"]
    record = next(golden.record for golden in metadata.golden_records if golden.label != example_label)
    expected = httpx.post(f"{module_service.base_url}/predict", json=record, timeout=10).json()
    tab = open_tab()
    tab.page.goto(f"{module_service.base_url}/")

    fill_record(tab, record)
    tab.page.get_by_role("button", name="Predict").click()

    expect(tab.page.locator("#result .label")).to_have_text(expected["label"])
    bars = tab.page.locator("#result .bar-row")
    expect(bars).to_have_count(len(metadata.class_keys))
    shown = {row.get_attribute("data-label"): row.locator(".bar-value").inner_text() for row in bars.all()}
    assert shown == {label: f"{p * 100:.1f}%" for label, p in expected["probabilities"].items()}
    tab.screenshot("model-card-prediction", element=tab.page.locator("#try"))
    assert_clean(tab)


def test_the_form_shows_the_warnings_and_the_service_s_refusals(
    module_service, open_tab, metadata: BundleMetadata
) -> None:
    tab = open_tab()
    tab.page.goto(f"{module_service.base_url}/")
    island = tab.page.locator('[data-feature="island"]')

    island.fill("Atlantis")
    tab.page.get_by_role("button", name="Predict").click()
    expect(tab.page.locator("#result .warnings li")).to_have_text(
        ["island: 'Atlantis' was not seen in training (known: Biscoe, Dream, Torgersen); the model ignores it"]
    )

    island.fill("x" * 300)
    tab.page.get_by_role("button", name="Predict").click()
    alert = tab.page.get_by_role("alert")
    expect(alert.locator("p")).to_have_text("The service could not use this record:")
    expect(alert.locator("li")).to_have_text(["island: String should have at most 256 characters"])
    # The browser reports the 422 itself; nothing else went wrong.
    assert tab.console_errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    assert (tab.page_errors, tab.foreign_requests) == ([], [])


def test_swagger_ui_lists_every_operation(module_service, open_tab) -> None:
    tab = open_tab()

    tab.page.goto(f"{module_service.base_url}/docs")

    expected = operations(module_service)
    summaries = tab.page.locator(".opblock-summary")
    expect(summaries).to_have_count(len(expected))
    shown = {
        (
            row.locator(".opblock-summary-method").inner_text(),
            row.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for row in summaries.all()
    }
    assert shown == {(operation["method"], operation["path"]) for operation in expected}
    tab.screenshot("docs", full_page=False)
    assert_clean(tab)


def test_redoc_lists_every_operation_and_its_cdn_logo_stays_out(module_service, open_tab) -> None:
    tab = open_tab()

    tab.page.goto(f"{module_service.base_url}/redoc")

    for operation in operations(module_service):
        expect(tab.page.locator(f'[data-section-id="operation/{operation["operation_id"]}"]')).to_have_count(1)
    tab.screenshot("redoc")
    # ReDoc's bundle shows Redocly's logo from its CDN: the page's CSP refuses it before any request is made.
    [refusal] = tab.console_errors
    assert refusal.startswith(f"Loading the image '{REDOC_LOGO}' violates the following Content Security Policy")
    assert (tab.page_errors, tab.foreign_requests) == ([], [])


@pytest.fixture(scope="module")
def keyed_service(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornProcess]:
    log_path = tmp_path_factory.mktemp("gunicorn-key") / "gunicorn.log"
    with gunicorn(model_dir, log_path, MODEL_SERVICE_WORKERS="1", MODEL_SERVICE_API_KEY=KEY) as server:
        yield server


def test_with_an_api_key_the_page_asks_for_it_and_keeps_it_in_the_tab(
    keyed_service, open_tab, metadata: BundleMetadata
) -> None:
    tab = open_tab()
    response = tab.page.goto(f"{keyed_service.base_url}/")
    assert response is not None
    assert response.status == 401
    expect(tab.page).to_have_title(LOCKED_TITLE)
    tab.screenshot("model-card-api-key")

    tab.page.locator("#api-key").fill("not-the-key-of-this-service")
    tab.page.get_by_role("button", name="Use this key").click()
    expect(tab.page.locator("#key-message")).to_have_text("The service refused that key. Check it and try again.")

    tab.page.locator("#api-key").fill(KEY)
    tab.page.get_by_role("button", name="Use this key").click()
    expect(tab.page).to_have_title(card_title(metadata))
    tab.page.get_by_role("button", name="Predict").click()
    expected = httpx.post(f"{keyed_service.base_url}/predict", json=metadata.example, headers={"X-API-Key": KEY})
    expect(tab.page.locator("#result .label")).to_have_text(expected.json()["label"])

    # The tab keeps the key: a reload unlocks the card by itself. Another tab has no key.
    assert tab.page.evaluate("() => Object.values(sessionStorage)") == [KEY]
    tab.page.reload()
    expect(tab.page).to_have_title(card_title(metadata))
    other = open_tab()
    other.page.goto(f"{keyed_service.base_url}/")
    expect(other.page).to_have_title(LOCKED_TITLE)

    unauthorized = "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    # The locked page itself, the refused key, the reload's locked page: each a 401, and nothing else.
    assert tab.console_errors == [unauthorized] * 3
    assert (tab.page_errors, tab.foreign_requests, other.foreign_requests) == ([], [], [])
