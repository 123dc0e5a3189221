"""A real headless Chromium (Debian's package) driven by Playwright, on a network limited to 127.0.0.1.

Two walls keep the browser at home: Chromium resolves no host name but 127.0.0.1, and every
request the pages make passes a route that lets only 127.0.0.1 through and records the rest.
Console errors and uncaught page errors are recorded too; each test asserts what it expects
of all three. Screenshots go to .work/screenshots/ for a reviewer to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Route, sync_playwright

from app.config import PACKAGE_DIR

# Installed by `make chromium`; never a browser that Playwright downloads.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
LOOPBACK = "127.0.0.1"
SCREENSHOTS = PACKAGE_DIR.parents[1] / ".work" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package) for the page tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        yield launched
        launched.close()


@dataclass
class Tab:
    """A page in a fresh browser context, and what happened in it."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    # Requests to any host but 127.0.0.1, refused.
    foreign_requests: list[str] = field(default_factory=list)

    def screenshot(self, name: str, *, element: Locator | None = None, full_page: bool = True) -> Path:
        """.work/screenshots/<name>.png: the whole page, the window only, or one element."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if element is not None:
            element.screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def guard(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == LOOPBACK:
            route.continue_()
        else:
            self.foreign_requests.append(url)
            route.abort("blockedbyclient")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)


@pytest.fixture
def open_tab(browser: Browser) -> Iterator[Callable[[], Tab]]:
    """Open a tab in a new context (its own sessionStorage); every context closes at teardown."""
    contexts = []

    def open_() -> Tab:
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        tab = Tab(context.new_page())
        context.route("**/*", tab.guard)
        tab.page.on("console", tab.on_console)
        tab.page.on("pageerror", lambda error: tab.page_errors.append(str(error)))
        return tab

    yield open_
    for context in contexts:
        context.close()
