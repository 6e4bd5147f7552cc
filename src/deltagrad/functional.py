"""Activations and losses with their analytic derivatives, in plain NumPy (chapter 7.3 to 7.5).

One home for each *forward* formula: the autodiff engine's sigmoid, softmax and log-softmax
(:mod:`deltagrad.ops`) and the delta-rule network (:mod:`deltagrad.backprop`) evaluate these
functions, and :data:`LEAKY_ALPHA` is the one default LeakyReLU slope. The *derivatives* are
deliberately not shared: this module's analytic formulas, the VJP rules of :mod:`deltagrad.ops`,
the delta rule of :mod:`deltagrad.backprop` and the Numba kernels of :mod:`deltagrad.fast` are
four independent implementations, so that the tests checking them against each other (and
against finite differences) check something.

Every function takes array-likes and returns float arrays (integer input is promoted to
float64; float32 stays float32). Nothing here warns or returns NaN for finite input, even at
``|x| = 1000``: the sigmoid is evaluated by the sign of ``x``, ``tanh`` is NumPy's (never
``2 * sigmoid(2x) - 1``), softmax and cross-entropy go through log-sum-exp.

Conventions, written down once and shared with the autodiff engine:

* **Kinks.** At ``x = 0`` ReLU and LeakyReLU take the left-hand derivative:
  ``relu'(0) = 0`` and ``leaky_relu'(0) = alpha`` (the test is ``x > 0``). The forward
  LeakyReLU is ``x`` for ``x >= 0`` and ``alpha * x`` for ``x < 0``; the default slope is
  ``alpha = LEAKY_ALPHA = 0.01``.
* **Derivatives from the output.** As in the chapter, the sigmoid and tanh derivatives can
  be computed from the cached output ``o``: ``o * (1 - o)`` and ``1 - o**2``. For ReLU and
  LeakyReLU (with ``alpha > 0``) the output is positive exactly when the input is, so their
  derivative functions give the same answer whether they are passed the input or the output.
* **Losses.** Losses are per-sample sums over the last axis, averaged over the samples (the
  leading axes); a 1-D array is one sample. So for one sample ``squared_error`` is the
  chapter's ``1/2 * sum_k (o_k - t_k)**2`` with gradient ``o - t``, and
  ``softmax_cross_entropy`` is ``-sum_k y_k log p_k`` with gradient ``p - y``; for ``n``
  samples both gradients are divided by ``n``. ``mse`` is the mean over *all* entries, the
  number the chapter prints as "MSE".
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LEAKY_ALPHA",
    "sigmoid",
    "sigmoid_derivative",
    "sigmoid_derivative_from_output",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "tanh",
    "tanh_derivative",
    "tanh_derivative_from_output",
    "softmax",
    "log_softmax",
    "softmax_jacobian",
    "mse",
    "mse_grad",
    "squared_error",
    "squared_error_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
]

LEAKY_ALPHA = 0.01
"""The default negative-side slope ``alpha`` of LeakyReLU, everywhere (``functional``,
``deltagrad.leaky_relu``, the network and its compiled engine)."""


def _float(x) -> np.ndarray:
    """``x`` as an array of floats (integers and booleans become float64)."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


# --- activations -------------------------------------------------------------------------


def sigmoid(x):
    """σ(x) = 1 / (1 + e^-x), evaluated by sign so that e^-x never overflows.

    Args:
        x: The input: a NumPy array or a number (integers are converted to float64).

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    x = _float(x)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_derivative(x):
    """σ'(x) = σ(x)(1 − σ(x)), from the input ``x``.

    Args:
        x: The input: a NumPy array or a number (integers are converted to float64).

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    return sigmoid_derivative_from_output(sigmoid(x))


def sigmoid_derivative_from_output(out):
    """σ'(x) from the cached output ``out = σ(x)``: ``out * (1 - out)`` (the chapter's form).

    Args:
        out: The activation's output, cached by the forward pass.

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    out = _float(out)
    return out * (1.0 - out)


def relu(x):
    """max(0, x).

    Args:
        x: The input: a NumPy array or a number (integers are converted to float64).

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    x = _float(x)
    return np.maximum(x, 0)


def relu_derivative(x):
    """1 for x > 0, else 0 (so relu'(0) = 0, the left-hand derivative).

    Args:
        x: The input: a NumPy array or a number (integers are converted to float64).

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    x = _float(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x, alpha: float = LEAKY_ALPHA):
    """x for x >= 0, alpha·x for x < 0.

    Args:
        x: The input: a NumPy array or a number (integers are converted to float64).
        alpha: The slope for x < 0 (default ``LEAKY_ALPHA``).

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    x = _float(x)
    return np.where(x >= 0, x, alpha * x).astype(x.dtype, copy=False)


def leaky_relu_derivative(x, alpha: float = LEAKY_ALPHA):
    """1 for x > 0, else alpha (so leaky_relu'(0) = alpha); correct for integer arrays too.

    Args:
        x: The input: a NumPy array or a number (integers are converted to float64).
        alpha: The slope for x < 0 (default ``LEAKY_ALPHA``).

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    x = _float(x)
    return np.where(x > 0, 1.0, alpha).astype(x.dtype, copy=False)


def tanh(x):
    """tanh(x) = (e^x − e^-x)/(e^x + e^-x) = 2σ(2x) − 1, via ``np.tanh`` (no overflow).

    Args:
        x: The input: a NumPy array or a number (integers are converted to float64).

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    return np.tanh(_float(x))


def tanh_derivative(x):
    """tanh'(x) = 1 − tanh²(x), from the input ``x``.

    Args:
        x: The input: a NumPy array or a number (integers are converted to float64).

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    return tanh_derivative_from_output(tanh(x))


def tanh_derivative_from_output(out):
    """tanh'(x) from the cached output ``out = tanh(x)``: ``1 - out**2``.

    Args:
        out: The activation's output, cached by the forward pass.

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    out = _float(out)
    return 1.0 - out * out


# --- softmax -----------------------------------------------------------------------------


def _max_keepdims(z: np.ndarray, axis) -> np.ndarray:
    """``z.max(axis, keepdims=True)``, quicker along a short last axis.

    NumPy reduces a short contiguous last axis slowly: the row maxima of 256 × 10 logits take
    about 11 µs, those of the transposed copy 2 µs (160 µs and 14 µs at 4,096 rows). A maximum
    is exact in any order, so both give the same numbers; the copy is used for at most 16
    classes and at least 16 rows, where it was measured to win.
    """
    k = z.shape[-1] if z.ndim >= 2 else 0
    if (axis == -1 or axis == z.ndim - 1) and 0 < k <= 16 and z.size >= 16 * k:
        columns = np.ascontiguousarray(z.reshape(-1, k).T)
        return columns.max(axis=0).reshape(z.shape[:-1] + (1,))
    return z.max(axis=axis, keepdims=True)


def log_softmax(z, axis: int = -1):
    """log softmax(z) = z − logsumexp(z), stable for any finite z.

    Args:
        z: The logits: a NumPy array (or a number).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    z = _float(z)
    shifted = z - _max_keepdims(z, axis)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(z, axis: int = -1):
    """p_i = e^{z_i} / Σ_k e^{z_k}, computed after subtracting max(z) (no overflow).

    Args:
        z: The logits: a NumPy array (or a number).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        numpy.ndarray: The values, the shape of the input.
    """
    z = _float(z)
    e = np.exp(z - _max_keepdims(z, axis))
    e /= e.sum(axis=axis, keepdims=True)  # e is this function's own array
    return e


def softmax_jacobian(z):
    """∂p_i/∂z_j = p_i(δ_ij − p_j) over the last axis.

    ``z`` of shape (..., K) gives (..., K, K); entry [..., i, j] is ∂p_i/∂z_j (Figure 7-6).

    Args:
        z: The logits: a NumPy array (or a number).

    Returns:
        numpy.ndarray: The K × K Jacobian ∂p_i/∂z_j.
    """
    p = softmax(z)
    eye = np.eye(p.shape[-1], dtype=p.dtype)
    return p[..., :, None] * (eye - p[..., None, :])


# --- losses ------------------------------------------------------------------------------


def _check_same_shape(a, b, what: str):
    if a.shape != b.shape:
        raise ValueError(f"{what}: shapes differ, {a.shape} and {b.shape}")


def _n_samples(a: np.ndarray) -> int:
    """Number of samples: the product of all axes but the last (1 for a 1-D array)."""
    return int(np.prod(a.shape[:-1], dtype=np.int64)) if a.ndim > 1 else 1


def mse(output, target) -> float:
    """Mean squared error over all entries: mean((target − output)²), the chapter's "MSE".

    Args:
        output: The network's output, one row per sample.
        target: The targets (one-hot rows or probabilities), the shape of the first argument.

    Returns:
        float: mean((target − output)²) over every entry (samples × outputs), no ½.

    Raises:
        ValueError: When the two arguments differ in shape.
    """
    o, t = _float(output), _float(target)
    _check_same_shape(o, t, "mse")
    return float(np.mean(np.square(t - o)))


def mse_grad(output, target):
    """∂ mse / ∂ output = 2(output − target) / (number of entries).

    Args:
        output: The network's output, one row per sample.
        target: The targets (one-hot rows or probabilities), the shape of the first argument.

    Returns:
        numpy.ndarray: The values, the shape of the input.

    Raises:
        ValueError: When the two arguments differ in shape.
    """
    o, t = _float(output), _float(target)
    _check_same_shape(o, t, "mse_grad")
    return 2.0 * (o - t) / o.size


def squared_error(output, target) -> float:
    """½ Σ_k (o_k − t_k)² per sample, averaged over samples (chapter 7.4's MSE, as trained).

    Args:
        output: The network's output, one row per sample.
        target: The targets (one-hot rows or probabilities), the shape of the first argument.

    Returns:
        float: The loss value.

    Raises:
        ValueError: When the two arguments differ in shape.
    """
    o, t = _float(output), _float(target)
    _check_same_shape(o, t, "squared_error")
    return float(0.5 * np.sum(np.square(o - t)) / _n_samples(o))


def squared_error_grad(output, target):
    """∂ squared_error / ∂ output = (o − t) / n_samples; exactly o − t for one sample.

    Args:
        output: The network's output, one row per sample.
        target: The targets (one-hot rows or probabilities), the shape of the first argument.

    Returns:
        numpy.ndarray: The values, the shape of the input.

    Raises:
        ValueError: When the two arguments differ in shape.
    """
    o, t = _float(output), _float(target)
    _check_same_shape(o, t, "squared_error_grad")
    return (o - t) / _n_samples(o)


def softmax_cross_entropy(logits, target) -> float:
    """−Σ_k y_k log softmax(z)_k per sample, averaged over samples; from logits, stably.

    Args:
        logits: The logits, one row per sample.
        target: The targets (one-hot rows or probabilities), the shape of the first argument.

    Returns:
        float: The mean over samples of −Σ target·log softmax(logits).

    Raises:
        ValueError: When the two arguments differ in shape.
    """
    z, y = _float(logits), _float(target)
    _check_same_shape(z, y, "softmax_cross_entropy")
    return float(-np.sum(y * log_softmax(z)) / _n_samples(z))


def softmax_cross_entropy_grad(logits, target):
    """∂L/∂z = (p − y) / n_samples; exactly p − y for one sample (Σ_k y_k = 1).

    Args:
        logits: The logits, one row per sample.
        target: The targets (one-hot rows or probabilities), the shape of the first argument.

    Returns:
        numpy.ndarray: The values, the shape of the input.

    Raises:
        ValueError: When the two arguments differ in shape.
    """
    z, y = _float(logits), _float(target)
    _check_same_shape(z, y, "softmax_cross_entropy_grad")
    return (softmax(z) - y) / _n_samples(z)
