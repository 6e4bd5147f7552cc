"""Trees of parameters: nested lists, tuples and dicts with arrays, numbers or Tensors inside.

A *tree* is a value built from

* **nodes**: ``list``, ``tuple`` (a namedtuple keeps its type), ``dict`` (and its subclasses),
  and ``None``, which is a node with no children (an empty place, as in JAX): it holds no leaf,
  functions mapped over a tree never see it, and it comes back as ``None``;
* **leaves**: everything else — NumPy arrays, Python or NumPy numbers, Tensors (a Tensor is
  never taken apart; it is one leaf).

Leaves are ordered depth first. A dict's children are ordered by **sorted key**, as autograd's
``misc.flatten`` and JAX order them, so two dicts with the same keys flatten alike whatever order
their keys were inserted in; a dict's keys must therefore be sortable (all ``str``, or all
numbers). A rebuilt dict keeps the key order of the tree it was flattened from; an
``OrderedDict`` comes back as an ``OrderedDict``, any other dict subclass as a plain ``dict``.
A list or tuple subclass other than a namedtuple comes back as a plain list or tuple.

>>> params = {"w": np.ones((2, 3)), "b": np.zeros(3), "extra": None}
>>> leaves, treedef = dg.tree.flatten(params)     # [b, w]: sorted keys; None holds no leaf
>>> dg.tree.map(lambda p: 0.5 * p, params)["w"].shape
(2, 3)
>>> vector, unravel = dg.tree.ravel(params)        # one flat vector of 9 floats
>>> unravel(vector)["w"].shape
(2, 3)

:func:`ravel` is differentiable: with a Tensor vector, ``unravel`` slices it with recorded ops,
so ``dg.grad(lambda v: loss(unravel(v)))(vector)`` is the gradient as one flat vector.
"""

from __future__ import annotations

import builtins
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deltagrad import api as _api
from deltagrad.tensor import Tensor, _checked_array

__all__ = ["TreeDef", "flatten", "unflatten", "map", "ravel"]

# The kinds of node a TreeDef describes.
_LEAF, _NONE, _LIST, _TUPLE, _NAMEDTUPLE, _DICT = (
    "leaf",
    "None",
    "list",
    "tuple",
    "namedtuple",
    "dict",
)


class TreeDef:
    """The structure of a tree without its leaves: what :func:`flatten` returns beside the leaves.

    ``treedef.num_leaves`` is the number of leaves; :func:`unflatten` (or
    ``treedef.unflatten(leaves)``) puts leaves back into the structure. Two TreeDefs are equal
    when they describe the same nesting of node kinds and dict keys (the insertion order of the
    keys does not matter; their sorted order is the leaf order).
    """

    __slots__ = ("kind", "node_type", "keys", "children", "num_leaves")
    kind: str
    node_type: type | None
    keys: tuple[Any, ...]
    children: tuple[TreeDef, ...]
    num_leaves: int

    def __init__(
        self,
        kind: str,
        children: tuple[TreeDef, ...] = (),
        node_type: type | None = None,
        keys: tuple[Any, ...] = (),
    ) -> None:
        self.kind = kind
        self.children = children
        self.node_type = node_type  # a namedtuple's class; OrderedDict or dict for a dict node
        self.keys = keys  # a dict's keys in insertion order; children follow sorted(keys)
        self.num_leaves = 1 if kind == _LEAF else builtins.sum(c.num_leaves for c in children)

    def _signature(self) -> tuple[Any, ...]:
        keys = tuple(sorted(self.keys)) if self.kind == _DICT else ()
        node_type = self.node_type if self.kind == _NAMEDTUPLE else None
        return (self.kind, node_type, keys, tuple(c._signature() for c in self.children))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TreeDef) and self._signature() == other._signature()

    def __hash__(self) -> int:
        return hash(self._signature())

    def unflatten(self, leaves: Sequence[Any]) -> Any:
        """The tree of this structure holding ``leaves`` (in :func:`flatten`'s order)."""
        leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(
                f"tree.unflatten: the structure {self!r} holds {self.num_leaves} leaves, "
                f"got {len(leaves)}"
            )
        return self._build(iter(leaves))

    def _build(self, leaves: Any) -> Any:
        if self.kind == _LEAF:
            return next(leaves)
        if self.kind == _NONE:
            return None
        built = [c._build(leaves) for c in self.children]
        if self.kind == _LIST:
            return built
        if self.kind == _TUPLE:
            return tuple(built)
        if self.kind == _NAMEDTUPLE:
            assert self.node_type is not None
            return self.node_type(*built)
        by_key = dict(zip(sorted(self.keys), built))
        mapping = OrderedDict if self.node_type is OrderedDict else dict
        return mapping((k, by_key[k]) for k in self.keys)

    def __repr__(self) -> str:
        return f"TreeDef({self._describe()})"

    def _describe(self) -> str:
        if self.kind == _LEAF:
            return "*"
        if self.kind == _NONE:
            return "None"
        inner = [c._describe() for c in self.children]
        if self.kind == _LIST:
            return "[" + ", ".join(inner) + "]"
        if self.kind == _TUPLE:
            return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"
        if self.kind == _NAMEDTUPLE:
            assert self.node_type is not None
            return f"{self.node_type.__name__}(" + ", ".join(inner) + ")"
        pairs = zip(sorted(self.keys), inner)
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in pairs) + "}"


_LEAF_DEF = TreeDef(_LEAF)
_NONE_DEF = TreeDef(_NONE)


def _sorted_keys(d: dict[Any, Any], what: str) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        kinds = sorted({type(k).__name__ for k in d})
        raise TypeError(
            f"{what}: a dict's keys must be sortable (its leaves are ordered by sorted key, as "
            f"autograd and JAX order them), got keys of types {', '.join(kinds)}"
        ) from None


def _flatten_into(tree: Any, leaves: list[Any], what: str) -> TreeDef:
    if tree is None:
        return _NONE_DEF
    if isinstance(tree, list):
        return TreeDef(_LIST, tuple(_flatten_into(c, leaves, what) for c in tree))
    if isinstance(tree, tuple):
        children = tuple(_flatten_into(c, leaves, what) for c in tree)
        if hasattr(type(tree), "_fields"):
            return TreeDef(_NAMEDTUPLE, children, node_type=type(tree))
        return TreeDef(_TUPLE, children)
    if isinstance(tree, dict):
        children = tuple(_flatten_into(tree[k], leaves, what) for k in _sorted_keys(tree, what))
        node_type = OrderedDict if isinstance(tree, OrderedDict) else dict
        return TreeDef(_DICT, children, node_type=node_type, keys=tuple(tree))
    leaves.append(tree)
    return _LEAF_DEF


def flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """The leaves of ``tree`` in order, and its structure.

    Args:
        tree: A nesting of lists, tuples and dicts (and ``None``) with leaves inside; see the
            module documentation for what is a node and what is a leaf.

    Returns:
        ``(leaves, treedef)``: the leaves, depth first, a dict's children in sorted key order
        (``None`` contributes none); ``treedef`` rebuilds the tree with :func:`unflatten`.

    Raises:
        TypeError: A dict's keys cannot be sorted.

    >>> leaves, treedef = dg.tree.flatten({"b": 2.0, "a": [1.0, None]})
    >>> leaves
    [1.0, 2.0]
    >>> treedef
    TreeDef({'a': [*, None], 'b': *})
    """
    leaves: list[Any] = []
    treedef = _flatten_into(tree, leaves, "tree.flatten")
    return leaves, treedef


def unflatten(treedef: TreeDef, leaves: Sequence[Any]) -> Any:
    """The tree of structure ``treedef`` holding ``leaves``: the inverse of :func:`flatten`.

    Args:
        treedef: A structure returned by :func:`flatten`.
        leaves: As many leaves as the structure holds, in :func:`flatten`'s order.

    Returns:
        The rebuilt tree (new lists, tuples and dicts; the leaves themselves are not copied).

    Raises:
        TypeError: ``treedef`` is not a :class:`TreeDef`.
        ValueError: The number of leaves does not match the structure.
    """
    if not isinstance(treedef, TreeDef):
        raise TypeError(
            f"tree.unflatten: the first argument must be a TreeDef from tree.flatten, got "
            f"{type(treedef).__name__} (the order is unflatten(treedef, leaves))"
        )
    return treedef.unflatten(leaves)


def map(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``f`` to every leaf of ``tree`` (and the matching leaves of ``rest``).

    Args:
        f: A function of as many arguments as there are trees.
        tree: The tree whose structure the result has.
        *rest: Further trees of the same structure (same nesting and dict keys); their leaves
            are passed to ``f`` beside ``tree``'s.

    Returns:
        A tree of ``tree``'s structure with ``f(leaf, *matching_leaves)`` at each leaf;
        ``None`` places stay ``None`` (``f`` is not called there).

    Raises:
        ValueError: A tree in ``rest`` has another structure.

    >>> dg.tree.map(lambda p, g: p - 0.1 * g, {"w": 1.0}, {"w": 2.0})
    {'w': 0.8}
    """
    leaves, treedef = flatten(tree)
    columns = [leaves]
    for i, other in enumerate(rest, start=1):
        other_leaves, other_def = flatten(other)
        if other_def != treedef:
            raise ValueError(
                f"tree.map: tree {i} has structure {other_def!r}, but the first tree has "
                f"{treedef!r}"
            )
        columns.append(other_leaves)
    return treedef.unflatten([f(*row) for row in zip(*columns)])


def _leaf_dtype(leaf: Any) -> np.dtype[Any]:
    return leaf.dtype if isinstance(leaf, Tensor) else _checked_array(leaf, what="tree.ravel").dtype


def _shape(leaf: Any) -> tuple[int, ...]:
    return leaf.shape if isinstance(leaf, Tensor) else np.shape(leaf)


def ravel(tree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """All the numbers of a tree as one flat vector, and the function that puts them back.

    The counterpart of autograd's ``autograd.misc.flatten`` (which returns ``(flat,
    unflatten)``) and of JAX's ``ravel_pytree``: useful to hand a tree of parameters to code
    that wants one vector (``scipy.optimize.minimize``, the loops of :mod:`deltagrad.descent`).

    The vector holds the leaves in :func:`flatten`'s order (dict keys sorted, as autograd's),
    each leaf raveled in C order. Its dtype is the leaves' common NumPy dtype, or float64 when
    that is not a floating-point type (integers and booleans become floats).

    Differentiable both ways: when a leaf is a Tensor the vector is a Tensor built with recorded
    ops, and ``unravel`` of a Tensor vector returns Tensors sliced from it with recorded ops, so
    ``dg.grad(lambda v: loss(unravel(v)))(vector)`` is the gradient as one vector.

    Args:
        tree: A tree (see the module documentation) whose leaves are arrays, numbers or Tensors
            of a real (bool, integer or floating-point) dtype.

    Returns:
        ``(vector, unravel)``. ``vector`` is a 1-D NumPy array, or a Tensor when a leaf is a
        Tensor. ``unravel(v)`` takes a 1-D array or Tensor of the same length and returns a tree
        of ``tree``'s structure: each leaf with its original shape, and its original dtype when
        that is a floating-point one (integer and boolean leaves come back in the vector's
        float dtype, so that no number is silently rounded). From a NumPy vector the leaves are
        new arrays (writing to them does not change the vector); from a Tensor, Tensors.

    Raises:
        TypeError: A leaf is not numeric (e.g. a string or an object array), or ``unravel`` is
            given a vector that is not numeric.
        ValueError: ``unravel`` is given a vector of another length or more than one axis.

    >>> v, unravel = dg.tree.ravel({"b": np.zeros(2), "a": 1.0})
    >>> v
    array([1., 0., 0.])
    >>> unravel(v + 1)["b"]
    array([1., 1.])
    """
    leaves, treedef = flatten(tree)
    dtypes = [_leaf_dtype(leaf) for leaf in leaves]
    shapes = [_shape(leaf) for leaf in leaves]
    common = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    vdtype = common if common.kind == "f" else np.dtype(np.float64)
    sizes = [int(np.prod(s)) for s in shapes]
    total = builtins.sum(sizes)
    vector: Any
    if any(isinstance(leaf, Tensor) for leaf in leaves):
        joined = _api.concatenate([_api.reshape(leaf, (-1,)) for leaf in leaves], axis=0)
        vector = joined if joined.dtype == vdtype else _api.cast(joined, vdtype)
    elif leaves:
        vector = np.concatenate([np.ravel(np.asarray(leaf)) for leaf in leaves]).astype(vdtype)
    else:
        vector = np.zeros(0, vdtype)
    out_dtypes = [d if d.kind == "f" else vdtype for d in dtypes]

    def unravel(v: Any) -> Any:
        """The tree of the raveled structure holding the numbers of the 1-D vector ``v``."""
        if not isinstance(v, Tensor):
            v = _checked_array(v, what="tree.ravel's unravel")
        if v.ndim != 1 or v.shape[0] != total:
            raise ValueError(
                f"tree.ravel's unravel: expected a 1-D vector of {total} numbers (the tree "
                f"{treedef!r}), got shape {v.shape}"
            )
        pieces = []
        start = 0
        for shape, size, dtype in zip(shapes, sizes, out_dtypes):
            pieces.append(_piece(v, start, size, shape, dtype))
            start += size
        return treedef.unflatten(pieces)

    return vector, unravel


def _piece(v: Any, start: int, size: int, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Any:
    """``v[start:start + size]`` reshaped to ``shape`` in ``dtype``: recorded ops on a Tensor,
    a new array otherwise."""
    if isinstance(v, Tensor):
        part = _api.reshape(v[start : start + size], shape)
        return part if part.dtype == dtype else _api.cast(part, dtype)
    return np.array(v[start : start + size].reshape(shape), dtype=dtype)


def _leaf_paths(treedef: TreeDef) -> list[str]:
    """Each leaf's place in the tree, in :func:`flatten`'s order, written as indexing
    (``['w'][0]``; ``''`` for a tree that is one leaf): for error messages."""
    paths: list[str] = []

    def walk(d: TreeDef, prefix: str) -> None:
        if d.kind == _LEAF:
            paths.append(prefix)
        elif d.kind == _DICT:
            for k, c in zip(sorted(d.keys), d.children):
                walk(c, f"{prefix}[{k!r}]")
        else:
            for i, c in enumerate(d.children):
                walk(c, f"{prefix}[{i}]")

    walk(treedef, "")
    return paths
