"""``autograd.misc`` on deltagrad: ``flatten`` and ``flatten_func`` (:func:`deltagrad.tree.ravel`),
``optimizers`` (:mod:`deltagrad.descent`) and ``fixed_points``."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

from deltagrad import descent as _descent
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


def unflatten_optimizer(optimize: Callable[..., Any]) -> Callable[..., Any]:
    """autograd's ``optimizers.unflatten_optimizer``: an optimiser of flat vectors made to take
    trees (``optimize(grad, x0, callback, *args, **kwargs)``)."""

    def tree_optimize(
        grad: Callable[..., Any], x0: Any, callback: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        flat0, unflatten = _tree.ravel(x0)

        def flat_grad(x: Any, i: int) -> Any:
            return _tree.ravel(grad(unflatten(x), i))[0]

        def flat_callback(x: Any, i: int, g: Any) -> Any:
            return callback(unflatten(x), i, unflatten(g))

        out = optimize(flat_grad, flat0, flat_callback if callback else None, *args, **kwargs)
        return unflatten(out)

    return tree_optimize


# autograd.misc.optimizers: deltagrad.descent's loops, and unflatten_optimizer.
optimizers = types.ModuleType(f"{__name__}.optimizers", _descent.__doc__)
for _name in _descent.__all__:
    setattr(optimizers, _name, getattr(_descent, _name))
optimizers.unflatten_optimizer = unflatten_optimizer  # type: ignore[attr-defined]
sys.modules[optimizers.__name__] = optimizers
