"""What the browser tests share: the Chromium they drive, the viewports, a page visited with what it logged
and requested, axe-core's script, and a check that nothing hidden is still laid out."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.aws import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
AXE = ROOT / "tests" / "browser" / "axe.min.js"
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


def shown_though_hidden(page: Page) -> list[str]:
    """Every element the page hid with the ``hidden`` attribute that a style still lays out."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('[hidden]')]
            .filter(e => getComputedStyle(e).display !== 'none')
            .map(e => e.id || e.className || e.tagName)"""
    )
    return found
