"""Compatibility namespaces, so code written for another framework runs on deltagrad's engine.

``from deltagrad.compat import tf`` gives a TensorFlow-style namespace (``tf.constant``,
``tf.GradientTape``, ``tf.losses.MSE``, …) in which the chapter's listings run unchanged. It is a
thin layer: every function returns deltagrad's own :class:`~deltagrad.Tensor` and records on
deltagrad's own tape.
"""

from deltagrad.compat import tf

__all__ = ["tf"]
