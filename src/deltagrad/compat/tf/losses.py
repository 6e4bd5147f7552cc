"""``tf.losses`` (also ``tf.keras.losses``): mean squared error and categorical cross-entropy.

As in TensorFlow, labels are cast to the prediction's dtype and each loss is taken over the
last axis, giving one value per example (reduce it with ``tf.reduce_mean``).
"""

from __future__ import annotations

import numpy as np

import deltagrad as dg
from deltagrad.compat.tf._convert import like, require_float, to_tensor

EPSILON = 1e-7  # Keras's clipping constant for probabilities


def MSE(y_true, y_pred) -> dg.Tensor:  # noqa: N802 - TensorFlow's name
    """mean((y_true − y_pred)², axis=-1), broadcasting the two as TensorFlow does."""
    y_pred = to_tensor(y_pred, what="tf.losses.MSE")
    y_true = like(y_true, y_pred, "tf.losses.MSE")
    if y_pred.ndim == 0:
        raise ValueError("tf.losses.MSE: y_pred must have at least one axis, got a scalar")
    try:
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(
            f"tf.losses.MSE: y_true of shape {y_true.shape} and y_pred of shape "
            f"{y_pred.shape} cannot be broadcast together"
        ) from None
    return dg.mean(dg.square(y_pred - y_true), axis=-1)


mse = mean_squared_error = MSE


def _labels_for(y_true, y_pred, what):
    """Labels of the prediction's shape. Labels of another rank are accepted when the two differ
    only by leading axes of length 1 (the chapter's ``[0, 1]`` against logits of shape (1, 2),
    which older TensorFlow broadcast and current Keras rejects); anything else is an error."""
    if y_true.shape == y_pred.shape:
        return y_true
    if _strip_ones(y_true.shape) == _strip_ones(y_pred.shape):
        return dg.reshape(y_true, y_pred.shape)
    raise ValueError(
        f"{what}: labels of shape {y_true.shape} do not match predictions of shape "
        f"{y_pred.shape}; labels must be one distribution per example (for class "
        "indices, use tf.one_hot(labels, depth))"
    )


def _strip_ones(shape):
    lead = 0
    while lead < len(shape) and shape[lead] == 1:
        lead += 1
    return shape[lead:]


def categorical_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
) -> dg.Tensor:
    """−Σ y_true·log p over ``axis``, one value per example.

    With ``from_logits=True``, p = softmax(y_pred), fused and stable (gradient p − y). Otherwise
    ``y_pred`` holds probabilities: as Keras does, they are divided by their sum over ``axis``
    and clipped to [1e-7, 1 − 1e-7] before the log. ``label_smoothing`` ε mixes the labels with
    the uniform distribution: y·(1 − ε) + ε/K.
    """
    what = "tf.losses.categorical_crossentropy"
    y_pred = require_float(to_tensor(y_pred, what=what), what)
    if y_pred.ndim == 0:
        raise ValueError(f"{what}: y_pred must have at least one axis, got a scalar")
    y_true = _labels_for(like(y_true, y_pred, what), y_pred, what)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"{what}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    if label_smoothing:
        y_true = y_true * (1 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    if from_logits:
        return dg.softmax_cross_entropy(labels=y_true, logits=y_pred, axis=axis)
    p = y_pred / dg.sum(y_pred, axis=axis, keepdims=True)
    p = dg.minimum(dg.maximum(p, EPSILON), 1 - EPSILON)
    return -dg.sum(y_true * dg.log(p), axis=axis)


__all__ = ["MSE", "mse", "mean_squared_error", "categorical_crossentropy"]
