"""explain.html as a reader sees it: opened from disk in Chromium (through Playwright), with no
console errors, stepping through the layers from the output down with Next / Back and the
arrow keys. Screenshots go to a temporary folder (or $DELTAGRAD_SCREENSHOTS).

Needs Chromium (Debian: ``apt-get install chromium``); skipped, saying so, when none is found.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

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

from playwright.sync_api import sync_playwright  # noqa: E402  (after the skip: CI must have it)

from deltagrad import cli  # noqa: E402

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


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explain")
    assert cli.main(["explain", "--sample", "0", "--out", str(out)]) == 0
    return out / "explain.html"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("DELTAGRAD_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, page_file):
    pg = browser.new_page(viewport={"width": 1280, "height": 800})
    pg.messages = []
    pg.on("console", lambda m: pg.messages.append(f"{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: pg.messages.append(f"pageerror: {e}"))
    requests = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(page_file.as_uri())
    pg.requests = requests
    yield pg
    pg.close()


def highlighted(page) -> list[str]:
    """The data-layer of every highlighted column of the diagram, and of every shown panel."""
    return page.evaluate("""() => [
        ...[...document.querySelectorAll('svg .layer.current')].map(
            g => 'svg:' + g.getAttribute('data-layer')),
        ...[...document.querySelectorAll('.panel')].filter(p => !p.hidden).map(
            p => 'panel:' + p.getAttribute('data-layer'))]""")


def test_no_console_errors_and_nothing_fetched(page, shots):
    page.screenshot(path=str(shots / "explain_top.png"))
    page.screenshot(path=str(shots / "explain_full.png"), full_page=True)
    assert page.messages == []
    assert all(url.startswith("file:") for url in page.requests), page.requests


def test_it_starts_at_the_output_layer(page):
    assert highlighted(page) == ["svg:4", "panel:4"]
    assert page.locator("#back").is_disabled() and page.locator("#next").is_enabled()
    assert "Output layer 4" in page.locator("#where").text_content()


def test_next_and_the_right_arrow_step_down_the_layers(page, shots):
    page.locator("#next").click()
    assert highlighted(page) == ["svg:3", "panel:3"]
    page.keyboard.press("ArrowRight")
    assert highlighted(page) == ["svg:2", "panel:2"]
    page.keyboard.press("ArrowRight")
    assert highlighted(page) == ["svg:1", "panel:1"]
    page.screenshot(path=str(shots / "explain_layer1.png"), full_page=True)
    assert page.locator("#next").is_disabled()
    page.keyboard.press("ArrowRight")  # the last step stays
    assert highlighted(page) == ["svg:1", "panel:1"]
    page.keyboard.press("ArrowLeft")
    assert highlighted(page) == ["svg:2", "panel:2"]
    page.locator("#back").click()
    assert highlighted(page) == ["svg:3", "panel:3"]
    assert page.messages == []


def test_the_page_never_scrolls_sideways(page):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.evaluate("innerWidth")
