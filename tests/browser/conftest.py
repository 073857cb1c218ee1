"""A real headless Chromium (Debian's package, driven by Playwright through its executable path), pages
opened in it that fail the test on any script or CSP error, and the folder where screenshots are kept. A
missing browser fails the run with what to install; it never skips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP, Visit

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"the browser tests need Chromium at {CHROMIUM}: install Debian's package with "
            "'apt-get install -y chromium' (./dev test does so when it runs as root), or point CFP_CHROMIUM "
            "at another Chromium",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def visit(browser: Browser) -> Iterator[Any]:
    """Open a URL in a fresh context (no shared storage); asserts afterwards that nothing was logged as an
    error, so a Content-Security-Policy violation or a script error fails the test."""
    opened: list[Visit] = []

    def open_url(url: str, viewport: dict[str, int] = DESKTOP) -> Visit:
        context = browser.new_context(viewport=viewport, accept_downloads=True)  # type: ignore[arg-type]
        page = context.new_page()
        seen = Visit(page)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.errors.append(str(e)))
        page.on("request", lambda r: seen.requests.append(r.url))
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        opened.append(seen)
        return seen

    yield open_url
    for seen in opened:
        seen.page.context.close()
        refusals = [e for e in seen.errors if "status of 4" not in e]
        assert not refusals, refusals
