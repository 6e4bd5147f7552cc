"""The report as a reader sees it: opened in a real browser (Chromium through Playwright) at
laptop width (1280 × 800) and phone width (390 × 844).

Every table is readable (it fits its box, or its box scrolls and the key first column stays in
view), the page never scrolls sideways, navigation items are whole, and every figure opens at
full size on click. Screenshots go to a temporary folder (or $DELTAGRAD_SCREENSHOTS).

Needs Chromium (Debian: ``apt-get install chromium``); skipped, saying so, when none is found.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deltagrad import report as rp

pytestmark = pytest.mark.browser  # the chromium fixture skips when no Chromium is installed

VIEWPORTS = {"laptop": (1280, 800), "phone": (390, 844)}


# --- a report like reproduce's: its section titles, its widest tables, figures of its sizes ---


def _png(path: Path, width_in: float, height_in: float, dpi: int, title: str) -> rp.FigureRef:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, 2)
    x = np.linspace(-6, 6, 200)
    for i, ax in enumerate(axes):
        ax.plot(x, np.sin(x + i), label="small label text")
        ax.set(title=title, xlabel="start x", ylabel="start y")
        ax.legend(loc="lower center", fontsize=8)
    fig.savefig(path)
    return rp.FigureRef(path, f"{title}: a figure of the report's size, labels in small type")


def _gif(path: Path) -> rp.FigureRef:
    from PIL import Image

    frames = [Image.new("RGB", (512, 480), (200 - 40 * i, 80, 40 * i)) for i in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=200, loop=0)
    return rp.FigureRef(path, "The decision boundary over the whole run of training")


_FORMULAS = [
    "d/dx [e^x/(x² + 1)] = (e^x·(x² + 1) − e^x·2x)/(x² + 1)²",
    "∂/∂w [σ(x·w + b) − y]² = 2(σ(x·w + b) − y)·σ(x·w + b)(1 − σ(x·w + b))·x",
    "d/dx [x^2.5] = 2.5·x^1.5",
    "d/dx [3] = 0",
    "d/dx [ln(1 + e^x)] = e^x/(1 + e^x)",
]


def _sections(folder: Path) -> list[rp.Section]:
    rng = np.random.default_rng(0)
    rows72 = [
        ["7.2.3", f, "x = 1.3, w = 0.4, b = -0.2, y = 0.5", v, v, v * (1 + 1e-11), 8.25e-12]
        for f in _FORMULAS
        for v in rng.uniform(0.01, 10, 3)
    ]
    t72 = rp.Table(
        "7.2 The derivative rules and worked examples at sample points",
        ["section", "formula", "at", "analytic", "tape", "finite difference", "rel. error"],
        rows72,
        digits=10,
    )
    grad = rp.Table(
        "The eight largest relative errors of 2,902 parameters",
        ["parameter", "index", "delta rule", "tape", "finite difference", "relative error"],
        [
            [
                f"W{i % 4 + 1}",
                f"({i}, {2 * i})",
                *rng.normal(size=3) * 1e-3,
                float(rng.uniform(1e-9, 1e-8)),
            ]
            for i in range(8)
        ],
        digits=10,
    )
    t71 = rp.Table(
        "Table 7-1: start, numerical solution, nearest analytic minimum",
        ["start", "solution", "f", "nearest minimum", "distance"],
        [
            [
                "(4.000000, 0.000000)",
                "(3.584428, -1.848126)",
                2.3e-13,
                "(3.584428, -1.848126)",
                1.2e-7,
            ]
        ]
        * 4,
    )
    crit = rp.Table(
        "The nine critical points (Newton's method, gradient and Hessian from "
        "nested tapes), classified by the Hessian's eigenvalues",
        ["point", "f", "kind", "eigenvalues"],
        [["(-0.270845, -0.923039)", 181.617, "maximum", "(-20.169089, -26.630595)"]] * 9,
    )
    wide = _png(folder / "basins.png", 13, 7, 110, "Basins of attraction")
    tall = _png(folder / "contour.png", 8, 7.9, 110, "Figure 7-12")
    return [
        rp.Section(
            "7.2 Derivative rules, checked three ways",
            ["Every rule of 7.2 …"],
            [t72],
            anchor="derivatives",
        ),
        rp.Section(
            "7.3–7.4 Activation functions and softmax",
            ["Each activation …"],
            [],
            [_png(folder / "sigmoid.png", 10, 4, 100, "Figure 7-2")],
            anchor="activations",
        ),
        rp.Section(
            "7.6 The chain rule",
            ["The chapter's GradientTape example …"],
            [
                rp.Table(
                    "The tape demonstration",
                    ["quantity", "tape", "chapter"],
                    [["dy2/dy1 · dy1/dw1", 2.0, 2.0]],
                )
            ],
            anchor="chain-rule",
        ),
        rp.Section(
            "Gradient check: delta rule = tape = finite differences",
            ["The full table is <code>gradcheck/gradient_table.csv</code>."],
            [grad],
            anchor="gradcheck",
            nav="Gradient check of the network",
        ),
        rp.Section(
            "7.8 Himmelblau's function",
            ["Gradient descent through the tape …"],
            [t71, crit],
            [tall, wide],
            anchor="himmelblau",
        ),
        rp.Section(
            "7.9 Backpropagation by hand: the two-moons classifier",
            ["Trained in …"],
            [],
            [_gif(folder / "boundary.gif")],
            anchor="moons",
            nav="7.9 The two-moons classifier",
        ),
    ]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    return rp.write(
        folder / "report.html",
        "Backpropagation, reproduced: deltagrad's run of the chapter",
        _sections(folder),
        ["Seed 0; quick mode.", "Versions: …"],
    )


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def page(request, chromium, report_file, shots):
    width, height = VIEWPORTS[request.param]
    pg = chromium.new_page(viewport={"width": width, "height": height})
    pg.goto(report_file.as_uri())
    pg.screenshot(path=str(shots / f"{request.param}_top.png"))
    pg.screenshot(path=str(shots / f"{request.param}_full.png"), full_page=True)
    for i, wrap in enumerate(pg.query_selector_all(".table-wrap")):
        wrap.scroll_into_view_if_needed()
        pg.screenshot(path=str(shots / f"{request.param}_table{i}.png"))
    pg.evaluate("window.scrollTo(0, 0)")
    pg.viewport_name = request.param
    yield pg
    pg.close()


def test_the_page_never_scrolls_sideways(page):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.evaluate("innerWidth"), f"the page is {width} px wide"
    overflowing = page.evaluate("""() => [...document.querySelectorAll('p, h1, h2, figure, nav')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
        .map(e => e.tagName + ': ' + e.textContent.slice(0, 40))""")
    assert overflowing == []


_TABLES = """() => [...document.querySelectorAll('table')].map(t => {
    const box = t.closest('.table-wrap'), style = getComputedStyle(box);
    return {caption: t.caption.textContent, width: t.scrollWidth, box: box.clientWidth,
            scrolls: ['auto', 'scroll'].includes(style.overflowX)
                     && box.scrollWidth > box.clientWidth,
            hint: getComputedStyle(box.previousElementSibling).display !== 'none',
            boxRight: box.getBoundingClientRect().right};
})"""


def test_every_table_fits_its_box_or_scrolls_inside_it(page):
    tables = page.evaluate(_TABLES)
    assert len(tables) == 5
    for t in tables:
        assert t["width"] <= t["box"] or t["scrolls"], t
        assert t["hint"] == t["scrolls"], t  # a table that scrolls says so
        assert t["boxRight"] <= page.evaluate("innerWidth"), t
    if page.viewport_name == "laptop":  # at laptop width nothing is hidden, not even scrolled
        assert all(not t["scrolls"] for t in tables), [t for t in tables if t["scrolls"]]


def test_every_header_cell_can_be_seen(page):
    """Each column header lies in the viewport, or becomes visible by scrolling its table's
    box, while the first (key) column stays in view."""
    for i in range(len(page.query_selector_all("table"))):
        result = page.evaluate(
            """i => {
            const t = document.querySelectorAll('table')[i], box = t.closest('.table-wrap');
            box.scrollIntoView();
            const out = [], first = t.querySelector('th');
            for (const th of t.querySelectorAll('th')) {
                box.scrollLeft = 0;
                let r = th.getBoundingClientRect();
                if (r.left < -0.5 || r.right > innerWidth + 0.5) {
                    th.scrollIntoView({inline: 'nearest', block: 'nearest'});
                    r = th.getBoundingClientRect();
                }
                const key = first.getBoundingClientRect();
                out.push({text: th.textContent, left: r.left, right: r.right,
                          keyLeft: key.left, keyRight: key.right,
                          visible: getComputedStyle(th).visibility});
            }
            box.scrollLeft = 0;
            return out;
        }""",
            i,
        )
        width = page.evaluate("innerWidth")
        for cell in result:
            assert cell["visible"] == "visible"
            assert -0.5 <= cell["left"] and cell["right"] <= width + 0.5, cell
            assert 0 <= cell["keyLeft"] and cell["keyRight"] <= width + 0.5, cell


def test_navigation_items_are_whole_and_on_one_line(page):
    items = page.evaluate("""() => [...document.querySelectorAll('nav li')].map(li => {
        const a = li.querySelector('a');
        return {text: a.textContent, li: li.getClientRects().length,
                lines: a.getClientRects().length, cut: a.scrollWidth > a.clientWidth + 1};
    })""")
    assert len(items) == 6
    for item in items:
        assert item["li"] == 1 and item["lines"] == 1 and not item["cut"], item


def test_figures_stay_in_the_page(page):
    boxes = page.evaluate("""() => [...document.querySelectorAll('figure img')].map(img => {
        const r = img.getBoundingClientRect(); return [r.left, r.right, img.complete]; })""")
    assert len(boxes) == 4
    width = page.evaluate("innerWidth")
    assert all(left >= 0 and right <= width + 0.5 and done for left, right, done in boxes)


@pytest.mark.parametrize("index", [0, 2, 3])  # a figure, the widest (1430 px), the GIF
def test_clicking_a_figure_opens_it_at_full_size(page, shots, index):
    page.evaluate("window.scrollTo(0, 0)")
    figure = page.locator("figure img").nth(index)
    natural = figure.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    shown = figure.bounding_box()
    figure.scroll_into_view_if_needed()
    figure.click()
    box = page.locator("#lightbox")
    assert box.is_visible()
    big = box.locator("img")
    size = big.evaluate(
        "img => { const r = img.getBoundingClientRect(); "
        "return [r.width, r.height, img.src.slice(0, 11)]; }"
    )
    assert abs(size[0] - natural[0]) <= 1 and abs(size[1] - natural[1]) <= 1, (size, natural)
    assert size[2] == "data:image/"  # the embedded image itself, no network
    assert box.evaluate("b => b.scrollWidth") >= natural[0]  # larger than the screen: it pans
    if page.viewport_name == "phone":
        assert natural[0] > shown["width"]  # on a phone, bigger than in the page
    page.screenshot(path=str(shots / f"{page.viewport_name}_figure{index}_open.png"))
    page.keyboard.press("Escape")
    assert not box.is_visible()
    assert page.evaluate("document.activeElement.className") == "zoom"  # focus goes back
