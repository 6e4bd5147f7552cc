"""Linear algebra: einsum, tensordot, dot, inner, outer, trace, diag, diagonal, tril, triu.

Every contraction's gradient is again a contraction: einsum's is an einsum with the subscripts
permuted (the operand's own subscripts become the output), tensordot's (and dot's and inner's) a
tensordot and a transpose. Diagonals and their adjoint ``embed_diagonal`` (the diagonal written
into zeros) are each other's rules. All rules use ``bind``-based ops only, so they are recorded
by an outer tape (higher derivatives).

The public functions have NumPy's semantics and parameter names, so ``np.<name>(tensor, …)``
runs them (recorded). Bad shapes, subscripts and out-of-range axes raise ValueError,
non-integer axes TypeError, out-of-range indices IndexError, each naming the function, the
shapes and the dtypes.
"""

from __future__ import annotations

import functools
import string
from collections import Counter

import numpy as np

from deltagrad.ops.arith import matmul_p
from deltagrad.ops.core import (
    Primitive,
    as_operand,
    broadcast_to_p,
    int_tuple,
    shape_of,
    sum_to_shape,
    value_of,
)
from deltagrad.ops.public import TensorLike, public
from deltagrad.ops.reduce import sum_p
from deltagrad.ops.shape import normal_axis, reshape_p, swapaxes_p, transpose_p
from deltagrad.tensor import Tensor

__all__ = [
    "einsum",
    "dot",
    "tensordot",
    "inner",
    "outer",
    "trace",
    "diagonal",
    "diag",
    "tril",
    "triu",
]

# NumPy's labels, in NumPy's order: implicit-mode output subscripts are sorted by code point.
_LABELS = string.ascii_uppercase + string.ascii_lowercase


# --- einsum ---------------------------------------------------------------------------------


def _check_term(term: str, subscripts: str) -> None:
    body = term.replace("...", "", 1)
    if "." in body:
        raise ValueError(
            f"invalid subscripts {subscripts!r}: an operand's subscripts may hold one "
            f"'...' and no other '.'"
        )
    for c in body:
        if c not in _LABELS:
            raise ValueError(
                f"invalid subscripts {subscripts!r}: {c!r} is not a subscript "
                f"(subscripts are the letters a-z and A-Z)"
            )


@functools.lru_cache(maxsize=1024)
def einsum_spec(subscripts: str, shapes: tuple) -> tuple:
    """``(inputs, output)``: the subscripts of each operand and of the result, explicit, with every
    '...' replaced by unused letters (right-aligned, so broadcasting ones line up). Raises a
    ValueError for subscripts NumPy would refuse, with the reason."""
    s = subscripts.replace(" ", "")
    explicit = "->" in s
    lhs, _, rhs = s.partition("->")
    if "->" in rhs or "-" in lhs or ">" in lhs or "-" in rhs or ">" in rhs:
        raise ValueError(
            f"invalid subscripts {subscripts!r}: '->' may appear once, between the "
            f"operands' subscripts and the output's"
        )
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"subscripts {subscripts!r} name {len(terms)} operand(s) but {len(shapes)} were given"
        )
    for t in terms + ([rhs] if explicit else []):
        _check_term(t, subscripts)
    extra = []
    for k, (t, shp) in enumerate(zip(terms, shapes)):
        named = len(t) - 3 if "..." in t else len(t)
        n = len(shp) - named
        if n < 0 or (n and "..." not in t):
            raise ValueError(
                f"operand {k} has {len(shp)} dimension(s) (shape {shp}) but its "
                f"subscripts {t!r} name {named}"
            )
        extra.append(n)
    n_ell = max(extra, default=0)
    free = [c for c in _LABELS if c not in s]
    if n_ell > len(free):
        raise ValueError(f"subscripts {subscripts!r}: too many dimensions for 52 letters")
    ell = "".join(free[:n_ell])
    ins = tuple(t.replace("...", ell[n_ell - n :]) for t, n in zip(terms, extra))
    if explicit:
        if "..." in rhs:
            out = rhs.replace("...", ell)
        elif n_ell:
            raise ValueError(
                f"subscripts {subscripts!r}: the operands have {n_ell} dimension(s) "
                f"under '...' but the output subscripts {rhs!r} have no '...'"
            )
        else:
            out = rhs
        letters = set("".join(ins))
        for c in out:
            if out.count(c) > 1:
                raise ValueError(
                    f"subscripts {subscripts!r}: output subscript {c!r} appears more than once"
                )
            if c not in letters:
                raise ValueError(
                    f"subscripts {subscripts!r}: output subscript {c!r} does not "
                    f"appear in the operands' subscripts"
                )
    else:
        counts = Counter("".join(t.replace("...", "") for t in terms))
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    sizes: dict = {}
    for k, (t, shp) in enumerate(zip(ins, shapes)):
        own: dict = {}
        for c, n in zip(t, shp):
            if own.setdefault(c, n) != n:
                raise ValueError(
                    f"subscript {c!r} is repeated in operand {k} (shape {shp}) over "
                    f"axes of different sizes {own[c]} and {n}"
                )
            m = sizes.setdefault(c, n)
            if m != n and m != 1 and n != 1:
                raise ValueError(
                    f"subscript {c!r} has size {n} in operand {k} (shape {shp}) but "
                    f"size {m} in an earlier operand"
                )
            if m == 1:
                sizes[c] = n
    return ins, out


def _einsum_fwd(*operands, subscripts, optimize):
    if not operands:
        raise ValueError("einsum needs at least one operand")
    ins, out = einsum_spec(subscripts, tuple(np.shape(o) for o in operands))
    return np.einsum(",".join(ins) + "->" + out, *operands, optimize=optimize)


@functools.lru_cache(maxsize=1024)
def _einsum_grad_plan(subscripts: str, shapes: tuple, i: int):
    """How to build operand ``i``'s gradient: the einsum of g and the other operands onto the
    letters of operand ``i`` that appear elsewhere (``kept``), then size-1 axes for letters of
    operand ``i`` only (summed in the forward pass: their gradient is broadcast) and for repeated
    letters (a diagonal: the gradient is zero off it, hence a 0/1 mask)."""
    ins, out = einsum_spec(subscripts, shapes)
    target, shape = ins[i], shapes[i]
    others = [ins[k] for k in range(len(ins)) if k != i]
    elsewhere = set(out).union(*others)
    first: dict = {}
    mask = None
    for p, c in enumerate(target):
        if c in first:  # a repeated letter: keep only the diagonal
            n, q = shape[p], first[c]
            eye_shape = [1] * len(target)
            eye_shape[q] = eye_shape[p] = n
            eye = np.eye(n, dtype=bool).reshape(eye_shape)
            mask = eye if mask is None else mask & eye
        else:
            first[c] = p
    kept = "".join(c for c in first if c in elsewhere)
    kept_shape = tuple(shape[first[c]] for c in kept)
    layout = tuple(
        n if first.get(c) == p and c in elsewhere else 1
        for p, (c, n) in enumerate(zip(target, shape))
    )
    subs: str | None = ",".join([out] + others) + "->" + kept
    if not others and kept == out:
        subs = None  # g already is the gradient on the kept letters
    if mask is not None:
        mask.setflags(write=False)
    return subs, kept_shape, layout, mask


def fit(g, shape):
    """``g`` summed over the axes where ``shape`` has 1, broadcast where ``g`` has 1 (same rank)."""
    gs = shape_of(g)
    if gs == shape:
        return g
    summed = tuple(1 if t == 1 else n for n, t in zip(gs, shape))
    if summed != gs:
        g = sum_to_shape.bind(g, shape=summed)
    if summed != shape:
        g = broadcast_to_p.bind(g, shape=shape)
    return g


def _einsum_vjp(i, g, out, *operands, subscripts, optimize):
    shapes = tuple(shape_of(o) for o in operands)
    subs, kept_shape, layout, mask = _einsum_grad_plan(subscripts, shapes, i)
    if subs is None:
        gi = g
    else:
        others = [operands[k] for k in range(len(operands)) if k != i]
        if not isinstance(optimize, (bool, str)):  # an explicit path fits the forward pass only
            optimize = "greedy"
        gi = einsum_p.bind(g, *others, subscripts=subs, optimize=optimize)
    gi = fit(gi, kept_shape)
    if layout != kept_shape:
        gi = reshape_p.bind(gi, shape=layout)
    if mask is not None:
        gi = gi * mask
    if shape_of(gi) != shapes[i]:
        gi = broadcast_to_p.bind(gi, shape=shapes[i])
    return gi


einsum_p = Primitive("einsum", _einsum_fwd)
einsum_p.defvjp_argnum(_einsum_vjp)


@public
def einsum(subscripts, *operands, optimize=False) -> Tensor:
    """Einstein summation over the operands' subscripts, as ``np.einsum``.

    Explicit (``'ij,jk->ik'``) and implicit (``'ij,jk'``: the letters used once, sorted)
    subscripts, repeated letters in one operand (``'ii->i'`` a diagonal, ``'ii'`` the trace),
    ``'...'`` for broadcast dimensions, and NumPy's interleaved form
    ``einsum(x, [0, 1], y, [1, 2], [0, 2])`` are supported. Size-1 dimensions broadcast as in NumPy.

    Derivative: the gradient of an operand is the einsum of the upstream gradient with the other
    operands onto that operand's subscripts; letters only that operand has (summed in the forward
    pass) get the gradient broadcast, and a repeated letter gets it on the diagonal only (zero
    elsewhere). Size-1 dimensions that broadcast get their gradient summed.

    Parameters: ``subscripts`` a str; ``operands`` tensors or arrays; ``optimize`` as NumPy's
    (False, True, 'greedy', 'optimal'), used for the forward and gradient contractions.
    Returns: a Tensor. Raises: ValueError for invalid subscripts (bad characters, more than one
    '->', an output letter repeated or not among the inputs, a wrong number of operands or of
    dimensions, mismatched sizes); TypeError for complex or non-numeric operands.

    Args:
        subscripts: The einsum subscripts, e.g. ``"ij,jk->ik"``.
        optimize: Accepted for NumPy compatibility; the contraction order is NumPy's.
        operands: The operands: Tensors, arrays or numbers.
    """
    if not isinstance(subscripts, str):
        subscripts, operands = interleaved_subscripts((subscripts,) + operands)
    xs = [as_operand("einsum", x) for x in operands]
    return einsum_p(*xs, subscripts=subscripts, optimize=optimize)


def interleaved_subscripts(args) -> tuple:
    """NumPy's other einsum form ``(op0, sublist0, op1, sublist1, ..., [sublistout])``: the
    subscripts string and the operands. Integers 0-25 stand for A-Z and 26-51 for a-z."""
    body, out = (args[:-1], args[-1]) if len(args) % 2 else (args, None)
    operands, sublists = list(body[0::2]), list(body[1::2])

    def letters(sub):
        if not isinstance(sub, (list, tuple)) or not all(
            s is Ellipsis or (_is_int(s) and 0 <= s < 52) for s in sub
        ):
            raise ValueError(
                f"einsum: a sublist holds integers in [0, 52) and Ellipsis, got {sub!r}"
            )
        return "".join("..." if s is Ellipsis else _LABELS[s] for s in sub)

    text = ",".join(letters(s) for s in sublists)
    if out is not None:
        text += "->" + letters(out)
    return text, operands


# --- tensordot, dot, inner, outer -----------------------------------------------------------


def _is_int(a) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def tensordot_axes(axes, sa, sb) -> tuple:
    """``axes`` (an int N, or a pair of ints or sequences) as two tuples of axes in range."""
    na, nb = len(sa), len(sb)
    if _is_int(axes):
        n = int(axes)
        if n < 0 or n > na or n > nb:
            raise ValueError(
                f"axes={n} needs two operands of at least {n} dimension(s) and a non-negative count"
            )
        ia, ib = tuple(range(na - n, na)), tuple(range(n))
    else:
        try:
            xa, xb = axes
        except (TypeError, ValueError):
            raise TypeError(
                f"axes must be an int or a pair of sequences of axes, got {axes!r}"
            ) from None
        xa = (xa,) if _is_int(xa) else tuple(xa)
        xb = (xb,) if _is_int(xb) else tuple(xb)
        if len(xa) != len(xb):
            raise ValueError(
                f"axes {axes!r}: {len(xa)} axes of the first operand but {len(xb)} of the second"
            )
        ia = tuple(normal_axis(a, na) for a in xa)
        ib = tuple(normal_axis(b, nb) for b in xb)
        if len(set(ia)) != len(ia) or len(set(ib)) != len(ib):
            raise ValueError(f"axes {axes!r}: an axis is repeated")
    for p, q in zip(ia, ib):
        if sa[p] != sb[q]:
            raise ValueError(
                f"shape mismatch for sum: axis {p} of the first operand has size "
                f"{sa[p]} but axis {q} of the second has size {sb[q]}"
            )
    return ia, ib


def _tensordot_fwd(a, b, axes):
    return np.tensordot(a, b, axes=tensordot_axes(axes, np.shape(a), np.shape(b)))


def _tensordot_grad(i, g, a, b, ia, ib):
    """Gradient of tensordot(a, b, (ia, ib)) with respect to argument ``i``."""
    na, nb = len(shape_of(a)), len(shape_of(b))
    fa = [k for k in range(na) if k not in ia]
    fb = [k for k in range(nb) if k not in ib]
    if i == 0:
        r = tensordot_p.bind(g, b, axes=(tuple(range(len(fa), len(fa) + len(fb))), tuple(fb)))
        labels = fa + [ia[k] for k in np.argsort(ib, kind="stable")]  # axes of a, in r's order
    else:
        r = tensordot_p.bind(a, g, axes=(tuple(fa), tuple(range(len(fa)))))
        labels = [ib[k] for k in np.argsort(ia, kind="stable")] + fb
    perm = tuple(int(p) for p in np.argsort(labels, kind="stable"))
    return r if perm == tuple(range(len(perm))) else transpose_p.bind(r, axes=perm)


tensordot_p = Primitive("tensordot", _tensordot_fwd)
tensordot_p.defvjp_argnum(
    lambda i, g, out, a, b, axes: _tensordot_grad(
        i, g, a, b, *tensordot_axes(axes, shape_of(a), shape_of(b))
    )
)


@public
def tensordot(a: TensorLike, b: TensorLike, axes=2) -> Tensor:
    """Sum of products over ``axes``, as ``np.tensordot``: an int N (the last N axes of ``a``
    against the first N of ``b``) or a pair ``(axes_a, axes_b)`` of ints or equal-length
    sequences. The result has ``a``'s remaining axes, then ``b``'s.

    Derivative: tensordot of the upstream gradient with the other operand over its free axes,
    transposed back to the operand's axis order. Returns a Tensor. Raises ValueError for
    out-of-range or repeated axes, sequences of different lengths or contracted axes of different
    sizes (no broadcasting); TypeError for a malformed ``axes`` or complex/non-numeric operands.

    Args:
        axes: The axes, as in NumPy's function of the same name.
    """
    return tensordot_p(
        as_operand("tensordot", a),
        as_operand("tensordot", b),
        axes=int_tuple(axes)
        if not isinstance(axes, (list, tuple))
        else tuple(int_tuple(v) for v in axes),
    )


def _scalar_product_grad(i, g, a, b):
    """Gradient of a·b when one of them is 0-d (dot and inner multiply then)."""
    gi = g * (b if i == 0 else a)
    if shape_of((a, b)[i]) == () and shape_of(gi) != ():
        gi = sum_p.bind(gi, axis=None, keepdims=False)
    return gi


def _dot_fwd(a, b):
    return np.dot(a, b)


def _dot_vjp(i, g, out, a, b):
    # The contractions are HIPS autograd's, operand for operand (a product of the same numbers
    # in another order, e.g. aᵀ·g for (gᵀ·a)ᵀ, can differ in the last bit).
    na, nb = len(shape_of(a)), len(shape_of(b))
    if not na or not nb:
        return _scalar_product_grad(i, g, a, b)
    if i == 0:  # g · bᵀ over b's other axes; an outer product when b is a vector
        if nb == 1:
            return tensordot_p.bind(g, b, axes=0)
        return tensordot_p.bind(g, swapaxes_p(b, -1, -2), axes=nb - 1)
    if na == 1:  # (g ⊗ a), with b's last two axes swapped back
        r = tensordot_p.bind(g, a, axes=0)
    else:  # g against a over a's leading axes
        r = tensordot_p.bind(g, a, axes=(tuple(range(-na - nb + 2, -nb + 1)), tuple(range(na - 1))))
    return swapaxes_p(r, -1, -2) if nb > 1 else r


dot_p = Primitive("dot", _dot_fwd)
dot_p.defvjp_argnum(_dot_vjp)


@public
def dot(a: TensorLike, b: TensorLike) -> Tensor:
    """Dot product with NumPy's rules: a 0-d operand multiplies; 1-D·1-D is the inner product;
    2-D·2-D the matrix product; N-D·1-D sums over the last axes; N-D·M-D sums the last axis of
    ``a`` against the second-to-last of ``b`` (result
    ``a.shape[:-1] + b.shape[:-2] + b.shape[-1:]``).

    Derivative: a tensordot of the upstream gradient with the other operand (transposed back).
    Returns a Tensor. Raises ValueError when the contracted axes differ in size; TypeError for
    complex or non-numeric operands.
    """
    return dot_p(as_operand("dot", a), as_operand("dot", b))


def _inner_fwd(a, b):
    return np.inner(a, b)


def _inner_vjp(i, g, out, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return _scalar_product_grad(i, g, a, b)
    return _tensordot_grad(i, g, a, b, (len(sa) - 1,), (len(sb) - 1,))


inner_p = Primitive("inner", _inner_fwd)
inner_p.defvjp_argnum(_inner_vjp)


@public
def inner(a: TensorLike, b: TensorLike) -> Tensor:
    """Inner product over the last axes, as ``np.inner`` (a 0-d operand multiplies); the result
    has shape ``a.shape[:-1] + b.shape[:-1]``.

    Derivative: a tensordot of the upstream gradient with the other operand. Returns a Tensor.
    Raises ValueError when the last axes differ in size; TypeError for complex/non-numeric input.
    """
    return inner_p(as_operand("inner", a), as_operand("inner", b))


def _outer_fwd(a, b):
    return np.outer(a, b)


def _outer_vjp(i, g, out, a, b):
    # outer(a, b)[j, k] = a.flat[j] · b.flat[k]
    if i == 0:
        return reshape_p.bind(matmul_p.bind(g, reshape_p.bind(b, shape=(-1,))), shape=shape_of(a))
    return reshape_p.bind(matmul_p.bind(reshape_p.bind(a, shape=(-1,)), g), shape=shape_of(b))


outer_p = Primitive("outer", _outer_fwd)
outer_p.defvjp_argnum(_outer_vjp)


@public
def outer(a: TensorLike, b: TensorLike) -> Tensor:
    """Outer product ``out[i, j] = a.flat[i] * b.flat[j]``, as ``np.outer`` (inputs flattened).

    Derivative: ``g @ b.flat`` for ``a`` and ``a.flat @ g`` for ``b``, reshaped to the input's
    shape. Returns a 2-D Tensor. Raises TypeError for complex or non-numeric input.
    """
    return outer_p(as_operand("outer", a), as_operand("outer", b))


# --- diagonals ------------------------------------------------------------------------------


def _check_offset(offset, what="offset"):
    if not _is_int(offset):
        raise TypeError(f"{what} must be an integer, got {type(offset).__name__} {offset!r}")


def diagonal_axes(shape, axis1, axis2) -> tuple:
    if len(shape) < 2:
        raise ValueError(f"needs an array of at least 2 dimensions, got shape {shape}")
    a1, a2 = normal_axis(axis1, len(shape)), normal_axis(axis2, len(shape))
    if a1 == a2:
        raise ValueError(f"axis1 and axis2 must be different axes, both are axis {a1}")
    return a1, a2


def _diagonal_length(n1, n2, offset):
    return max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))


def _embed_diagonal_fwd(g, shape, offset, axis1, axis2):
    """Zeros of ``shape`` with ``g``'s last axis written on the diagonal (diagonal's adjoint)."""
    g = value_of(g)
    out = np.zeros(shape, dtype=g.dtype)
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = _diagonal_length(shape[axis1], shape[axis2], offset)
    rows = np.arange(n) + max(-offset, 0)
    view[..., rows, rows + offset] = g
    return out


def _diagonal_fwd(x, offset, axis1, axis2):
    _check_offset(offset)
    diagonal_axes(np.shape(x), axis1, axis2)
    return np.diagonal(x, offset, axis1, axis2)


diagonal_p = Primitive("diagonal", _diagonal_fwd)
embed_diagonal = Primitive("embed_diagonal", _embed_diagonal_fwd)
diagonal_p.defvjp(
    lambda g, out, x, offset, axis1, axis2: embed_diagonal.bind(
        g, shape=shape_of(x), offset=offset, axis1=axis1, axis2=axis2
    )
)


@public
def diagonal(a: TensorLike, offset=0, axis1=0, axis2=1) -> Tensor:
    """The diagonal ``offset`` of the 2-D sub-arrays over ``axis1`` and ``axis2``, as
    ``np.diagonal``: those axes are removed and the diagonal is appended as the last axis.

    Derivative: the upstream gradient written on that diagonal of zeros. Returns a Tensor (empty
    when the offset is past the matrix). Raises as :func:`trace`.

    Args:
        offset: The offset of the diagonal from the main one.
        axis1: The first axis of the pair, as in NumPy.
        axis2: The second axis of the pair, as in NumPy.
    """
    return diagonal_p(as_operand("diagonal", a), offset=offset, axis1=axis1, axis2=axis2)


embed_diagonal.defvjp(
    lambda g, out, d, shape, offset, axis1, axis2: diagonal_p.bind(
        g, offset=offset, axis1=axis1, axis2=axis2
    )
)


def _trace_fwd(x, offset, axis1, axis2):
    _check_offset(offset)
    diagonal_axes(np.shape(x), axis1, axis2)
    return np.trace(x, offset, axis1, axis2)


def _trace_vjp(g, out, x, offset, axis1, axis2):
    s = shape_of(x)
    a1, a2 = diagonal_axes(s, axis1, axis2)
    n = _diagonal_length(s[a1], s[a2], offset)
    gs = shape_of(g)
    spread = broadcast_to_p.bind(reshape_p.bind(g, shape=gs + (1,)), shape=gs + (n,))
    return embed_diagonal.bind(spread, shape=s, offset=offset, axis1=a1, axis2=a2)


trace_p = Primitive("trace", _trace_fwd)
trace_p.defvjp(_trace_vjp)


@public
def trace(a: TensorLike, offset=0, axis1=0, axis2=1) -> Tensor:
    """Sum along a diagonal, as ``np.trace``: the diagonal ``offset`` above (below, if negative)
    the main one, of the 2-D sub-arrays over ``axis1`` and ``axis2``.

    Derivative: the upstream gradient placed on that diagonal, zeros elsewhere. Returns a Tensor
    of ``a``'s shape without ``axis1`` and ``axis2``. Raises ValueError for fewer than 2
    dimensions, out-of-range or equal axes; TypeError for a non-integer offset/axis or
    complex/non-numeric input.

    Args:
        offset: The offset of the diagonal from the main one.
        axis1: The first axis of the pair, as in NumPy.
        axis2: The second axis of the pair, as in NumPy.
    """
    return trace_p(as_operand("trace", a), offset=offset, axis1=axis1, axis2=axis2)


def _diag_fwd(v, k):
    _check_offset(k, "k")
    if np.ndim(v) not in (1, 2):
        raise ValueError(
            f"needs a 1-D array (to build a matrix) or a 2-D one (to take its "
            f"diagonal), got shape {np.shape(v)}"
        )
    return np.diag(v, k)


def _diag_vjp(g, out, v, k):
    if len(shape_of(v)) == 1:
        return diagonal_p.bind(g, offset=k, axis1=0, axis2=1)
    return embed_diagonal.bind(g, shape=shape_of(v), offset=k, axis1=0, axis2=1)


diag_p = Primitive("diag", _diag_fwd)
diag_p.defvjp(_diag_vjp)


@public
def diag(v: TensorLike, k=0) -> Tensor:
    """As ``np.diag``: for 1-D ``v`` the square matrix with ``v`` on diagonal ``k`` (size
    ``len(v) + |k|``); for 2-D ``v`` its diagonal ``k``.

    Derivative: the diagonal ``k`` of the upstream gradient (1-D ``v``), or the upstream gradient
    written on diagonal ``k`` of zeros (2-D ``v``). Returns a Tensor. Raises ValueError unless
    ``v`` is 1-D or 2-D; TypeError for a non-integer ``k`` or complex/non-numeric input.

    Args:
        v: The second vector: a Tensor, array or number.
        k: The diagonal: 0 the main one, > 0 above it, < 0 below it.
    """
    return diag_p(as_operand("diag", v), k=k)


def _triangle(np_fn):
    def fwd(x, k):
        _check_offset(k, "k")
        if np.ndim(x) == 0:
            raise ValueError("needs an array of at least 1 dimension, got a 0-d one")
        return np_fn(x, k)

    return fwd


def _triangle_vjp(prim):
    def rule(g, out, x, k):
        gx = prim.bind(g, k=k)
        # A 1-D x is broadcast to a square matrix first (as NumPy does): sum its rows back.
        return sum_p.bind(gx, axis=0, keepdims=False) if len(shape_of(x)) == 1 else gx

    return rule


tril_p = Primitive("tril", _triangle(np.tril))
triu_p = Primitive("triu", _triangle(np.triu))
tril_p.defvjp(_triangle_vjp(tril_p))


@public
def tril(m: TensorLike, k=0) -> Tensor:
    """The lower triangle of the last two axes (on and below diagonal ``k``; zeros above), as
    ``np.tril``. As in NumPy, a 1-D ``m`` is first broadcast to a square matrix (rows of ``m``).

    Derivative: the lower triangle of the upstream gradient (summed over rows for 1-D ``m``).
    Returns a Tensor. Raises ValueError for a 0-d ``m``; TypeError for a non-integer ``k`` or
    complex/non-numeric input.

    Args:
        k: The diagonal: 0 the main one, > 0 above it, < 0 below it.
    """
    return tril_p(as_operand("tril", m), k=k)


triu_p.defvjp(_triangle_vjp(triu_p))


@public
def triu(m: TensorLike, k=0) -> Tensor:
    """The upper triangle of the last two axes (on and above diagonal ``k``; zeros below), as
    ``np.triu``; see :func:`tril` for the rest.

    Args:
        k: The diagonal: 0 the main one, > 0 above it, < 0 below it.
    """
    return triu_p(as_operand("triu", m), k=k)
