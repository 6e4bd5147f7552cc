"""Figures 7-13 to 7-16 and the decision boundary, drawn from a two-moons run.

Every function draws on its own ``matplotlib.figure.Figure`` (no pyplot, no global state, the
default font) and writes it to ``path``. Curves span every epoch of the run: the x-axis is the
real epoch number of each logged point, from the first epoch to the last.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from deltagrad.figures import save_figure

__all__ = [
    "network_figure",
    "dataset_figure",
    "train_mse_figure",
    "test_accuracy_figure",
    "decision_boundary_figure",
    "seed_sweep_figure",
    "write_all",
    "FIGURE_NAMES",
]

FIGURE_NAMES = (
    "fig7_13_network.png",
    "fig7_14_dataset.png",
    "fig7_15_train_mse.png",
    "fig7_16_test_accuracy.png",
    "decision_boundary.png",
)
_CMAP = "Spectral"  # the chapter's colour map: class 0 red, class 1 blue
_DPI = 120
_MAX_NODES = 64  # nodes drawn per layer in Figure 7-13; the caption gives the true size
_MAX_WIDTH = 40.0  # inches: Figure 7-13 of a very deep network stays a drawable image
_MAX_LEGEND_CLASSES = 20  # more classes: one scatter coloured by class, no legend entries
_CHUNK_FLOATS = 1 << 20  # a layer's output per chunk of the decision-boundary grid (8 MiB)


def _class_colours(n_classes: int):
    from matplotlib import colormaps

    cmap = colormaps[_CMAP]
    return [cmap(v) for v in np.linspace(0.0, 1.0, max(n_classes, 2))]


def _scatter_classes(ax, X, y, size=14):
    y = np.asarray(y)
    n_classes = int(y.max()) + 1
    if n_classes > _MAX_LEGEND_CLASSES:  # one artist, not one per class (and no huge legend)
        ax.scatter(
            X[:, 0],
            X[:, 1],
            s=size,
            c=y,
            cmap=_CMAP,
            vmin=0,
            vmax=n_classes - 1,
            edgecolors="black",
            linewidths=0.3,
            label=f"{n_classes} classes",
        )
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        return
    colours = _class_colours(n_classes)
    for c in np.unique(y):
        pts = X[y == c]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=size,
            color=colours[c],
            edgecolors="black",
            linewidths=0.3,
            label=f"class {c}",
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


# --- Figure 7-13: the network ------------------------------------------------------------


def _layer_caption(i: int, n_layers: int, size: int, activation) -> str:
    if i == 0:
        return f"input\n{size}"
    kind = "output" if i == n_layers else f"hidden {i}"
    return f"{kind}\n{size}, {activation or 'linear'}"


def network_figure(network, path) -> Path:
    """Figure 7-13: the layers of ``network`` as columns of nodes joined by every weight
    (at most 64 nodes are drawn per layer; the captions give the true sizes)."""
    sizes, acts = network.sizes, network.activations
    shown = [min(n, _MAX_NODES) for n in sizes]  # wider layers: the first _MAX_NODES nodes
    tallest = max(shown)
    gap = [min(0.25, 1.0 / max(n - 1, 1)) for n in shown]  # small layers spread out, up to 1
    ys = [(np.arange(n) - (n - 1) / 2) * g for n, g in zip(shown, gap)]
    fig = Figure(figsize=(min(2.0 + 1.8 * len(sizes), _MAX_WIDTH), 6.5), layout="constrained")
    ax = fig.add_subplot()
    edges = [[(i, a), (i + 1, b)] for i in range(len(sizes) - 1) for a in ys[i] for b in ys[i + 1]]
    ax.add_collection(LineCollection(edges, colors="0.55", linewidths=0.25, alpha=0.5))
    for i, y in enumerate(ys):
        colour = "tab:green" if i == 0 else "tab:red" if i == len(sizes) - 1 else "tab:blue"
        ax.scatter(
            np.full(len(y), i),
            y,
            s=max(10, 300 / tallest * 4),
            color=colour,
            zorder=3,
            edgecolors="black",
            linewidths=0.4,
        )
        if len(sizes) <= 24 or i in (0, len(sizes) - 1):  # deeper: captions would overlap
            ax.text(
                i,
                -0.62,
                _layer_caption(i, len(acts), sizes[i], acts[i - 1] if i else None),
                ha="center",
                va="top",
                fontsize=9,
            )
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-0.8, 0.58)
    ax.set_axis_off()
    arrow = " → ".join(str(s) for s in sizes)
    if len(arrow) > 120:
        head = " → ".join(str(s) for s in sizes[:4])
        arrow = f"{head} → … → {sizes[-1]} ({len(sizes)} layers)"
    ax.set_title(f"Network structure: {arrow} (loss: {network.loss})")
    return save_figure(fig, path, dpi=_DPI)


# --- Figure 7-14: the data ---------------------------------------------------------------


def dataset_figure(X, y, path, title: str = "Two-moons dataset") -> Path:
    """Figure 7-14: the points coloured by class."""
    X, y = np.asarray(X), np.asarray(y)
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    _scatter_classes(ax, X, y)
    ax.set_title(f"{title} ({len(X)} points)")
    ax.legend(loc="best")
    return save_figure(fig, path, dpi=_DPI)


# --- Figures 7-15 and 7-16: training curves ----------------------------------------------


def _curve(
    history: dict,
    key: str,
    scale: float,
    ylabel: str,
    title: str,
    path,
    second: tuple[str, str] | None = None,
) -> Path:
    """One logged quantity against the epoch; ``second = (key, label)`` adds another on a
    right-hand axis (dashed), e.g. the MSE beside a cross-entropy loss."""
    epochs = np.asarray(history["epoch"])
    values = np.asarray(history[key], dtype=float) * scale
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    marker = "." if len(epochs) < 60 else None
    lines = ax.plot(epochs, values, color="tab:blue", marker=marker, label=ylabel)
    ax.set_xlim(0, max(int(epochs[-1]), 1))
    ax.set_xlabel("Epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if second is not None:
        key2, label2 = second
        right = ax.twinx()
        lines += right.plot(
            epochs,
            np.asarray(history[key2], dtype=float),
            color="tab:orange",
            linestyle="--",
            marker=marker,
            label=label2,
        )
        right.set_ylabel(label2)
        ax.legend(lines, [str(line.get_label()) for line in lines], loc="upper right")
    return save_figure(fig, path, dpi=_DPI)


def train_mse_figure(history: dict, path, loss: str = "mse") -> Path:
    """Figure 7-15: the training loss against the epoch, over all epochs of the run.

    With ``loss="mse"`` (the chapter's) that is the training MSE. With
    ``"softmax_cross_entropy"`` it is the mean cross-entropy being minimised
    (``history["loss"]``), with the training MSE beside it on a right-hand axis.
    """
    if loss == "mse":
        return _curve(history, "mse", 1.0, "Training MSE", "Training error (MSE) per epoch", path)
    from deltagrad.experiments.moons import LOSS_NAMES

    name = LOSS_NAMES.get(loss, loss)
    return _curve(
        history,
        "loss",
        1.0,
        f"Training loss ({name})",
        f"Training loss ({name}) per epoch, and the training MSE",
        path,
        second=("mse", "Training MSE"),
    )


def test_accuracy_figure(history: dict, path) -> Path:
    """Figure 7-16: test accuracy (%) against the epoch, over all epochs of the run."""
    return _curve(
        history, "test_accuracy", 100.0, "Test accuracy (%)", "Test accuracy per epoch", path
    )


# --- decision boundary -------------------------------------------------------------------


def _grid(X, steps: int = 300, margin: float = 0.5):
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    with np.errstate(over="ignore"):
        span = hi - lo
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(np.isfinite(span))):
        raise ValueError(
            f"cannot draw a decision boundary over coordinates from {X.min():.3g} "
            f"to {X.max():.3g}: the grid's span overflows; rescale the data"
        )
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _predict_proba(network, grid):
    """``network.predict_proba(grid)`` in chunks of rows, so that a wide network's layer
    outputs over the 90,000 grid points never sit in memory at once."""
    rows = max(1, _CHUNK_FLOATS // max(network.sizes))
    if len(grid) <= rows:
        return network.predict_proba(grid)
    return np.concatenate(
        [network.predict_proba(grid[i : i + rows]) for i in range(0, len(grid), rows)]
    )


def decision_boundary_figure(network, X, y, path, title: str = "Decision boundary") -> Path:
    """Filled contour of the predicted probability of class 1 with its 0.5 line, points on top.

    With more than two classes the fill is the predicted class and the lines its borders.
    """
    X, y = np.asarray(X), np.asarray(y)
    xx, yy, grid = _grid(X)
    proba = _predict_proba(network, grid)
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    if proba.shape[1] == 2:
        p1 = proba[:, 1].reshape(xx.shape)
        filled = ax.contourf(xx, yy, p1, levels=np.linspace(0, 1, 26), cmap=_CMAP, alpha=0.8)
        ax.contour(xx, yy, p1, levels=[0.5], colors="black", linewidths=1.5)
        fig.colorbar(filled, ax=ax, label="Predicted probability of class 1")
    else:
        k = proba.shape[1]
        cls = np.argmax(proba, axis=1).reshape(xx.shape)
        ax.contourf(xx, yy, cls, levels=np.arange(k + 1) - 0.5, cmap=_CMAP, alpha=0.6)
        ax.contour(xx, yy, cls, levels=np.arange(k - 1) + 0.5, colors="black", linewidths=1.0)
    _scatter_classes(ax, X, y, size=10)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.legend(loc="upper right")
    ax.set_title(title)
    return save_figure(fig, path, dpi=_DPI)


def write_all(result, path_for, dataset_title: str = "Two-moons dataset") -> list[Path]:
    """Write the five figures of a ``MoonsResult``; ``path_for(name)`` gives each file's path."""
    net, history = result.network, result.history
    loss = net.loss if "loss" in history else "mse"
    acc = result.metrics.get("test_accuracy")
    boundary_title = "Decision boundary" + (
        f" (test accuracy {acc:.2%})" if acc is not None else ""
    )
    return [
        network_figure(net, path_for(FIGURE_NAMES[0])),
        dataset_figure(result.X, result.y, path_for(FIGURE_NAMES[1]), title=dataset_title),
        train_mse_figure(history, path_for(FIGURE_NAMES[2]), loss=loss),
        test_accuracy_figure(history, path_for(FIGURE_NAMES[3])),
        decision_boundary_figure(
            net, result.X, result.y, path_for(FIGURE_NAMES[4]), title=boundary_title
        ),
    ]


# --- seed sweeps -------------------------------------------------------------------------


def seed_sweep_figure(runs, path, title: str | None = None, n_test: int | None = None) -> Path:
    """How the result depends on the initial weights: the distribution of the final test
    accuracies (histogram, every seed as a tick, mean ± std) beside every seed's
    test-accuracy curve and their mean.

    ``runs``: one dict per seed with ``seed``, ``test_accuracy`` and ``history`` (the
    ``{"epoch", "test_accuracy"}`` lists of a run), as ``experiments.moons.sweep`` returns.
    ``n_test``, the size of the test set, sets the bar width: accuracies are multiples of
    1/n_test.
    """
    final = np.array([r["test_accuracy"] for r in runs], dtype=float) * 100
    mean, std = float(np.mean(final)), float(np.std(final, ddof=1)) if len(final) > 1 else 0.0
    fig = Figure(figsize=(13, 5), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.5])
    _accuracy_distribution(left, final, mean, std, 100 / n_test if n_test else None)
    _accuracy_curves(right, runs)
    fig.suptitle(
        title
        or f"{len(runs)} seeds: final test accuracy {mean:.2f}% ± {std:.2f}% "
        f"(min {final.min():.2f}%, max {final.max():.2f}%)"
    )
    return save_figure(fig, path, dpi=_DPI)


def _accuracy_distribution(ax, final, mean, std, step):
    # Accuracies on a test set are multiples of 1/n_test: one bar per value taken.
    values, counts = np.unique(final, return_counts=True)
    if step is None:
        step = float(np.min(np.diff(values))) if len(values) > 1 else 1.0
    ax.bar(values, counts, width=0.8 * step, color="tab:blue", alpha=0.7, label="seeds")
    ax.plot(final, np.zeros_like(final), "|", color="black", markersize=18, label="one seed each")
    margin = max(2 * step, 0.5)
    ax.set_xlim(values[0] - margin, values[-1] + margin)
    ax.set_ylim(0, counts.max() * 1.35)
    ax.axvline(mean, color="tab:red", linewidth=2, label=f"mean {mean:.2f}%")
    if std > 0:
        ax.axvspan(mean - std, mean + std, color="tab:red", alpha=0.12, label=f"± std {std:.2f}%")
    ax.set_xlabel("Final test accuracy (%)")
    ax.set_ylabel("Seeds")
    ax.set_title("Distribution of final test accuracies")
    ax.legend(loc="upper right")


def _accuracy_curves(ax, runs):
    epochs = np.asarray(runs[0]["history"]["epoch"])
    curves = np.array([np.asarray(r["history"]["test_accuracy"], dtype=float) * 100 for r in runs])
    for curve in curves:
        ax.plot(epochs, curve, color="tab:blue", linewidth=0.7, alpha=0.35)
    ax.plot(epochs, curves.mean(axis=0), color="tab:red", linewidth=2, label="mean over seeds")
    ax.plot([], [], color="tab:blue", linewidth=0.7, label="one seed each")
    ax.set_xlim(0, max(int(epochs[-1]), 1))
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Test accuracy (%)")
    ax.set_title("Test accuracy per epoch, every seed")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
