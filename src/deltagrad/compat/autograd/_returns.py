"""deltagrad's functions with autograd's return types: plain NumPy values for plain inputs.

deltagrad's own functions (``deltagrad.scipy.stats.norm.logpdf``, …) always return Tensors, as
its ops do; autograd's return NumPy values when called on NumPy values. :func:`module` gives a
module whose functions do the same: called with no Tensor among the arguments and no tape
recording, the result comes back as NumPy values (arrays, NumPy scalars); otherwise as it is.
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable
from typing import Any

from deltagrad import transforms as _t


def function(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` returning NumPy values when called on plain values outside any tape."""

    @functools.wraps(f)
    def plain(*args: Any, **kwargs: Any) -> Any:
        out = f(*args, **kwargs)
        return _t._plain_tree(out) if _t._plain_call(args, kwargs) else out

    return plain


def module(name: str, source: types.ModuleType) -> types.ModuleType:
    """A module ``name`` holding ``source``'s public names, its functions wrapped by
    :func:`function`, registered in ``sys.modules`` (so ``import name`` finds it)."""
    out = types.ModuleType(name, source.__doc__)
    names = getattr(source, "__all__", None) or [n for n in vars(source) if not n.startswith("_")]
    for n in names:
        value = getattr(source, n)
        if isinstance(value, types.FunctionType):
            value = function(value)
        setattr(out, n, value)
    out.__all__ = list(names)  # type: ignore[attr-defined]
    sys.modules[name] = out
    return out
