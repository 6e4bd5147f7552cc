"""Himmelblau's function (chapter 7.8): descent and ascent through the tape, its nine critical
points from nested tapes, and the basin-of-attraction map of gradient descent.

Everything here returns plain data (dataclasses, dicts, NumPy arrays); nothing prints or plots.
Long loops take an optional ``progress(k)`` callable, called as each k steps are done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import deltagrad as dg

# The chapter's four starts (Table 7-1), in its order.
CHAPTER_STARTS: tuple[tuple[float, float], ...] = ((4.0, 0.0), (1.0, 0.0), (-4.0, 0.0), (-2.0, 2.0))

# The longest step gradient ascent may take: Himmelblau's f grows like |θ|⁴, so unbounded ascent
# overflows within a few steps; with the step bounded it climbs at most this far per step.
ASCENT_MAX_STEP = 0.1

# Basin labels beyond the minima's indices 0..3.
UNCONVERGED = -1  # finite and inside the far bound, but not within the tolerance of a minimum
DIVERGED = -2  # non-finite, or farther than the far bound from the origin

KINDS = ("minimum", "maximum", "saddle")


def himmelblau(x):
    """f(x, y) = (x² + y − 11)² + (x + y² − 7)², written with deltagrad ops.

    ``x`` has shape (2,) for one point or (2, N) for N points at once (one row per coordinate);
    the result has shape () or (N,). Plain arrays give plain arrays, tensors give tensors.
    """
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def surface(lo: float = -6.0, hi: float = 6.0, step: float = 0.1) -> dict:
    """f on the chapter's grid x, y ∈ [lo, hi) with spacing ``step``: ``x``, ``y`` (axes) and
    ``X``, ``Y``, ``Z`` (meshgrids, Z[i, j] = f(x[j], y[i]))."""
    xs = np.arange(lo, hi, step)
    ys = np.arange(lo, hi, step)
    X, Y = np.meshgrid(xs, ys)
    return {"x": xs, "y": ys, "X": X, "Y": Y, "Z": himmelblau(np.stack([X, Y]))}


@dataclass(frozen=True)
class Run:
    """One descent (or ascent) from ``start``.

    ``trajectory[k]`` is the point after k steps (``trajectory[0]`` is the start) and ``f[k]`` is
    f at that point, so ``f[k]`` is never stale. ``bounded`` counts the steps that were shortened
    to ``max_step``. ``status`` is "finished", or "diverged" when a step left the finite numbers
    (the run then stops and the trajectory ends at the last finite point).
    """

    start: tuple[float, float]
    lr: float
    steps: int
    dtype: str
    ascent: bool
    max_step: float | None
    trajectory: np.ndarray  # (steps_taken + 1, 2)
    f: np.ndarray  # (steps_taken + 1,)
    bounded: int
    status: str

    @property
    def final(self) -> np.ndarray:
        return self.trajectory[-1]

    @property
    def final_f(self) -> float:
        return float(self.f[-1])

    @property
    def steps_taken(self) -> int:
        return len(self.trajectory) - 1

    def to_dict(self) -> dict:
        return {
            "start": list(self.start),
            "lr": self.lr,
            "steps": self.steps,
            "steps_taken": self.steps_taken,
            "dtype": self.dtype,
            "ascent": self.ascent,
            "max_step": self.max_step,
            "status": self.status,
            "bounded_steps": self.bounded,
            "final": self.final.tolist(),
            "f": self.final_f,
            "trajectory": self.trajectory.tolist(),
            "f_trajectory": self.f.tolist(),
        }


def _bounded(g, lr, max_step):
    """The gradient scaled so that the step lr·|g| is at most ``max_step`` (per column)."""
    if max_step is None:
        return g, 0
    norm = np.sqrt(np.sum(np.square(g.astype(np.float64)), axis=0))
    scale = np.minimum(1.0, max_step / np.maximum(lr * norm, np.finfo(np.float64).tiny))
    return (g * scale).astype(g.dtype), int(np.count_nonzero(scale < 1.0))


def descend(
    start,
    lr: float = 0.01,
    steps: int = 200,
    dtype="float32",
    ascent: bool = False,
    max_step: float | None = None,
    progress=None,
) -> Run:
    """Gradient descent θ ← θ − lr·∇f (or ascent θ ← θ + lr·∇f) on Himmelblau's function.

    Each step records f on a :class:`~deltagrad.GradientTape`, takes ``tape.gradient`` and lets
    ``dg.optim.SGD(lr, maximize=ascent)`` update a ``dg.Variable`` of ``dtype``. For ascent a step
    longer than ``max_step`` (default :data:`ASCENT_MAX_STEP`) is shortened to that length, so the
    climb is at most linear and stays finite; descent is unbounded unless ``max_step`` is given.
    ``progress(1)`` is called after every step.
    """
    if ascent and max_step is None:
        max_step = ASCENT_MAX_STEP
    dtype = np.dtype(dtype)
    v = dg.Variable(np.array(start, dtype=dtype))
    opt = dg.optim.SGD(lr, maximize=ascent)
    points, values, bounded, status = [v.numpy().copy()], [], 0, "finished"
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported, not warned
        for _ in range(steps):
            with dg.GradientTape() as tape:
                y = himmelblau(v)
            g, cut = _bounded(tape.gradient(y, v).numpy(), lr, max_step)
            values.append(y.numpy())
            bounded += cut
            opt.apply_gradients([(g, v)])
            if progress is not None:
                progress(1)
            if not np.all(np.isfinite(v.numpy())):
                status = "diverged"
                break
            points.append(v.numpy().copy())
        if status == "finished":
            values.append(himmelblau(v.numpy()))
    return Run(
        start=(float(start[0]), float(start[1])),
        lr=float(lr),
        steps=int(steps),
        dtype=dtype.name,
        ascent=bool(ascent),
        max_step=max_step,
        trajectory=np.array(points),
        f=np.array(values, dtype=dtype),
        bounded=bounded,
        status=status,
    )


# --- critical points: Newton's method with the gradient and Hessian from nested tapes -------


def gradient_and_hessian(points):
    """∇f and the Hessian of f at ``points`` (2, N), from two nested tapes, in one pass.

    Returns ``g`` of shape (2, N) and ``H`` of shape (N, 2, 2). The points are independent, so
    the gradient of Σf gives every point's gradient, and the gradient of Σ∂f/∂x_i gives row i of
    every point's Hessian.
    """
    x = dg.constant(np.asarray(points, dtype=np.float64))
    with dg.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with dg.GradientTape() as inner:
            inner.watch(x)
            y = himmelblau(x)
        g = inner.gradient(y, x)
        g0, g1 = g[0], g[1]
    rows = [outer.gradient(g0, x).numpy(), outer.gradient(g1, x).numpy()]  # each (2, N)
    return g.numpy(), np.stack(rows).transpose(2, 0, 1)


@dataclass(frozen=True)
class CriticalPoint:
    """A point where ∇f = 0, with f there, the Hessian's eigenvalues and the kind they imply."""

    point: np.ndarray  # (2,)
    f: float
    eigenvalues: np.ndarray  # (2,), ascending
    kind: str  # "minimum", "maximum" or "saddle"

    def to_dict(self) -> dict:
        return {
            "point": self.point.tolist(),
            "f": self.f,
            "kind": self.kind,
            "eigenvalues": self.eigenvalues.tolist(),
        }


def classify(eigenvalues) -> str:
    """The kind of a non-degenerate critical point from its Hessian's eigenvalues."""
    lo, hi = float(np.min(eigenvalues)), float(np.max(eigenvalues))
    if lo > 0:
        return "minimum"
    if hi < 0:
        return "maximum"
    if lo < 0 < hi:
        return "saddle"
    raise ValueError(f"degenerate critical point: Hessian eigenvalues {eigenvalues}")


def newton(points, iterations: int = 50):
    """Newton's method for ∇f = 0 from each column of ``points`` (2, N), all at once.

    Returns the final points (2, N) and the gradient norm there (N,); a start whose Hessian is
    singular, or that runs off to non-finite values, is left with a non-finite norm.
    """
    x = np.array(points, dtype=np.float64)
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            g, H = gradient_and_hessian(x)
            ok = np.isfinite(g).all(axis=0) & np.isfinite(H).all(axis=(1, 2))
            ok &= np.abs(np.linalg.det(np.where(ok[:, None, None], H, 1.0))) > 1e-12
            step = np.zeros_like(x)
            step[:, ok] = np.linalg.solve(H[ok], g[:, ok].T[..., None])[..., 0].T
            x = np.where(ok, x - step, np.nan)
        g, _ = gradient_and_hessian(x)
    return x, np.sqrt(np.sum(g * g, axis=0))


def _angle(p):
    return math.atan2(p[1], p[0]) % (2 * math.pi)


def critical_points(grid: int = 21, lim: float = 6.0, tol: float = 1e-6) -> list[CriticalPoint]:
    """All critical points of Himmelblau's function, found by Newton's method and classified.

    Newton starts from a ``grid`` × ``grid`` grid over [−lim, lim]²; converged points (gradient
    norm < 1e-8) within ``tol`` of each other are one point. Each is classified by the eigenvalues
    of the Hessian from nested tapes. Sorted minima, maxima, saddles, each counter-clockwise from
    the positive x axis (the order chapter 7.8 lists them in).
    """
    axis = np.linspace(-lim, lim, grid)
    X, Y = np.meshgrid(axis, axis)
    x, gnorm = newton(np.stack([X.ravel(), Y.ravel()]))
    found: list[np.ndarray] = []
    for p in x[:, np.isfinite(gnorm) & (gnorm < 1e-8)].T:
        if all(np.max(np.abs(p - q)) > tol for q in found):
            found.append(p)
    if not found:
        return []
    _, H = gradient_and_hessian(np.stack(found, axis=1))
    out = []
    for p, h in zip(found, H):
        eig = np.linalg.eigvalsh(h)
        out.append(
            CriticalPoint(point=p, f=float(himmelblau(p)), eigenvalues=eig, kind=classify(eig))
        )
    return sorted(out, key=lambda c: (KINDS.index(c.kind), _angle(c.point)))


def minima(points: list[CriticalPoint] | None = None) -> np.ndarray:
    """The minima, shape (k, 2), in :func:`critical_points` order."""
    points = critical_points() if points is None else points
    return np.array([c.point for c in points if c.kind == "minimum"])


def stability(points: list[CriticalPoint], lrs) -> list[dict]:
    """Whether gradient descent with each learning rate in ``lrs`` can settle at each minimum.

    Near a minimum one step maps the offset e to (I − η·H)e: along the Hessian's eigenvector of
    eigenvalue λ it is multiplied by 1 − η·λ, so descent converges there when η·λ < 2 for every
    eigenvalue and is pushed away (oscillating, growing) when η·λmax > 2, i.e. η > 2/λmax. One
    row per minimum of ``points``: ``point``, ``eigenvalues`` (ascending), ``limit`` (2/λmax),
    ``products`` ({η: η·λmax}) and ``stable`` ({η: η·λmax < 2}).
    """
    rows = []
    for c in points:
        if c.kind != "minimum":
            continue
        top = float(np.max(c.eigenvalues))
        products = {lr: lr * top for lr in lrs}
        rows.append(
            {
                "point": [float(v) for v in c.point],
                "eigenvalues": [float(v) for v in c.eigenvalues],
                "limit": 2.0 / top,
                "products": products,
                "stable": {lr: p < 2.0 for lr, p in products.items()},
            }
        )
    return rows


def stability_text(rows: list[dict], lrs) -> str:
    """One paragraph from :func:`stability`'s rows: the rule and what it says for ``lrs``."""
    lost = {lr: [r for r in rows if not r["stable"][lr]] for lr in lrs}
    parts = [
        "Near a minimum one descent step multiplies the offset along each eigenvector of the "
        "Hessian by 1 − η·λ, so descent settles there only if η·λ < 2 for both eigenvalues; "
        "with η·λmax > 2 it overshoots further at every step and is thrown out."
    ]
    for lr in lrs:
        if lost[lr]:
            named = " and ".join(
                f"({r['point'][0]:.2f}, {r['point'][1]:.2f}) (λmax {max(r['eigenvalues']):.1f}, "
                f"η·λmax = {r['products'][lr]:.2f})"
                for r in lost[lr]
            )
            parts.append(
                f"At η = {lr:g}, {len(lost[lr])} of the {len(rows)} minima repel: {named}."
            )
        else:
            worst = max(r["products"][lr] for r in rows)
            parts.append(f"At η = {lr:g} every minimum attracts (η·λmax at most {worst:.2f}).")
    return " ".join(parts)


# --- Table 7-1 ----------------------------------------------------------------------------


def table_7_1(runs, minima_points=None) -> list[dict]:
    """Table 7-1: for each run its start, numerical solution, nearest minimum and the distance.

    ``minima_points`` (k, 2) defaults to the minima found by :func:`critical_points`.
    """
    mins = minima() if minima_points is None else np.asarray(minima_points, dtype=np.float64)
    rows = []
    for run in runs:
        final = np.asarray(run.final, dtype=np.float64)
        dist = np.sqrt(np.sum((mins - final) ** 2, axis=1))
        i = int(np.argmin(dist))
        rows.append(
            {
                "start": list(run.start),
                "solution": final.tolist(),
                "f": run.final_f,
                "nearest_minimum": mins[i].tolist(),
                "minimum_index": i,
                "distance": float(dist[i]),
                "status": run.status,
            }
        )
    return rows


# --- basins of attraction: every start of a grid descended at once -------------------------


def descend_many(starts, lr: float, steps: int, dtype="float32", progress=None):
    """Gradient descent from every column of ``starts`` (2, N) at once, as one (2, N) Variable.

    The starts are independent, so the gradient of Σf is every start's own gradient; one tape
    per step serves all of them. Overflow is expected where descent diverges and is not warned
    about: those columns end non-finite. Returns the final points (2, N). ``progress(1)`` is
    called after every step.
    """
    v = dg.Variable(np.array(starts, dtype=dtype))
    opt = dg.optim.SGD(lr)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            with dg.GradientTape() as tape:
                y = himmelblau(v)
            opt.apply_gradients([(tape.gradient(y, v), v)])
            if progress is not None:
                progress(1)
    return v.numpy().copy()


def label(points, minima_points, tol: float = 1e-2, far: float = 1e3):
    """The index of the minimum within ``tol`` of each column of ``points`` (2, N).

    A point that is non-finite or farther than ``far`` from the origin is :data:`DIVERGED`; any
    other point not within ``tol`` of a minimum is :data:`UNCONVERGED`.
    """
    p = np.asarray(points, dtype=np.float64)
    mins = np.asarray(minima_points, dtype=np.float64)
    with np.errstate(all="ignore"):
        dist = np.sqrt(((p.T[:, None, :] - mins[None, :, :]) ** 2).sum(axis=2))  # (N, k)
        nearest = np.argmin(np.where(np.isfinite(dist), dist, np.inf), axis=1)
        close = np.take_along_axis(dist, nearest[:, None], axis=1)[:, 0] < tol
        gone = ~np.isfinite(p).all(axis=0) | (np.sqrt((p * p).sum(axis=0)) > far)
    return np.where(gone, DIVERGED, np.where(close, nearest, UNCONVERGED)).astype(np.int64)


BASIN_CHUNK = 1 << 20
"""Starts descended together in one vectorised pass of :func:`basins` (about 100 MB of
temporaries); a larger grid is descended chunk by chunk, with the same results."""


def basin_chunks(n: int, n_marks: int = len(CHAPTER_STARTS), chunk: int = BASIN_CHUNK) -> int:
    """How many vectorised passes :func:`basins` makes for an ``n`` × ``n`` grid."""
    return max(1, -(-(n * n + n_marks) // chunk))


def basins(
    lr: float = 0.01,
    steps: int = 200,
    n: int = 400,
    lim: float = 6.0,
    dtype="float32",
    marks=CHAPTER_STARTS,
    minima_points=None,
    tol: float = 1e-2,
    chunk: int = BASIN_CHUNK,
    progress=None,
) -> dict:
    """The basin-of-attraction map: which minimum descent reaches from each start of a grid.

    The ``n`` × ``n`` grid over [−lim, lim]² and the ``marks`` (the chapter's starts) descend
    together in vectorised passes of at most ``chunk`` starts (:func:`descend_many`; one pass
    for the default 400 × 400 grid); the starts are independent, so the chunking changes no
    result. Returns a dict with the grid axis ``axis`` (n,), ``labels`` (n, n) indexed
    [row = y, column = x] (a minimum's index, :data:`UNCONVERGED` or :data:`DIVERGED`),
    ``marks`` and ``mark_labels``, the ``minima``, and ``counts`` of each label.
    ``progress(1)`` is called after every step of every pass
    (``steps * basin_chunks(n, len(marks), chunk)`` calls).
    """
    mins = minima() if minima_points is None else np.asarray(minima_points, dtype=np.float64)
    axis = np.linspace(-lim, lim, n)
    marks = np.array(marks, dtype=np.float64).reshape(-1, 2)
    total = n * n + len(marks)
    labels = np.empty(total, dtype=np.int64)
    for lo in range(0, total, chunk):
        index = np.arange(lo, min(lo + chunk, total))
        on_grid = index[index < n * n]
        starts = np.concatenate(
            [
                np.stack([axis[on_grid % n], axis[on_grid // n]]),
                marks[index[index >= n * n] - n * n].T,
            ],
            axis=1,
        )
        labels[index] = label(descend_many(starts, lr, steps, dtype, progress), mins, tol=tol)
    grid_labels = labels[: n * n].reshape(n, n)
    names = {DIVERGED: "diverged", UNCONVERGED: "unconverged"}
    counts = {
        names.get(k, f"minimum {k}"): int(np.count_nonzero(grid_labels == k))
        for k in [*range(len(mins)), UNCONVERGED, DIVERGED]
    }
    return {
        "lr": float(lr),
        "steps": int(steps),
        "n": int(n),
        "lim": float(lim),
        "dtype": np.dtype(dtype).name,
        "tol": float(tol),
        "axis": axis,
        "labels": grid_labels,
        "marks": marks,
        "mark_labels": labels[n * n :],
        "minima": mins,
        "counts": counts,
    }
