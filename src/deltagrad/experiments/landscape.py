"""The loss landscape of the chapter's trained network (chapter 7.9, seen the way 7.8 shows
Himmelblau's function): the training loss on a 2-D slice of weight space through the trained
weights θ*, L(θ* + α·d1 + β·d2).

* Random plane: d1, d2 are Gaussian directions drawn from their own seed and normalised filter
  by filter (Li et al., "Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018): in
  every layer, the incoming-weight vector of each neuron, a column of W, is scaled to the norm
  of that neuron's trained weights, so α = 1 moves every neuron by as much as its own weights.
  The bias part of the directions is zero (the biases stay at their trained values), as Li et
  al. do.
* PCA plane: the weights saved along training minus the final ones, M = [θ_t − θ*], and their
  two leading principal directions (the first two right singular vectors of M, orthonormal):
  the plane in which training moved most. The trajectory is drawn projected onto it, and the
  slice is evaluated on that same plane.
* The 1-D interpolation L((1 − t)·θ_0 + t·θ*) from the initial weights (t = 0) to the trained
  ones (t = 1), a little beyond both ends.

The loss is the one the moons run logs and Figure 7-15 draws: the training MSE, mean((Y − o)²)
over all entries (for a model trained with softmax cross-entropy, the mean cross-entropy).
Grids are evaluated in batches: many weight vectors go through the network at once, a stack
of matrix products per layer, in chunks of about 16 MiB, one thread per core.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from deltagrad import functional as F
from deltagrad.backprop import NeuralNetwork
from deltagrad.data import one_hot
from deltagrad.experiments import moons

__all__ = [
    "LandscapeConfig",
    "LandscapeResult",
    "flatten",
    "filter_normalised_direction",
    "losses",
    "loss_at",
    "slice_2d",
    "pca_directions",
    "interpolation",
    "run",
    "work",
    "MAX_SPAN",
    "MAX_STEPS",
    "MAX_WORK",
    "MAX_SNAPSHOTS",
]

MAX_SPAN = 10.0
"""Largest |α|, |β| of the random plane: the directions are as long as the trained weights,
so a span of 10 already moves every neuron ten times its own weights' length."""
MAX_STEPS = 401
"""Largest grid side (steps × steps points)."""
MAX_WORK = 1.0e11
"""Largest multiply-adds of one slice ``deltagrad landscape`` accepts: points × training rows ×
weights (about ten times the default 51 × 51 slice of the chapter's network)."""
MAX_SNAPSHOTS = 2000
"""Most weight snapshots kept along training (the trajectory)."""
_CHUNK_FLOATS = 1 << 21  # a chunk's widest layer output (16 MiB of float64), one per core

_ACTIVATIONS = {
    None: lambda z: z,
    "sigmoid": F.sigmoid,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "tanh": F.tanh,
}


@dataclass(frozen=True)
class LandscapeConfig:
    """What to train and slice; the training defaults are the chapter's (``MoonsConfig``)."""

    epochs: int = 1000
    seed: int = 0
    directions_seed: int = 1
    steps: int = 51
    span: float = 1.0
    snapshot_every: int = 10
    interpolation_points: int = 61
    learning_rate: float = 0.01
    hidden: tuple[int, ...] = (25, 50, 25)
    log_every: int = 10

    def check(self) -> LandscapeConfig:
        """Return self, or raise ValueError naming the first bad field and its limit."""
        self.moons_config().check()
        for name in ("steps", "snapshot_every", "interpolation_points"):
            moons.check_positive_int(getattr(self, name), name)
        ds = self.directions_seed
        if isinstance(ds, bool) or not isinstance(ds, int) or ds < 0:
            raise ValueError(f"directions_seed must be an integer >= 0, got {ds!r}")
        if not 3 <= self.steps <= MAX_STEPS:
            raise ValueError(f"steps must be between 3 and {MAX_STEPS}, got {self.steps}")
        if not 2 <= self.interpolation_points <= 10_000:
            raise ValueError(
                f"interpolation_points must be between 2 and 10000, got {self.interpolation_points}"
            )
        if not (isinstance(self.span, (int, float)) and 0 < self.span <= MAX_SPAN):
            raise ValueError(f"span must be a number in (0, {MAX_SPAN:g}], got {self.span!r}")
        snapshots = self.epochs // self.snapshot_every + 2
        if snapshots > MAX_SNAPSHOTS:
            least = -(-self.epochs // (MAX_SNAPSHOTS - 2))
            raise ValueError(
                f"snapshot_every {self.snapshot_every} keeps {snapshots} weight snapshots of "
                f"{self.epochs} epochs, more than {MAX_SNAPSHOTS}; use {least} or more"
            )
        return self

    def moons_config(self) -> moons.MoonsConfig:
        """The training run: the chapter's network from ``seed``."""
        return moons.MoonsConfig(
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            hidden=tuple(self.hidden),
            seed=self.seed,
            log_every=self.log_every,
        )

    def as_dict(self) -> dict:
        return {
            "epochs": self.epochs,
            "seed": self.seed,
            "directions_seed": self.directions_seed,
            "steps": self.steps,
            "span": self.span,
            "snapshot_every": self.snapshot_every,
            "interpolation_points": self.interpolation_points,
            "learning_rate": self.learning_rate,
            "hidden": list(self.hidden),
            "log_every": self.log_every,
        }


# --- weights as one vector --------------------------------------------------------------------


def flatten(network: NeuralNetwork) -> np.ndarray:
    """θ: every layer's W (row-major) then its b, input side first, as one float64 vector."""
    return np.concatenate(
        [a.ravel() for W, b in zip(network.weights, network.biases) for a in (W, b)]
    )


def _blocks(network: NeuralNetwork):
    """``[(n_input, n_neurons, start)]``: where each layer's W begins in θ (b follows it)."""
    out, start = [], 0
    for layer in network.layers:
        out.append((layer.n_input, layer.n_neurons, start))
        start += (layer.n_input + 1) * layer.n_neurons
    return out


def filter_normalised_direction(network: NeuralNetwork, rng) -> np.ndarray:
    """A Gaussian direction in θ-space, normalised filter by filter (Li et al. 2018): each
    neuron's block (its column of a layer's W) gets the norm of that neuron's trained weights;
    the bias entries are 0. ``rng``: a seed or ``numpy.random.Generator``."""
    rng = np.random.default_rng(rng)
    parts = []
    for layer in network.layers:
        W = layer.weights
        d = rng.standard_normal(W.shape)
        norms = np.linalg.norm(d, axis=0)
        d *= np.linalg.norm(W, axis=0) / np.where(norms > 0, norms, 1.0)
        parts += [d.ravel(), np.zeros(layer.n_neurons)]
    return np.concatenate(parts)


# --- the loss of many weight vectors at once ---------------------------------------------------


def losses(network: NeuralNetwork, X, Y, thetas, chunk: int | None = None) -> np.ndarray:
    """The training loss (see the module) of every weight vector of ``thetas`` (P, D) on
    ``X`` (n, d) with one-hot targets ``Y`` (n, K): the network's structure with each θ's
    weights, evaluated ``chunk`` vectors at a time (default: ~16 MiB of activations) on
    every core."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
    return _loss_batches(network, X, Y, len(thetas), lambda lo, hi: thetas[lo:hi], chunk)


def loss_at(network: NeuralNetwork, X, Y, centre, directions, coords, chunk=None) -> np.ndarray:
    """Losses at θ = centre + coords @ directions: ``directions`` (k, D), ``coords`` (P, k);
    the weight vectors are built chunk by chunk, never all at once."""
    centre, directions = np.asarray(centre, float), np.atleast_2d(np.asarray(directions, float))
    coords = np.asarray(coords, dtype=np.float64).reshape(-1, len(directions))
    return _loss_batches(
        network, X, Y, len(coords), lambda lo, hi: centre + coords[lo:hi] @ directions, chunk
    )


def _loss_batches(network, X, Y, n_points: int, thetas_of, chunk) -> np.ndarray:
    """Chunks of points on every core: one thread per core, each running NumPy with a
    single BLAS thread (NumPy releases the GIL in its products and ufuncs; a threaded BLAS on
    these small matrices only fights the other threads and processes for the cores)."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if chunk is None:
        chunk = max(1, _CHUNK_FLOATS // (len(X) * max(network.sizes)))
    out = np.empty(n_points)

    def one(lo: int) -> None:
        hi = min(lo + chunk, n_points)
        out[lo:hi] = _batched_loss(network, X, Y, thetas_of(lo, hi))

    starts = range(0, n_points, chunk)
    workers = min(moons.default_processes(), len(starts))
    with _one_blas_thread():
        if workers <= 1:
            for lo in starts:
                one(lo)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(one, starts))
    return out


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def _batched_loss(network: NeuralNetwork, X, Y, thetas) -> np.ndarray:
    """(P,) losses: every layer as one stacked product (P, n, n_in) @ (P, n_in, n_out)."""
    P = len(thetas)
    a = X  # (n, d) for the first layer, then (P, n, n_in)
    for (n_in, n_out, start), activation in zip(_blocks(network), network.activations):
        W = thetas[:, start : start + n_in * n_out].reshape(P, n_in, n_out)
        b = thetas[:, start + n_in * n_out : start + (n_in + 1) * n_out]
        z = a @ W  # (P, n, n_out)
        z += b[:, None, :]
        a = _ACTIVATIONS[activation](z)
    if network.loss == "mse":
        return np.mean(np.square(Y - a), axis=(1, 2))
    # mean softmax cross-entropy from the logits a, stably
    m = a.max(axis=2, keepdims=True)
    log_p = a - m - np.log(np.sum(np.exp(a - m), axis=2, keepdims=True))
    return -np.mean(np.sum(Y * log_p, axis=2), axis=1)


def work(network: NeuralNetwork, n_rows: int, points: int) -> float:
    """Multiply-adds of evaluating ``points`` weight vectors on ``n_rows`` rows."""
    weights = sum(W.size for W in network.weights)
    return float(points) * n_rows * weights


def slice_2d(network, X, Y, centre, d1, d2, alphas, betas) -> np.ndarray:
    """Z[i, j] = L(centre + alphas[j]·d1 + betas[i]·d2), shape (len(betas), len(alphas))."""
    aa, bb = np.meshgrid(np.asarray(alphas, float), np.asarray(betas, float))
    coords = np.column_stack([aa.ravel(), bb.ravel()])
    return loss_at(network, X, Y, centre, np.stack([d1, d2]), coords).reshape(aa.shape)


# --- the trajectory's plane and the interpolation ---------------------------------------------


def pca_directions(snapshots, final) -> dict:
    """The two leading principal directions of M = snapshots − final (T, D): the first two
    right singular vectors of M (orthonormal), the snapshots' coordinates on them (T, 2) and
    the fraction of M's squared norm each captures."""
    M = np.asarray(snapshots, dtype=np.float64) - np.asarray(final, dtype=np.float64)
    _, s, Vt = np.linalg.svd(M, full_matrices=False)
    k = min(2, len(s))
    directions = Vt[:k]
    if k < 2:  # one snapshot: any unit vector orthogonal to the first
        extra = np.zeros(M.shape[1])
        extra[int(np.argmin(np.abs(directions[0])))] = 1.0
        extra -= extra @ directions[0] * directions[0]
        directions = np.vstack([directions, extra / np.linalg.norm(extra)])
    energy = float(np.sum(s**2)) or 1.0
    explained = [float(v**2 / energy) for v in s[:2]] + [0.0] * (2 - k)
    return {"directions": directions, "coords": M @ directions.T, "explained": explained}


def interpolation(network, X, Y, theta0, theta1, ts) -> np.ndarray:
    """L((1 − t)·theta0 + t·theta1) for every t of ``ts``."""
    theta0, theta1 = np.asarray(theta0, float), np.asarray(theta1, float)
    ts = np.asarray(ts, dtype=np.float64)
    return loss_at(network, X, Y, theta0, (theta1 - theta0)[None, :], ts[:, None])


def _axis(values, steps: int, margin: float = 0.15) -> np.ndarray:
    """A grid axis covering ``values`` and 0, with a margin on both sides."""
    lo, hi = min(float(np.min(values)), 0.0), max(float(np.max(values)), 0.0)
    pad = margin * (hi - lo) or 1.0
    return np.linspace(lo - pad, hi + pad, steps)


# --- the whole experiment ---------------------------------------------------------------------


@dataclass
class LandscapeResult:
    """Everything the figures and metrics.json need; plain arrays and numbers."""

    config: LandscapeConfig
    network: NeuralNetwork
    random_plane: dict  # alphas, betas, Z, centre_loss
    pca_plane: dict | None  # alphas, betas, Z, trajectory (T, 2), epochs, explained, losses
    interpolation: dict | None  # t, loss
    metrics: dict = field(default_factory=dict)


class Snapshots:
    """A training watcher keeping θ after every ``every`` epochs and after the last (pass it
    as ``watch=`` to a moons run; :meth:`start` adds the initial weights first)."""

    def __init__(self, every: int, epochs: int):
        self.every, self.epochs = every, epochs
        self.epoch: list[int] = []
        self.thetas: list[np.ndarray] = []

    @classmethod
    def start(cls, config: LandscapeConfig, split) -> Snapshots:
        """Snapshots for ``config``'s run on ``split``, holding the initial weights (the
        network the run builds from the same seed) as epoch 0."""
        snaps = cls(config.snapshot_every, config.epochs)
        snaps.add(moons.initial_network(config.moons_config().check(), split), 0)
        return snaps

    def trajectory(self, result) -> tuple:
        """``(moons result, snapshot epochs, snapshots (T, D))``, what :func:`run` takes as
        ``trained``."""
        return result, self.epoch, np.array(self.thetas)

    def add(self, network, epochs_done: int) -> None:
        self.epoch.append(epochs_done)
        self.thetas.append(flatten(network))

    def __call__(self, network, epoch, record=None):
        done = epoch + 1
        if done % self.every == 0 or done == self.epochs:
            self.add(network, done)


def train(config: LandscapeConfig, split, engine: str = "auto", callback=None):
    """The chapter's network trained from ``config.seed`` with weight snapshots: returns
    ``(moons result, snapshot epochs, snapshots (T, D))``; the first snapshot is the initial
    weights (epoch 0)."""
    snaps = Snapshots.start(config, split)
    result = moons.run_split(config.moons_config().check(), split, callback, engine, snaps)
    return snaps.trajectory(result)


def run(
    config: LandscapeConfig | None = None,
    network: NeuralNetwork | None = None,
    data=None,
    engine: str = "auto",
    callback=None,
    trained=None,
) -> LandscapeResult:
    """Train the chapter's network (or take the trained ``network``: then there is no
    trajectory, PCA plane or interpolation; or take ``trained``, a run already made with
    :class:`Snapshots` watching it, see :meth:`Snapshots.trajectory`) and slice its training
    loss. Times every part (``metrics["seconds"]``)."""
    config = (config or LandscapeConfig()).check()
    split = moons.prepare_data(data)
    X, y = split[0], split[2]
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    if trained is None and network is None:
        trained = train(config, split, engine, callback)
        seconds["training"] = time.perf_counter() - t0
    if trained is not None:
        trained, epochs, snapshots = trained
        network = trained.network
    assert network is not None  # given, or the run's
    Y = one_hot(y, network.sizes[-1])
    centre = flatten(network)

    t0 = time.perf_counter()
    rng = np.random.default_rng(config.directions_seed)
    d1 = filter_normalised_direction(network, rng)
    d2 = filter_normalised_direction(network, rng)
    axis = np.linspace(-config.span, config.span, config.steps)
    Z = slice_2d(network, X, Y, centre, d1, d2, axis, axis)
    seconds["random_plane"] = time.perf_counter() - t0
    centre_loss = float(loss_at(network, X, Y, centre, d1[None, :], [[0.0]])[0])
    random_plane = {"alphas": axis, "betas": axis, "Z": Z, "centre_loss": centre_loss}

    pca_plane = interp = None
    if trained is not None:
        t0 = time.perf_counter()
        pca = pca_directions(snapshots, centre)
        coords = pca["coords"]
        alphas, betas = _axis(coords[:, 0], config.steps), _axis(coords[:, 1], config.steps)
        p1, p2 = pca["directions"]
        Zp = slice_2d(network, X, Y, centre, p1, p2, alphas, betas)
        trajectory_loss = losses(network, X, Y, snapshots)
        seconds["pca_plane"] = time.perf_counter() - t0
        pca_plane = {
            "alphas": alphas,
            "betas": betas,
            "Z": Zp,
            "trajectory": coords,
            "epochs": epochs,
            "explained": pca["explained"],
            "trajectory_loss": trajectory_loss,
            "directions": pca["directions"],
        }
        t0 = time.perf_counter()
        ts = np.linspace(-0.25, 1.25, config.interpolation_points)
        interp = {"t": ts, "loss": interpolation(network, X, Y, snapshots[0], centre, ts)}
        seconds["interpolation"] = time.perf_counter() - t0

    result = LandscapeResult(config, network, random_plane, pca_plane, interp)
    result.metrics = _metrics(result, trained, X, seconds)
    return result


def _metrics(result: LandscapeResult, trained, X, seconds) -> dict:
    config, net, rp = result.config, result.network, result.random_plane
    points = config.steps**2
    m = {
        "config": config.as_dict(),
        "seed": config.seed if trained is not None else None,
        "directions_seed": config.directions_seed,
        "network": {"sizes": net.sizes, "activations": net.activations, "loss": net.loss},
        "loss": "training MSE, mean((Y - output)^2) over all entries"
        if net.loss == "mse"
        else "mean softmax cross-entropy over the training set",
        "n_train": len(X),
        "directions": "Gaussian, filter-wise normalised (Li et al. 2018): each neuron's "
        "incoming-weight block has the norm of its trained weights; bias entries 0",
        "random_plane": {
            "span": config.span,
            "steps": config.steps,
            "points": points,
            "centre_loss": rp["centre_loss"],
            "min": float(np.min(rp["Z"])),
            "max": float(np.max(rp["Z"])),
            "multiply_adds": work(net, len(X), points),
        },
        "seconds": seconds,
    }
    if trained is not None:
        tm = trained.metrics
        m["training"] = {
            k: tm[k] for k in ("test_accuracy", "train_accuracy", "final_train_mse", "engine")
        }
    if result.pca_plane is not None:
        pp = result.pca_plane
        m["pca_plane"] = {
            "explained": pp["explained"],
            "snapshots": len(pp["epochs"]),
            "alphas": [float(pp["alphas"][0]), float(pp["alphas"][-1])],
            "betas": [float(pp["betas"][0]), float(pp["betas"][-1])],
            "min": float(np.min(pp["Z"])),
            "max": float(np.max(pp["Z"])),
        }
    if result.interpolation is not None:
        loss, t = result.interpolation["loss"], result.interpolation["t"]
        m["interpolation"] = {
            "t": [float(t[0]), float(t[-1])],
            "initial_loss": float(np.interp(0.0, t, loss)),
            "final_loss": float(np.interp(1.0, t, loss)),
            "max_between": float(np.max(loss[(t >= 0) & (t <= 1)])),
        }
    return m
