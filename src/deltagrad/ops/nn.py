"""Softmax family, computed stably from logits (log-sum-exp)."""
from __future__ import annotations

import numpy as np

from deltagrad.ops.core import Primitive
from deltagrad.ops.unary import exp
from deltagrad.ops.reduce import sum_
from deltagrad.ops.shape import expand_dims


def _log_softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


softmax = Primitive("softmax", _softmax)
softmax.defvjp(lambda g, out, x, axis:
               out * (g - sum_.bind(g * out, axis=axis, keepdims=True)))

log_softmax = Primitive("log_softmax", _log_softmax)
log_softmax.defvjp(lambda g, out, x, axis:
                   g - exp.bind(out) * sum_.bind(g, axis=axis, keepdims=True))


def _softmax_cross_entropy(labels, logits, axis):
    return -np.sum(labels * _log_softmax(logits, axis), axis=axis)


def _sce_dlogits(g, out, labels, logits, axis):
    # d/dz of −Σ y log softmax(z) = softmax(z)·Σy − y  (= p − y for one-hot labels)
    g = expand_dims(g, axis)
    return g * (softmax.bind(logits, axis=axis) * sum_.bind(labels, axis=axis, keepdims=True) - labels)


def _sce_dlabels(g, out, labels, logits, axis):
    return -expand_dims(g, axis) * log_softmax.bind(logits, axis=axis)


softmax_cross_entropy = Primitive("softmax_cross_entropy", _softmax_cross_entropy)
softmax_cross_entropy.defvjp(_sce_dlabels, _sce_dlogits)
