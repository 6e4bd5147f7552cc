"""The three-way gradient check of the chapter's moons network (chapter 7.7, 7.9): every weight
and bias derivative by the delta rule, by the tape and by central finite differences.

* :func:`tape_network_gradients` writes a :class:`~deltagrad.backprop.NeuralNetwork`'s loss
  with deltagrad ops and differentiates it in reverse mode.
* :func:`numeric_network_gradients` differences the network's own NumPy forward pass, in
  float64, on a copy whose parameters are nudged one at a time.
* :func:`moons_gradient_table` puts the three side by side for every parameter, and
  :func:`summarize` reduces the table to pass/fail against :data:`TOLERANCE`.

The three legs share nothing but the parameters: the delta rule is hand-written backward
algebra, the tape is generic reverse mode, the finite differences only run the forward pass.
The differences and the error metric are :mod:`deltagrad.gradcheck`'s
(:func:`~deltagrad.gradcheck.central_difference`, :func:`~deltagrad.gradcheck.relative_error`).
"""

from __future__ import annotations

import copy

import numpy as np

import deltagrad as dg
from deltagrad import functional as F
from deltagrad.backprop import ACTIVATIONS, LOSSES, NeuralNetwork
from deltagrad.data import chapter_data, one_hot
from deltagrad.gradcheck import EPS, RTOL, central_difference, relative_error

__all__ = [
    "TOLERANCE",
    "FD_EPS",
    "CHAPTER_SIZES",
    "COLUMNS",
    "parameter_names",
    "tape_network_gradients",
    "numeric_network_gradients",
    "moons_gradient_table",
    "summarize",
]

TOLERANCE = RTOL
"""Largest relative error accepted between the delta rule and either check: the package's one
tolerance, :data:`deltagrad.gradcheck.RTOL` (errors as :func:`~deltagrad.gradcheck.relative_error`
measures them, relative to the parameter array's largest derivative)."""

FD_EPS = EPS
"""Step of the central differences: the package's one step, :data:`deltagrad.gradcheck.EPS`
(1e−5). On the chapter's network the largest error is ~1e−8 with this step and ~1e−7 with 1e−6
(seeds 0-3, 1 to 300 samples)."""

CHAPTER_SIZES = (2, 25, 50, 25, 2)
"""Figure 7-13's network: 2 → 25 → 50 → 25 → 2 (2,702 parameters)."""

COLUMNS = ("parameter", "index", "delta_rule", "tape", "numeric", "rel_error")
"""The columns of a table row that the CSV file holds, in order."""

_TAPE_ACTIVATIONS = {
    None: lambda z: z,
    "sigmoid": dg.sigmoid,
    "relu": dg.relu,
    "tanh": dg.tanh,
    "leaky_relu": lambda z: dg.leaky_relu(z, alpha=F.LEAKY_ALPHA),  # the network's slope
}


def parameter_names(net: NeuralNetwork) -> list[str]:
    """``["W1", "b1", "W2", "b2", …]``: layers numbered from 1 as in Figure 7-13, in the
    order of the flat gradient lists below."""
    return [f"{p}{i}" for i in range(1, len(net.weights) + 1) for p in "Wb"]


def tape_network_gradients(net: NeuralNetwork, X, Y):
    """The network's loss written with deltagrad ops and differentiated by the tape.

    ``X`` is one sample (d,) or a batch (n, d), ``Y`` the targets of the output's shape. The
    loss is the one :meth:`NeuralNetwork.gradients` differentiates (per-sample loss averaged
    over the batch). Returns ``([dW1, db1, dW2, db2, …], loss)`` as NumPy arrays and a float.
    """
    params = [(dg.Variable(W), dg.Variable(b)) for W, b in zip(net.weights, net.biases)]
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    Y = np.atleast_2d(np.asarray(Y, dtype=np.float64))
    with dg.GradientTape() as tape:
        o = dg.constant(X)
        for (W, b), activation in zip(params, net.activations):
            o = _TAPE_ACTIVATIONS[activation](o @ W + b)
        if net.loss == "mse":
            loss = 0.5 * dg.sum(dg.square(o - dg.constant(Y))) / len(X)
        else:
            loss = -dg.sum(dg.constant(Y) * dg.log_softmax(o, axis=-1)) / len(X)
    grads = tape.gradient(loss, [v for pair in params for v in pair])
    return [np.asarray(g, dtype=np.float64) for g in grads], float(loss)


def _kink_pattern(net: NeuralNetwork) -> list[np.ndarray]:
    """Which side of its kink every ReLU/LeakyReLU unit sat on in the last forward pass."""
    return [
        layer.last_activation > 0
        for layer in net.layers
        if layer.activation in ("relu", "leaky_relu")
    ]


def _same_pattern(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def numeric_network_gradients(net: NeuralNetwork, X, Y, eps: float = FD_EPS, progress=None):
    """Central differences of ``net.loss_value(X, Y)`` for every weight and bias, in float64.

    Returns ``(grads, kinks)``: ``grads`` is ``[dW1, db1, …]``; ``kinks`` has the same shapes
    and marks entries where no valid difference was found (NaN in ``grads``). A difference is
    invalid when a ReLU/LeakyReLU unit changes side between θ − eps and θ + eps; the step is
    then retried at eps/10 and eps/100, and if the kink is still inside the step the entry is
    NaN (see :func:`deltagrad.gradcheck.central_difference`'s ``valid``). ``net``
    itself is left untouched (a copy is nudged). ``progress(k)`` is called as every k
    parameters are done (two forward passes each, over all of ``X``).
    """
    work = copy.deepcopy(net)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    work.loss_value(X, Y)
    pattern = _kink_pattern(work)

    def loss(_):  # the nudged array is one of work's own parameter arrays
        return work.loss_value(X, Y)

    def same_side(_):  # no ReLU/LeakyReLU unit switched on or off: a derivative, not a kink
        return _same_pattern(_kink_pattern(work), pattern)

    grads, kinks = [], []
    for param in (p for pair in zip(work.weights, work.biases) for p in pair):
        g = central_difference(
            loss,
            param,
            (eps, eps / 10, eps / 100),
            valid=same_side if pattern else None,
            progress=progress,
        )
        grads.append(g)
        kinks.append(np.isnan(g))
    return grads, kinks


def _check_config(n_samples, sizes, activation, loss, n_train):
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, (int, np.integer))
        or not 1 <= n_samples <= n_train
    ):
        raise ValueError(f"n_samples must be an integer in 1..{n_train}, got {n_samples!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {ACTIVATIONS}")
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; valid: {LOSSES}")
    if len(sizes) < 2 or sizes[0] != 2 or sizes[-1] < 2:
        raise ValueError(
            f"sizes must start with 2 inputs and end with >= 2 outputs for the "
            f"two moons, got {tuple(sizes)}"
        )


def moons_gradient_table(
    seed: int = 0,
    n_samples: int = 8,
    sizes=CHAPTER_SIZES,
    activation: str | None = "sigmoid",
    loss: str = "mse",
    eps: float = FD_EPS,
    progress=None,
) -> list[dict]:
    """Every parameter's derivative three ways, for the chapter's moons network.

    The network is ``NeuralNetwork.build(sizes, activation, loss, rng=seed)``; the loss is
    taken over the first ``n_samples`` points of the chapter's training set (one-hot targets).
    One row per parameter, layer by layer (``W1, b1, W2, …``), in row-major order:
    ``parameter, index`` (a tuple), ``delta_rule, tape, numeric``, ``rel_error_tape`` and
    ``rel_error_numeric`` (the delta rule against each), ``rel_error`` (the larger) and
    ``kink`` (True where the finite difference straddles a ReLU kink: ``numeric`` is NaN and
    only the tape is compared).

    Errors are :func:`~deltagrad.gradcheck.relative_error`'s: relative to the largest
    derivative in the same ``W`` or ``b`` (floored at ``gradcheck.ATOL``), since a plain
    entry-wise ratio would blow float64 round-off in the differences (~1e−11) up past 1e−6 for
    the smallest derivatives (~1e−7), whichever engine is right.

    ``progress(k)`` is called as every k parameters' finite differences are done (the slow
    leg: two forward passes per parameter over the ``n_samples`` points, about 40 s for all
    2,702 parameters over 1,400 samples).
    """
    X_train, _, y_train, _ = chapter_data()
    sizes = tuple(int(s) for s in sizes)
    _check_config(n_samples, sizes, activation, loss, len(X_train))
    net = NeuralNetwork.build(sizes, activation, loss, rng=seed)
    X, Y = X_train[:n_samples], one_hot(y_train[:n_samples], sizes[-1])
    delta = [g for pair in net.gradients(X, Y) for g in pair]
    tape, _ = tape_network_gradients(net, X, Y)
    numeric, kinks = numeric_network_gradients(net, X, Y, eps, progress)
    rows = []
    for name, d, t, n, kink in zip(parameter_names(net), delta, tape, numeric, kinks):
        err_t = relative_error(d, t)
        err_n = np.where(kink, 0.0, relative_error(d, np.where(kink, d, n)))
        for idx in np.ndindex(d.shape):
            rows.append(
                {
                    "parameter": name,
                    "index": idx,
                    "delta_rule": float(d[idx]),
                    "tape": float(t[idx]),
                    "numeric": float(n[idx]),
                    "rel_error_tape": float(err_t[idx]),
                    "rel_error_numeric": float(err_n[idx]),
                    "rel_error": float(max(err_t[idx], err_n[idx])),
                    "kink": bool(kink[idx]),
                }
            )
    return rows


def summarize(rows: list[dict], tolerance: float = TOLERANCE) -> dict:
    """The table in a few numbers: parameters checked, the largest relative errors (delta rule
    vs tape, vs finite differences), the worst row, rows skipped at kinks, and ``passed``
    (every error ≤ tolerance)."""
    if not rows:
        raise ValueError("summarize: the table is empty")
    worst = max(rows, key=lambda r: r["rel_error"])
    failures = sum(r["rel_error"] > tolerance for r in rows)
    return {
        "parameters": len(rows),
        "max_rel_error_tape": max(r["rel_error_tape"] for r in rows),
        "max_rel_error_numeric": max(r["rel_error_numeric"] for r in rows),
        "max_rel_error": worst["rel_error"],
        "worst": {"parameter": worst["parameter"], "index": list(worst["index"])},
        "kinks": sum(r["kink"] for r in rows),
        "tolerance": tolerance,
        "failures": int(failures),
        "passed": failures == 0,
    }
