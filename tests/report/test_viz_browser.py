"""The step-through page as a learner uses it: opened from disk in Chromium, Next / Back and the
arrow keys move through the steps, the highlighted op follows, and no script error occurs; on a
laptop and on a phone the graph's text stays readable (its box scrolls, following the steps)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

import browser  # noqa: E402  (skips this module when no Chromium is installed)
from deltagrad import viz  # noqa: E402


@pytest.fixture
def page(chromium, tmp_path):
    tape, f = viz.examples.himmelblau(1.0, 1.0)
    path = viz.step_through(tape, f, tmp_path / "himmelblau.html")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    errors = browser.watch_errors(page)
    page.goto(path.as_uri())
    yield page
    assert errors == []
    page.close()


def _state(page):
    return (
        page.inner_text("#counter"),
        page.inner_text("#title"),
        sorted(page.eval_on_selector_all("#graph g.hl", "els => els.map(e => e.id)")),
    )


def test_next_and_back_move_through_the_steps(page):
    counter, title, lit = _state(page)
    assert counter.startswith("step 1 of ") and title.startswith("Forward pass, op 1")
    assert "op-0" in lit
    assert page.is_disabled("#back")
    page.click("#next")
    counter2, title2, lit2 = _state(page)
    assert counter2.startswith("step 2 of ") and "op-1" in lit2 and "op-0" not in lit2
    page.click("#back")
    assert _state(page) == (counter, title, lit)


def test_arrow_keys_reach_the_backward_pass_and_the_end(page):
    total = int(page.inner_text("#counter").split(" of ")[1])
    for _ in range(total + 3):  # past the end: stays on the last step
        page.keyboard.press("ArrowRight")
    counter, title, _ = _state(page)
    assert counter == f"step {total} of {total}" and title.startswith("Done")
    assert page.is_disabled("#next")
    grads = dict(
        zip(
            page.eval_on_selector_all("#grads th", "e => e.map(x => x.textContent)"),
            page.eval_on_selector_all("#grads td", "e => e.map(x => x.textContent)"),
        )
    )
    assert grads["x"] == "-46" and grads["y"] == "-38"
    page.keyboard.press("ArrowLeft")
    assert _state(page)[0] == f"step {total - 1} of {total}"


# The rendered size, in CSS px, of the smallest text of the graph: each <text>'s font size in
# the SVG's units times the scale the page draws the SVG at.
SMALLEST_TEXT_PX = """root => Math.min(...[...root.querySelectorAll("text")].map(
    t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))"""


@pytest.mark.parametrize("width", [1280, 390])
def test_graph_text_is_readable_and_scrolls_rather_than_shrinks(chromium, tmp_path, width):
    tape, f = viz.examples.himmelblau(1.0, 1.0)
    path = viz.step_through(tape, f, tmp_path / "himmelblau.html")
    page = chromium.new_page(viewport={"width": width, "height": 900})
    errors = browser.watch_errors(page)
    page.goto(path.as_uri())
    assert page.eval_on_selector("#graph svg", SMALLEST_TEXT_PX) >= 9
    # the numbers are text on the page: found by the browser's Find, read by a screen reader
    assert "value 106" in page.inner_text("#graph")
    box = page.eval_on_selector(
        "#graph",
        "b => ({client: b.clientWidth, scroll: b.scrollWidth, overflow: "
        "getComputedStyle(b).overflowX})",
    )
    if width == 390:  # the Himmelblau graph is wider than a phone: its box scrolls
        assert box["scroll"] > box["client"] and box["overflow"] == "auto"
    # ... and follows the steps: the current op is always in view inside the box
    total = int(page.inner_text("#counter").split(" of ")[1])
    for _ in range(total - 1):
        page.keyboard.press("ArrowRight")
        assert page.evaluate(CURRENT_OP_IN_VIEW), page.inner_text("#title")
    assert errors == []
    page.close()


CURRENT_OP_IN_VIEW = """() => {
    const b = document.getElementById("graph").getBoundingClientRect();
    return [...document.querySelectorAll("#graph g.hl")].filter(g => g.id.startsWith("op-"))
        .map(g => g.getBoundingClientRect())
        .every(r => r.left >= b.left && r.right <= b.right);
}"""
