"""``autograd.numpy`` on deltagrad: NumPy itself, plus constructors that take tensors.

Every NumPy function is here under its own name. Called on Tensors, NumPy hands them to
deltagrad's ops (recorded on the tape); a function deltagrad has no derivative for raises a
TypeError naming it rather than drop the gradient. Four constructors take lists holding tensors,
which NumPy's own cannot: :func:`array` and :func:`asarray` (stacked, on the tape: see
:func:`deltagrad.array`) and :func:`full` / :func:`full_like` with a tensor fill value.
``.random``, ``.linalg`` and ``.fft`` are NumPy's modules.
"""

from __future__ import annotations

import builtins as _builtins
import sys
from typing import Any

import numpy as _np
from numpy import *  # noqa: F403 - NumPy's namespace, as autograd.numpy's
from numpy import fft, linalg, random

import deltagrad as _dg
from deltagrad.ops.arrays import has_tensor as _has_tensor
from deltagrad.tensor import Tensor

for _name, _module in (("random", random), ("linalg", linalg), ("fft", fft)):
    sys.modules[f"{__name__}.{_name}"] = _module


def array(object: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]  # noqa: A002
    """``np.array``; a (nested) list holding tensors gives a Tensor (:func:`deltagrad.array`)."""
    if _has_tensor(object):
        return _dg.array(object, dtype=dtype)
    return _np.array(object, dtype, *args, **kwargs)


def asarray(a: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
    """``np.asarray``; a Tensor is returned as it is, a list holding tensors stacked."""
    if _has_tensor(a):
        return _dg.array(a, dtype=dtype)
    return _np.asarray(a, dtype, *args, **kwargs)


def full(shape: Any, fill_value: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
    """``np.full``; a tensor fill value gives a Tensor (:func:`deltagrad.full`)."""
    if isinstance(fill_value, Tensor):
        return _dg.full(shape, fill_value)
    return _np.full(shape, fill_value, dtype, *args, **kwargs)


def full_like(a: Any, fill_value: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
    """``np.full_like``; a tensor fill value gives a Tensor broadcast to ``a``'s shape."""
    if isinstance(fill_value, Tensor):
        return _dg.full(_np.shape(a), fill_value)
    return _np.full_like(
        _np.asarray(a.numpy() if isinstance(a, Tensor) else a), fill_value, dtype, *args, **kwargs
    )


def __getattr__(name: str) -> Any:
    # NumPy's names outside its __all__ (e.g. its submodules) are NumPy's.
    return getattr(_np, name)
