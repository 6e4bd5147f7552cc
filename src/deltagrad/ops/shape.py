"""Shape ops: reshape, transpose, indexing, concatenate, stack."""
from __future__ import annotations

import numpy as np

from deltagrad.ops.core import Primitive, shape_of

reshape = Primitive("reshape", lambda x, shape: np.reshape(x, shape))
reshape.defvjp(lambda g, out, x, shape: reshape.bind(g, shape=shape_of(x)))


def _inverse(axes, ndim):
    if axes is None:
        return None
    return tuple(np.argsort([a % ndim for a in axes]))


transpose = Primitive("transpose", lambda x, axes: np.transpose(x, axes))
transpose.defvjp(lambda g, out, x, axes: transpose.bind(g, axes=_inverse(axes, len(shape_of(x)))))


def expand_dims(x, axis):
    s = list(shape_of(x))
    s.insert(axis if axis >= 0 else len(s) + axis + 1, 1)
    return reshape.bind(x, shape=tuple(s))


def squeeze_last(x):
    return reshape.bind(x, shape=shape_of(x)[:-1])


# --- indexing: the gradient scatters g back into zeros ---------------------------------------

def _is_fancy(key):
    if key.__class__ is int or key.__class__ is slice:
        return False
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (list, np.ndarray)) for k in keys)


def _scatter(g, key, shape):
    out = np.zeros(shape, dtype=g.dtype)
    if _is_fancy(key):
        np.add.at(out, key, g)  # repeated indices accumulate
    else:
        out[key] = g
    return out


getitem = Primitive("getitem", lambda x, key: x[key])
scatter = Primitive("scatter", _scatter)
getitem.defvjp(lambda g, out, x, key: scatter.bind(g, key=key, shape=shape_of(x)))


def _getitem_into(buf, g, x, key, fresh):
    if _is_fancy(key):
        np.add.at(buf, key, g)
    elif fresh:  # buf is all zeros: writing is enough
        buf[key] = g
    else:
        buf[key] += g


getitem.vjp_into = _getitem_into
scatter.defvjp(lambda g, out, x, key, shape: getitem.bind(g, key=key))


# --- joining --------------------------------------------------------------------------------

concatenate = Primitive("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis))


def _concatenate_vjp(i, g, out, *xs, axis):
    ax = axis % len(shape_of(out))
    start = sum(shape_of(x)[ax] for x in xs[:i])
    key = (slice(None),) * ax + (slice(start, start + shape_of(xs[i])[ax]),)
    return getitem.bind(g, key=key)


concatenate.defvjp_argnum(_concatenate_vjp)

stack = Primitive("stack", lambda *xs, axis: np.stack(xs, axis=axis))


def _stack_vjp(i, g, out, *xs, axis):
    ax = axis % len(shape_of(out))
    return getitem.bind(g, key=(slice(None),) * ax + (i,))


stack.defvjp_argnum(_stack_vjp)
