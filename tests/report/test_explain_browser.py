"""explain.html as a reader sees it: opened from disk in Chromium (through Playwright), with no
console errors, stepping through the layers from the output down with Next / Back and the
arrow keys. Screenshots go to a temporary folder (or $DELTAGRAD_SCREENSHOTS).

Needs Chromium (Debian: ``apt-get install chromium``); skipped, saying so, when none is found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deltagrad import cli

pytestmark = pytest.mark.browser  # the chromium fixture skips when no Chromium is installed


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explain")
    assert cli.main(["explain", "--sample", "0", "--out", str(out)]) == 0
    return out / "explain.html"


@pytest.fixture
def page(chromium, page_file):
    pg = chromium.new_page(viewport={"width": 1280, "height": 800})
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


# The ink of each weight matrix's edges as drawn: length × stroke width × stroke opacity of
# every line, times the opacity the page gives its group at this step.
EDGE_INK = """() => Object.fromEntries([...document.querySelectorAll('svg .edges')].map(g => {
    const group = Number(getComputedStyle(g).opacity);
    let ink = 0;
    for (const line of g.querySelectorAll('line')) {
        const a = n => Number(line.getAttribute(n));
        ink += Math.hypot(a('x2') - a('x1'), a('y2') - a('y1')) * a('stroke-width')
            * a('stroke-opacity') * group;
    }
    return [g.getAttribute('data-layer'), ink];
}))"""


def test_the_current_layers_edges_are_drawn_strongest_at_every_step(page, shots):
    """The caption says the highlighted column's incoming edges are its ∂L/∂W, drawn at full
    strength, and the layer above's fainter: at every step, from the output layer down to layer
    1 (where W2's 80 thick edges once outshone W1's 50), the current layer's edges carry more
    ink than any other weight matrix's, by a clear margin."""
    legend = page.locator(".legend").text_content()
    assert "incoming edges, drawn at full strength, are its ∂L/∂W" in legend
    for layer in (4, 3, 2, 1):
        assert highlighted(page) == [f"svg:{layer}", f"panel:{layer}"]
        ink = page.evaluate(EDGE_INK)
        others = {k: v for k, v in ink.items() if k != str(layer)}
        assert ink[str(layer)] > 1.2 * max(others.values()), (layer, ink)
        page.keyboard.press("ArrowRight")
    page.screenshot(path=str(shots / "explain_layer1_edges.png"))
