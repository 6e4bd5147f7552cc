"""``tf.nn``: the activations the chapter uses."""

from __future__ import annotations

import deltagrad as dg
from deltagrad.compat.tf._convert import require_float, to_tensor


def relu(features, name=None) -> dg.Tensor:
    """max(0, x); its derivative at 0 is 0 (deltagrad's convention, as in TensorFlow)."""
    return dg.relu(to_tensor(features, what="tf.nn.relu"))


def sigmoid(x, name=None) -> dg.Tensor:
    """σ(x) = 1 / (1 + e^−x), computed stably."""
    return dg.sigmoid(require_float(to_tensor(x, what="tf.nn.sigmoid"), "tf.nn.sigmoid"))


def softmax(logits, axis=None, name=None) -> dg.Tensor:
    """e^z / Σ e^z along ``axis`` (the last one by default), computed stably."""
    z = require_float(to_tensor(logits, what="tf.nn.softmax"), "tf.nn.softmax")
    return dg.softmax(z, axis=-1 if axis is None else axis)


__all__ = ["relu", "sigmoid", "softmax"]
