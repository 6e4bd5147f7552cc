"""Figures 7-2 to 7-6, drawn from :mod:`deltagrad.experiments.derivatives` data: each
activation with its derivative, and softmax turning logits into probabilities. One function
per kind of figure, each writing one PNG file.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from deltagrad.figures import save_figure

__all__ = ["FILENAMES", "activation_figure", "softmax_figure"]

FILENAMES = {
    "sigmoid": "fig7_2_sigmoid.png",
    "relu": "fig7_3_relu.png",
    "leaky_relu": "fig7_4_leaky_relu.png",
    "tanh": "fig7_5_tanh.png",
    "softmax": "fig7_6_softmax.png",
}
"""The chapter's figure file names, by curve name."""

DPI = 100


def activation_figure(curve: dict, path) -> None:
    """Figures 7-2 to 7-5: the function (left) and its derivative (right).

    ``curve`` is one value of :func:`deltagrad.experiments.derivatives.activation_curves`.
    The derivative panel shows the analytic derivative, the tape's on top of it (dashed),
    and finite differences as markers.
    """
    fig = Figure(figsize=(9, 3.6))
    ax_f, ax_d = fig.subplots(1, 2)
    x = curve["x"]
    ax_f.plot(x, curve["f"], color="tab:blue", linewidth=2, label=curve["formula"])
    ax_f.set_title(curve["title"])
    ax_f.set_ylabel("f(x)")
    ax_d.plot(
        x,
        curve["analytic"],
        color="tab:orange",
        linewidth=2.5,
        label=f"analytic: {curve['derivative_formula']}",
    )
    ax_d.plot(
        x, curve["tape"], color="black", linewidth=1, linestyle="--", label="tape (reverse mode)"
    )
    ax_d.plot(
        curve["fd_x"],
        curve["fd"],
        linestyle="none",
        marker="o",
        markersize=6,
        markerfacecolor="none",
        markeredgecolor="tab:red",
        label="finite differences",
    )
    ax_d.set_title(f"derivative of {curve['title']}")
    ax_d.set_ylabel("f'(x)")
    for ax in (ax_f, ax_d):
        ax.set_xlabel("x")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    _pad_limits(ax_f, curve["f"])
    _pad_limits(ax_d, curve["analytic"])
    fig.suptitle(f"Figure {curve['figure']}: {curve['title']} and its derivative")
    fig.tight_layout()
    save_figure(fig, path, dpi=DPI)


def _pad_limits(ax, y) -> None:
    """Zero in view, and room above the curve for the legend."""
    lo, hi = min(float(np.min(y)), 0.0), float(np.max(y))
    span = max(hi - lo, 0.1)
    ax.set_ylim(lo - 0.1 * span, hi + 0.6 * span)


def softmax_figure(example: dict, path) -> None:
    """Figure 7-6: logits (left) and the softmax probabilities they become (right), as bars.

    ``example`` is :func:`deltagrad.experiments.derivatives.softmax_example`'s result.
    """
    z, p = example["logits"], example["probabilities"]
    labels = [f"z{i + 1}" for i in range(len(z))]
    fig = Figure(figsize=(8, 3.6))
    ax_z, ax_p = fig.subplots(1, 2)
    for ax, values, color, title, fmt in (
        (ax_z, z, "tab:blue", "logits z", "{:.2f}"),
        (ax_p, p, "tab:green", "probabilities p = softmax(z)", "{:.3f}"),
    ):
        bars = ax.bar(labels, values, color=color)
        ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=2)
        ax.set_title(title)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.grid(axis="y", alpha=0.3)
    ax_p.set_ylim(0, 1.1)
    ax_p.set_xticks(range(len(p)), [f"p{i + 1}" for i in range(len(p))])
    ax_z.margins(y=0.15)
    fig.suptitle(
        f"Figure 7-6: softmax turns logits into probabilities (Σp = {float(np.sum(p)):.6g})"
    )
    fig.tight_layout()
    save_figure(fig, path, dpi=DPI)
