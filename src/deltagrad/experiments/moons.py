"""The chapter's two-moons classifier (chapter 7.9) as a function: configure, train, measure.

``run(MoonsConfig())`` is the chapter's experiment: make_moons(2000, noise 0.2, seed 100),
a 70/30 split (random_state 42), the network 2 → 25 → 50 → 25 → 2 with sigmoid everywhere,
MSE against one-hot labels, per-sample SGD with learning rate 0.01 for 1,000 epochs. The seed
only draws the initial weights; the data and the sample order are fixed. Nothing is printed or
plotted: progress goes to an optional ``callback(epoch, record)``, results come back as data.

``engine`` picks the trainer (``"auto"``: the compiled one when Numba imports; see
``NeuralNetwork.train``); ``metrics["compile_seconds"]`` is what compiling its kernels cost
this run (0 when they came from the on-disk cache). ``sweep(config, seeds)`` trains one network
per seed, one process per core, and summarises how the result depends on the initial weights.

Every logged epoch records the training loss being minimised (``history["loss"]``: the MSE for
``loss="mse"``, the mean softmax cross-entropy for ``"softmax_cross_entropy"``) beside the
training MSE and the test accuracy; ``metrics["loss_name"]`` names it. ``memory_estimate``
says how many bytes a configuration needs before anything is allocated, and ``prepare_data``
refuses coordinates beyond ``MAX_ABS_INPUT`` (the network takes them unscaled, as the chapter
does).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from deltagrad.backprop import ACTIVATIONS, INITS, LOSSES, NeuralNetwork, resolve_engine
from deltagrad.data import (
    MAX_ABS_INPUT,
    check_input_range,
    check_labels,
    moons,
    one_hot,
    train_test_split,
)

__all__ = [
    "MoonsConfig",
    "MoonsResult",
    "SweepResult",
    "prepare_data",
    "run",
    "sweep",
    "default_processes",
    "LOSS_NAMES",
    "MAX_ABS_INPUT",
    "parameter_count",
    "network_sizes",
    "initial_network",
    "accuracy_summary",
    "memory_estimate",
    "work_estimate",
]

LOSS_NAMES = {"mse": "MSE", "softmax_cross_entropy": "softmax cross-entropy"}
"""How each loss is named in printed lines, metrics.json (``loss_name``) and Figure 7-15."""


@dataclass(frozen=True)
class MoonsConfig:
    """What to train; the defaults are the chapter's."""

    epochs: int = 1000
    learning_rate: float = 0.01
    hidden: tuple[int, ...] = (25, 50, 25)
    activation: str | None = "sigmoid"
    loss: str = "mse"
    batch_size: int = 1
    seed: int = 0
    log_every: int = 10
    init: str = "chapter"  # the initial weights' scheme, one of backprop.INITS

    def check(self) -> MoonsConfig:
        """Return self, or raise ValueError naming the first bad field."""
        for name in ("epochs", "batch_size", "log_every"):
            check_positive_int(getattr(self, name), name)
        if not isinstance(self.learning_rate, (int, float)) or not (
            math.isfinite(self.learning_rate) and self.learning_rate > 0
        ):
            raise ValueError(
                f"learning_rate must be a finite number > 0, got {self.learning_rate!r}"
            )
        if not self.hidden:
            raise ValueError("hidden must list at least one layer size")
        for size in self.hidden:
            check_positive_int(size, "every hidden layer size")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; valid: {list(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; valid: {list(LOSSES)}")
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; valid: {list(INITS)}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        return self

    def as_dict(self) -> dict:
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        return out


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


# --- what a run costs, before it starts ------------------------------------------------------

_FLOAT = 8  # bytes of a float64
_RECORD_BYTES = 1000  # one logged epoch: history lists, metrics.json's record and its text
_FIGURE_FLOATS = 1 << 20  # a layer's output per chunk of the decision-boundary grid (8 MiB)
_BOUNDARY_POINTS = 300 * 300


def parameter_count(sizes) -> int:
    """Weights and biases of a network with layer sizes ``sizes`` (input first)."""
    sizes = [int(s) for s in sizes]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def network_sizes(hidden, split=None) -> list[int]:
    """Layer sizes of the network with ``hidden`` layers for ``split`` ``(X_train, X_test,
    y_train, y_test)``: one input per feature, one output per class (labels 0..C-1); for
    ``split=None`` the chapter's moons, 2 and 2."""
    if split is None:
        return [2, *hidden, 2]
    X_train, _, y_train, y_test = split
    return [X_train.shape[1], *hidden, int(max(y_train.max(), y_test.max())) + 1]


def initial_network(config: MoonsConfig, split) -> NeuralNetwork:
    """The network ``config``'s run on ``split`` starts from (:func:`run_split` trains it)."""
    sizes = network_sizes(config.hidden, split)
    return NeuralNetwork.build(
        sizes, config.activation, config.loss, rng=config.seed, init=config.init
    )


def memory_estimate(
    config: MoonsConfig,
    n_train: int,
    n_test: int,
    n_features: int = 2,
    n_classes: int = 2,
    seeds: int = 1,
    processes: int = 1,
) -> dict:
    """The bytes a run needs at its peak, by part, worked out before anything is allocated
    (on the generous side, so that a run that passes does fit):

    * ``parameter_bytes``: the weights, the compiled engine's packed copy and its gradient
      buffer, and the update's temporaries for the largest weight matrix;
    * ``activation_bytes``: a forward pass over the largest set of rows at once (the training
      set, the test set, or a chunk of the decision-boundary grid), which keeps every layer's
      output, plus the data's copies;
    * ``history_bytes``: the logged epochs, in memory and in metrics.json.

    ``processes`` networks train at once in a seed sweep of ``seeds`` seeds.
    Returns those parts, their sum ``bytes``, ``parameters`` and ``sizes``.
    """
    sizes = [int(n_features), *(int(h) for h in config.hidden), int(n_classes)]
    parameters = parameter_count(sizes)
    largest = max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    parameter_bytes = _FLOAT * (3 * parameters + 2 * largest)
    figure_rows = min(_BOUNDARY_POINTS, max(1, _FIGURE_FLOATS // max(sizes)))
    rows = max(n_train, n_test, figure_rows, min(config.batch_size, n_train))
    activation_bytes = _FLOAT * (
        2 * rows * sum(sizes) + 3 * (n_train + n_test) * (n_features + n_classes)
    )
    records = config.epochs // config.log_every + 2
    history_bytes = _RECORD_BYTES * records * seeds
    per_run = parameter_bytes + activation_bytes
    return {
        "sizes": sizes,
        "parameters": parameters,
        "parameter_bytes": parameter_bytes * processes,
        "activation_bytes": activation_bytes * processes,
        "history_bytes": history_bytes,
        "bytes": per_run * processes + history_bytes,
        "per_run_bytes": per_run,
    }


def work_estimate(
    config: MoonsConfig, n_train: int, n_features: int = 2, n_classes: int = 2
) -> float:
    """Floating-point operations of training: about 6 per parameter per sample per epoch
    (2 forward, 4 backward). The chapter's run is about 2.3e10."""
    sizes = [n_features, *config.hidden, n_classes]
    return 6.0 * parameter_count(sizes) * n_train * config.epochs


@dataclass
class MoonsResult:
    """Everything a report or a figure needs from one run."""

    config: MoonsConfig
    network: NeuralNetwork
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    history: dict  # {"epoch", "mse", "test_accuracy", "loss"}: lists over the logged epochs
    metrics: dict = field(default_factory=dict)

    @property
    def X(self) -> np.ndarray:
        return np.concatenate([self.X_train, self.X_test])

    @property
    def y(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_test])


def prepare_data(data=None):
    """``(X_train, X_test, y_train, y_test)``: the chapter's moons, or ``data = (X, y)`` split
    the chapter's way (test_size 0.3, random_state 42) so user data is treated like the moons.
    """
    if data is None:
        return train_test_split(*moons())
    X, y = data
    X = np.asarray(X, dtype=np.float64)
    y = check_labels(y, name="y")
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must have shape (n, d) with n = {len(y)}, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    check_input_range(X)
    if len(np.unique(y)) < 2:
        raise ValueError("y must contain at least two classes")
    return train_test_split(X, y)


def run(
    config: MoonsConfig | None = None, data=None, callback=None, engine: str = "auto", watch=None
) -> MoonsResult:
    """Train the configured network and measure it.

    ``data``: ``None`` for the chapter's moons, or ``(X, y)`` (e.g. from ``load_csv``).
    ``callback(epoch, record)`` is called after every epoch (see ``NeuralNetwork.train``).
    ``engine``: ``"auto"``, ``"numpy"`` or ``"compiled"``.
    ``watch(network, epoch, record)``, if given, is also called after every epoch with the
    network being trained, e.g. to snapshot it (``deltagrad reproduce`` draws its
    decision-boundary GIF from :class:`deltagrad.experiments.dynamics.BoundarySnapshots`).
    """
    config = (config or MoonsConfig()).check()
    return run_split(config, prepare_data(data), callback, engine, watch)


def run_split(config: MoonsConfig, split, callback, engine: str, watch=None) -> MoonsResult:
    """:func:`run` on an already prepared ``split`` ``(X_train, X_test, y_train, y_test)``
    (what :func:`sweep`, ``init-compare`` and ``landscape`` reuse across runs)."""
    X_train, X_test, y_train, y_test = split
    sizes = network_sizes(config.hidden, split)
    engine = resolve_engine(engine, sizes, config.batch_size)
    compile_seconds = warm_up() if engine == "compiled" else 0.0
    net = initial_network(config, split)
    losses = []
    loss_of = _loss_function(net, X_train, y_train, sizes[-1])

    def on_epoch(epoch, record):  # every logged record gets the training loss
        if record is not None:
            record["loss"] = loss_of(record)
            losses.append(record["loss"])
        if callback is not None:
            callback(epoch, record)
        if watch is not None:
            watch(net, epoch, record)

    start = time.perf_counter()
    history = net.train(
        X_train,
        X_test,
        y_train,
        y_test,
        config.learning_rate,
        config.epochs,
        batch_size=config.batch_size,
        log_every=config.log_every,
        callback=on_epoch,
        engine=engine,
    )
    seconds = time.perf_counter() - start
    history["loss"] = losses
    result = MoonsResult(config, net, X_train, X_test, y_train, y_test, history)
    result.metrics = _metrics(result, seconds)
    result.metrics.update(engine=engine, compile_seconds=compile_seconds)
    return result


def _loss_function(net: NeuralNetwork, X_train, y_train, n_classes: int):
    """``record -> training loss`` at a logged epoch: the MSE the record holds for
    ``loss="mse"``; else the mean softmax cross-entropy over the training set, computed from
    the network's current parameters (every engine leaves them in the layers after an epoch).
    """
    if net.loss == "mse":
        return lambda record: record["mse"]
    Y_train = one_hot(y_train, n_classes)
    return lambda record: net.loss_value(X_train, Y_train)


def warm_up() -> float:
    from deltagrad import fast

    return fast.warm_up()


def _metrics(result: MoonsResult, seconds: float) -> dict:
    net, config = result.network, result.config
    return {
        "test_accuracy": net.accuracy(net.predict(result.X_test), result.y_test),
        "train_accuracy": net.accuracy(net.predict(result.X_train), result.y_train),
        # the last epoch is always recorded: its training MSE is the final one
        "final_train_mse": result.history["mse"][-1],
        "loss_name": LOSS_NAMES[config.loss],
        "final_loss": result.history["loss"][-1],
        "epochs": config.epochs,
        "seconds": seconds,
        "seed": config.seed,
        "config": config.as_dict(),
        "network": {"sizes": net.sizes, "activations": net.activations, "loss": net.loss},
        "n_train": len(result.X_train),
        "n_test": len(result.X_test),
        "history": [
            {"epoch": e, "mse": m, "test_accuracy": a, "loss": loss}
            for e, m, a, loss in zip(
                result.history["epoch"],
                result.history["mse"],
                result.history["test_accuracy"],
                result.history["loss"],
            )
        ],
    }


# --- seed sweeps ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    """One run per seed (sorted by seed, each a dict of plain data) and their summary."""

    config: MoonsConfig  # the seed field is ignored: ``seeds`` says which were run
    seeds: list[int]
    runs: list[dict]  # seed, test/train accuracy, final_train_mse, final_loss, epoch_reaching_95,
    #                   history
    summary: dict  # statistics of the final test accuracies over the seeds
    metrics: dict = field(default_factory=dict)


def default_processes() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def sweep(
    config: MoonsConfig | None,
    seeds,
    processes: int | None = None,
    data=None,
    engine: str = "auto",
    progress=None,
) -> SweepResult:
    """Train one network per seed (the initial weights; data and sample order stay fixed),
    ``processes`` at a time in separate processes (default: one per core).

    Every run is ``run(replace(config, seed=s))``, so a seed gives the same numbers in a sweep
    as on its own. ``progress(done, run)`` is called in this process as each run finishes.
    The summary gives the mean, the sample standard deviation, min and max of the final test
    accuracies, the seeds at the extremes, and when the runs first reached 95% test accuracy
    (the first logged epoch; None for a run that never did).
    """
    config = (config or MoonsConfig()).check()
    seeds = check_seeds(seeds)
    split = prepare_data(data)
    engine = resolve_engine(engine, network_sizes(config.hidden, split), config.batch_size)
    compile_seconds = warm_up() if engine == "compiled" else 0.0  # compile before the workers
    jobs = [(replace(config, seed=seed).check(), split, engine) for seed in seeds]
    runs, processes, seconds = run_jobs(_sweep_one, jobs, processes, progress)
    runs.sort(key=lambda r: r["seed"])
    result = SweepResult(config, seeds, runs, _summary(runs))
    result.metrics = {
        "seeds": seeds,
        "summary": result.summary,
        "runs": runs,
        "seconds": seconds,
        "processes": processes,
        "engine": engine,
        "compile_seconds": compile_seconds,
        "loss_name": LOSS_NAMES[config.loss],
        "config": {**config.as_dict(), "seed": None},
        "epochs": config.epochs,
        "n_train": len(split[0]),
        "n_test": len(split[1]),
    }
    return result


def check_seeds(seeds) -> list[int]:
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"every seed must be an integer >= 0, got {seed!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError("seeds must not repeat")
    return [int(s) for s in seeds]


def check_processes(processes) -> int:
    if isinstance(processes, bool) or not isinstance(processes, (int, np.integer)) or processes < 1:
        raise ValueError(f"processes must be an integer >= 1, got {processes!r}")
    return int(processes)


def run_jobs(fn, jobs, processes: int | None = None, progress=None) -> tuple[list, int, float]:
    """``fn(*job)`` for every job, ``processes`` at a time (None: one per core, and never more
    than there are jobs; 1: in this process), calling ``progress(done, result)`` in this
    process as each finishes. Returns (the results in the order they finished, the processes
    used, the seconds taken)."""
    processes = default_processes() if processes is None else check_processes(processes)
    processes = min(processes, len(jobs))
    start = time.perf_counter()
    results = []
    for result in map_unordered(fn, jobs, processes):
        results.append(result)
        if progress is not None:
            progress(len(results), result)
    return results, processes, time.perf_counter() - start


def map_unordered(fn, jobs, processes: int):
    """``fn(*job)`` for every job, yielded as they finish: in this process when
    ``processes`` is 1, else in a pool of fresh ("spawn") processes."""
    if processes == 1:
        for job in jobs:
            yield fn(*job)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")  # no fork of a threaded BLAS/LLVM state
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_init_worker) as pool:
        futures = [pool.submit(fn, *job) for job in jobs]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


_BLAS_LIMIT = None  # a worker's threadpoolctl limit, kept alive for the worker's lifetime


def _init_worker() -> None:
    """One BLAS thread per worker: the workers already fill the cores."""
    global _BLAS_LIMIT
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    _BLAS_LIMIT = threadpool_limits(limits=1)


REACHED = 0.95
"""The test accuracy whose first logged epoch the sweep reports per seed."""


def _sweep_one(config: MoonsConfig, split, engine: str) -> dict:
    """One seed's run, reduced to plain, picklable data."""
    result = run_split(config, split, None, engine)
    m, history = result.metrics, result.history
    reached = [e for e, a in zip(history["epoch"], history["test_accuracy"]) if a >= REACHED]
    return {
        "seed": config.seed,
        "test_accuracy": m["test_accuracy"],
        "train_accuracy": m["train_accuracy"],
        "final_train_mse": m["final_train_mse"],
        "final_loss": m["final_loss"],
        "epoch_reaching_95": reached[0] if reached else None,
        "seconds": m["seconds"],
        "history": history,
    }


def accuracy_summary(runs: list[dict]) -> dict:
    """``n`` and the mean, sample standard deviation (0 for one run), min and max of the
    runs' final test accuracies."""
    acc = np.array([r["test_accuracy"] for r in runs], dtype=float)
    return {
        "n": len(runs),
        "mean": float(np.mean(acc)),
        "std": float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0,
        "min": float(np.min(acc)),
        "max": float(np.max(acc)),
    }


def _summary(runs: list[dict]) -> dict:
    acc = np.array([r["test_accuracy"] for r in runs], dtype=float)
    seeds = [r["seed"] for r in runs]
    reached = [r["epoch_reaching_95"] for r in runs if r["epoch_reaching_95"] is not None]
    return {
        **accuracy_summary(runs),
        "median": float(np.median(acc)),
        "min_seed": seeds[int(np.argmin(acc))],
        "max_seed": seeds[int(np.argmax(acc))],
        # when the run got there, not where it ended: the part the initial weights decide
        "epoch_reaching_95": {
            "reached": len(reached),
            "median": float(np.median(reached)) if reached else None,
            "min": min(reached) if reached else None,
            "max": max(reached) if reached else None,
        },
    }
