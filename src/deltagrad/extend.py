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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deltagrad._recording import ACTIVE as _ACTIVE
from deltagrad.ops.core import Primitive
from deltagrad.tensor import Tensor
from deltagrad.transforms import _has_tensor
from deltagrad.tree import TreeDef, flatten, unflatten

__all__ = ["primitive", "defvjp", "defvjp_argnum", "defjvp", "Primitive"]


def primitive(f: Callable[..., Any]) -> Callable[..., Any]:
    """Make ``f``, a function of NumPy values, an op that tapes record (see the module doc).

    A positional argument may be a tree (a tuple, list or dict, nested) with Tensors among its
    leaves, as autograd allows: ``f`` receives the tree with each Tensor replaced by its value,
    and the VJP maker of that argument returns a cotangent of the same structure.

    Args:
        f: The forward function. It receives plain values (a Tensor's array) and returns an
            array or a number. It runs with no tape recording, as on plain arrays.

    Returns:
        The op: called with a Tensor among its positional arguments (or inside one of them) it
        returns a Tensor, recorded; otherwise ``f``'s own result. ``op.primitive`` is the
        engine's :class:`~deltagrad.ops.core.Primitive` and ``op.fun`` is ``f``.
    """
    prim = Primitive(getattr(f, "__name__", "primitive"), lambda *a, **k: np.asarray(_off(f, a, k)))
    by_layout: dict[tuple[Any, ...], Primitive] = {}

    @functools.wraps(f)
    def op(*args: Any, **kwargs: Any) -> Any:
        trees = [_tree_with_tensor(a) for a in args]
        if not any(trees):
            if not any(isinstance(a, Tensor) for a in args):
                return f(*args, **kwargs)
            vals = [a._value if isinstance(a, Tensor) else a for a in args]
            return prim.apply(args, vals, kwargs, checked=True)
        # A tree argument holds Tensors: the engine sees its leaves as arguments of their own.
        layout: list[TreeDef | None] = []
        flat: list[Any] = []
        for a, tree in zip(args, trees):
            if tree:
                leaves, treedef = flatten(a)
                layout.append(treedef)
                flat.extend(leaves)
            else:
                layout.append(None)
                flat.append(a)
        key = tuple(layout)
        leaf_prim = by_layout.get(key)
        if leaf_prim is None:
            leaf_prim = by_layout[key] = _leaf_primitive(prim, f, key)
        vals = [a._value if isinstance(a, Tensor) else a for a in flat]
        return leaf_prim.apply(flat, vals, kwargs, checked=True)

    op.primitive = prim  # type: ignore[attr-defined]
    op.fun = f  # type: ignore[attr-defined]
    op.jvps = {}  # type: ignore[attr-defined]
    return op


def _off(f: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """``f(*args, **kwargs)`` with no tape recording (a primitive's forward sees plain values)."""
    if not _ACTIVE:
        return f(*args, **kwargs)
    saved = _ACTIVE[:]
    _ACTIVE.clear()
    try:
        return f(*args, **kwargs)
    finally:
        _ACTIVE[:] = saved


def _tree_with_tensor(a: Any) -> bool:
    return isinstance(a, (list, tuple, dict)) and _has_tensor(a)


def _rebuild(flat: Sequence[Any], layout: tuple[TreeDef | None, ...]) -> list[Any]:
    """The original arguments from the flat ones (each tree from its run of leaves)."""
    args, i = [], 0
    for treedef in layout:
        if treedef is None:
            args.append(flat[i])
            i += 1
        else:
            n = treedef.num_leaves
            args.append(unflatten(treedef, flat[i : i + n]))
            i += n
    return args


def _leaf_primitive(prim: Primitive, f: Callable[..., Any], layout: tuple[Any, ...]) -> Primitive:
    """The engine op for calls whose tree arguments have this layout: its arguments are the
    leaves, its forward rebuilds the trees, and the rule of a leaf is the leaf of its tree
    argument's cotangent (one call of that argument's maker serves all its leaves)."""
    where: list[tuple[int, int | None]] = []  # flat position -> (argument, leaf in it or None)
    for j, treedef in enumerate(layout):
        if treedef is None:
            where.append((j, None))
        else:
            where.extend((j, k) for k in range(treedef.num_leaves))
    leaf_prim = Primitive(
        prim.name,
        lambda *flat, **k: np.asarray(_off(f, _rebuild(flat, layout), k)),
    )
    last: list[Any] = []  # (g, out, argument, flat arguments, cotangent leaves) of the last call

    def rule(i: int, g: Any, out: Any, *flat: Any, **kwargs: Any) -> Any:
        j, k = where[i]
        if k is None:
            return prim.vjp(j)(g, out, *_rebuild(flat, layout), **kwargs)
        if not (
            last
            and last[0] is g
            and last[1] is out
            and last[2] == j
            and all(x is y for x, y in zip(last[3], flat))
        ):
            cot = prim.vjp(j)(g, out, *_rebuild(flat, layout), **kwargs)
            leaves, _ = flatten(cot)
            last[:] = [g, out, j, flat, leaves]
        leaf = last[4][k]
        return leaf if isinstance(leaf, Tensor) else np.asarray(leaf)

    leaf_prim.defvjp_argnum(rule)
    return leaf_prim


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
