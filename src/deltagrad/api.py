"""The public functions of ``import deltagrad as dg``: each returns a Tensor.

Plain arrays and numbers are accepted wherever a tensor is (they are constants).
"""
from __future__ import annotations

import numpy as np

from deltagrad import ops as _ops
from deltagrad.tensor import Tensor, as_tensor


def exp(x) -> Tensor:
    """e**x, element-wise."""
    return _ops.exp(x)


def log(x) -> Tensor:
    """Natural logarithm, element-wise."""
    return _ops.log(x)


def sqrt(x) -> Tensor:
    """Square root, element-wise."""
    return _ops.sqrt(x)


def abs(x) -> Tensor:  # noqa: A001 - mirrors NumPy's name
    """|x|, element-wise (derivative sign(x); 0 at x = 0)."""
    return _ops.abs_(x)


def square(x) -> Tensor:
    """x², element-wise."""
    return _ops.square(x)


def tanh(x) -> Tensor:
    """Hyperbolic tangent; derivative 1 − tanh²(x)."""
    return _ops.tanh(x)


def sigmoid(x) -> Tensor:
    """σ(x) = 1 / (1 + e^−x), stable for any x; derivative σ(x)(1 − σ(x))."""
    return _ops.sigmoid(x)


def relu(x) -> Tensor:
    """max(0, x). Derivative 1 for x > 0 and 0 for x ≤ 0 (0 at the kink)."""
    return _ops.relu(x)


def leaky_relu(x, alpha: float = 0.01) -> Tensor:
    """x for x ≥ 0, alpha·x for x < 0. Derivative 1 for x > 0, alpha for x ≤ 0."""
    return _ops.leaky_relu(x, alpha=alpha)


def softmax(x, axis: int = -1) -> Tensor:
    """e^x / Σ e^x along ``axis``, computed stably."""
    return _ops.softmax(x, axis=axis)


def log_softmax(x, axis: int = -1) -> Tensor:
    """log softmax(x) along ``axis``, by log-sum-exp."""
    return _ops.log_softmax(x, axis=axis)


def softmax_cross_entropy(labels, logits, axis: int = -1) -> Tensor:
    """−Σ labels·log softmax(logits) along ``axis``, fused and stable; gradient p − y."""
    return _ops.softmax_cross_entropy(labels, logits, axis=axis)


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (an int, a tuple, or None for all)."""
    return _ops.sum_(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (an int, a tuple, or None for all)."""
    return _ops.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient equally."""
    return _ops.max_(x, axis=axis, keepdims=keepdims)


def maximum(x, y) -> Tensor:
    """Element-wise maximum; at ties the gradient goes to ``x``."""
    return _ops.maximum(x, y)


def minimum(x, y) -> Tensor:
    """Element-wise minimum; at ties the gradient goes to ``x``."""
    return _ops.minimum(x, y)


def where(condition, x, y) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (gradient flows to the chosen one)."""
    return _ops.where(condition, x, y)


def matmul(x, y) -> Tensor:
    """Matrix product, as ``x @ y`` (NumPy's rules for 1-D and batched operands)."""
    return _ops.matmul(x, y)


def reshape(x, shape) -> Tensor:
    """``x`` with a new shape of the same size."""
    return _ops.reshape(x, shape=tuple(np.atleast_1d(shape).tolist()) if not isinstance(shape, tuple) else shape)


def transpose(x, axes=None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None)."""
    return _ops.transpose(x, axes=None if axes is None else tuple(axes))


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return _ops.concatenate(*tensors, axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    return _ops.stack(*tensors, axis=axis)


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype``; the gradient is cast back."""
    return _ops.cast(x, dtype=np.dtype(dtype))


def stop_gradient(x) -> Tensor:
    """``x`` as a constant: no gradient flows through it."""
    return _ops.stop_gradient(as_tensor(x))


# --- NumPy's functions on Tensors -----------------------------------------------------------

# NumPy functions whose deltagrad op has another name. Every other public function of this
# module with a NumPy namesake is found by name.
_NUMPY_ALIASES = {"amax": "max"}


def numpy_functions() -> dict:
    """``{numpy function: deltagrad function}``: what ``np.f(tensor, …)`` runs (see
    :mod:`deltagrad._numpy_dispatch`). A deltagrad function registered here takes NumPy's
    argument names for everything it supports."""
    table = {}
    public = {name: fn for name, fn in globals().items()
              if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == __name__}
    for name, fn in public.items():
        np_fn = getattr(np, name, None)
        if np_fn is not None and not isinstance(np_fn, np.ufunc) and callable(np_fn):
            table[np_fn] = fn
    for np_name, dg_name in _NUMPY_ALIASES.items():
        if hasattr(np, np_name) and dg_name in public:
            table[getattr(np, np_name)] = public[dg_name]
    return table
