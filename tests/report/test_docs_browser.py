"""The documentation site in Chromium: the home page, a chapter page and an API page open from
disk with no console errors, and their content rendered (figures drawn at build time, the
numbers of a check, the API's names); the tape graphs readable on a laptop and a phone and
linked to their full-size files; search working from disk.

The site is the one ``.ci/run`` built ($DELTAGRAD_DOCS_SITE), or built here once with
``mkdocs build --strict`` when MkDocs is installed (``pip install ".[docs]"``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

import browser  # noqa: E402  (skips the module when no Chromium is installed)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    prebuilt = os.environ.get("DELTAGRAD_DOCS_SITE")
    if prebuilt:
        return Path(prebuilt)
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip('MkDocs is not installed (pip install ".[docs]") and no prebuilt site')
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return out


def _open(chromium, site: Path, page: str, shots: Path, name: str, width: int = 1280):
    tab = chromium.new_page(viewport={"width": width, "height": 900})
    errors = browser.watch_errors(tab)
    tab.goto((site / page).as_uri())
    tab.wait_for_load_state("load")
    tab.screenshot(path=str(shots / f"docs_{name}.png"), full_page=True)
    return tab, errors


def _images_loaded(tab) -> list[str]:
    """The src of every <img> in the article that failed to load."""
    return tab.eval_on_selector_all(
        "article img",
        "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)",
    )


def test_home_page(chromium, site, shots):
    tab, errors = _open(chromium, site, "index.html", shots, "home")
    assert "deltagrad" in tab.title()
    assert tab.locator("article h1").inner_text().startswith("deltagrad")
    assert tab.locator("nav").first.is_visible()
    assert tab.locator("article img").count() >= 1 and _images_loaded(tab) == []
    assert errors == []


def test_chapter_page_has_its_figures_and_checks(chromium, site, shots):
    tab, errors = _open(chromium, site, "chapter/7-3-activations.html", shots, "chapter")
    text = tab.locator("article").inner_text()
    assert "Largest relative error" in text and "the three agree" in text
    assert tab.locator("article img").count() == 4 and _images_loaded(tab) == []
    assert tab.locator("article table").count() >= 3
    assert errors == []


def test_api_page_lists_the_public_names(chromium, site, shots):
    tab, errors = _open(chromium, site, "reference/deltagrad.html", shots, "api")
    text = tab.locator("article").inner_text()
    for name in ("GradientTape", "Variable", "value_and_grad", "custom_gradient", "leaky_relu"):
        assert name in text, name
    assert tab.locator("article [id='deltagrad.GradientTape']").count() == 1
    assert errors == []


# The rendered size, in CSS px, of the smallest text of an inline SVG: each <text>'s font size in
# the SVG's units times the scale the page draws the SVG at.
SMALLEST_TEXT_PX = """svg => Math.min(...[...svg.querySelectorAll("text")].map(
    t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))"""

GRAPH_PAGES = {
    "7-2-derivative-rules": "graph_7_2.svg",
    "7-5-neuron-and-layer": "graph_7_5_neuron.svg",
    "7-6-chain-rule": "graph_7_6_chain_rule.svg",
    "7-8-himmelblau": "graph_7_8_himmelblau.svg",
}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", list(GRAPH_PAGES))
def test_tape_graphs_are_readable_and_open_at_full_size(chromium, site, shots, page, width):
    tab, errors = _open(chromium, site, f"chapter/{page}.html", shots, f"{page}_{width}", width)
    graph = tab.locator("article .dg-graph")
    assert graph.count() == 1
    svg = graph.locator("svg")
    assert svg.evaluate(SMALLEST_TEXT_PX) >= 9
    assert svg.locator("title").count() >= 5  # a tooltip on every box and circle
    # Wider than the column, the graph's box scrolls; it never overflows the page.
    box = graph.evaluate(
        "b => ({client: b.clientWidth, scroll: b.scrollWidth, page: document.body.scrollWidth})"
    )
    assert box["scroll"] <= box["client"] or graph.evaluate(
        "b => getComputedStyle(b).overflowX"
    ) in ("auto", "scroll")
    assert box["page"] <= width
    link = tab.locator("article a.dg-graph-open")
    assert link.count() == 1 and link.is_visible()
    href = link.evaluate("a => a.href")
    assert href == (site / "figures" / GRAPH_PAGES[page]).as_uri()
    full = chromium.new_page()
    full.goto(href)
    assert full.evaluate("document.documentElement.localName") == "svg"
    assert full.locator("text").count() == svg.locator("text").count()
    full.close()
    assert errors == []


def test_basins_table_writes_the_minima_as_points(chromium, site, shots):
    tab, errors = _open(chromium, site, "chapter/7-8-himmelblau.html", shots, "basins")
    headers = [
        tab.locator("article table").nth(i).locator("th").all_inner_texts()
        for i in range(tab.locator("article table").count())
    ]
    basins = next(h for h in headers if "not converged" in h)
    assert basins[1:5] == [
        "(3, 2)",
        "(-2.80512, 3.13131)",
        "(-3.77931, -3.28319)",
        "(3.58443, -1.84813)",
    ]
    assert not any("[" in h for h in basins)
    assert errors == []


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", ["index.html", "chapter/7-6-chain-rule.html"])
def test_search_works_from_disk(chromium, site, shots, page, width):
    tab, errors = _open(chromium, site, page, shots, f"search_{width}", width)
    assert tab.url.startswith("file://")
    search_icon = tab.locator("label.md-header__button[for='__search']")
    if search_icon.is_visible():  # a phone: the search field opens from an icon
        search_icon.click()
    field = tab.locator("input.md-search__input")
    assert field.is_visible()
    field.press_sequentially("Himmelblau")  # typed: Material searches on key presses
    results = tab.locator(".md-search-result__item")
    results.first.wait_for()
    assert "Himmelblau" in results.first.inner_text()
    tab.screenshot(path=str(shots / f"docs_search_{width}.png"))
    results.first.locator("a").first.click()
    tab.wait_for_load_state("load")
    assert "Himmelblau" in tab.locator("article h1").inner_text()
    assert errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_the_derivation_of_the_delta_rule_reads_at_both_widths(chromium, site, shots, width):
    page = "chapter/7-7-derivation.html"
    tab, errors = _open(chromium, site, page, shots, f"derivation_{width}", width)
    headings = tab.eval_on_selector_all("article h2", "hs => hs.map(h => h.textContent)")
    assert [h.split(".")[0] for h in headings] == [str(i) for i in range(1, 9)]
    assert any("why the sum over k" in h for h in headings)
    # The index picture: its labels are text, at least 9 px on screen, inside the page width.
    sizes = tab.eval_on_selector_all(
        ".index-picture svg text",
        "ts => ts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)",
    )
    assert sizes and min(sizes) >= 9, sizes
    # The three key formulas at body size, not the admonitions' small print.
    formula_px = tab.eval_on_selector_all(
        ".admonition.formula p:not(.admonition-title)",
        "ps => ps.map(p => parseFloat(getComputedStyle(p).fontSize))",
    )
    assert len(formula_px) == 3 and min(formula_px) >= 15, formula_px
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0 and errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_fixes_page_shows_computed_numbers_and_no_marker_is_left(chromium, site, shots, width):
    """The fixes page as a student reads it: the biases trained and never updated in numbers,
    the chapter's printed Himmelblau value explained, each table readable at both widths, and no
    <!-- build: … --> marker left unfilled on any page truth.py fills."""
    tab, errors = _open(chromium, site, "chapter/fixes.html", shots, f"fixes_{width}", width)
    text = tab.locator("article").inner_text()
    assert "biases never updated" in text and "biases trained" in text
    assert re.search(r"never updated[^\n]*\t0\.\d{6}\t\d+\.\d\d %\t\d+\.\d\d %", text), text
    assert "5 of them, ours 1" in text
    assert tab.evaluate("document.scrollingElement.scrollWidth") <= width
    for page in ("chapter/fixes.html", "chapter/7-3-activations.html", "index.html"):
        html_text = (site / page).read_text(encoding="utf-8")
        assert "<!-- build:" not in html_text, page
    assert errors == []
