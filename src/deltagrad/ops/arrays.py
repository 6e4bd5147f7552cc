"""NumPy's array functions: ravel, the stacking functions (hstack, vstack, dstack, column_stack,
append) and their splitting counterparts (hsplit, vsplit, dsplit), atleast_1d/2d/3d, fliplr,
flipud, rot90, rollaxis, broadcast_to, diff, gradient, kron, cross, cumprod, partition, astype,
linspace, and full_like, zeros_like and ones_like, whose results are constants; and ``array`` and
``full``, which build arrays out of tensors (NumPy's own ``np.array([t1, t2])`` and
``np.full(3, t)`` cannot hand such calls to deltagrad, and refuse a recorded tensor).

Most are compositions of the shape ops (reshape, transpose, flip, concatenate, indexing) and
arithmetic, with the values NumPy computes, so their derivatives, to every order, are those ops'
rules. Two are primitives: broadcast_to (the engine's own, whose rule sums the gradient back)
and cumprod, whose rule uses products and sums only, so it is exact where entries are 0;
partition is a gather through NumPy's ``argpartition`` (the engine's permutation op).

An error of an op a composition runs is raised again with the composition's name in front
(``vstack: concatenate: invalid arguments (…)``), so each names the function called.
"""

from __future__ import annotations

import contextlib
import math
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from deltagrad.ops import elementwise as _elementwise
from deltagrad.ops import shape as _shape  # the public shape ops the compositions use
from deltagrad.ops import unary as _unary
from deltagrad.ops.arith import not_equal
from deltagrad.ops.core import Primitive, as_operand, broadcast_to_p, shape_of
from deltagrad.ops.public import TensorLike, public
from deltagrad.ops.shape import concatenate_p, fail, getitem, normal_axis, permute
from deltagrad.ops.unary import identity
from deltagrad.tensor import Tensor, as_tensor, constant

__all__ = [
    "ravel",
    "hstack",
    "vstack",
    "dstack",
    "column_stack",
    "append",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "fliplr",
    "flipud",
    "rot90",
    "broadcast_to",
    "diff",
    "kron",
    "cross",
    "cumprod",
    "full_like",
    "zeros_like",
    "ones_like",
    "array",
    "full",
    "hsplit",
    "vsplit",
    "dsplit",
    "rollaxis",
    "astype",
    "linspace",
    "gradient",
    "partition",
]


def _tensor(name: str, x: TensorLike) -> Tensor:
    """``x`` as a Tensor (arrays and numbers as constants); TypeError naming op ``name`` for
    operands that are not real numbers."""
    return as_tensor(as_operand(name, x))


@contextlib.contextmanager
def _named(name: str) -> Iterator[None]:
    """Raise the errors of the ops run inside again with ``name`` in front (same kind)."""
    try:
        yield
    except (ValueError, TypeError, IndexError) as err:
        if str(err).startswith(f"{name}:"):
            raise
        cls: type[Exception]
        if isinstance(err, TypeError):
            cls = TypeError
        elif isinstance(err, IndexError) and not isinstance(err, ValueError):  # AxisError: both
            cls = IndexError
        else:
            cls = ValueError
        raise cls(f"{name}: {err}") from None


# --- ravel, atleast_nd ------------------------------------------------------------------------


@public
def ravel(a: TensorLike, order: str = "C") -> Tensor:
    """``a`` flattened to 1-D, as NumPy's ``ravel``.

    Args:
        order: ``'C'`` (row-major, the last index fastest) or ``'F'`` (column-major). NumPy's
            ``'A'`` and ``'K'`` follow the memory layout, which is not part of a Tensor's value.

    Raises:
        ValueError: For another ``order``.
    """
    x = _tensor("ravel", a)
    if order == "F":
        x = _shape.transpose(x)
    elif order != "C":
        raise ValueError(f"ravel: order must be 'C' or 'F', got {order!r}")
    return _shape.reshape(x, (-1,))


def _at_least(name: str, a: TensorLike, ndim: int) -> Tensor:
    """``a`` with at least ``ndim`` axes, the new ones placed as NumPy's atleast_nd places them:
    0-d → (1, …, 1); 1-D (n,) → (1, n) or (1, n, 1); 2-D (m, n) → (m, n, 1)."""
    x = _tensor(name, a)
    shape = x.shape
    if len(shape) >= ndim:
        return x
    if len(shape) == 0:
        return _shape.reshape(x, (1,) * ndim)
    if len(shape) == 1:
        return _shape.reshape(x, (1,) + shape + (1,) * (ndim - 2))
    return _shape.reshape(x, shape + (1,))


def _each_at_least(name: str, arys: Sequence[TensorLike], ndim: int) -> Tensor | tuple[Tensor, ...]:
    out = tuple(_at_least(name, a, ndim) for a in arys)
    return out[0] if len(out) == 1 else out


@public
def atleast_1d(*arys: TensorLike) -> Tensor | tuple[Tensor, ...]:
    """Each input with at least one axis (a 0-d input becomes shape (1,)), as NumPy's.

    Args:
        arys: The inputs: Tensors, arrays or numbers.

    Returns:
        Tensor | tuple[Tensor, ...]: One Tensor for one input, else a tuple of them (an input
            with enough axes is returned as it is, as a Tensor).
    """
    return _each_at_least("atleast_1d", arys, 1)


@public
def atleast_2d(*arys: TensorLike) -> Tensor | tuple[Tensor, ...]:
    """Each input with at least two axes, as NumPy's: 0-d becomes (1, 1) and (n,) becomes
    (1, n).

    Args:
        arys: The inputs: Tensors, arrays or numbers.

    Returns:
        Tensor | tuple[Tensor, ...]: One Tensor for one input, else a tuple of them (an input
            with enough axes is returned as it is, as a Tensor).
    """
    return _each_at_least("atleast_2d", arys, 2)


@public
def atleast_3d(*arys: TensorLike) -> Tensor | tuple[Tensor, ...]:
    """Each input with at least three axes, as NumPy's: 0-d becomes (1, 1, 1), (n,) becomes
    (1, n, 1) and (m, n) becomes (m, n, 1).

    Args:
        arys: The inputs: Tensors, arrays or numbers.

    Returns:
        Tensor | tuple[Tensor, ...]: One Tensor for one input, else a tuple of them (an input
            with enough axes is returned as it is, as a Tensor).
    """
    return _each_at_least("atleast_3d", arys, 3)


# --- joining ----------------------------------------------------------------------------------


def _operands(name: str, tup: Any) -> list[Tensor]:
    """The tensors to join: a non-empty list or tuple, each as a Tensor."""
    if not isinstance(tup, (list, tuple)):
        raise TypeError(
            f"{name}: the arrays to join must be a list or tuple, got {type(tup).__name__}"
        )
    if not tup:
        raise ValueError(f"{name}: need at least one array to join")
    return [_tensor(name, x) for x in tup]


def _join(name: str, tup: Any, ndim: int, axis: int | None = None) -> Tensor:
    """The inputs made at least ``ndim``-D and concatenated along ``axis`` (None: along axis 1,
    or 0 when they are 1-D, as hstack)."""
    xs = [_at_least(name, x, ndim) for x in _operands(name, tup)]
    if axis is None:
        axis = 0 if xs[0].ndim == 1 else 1
    with _named(name):
        return _shape.concatenate(xs, axis=axis)


@public
def hstack(tup: Sequence[TensorLike]) -> Tensor:
    """The inputs joined column-wise, as NumPy's ``hstack``: along axis 1, or along axis 0 when
    they are 1-D (0-d inputs count as 1-D)."""
    return _join("hstack", tup, 1)


@public
def vstack(tup: Sequence[TensorLike]) -> Tensor:
    """The inputs joined row-wise (along axis 0, 1-D inputs as rows (1, n)), as NumPy's
    ``vstack``."""
    return _join("vstack", tup, 2, axis=0)


@public
def dstack(tup: Sequence[TensorLike]) -> Tensor:
    """The inputs joined depth-wise (along axis 2, after :func:`atleast_3d`), as NumPy's
    ``dstack``."""
    return _join("dstack", tup, 3, axis=2)


@public
def column_stack(tup: Sequence[TensorLike]) -> Tensor:
    """The inputs joined as columns of a 2-D result, as NumPy's ``column_stack``: 1-D inputs
    (and 0-d ones) become columns (n, 1), inputs of 2 or more axes are joined along axis 1."""
    xs = _operands("column_stack", tup)
    cols = [x if x.ndim >= 2 else _shape.reshape(x, (-1, 1)) for x in xs]
    with _named("column_stack"):
        return _shape.concatenate(cols, axis=1)


@public
def append(arr: TensorLike, values: TensorLike, axis: int | None = None) -> Tensor:
    """``values`` appended to ``arr``, as NumPy's ``append``: both flattened first when ``axis``
    is None, else joined along ``axis`` (then their other axes must match).

    Args:
        arr: The Tensor, array or number to append to.
        values: The Tensor, array or number to append.
        axis: The axis to join along (None: flatten both first).
    """
    x, v = _tensor("append", arr), _tensor("append", values)
    with _named("append"):
        if axis is None:
            return _shape.concatenate([_shape.reshape(x, (-1,)), _shape.reshape(v, (-1,))])
        return _shape.concatenate([x, v], axis=axis)


# --- flips and rotations ----------------------------------------------------------------------


@public
def fliplr(m: TensorLike) -> Tensor:
    """``m`` with its columns in reverse order (flipped along axis 1), as NumPy's ``fliplr``.

    Raises:
        ValueError: For an input with fewer than 2 axes.
    """
    x = _tensor("fliplr", m)
    if x.ndim < 2:
        raise ValueError(f"fliplr: the input must have at least 2 axes, got shape {x.shape}")
    return _shape.flip(x, axis=1)


@public
def flipud(m: TensorLike) -> Tensor:
    """``m`` with its rows in reverse order (flipped along axis 0), as NumPy's ``flipud``.

    Raises:
        ValueError: For a 0-d input.
    """
    x = _tensor("flipud", m)
    if x.ndim < 1:
        raise ValueError(f"flipud: the input must have at least 1 axis, got shape {x.shape}")
    return _shape.flip(x, axis=0)


@public
def rot90(m: TensorLike, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
    """``m`` rotated by 90° ``k`` times in the plane of ``axes``, from the first axis towards
    the second, as NumPy's ``rot90`` (a flip and a transpose).

    Args:
        k: The number of quarter turns (negative: the other way).
        axes: The two axes of the plane.

    Raises:
        ValueError: Unless ``axes`` are two different axes of ``m``.
    """
    x = _tensor("rot90", m)
    try:
        if len(axes) != 2:
            raise ValueError(f"axes must be two axes, got {axes!r}")
        a0, a1 = (normal_axis(a, x.ndim) for a in axes)
        if a0 == a1:
            raise ValueError(f"axes must be different, got {axes!r}")
        k = operator.index(k) % 4
    except (ValueError, TypeError) as err:
        raise fail("rot90", [x], {"k": k, "axes": axes}, err) from None
    if k == 0:
        return identity(x)
    if k == 2:
        return _shape.flip(x, axis=(a0, a1))
    perm = list(range(x.ndim))
    perm[a0], perm[a1] = a1, a0
    if k == 1:
        return _shape.transpose(_shape.flip(x, axis=a1), tuple(perm))
    return _shape.flip(_shape.transpose(x, tuple(perm)), axis=a1)


# --- broadcast_to, diff -----------------------------------------------------------------------


@public
def broadcast_to(array: TensorLike, shape: int | Sequence[int]) -> Tensor:
    """``array`` broadcast to ``shape``, as NumPy's ``broadcast_to`` (its value is a read-only
    view). Derivative: the upstream gradient summed back to ``array``'s shape.

    Args:
        array: The Tensor, array or number to broadcast.
        shape: The shape to broadcast to (an int or a sequence of ints).
    """
    x = as_operand("broadcast_to", array)
    try:
        dims = tuple(operator.index(n) for n in np.atleast_1d(shape).tolist())
    except (TypeError, ValueError) as err:
        raise fail("broadcast_to", [x], {"shape": shape}, err) from None
    return broadcast_to_p(x, shape=dims)


def _edge(name: str, value: TensorLike, x: Tensor, axis: int) -> Tensor:
    """diff's prepend/append: a 0-d value broadcast to ``x``'s shape with length 1 along axis."""
    v = _tensor(name, value)
    if v.ndim == 0:
        v = broadcast_to(v, x.shape[:axis] + (1,) + x.shape[axis + 1 :])
    return v


@public
def diff(
    a: TensorLike,
    n: int = 1,
    axis: int = -1,
    prepend: TensorLike | None = None,
    append: TensorLike | None = None,
) -> Tensor:
    """The ``n``-th forward difference along ``axis``, ``out[i] = a[i + 1] - a[i]`` applied
    ``n`` times, as NumPy's ``diff`` (booleans: ``a[i + 1] != a[i]``). The axis gets ``n``
    shorter.

    Args:
        n: How many times to take differences (0: ``a`` itself).
        axis: The axis along which to take them (the last by default).
        prepend: Values put before ``a`` along ``axis`` first (a number is repeated across the
            other axes); None: nothing.
        append: Values put after ``a`` along ``axis`` first, like ``prepend``.

    Raises:
        ValueError: For a negative ``n``, a 0-d ``a`` or an out-of-range axis.
    """
    x = _tensor("diff", a)
    try:
        n = operator.index(n)
        if n == 0:
            return x
        if n < 0:
            raise ValueError(f"order n must be non-negative, got {n}")
        if x.ndim == 0:
            raise ValueError("diff needs an input with at least 1 axis")
        ax = normal_axis(axis, x.ndim)
    except (ValueError, TypeError) as err:
        raise fail("diff", [x], {"n": n, "axis": axis}, err) from None
    with _named("diff"):
        before = [] if prepend is None else [_edge("diff", prepend, x, ax)]
        after = [] if append is None else [_edge("diff", append, x, ax)]
        if before or after:
            x = _shape.concatenate([*before, x, *after], axis=ax)
        lead = (slice(None),) * ax
        for _ in range(n):
            hi, lo = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
            x = not_equal(hi, lo) if x.dtype == np.bool_ else hi - lo
    return x


# --- kron, cross ------------------------------------------------------------------------------


@public
def kron(a: TensorLike, b: TensorLike) -> Tensor:
    """The Kronecker product, as NumPy's ``kron``: block (i, j, …) is ``a[i, j, …] * b`` (the
    operand with fewer axes gets leading axes of length 1). An outer product and a reshape.

    Args:
        a: The first factor: a Tensor, array or number.
        b: The second factor, like ``a``.
    """
    x, y = _tensor("kron", a), _tensor("kron", b)
    nd = max(x.ndim, y.ndim)
    sa = (1,) * (nd - x.ndim) + x.shape
    sb = (1,) * (nd - y.ndim) + y.shape
    # Interleave the axes: a as (a0, 1, a1, 1, …) times b as (1, b0, 1, b1, …).
    xa = _shape.reshape(x, tuple(d for n in sa for d in (n, 1)))
    yb = _shape.reshape(y, tuple(d for n in sb for d in (1, n)))
    return _shape.reshape(xa * yb, tuple(p * q for p, q in zip(sa, sb)))


@public
def cross(
    a: TensorLike,
    b: TensorLike,
    axisa: int = -1,
    axisb: int = -1,
    axisc: int = -1,
    axis: int | None = None,
) -> Tensor:
    """The cross product of 3-vectors, as NumPy's ``cross``: the vectors lie along ``axisa`` of
    ``a`` and ``axisb`` of ``b`` and along ``axisc`` of the result; the other axes broadcast.

    Args:
        a: The first vector (or stack of them): a Tensor, array or number.
        b: The second, like ``a``.
        axisa: The axis of ``a`` holding the vectors.
        axisb: The axis of ``b`` holding the vectors.
        axisc: The axis of the result holding the vectors.
        axis: When given, used for ``axisa``, ``axisb`` and ``axisc`` alike.

    Raises:
        ValueError: Unless both vector axes have length 3 (NumPy's deprecated 2-vectors are not
            supported), for out-of-range axes or other axes that do not broadcast.
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    x, y = _tensor("cross", a), _tensor("cross", b)
    with _named("cross"):
        x, y = _shape.moveaxis(x, axisa, -1), _shape.moveaxis(y, axisb, -1)
        if x.shape[-1] != 3 or y.shape[-1] != 3:
            raise ValueError(
                f"cross: the vectors must have 3 components, got {x.shape[-1]} (axisa={axisa} "
                f"of shape {x.shape}) and {y.shape[-1]} (axisb={axisb})"
            )
        a0, a1, a2 = (x[..., i] for i in range(3))
        b0, b1, b2 = (y[..., i] for i in range(3))
        c = _shape.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
        return _shape.moveaxis(c, -1, axisc)


# --- cumprod: a primitive whose rule does not divide ------------------------------------------


def _shifted(x: Any, axis: int, d: int, fill: int, toward_end: bool) -> Any:
    """``x`` moved ``d`` places along ``axis`` towards its end (or its start); the ``d`` places
    left empty hold ``fill``."""
    shape = shape_of(x)
    n = shape[axis]
    d = min(d, n)
    block = np.full(shape[:axis] + (d,) + shape[axis + 1 :], fill, dtype=x.dtype)
    lead = (slice(None),) * axis
    if toward_end:
        return concatenate_p.bind(block, getitem.bind(x, key=lead + (slice(0, n - d),)), axis=axis)
    return concatenate_p.bind(getitem.bind(x, key=lead + (slice(d, n),)), block, axis=axis)


def _suffix_scan(b: Any, c: Any, axis: int) -> Any:
    """``r`` with ``r[k] = b[k] + c[k]·r[k+1]`` along ``axis`` (0 past the end), by recursive
    doubling: about log2(n) steps, each of products and sums only.

    After each step ``r[k] = b[k] + c[k]·r[k+w]`` for a window w that doubles.
    """
    n = shape_of(b)[axis]
    w = 1
    while w < n:
        b = b + c * _shifted(b, axis, w, 0, toward_end=False)
        if 2 * w < n:
            c = c * _shifted(c, axis, w, 0, toward_end=False)
        w *= 2
    return b


def _cumprod_vjp(g: Any, out: Any, a: Any, axis: int) -> Any:
    # ∂out[i]/∂a[k] = Π_{j ≤ i, j ≠ k} a[j] for i ≥ k, so the gradient of a[k] is
    # (Π_{j < k} a[j]) · Σ_{i ≥ k} g[i] Π_{k < j ≤ i} a[j]: out shifted by one place, times a
    # suffix scan S[k] = g[k] + a[k+1]·S[k+1]. No division by a, so zeros are exact, and the
    # rule is made of recorded ops, so its own derivatives are too.
    if shape_of(a)[axis] == 0:
        return g
    before = _shifted(out, axis, 1, 1, toward_end=True)
    return before * _suffix_scan(g, _shifted(a, axis, 1, 0, toward_end=False), axis)


cumprod_p = Primitive("cumprod", lambda a, axis: np.cumprod(a, axis=axis))
cumprod_p.defvjp(_cumprod_vjp)


@public
def cumprod(a: TensorLike, axis: int | None = None) -> Tensor:
    """The cumulative product along ``axis`` (None: of the flattened input), as NumPy's
    ``cumprod``: ``out[i] = a[0]·a[1]···a[i]``.

    Derivative: exact also where entries are 0 (the rule multiplies the products before and
    after each entry; it never divides by it).

    Args:
        axis: The axis to accumulate along (None: the flattened input).
    """
    x = _tensor("cumprod", a)
    if axis is None:
        x, axis = _shape.reshape(x, (-1,)), 0
    try:
        ax = normal_axis(axis, x.ndim)
    except (ValueError, TypeError) as err:
        raise fail("cumprod", [x], {"axis": axis}, err) from None
    return cumprod_p(x, axis=ax)


# --- constants shaped like an input -----------------------------------------------------------


def _constant_like(name: str, a: TensorLike, fill_value: Any, dtype: Any, shape: Any) -> Tensor:
    if isinstance(fill_value, Tensor):
        raise TypeError(
            f"{name}: fill_value is a Tensor, but the result is a constant and would carry no "
            f"gradient to it; use dg.broadcast_to(fill_value, shape) for a recorded result"
        )
    x = as_operand(name, a)
    value = x._value if isinstance(x, Tensor) else x
    try:
        out = np.full_like(value, fill_value, dtype=dtype, shape=shape)
    except (ValueError, TypeError) as err:
        raise fail(name, [value], {"dtype": dtype, "shape": shape}, err) from None
    if out.dtype.kind not in "biuf":
        raise TypeError(
            f"{name}: unsupported dtype {out.dtype}; deltagrad computes on bool, integer and "
            "real floating-point numbers"
        )
    return constant(out)


@public
def full_like(
    a: TensorLike, fill_value: Any, dtype: Any = None, shape: int | Sequence[int] | None = None
) -> Tensor:
    """A constant of ``a``'s shape and dtype filled with ``fill_value``, as NumPy's
    ``full_like``.

    Args:
        fill_value: The value of every entry (a number or an array that broadcasts).
        shape: Another shape for the result (None: ``a``'s).

    Returns:
        Tensor: A constant (not recorded: it carries no gradient).

    Raises:
        TypeError: For a Tensor ``fill_value`` (its gradient would be lost).
    """
    return _constant_like("full_like", a, fill_value, dtype, shape)


@public
def zeros_like(
    a: TensorLike, dtype: Any = None, shape: int | Sequence[int] | None = None
) -> Tensor:
    """A constant of zeros of ``a``'s shape and dtype, as NumPy's ``zeros_like``.

    Args:
        shape: Another shape for the result (None: ``a``'s).

    Returns:
        Tensor: A constant (not recorded: it carries no gradient).
    """
    return _constant_like("zeros_like", a, 0, dtype, shape)


@public
def ones_like(a: TensorLike, dtype: Any = None, shape: int | Sequence[int] | None = None) -> Tensor:
    """A constant of ones of ``a``'s shape and dtype, as NumPy's ``ones_like``.

    Args:
        shape: Another shape for the result (None: ``a``'s).

    Returns:
        Tensor: A constant (not recorded: it carries no gradient).
    """
    return _constant_like("ones_like", a, 1, dtype, shape)


def has_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Tensor or a (nested) list or tuple holding one."""
    if isinstance(obj, Tensor):
        return True
    return isinstance(obj, (list, tuple)) and any(has_tensor(o) for o in obj)


def _nested(obj: Any) -> Any:
    """A nested list/tuple holding tensors as one stacked Tensor (recorded)."""
    if not isinstance(obj, (list, tuple)):
        return obj
    if not has_tensor(obj):
        return as_operand("array", obj)
    parts = [_nested(o) for o in obj]
    shapes = {shape_of(p) for p in parts}
    if len(shapes) > 1:
        raise ValueError(
            f"array: the elements have different shapes {sorted(shapes)}; NumPy would make an "
            "object array, which carries no gradient"
        )
    return _shape.stack(parts)


@public
def array(object: Any, dtype: Any = None) -> Tensor:  # noqa: A002 - NumPy's name
    """``object`` as a Tensor, like NumPy's ``array``, also when it is a (nested) list or tuple
    holding tensors: they are stacked, on the tape, so ``dg.array([x, 2 * x])`` carries the
    gradient to ``x`` (``np.array([x, 2 * x])`` refuses a recorded ``x``). Without tensors
    inside, the result is a constant.

    Args:
        object: A Tensor, an array, a number, or a nested list or tuple of them; the elements of
            a list must have one shape.
        dtype: A floating-point dtype to cast to (None: the elements' own).

    Raises:
        ValueError: For list elements of different shapes.
        TypeError: For elements that are not real numbers, or an integer ``dtype`` with tensors
            inside (an integer result carries no gradient: use ``dg.cast`` on purpose).
    """
    if has_tensor(object):
        out = as_tensor(_nested(object))
        if dtype is None or np.dtype(dtype) == out.dtype:
            return out
        if np.dtype(dtype).kind != "f":
            raise TypeError(
                f"array: dtype {np.dtype(dtype)} with tensors inside would drop the gradient; "
                "use dg.cast on purpose"
            )
        from deltagrad.ops.unary import cast

        return cast(out, dtype)
    return constant(as_operand("array", object) if dtype is None else np.array(object, dtype))


@public
def full(shape: int | Sequence[int], fill_value: TensorLike, dtype: Any = None) -> Tensor:
    """An array of ``shape`` filled with ``fill_value``, like NumPy's ``full``; a tensor
    ``fill_value`` (of any shape that broadcasts to ``shape``) is broadcast on the tape, so its
    gradient is the sum over the copies.

    Args:
        shape: The shape of the result (an int for 1-D).
        fill_value: The value: a number, an array or a Tensor.
        dtype: The dtype of a constant result (None: the fill value's). A tensor fill value keeps
            its own dtype.
    """
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if isinstance(fill_value, Tensor):
        with _named("full"):
            return broadcast_to(fill_value, dims)
    return constant(np.full(dims, as_operand("full", fill_value), dtype=dtype))


# --- hsplit, vsplit, dsplit, rollaxis: splits and a transpose ---------------------------------


def _split_along(name: str, ary: TensorLike, indices_or_sections: Any, min_ndim: int) -> list:
    """``np.split`` along the axis of hsplit (1, or 0 for 1-D), vsplit (0) or dsplit (2)."""
    x = _tensor(name, ary)
    if x.ndim < min_ndim:
        raise ValueError(
            f"{name}: only works on arrays of {min_ndim} or more dimensions, got shape {x.shape}"
        )
    axis = {"hsplit": 1 if x.ndim > 1 else 0, "vsplit": 0, "dsplit": 2}[name]
    with _named(name):
        return _shape.split(x, indices_or_sections, axis=axis)


@public
def hsplit(ary: TensorLike, indices_or_sections: int | Sequence[int]) -> list:
    """``ary`` split column-wise, as NumPy's ``hsplit``: :func:`split` along axis 1, or along
    axis 0 for a 1-D ``ary``. Derivative: each piece is a slice of ``ary``.

    Args:
        ary: The input: a Tensor, a NumPy array or a number.
        indices_or_sections: A number of equal sections, or the sorted indices to split at.

    Returns:
        list[Tensor]: The pieces, each recorded on every active tape.

    Raises:
        ValueError: For a 0-d ``ary``, or a number of sections that does not divide the axis.
    """
    return _split_along("hsplit", ary, indices_or_sections, 1)


@public
def vsplit(ary: TensorLike, indices_or_sections: int | Sequence[int]) -> list:
    """``ary`` split row-wise, as NumPy's ``vsplit``: :func:`split` along axis 0, for ``ary`` of
    2 or more axes. Derivative: each piece is a slice of ``ary``.

    Args:
        ary: The input: a Tensor, a NumPy array or a number.
        indices_or_sections: A number of equal sections, or the sorted indices to split at.

    Returns:
        list[Tensor]: The pieces, each recorded on every active tape.

    Raises:
        ValueError: For ``ary`` of fewer than 2 axes, or a number of sections that does not
            divide the axis.
    """
    return _split_along("vsplit", ary, indices_or_sections, 2)


@public
def dsplit(ary: TensorLike, indices_or_sections: int | Sequence[int]) -> list:
    """``ary`` split depth-wise, as NumPy's ``dsplit``: :func:`split` along axis 2, for ``ary``
    of 3 or more axes. Derivative: each piece is a slice of ``ary``.

    Args:
        ary: The input: a Tensor, a NumPy array or a number.
        indices_or_sections: A number of equal sections, or the sorted indices to split at.

    Returns:
        list[Tensor]: The pieces, each recorded on every active tape.

    Raises:
        ValueError: For ``ary`` of fewer than 3 axes, or a number of sections that does not
            divide the axis.
    """
    return _split_along("dsplit", ary, indices_or_sections, 3)


@public
def rollaxis(a: TensorLike, axis: int, start: int = 0) -> Tensor:
    """``a`` with ``axis`` moved to lie before position ``start`` (the other axes keep their
    order), as NumPy's ``rollaxis``; :func:`moveaxis` is the clearer spelling. A transpose;
    derivative: the inverse transpose of the upstream gradient.

    Args:
        axis: The axis to move.
        start: The axis is moved to lie before the axis now at ``start`` (``a.ndim``: last);
            negative values count from the end.

    Raises:
        ValueError: For an out-of-range ``axis`` or ``start`` (``-ndim <= start < ndim + 1``).
        TypeError: For non-integer axes.
    """
    x = _tensor("rollaxis", a)
    n = x.ndim
    try:
        ax = normal_axis(axis, n)
        st = operator.index(start)
        if st < 0:
            st += n
        if not 0 <= st < n + 1:
            raise ValueError(f"start must satisfy {-n} <= start < {n + 1}, got {start}")
    except (ValueError, TypeError) as err:
        raise fail("rollaxis", [x], {"axis": axis, "start": start}, err) from None
    if ax < st:
        st -= 1
    return _shape.moveaxis(x, ax, st)


# --- astype, linspace ---------------------------------------------------------------------------


def _dtype(name: str, dtype: Any) -> np.dtype[Any]:
    """``dtype`` as a NumPy dtype of a kind deltagrad computes on; TypeError naming ``name``."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{name}: {dtype!r} is not a dtype: {err}") from None
    if dt.kind not in "biuf":
        raise TypeError(
            f"{name}: unsupported dtype {dt}; deltagrad computes on bool, integer and real "
            "floating-point numbers"
        )
    return dt


def _device(name: str, device: Any) -> None:
    if device not in (None, "cpu"):
        raise ValueError(f"{name}: device must be None or 'cpu', got {device!r}")


@public
def astype(x: TensorLike, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Tensor:
    """``x`` converted to ``dtype``, as NumPy 2's ``np.astype`` (and :meth:`Tensor.astype`): to
    a floating-point dtype the gradient flows back (cast to ``x``'s dtype); an integer or boolean
    result carries no gradient (see :func:`cast`).

    Args:
        dtype: The NumPy dtype (or its name) to convert to: bool, integer or real floating-point.
        copy: False: a Tensor that has ``dtype`` already is returned as it is (True: always a
            new Tensor).
        device: Accepted for NumPy compatibility: None or ``'cpu'``.

    Raises:
        TypeError: For a complex or non-numeric ``dtype`` or input.
        ValueError: For another ``device``.
    """
    t = _tensor("astype", x)
    dt = _dtype("astype", dtype)
    _device("astype", device)
    if not copy and isinstance(x, Tensor) and x.dtype == dt:
        return x
    return _unary.cast(t, dt)


def _result_dtype(*values: Any) -> np.dtype[Any]:
    """NumPy's result type of linspace's ``start`` and ``stop``, made inexact (Python numbers
    count as NumPy counts them: they do not widen an array's dtype)."""
    kinds = [v.dtype if isinstance(v, Tensor) else v for v in values]
    kinds = [v if isinstance(v, (int, float, bool, np.dtype)) else np.asarray(v) for v in kinds]
    dt = np.result_type(*kinds)
    return dt if dt.kind == "f" else np.result_type(dt, np.float64)


@public
def linspace(
    start: TensorLike,
    stop: TensorLike,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
    *,
    device: Any = None,
) -> Tensor | tuple[Tensor, Any]:
    """``num`` evenly spaced values from ``start`` to ``stop``, as NumPy's ``linspace``, with
    NumPy's values to the last bit (the same formula: ``start + k·step``, with the last value
    ``stop`` itself). ``start`` and ``stop`` may be arrays: the values run along a new axis.

    Derivative: 1 − k/div for ``start`` and k/div for ``stop`` at sample k (div = ``num`` − 1
    with the endpoint, else ``num``); an integer ``dtype`` gives a result without a gradient.

    Args:
        start: The first value: a Tensor, array or number.
        stop: The last value (excluded when ``endpoint`` is False), like ``start``.
        num: The number of values (non-negative).
        endpoint: Whether ``stop`` is the last value.
        retstep: Also return the step between values.
        dtype: The dtype of the result (None: the floating-point type of ``start`` and
            ``stop``); an integer dtype rounds down, as NumPy.
        axis: Where the new axis of values goes in the result (for array ``start``/``stop``).
        device: Accepted for NumPy compatibility: None or ``'cpu'``.

    Returns:
        Tensor | tuple[Tensor, Any]: The values, recorded on every active tape; with
            ``retstep``, a tuple of them and the step (a Tensor, or NaN when ``num`` < 2 with
            the endpoint or ``num`` = 0).

    Raises:
        ValueError: For a negative ``num``, an out-of-range ``axis`` or another ``device``.
        TypeError: For complex input or a complex ``dtype``.
    """
    lo, hi = _tensor("linspace", start), _tensor("linspace", stop)
    out_dtype = None if dtype is None else _dtype("linspace", dtype)
    _device("linspace", device)
    try:
        num = operator.index(num)
        if num < 0:
            raise ValueError(f"the number of samples must be non-negative, got {num}")
    except (ValueError, TypeError) as err:
        raise fail("linspace", [lo, hi], {"num": num}, err) from None
    dt = _result_dtype(start, stop)
    div = num - 1 if endpoint else num
    with _named("linspace"):
        lo, hi = (v if v.dtype == dt else _unary.cast(v, dt) for v in (lo, hi))
        delta = hi - lo
        k = np.arange(0, num, dtype=dt).reshape((-1,) + (1,) * delta.ndim)
        step: Any
        y: Tensor
        if div > 0:
            step = delta / div
            if np.any(step.numpy() == 0):  # NumPy's way with subnormal steps: k / div · delta
                y = delta * (k / div)
            else:
                y = step * k
        else:
            step = math.nan
            y = delta * k
        y = y + lo
        if endpoint and num > 1:
            last = broadcast_to(hi, y.shape[1:])
            y = _shape.concatenate([y[:-1], _shape.reshape(last, (1,) + last.shape)], axis=0)
        if axis != 0:
            y = _shape.moveaxis(y, 0, axis)
        if out_dtype is not None and out_dtype.kind in "iu":
            y = _elementwise.floor(y)
        if out_dtype is not None and out_dtype != y.dtype:
            y = _unary.cast(y, out_dtype)
    return (y, step) if retstep else y


# --- gradient: NumPy's finite differences, a linear combination of shifted slices ----------


def _spacings(varargs: tuple[Any, ...], f: Tensor, axes: tuple[int, ...]) -> list[Any]:
    """NumPy's spacing per axis: a number (uniform) or the 1-D differences of the coordinates."""
    for v in varargs:
        if isinstance(v, Tensor):
            raise TypeError(
                "the spacing must be numbers or arrays (constants), not a Tensor: the "
                "gradient does not flow to the coordinates"
            )
    n = len(varargs)
    if n == 0:
        return [1.0] * len(axes)
    if n == 1 and np.ndim(varargs[0]) == 0:
        return list(varargs) * len(axes)
    if n != len(axes):
        raise TypeError(
            f"invalid number of spacing arguments: {n} for {len(axes)} axes (give none, one "
            "number, or one per axis)"
        )
    dx = list(varargs)
    for i, distances in enumerate(dx):
        d = np.asarray(as_operand("gradient", distances))  # (not a Tensor: refused above)
        if d.ndim == 0:
            continue
        if d.ndim != 1:
            raise ValueError("distances must be either scalars or 1d")
        if len(d) != f.shape[axes[i]]:
            raise ValueError(
                "when 1d, distances must match the length of the corresponding dimension"
            )
        if d.dtype.kind in "biu":
            d = d.astype(np.float64)
        diffx = np.diff(d)
        dx[i] = diffx[0] if (diffx == diffx[0]).all() else diffx
    return dx


def _gradient_along(f: Tensor, axis: int, ax_dx: Any, edge_order: int) -> Tensor:
    """NumPy's gradient of ``f`` along ``axis``: central differences inside, one-sided ones
    of order ``edge_order`` at the two ends, each term as NumPy computes it."""
    lead = (slice(None),) * axis

    def at(s: Any) -> Tensor:
        return f[lead + (s,)]

    def coefficient(c: Any) -> Any:  # a 1-D coefficient along ``axis``, shaped to broadcast
        shape = [1] * f.ndim
        shape[axis] = -1
        return np.reshape(c, shape)

    def edge(s: int) -> Tensor:  # at(s) keeping the axis (length 1)
        return at(slice(s, s + 1) if s != -1 else slice(-1, None))

    uniform = np.ndim(ax_dx) == 0
    if uniform:
        inside = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * ax_dx)
    else:
        dx1, dx2 = ax_dx[0:-1], ax_dx[1:]
        a = coefficient(-(dx2) / (dx1 * (dx1 + dx2)))
        b = coefficient((dx2 - dx1) / (dx1 * dx2))
        c = coefficient(dx1 / (dx2 * (dx1 + dx2)))
        inside = a * at(slice(None, -2)) + b * at(slice(1, -1)) + c * at(slice(2, None))
    if edge_order == 1:
        first = (edge(1) - edge(0)) / (ax_dx if uniform else ax_dx[0])
        last = (edge(-1) - edge(-2)) / (ax_dx if uniform else ax_dx[-1])
    else:
        if uniform:
            a, b, c = -1.5 / ax_dx, 2.0 / ax_dx, -0.5 / ax_dx
        else:
            dx1, dx2 = ax_dx[0], ax_dx[1]
            a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = -dx1 / (dx2 * (dx1 + dx2))
        first = a * edge(0) + b * edge(1) + c * edge(2)
        if uniform:
            a, b, c = 0.5 / ax_dx, -2.0 / ax_dx, 1.5 / ax_dx
        else:
            dx1, dx2 = ax_dx[-2], ax_dx[-1]
            a = (dx2) / (dx1 * (dx1 + dx2))
            b = -(dx2 + dx1) / (dx1 * dx2)
            c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * edge(-3) + b * edge(-2) + c * edge(-1)
    out = _shape.concatenate([first, inside, last], axis=axis)
    return out if out.dtype == f.dtype else _unary.cast(out, f.dtype)


@public
def gradient(
    f: TensorLike, *varargs: Any, axis: int | Sequence[int] | None = None, edge_order: int = 1
) -> Tensor | tuple[Tensor, ...]:
    """The numerical gradient of sampled values ``f``, as NumPy's ``gradient`` (the same
    formulas, so the same values): second-order central differences inside and one-sided
    differences of order ``edge_order`` at the ends, along each axis. A linear combination of
    shifted slices of ``f``, so differentiable in ``f`` to every order.

    Args:
        f: The sampled values: a Tensor, array or number (integers are computed as float64).
        varargs: The spacing: none (1 along every axis), one number for every axis, or one per
            axis, each a number or the 1-D coordinates along that axis (constants, not Tensors).
        axis: The axis or axes to differentiate along (None: all).
        edge_order: 1 or 2: the order of the differences at the ends.

    Returns:
        Tensor | tuple[Tensor, ...]: One Tensor per axis (a Tensor alone for one axis), each of
            ``f``'s shape and recorded on every active tape.

    Raises:
        ValueError: For an ``edge_order`` other than 1 or 2, an axis shorter than
            ``edge_order`` + 1, coordinates of the wrong length or an out-of-range axis.
        TypeError: For the wrong number of spacing arguments or a Tensor among them.
    """
    x = _tensor("gradient", f)
    try:
        axes = tuple(range(x.ndim)) if axis is None else _shape.normal_axes(axis, x.ndim)
        dx = _spacings(varargs, x, axes)
        if edge_order not in (1, 2):
            raise ValueError(f"edge_order must be 1 or 2, got {edge_order!r}")
        for ax in axes:
            if x.shape[ax] < edge_order + 1:
                raise ValueError(
                    f"axis {ax} of length {x.shape[ax]} is too short for a numerical gradient: "
                    f"edge_order={edge_order} needs at least {edge_order + 1} elements"
                )
    except (ValueError, TypeError) as err:
        raise fail("gradient", [x], {"axis": axis, "edge_order": edge_order}, err) from None
    if x.dtype.kind != "f":
        x = _unary.cast(x, np.float64)
    with _named("gradient"):
        out = tuple(_gradient_along(x, ax, ax_dx, edge_order) for ax, ax_dx in zip(axes, dx))
    return out[0] if len(out) == 1 else out


# --- partition: a gather through argpartition -----------------------------------------------


@public
def partition(
    a: TensorLike,
    kth: int | Sequence[int],
    axis: int | None = -1,
    kind: str = "introselect",
    order: None = None,
) -> Tensor:
    """``a`` rearranged along ``axis`` (None: flattened) so that the entry at each ``kth``
    position is where a sort would put it, smaller ones before and larger ones after, as
    NumPy's ``partition``: ``a`` gathered at NumPy's ``argpartition`` indices (the same
    selection, so the same values).

    Derivative: each entry's gradient goes back to the position it came from (as autograd's).

    Args:
        kth: The index (or indices) of the entries put in their sorted place.
        axis: The axis to partition along (None: the flattened input).
        kind: The selection algorithm, as NumPy's (``'introselect'``).
        order: Accepted for NumPy compatibility; must be None (no structured arrays).

    Raises:
        ValueError: For an out-of-range ``kth`` or ``axis``, or a 0-d input with an axis.
        TypeError: For ``order``, complex or non-numeric input.
    """
    if order is not None:
        raise TypeError(
            "partition: order= applies to structured arrays, which deltagrad does not support"
        )
    x = _tensor("partition", a)
    if axis is None:
        x, axis = _shape.reshape(x, (-1,)), 0
    try:
        ax = normal_axis(axis, x.ndim)
        perm = np.argpartition(x._value, kth, axis=ax, kind=kind)  # type: ignore[arg-type]
    except (ValueError, TypeError, IndexError) as err:
        raise fail("partition", [x], {"kth": kth, "axis": axis, "kind": kind}, err) from None
    inverse = np.empty_like(perm)
    positions = np.arange(perm.shape[ax]).reshape([-1 if k == ax else 1 for k in range(x.ndim)])
    np.put_along_axis(inverse, perm, np.broadcast_to(positions, perm.shape), axis=ax)
    return permute(x, perm=perm, inverse=inverse, axis=ax)
