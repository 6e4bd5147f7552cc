"""The helpers generated code may call besides NumPy and deltagrad's ops.

``index_gradient`` scatters the gradient of ``x[key]`` back into an array of ``x``'s shape, as
the tape's index buffers do; ``unbroadcast`` sums a gradient back to an argument's shape (the
engine's one place where broadcasting is undone), used where the trace could not write the sums
out. ``row_max`` is the maximum of each row, written into an array, as the softmax takes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltagrad.ops.core import unbroadcast
from deltagrad.ops.shape import _getitem_into

__all__ = ["index_gradient", "unbroadcast", "row_max"]


def index_gradient(prev: Any, g: Any, key: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """The gradient ``g`` of ``x[key]`` added into ``prev`` (or into zeros when ``prev`` is None)
    at the entries ``key`` takes: an array of ``x``'s ``shape`` (``prev`` is not changed).

    Args:
        prev: The gradient of ``x`` gathered so far, or None.
        g: The gradient of ``x[key]``.
        key: The index.
        shape: ``x``'s shape.
        dtype: ``x``'s dtype.

    Returns:
        numpy.ndarray: The new gradient of ``x``.
    """
    if prev is None:
        dt = dtype if g.dtype == dtype else np.result_type(g.dtype, dtype)
        buf = np.zeros(shape, dt)
        _getitem_into(buf, g, None, key, True)
    else:
        buf = np.array(prev, dtype=np.result_type(prev, g))
        _getitem_into(buf, g, None, key, False)
    return buf


def row_max(z: Any, out: Any) -> Any:
    """The maximum of each row of the 2-D array ``z``, written into ``out`` (shape (n, 1)): the
    numbers of ``z.max(axis=-1, keepdims=True)`` (a maximum is exact in any order), taken over
    a transposed copy when the rows are short, where NumPy's reduction along them is slow (as
    deltagrad.functional.softmax does).

    Args:
        z: The array, shape (n, k).
        out: Where to write, shape (n, 1).

    Returns:
        numpy.ndarray: ``out``.
    """
    k = z.shape[-1]
    if 0 < k <= 16 and z.size >= 16 * k:
        np.maximum.reduce(np.ascontiguousarray(z.T), 0, None, out.reshape(-1))
    else:
        np.maximum.reduce(z, axis=-1, out=out, keepdims=True)
    return out
