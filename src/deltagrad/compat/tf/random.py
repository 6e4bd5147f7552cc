"""``tf.random``: normal and uniform draws, reproducible with ``tf.random.set_seed``.

TensorFlow keeps a global seed; here its counterpart is one module-level ``np.random.Generator``
that ``set_seed`` re-creates. It lives in this compatibility namespace only (deltagrad's own
code takes explicit seeds) and never touches NumPy's hidden global state. Before any
``set_seed`` call the generator is seeded from fresh OS entropy, like an unseeded TensorFlow.
"""

from __future__ import annotations

import numpy as np

import deltagrad as dg
from deltagrad.compat.tf._convert import as_dtype, as_shape

_generator = np.random.default_rng()


def set_seed(seed) -> None:
    """Restart the draws of ``tf.random`` from ``seed`` (a non-negative int; None: unseeded)."""
    global _generator
    if seed is not None and (isinstance(seed, bool) or int(seed) != seed or seed < 0):
        raise ValueError(
            f"tf.random.set_seed: seed must be a non-negative int or None, got {seed!r}"
        )
    _generator = np.random.default_rng(None if seed is None else int(seed))


def _no_op_seed(seed, what):
    if seed is not None:
        raise ValueError(
            f"{what}: seed={seed!r} (an op-level seed) is not supported; "
            "call tf.random.set_seed(seed) before drawing instead"
        )


def normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None) -> dg.Tensor:
    """Draws from N(mean, stddev²) of the given shape (float32 by default)."""
    _no_op_seed(seed, "tf.random.normal")
    dtype = as_dtype(dtype, "tf.random.normal")
    if dtype.kind != "f":
        raise ValueError(f"tf.random.normal: dtype must be a float type, got {dtype}")
    draw = _generator.standard_normal(as_shape(shape, "tf.random.normal"))
    return dg.constant((draw * float(stddev) + float(mean)).astype(dtype))


def uniform(shape, minval=0, maxval=None, dtype=np.float32, seed=None, name=None) -> dg.Tensor:
    """Draws from U[minval, maxval): floats (maxval defaults to 1) or integers (maxval needed)."""
    _no_op_seed(seed, "tf.random.uniform")
    dtype = as_dtype(dtype, "tf.random.uniform")
    shape = as_shape(shape, "tf.random.uniform")
    if dtype.kind in "iu":
        if maxval is None:
            raise ValueError(f"tf.random.uniform: maxval is required for integer dtype {dtype}")
        return dg.constant(_generator.integers(int(minval), int(maxval), shape, dtype=dtype))
    if dtype.kind != "f":
        raise ValueError(f"tf.random.uniform: dtype must be a float or integer type, got {dtype}")
    lo, hi = float(minval), 1.0 if maxval is None else float(maxval)
    u = _generator.random(shape, dtype=np.float64 if dtype == np.float64 else np.float32)
    # NumPy's stub types Generator.random(shape) as float when shape may be None.
    return dg.constant((lo + (hi - lo) * u).astype(dtype))  # type: ignore[attr-defined]


__all__ = ["set_seed", "normal", "uniform"]
