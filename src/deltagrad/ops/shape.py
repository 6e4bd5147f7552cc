"""Shape ops: reshape, transpose, indexing, concatenate, stack; squeeze, expand_dims, swapaxes,
moveaxis, flip, roll, repeat, tile, pad, split, take, sort.

Ops that only rearrange or select elements are compositions of reshape, transpose and getitem
where that is exact; the others are primitives whose rules are again such ops (flip and roll are
their own adjoints, repeat/tile pair with a sum of the copies, sort with the inverse permutation).

The public functions have NumPy's semantics and parameter names, so ``np.<name>(tensor, …)``
runs them (recorded). Bad shapes, subscripts and out-of-range axes raise ValueError,
non-integer axes TypeError, out-of-range indices IndexError, each naming the function, the
shapes and the dtypes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltagrad.ops.core import (
    Primitive,
    _op_error,
    as_operand,
    as_result,
    int_tuple,
    shape_of,
    value_of,
)
from deltagrad.ops.public import TensorLike, public
from deltagrad.tensor import Tensor

__all__ = [
    "reshape",
    "transpose",
    "concatenate",
    "stack",
    "squeeze",
    "expand_dims",
    "swapaxes",
    "moveaxis",
    "flip",
    "roll",
    "repeat",
    "tile",
    "pad",
    "split",
    "array_split",
    "take",
    "sort",
]

reshape_p = Primitive("reshape", lambda x, shape: np.reshape(x, shape))
reshape_p.defvjp(lambda g, out, x, shape: reshape_p.bind(g, shape=shape_of(x)))


@public
def reshape(x: TensorLike, shape) -> Tensor:
    """``x`` with a new shape of the same size.

    Args:
        shape: The new shape; one entry may be −1.
    """
    return reshape_p(
        x, shape=tuple(np.atleast_1d(shape).tolist()) if not isinstance(shape, tuple) else shape
    )


def _inverse(axes, ndim):
    if axes is None:
        return None
    return tuple(np.argsort([a % ndim for a in axes]))


transpose_p = Primitive("transpose", lambda x, axes: np.transpose(x, axes))
transpose_p.defvjp(
    lambda g, out, x, axes: transpose_p.bind(g, axes=_inverse(axes, len(shape_of(x))))
)


@public
def transpose(x: TensorLike, axes=None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None).

    Args:
        axes: The axes, as in NumPy's function of the same name.
    """
    return transpose_p(x, axes=None if axes is None else tuple(axes))


# --- indexing: the gradient scatters g back into zeros ---------------------------------------


def _is_fancy(key):
    if key.__class__ is int or key.__class__ is slice:
        return False
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (list, np.ndarray)) for k in keys)


def _scatter(g, key, shape):
    out = np.zeros(shape, dtype=g.dtype)
    if _is_fancy(key):
        np.add.at(out, key, g)  # repeated indices accumulate
    else:
        out[key] = g
    return out


getitem = Primitive("getitem", lambda x, key: x[key])
scatter = Primitive("scatter", _scatter)
getitem.defvjp(lambda g, out, x, key: scatter.bind(g, key=key, shape=shape_of(x)))


def _getitem_into(buf, g, x, key, fresh):
    if _is_fancy(key):
        np.add.at(buf, key, g)
    elif fresh:  # buf is all zeros: writing is enough
        buf[key] = g
    else:
        buf[key] += g


getitem.vjp_into = _getitem_into
scatter.defvjp(lambda g, out, x, key, shape: getitem.bind(g, key=key))


# --- joining --------------------------------------------------------------------------------

concatenate_p = Primitive("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis))


def _concatenate_vjp(i, g, out, *xs, axis):
    ax = axis % len(shape_of(out))
    start = sum(shape_of(x)[ax] for x in xs[:i])
    key = (slice(None),) * ax + (slice(start, start + shape_of(xs[i])[ax]),)
    return getitem.bind(g, key=key)


concatenate_p.defvjp_argnum(_concatenate_vjp)


@public
def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    Args:
        tensors: A sequence of Tensors, arrays or numbers.
    """
    return concatenate_p(*tensors, axis=axis)


stack_p = Primitive("stack", lambda *xs, axis: np.stack(xs, axis=axis))


def _stack_vjp(i, g, out, *xs, axis):
    ax = axis % len(shape_of(out))
    return getitem.bind(g, key=(slice(None),) * ax + (i,))


stack_p.defvjp_argnum(_stack_vjp)


@public
def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors along a new axis.

    Args:
        tensors: A sequence of Tensors, arrays or numbers.
    """
    return stack_p(*tensors, axis=axis)


# --- shared checks: errors name the op, the shapes and dtypes --------------------------------


def _val(x):
    """The value of a Tensor, or ``x`` itself."""
    return x._value if isinstance(x, Tensor) else x


def fail(name, xs, params, err):
    """The error :meth:`Primitive.bind` would raise for ``err`` in op ``name`` (to ``raise``)."""
    return _op_error(name, [_val(x) for x in xs], params, err)


def _is_int(a) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def normal_axis(axis, ndim: int) -> int:
    """``axis`` in ``range(ndim)``; ValueError for out-of-range axes, TypeError for non-integers."""
    if not _is_int(axis):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for an array of rank {ndim}")
    return int(axis) % ndim


def normal_axes(axis, ndim: int) -> tuple:
    """An int or a sequence of ints as a tuple of distinct axes in ``range(ndim)`` (same order)."""
    seq = isinstance(axis, (tuple, list, np.ndarray)) and not _is_int(axis)
    axes = tuple(axis) if seq else (axis,)
    out = tuple(normal_axis(a, ndim) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {axis!r}")
    return out


# --- squeeze, expand_dims, swapaxes, moveaxis: compositions of reshape and transpose -----------


def _squeezed_shape(shape, axis):
    if axis is None:
        return tuple(n for n in shape if n != 1)
    axes = normal_axes(axis, len(shape))
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"cannot squeeze axis {a}: its size is {shape[a]}, not 1")
    return tuple(n for k, n in enumerate(shape) if k not in axes)


def squeeze_p(x, axis=None):
    """``x`` without the given size-1 axes (all of them when ``axis`` is None), by reshape."""
    try:
        new = _squeezed_shape(shape_of(x), axis)
    except (ValueError, TypeError) as err:
        raise fail("squeeze", [x], {"axis": axis}, err) from None
    return reshape_p.bind(x, shape=new)


@public
def squeeze(a: TensorLike, axis=None) -> Tensor:
    """``a`` without size-1 axes: all of them, or those in ``axis`` (an int or a tuple).

    Derivative: the upstream gradient reshaped back. Returns a Tensor. Raises ValueError when a
    selected axis is out of range, repeated or not of size 1; TypeError for a non-integer axis.
    """
    return as_result(squeeze_p(as_operand("squeeze", a), axis=int_tuple(axis)))


def _expanded_shape(shape, axis):
    ndim = len(shape) + (1 if _is_int(axis) else len(axis))
    axes = normal_axes(axis, ndim)
    rest = iter(shape)
    return tuple(1 if k in axes else next(rest) for k in range(ndim))


def expand_dims_p(x: Any, axis: int | tuple[int, ...]) -> Any:
    """``x`` with new size-1 axes at ``axis`` (an int or a tuple; positions in the result)."""
    if axis.__class__ is int and -len(shape_of(x)) - 1 <= axis <= len(shape_of(x)):  # fast path
        s = list(shape_of(x))
        s.insert(axis if axis >= 0 else len(s) + axis + 1, 1)
        return reshape_p.bind(x, shape=tuple(s))
    try:
        new = _expanded_shape(shape_of(x), axis)
    except (ValueError, TypeError) as err:
        raise fail("expand_dims", [x], {"axis": axis}, err) from None
    return reshape_p.bind(x, shape=new)


@public
def expand_dims(a: TensorLike, axis) -> Tensor:
    """``a`` with new size-1 axes at ``axis`` (an int or a tuple; positions in the result).

    Derivative: the upstream gradient reshaped back. Returns a Tensor. Raises ValueError for
    out-of-range or repeated axes; TypeError for a non-integer axis.
    """
    return as_result(expand_dims_p(as_operand("expand_dims", a), int_tuple(axis)))


def squeeze_last(x: Any) -> Any:
    return reshape_p.bind(x, shape=shape_of(x)[:-1])


def swapaxes_p(x, axis1, axis2):
    """``x`` with axes ``axis1`` and ``axis2`` interchanged, by transpose."""
    ndim = len(shape_of(x))
    try:
        a, b = normal_axis(axis1, ndim), normal_axis(axis2, ndim)
    except (ValueError, TypeError) as err:
        raise fail("swapaxes", [x], {"axis1": axis1, "axis2": axis2}, err) from None
    perm = list(range(ndim))
    perm[a], perm[b] = b, a
    return transpose_p.bind(x, axes=tuple(perm))


@public
def swapaxes(a: TensorLike, axis1, axis2) -> Tensor:
    """``a`` with axes ``axis1`` and ``axis2`` interchanged (a transpose; derivative: the same
    swap of the upstream gradient). Raises ValueError for out-of-range axes, TypeError for
    non-integer ones.

    Args:
        axis1: The first axis of the pair, as in NumPy.
        axis2: The second axis of the pair, as in NumPy.
    """
    return as_result(swapaxes_p(as_operand("swapaxes", a), axis1, axis2))


def moveaxis_p(x, source, destination):
    """``x`` with axes ``source`` moved to positions ``destination`` (others keep their order)."""
    ndim = len(shape_of(x))
    try:
        src, dst = normal_axes(source, ndim), normal_axes(destination, ndim)
        if len(src) != len(dst):
            raise ValueError(
                f"source and destination must have the same number of elements, "
                f"got {len(src)} and {len(dst)}"
            )
    except (ValueError, TypeError) as err:
        raise fail("moveaxis", [x], {"source": source, "destination": destination}, err) from None
    order = [k for k in range(ndim) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose_p.bind(x, axes=tuple(order))


@public
def moveaxis(a: TensorLike, source, destination) -> Tensor:
    """``a`` with the axes ``source`` moved to the positions ``destination`` (ints or equal-length
    sequences); the other axes keep their order. A transpose; derivative: the inverse transpose
    of the upstream gradient. Raises ValueError for out-of-range or repeated axes or lengths
    that differ; TypeError for non-integer axes.

    Args:
        source: The axis (or axes) to move.
        destination: Where to move them.
    """
    return as_result(
        moveaxis_p(as_operand("moveaxis", a), int_tuple(source), int_tuple(destination))
    )


# --- flip and roll: their own adjoints (up to the sign of the shift) ------------------------


def _flip_fwd(x, axis):
    return np.flip(x, axis)


flip_p = Primitive("flip", _flip_fwd)
flip_p.defvjp(lambda g, out, x, axis: flip_p.bind(g, axis=axis))


@public
def flip(m: TensorLike, axis=None) -> Tensor:
    """``m`` reversed along ``axis`` (an int, a tuple, or None for all axes), as ``np.flip``.

    Derivative: the upstream gradient flipped the same way. Returns a Tensor. Raises ValueError
    for out-of-range or repeated axes; TypeError for complex/non-numeric input.
    """
    return flip_p(as_operand("flip", m), axis=int_tuple(axis))


def _roll_fwd(x, shift, axis):
    if not (_is_int(shift) or (isinstance(shift, tuple) and all(_is_int(s) for s in shift))):
        raise TypeError(f"shift must be an integer or a tuple of integers, got {shift!r}")
    if axis is not None:  # an axis may repeat (its shifts add up), as in NumPy
        for a in axis if isinstance(axis, tuple) else (axis,):
            normal_axis(a, np.ndim(x))
    return np.roll(x, shift, axis)


def _negated(shift):
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


roll_p = Primitive("roll", _roll_fwd)
roll_p.defvjp(lambda g, out, x, shift, axis: roll_p.bind(g, shift=_negated(shift), axis=axis))


@public
def roll(a: TensorLike, shift, axis=None) -> Tensor:
    """``a`` shifted cyclically by ``shift`` along ``axis`` (ints or equal-length tuples; None:
    the flattened array, shape restored), as ``np.roll``.

    Derivative: the upstream gradient rolled by ``-shift``. Returns a Tensor. Raises ValueError
    for out-of-range axes; TypeError for non-integer shifts (NumPy would truncate them).

    Args:
        shift: By how many places to roll (an int or a tuple of ints).
    """
    return roll_p(as_operand("roll", a), shift=int_tuple(shift), axis=int_tuple(axis))


# --- repeat and tile: the gradient sums the copies ----------------------------------------------


def _repeat_fwd(x, repeats, axis):
    if value_of(repeats).dtype.kind not in "iu":
        raise TypeError(f"repeats must be integers, got {value_of(repeats).dtype}")
    if axis is not None:
        normal_axis(axis, np.ndim(x))
    return np.repeat(x, repeats, axis)


def _repeat_sum_fwd(g, repeats, axis, shape):
    """The sum of each run of ``repeats`` copies along ``axis``: the adjoint of repeat."""
    g = value_of(g)
    if axis is None:
        ax, n = 0, int(np.prod(shape))
    else:
        ax = axis % len(shape)
        n = shape[ax]
    reps = value_of(repeats)
    if reps.ndim == 0 or reps.size == 1:  # every element repeated r times: sum an axis of length r
        r = int(reps.reshape(-1)[0]) if reps.size else 0
        out = g.reshape(g.shape[:ax] + (n, r) + g.shape[ax + 1 :]).sum(axis=ax + 1)
    else:
        reps = np.broadcast_to(reps, (n,))
        nonzero = reps > 0
        out = np.zeros(g.shape[:ax] + (n,) + g.shape[ax + 1 :], dtype=g.dtype)
        if nonzero.any():
            starts = (np.cumsum(reps) - reps)[nonzero]
            key = (slice(None),) * ax + (nonzero,)
            out[key] = np.add.reduceat(g, starts, axis=ax)
    return out.reshape(shape) if axis is None else out


repeat_p = Primitive("repeat", _repeat_fwd)
repeat_sum = Primitive("repeat_sum", _repeat_sum_fwd)
repeat_p.defvjp(
    lambda g, out, x, repeats, axis: repeat_sum.bind(
        g, repeats=repeats, axis=axis, shape=shape_of(x)
    )
)


@public
def repeat(a: TensorLike, repeats, axis=None) -> Tensor:
    """Each element of ``a`` repeated ``repeats`` times (an int, or one count per element along
    ``axis``; zeros allowed) along ``axis`` (None: the flattened array), as ``np.repeat``.

    Derivative: the sum of the upstream gradient over each element's copies. Returns a Tensor.
    Raises ValueError for negative counts, a count per element of the wrong length or an
    out-of-range axis; TypeError for non-integer counts.

    Args:
        repeats: How many times to repeat each element (an int or one per element).
    """
    return repeat_p(as_operand("repeat", a), repeats=int_tuple(repeats), axis=axis)


repeat_sum.defvjp(
    lambda g, out, y, repeats, axis, shape: repeat_p.bind(g, repeats=repeats, axis=axis)
)


def _tile_reps(reps):
    reps = tuple(reps) if isinstance(reps, (tuple, list, np.ndarray)) else (reps,)
    if not all(_is_int(r) for r in reps):
        raise TypeError(f"reps must be an integer or a sequence of integers, got {reps!r}")
    if any(r < 0 for r in reps):
        raise ValueError(f"reps must be non-negative, got {reps!r}")
    return reps


def _tile_fwd(x, reps):
    return np.tile(x, _tile_reps(reps))


def _tile_sum_fwd(g, reps, shape):
    """The sum of the tiles of ``g``: the adjoint of tile (``shape`` is the tiled array's)."""
    reps = _tile_reps(reps)
    d = max(len(shape), len(reps))
    xs = (1,) * (d - len(shape)) + tuple(shape)
    rs = (1,) * (d - len(reps)) + reps
    split_p = tuple(n for pair in zip(rs, xs) for n in pair)
    return value_of(g).reshape(split_p).sum(axis=tuple(range(0, 2 * d, 2))).reshape(shape)


tile_p = Primitive("tile", _tile_fwd)
tile_sum = Primitive("tile_sum", _tile_sum_fwd)
tile_p.defvjp(lambda g, out, x, reps: tile_sum.bind(g, reps=reps, shape=shape_of(x)))


@public
def tile(A: TensorLike, reps) -> Tensor:
    """``A`` repeated as a block ``reps`` times per axis (an int or a tuple; shorter operands or
    ``reps`` are padded with leading 1s), as ``np.tile``.

    Derivative: the sum of the upstream gradient over the tiles. Returns a Tensor. Raises
    ValueError for negative ``reps``; TypeError for non-integer ones.

    Args:
        A: The input to tile: a Tensor, array or number.
        reps: The number of repetitions along each axis.
    """
    return tile_p(as_operand("tile", A), reps=int_tuple(reps))


tile_sum.defvjp(lambda g, out, y, reps, shape: tile_p.bind(g, reps=reps))


# --- pad: 'constant' crops the gradient; the copying modes are an index map (a gather) ----------

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
_PAD_UNSUPPORTED = ("linear_ramp", "maximum", "mean", "median", "minimum", "empty")


def pad_pairs(pad_width, ndim):
    """``pad_width`` as ``((before, after),) * ndim`` of non-negative ints, as NumPy reads it."""
    pw = value_of(pad_width)
    if pw.dtype.kind not in "iu" or (pw.size == 0 and ndim):
        raise TypeError(f"pad_width must be integers, got {pad_width!r}")
    try:
        pairs = np.broadcast_to(pw, (ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad_width {pad_width!r} does not fit an array of rank {ndim}: give an "
            f"int, a (before, after) pair or one pair per axis"
        ) from None
    if (pairs < 0).any():
        raise ValueError(f"pad_width must be non-negative, got {pad_width!r}")
    return tuple((int(b), int(a)) for b, a in pairs)


def _pad_fwd(x, pad_width, constant_values):
    return np.pad(x, pad_width or 0, mode="constant", constant_values=constant_values)


pad_constant = Primitive("pad", _pad_fwd)
pad_constant.defvjp(
    lambda g, out, x, pad_width, constant_values: getitem.bind(
        g, key=tuple(slice(b, b + n) for (b, _), n in zip(pad_width, shape_of(x)))
    )
)


def pad_p(x, pad_width, mode="constant", constant_values=None):
    """``np.pad`` for modes 'constant', 'edge', 'reflect', 'symmetric' and 'wrap'."""
    params = {"pad_width": pad_width, "mode": mode}
    try:
        if not isinstance(mode, str) or mode not in _PAD_MODES:
            if isinstance(mode, str) and mode in _PAD_UNSUPPORTED or callable(mode):
                raise NotImplementedError(
                    f"pad: mode {mode!r} is not supported (its gradient is not implemented); "
                    f"supported modes: {', '.join(_PAD_MODES)}"
                )
            raise ValueError(
                f"mode {mode!r} is not a padding mode; supported modes: {', '.join(_PAD_MODES)}"
            )
        if mode != "constant" and constant_values is not None:
            raise ValueError(f"constant_values is only used with mode='constant', not {mode!r}")
        pairs = pad_pairs(pad_width, len(shape_of(x)))
        cv = 0 if constant_values is None else constant_values
        if isinstance(cv, Tensor) and cv.ndim != 0:
            raise TypeError(
                "constant_values as a Tensor must be a scalar (a 0-d Tensor); give "
                "per-axis constants as plain numbers"
            )
        if mode != "constant":
            # Each output element is a copy of one input element: find which, with np.pad on the
            # positions, and gather (repeated sources accumulate their gradients).
            idx = [np.pad(np.arange(n), p, mode=mode) for n, p in zip(shape_of(x), pairs)]
    except (ValueError, TypeError) as err:
        raise fail("pad", [x], params, err) from None
    if mode != "constant":
        return getitem.bind(x, key=np.ix_(*idx)) if idx else x
    if isinstance(cv, Tensor):  # a differentiable constant: pad with 0, add cv on the border
        border = np.pad(np.zeros(shape_of(x), dtype=bool), pairs, constant_values=True)
        return pad_constant.bind(x, pad_width=pairs, constant_values=0) + cv * border
    return pad_constant.bind(x, pad_width=pairs, constant_values=cv)


@public
def pad(array: TensorLike, pad_width, mode="constant", constant_values=None) -> Tensor:
    """``array`` padded as ``np.pad``: ``pad_width`` an int, a ``(before, after)`` pair or one
    pair per axis. Modes: 'constant' (with ``constant_values``, default 0: a scalar, a pair or a
    pair per axis), 'edge', 'reflect', 'symmetric' and 'wrap'.

    Derivative: for 'constant', the upstream gradient cropped to the interior (the padding
    constants are constants, except a 0-d Tensor ``constant_values``, which gets the sum of the
    gradient over the border); for the other modes each output element copies one input
    element, whose gradient sums over all its copies. Returns a Tensor. Raises
    NotImplementedError for NumPy's other modes ('linear_ramp', 'maximum', 'mean', 'median',
    'minimum', 'empty', callables); ValueError for an unknown mode, negative or malformed
    ``pad_width``, or ``constant_values`` with another mode; TypeError for non-integer widths.

    Args:
        array: The input to pad: a Tensor, array or number.
        pad_width: The padding before and after each axis, as in NumPy.
        mode: As in NumPy's function of the same name.
        constant_values: The value to pad with in ``mode="constant"``.
    """
    return as_result(
        pad_p(as_operand("pad", array), pad_width, mode=mode, constant_values=constant_values)
    )


# --- split, take: slices and gathers --------------------------------------------------------


def split_p(x, indices_or_sections, axis=0, equal=True):
    """The pieces of ``x`` along ``axis``, each a differentiable slice (see ``np.split``;
    ``equal=False`` is ``np.array_split``)."""
    name = "split" if equal else "array_split"
    shape = shape_of(x)
    try:
        if not shape:
            raise ValueError("cannot split a 0-d array")
        ax = normal_axis(axis, len(shape))
        n = shape[ax]
        if _is_int(indices_or_sections):
            sections = int(indices_or_sections)
            if sections <= 0:
                raise ValueError(f"the number of sections must be positive, got {sections}")
            if equal and n % sections:
                raise ValueError(
                    f"array split does not result in an equal division: axis {ax} "
                    f"of size {n} into {sections} sections"
                )
            each, extra = divmod(n, sections)
            sizes = [each + 1] * extra + [each] * (sections - extra)
            bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        else:
            idx = value_of(indices_or_sections)
            if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
                raise TypeError(
                    f"indices_or_sections must be an integer or a 1-D sequence of "
                    f"integers, got {indices_or_sections!r}"
                )
            bounds = [0] + [int(i) for i in idx] + [n]
    except (ValueError, TypeError) as err:
        raise fail(
            name, [x], {"indices_or_sections": indices_or_sections, "axis": axis}, err
        ) from None
    pre = (slice(None),) * ax
    return [getitem.bind(x, key=pre + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]


@public
def array_split(ary: TensorLike, indices_or_sections, axis=0) -> list:
    """As :func:`split`, but N sections need not be equal (the first ``len % N`` get one more
    element), as ``np.array_split``.

    Args:
        ary: The input: a Tensor, a NumPy array or a number.
        indices_or_sections: A number of equal sections, or the sorted indices to split at.
        axis: The axis to split along.

    Returns:
        list[Tensor]: The pieces, each recorded on every active tape.
    """
    return [
        as_result(p)
        for p in split_p(
            as_operand("array_split", ary), int_tuple(indices_or_sections), axis=axis, equal=False
        )
    ]


@public
def split(ary: TensorLike, indices_or_sections, axis=0) -> list:
    """``ary`` split along ``axis`` into a list of Tensors, as ``np.split``: into N equal
    sections (an int N that divides the axis) or at the given indices (a sequence).

    Derivative: each piece is a slice; its gradient goes back to its part of ``ary``. Returns a
    list of Tensors. Raises ValueError when N does not divide the axis or is not positive, for a
    0-d ``ary`` or an out-of-range axis; TypeError for non-integer indices.

    Args:
        ary: The input: a Tensor, a NumPy array or a number.
        indices_or_sections: A number of equal sections, or the sorted indices to split at.
        axis: The axis to split along.

    Returns:
        list[Tensor]: The pieces, each recorded on every active tape.
    """
    return [
        as_result(p)
        for p in split_p(as_operand("split", ary), int_tuple(indices_or_sections), axis=axis)
    ]


def take_p(x, indices, axis=None, mode="raise"):
    """``np.take`` by a gather (repeated indices accumulate their gradients)."""
    shape = shape_of(x)
    params = {"axis": axis, "mode": mode}
    idx = np.asarray(_val(indices))
    try:
        if idx.dtype.kind not in "iu":
            raise TypeError(f"indices must be integers, got dtype {idx.dtype}")
        if axis is None:
            n, pre = int(np.prod(shape)), ()
        else:
            ax = normal_axis(axis, len(shape))
            n, pre = shape[ax], (slice(None),) * ax
        if mode == "wrap":
            if n == 0 and idx.size:
                raise IndexError("cannot take from an empty axis")
            idx = idx % n if idx.size else idx
        elif mode == "clip":
            if n == 0 and idx.size:
                raise IndexError("cannot take from an empty axis")
            idx = np.clip(idx, 0, n - 1)
        elif mode == "raise":
            bad = (idx < -n) | (idx >= n)
            if bad.any():
                raise IndexError(
                    f"index {idx[bad].reshape(-1)[0]} is out of bounds for axis "
                    f"{'None (the flattened array)' if axis is None else axis} "
                    f"with size {n}"
                )
        else:
            raise ValueError(f"mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    except (ValueError, TypeError, IndexError) as err:
        raise fail("take", [x, idx], params, err) from None
    if axis is None:
        x = reshape_p.bind(x, shape=(-1,))
    return getitem.bind(x, key=pre + (idx,))


@public
def take(a: TensorLike, indices, axis=None, mode="raise") -> Tensor:
    """Elements of ``a`` at integer ``indices`` along ``axis`` (None: of the flattened array), as
    ``np.take``: the result has ``a.shape[:axis] + indices.shape + a.shape[axis+1:]``. ``mode``
    'raise' (negative indices count from the end), 'wrap' or 'clip'.

    Derivative: the upstream gradient scattered back; repeated indices accumulate. Returns a
    Tensor. Raises IndexError for out-of-range indices (mode 'raise'); ValueError for an
    out-of-range axis or unknown mode; TypeError for non-integer indices.

    Args:
        indices: Integer indices to take.
        mode: As in NumPy's function of the same name.
    """
    return as_result(take_p(as_operand("take", a), indices, axis=axis, mode=mode))


# --- sort: the gradient goes back to where each element came from -------------------------


def _permute_fwd(x, perm, inverse, axis):
    return np.take_along_axis(x, perm, axis)


# ``perm`` is a permutation along ``axis`` and ``inverse`` its inverse: each is the other's adjoint.
permute = Primitive("permute", _permute_fwd)
permute.defvjp(
    lambda g, out, x, perm, inverse, axis: permute.bind(g, perm=inverse, inverse=perm, axis=axis)
)


def _sort_fwd(x, axis, kind, stable):
    if stable is not None:
        return np.sort(x, axis=axis, kind=kind, stable=stable)
    return np.sort(x, axis=axis, kind=kind)


def _sort_vjp(g, out, x, axis, kind, stable):
    # Stable order: of equal elements, the one first in x gets the first sorted slot's gradient.
    xv = np.asarray(_val(x))
    ax = 0 if axis is None else axis
    if axis is None:
        xv = xv.reshape(-1)
    perm = np.argsort(xv, axis=ax, kind="stable")
    inverse = np.empty_like(perm)
    positions = np.arange(perm.shape[ax]).reshape(
        [-1 if k == ax % perm.ndim else 1 for k in range(perm.ndim)]
    )
    np.put_along_axis(inverse, perm, positions, axis=ax)
    gx = permute.bind(g, perm=inverse, inverse=perm, axis=ax)
    return reshape_p.bind(gx, shape=shape_of(x)) if axis is None else gx


sort_p = Primitive("sort", _sort_fwd)
sort_p.defvjp(_sort_vjp)


@public
def sort(a: TensorLike, axis=-1, kind=None, order=None, *, stable=None) -> Tensor:
    """``a`` sorted along ``axis`` (None: the flattened array), as ``np.sort``.

    Derivative: each sorted element's gradient goes back to the position it came from (the
    gradient is permuted back). Ties: equal elements keep their order (NumPy's stable sort), so
    the first of them in ``a`` receives the gradient of the first sorted slot, and so on; each
    position gets exactly one slot's gradient (no sharing). ``kind`` and ``stable`` are passed
    to NumPy (the values do not depend on them; the gradient always follows the stable order).
    NaNs sort last. Returns a Tensor. Raises ValueError for an out-of-range axis or an unknown
    kind; TypeError for ``order`` (structured arrays are not supported) or complex/non-numeric
    input.

    Args:
        kind: Accepted for NumPy compatibility; the sort is NumPy's stable sort.
        order: Accepted for NumPy compatibility; must be None.
        stable: Accepted for NumPy compatibility; the sort is always stable.
    """
    if order is not None:
        raise TypeError(
            "sort: order= applies to structured arrays, which deltagrad does not support"
        )
    return sort_p(as_operand("sort", a), axis=axis, kind=kind, stable=stable)
