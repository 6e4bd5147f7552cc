"""``autograd.misc`` on deltagrad: ``flatten`` and ``flatten_func`` (:func:`deltagrad.tree.ravel`),
``optimizers`` (:mod:`deltagrad.descent`) and ``fixed_points``."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

from deltagrad import descent as optimizers
from deltagrad import tree as _tree
from deltagrad.compat.autograd.misc import fixed_points

__all__ = ["flatten", "flatten_func", "optimizers", "fixed_points"]


def flatten(value: Any) -> tuple[Any, Callable[[Any], Any]]:
    """autograd's ``flatten``: ``(vector, unflatten)`` for a tree of arrays
    (:func:`deltagrad.tree.ravel`)."""
    return _tree.ravel(value)


def flatten_func(
    func: Callable[..., Any], example: Any
) -> tuple[Callable[..., Any], Callable[[Any], Any], Any]:
    """autograd's ``flatten_func``: ``func`` of a tree as a function of one vector; returns
    ``(flat_func, unflatten, flat_example)``."""
    flat, unflatten = _tree.ravel(example)

    def flat_func(vector: Any, *args: Any, **kwargs: Any) -> Any:
        return func(unflatten(vector), *args, **kwargs)

    return flat_func, unflatten, flat


# ``from autograd.misc.flatten import flatten_func`` imports a module of that name.
_flatten_module = types.ModuleType(f"{__name__}.flatten", "autograd.misc.flatten's functions.")
_flatten_module.flatten = flatten  # type: ignore[attr-defined]
_flatten_module.flatten_func = flatten_func  # type: ignore[attr-defined]
sys.modules[_flatten_module.__name__] = _flatten_module
sys.modules[f"{__name__}.optimizers"] = optimizers
