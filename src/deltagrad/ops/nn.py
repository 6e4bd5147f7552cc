"""Softmax family, computed stably from logits (log-sum-exp)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from deltagrad import functional as F
from deltagrad.ops.core import Primitive, value_of
from deltagrad.ops.public import TensorLike, public
from deltagrad.ops.reduce import sum_p
from deltagrad.ops.shape import expand_dims_p
from deltagrad.ops.unary import exp_p
from deltagrad.tensor import Tensor

__all__ = [
    "softmax",
    "log_softmax",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
]

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


# The forward formulas are functional's (log-sum-exp, stable for any finite logits); the VJP
# rules below are this engine's own.
softmax_p = Primitive("softmax", F.softmax)
softmax_p.defvjp(lambda g, out, x, axis: out * (g - sum_p.bind(g * out, axis=axis, keepdims=True)))


@public
def softmax(x: TensorLike, axis: int = -1) -> Tensor:
    """e^x / Σ e^x along ``axis``, computed stably."""
    return softmax_p(x, axis=axis)


log_softmax_p = Primitive("log_softmax", F.log_softmax)
log_softmax_p.defvjp(
    lambda g, out, x, axis: g - exp_p.bind(out) * sum_p.bind(g, axis=axis, keepdims=True)
)


@public
def log_softmax(x: TensorLike, axis: int = -1) -> Tensor:
    """log softmax(x) along ``axis``, by log-sum-exp."""
    return log_softmax_p(x, axis=axis)


def _softmax_cross_entropy(labels: ArrayLike, logits: ArrayLike, axis: int) -> Any:
    if np.shape(labels) != np.shape(logits):
        raise ValueError(
            f"labels of shape {np.shape(labels)} and logits of shape "
            f"{np.shape(logits)} must have the same shape (for integer class "
            "indices use sparse_softmax_cross_entropy)"
        )
    return -np.sum(labels * F.log_softmax(logits, axis), axis=axis)


def _sce_dlogits(g: Any, out: Any, labels: Any, logits: Any, axis: Any) -> Any:
    # d/dz of −Σ y log softmax(z) = softmax(z)·Σy − y  (= p − y for one-hot labels)
    g = expand_dims_p(g, axis)
    return g * (
        softmax_p.bind(logits, axis=axis) * sum_p.bind(labels, axis=axis, keepdims=True) - labels
    )


def _sce_dlabels(g: Any, out: Any, labels: Any, logits: Any, axis: Any) -> Any:
    return -expand_dims_p(g, axis) * log_softmax_p.bind(logits, axis=axis)


softmax_cross_entropy_p = Primitive("softmax_cross_entropy", _softmax_cross_entropy)
softmax_cross_entropy_p.defvjp(_sce_dlabels, _sce_dlogits)


@public
def softmax_cross_entropy(*, labels: TensorLike, logits: TensorLike, axis: int = -1) -> Tensor:
    """−Σ labels·log softmax(logits) along ``axis``, fused and stable; gradient p − y.

    Keyword-only, as in TensorFlow (``labels=``, ``logits=``), so the two cannot be swapped.
    ``labels`` (one-hot rows or probabilities) must have the shape of ``logits``; the result
    has that shape without ``axis``. Raises ValueError naming both shapes otherwise. For
    integer class indices use :func:`sparse_softmax_cross_entropy`.

    Args:
        labels: The labels; see above for their shape.
        logits: The unnormalised scores; the class axis is the last unless ``axis`` says otherwise.
    """
    return softmax_cross_entropy_p(labels, logits, axis=axis)


# --- integer class indices: labels of shape logits.shape[:-1] ---------------------------------


def _check_sparse(labels: ArrayLike, logits: ArrayLike) -> NDArray[Any]:
    labels = value_of(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if np.ndim(logits) < 1 or labels.shape != np.shape(logits)[:-1]:
        raise ValueError(
            f"labels of shape {labels.shape} must have the shape of logits "
            f"{np.shape(logits)} without its last (class) axis"
        )
    n_classes = np.shape(logits)[-1]
    # One reduction checks both ends: viewed as unsigned, a negative label is huge.
    unsigned = labels.view(np.dtype(f"u{labels.dtype.itemsize}"))
    if labels.size and unsigned.max() >= n_classes:
        bad = labels[(labels < 0) | (labels >= n_classes)].flat[0]
        raise ValueError(
            f"label {bad} is out of range for {n_classes} classes (0 to {n_classes - 1})"
        )
    return labels


def _sparse_sce(labels: ArrayLike, logits: ArrayLike) -> Any:
    labels = _check_sparse(labels, logits)
    log_p = F.log_softmax(logits, -1)
    if labels.ndim == 1:  # a batch of rows: pick with two index arrays (the same entries)
        return -log_p[np.arange(len(labels)), labels]
    picked = np.take_along_axis(log_p, labels[..., None], axis=-1)
    return -picked[..., 0]


def _sparse_sce_dlogits(g: Any, out: Any, labels: Any, logits: Any) -> Any:
    if g.__class__ is np.ndarray and logits.__class__ is np.ndarray and logits.ndim == 2:
        # A first derivative on a batch of rows: p − onehot(labels) formed in p's memory (the
        # same numbers as the general path below, without the one-hot array).
        p = F.softmax(logits, -1)
        p[np.arange(len(p)), labels] -= 1
        if p.dtype == g.dtype:
            p *= g[:, None]
            return p
        return g[:, None] * p
    one_hot = np.zeros(np.shape(logits), dtype=np.result_type(value_of(logits).dtype, np.float32))
    np.put_along_axis(one_hot, value_of(labels)[..., None], 1, axis=-1)
    return expand_dims_p(g, -1) * (softmax_p.bind(logits, axis=-1) - one_hot)


sparse_softmax_cross_entropy_p = Primitive("sparse_softmax_cross_entropy", _sparse_sce)
sparse_softmax_cross_entropy_p.defvjp(None, _sparse_sce_dlogits)


@public
def sparse_softmax_cross_entropy(*, labels: TensorLike, logits: TensorLike) -> Tensor:
    """−log softmax(logits)[label] for integer class indices ``labels``.

    ``labels`` has the shape of ``logits`` without its last (class) axis and holds integers in
    0 … C−1 (checked; a ValueError names the first one out of range). The gradient with respect
    to ``logits`` is p − onehot(labels); labels carry no gradient.

    Args:
        labels: The labels; see above for their shape.
        logits: The unnormalised scores; the class axis is the last unless ``axis`` says otherwise.
    """
    return sparse_softmax_cross_entropy_p(labels, logits)
