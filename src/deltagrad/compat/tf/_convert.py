"""Turning Python values into engine tensors with TensorFlow's default dtypes.

TensorFlow makes Python floats float32 and Python ints int32, where NumPy (and so
``deltagrad.constant``) would give float64 and int64. NumPy arrays keep their dtype, as in
TensorFlow. Tensors pass through untouched, so the tape keeps following them.
"""

from __future__ import annotations

import numpy as np

import deltagrad as dg

_INT32 = np.iinfo(np.int32)


def as_dtype(dtype, what: str) -> np.dtype:
    """``dtype`` (``tf.float32``, ``'float32'``, ``np.float32``) as a NumPy dtype."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{what}: dtype {dtype!r} is not a data type; use e.g. tf.float32 or tf.int32"
        ) from None


def _python_array(value, what: str) -> np.ndarray:
    """A Python number or (nested) list as an array with TensorFlow's default dtypes."""
    try:
        arr = np.asarray(value)
    except ValueError as err:  # ragged lists
        raise ValueError(
            f"{what}: cannot convert {type(value).__name__} to a tensor: {err}"
        ) from None
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype.kind == "i" and (
        arr.size == 0 or _INT32.min <= arr.min() and arr.max() <= _INT32.max
    ):
        return arr.astype(np.int32)
    return arr


def _cast_array(arr: np.ndarray, dtype: np.dtype, what: str) -> np.ndarray:
    if (
        arr.dtype.kind == "f"
        and dtype.kind in "iub"
        and not np.all(np.isfinite(arr) & (np.trunc(arr) == arr))
    ):
        raise TypeError(
            f"{what}: cannot convert non-integral values to dtype {dtype}; use tf.cast to truncate"
        )
    return arr.astype(dtype)


def to_tensor(value, dtype=None, what: str = "tf.constant") -> dg.Tensor:
    """``value`` as an engine Tensor: Tensors pass through (cast if ``dtype`` differs)."""
    if isinstance(value, dg.Tensor):
        if dtype is None or as_dtype(dtype, what) == value.dtype:
            return value
        return dg.cast(value, as_dtype(dtype, what))
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
    else:
        arr = _python_array(value, what)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what}: cannot make a tensor of dtype {arr.dtype} from "
            f"{type(value).__name__}; deltagrad supports bool, integer and float "
            "tensors"
        )
    if dtype is not None:
        arr = _cast_array(arr, as_dtype(dtype, what), what)
    return dg.constant(arr)


def like(value, ref: dg.Tensor, what: str) -> dg.Tensor:
    """``value`` as a tensor of ``ref``'s dtype (how TensorFlow's losses treat labels)."""
    t = value if isinstance(value, dg.Tensor) else to_tensor(value, what=what)
    return t if t.dtype == ref.dtype else dg.cast(t, ref.dtype)


def as_shape(shape, what: str) -> tuple:
    """A shape given as an int, a list/tuple of ints or an integer tensor, as a tuple."""
    if isinstance(shape, dg.Tensor):
        shape = shape.numpy()
    dims = np.atleast_1d(np.asarray(shape))
    if dims.ndim != 1 or (dims.size and dims.dtype.kind not in "iu") or np.any(dims < 0):
        raise ValueError(
            f"{what}: shape must be a non-negative int or a list of them, got {shape!r}"
        )
    return tuple(int(d) for d in dims)


def require_float(x: dg.Tensor, what: str) -> dg.Tensor:
    """TensorFlow refuses integer tensors in float-only functions; so do we, with a hint."""
    if x.dtype.kind != "f":
        raise TypeError(
            f"{what}: expected a floating-point tensor, got dtype {x.dtype}; "
            "use tf.cast(x, tf.float32)"
        )
    return x
