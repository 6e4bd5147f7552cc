"""Figures of training dynamics: the decision boundary as an animated GIF, gradient norms."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from deltagrad._files import atomic_path
from deltagrad.figures import save_figure
from deltagrad.figures.moons import _CMAP, _class_colours  # the other moons figures' colours

if TYPE_CHECKING:
    from matplotlib.contour import QuadContourSet

_LEVELS = np.linspace(0, 1, 21)
_ALPHA = 0.75


class _BoundaryFrames:
    """One figure, updated per snapshot: the predicted probability of class 1 (in the colours
    of every other moons figure: class 0 red, class 1 blue), its 0.5 line, the data, a legend,
    the epoch and test accuracy, and below it the test accuracy over the whole run so far.
    The layout is computed once and everything that does not change is drawn once (the
    axes, ticks, legend, colour bar); each frame redraws only the map, the points over it, the
    0.5 line, the title and the accuracy curve onto that background (blitting)."""

    def __init__(self, evolution: dict, X, y, dpi: int = 80):
        self.ev = evolution
        X, y = np.asarray(X), np.asarray(y)
        self.total = int(evolution.get("total_epochs") or evolution["epochs"][-1] + 1)
        xx, yy = evolution["xx"], evolution["yy"]
        fig = self.fig = Figure(figsize=(6.4, 6.4), dpi=dpi, layout="constrained")
        ax, strip = self.ax, self.strip = fig.subplots(2, 1, height_ratios=[4.2, 1])
        norm = BoundaryNorm(_LEVELS, colormaps[_CMAP].N)
        extent = (xx.min(), xx.max(), yy.min(), yy.max())
        self.fill: QuadContourSet | None = None
        self.line: QuadContourSet | None = None
        colours = _class_colours(int(y.max()) + 1)
        self.points = [
            ax.scatter(
                X[y == c, 0],
                X[y == c, 1],
                s=9,
                color=colours[c],
                edgecolors="black",
                linewidths=0.25,
                label=f"class {c}",
            )
            for c in np.unique(y)
        ]
        ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$")
        handles, _ = ax.get_legend_handles_labels()
        handles.append(
            Line2D([], [], color="black", linewidth=1.5, label="decision boundary (p = 0.5)")
        )
        ax.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=3,
            fontsize=9,
            markerscale=2,
            frameon=False,
            borderaxespad=0.2,
        )
        fig.colorbar(
            ScalarMappable(norm=norm, cmap=_CMAP),
            ax=ax,
            alpha=_ALPHA,
            label="Predicted probability of class 1",
            ticks=_LEVELS[::4],
        )
        self.title = fig.suptitle(
            f"After epoch {self.total} of {self.total}: test accuracy 100.0%"
        )  # the longest, for the layout
        acc = 100 * np.asarray(evolution["test_accuracy"], dtype=float)
        self.done = np.asarray(evolution["epochs"]) + 1
        (self.curve,) = strip.plot([], [], color="tab:blue")
        (self.dot,) = strip.plot([], [], "o", color="tab:blue")
        strip.set(
            xlim=(0, self.total),
            ylim=(max(0.0, acc.min() - 5), 100),
            xlabel="Epoch",
            ylabel="Test acc. (%)",
        )
        strip.grid(True, alpha=0.3)
        self.acc = acc
        self.canvas = FigureCanvasAgg(fig)
        self.canvas.draw()  # lay out once, with the longest title ...
        fig.set_layout_engine("none")  # ... then keep it: every frame the same layout
        for artist in [*self.points, self.title, self.curve, self.dot]:
            artist.set_animated(True)
        self.canvas.draw()  # everything but the moving parts
        self.background = self.canvas.copy_from_bbox(fig.bbox)

    def draw(self, i: int) -> Figure:
        ev = self.ev
        p, epoch = ev["proba"][i], ev["epochs"][i]
        for old in (self.fill, self.line):
            if old is not None:
                old.remove()
        self.fill = self.ax.contourf(
            ev["xx"], ev["yy"], p, levels=_LEVELS, cmap=_CMAP, alpha=_ALPHA
        )
        self.fill.set_animated(True)
        self.line = None
        if p.min() < 0.5 < p.max():
            self.line = self.ax.contour(
                ev["xx"], ev["yy"], p, levels=[0.5], colors="black", linewidths=1.5
            )
            self.line.set_animated(True)
        self.title.set_text(
            f"After epoch {epoch + 1} of {self.total}: test accuracy {self.acc[i]:.1f}%"
        )
        self.curve.set_data(self.done[: i + 1], self.acc[: i + 1])
        self.dot.set_data([self.done[i]], [self.acc[i]])
        return self.fig

    def image_at(self, i: int):
        """Frame ``i`` as a PIL image: the background, then the moving parts in order."""
        from PIL import Image

        self.draw(i)
        self.canvas.restore_region(self.background)
        for artist in [
            self.fill,
            *self.points,
            *([self.line] if self.line else []),
            self.title,
            self.curve,
            self.dot,
        ]:
            self.fig.draw_artist(artist)
        return Image.fromarray(np.asarray(self.canvas.buffer_rgba())[..., :3].copy())


def boundary_frame(evolution: dict, X, y, i: int = -1) -> Figure:
    """Frame ``i`` of the decision-boundary animation as a ``Figure``."""
    frames = _BoundaryFrames(evolution, X, y)
    return frames.draw(range(len(evolution["epochs"]))[i])


def boundary_gif(evolution: dict, X, y, path, fps: int = 6, hold: float = 2.5) -> Path:
    """Animate the predicted probability of class 1 over the snapshots of ``evolution``
    (:class:`deltagrad.experiments.dynamics.BoundarySnapshots`), one frame per snapshot,
    ``fps`` frames a second, the last frame held ``hold`` seconds; loops forever."""
    from PIL import Image

    frames = _BoundaryFrames(evolution, X, y)
    n = len(evolution["epochs"])
    images = [frames.image_at(i) for i in range(n)]
    # one palette for every frame, from the first, middle and last (all colours they use)
    sample = [images[0], images[n // 2], images[-1]]
    strip = Image.new("RGB", (images[0].width, images[0].height * len(sample)))
    for k, im in enumerate(sample):
        strip.paste(im, (0, k * im.height))
    palette = strip.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    images = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    durations = [round(1000 / fps)] * (n - 1) + [round(1000 * hold)]
    with atomic_path(path) as tmp:
        images[0].save(
            tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0
        )
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
    return save_figure(fig, path, dpi=90)
