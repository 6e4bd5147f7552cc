"""Figure defects a reader sees: legends that lie or cover the data, figures mostly empty.

Each figure is drawn to a matplotlib ``Figure`` (Agg canvas) and its artists are measured.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke

from deltagrad.experiments import himmelblau as hb
from deltagrad.figures import himmelblau as fig_hb


@pytest.fixture(scope="module")
def chapter():
    surf = hb.surface(step=0.2)
    runs = [hb.descend(s, 0.01, 200) for s in hb.CHAPTER_STARTS]
    critical = hb.critical_points()
    mins = hb.minima(critical)
    maps = [
        hb.basins(lr, 200, n=24, marks=hb.CHAPTER_STARTS, minima_points=mins) for lr in (0.01, 0.02)
    ]
    return {"surf": surf, "runs": runs, "critical": critical, "maps": maps}


def _renderer(fig):
    return FigureCanvasAgg(fig).get_renderer()


def _legend_entries(legend) -> dict:
    return {
        text.get_text(): handle for text, handle in zip(legend.get_texts(), legend.legend_handles)
    }


def _same_colour(a, b) -> bool:
    return np.allclose(to_rgba(a), to_rgba(b))


# --- the basin map's legend shows what the map draws ----------------------------------------


def test_basin_legend_shows_the_white_rings_and_the_minima_stars(chapter):
    fig = fig_hb.basins_map_figure(chapter["maps"])
    entries = _legend_entries(fig.legends[0])
    rings = [h for label, h in entries.items() if label.startswith("the chapter's starts")]
    stars = [h for label, h in entries.items() if "minim" in label and "→" not in label]
    assert len(rings) == 1 and len(stars) == 1, f"legend entries: {list(entries)}"
    ring, star = rings[0], stars[0]

    # what the map draws: the starts as white rings outlined in black, the minima as gold stars
    ax = fig.axes[0]
    drawn_rings = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    drawn_stars = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert len(drawn_rings) == len(hb.CHAPTER_STARTS) and len(drawn_stars) == 1
    for drawn in drawn_rings:
        assert _same_colour(drawn.get_markeredgecolor(), "white")

    # the legend: the same ring (white edge, no grey fill, the same black outline) ...
    assert isinstance(ring, Line2D) and ring.get_marker() == "o"
    assert _same_colour(ring.get_markeredgecolor(), "white")
    assert ring.get_markerfacecolor() == "none"  # not a grey dot
    assert ring.get_markeredgewidth() == drawn_rings[0].get_markeredgewidth()
    effects = ring.get_path_effects()
    assert effects and isinstance(effects[0], withStroke)
    assert [type(e) for e in effects] == [type(e) for e in drawn_rings[0].get_path_effects()]
    # ... and the stars, gold with a black edge, as on the map
    assert isinstance(star, Line2D) and star.get_marker() == "*"
    assert _same_colour(star.get_markerfacecolor(), "gold")
    assert _same_colour(star.get_markerfacecolor(), drawn_stars[0].get_markerfacecolor())
    assert _same_colour(star.get_markeredgecolor(), "black")


# --- Figure 7-1: the legend does not cover the surface --------------------------------------


def test_figure_7_1_legend_is_outside_the_surface(chapter):
    fig = fig_hb.nonconvex_fig7_1_figure(chapter["surf"], chapter["runs"])
    renderer = _renderer(fig)
    (ax,) = fig.axes
    legends = fig.legends + ([ax.get_legend()] if ax.get_legend() else [])
    assert len(legends) == 1
    box = legends[0].get_window_extent(renderer)
    data_area = ax.get_window_extent(renderer)  # the 3-D axes' box: the surface lies within it
    assert not box.overlaps(data_area), (box, data_area)
    assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)
    assert len(legends[0].get_texts()) == len(chapter["runs"])


# --- Figure 7-12: no large empty bands ------------------------------------------------------


def test_figure_7_12_fills_its_canvas(chapter):
    fig = fig_hb.contour_fig7_12_figure(chapter["surf"], chapter["runs"], chapter["critical"])
    renderer = _renderer(fig)
    fig.draw(renderer)  # constrained layout runs at draw time
    H, W = fig.bbox.height, fig.bbox.width
    main = fig.axes[0].get_window_extent(renderer)
    assert main.height >= 0.7 * H and main.width >= 0.6 * W, (main, fig.bbox)
    content = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)
    assert content.height >= 0.93 * H and content.width >= 0.9 * W, (content, fig.bbox)
    # the legend still lists every run and the critical points, and stays on the canvas
    (legend,) = fig.legends
    assert len(legend.get_texts()) == len(chapter["runs"]) + 3
    box = legend.get_window_extent(renderer)
    assert box.y0 >= 0 and not box.overlaps(main)
