"""Figures of training dynamics: the decision boundary as an animated GIF, gradient norms."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.figure import Figure

from deltagrad._files import atomic_path
from deltagrad.figures import save_figure

_CMAP = "RdBu_r"


def boundary_gif(evolution: dict, X, y, path, fps: int = 6) -> Path:
    """Animate the predicted probability of class 1 (filled contours, the 0.5 line, the points)."""
    xx, yy = evolution["xx"], evolution["yy"]
    fig = Figure(figsize=(5, 4), dpi=80, layout="constrained")
    ax = fig.add_subplot()

    def draw(i):
        ax.clear()
        p = evolution["proba"][i]
        ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap=_CMAP, alpha=0.8)
        ax.contour(xx, yy, p, levels=[0.5], colors="black", linewidths=1.2)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap=_CMAP, s=5, edgecolors="none")
        ax.set(xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()), xlabel="$x_1$", ylabel="$x_2$",
               title=f"Epoch {evolution['epochs'][i] + 1}: test accuracy "
                     f"{evolution['test_accuracy'][i]:.1%}")
        return []

    anim = FuncAnimation(fig, draw, frames=len(evolution["epochs"]), blit=False)
    with atomic_path(path) as tmp:
        anim.save(tmp, writer=PillowWriter(fps=fps))
    return Path(path)


def gradient_norms_figure(norms: dict, path) -> Path:
    """One panel per activation: ‖∂L/∂W‖ of every layer against the epoch, log scale."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, len(norms), sharey=True, squeeze=False)[0]
    for ax, (activation, data) in zip(axes, norms.items()):
        epochs = np.asarray(data["epoch"]) + 1
        for layer in range(data["norms"].shape[1]):
            ax.plot(epochs, data["norms"][:, layer], label=f"layer {layer + 1}")
        ax.set(yscale="log", xlabel="Epoch", title=f"{activation} network")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("Gradient norm ‖∂L/∂W‖ (full training batch)")
    axes[-1].legend(title="layer (1 = nearest the input)")
    fig.suptitle("Per-layer gradient norms during training")
    save_figure(fig, path, dpi=90)
    return Path(path)
