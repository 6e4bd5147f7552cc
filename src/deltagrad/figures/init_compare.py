"""Initialisation compared (``deltagrad init-compare``), drawn from
:func:`deltagrad.experiments.init_compare.compare`'s runs: one function per figure, each
writing one file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from deltagrad.figures import save_figure

FILENAMES = {
    "curves": "init_curves.png",
    "accuracy": "init_accuracy.png",
    "signal": "init_signal.png",
    "symmetry": "init_symmetry.png",
}
COLORS = {
    "chapter": "tab:blue",
    "xavier": "tab:orange",
    "he": "tab:green",
    "zeros": "tab:red",
    "normal": "tab:purple",
}
_DPI = 100


def _color(init: str) -> str:
    return COLORS.get(init, "tab:gray")


def _by_init(runs) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for run in runs:
        out.setdefault(run["init"], []).append(run)
    return out


def curves_figure(runs, path) -> Path:
    """Training MSE (log scale) and test accuracy per logged epoch: per init the mean over
    its seeds as a line and the seeds' min–max as a band."""
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    for init, mine in _by_init(runs).items():
        epochs = np.asarray(mine[0]["history"]["epoch"]) + 1
        for ax, key, scale in ((left, "mse", 1.0), (right, "test_accuracy", 100.0)):
            values = np.array([r["history"][key] for r in mine], dtype=float) * scale
            label = f"{init} ({len(mine)} seed{'s' if len(mine) > 1 else ''})"
            ax.plot(epochs, values.mean(axis=0), color=_color(init), linewidth=2, label=label)
            if len(mine) > 1:
                ax.fill_between(
                    epochs, values.min(axis=0), values.max(axis=0), color=_color(init), alpha=0.15
                )
    left.set(yscale="log", xlabel="Epoch", ylabel="Training MSE", title="Training MSE")
    right.set(xlabel="Epoch", ylabel="Test accuracy (%)", title="Test accuracy")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
    right.legend(title="init (line: mean, band: min–max)", loc="lower right")
    fig.suptitle("The chapter's network from each initialisation (same data, order and seeds)")
    return save_figure(fig, path, dpi=_DPI)


def accuracy_figure(runs, summary: dict, path) -> Path:
    """The final test accuracy of every seed (dots) and per init its mean ± std."""
    groups = _by_init(runs)
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for i, (init, mine) in enumerate(groups.items()):
        acc = np.array([r["test_accuracy"] for r in mine]) * 100
        jitter = np.linspace(-0.12, 0.12, len(acc)) if len(acc) > 1 else np.zeros(1)
        ax.plot(i + jitter, acc, "o", color=_color(init), alpha=0.6, markersize=6)
        s = summary[init]
        ax.errorbar(
            i + 0.3,
            s["mean"] * 100,
            yerr=s["std"] * 100,
            fmt="_",
            color="black",
            markersize=18,
            capsize=4,
            linewidth=1.5,
        )
        ax.annotate(
            f"{s['mean']:.1%}\n± {s['std']:.1%}",
            (i + 0.36, s["mean"] * 100),
            fontsize=8,
            va="center",
        )
    ax.set_xticks(range(len(groups)), list(groups))
    ax.set_xlim(-0.5, len(groups) - 0.2)
    ax.set(ylabel="Final test accuracy (%)", xlabel="Initialisation")
    ax.set_title("Final test accuracy per initialisation: every seed, and mean ± std")
    ax.grid(True, axis="y", alpha=0.3)
    return save_figure(fig, path, dpi=_DPI)


def signal_figure(runs, path) -> Path:
    """One panel per init: mean |δ| of every layer (mean over its seeds) against the epochs
    completed, log scale. Zeros cannot be drawn on a log scale; a panel says when a layer's
    δ was exactly 0."""
    groups = _by_init(runs)
    fig = Figure(figsize=(3.2 * len(groups) + 1, 4), layout="constrained")
    axes = fig.subplots(1, len(groups), sharey=True, squeeze=False)[0]
    for ax, (init, mine) in zip(axes, groups.items()):
        epochs = np.asarray(mine[0]["signal"]["epoch"])
        delta = np.mean([r["signal"]["mean_abs_delta"] for r in mine], axis=0)  # (T, layers)
        n_layers = delta.shape[1]
        for layer in range(n_layers):
            values = np.where(delta[:, layer] > 0, delta[:, layer], np.nan)
            name = "output" if layer == n_layers - 1 else f"hidden {layer + 1}"
            ax.plot(epochs, values, marker=".", label=f"layer {layer + 1} ({name})")
        zero = [layer + 1 for layer in range(n_layers) if delta[0, layer] == 0]
        title = init
        if zero:
            title += f"\n(layer{'s' if len(zero) > 1 else ''} {', '.join(map(str, zero))}: "
            title += "δ = 0 before\ntraining, not drawn on a log scale)"
        ax.set(yscale="log", xlabel="Epochs completed")
        ax.set_title(title, fontsize=9 if zero else None)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("mean |δ| over the training set")
    axes[-1].legend(fontsize=8, loc="lower right")
    fig.suptitle(
        "The error signal per layer over the first epochs: mean |δ| over the training set "
        "(mean over the seeds)"
    )
    return save_figure(fig, path, dpi=_DPI)


def symmetry_figure(runs, path, inits=("chapter", "zeros")) -> Path:
    """The trained hidden layers of the first seed of each of ``inits`` (those present) as
    images: one column per neuron (its incoming weights, then its bias, as the rows). A layer
    whose neurons are identical shows rows of one colour each."""
    first: dict[str, dict] = {}
    for run in runs:
        first.setdefault(run["init"], run)
    shown = [i for i in inits if i in first] or list(first)[:2]
    n_layers = len(first[shown[0]]["hidden_weights"])
    fig = Figure(figsize=(3.6 * n_layers + 1, 2.9 * len(shown) + 0.6), layout="constrained")
    axes = fig.subplots(len(shown), n_layers, squeeze=False)
    for row, init in zip(axes, shown):
        run = first[init]
        for layer, ax in enumerate(row):
            block = np.asarray(run["hidden_weights"][layer])
            limit = float(np.max(np.abs(block))) or 1.0
            image = ax.imshow(
                block,
                aspect="auto",
                cmap="coolwarm",
                vmin=-limit,
                vmax=limit,
                interpolation="nearest",
            )
            spread = run["symmetry"][layer]
            ax.set_title(
                f"{init}, hidden layer {layer + 1}\nspread between neurons {spread:.1e}",
                fontsize=9,
            )
            ax.set_xlabel("neuron")
            ax.set_ylabel("input (last row: bias)", fontsize=8)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle(
        "Trained hidden weights (seed "
        f"{first[shown[0]]['seed']}): from zeros every neuron of a layer is the same"
    )
    return save_figure(fig, path, dpi=_DPI)


def write_all(result, path_for) -> list[Path]:
    """The four figures, ``path_for(name)`` giving each file's path."""
    runs, summary = result.runs, result.summary
    return [
        curves_figure(runs, path_for(FILENAMES["curves"])),
        accuracy_figure(runs, summary, path_for(FILENAMES["accuracy"])),
        signal_figure(runs, path_for(FILENAMES["signal"])),
        symmetry_figure(runs, path_for(FILENAMES["symmetry"])),
    ]
