"""Define an op of your own from a NumPy function and its vector-Jacobian products.

HIPS autograd's way of extending the engine, on deltagrad's :class:`~deltagrad.ops.core.Primitive`::

    @primitive
    def logsumexp(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    defvjp(logsumexp, lambda ans, x: lambda g: g * np.exp(x - ans))

:func:`primitive` wraps a function of plain NumPy values: called on plain values it runs as it
is and returns what it returns; called with a Tensor among its positional arguments it runs on
the values and records one op on the active tapes. :func:`defvjp` gives it one *VJP maker* per
positional argument: ``maker(ans, *args, **kwargs)`` returns the function ``g ↦ gᵀ ∂ans/∂arg``.
A maker written with NumPy functions (``np.exp`` …) runs on arrays for a first derivative and on
Tensors, recorded, for higher ones (NumPy hands Tensors to deltagrad's ops), so second
derivatives work as long as the maker uses differentiable operations.

Keyword arguments are parameters, not differentiated; positional arguments that are not arrays
(functions, tuples, settings) are passed through as they are.

deltagrad computes Jacobian-vector products by transposing the reverse pass (see
:func:`deltagrad.jvp`), so an op needs its VJPs: :func:`defjvp` keeps forward-mode rules on the
op for reference but the engine does not run them (see its docstring).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from deltagrad.ops.core import Primitive
from deltagrad.tensor import Tensor

__all__ = ["primitive", "defvjp", "defvjp_argnum", "defjvp", "Primitive"]


def primitive(f: Callable[..., Any]) -> Callable[..., Any]:
    """Make ``f``, a function of NumPy values, an op that tapes record (see the module doc).

    Args:
        f: The forward function. It receives plain values (a Tensor's array) and returns an
            array or a number.

    Returns:
        The op: called with a Tensor among its positional arguments it returns a Tensor,
        recorded; otherwise ``f``'s own result. ``op.primitive`` is the engine's
        :class:`~deltagrad.ops.core.Primitive` and ``op.fun`` is ``f``.
    """
    prim = Primitive(getattr(f, "__name__", "primitive"), lambda *a, **k: np.asarray(f(*a, **k)))

    @functools.wraps(f)
    def op(*args: Any, **kwargs: Any) -> Any:
        if not any(isinstance(a, Tensor) for a in args):
            return f(*args, **kwargs)
        vals = [a._value if isinstance(a, Tensor) else a for a in args]
        return prim.apply(args, vals, kwargs, checked=True)

    op.primitive = prim  # type: ignore[attr-defined]
    op.fun = f  # type: ignore[attr-defined]
    op.jvps = {}  # type: ignore[attr-defined]
    return op


def _prim(op: Callable[..., Any], what: str) -> Primitive:
    prim = getattr(op, "primitive", None)
    if not isinstance(prim, Primitive):
        raise TypeError(
            f"{what}: {getattr(op, '__name__', op)!r} is not an op made by "
            "deltagrad.extend.primitive; decorate the function with @primitive first"
        )
    return prim


def defvjp(
    op: Callable[..., Any],
    *makers: Callable[..., Callable[[Any], Any]] | None,
    argnums: tuple[int, ...] | None = None,
) -> None:
    """Give ``op`` the VJP of each positional argument.

    Args:
        op: An op made by :func:`primitive`.
        *makers: One per argument (in ``argnums`` order, or 0, 1, …): ``maker(ans, *args,
            **kwargs)`` returns ``g ↦ gᵀ ∂ans/∂arg``; None for an argument with no gradient.
            A later call adds to (or replaces) the rules of earlier ones.
        argnums: The positions the makers are for (default: 0, 1, …).

    Raises:
        TypeError: When ``op`` was not made by :func:`primitive`.
    """
    prim = _prim(op, "defvjp")
    nums = tuple(argnums) if argnums is not None else tuple(range(len(makers)))
    if len(nums) != len(makers):
        raise TypeError(f"defvjp: {len(makers)} VJP makers for argnums {nums}")
    rules = list(prim.vjps) + [None] * (max(nums, default=-1) + 1 - len(prim.vjps))
    for i, maker in zip(nums, makers):
        rules[i] = None if maker is None else _rule(maker)
    prim.defvjp(*rules)


def _rule(maker: Callable[..., Callable[[Any], Any]]) -> Callable[..., Any]:
    def rule(g: Any, out: Any, *args: Any, **kwargs: Any) -> Any:
        return maker(out, *args, **kwargs)(g)

    return rule


def defvjp_argnum(op: Callable[..., Any], maker: Callable[..., Callable[[Any], Any]]) -> None:
    """Give ``op`` one VJP maker for every argument: ``maker(argnum, ans, args, kwargs)``
    returns ``g ↦ gᵀ ∂ans/∂args[argnum]``.

    Args:
        op: An op made by :func:`primitive`.
        maker: The maker, called with the argument's position.
    """
    prim = _prim(op, "defvjp_argnum")
    prim.defvjp_argnum(lambda argnum, g, out, *args, **kwargs: maker(argnum, out, args, kwargs)(g))


def defjvp(op: Callable[..., Any], *jvps: Callable[..., Any] | None) -> None:
    """Keep forward-mode rules ``jvp(g, ans, *args, **kwargs)`` on ``op`` (``op.jvps``).

    deltagrad does not run them: its Jacobian-vector products transpose the reverse pass, which
    uses the op's VJPs (:func:`defvjp`). They are kept so that code written for autograd, which
    defines both, runs unchanged; an op with JVPs only has no derivative in deltagrad (using
    one raises NotImplementedError naming the op and the argument).

    Args:
        op: An op made by :func:`primitive`.
        *jvps: One per argument (None: none).
    """
    _prim(op, "defjvp")
    op.jvps.update({i: j for i, j in enumerate(jvps) if j is not None})  # type: ignore[attr-defined]
