"""Figures of Himmelblau's function (chapter 7.1 and 7.8), drawn from
:mod:`deltagrad.experiments.himmelblau` data: one function per figure, each writing one file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

from deltagrad.experiments.himmelblau import DIVERGED
from deltagrad.figures import save_figure

if TYPE_CHECKING:
    from mpl_toolkits.mplot3d import Axes3D

MINIMUM_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red")
UNCONVERGED_COLOR = "lightgrey"
DIVERGED_COLOR = "black"
RUN_COLORS = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")
KIND_MARKERS = {
    "minimum": ("*", "gold", 16),
    "maximum": ("^", "red", 10),
    "saddle": ("X", "white", 10),
}
PLURALS = {"minimum": "minima", "maximum": "maxima", "saddle": "saddles"}
# The basin maps' marks, drawn the same way on the map and in its legend: the chapter's starts
# as white rings outlined in black (filled with the colour of the basin they end in), the
# minima as gold stars.
START_RING = {
    "marker": "o",
    "markersize": 9,
    "markeredgecolor": "white",
    "markeredgewidth": 2,
    "path_effects": [withStroke(linewidth=3.5, foreground="black")],
}
MINIMUM_STAR = {
    "marker": "*",
    "markersize": 15,
    "markerfacecolor": "gold",
    "markeredgecolor": "black",
}


def _fmt(p) -> str:
    return f"({p[0]:.3g}, {p[1]:.3g})"


def surface_fig7_11(surf: dict, path) -> None:
    """Figure 7-11: the 3-D surface of f, elevation 60°, azimuth −30°."""
    fig = Figure(figsize=(8, 6.5))
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(surf["X"], surf["Y"], surf["Z"], cmap="viridis", linewidth=0, antialiased=True)
    ax.view_init(elev=60, azim=-30)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("f(x, y)")
    ax.set_title("Figure 7-11: Himmelblau's function")
    save_figure(fig, path, dpi=110)


def _mark_critical_points(ax, critical):
    for kind, (marker, color, size) in KIND_MARKERS.items():
        pts = np.array([c.point for c in critical if c.kind == kind]).reshape(-1, 2)
        if len(pts):
            ax.plot(
                pts[:, 0],
                pts[:, 1],
                linestyle="none",
                marker=marker,
                markersize=size,
                markerfacecolor=color,
                markeredgecolor="black",
                label=f"{PLURALS[kind] if len(pts) > 1 else kind} ({len(pts)})",
            )


def contour_fig7_12(surf: dict, runs, critical, path) -> None:
    """Figure 7-12: contours of f with the runs' trajectories and the nine critical points."""
    save_figure(contour_fig7_12_figure(surf, runs, critical), path, dpi=110)


def contour_fig7_12_figure(surf: dict, runs, critical) -> Figure:
    """Figure 7-12 as a ``Figure``: the square map, its colour bar and the legend below it
    fill the canvas (constrained layout, the figure's height fitted to the square map)."""
    fig = Figure(figsize=(8, 7.9), layout="constrained")
    ax = fig.add_subplot()
    Z = np.maximum(surf["Z"], 1e-2)  # log-spaced levels; f = 0 only at the minima
    levels = np.logspace(-1, np.log10(Z.max()), 22)
    filled = ax.contourf(
        surf["X"],
        surf["Y"],
        Z,
        levels=levels,
        norm=LogNorm(),
        cmap="viridis",
        alpha=0.45,
        extend="min",
    )
    ax.contour(
        surf["X"], surf["Y"], Z, levels=levels, norm=LogNorm(), cmap="viridis", linewidths=0.7
    )
    fig.colorbar(filled, ax=ax, label="f(x, y), log scale", format="%.3g", shrink=0.8)
    for i, run in enumerate(runs):
        t = run.trajectory
        color = RUN_COLORS[i % len(RUN_COLORS)]
        verb = "ascent" if run.ascent else "descent"
        ax.plot(
            t[:, 0],
            t[:, 1],
            "-",
            color=color,
            linewidth=2,
            label=f"{verb} from {_fmt(run.start)} → {_fmt(run.final)}",
        )
        ax.plot(t[0, 0], t[0, 1], "o", color=color, markeredgecolor="black", markersize=7)
    _mark_critical_points(ax, critical)
    lo, hi = surf["x"][0], surf["x"][-1]
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    title = "Figure 7-12: contours of Himmelblau's function"
    if runs:
        mode = "ascent" if runs[0].ascent else "descent"
        title += f"\ngradient {mode}, lr = {runs[0].lr:g}, {runs[0].steps} steps (● start)"
    ax.set_title(title)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=8)
    return fig


def nonconvex_fig7_1(surf: dict, runs, path) -> None:
    """Figure 7-1's point: on a non-convex surface descents from different starts end in
    different minima. The real trajectories are drawn on the surface, lifted to f."""
    save_figure(nonconvex_fig7_1_figure(surf, runs), path, dpi=110)


def nonconvex_fig7_1_figure(surf: dict, runs) -> Figure:
    """Figure 7-1 as a ``Figure``: the 3-D axes above, the legend in its own band below them
    (never over the surface)."""
    fig = Figure(figsize=(9, 7.5))
    ax = cast("Axes3D", fig.add_axes((0.0, 0.17, 1.0, 0.75), projection="3d"))
    ax.plot_surface(
        surf["X"],
        surf["Y"],
        np.log1p(surf["Z"]),
        cmap="viridis",
        alpha=0.55,
        linewidth=0,
        antialiased=True,
    )
    for i, run in enumerate(runs):
        t, f = run.trajectory, np.log1p(np.asarray(run.f, dtype=np.float64))
        color = RUN_COLORS[i % len(RUN_COLORS)]
        ax.plot(
            t[:, 0],
            t[:, 1],
            f,
            "-",
            color=color,
            linewidth=2.5,
            zorder=10,
            label=f"{_fmt(run.start)} → {_fmt(run.final)}, f = {run.final_f:.2g}",
        )
        ax.scatter([t[0, 0]], [t[0, 1]], [f[0]], color=color, edgecolor="black", s=40, zorder=11)
        ax.scatter(
            [t[-1, 0]],
            [t[-1, 1]],
            [f[-1]],
            color=color,
            marker="*",
            s=160,
            edgecolor="black",
            zorder=11,
        )
    ax.view_init(elev=45, azim=-60)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("log(1 + f(x, y))")
    fig.suptitle(
        "Figure 7-1: non-convex, so each start finds its own minimum\n"
        "(gradient descent on Himmelblau's function; ● start, ★ end)",
        y=0.97,
    )
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="lower center",
        ncol=2,
        fontsize=9,
        bbox_to_anchor=(0.5, 0.01),
        title="descent: start → end, final f",
    )
    return fig


def _basin_panel(ax, data):
    mins = data["minima"]
    k = len(mins)
    colors = [DIVERGED_COLOR, UNCONVERGED_COLOR, *MINIMUM_COLORS[:k]]
    # Labels are DIVERGED (-2), UNCONVERGED (-1) or a minimum's index: shifted, they index colors.
    img = np.asarray(data["labels"]) - DIVERGED
    cmap = ListedColormap(colors)
    lim = data["lim"]
    ax.imshow(
        img,
        origin="lower",
        extent=(-lim, lim, -lim, lim),
        cmap=cmap,
        norm=BoundaryNorm(np.arange(len(colors) + 1) - 0.5, len(colors)),
        interpolation="nearest",
    )
    ax.plot(mins[:, 0], mins[:, 1], linestyle="none", **MINIMUM_STAR)
    marks, labels = data["marks"], data["mark_labels"]
    for (x, y), lab in zip(marks, labels):
        ax.plot(x, y, linestyle="none", markerfacecolor=colors[int(lab) - DIVERGED], **START_RING)
        ax.annotate(
            _fmt((x, y)),
            (x, y),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=8,
            bbox={
                "boxstyle": "round,pad=0.15",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.8,
            },
        )
    n = data["labels"].size
    counts = data["counts"]
    ax.set_title(
        f"lr = {data['lr']:g}, {data['steps']} steps: {100 * counts['diverged'] / n:.2f}% "
        f"diverged, {100 * counts['unconverged'] / n:.1f}% not converged",
        fontsize=10,
    )
    ax.set_xlabel("start x")
    ax.set_ylabel("start y")
    ax.set_aspect("equal")
    handles = [Patch(color=MINIMUM_COLORS[i], label=f"→ minimum {_fmt(mins[i])}") for i in range(k)]
    handles += [
        Patch(facecolor=UNCONVERGED_COLOR, edgecolor="grey", label="not converged (oscillating)"),
        Patch(color=DIVERGED_COLOR, label="diverged"),
        Line2D(
            [],
            [],
            linestyle="none",
            **MINIMUM_STAR,
            label=f"the {k} minima (f = 0)" if k != 1 else "the minimum (f = 0)",
        ),
        Line2D(
            [],
            [],
            linestyle="none",
            markerfacecolor="none",
            **START_RING,
            label="the chapter's starts (filled: where they end)",
        ),
    ]
    return handles


def basins_map(maps, path) -> None:
    """The basin-of-attraction maps, side by side: each start coloured by where descent ends."""
    save_figure(basins_map_figure(maps), path, dpi=110)


def basins_map_figure(maps) -> Figure:
    """The basin maps as a ``Figure`` (see :func:`basins_map`)."""
    fig = Figure(figsize=(6.5 * len(maps), 7))
    axes = [fig.add_subplot(1, len(maps), i + 1) for i in range(len(maps))]
    handles = []
    for ax, data in zip(axes, maps):
        handles = _basin_panel(ax, data)
    n = maps[0]["n"]
    fig.suptitle(
        f"Basins of attraction of gradient descent on Himmelblau's function ({n} × {n} starts)"
    )
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=9)
    fig.subplots_adjust(bottom=0.2, top=0.88, wspace=0.25)
    return fig
