"""Reductions: sum, mean, max over an axis (or all), with keepdims."""
from __future__ import annotations

import numpy as np

from deltagrad.ops.core import Primitive, broadcast_to, shape_of
from deltagrad.ops.shape import reshape
from deltagrad.ops.arith import equal


def _normal_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}")
    return tuple(sorted(a % max(ndim, 1) for a in axes))


def _keepdims_shape(x, axis):
    s = shape_of(x)
    axes = _normal_axes(axis, len(s))
    return tuple(1 if i in axes else n for i, n in enumerate(s))


def _spread(g, x, axis, keepdims):
    """Broadcast a reduced gradient back over the reduced axes of ``x``."""
    if not keepdims:
        g = reshape.bind(g, shape=_keepdims_shape(x, axis))
    return broadcast_to.bind(g, shape=shape_of(x))


def _check_axis(fn):
    def fwd(x, axis, keepdims):
        _normal_axes(axis, np.ndim(x))
        return fn(x, axis=None if axis is None else tuple(axis) if isinstance(axis, list) else axis,
                  keepdims=keepdims)
    return fwd


sum_ = Primitive("sum", _check_axis(np.sum))
sum_.defvjp(lambda g, out, x, axis, keepdims: _spread(g, x, axis, keepdims))


def _count(x, axis):
    s = shape_of(x)
    return int(np.prod([s[a] for a in _normal_axes(axis, len(s))]))


mean = Primitive("mean", _check_axis(np.mean))
mean.defvjp(lambda g, out, x, axis, keepdims: _spread(g, x, axis, keepdims) / _count(x, axis))


def _max_vjp(g, out, x, axis, keepdims):
    # Ties share the gradient equally (as TensorFlow's reduce_max does).
    full = _spread(out, x, axis, keepdims)
    mask = equal.bind(x, full)
    count = sum_.bind(mask, axis=axis, keepdims=True)
    return _spread(g, x, axis, keepdims) * mask / count


max_ = Primitive("max", _check_axis(np.max))
max_.defvjp(_max_vjp)
