"""Shared by the browser tests: Debian's Chromium (found on PATH) driven by Playwright.

``import browser`` at the top of a test module, after ``pytestmark = pytest.mark.browser``:
it skips the module, saying why, when no Chromium is installed (``.ci/run`` installs one).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)
if CHROMIUM is None:
    pytest.skip(
        "no Chromium found on PATH (install Debian's package: apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402  (after the skip)

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch() -> Iterator[Browser]:
    """A Chromium for a module-scoped fixture: ``yield from browser.launch()``."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def watch_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions of ``page``, collected as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors
