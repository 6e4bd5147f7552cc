"""The chapter's two-moons classifier (SPEC 7.9) as a function: configure, train, measure.

``run(MoonsConfig())`` is the chapter's experiment: make_moons(2000, noise 0.2, seed 100),
a 70/30 split (random_state 42), the network 2 → 25 → 50 → 25 → 2 with sigmoid everywhere,
MSE against one-hot labels, per-sample SGD with learning rate 0.01 for 1,000 epochs. The seed
only draws the initial weights; the data and the sample order are fixed. Nothing is printed or
plotted: progress goes to an optional ``callback(epoch, record)``, results come back as data.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from deltagrad.backprop import ACTIVATIONS, LOSSES, NeuralNetwork
from deltagrad.data import check_labels, moons, one_hot, train_test_split

__all__ = ["MoonsConfig", "MoonsResult", "prepare_data", "run"]


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

    def check(self) -> "MoonsConfig":
        """Return self, or raise ValueError naming the first bad field."""
        for name in ("epochs", "batch_size", "log_every"):
            _positive_int(getattr(self, name), name)
        if not isinstance(self.learning_rate, (int, float)) or not (
                math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {self.learning_rate!r}")
        if not self.hidden:
            raise ValueError("hidden must list at least one layer size")
        for size in self.hidden:
            _positive_int(size, "every hidden layer size")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; valid: {list(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; valid: {list(LOSSES)}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        return self

    def as_dict(self) -> dict:
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        return out


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


@dataclass
class MoonsResult:
    """Everything a report or a figure needs from one run."""

    config: MoonsConfig
    network: NeuralNetwork
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    history: dict  # {"epoch": [...], "mse": [...], "test_accuracy": [...]}, logged epochs
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
    if len(np.unique(y)) < 2:
        raise ValueError("y must contain at least two classes")
    return train_test_split(X, y)


def run(config: MoonsConfig | None = None, data=None, callback=None) -> MoonsResult:
    """Train the configured network and measure it.

    ``data``: ``None`` for the chapter's moons, or ``(X, y)`` (e.g. from ``load_csv``).
    ``callback(epoch, record)`` is called after every epoch (see ``NeuralNetwork.train``).
    """
    config = (config or MoonsConfig()).check()
    X_train, X_test, y_train, y_test = prepare_data(data)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    sizes = [X_train.shape[1], *config.hidden, n_classes]
    net = NeuralNetwork.build(sizes, config.activation, config.loss, rng=config.seed)
    start = time.perf_counter()
    history = net.train(X_train, X_test, y_train, y_test, config.learning_rate, config.epochs,
                        batch_size=config.batch_size, log_every=config.log_every,
                        callback=callback)
    seconds = time.perf_counter() - start
    result = MoonsResult(config, net, X_train, X_test, y_train, y_test, history)
    result.metrics = _metrics(result, seconds)
    return result


def _metrics(result: MoonsResult, seconds: float) -> dict:
    net, config = result.network, result.config
    Y_train = one_hot(result.y_train, net.sizes[-1])
    return {
        "test_accuracy": net.accuracy(net.predict(result.X_test), result.y_test),
        "train_accuracy": net.accuracy(net.predict(result.X_train), result.y_train),
        "final_train_mse": float(np.mean(np.square(Y_train - net.predict(result.X_train)))),
        "epochs": config.epochs,
        "seconds": seconds,
        "seed": config.seed,
        "config": config.as_dict(),
        "network": {"sizes": net.sizes, "activations": net.activations, "loss": net.loss},
        "n_train": len(result.X_train),
        "n_test": len(result.X_test),
        "history": [{"epoch": e, "mse": m, "test_accuracy": a} for e, m, a in
                    zip(result.history["epoch"], result.history["mse"],
                        result.history["test_accuracy"])],
    }
