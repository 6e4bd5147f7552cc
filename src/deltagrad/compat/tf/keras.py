"""``tf.keras``: only ``tf.keras.losses``, the same functions as ``tf.losses``."""

from deltagrad.compat.tf import losses

__all__ = ["losses"]
