"""Initialisation, compared on the chapter's task (chapter 7.9 leaves it implicit): the same
network, data, sample order and seeds, trained from each scheme of
:data:`deltagrad.backprop.INITS`.

Each run is :func:`deltagrad.experiments.moons.run` with ``init=`` set, so a run here gives
the same numbers as ``deltagrad moons --init NAME --seed S``. Besides the logged training MSE
and test accuracy, every run keeps

* the *signal*: the mean absolute delta, mean |δ| over the training set and the layer's
  neurons, of every layer, before training and after each of the first ``signal_epochs``
  epochs (the δ of chapter 7.7, computed by the delta rule on the whole training set at the
  current weights). Under sigmoid, δ shrinks layer by layer towards the input, and with
  unscaled weights ("normal") the saturated units pass almost nothing back;
* the *symmetry*: per hidden layer, the largest difference between any neuron's incoming
  weights and bias and those of the layer's first neuron, relative to the layer's largest
  weight. With ``"zeros"`` every neuron of a layer computes the same thing and gets the same
  gradient, so this stays at rounding level (about 1e-16) however long it trains. The output
  layer is left out: its neurons have different targets.

Nothing is printed; runs go to a process pool (one process per core by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from deltagrad.backprop import INITS, resolve_engine
from deltagrad.data import one_hot
from deltagrad.experiments import moons

__all__ = ["InitCompareConfig", "InitCompareResult", "compare", "signal", "symmetry_spread"]

SYMMETRIC = 1e-9
"""A hidden layer whose relative symmetry spread is below this has identical neurons."""


@dataclass(frozen=True)
class InitCompareConfig:
    """What to compare: ``inits`` × ``seeds`` runs of the chapter's network for ``epochs``
    epochs (fewer than the chapter's 1,000 by default, so the comparison takes seconds)."""

    inits: tuple[str, ...] = INITS
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    epochs: int = 300
    learning_rate: float = 0.01
    hidden: tuple[int, ...] = (25, 50, 25)
    log_every: int = 5
    signal_epochs: int = 20

    def check(self) -> InitCompareConfig:
        """Return self, or raise ValueError naming the first bad field."""
        if not self.inits:
            raise ValueError("inits must list at least one initialisation")
        for name in self.inits:
            if name not in INITS:
                raise ValueError(f"unknown init {name!r}; valid: {list(INITS)}")
        if len(set(self.inits)) != len(self.inits):
            raise ValueError("inits must not repeat")
        moons.check_seeds(self.seeds)
        if isinstance(self.signal_epochs, bool) or not isinstance(self.signal_epochs, int):
            raise ValueError(f"signal_epochs must be an integer, got {self.signal_epochs!r}")
        if not 1 <= self.signal_epochs <= self.epochs:
            raise ValueError(
                f"signal_epochs must be between 1 and epochs ({self.epochs}), "
                f"got {self.signal_epochs}"
            )
        self.moons_config("chapter", 0).check()
        return self

    def moons_config(self, init: str, seed: int) -> moons.MoonsConfig:
        """The single run of ``init`` and ``seed``."""
        return moons.MoonsConfig(
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            hidden=tuple(self.hidden),
            seed=seed,
            log_every=self.log_every,
            init=init,
        )

    def as_dict(self) -> dict:
        return {
            "inits": list(self.inits),
            "seeds": list(self.seeds),
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "hidden": list(self.hidden),
            "log_every": self.log_every,
            "signal_epochs": self.signal_epochs,
            "activation": "sigmoid",
            "loss": "mse",
            "batch_size": 1,
        }


@dataclass
class InitCompareResult:
    """Every run (plain data, sorted by init then seed) and a summary per init."""

    config: InitCompareConfig
    runs: list[dict]
    summary: dict  # init -> statistics of the final test accuracy, symmetry, signal
    metrics: dict = field(default_factory=dict)


def signal(network, X, Y) -> list[float]:
    """Mean |δ| of every layer (input side first) over the samples ``X`` with one-hot
    targets ``Y``, at the network's current weights (the delta rule, nothing updated)."""
    network.gradients(X, Y)
    return [float(np.mean(np.abs(layer.delta))) for layer in network.layers]


def symmetry_spread(network) -> list[float]:
    """Per hidden layer: max over neurons j and inputs i of |W[i, j] − W[i, 0]| and
    |b[j] − b[0]|, divided by the layer's largest |W| or |b| (0 for an all-zero layer)."""
    spreads = []
    for layer in network.layers[:-1]:
        block = np.vstack([layer.weights, layer.bias[None, :]])  # (n_input + 1, n_neurons)
        scale = float(np.max(np.abs(block)))
        diff = float(np.max(np.abs(block - block[:, :1])))
        spreads.append(diff / scale if scale > 0 else 0.0)
    return spreads


class _SignalWatch:
    """A training watcher recording :func:`signal` after each of the first ``epochs``."""

    def __init__(self, X, Y, epochs: int):
        self.X, self.Y, self.epochs = X, Y, epochs
        self.record: dict[str, list] = {"epoch": [], "mean_abs_delta": []}

    def measure(self, network, epoch: int) -> None:
        self.record["epoch"].append(epoch + 1)  # epochs completed: 0 is before training
        self.record["mean_abs_delta"].append(signal(network, self.X, self.Y))

    def __call__(self, network, epoch, record=None):
        if epoch < self.epochs:
            self.measure(network, epoch)


def _one(config: moons.MoonsConfig, split, engine: str, signal_epochs: int) -> dict:
    """One init and seed, trained and measured, as picklable plain data."""
    X_train, _, y_train, _ = split
    start = moons.initial_network(config, split)  # before any training: the run's own start
    watch = _SignalWatch(X_train, one_hot(y_train, start.sizes[-1]), signal_epochs)
    watch.measure(start, -1)
    result = moons.run_split(config, split, None, engine, watch)
    h, m = result.history, result.metrics
    return {
        "init": config.init,
        "seed": config.seed,
        "test_accuracy": m["test_accuracy"],
        "train_accuracy": m["train_accuracy"],
        "final_train_mse": m["final_train_mse"],
        "seconds": m["seconds"],
        "history": {"epoch": h["epoch"], "mse": h["mse"], "test_accuracy": h["test_accuracy"]},
        "signal": watch.record,
        "symmetry": symmetry_spread(result.network),
        # the trained hidden layers (W with the bias as a last row), for the symmetry
        # figure; not written to metrics.json
        "hidden_weights": [
            np.vstack([layer.weights, layer.bias[None, :]]) for layer in result.network.layers[:-1]
        ],
    }


def compare(
    config: InitCompareConfig | None = None,
    processes: int | None = None,
    engine: str = "auto",
    progress=None,
    data=None,
) -> InitCompareResult:
    """Train every init × seed of ``config`` (default: the five inits, seeds 0-4, 300
    epochs), ``processes`` at a time (default: one per core; 1 runs in this process).
    ``progress(done, total, run)`` is called as each run finishes."""
    config = (config or InitCompareConfig()).check()
    split = moons.prepare_data(data)
    engine = resolve_engine(engine)
    compile_seconds = moons.warm_up() if engine == "compiled" else 0.0
    jobs = [
        (config.moons_config(init, seed).check(), split, engine, config.signal_epochs)
        for init in config.inits
        for seed in config.seeds
    ]
    report = None if progress is None else lambda done, run: progress(done, len(jobs), run)
    runs, processes, seconds = moons.run_jobs(_one, jobs, processes, report)
    order = {name: i for i, name in enumerate(config.inits)}
    runs.sort(key=lambda r: (order[r["init"]], r["seed"]))
    result = InitCompareResult(config, runs, {n: _summary(config, runs, n) for n in config.inits})
    result.metrics = {
        "config": config.as_dict(),
        "summary": result.summary,
        "runs": runs,
        "seconds": seconds,
        "processes": processes,
        "engine": engine,
        "compile_seconds": compile_seconds,
        "n_train": len(split[0]),
        "n_test": len(split[1]),
        "signal_measure": "mean |delta| per layer over the training set (delta rule, "
        "chapter 7.7), before training (epoch 0) and after each of the first "
        "signal_epochs epochs",
        "symmetry_measure": "per hidden layer: max |W[:, j] - W[:, 0]| and |b[j] - b[0]| "
        "over the neurons j, relative to the layer's largest weight; below "
        f"{SYMMETRIC:g} the layer's neurons are identical",
    }
    return result


def _summary(config: InitCompareConfig, runs: list[dict], init: str) -> dict:
    mine = [r for r in runs if r["init"] == init]
    spread = np.array([r["symmetry"] for r in mine])  # (seeds, hidden layers)
    first_signal = np.array([r["signal"]["mean_abs_delta"][0] for r in mine])  # (seeds, layers)
    return {
        **moons.accuracy_summary(mine),
        "final_train_mse_mean": float(np.mean([r["final_train_mse"] for r in mine])),
        "symmetry_spread_max": [float(v) for v in spread.max(axis=0)],
        "symmetric": bool(np.all(spread < SYMMETRIC)),
        "initial_mean_abs_delta": [float(v) for v in first_signal.mean(axis=0)],
    }
