"""The two helpers generated code may call besides NumPy and deltagrad's ops.

``index_gradient`` scatters the gradient of ``x[key]`` back into an array of ``x``'s shape, as
the tape's index buffers do; ``unbroadcast`` sums a gradient back to an argument's shape (the
engine's one place where broadcasting is undone), used where the trace could not write the sums
out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltagrad.ops.core import unbroadcast
from deltagrad.ops.shape import _getitem_into

__all__ = ["index_gradient", "unbroadcast"]


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
