"""How the chapter's network learns: the decision boundary over training, and per-layer
gradient norms (vanishing gradients in a deep sigmoid network, beside the same network with ReLU).

Plain data out; the figures module draws it.
"""

from __future__ import annotations

import copy

import numpy as np

from deltagrad.backprop import NeuralNetwork
from deltagrad.data import one_hot
from deltagrad.experiments.moons import network_sizes


def boundary_grid(X, steps: int = 120, margin: float = 0.5):
    """``(xx, yy, points)``: a steps × steps grid covering the data, and its points as (n, 2)."""
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def snapshot_epochs(epochs: int, frames: int) -> list[int]:
    """The epochs (0-based, as ``NeuralNetwork.train`` counts them) after which to snapshot a
    run of ``epochs`` epochs: ``frames`` of them spread evenly over the WHOLE run, after the
    first epoch and then every ``epochs / (frames - 1)`` epochs completed, the last included.
    """
    frames = max(2, min(int(frames), int(epochs) + 1))
    completed = np.maximum(np.round(np.linspace(0, epochs, frames)).astype(int), 1)
    return sorted({int(c) - 1 for c in completed})


class BoundarySnapshots:
    """A training watcher, ``watch(network, epoch, record)``, that keeps a copy of the network
    (a few kilobytes, next to nothing beside an epoch of training) after each of ``epochs``.

    Pass it as ``watch`` to :func:`deltagrad.experiments.moons.run` to snapshot that run (no
    second training), or call it from ``NeuralNetwork.train``'s callback.
    :meth:`evolution` turns the copies into what :func:`deltagrad.figures.dynamics.boundary_gif`
    draws: the predicted class-1 probability on a ``steps`` × ``steps`` grid covering ``X``
    and the test accuracy, of each copy.
    """

    def __init__(self, X, X_test, y_test, epochs, total_epochs: int, steps: int = 120):
        X = np.asarray(X, dtype=np.float64)
        self.xx, self.yy, self._grid = boundary_grid(X, steps)
        self._coarse = boundary_grid(X, min(steps, 40))[2]  # enough to see where it moves
        self._X_test, self._y_test = np.asarray(X_test, dtype=np.float64), np.asarray(y_test)
        self.wanted = set(int(e) for e in epochs)
        self.total_epochs = int(total_epochs)
        self.epochs: list[int] = []
        self.networks: list = []

    def __call__(self, network, epoch, record=None):
        if epoch in self.wanted:
            self.epochs.append(int(epoch))
            self.networks.append(copy.deepcopy(network))

    @staticmethod
    def _p1(network, points):
        return network.predict_proba(points)[:, 1].astype(np.float32)

    def evolution(self, frames: int | None = None) -> dict:
        """``{"xx", "yy", "epochs", "proba", "test_accuracy", "total_epochs"}`` for every
        snapshot, or for at most ``frames`` of them chosen by :func:`choose_frames`."""
        keep = list(range(len(self.epochs)))
        if frames is not None and len(keep) > frames:
            coarse = [self._p1(net, self._coarse) for net in self.networks]
            keep = choose_frames(self.epochs, coarse, frames)
        return {
            "xx": self.xx,
            "yy": self.yy,
            "epochs": [self.epochs[i] for i in keep],
            "proba": [self._p1(self.networks[i], self._grid).reshape(self.xx.shape) for i in keep],
            "test_accuracy": [
                net.accuracy(net.predict(self._X_test), self._y_test)
                for net in (self.networks[i] for i in keep)
            ],
            "total_epochs": self.total_epochs,
        }


def choose_frames(epochs, proba, frames: int, change_weight: float = 0.6) -> list[int]:
    """Indices of at most ``frames`` of the snapshots (``epochs`` and their probability maps
    ``proba``), chosen so an animation spends its time where the boundary moves: evenly
    spaced in a mix of elapsed epochs (weight ``1 - change_weight``) and cumulative change of
    the map (``change_weight``); the first and last snapshots are always kept.
    """
    n = len(epochs)
    if n <= frames:
        return list(range(n))
    epochs = np.asarray(epochs, dtype=float)
    change = np.array(
        [0.0]
        + [
            float(np.mean(np.abs(np.asarray(proba[i], dtype=np.float64) - proba[i - 1])))
            for i in range(1, n)
        ]
    )
    progress = (1 - change_weight) * (epochs - epochs[0]) / max(epochs[-1] - epochs[0], 1.0)
    if change.sum() > 0:
        progress = progress + change_weight * np.cumsum(change) / change.sum()
    targets = np.linspace(progress[0], progress[-1], frames)
    return sorted({0, n - 1, *(int(np.argmin(np.abs(progress - t))) for t in targets)})


def select_frames(evolution: dict, frames: int, change_weight: float = 0.6) -> dict:
    """``evolution`` cut to the snapshots :func:`choose_frames` picks."""
    keep = choose_frames(evolution["epochs"], evolution["proba"], frames, change_weight)
    out = dict(evolution)
    for key in ("epochs", "proba", "test_accuracy"):
        out[key] = [evolution[key][i] for i in keep]
    out["epochs"] = [int(e) for e in out["epochs"]]
    return out


def boundary_evolution(
    X_train,
    X_test,
    y_train,
    y_test,
    epochs: int,
    frames: int = 24,
    learning_rate: float = 0.01,
    hidden=(25, 50, 25),
    activation="sigmoid",
    seed: int = 0,
    steps: int = 120,
) -> dict:
    """Train the chapter's network and keep the predicted class-1 probability on a grid at
    ``frames`` epochs spread over the run (:func:`snapshot_epochs`). Returns
    ``{"xx", "yy", "epochs", "proba", "test_accuracy", "total_epochs"}``. (``reproduce``
    snapshots its main moons run instead, with :class:`BoundarySnapshots`.)
    """
    sizes = network_sizes(hidden, (X_train, X_test, y_train, y_test))
    net = NeuralNetwork.build(sizes, activation, "mse", rng=seed)
    snaps = BoundarySnapshots(
        np.concatenate([X_train, X_test]),
        X_test,
        y_test,
        snapshot_epochs(epochs, frames),
        epochs,
        steps,
    )
    net.train(
        X_train,
        X_test,
        y_train,
        y_test,
        learning_rate,
        epochs,
        log_every=epochs,
        callback=lambda epoch, record: snaps(net, epoch, record),
    )
    return snaps.evolution()


def gradient_norms(
    X_train,
    X_test,
    y_train,
    y_test,
    epochs: int,
    activations=("sigmoid", "relu"),
    learning_rate: float = 0.01,
    hidden=(25, 50, 25),
    seed: int = 0,
    every: int = 1,
) -> dict:
    """Per-layer norms ‖∂L/∂W‖ of the full-batch training gradient, before training (epoch −1)
    and every ``every`` epochs, while training the same network (same sizes, same seed) with
    each activation. Returns ``{activation: {"epoch": [...], "norms": (n_records, n_layers)}}``.
    """
    sizes = network_sizes(hidden, (X_train, X_test, y_train, y_test))
    Y_train = one_hot(y_train, sizes[-1])
    out = {}
    for activation in activations:
        net = NeuralNetwork.build(sizes, activation, "mse", rng=seed)
        record: dict[str, list] = {"epoch": [], "norms": []}

        def measure(epoch, _record, net=net, record=record):
            if epoch < 0 or epoch % every == 0 or epoch == epochs - 1:
                record["epoch"].append(epoch)
                record["norms"].append(
                    [float(np.linalg.norm(dW)) for dW, _ in net.gradients(X_train, Y_train)]
                )

        measure(-1, None)
        net.train(
            X_train,
            X_test,
            y_train,
            y_test,
            learning_rate,
            epochs,
            log_every=epochs,
            callback=measure,
        )
        out[activation] = {"epoch": record["epoch"], "norms": np.array(record["norms"])}
    return out
