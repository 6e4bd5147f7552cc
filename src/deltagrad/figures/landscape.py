"""The loss landscape of the trained network (``deltagrad landscape``), drawn from
:func:`deltagrad.experiments.landscape.run`'s result in the style of the chapter's Figures
7-11 (surface, elevation 60°, azimuth −30°) and 7-12 (contours, log-spaced levels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from deltagrad.figures import save_figure

FILENAMES = {
    "contour": "landscape_contour.png",
    "surface": "landscape_surface.png",
    "pca": "landscape_pca.png",
    "interpolation": "landscape_interpolation.png",
}
_DPI = 110


def _levels(Z, n: int = 24) -> np.ndarray:
    lo, hi = float(np.min(Z)), float(np.max(Z))
    if hi <= lo * (1 + 1e-9):
        hi = lo * 1.01 + 1e-12
    return np.geomspace(max(lo, 1e-12), hi, n)


def _contour(fig, ax, alphas, betas, Z, label: str):
    levels = _levels(Z)
    filled = ax.contourf(alphas, betas, Z, levels=levels, norm=LogNorm(), cmap="viridis")
    ax.contour(
        alphas, betas, Z, levels=levels, norm=LogNorm(), colors="white", linewidths=0.4, alpha=0.6
    )
    fig.colorbar(filled, ax=ax, label=label, format="%.3g")


def contour_figure(result, path) -> Path:
    """Contours of the training loss on the random filter-normalised plane, the trained
    weights at the centre."""
    rp, m = result.random_plane, result.metrics
    fig = Figure(figsize=(7.5, 6.3), layout="constrained")
    ax = fig.add_subplot()
    _contour(fig, ax, rp["alphas"], rp["betas"], rp["Z"], f"{_loss_name(result)}, log scale")
    ax.plot(
        0,
        0,
        "*",
        color="gold",
        markeredgecolor="black",
        markersize=16,
        label=f"trained weights θ*, loss {rp['centre_loss']:.4g}",
    )
    ax.set(xlabel="α (direction 1)", ylabel="β (direction 2)", aspect="equal")
    ax.legend(loc="upper right", fontsize=9)
    ax.set_title(
        f"L(θ* + α·d1 + β·d2): random directions, normalised filter by filter\n"
        f"(directions' seed {m['directions_seed']}, {result.config.steps} × "
        f"{result.config.steps} grid)",
        fontsize=10,
    )
    return save_figure(fig, path, dpi=_DPI)


def surface_figure(result, path) -> Path:
    """The random plane's loss as a 3-D surface, viewed as the chapter's Figure 7-11."""
    rp = result.random_plane
    aa, bb = np.meshgrid(rp["alphas"], rp["betas"])
    fig = Figure(figsize=(8, 6.5))
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(aa, bb, rp["Z"], cmap="viridis", linewidth=0, antialiased=True)
    ax.view_init(elev=60, azim=-30)
    ax.set_xlabel("α")
    ax.set_ylabel("β")
    ax.set_zlabel(_loss_name(result))
    ax.set_title("The loss around the trained weights (random filter-normalised plane)")
    return save_figure(fig, path, dpi=_DPI)


def pca_figure(result, path) -> Path:
    """Contours of the loss on the plane of the trajectory's two principal directions, with
    the training trajectory projected onto it (start, every snapshot, the trained weights)."""
    pp = result.pca_plane
    fig = Figure(figsize=(8.5, 6.3), layout="constrained")
    ax = fig.add_subplot()
    _contour(fig, ax, pp["alphas"], pp["betas"], pp["Z"], f"{_loss_name(result)}, log scale")
    t = pp["trajectory"]
    ax.plot(t[:, 0], t[:, 1], "-", color="red", linewidth=1.8, label="training trajectory")
    ax.plot(
        t[:, 0],
        t[:, 1],
        ".",
        color="white",
        markeredgecolor="black",
        markersize=5,
        markeredgewidth=0.4,
        label=f"weights every {result.config.snapshot_every} epochs",
    )
    for i in _labelled(pp["epochs"]):
        ax.annotate(
            f"epoch {pp['epochs'][i]}",
            (t[i, 0], t[i, 1]),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=8,
            color="white",
        )
    ax.plot(
        t[0, 0],
        t[0, 1],
        "o",
        color="white",
        markeredgecolor="black",
        markersize=10,
        label=f"initial weights (loss {pp['trajectory_loss'][0]:.3g})",
    )
    ax.plot(
        0,
        0,
        "*",
        color="gold",
        markeredgecolor="black",
        markersize=16,
        label=f"trained weights (loss {pp['trajectory_loss'][-1]:.3g})",
    )
    e1, e2 = pp["explained"]
    ax.set(xlabel=f"1st principal direction ({e1:.1%})", ylabel=f"2nd ({e2:.1%})")
    ax.legend(loc="best", fontsize=9)
    ax.set_title(
        f"The training trajectory ({len(t)} snapshots) on the plane of its two principal "
        "directions,\nand the loss on that plane",
        fontsize=10,
    )
    return save_figure(fig, path, dpi=_DPI)


def _labelled(epochs) -> list[int]:
    """Indices of a few snapshots to label: the first at or after 10, 30, 100, 300, ...
    epochs, short of the last."""
    epochs = list(epochs)
    out = []
    for mark in (10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000):
        i = next((k for k, e in enumerate(epochs) if e >= mark), None)
        if i is not None and 0 < i < len(epochs) - 1 and i not in out:
            out.append(i)
    return out


def interpolation_figure(result, path) -> Path:
    """The loss along the straight line from the initial (t = 0) to the trained (t = 1)
    weights, a little beyond both."""
    it = result.interpolation
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(it["t"], it["loss"], color="tab:blue", linewidth=2)
    for t, name in ((0.0, "initial weights"), (1.0, "trained weights")):
        ax.axvline(t, color="gray", linestyle="--", linewidth=1)
        ax.annotate(
            name,
            (t, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -14),
            textcoords="offset points",
            fontsize=9,
        )
    ax.set(yscale="log", xlabel="t in (1 − t)·θ_0 + t·θ*", ylabel=_loss_name(result))
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title("The loss on the straight line from the initial to the trained weights")
    return save_figure(fig, path, dpi=_DPI)


def _loss_name(result) -> str:
    return "training MSE" if result.network.loss == "mse" else "training cross-entropy"


def write_all(result, path_for) -> list[Path]:
    """The figures the result has data for, ``path_for(name)`` giving each file's path."""
    paths = [
        contour_figure(result, path_for(FILENAMES["contour"])),
        surface_figure(result, path_for(FILENAMES["surface"])),
    ]
    if result.pca_plane is not None:
        paths.append(pca_figure(result, path_for(FILENAMES["pca"])))
    if result.interpolation is not None:
        paths.append(interpolation_figure(result, path_for(FILENAMES["interpolation"])))
    return paths
