"""A real headless Chromium (Debian's package, driven by Playwright through its executable path), pages
opened in it that fail the test on any script or CSP error, and the folder where screenshots are kept. A
missing browser fails the run with what to install; it never skips."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.aws import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("CFP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).with_name("axe.min.js")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@dataclass
class Visit:
    """One page in its own browser context, with every console error and request it made."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def requested(self, origin: str) -> list[str]:
        return [url for url in self.requests if url.startswith(origin)]


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


def shown_though_hidden(page: Page) -> list[str]:
    """Every element the page hid with the ``hidden`` attribute that a style still lays out."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('[hidden]')]
            .filter(e => getComputedStyle(e).display !== 'none')
            .map(e => e.id || e.className || e.tagName)"""
    )
    return found
