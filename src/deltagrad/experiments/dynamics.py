"""How the chapter's network learns: the decision boundary over training, and per-layer
gradient norms (vanishing gradients in a deep sigmoid network, beside the same network with ReLU).

Plain data out; the figures module draws it.
"""
from __future__ import annotations

import numpy as np

from deltagrad.backprop import NeuralNetwork
from deltagrad.data import one_hot


def boundary_grid(X, steps: int = 120, margin: float = 0.5):
    """``(xx, yy, points)``: a steps × steps grid covering the data, and its points as (n, 2)."""
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _snapshot_epochs(epochs: int, frames: int) -> set[int]:
    return {int(round(e)) for e in np.linspace(0, epochs - 1, min(frames, epochs))}


def boundary_evolution(X_train, X_test, y_train, y_test, epochs: int, frames: int = 24,
                       learning_rate: float = 0.01, hidden=(25, 50, 25), activation="sigmoid",
                       seed: int = 0, steps: int = 120) -> dict:
    """Train the chapter's network and keep the predicted class-1 probability on a grid at
    ``frames`` evenly spaced epochs. Returns ``{"xx", "yy", "epochs", "proba", "test_accuracy"}``.
    """
    sizes = [X_train.shape[1], *hidden, int(max(y_train.max(), y_test.max())) + 1]
    net = NeuralNetwork.build(sizes, activation, "mse", rng=seed)
    xx, yy, grid = boundary_grid(np.concatenate([X_train, X_test]), steps)
    wanted = _snapshot_epochs(epochs, frames)
    snaps = {"epochs": [], "proba": [], "test_accuracy": []}

    def keep(epoch, record):
        if epoch in wanted:
            snaps["epochs"].append(epoch)
            snaps["proba"].append(net.predict_proba(grid)[:, 1].reshape(xx.shape))
            snaps["test_accuracy"].append(net.accuracy(net.predict(X_test), y_test))

    net.train(X_train, X_test, y_train, y_test, learning_rate, epochs, log_every=epochs,
              callback=keep)
    return {"xx": xx, "yy": yy, **snaps}


def gradient_norms(X_train, X_test, y_train, y_test, epochs: int,
                   activations=("sigmoid", "relu"), learning_rate: float = 0.01,
                   hidden=(25, 50, 25), seed: int = 0, every: int = 1) -> dict:
    """Per-layer norms ‖∂L/∂W‖ of the full-batch training gradient, before training (epoch −1)
    and every ``every`` epochs, while training the same network (same sizes, same seed) with
    each activation. Returns ``{activation: {"epoch": [...], "norms": (n_records, n_layers)}}``.
    """
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    Y_train = one_hot(y_train, n_classes)
    sizes = [X_train.shape[1], *hidden, n_classes]
    out = {}
    for activation in activations:
        net = NeuralNetwork.build(sizes, activation, "mse", rng=seed)
        record = {"epoch": [], "norms": []}

        def measure(epoch, _record, net=net, record=record):
            if epoch < 0 or epoch % every == 0 or epoch == epochs - 1:
                record["epoch"].append(epoch)
                record["norms"].append([float(np.linalg.norm(dW))
                                        for dW, _ in net.gradients(X_train, Y_train)])

        measure(-1, None)
        net.train(X_train, X_test, y_train, y_test, learning_rate, epochs, log_every=epochs,
                  callback=measure)
        out[activation] = {"epoch": record["epoch"], "norms": np.array(record["norms"])}
    return out
