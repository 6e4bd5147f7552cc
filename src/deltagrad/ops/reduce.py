"""Reductions over an axis (or all), with keepdims: sum, mean, max, min, prod, logsumexp, var,
std, norm; cumsum; argmax and argmin (integer results, no gradient).

``axis`` is an int, a tuple of ints or None (all axes) and must lie in −ndim … ndim−1, else a
ValueError names the op and the shape; ``keepdims`` keeps the reduced axes with length 1.

Conventions: tied maxima (minima) share the gradient equally; prod's gradient is exact when
entries are 0; the gradients of std and of the 2-norm are 0 where the result is 0 (a
subgradient, not NaN).
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from deltagrad.ops.arith import equal, where_p
from deltagrad.ops.core import Primitive, _op_error, as_operand, broadcast_to_p, shape_of, value_of
from deltagrad.ops.public import TensorLike, public
from deltagrad.ops.shape import reshape_p
from deltagrad.ops.unary import abs_p, exp_p
from deltagrad.tensor import Tensor, as_tensor

__all__ = [
    "sum",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "prod",
    "logsumexp",
    "cumsum",
    "var",
    "std",
    "norm",
]


def _plain(x):
    """The value of a Tensor (or x itself): for masks and counts, which carry no gradient."""
    return x._value if isinstance(x, Tensor) else x


def _normal_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}")
    return tuple(sorted(a % builtins.max(ndim, 1) for a in axes))


def _keepdims_shape(x, axis):
    s = shape_of(x)
    axes = _normal_axes(axis, len(s))
    return tuple(1 if i in axes else n for i, n in enumerate(s))


def _spread(g, x, axis, keepdims):
    """Broadcast a reduced gradient back over the reduced axes of ``x``."""
    if axis is None and not isinstance(g, Tensor):  # a first derivative of a full reduction
        return np.broadcast_to(g, shape_of(x))  # g has one entry: the same read-only view
    if not keepdims:
        g = reshape_p.bind(g, shape=_keepdims_shape(x, axis))
    return broadcast_to_p.bind(g, shape=shape_of(x))


def _check_axis(fn):
    def fwd(x, axis, keepdims):
        _normal_axes(axis, np.ndim(x))
        return fn(
            x,
            axis=None if axis is None else tuple(axis) if isinstance(axis, list) else axis,
            keepdims=keepdims,
        )

    return fwd


sum_p = Primitive("sum", _check_axis(np.sum))
sum_p.defvjp(lambda g, out, x, axis, keepdims: _spread(g, x, axis, keepdims))


@public
def sum(x: TensorLike, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (an int, a tuple, or None for all)."""
    return sum_p(x, axis=axis, keepdims=keepdims)


def _count(x, axis):
    s = shape_of(x)
    return math.prod([s[a] for a in _normal_axes(axis, len(s))])


_np_mean = _check_axis(np.mean)
_FAST_MEAN_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _mean_fwd(x, axis, keepdims):
    if axis is None and x.__class__ is np.ndarray and x.size and x.dtype in _FAST_MEAN_DTYPES:
        # What np.mean computes for these dtypes (the same add.reduce, then a division by the
        # count; float32 / int rounds as NumPy's float64 division cast back does), without its
        # 2.5 µs of Python around it.
        return np.add.reduce(x, axis=None, keepdims=keepdims) / x.size
    return _np_mean(x, axis, keepdims)


mean_p = Primitive("mean", _mean_fwd)


def _mean_vjp(g, out, x, axis, keepdims):
    if axis is None and not isinstance(g, Tensor):  # a first derivative of the mean of all
        n = x.size if x.__class__ is np.ndarray else _count(x, None)
        share = g / n  # each entry's share: the same division, done once
        return np.full(shape_of(x), share, dtype=np.result_type(share))
    return _spread(g, x, axis, keepdims) / _count(x, axis)


mean_p.defvjp(_mean_vjp)


@public
def mean(x: TensorLike, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (an int, a tuple, or None for all)."""
    return mean_p(x, axis=axis, keepdims=keepdims)


def _max_vjp(g, out, x, axis, keepdims):
    # Ties share the gradient equally (as TensorFlow's reduce_max does).
    full = _spread(out, x, axis, keepdims)
    mask = equal.bind(x, full)
    # The count of ties is a constant, in g's float dtype (an int64 count would make float32
    # gradients float64).
    gv = _plain(g)
    dtype = gv.dtype if value_of(gv).dtype.kind == "f" else np.float64
    count = np.sum(_plain(mask), axis=_axis_arg(axis), keepdims=True).astype(dtype)
    return _spread(g, x, axis, keepdims) * mask / count


max_p = Primitive("max", _check_axis(np.max))
max_p.defvjp(_max_vjp)


@public
def max(x: TensorLike, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient equally."""
    return max_p(x, axis=axis, keepdims=keepdims)


min_p = Primitive("min", _check_axis(np.min))
min_p.defvjp(_max_vjp)  # ties share the gradient equally, as for max


@public
def min(x: TensorLike, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over ``axis``, as NumPy's ``min``/``amin``.

    Gradient: 1 at the minimum; tied minima share it equally (as for :func:`max`). Returns a
    Tensor of the reduced shape. Raises ValueError for an out-of-range axis or an empty
    reduction, TypeError for complex or non-numeric ``x``.
    """
    return min_p(x, axis=axis, keepdims=keepdims)


# --- argmax / argmin: integer results, no gradient --------------------------------------------


def _single_axis(axis, ndim):
    """Check an axis that must be one int (or None) and lie in −ndim … ndim−1."""
    if axis is None:
        return None
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int or None, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for a tensor of rank {ndim}")
    return int(axis)


def _arg_reduce(fn):
    def fwd(x, axis, keepdims):
        return fn(x, axis=_single_axis(axis, np.ndim(x)), keepdims=keepdims)

    return fwd


argmax_p = Primitive("argmax", _arg_reduce(np.argmax), differentiable=False)


@public
def argmax(x: TensorLike, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the (first) maximum, as NumPy's ``argmax``: over the flattened tensor when
    ``axis`` is None, else along one int ``axis``.

    An integer Tensor that carries no gradient (like comparisons). Raises ValueError for an
    out-of-range axis or an empty tensor, TypeError for a non-int axis or a complex or
    non-numeric ``x``.
    """
    return argmax_p(x, axis=axis, keepdims=keepdims)


argmin_p = Primitive("argmin", _arg_reduce(np.argmin), differentiable=False)


@public
def argmin(x: TensorLike, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the (first) minimum, as NumPy's ``argmin``: over the flattened tensor when
    ``axis`` is None, else along one int ``axis``.

    An integer Tensor that carries no gradient (like comparisons). Raises ValueError for an
    out-of-range axis or an empty tensor, TypeError for a non-int axis or a complex or
    non-numeric ``x``.
    """
    return argmin_p(x, axis=axis, keepdims=keepdims)


# --- logsumexp --------------------------------------------------------------------------------


def _axis_arg(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _logsumexp(x, axis, keepdims):
    axes = _normal_axes(axis, np.ndim(x))
    axis = _axis_arg(axis)
    x = value_of(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError("an empty reduction: the log of an empty sum has no value")
    # SciPy's (shifted by the maximum, with log1p of the rest: no overflow at x = 1000, −inf
    # for a row of −inf, and the last digit HIPS autograd's, which uses it too). Imported
    # here: scipy.special at module level would add about half a second to `import deltagrad`.
    from scipy.special import logsumexp

    if x.ndim == 0:  # (SciPy gives shape (1,) with keepdims here)
        return logsumexp(x)
    return logsumexp(x, axis=axis, keepdims=keepdims)


def _logsumexp_vjp(g, out, x, axis, keepdims):
    # ∂/∂x log Σ eˣ = softmax(x) = e^(x − logsumexp(x)) (autograd's formula, digit for digit),
    # in float64. In float32 and float16 x − logsumexp(x) would lose digits at |x| = 1000, so
    # there it is e^(x − m) / Σ e^(x − m) for the constant shift m = max x (exact, and it
    # cancels at every order).
    if _plain(x).dtype != np.float64:
        m = np.max(_plain(x), axis=_axis_arg(axis), keepdims=True)
        e = exp_p.bind(x - np.where(np.isfinite(m), m, 0))
        return _spread(g, x, axis, keepdims) * (e / sum_p.bind(e, axis=axis, keepdims=True))
    return _spread(g, x, axis, keepdims) * exp_p.bind(x - _spread(out, x, axis, keepdims))


logsumexp_p = Primitive("logsumexp", _logsumexp)
logsumexp_p.defvjp(_logsumexp_vjp)


@public
def logsumexp(x: TensorLike, axis=None, keepdims: bool = False) -> Tensor:
    """log Σ eˣ over ``axis``, computed stably (shifted by the maximum: no overflow at
    x = 1000, −inf for a row of −inf); gradient softmax(x) along the reduced axes.

    Returns a Tensor of the reduced shape (float). Raises ValueError for an out-of-range axis
    or an empty reduction, TypeError for complex or non-numeric ``x``.
    """
    return logsumexp_p(x, axis=axis, keepdims=keepdims)


# --- prod, exact when entries are zero --------------------------------------------------------


def _prod_others(x, axis):
    """For each entry, the product of the other entries reduced with it: ∂ prod / ∂x.

    Computed from the product of the non-zero entries and the number of zeros, so it is exact
    when entries are 0 (no division by 0): with no zero it is prod / x; with one zero it is the
    product of the others at the zero and 0 elsewhere; with two or more zeros it is 0.
    """
    axis = _axis_arg(axis)
    x = value_of(x)
    zero = x == 0
    n_zeros = np.sum(zero, axis=axis, keepdims=True)
    safe = np.where(zero, 1, x)
    p = np.prod(safe, axis=axis, keepdims=True)  # the product of the non-zero entries
    return np.where(n_zeros == 0, p / safe, np.where(zero & (n_zeros == 1), p, 0))


def _prod_others_vjp(h, out, x, axis):
    # (Jᵀh)_k = Σ_{i≠k} h_i ∏_{m∉{i,k}} x_m, by the number of zeros (P: product of the non-zero
    # entries, hx = Σ_{x_i≠0} h_i/x_i, hz = Σ_{x_i=0} h_i):
    #   x_k ≠ 0: no zero → (P/x_k)(hx − h_k/x_k); one zero → (P/x_k)·hz; more → 0
    #   x_k = 0: one zero → P·hx; two zeros → P·(hz − h_k); more → 0
    # Exact at zeros (so prod's second derivative is); the masks are constants, so third
    # derivatives are exact away from zeros only.
    zero = equal.bind(x, 0)
    n_zeros = sum_p.bind(zero, axis=axis, keepdims=True)
    safe = where_p.bind(zero, 1, x)
    p = prod_p.bind(safe, axis=axis, keepdims=True)
    h_over_x = where_p.bind(zero, 0, h / safe)
    hx = sum_p.bind(h_over_x, axis=axis, keepdims=True)
    hz = sum_p.bind(where_p.bind(zero, h, 0), axis=axis, keepdims=True)
    p_over_x = p / safe
    at_nonzero = where_p.bind(
        equal.bind(n_zeros, 0),
        p_over_x * (hx - h_over_x),
        where_p.bind(equal.bind(n_zeros, 1), p_over_x * hz, 0),
    )
    at_zero = where_p.bind(
        equal.bind(n_zeros, 1), p * hx, where_p.bind(equal.bind(n_zeros, 2), p * (hz - h), 0)
    )
    return where_p.bind(zero, at_zero, at_nonzero)


prod_p = Primitive("prod", _check_axis(np.prod))
prod_p.defvjp(
    lambda g, out, x, axis, keepdims: _spread(g, x, axis, keepdims) * prod_others.bind(x, axis=axis)
)


@public
def prod(x: TensorLike, axis=None, keepdims: bool = False) -> Tensor:
    """Product over ``axis``, as NumPy's ``prod``.

    Gradient: ∂/∂x_i = the product of the other entries, computed without dividing by x_i, so
    it is exact when entries are 0: with one zero only the zero entry gets a gradient (the
    product of the others); with two or more zeros the gradient is 0. Second derivatives are
    exact at zeros too. Returns a Tensor of the reduced shape. Raises ValueError for an
    out-of-range axis, TypeError for complex or non-numeric ``x``.
    """
    return prod_p(x, axis=axis, keepdims=keepdims)


prod_others: Primitive = Primitive("prod_others", _prod_others)
prod_others.defvjp(_prod_others_vjp)


# --- cumsum -----------------------------------------------------------------------------------


def _cumsum(x, axis):
    # NumPy treats a 0-d array as 1-d for axis=0; here the axis must exist (None flattens).
    return np.cumsum(x, axis=_single_axis(axis, np.ndim(x)))


def _cumsum_reverse(x, axis):
    """out[i] = Σ_{j ≥ i} x[j] along ``axis``: the transpose of cumsum."""
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


cumsum_p = Primitive("cumsum", _cumsum)
cumsum_reverse = Primitive("cumsum_reverse", _cumsum_reverse)
cumsum_p.defvjp(
    lambda g, out, x, axis: (
        reshape_p.bind(cumsum_reverse.bind(g, axis=0), shape=shape_of(x))
        if axis is None
        else cumsum_reverse.bind(g, axis=axis)
    )
)


@public
def cumsum(x: TensorLike, axis=None) -> Tensor:
    """Cumulative sum along one int ``axis``, as NumPy's ``cumsum``; ``axis=None`` sums the
    flattened tensor (a 1-D result).

    Gradient: the reversed cumulative sum of the upstream gradient (reshaped back to ``x``'s
    shape for ``axis=None``). Raises ValueError for an out-of-range axis (also axis=0 of a
    scalar, which NumPy accepts), TypeError for a non-int axis or complex or non-numeric ``x``.
    """
    return cumsum_p(x, axis=axis)


cumsum_reverse.defvjp(lambda g, out, x, axis: cumsum_p.bind(g, axis=axis))


# --- var and std ------------------------------------------------------------------------------


def _dof(x, axis, ddof):
    """n − ddof for the entries reduced; a ValueError when it is not positive."""
    n = _count(x, axis)
    if not n - ddof > 0:
        raise ValueError(f"ddof={ddof} must be smaller than the number of entries reduced ({n})")
    return float(n - ddof)


def _moment(fn):
    def fwd(x, axis, ddof, keepdims):
        _normal_axes(axis, np.ndim(x))
        _dof(x, axis, ddof)
        return fn(x, axis=_axis_arg(axis), ddof=ddof, keepdims=keepdims)

    return fwd


def _centered(x, axis):
    return x - mean_p.bind(x, axis=axis, keepdims=True)


var_p = Primitive("var", _moment(np.var))
var_p.defvjp(
    lambda g, out, x, axis, ddof, keepdims: (
        _spread(g * (2.0 / _dof(x, axis, ddof)), x, axis, keepdims) * _centered(x, axis)
    )
)


@public
def var(x: TensorLike, axis=None, ddof=0, keepdims: bool = False) -> Tensor:
    """Variance Σ(x − mean)² / (n − ddof) over ``axis``, as NumPy's ``var``; gradient
    2(x − mean) / (n − ddof).

    ``ddof``: delta degrees of freedom (0: the population variance, 1: the sample variance).
    Returns a Tensor of the reduced shape (float). Raises ValueError for an out-of-range axis or
    ddof ≥ n (where NumPy warns and returns inf or NaN), TypeError for complex or non-numeric
    ``x``.

    Args:
        ddof: Delta degrees of freedom: the divisor is N − ddof, as in NumPy.
    """
    return var_p(x, axis=axis, ddof=ddof, keepdims=keepdims)


def _all_equal(x, axis, keepdims):
    """Where the reduced entries are all equal: std is 0 there in exact arithmetic, although
    NumPy's value is round-off (np.std([0.1] * 3) is 1.4e-17)."""
    v = x._value if isinstance(x, Tensor) else np.asarray(x)
    a = _axis_arg(axis)
    return np.max(v, axis=a, keepdims=keepdims) == np.min(v, axis=a, keepdims=keepdims)


def _std_vjp(g, out, x, axis, ddof, keepdims):
    # ∂std/∂x = (x − mean) / ((n − ddof)·std); where all entries are equal (std = 0) it is 0.
    zero = _all_equal(x, axis, keepdims)
    coef = where_p.bind(zero, 0, g / where_p.bind(zero, 1, out)) / _dof(x, axis, ddof)
    return _spread(coef, x, axis, keepdims) * _centered(x, axis)


std_p = Primitive("std", _moment(np.std))
std_p.defvjp(_std_vjp)


@public
def std(x: TensorLike, axis=None, ddof=0, keepdims: bool = False) -> Tensor:
    """Standard deviation √var over ``axis``, as NumPy's ``std``; gradient
    (x − mean) / ((n − ddof)·std).

    Convention: where std = 0 (all entries equal) the gradient is 0 (a subgradient), not NaN.
    ``ddof`` as in :func:`var`. Returns a Tensor of the reduced shape (float). Raises ValueError
    for an out-of-range axis or ddof ≥ n, TypeError for complex or non-numeric ``x``.

    Args:
        ddof: Delta degrees of freedom: the divisor is N − ddof, as in NumPy.
    """
    return std_p(x, axis=axis, ddof=ddof, keepdims=keepdims)


# --- norm -------------------------------------------------------------------------------------


def _norm2(x, axis, keepdims):
    x = value_of(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


def _norm2_vjp(g, out, x, axis, keepdims):
    # ∂‖x‖/∂x = x / ‖x‖; at x = 0 it is 0 (a subgradient), not NaN.
    zero = equal.bind(out, 0)
    coef = where_p.bind(zero, 0, g / where_p.bind(zero, 1, out))
    return _spread(coef, x, axis, keepdims) * x


norm2 = Primitive("norm", _norm2)
norm2.defvjp(_norm2_vjp)

_VECTOR_ORDS = "None, 1, 2, inf, -inf"
_MATRIX_ORDS = "None, 'fro', 1, -1, inf, -inf"


def _norm_axes(x, ord, axis):
    """The axes of a norm: one (a vector norm) or two (a matrix norm), as NumPy picks them."""
    ndim = len(shape_of(x))
    if axis is None:
        if ndim in (1, 2):
            return tuple(range(ndim))
        raise ValueError(f"ord={ord!r} needs a 1-D or 2-D tensor (or axis=), got rank {ndim}")
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if len(axes) not in (1, 2):
        raise ValueError(f"axis must be an int or a pair of ints, got {axis!r}")
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"axis must be an int or a pair of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}")
    axes = tuple(int(a) % ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"duplicate axes given: {axis!r}")
    return axes


def _squeeze_axes(y, x, axes):
    s = shape_of(x)
    return reshape_p.bind(y, shape=tuple(n for i, n in enumerate(s) if i not in axes))


def norm_p(x, ord=None, axis=None, keepdims=False):
    """NumPy's ``linalg.norm`` (vector ords None/1/2/±inf, matrix ords None/'fro'/±1/±inf),
    from primitives whose gradients are defined at 0 (see :func:`deltagrad.norm`)."""
    x = as_operand("norm", x)  # a composite: its primitives would see only its parts
    try:
        if ord is None and axis is None:
            return norm2.bind(x, axis=None, keepdims=keepdims)
        axes = _norm_axes(x, ord, axis)
        if len(axes) == 1:
            ax = axes[0]
            if ord is None or ord == 2:
                return norm2.bind(x, axis=ax, keepdims=keepdims)
            if isinstance(ord, str) or ord not in (1, np.inf, -np.inf):
                raise ValueError(
                    f"ord={ord!r} is not supported for vectors (supported: {_VECTOR_ORDS})"
                )
            a = abs_p.bind(x)
            if ord == 1:
                return sum_p.bind(a, axis=ax, keepdims=keepdims)
            return (max_p if ord > 0 else min_p).bind(a, axis=ax, keepdims=keepdims)
        if ord is None or (isinstance(ord, str) and ord == "fro"):
            return norm2.bind(x, axis=axes, keepdims=keepdims)
        if isinstance(ord, str) or ord not in (1, -1, np.inf, -np.inf):
            raise ValueError(
                f"ord={ord!r} is not supported for matrices (supported: "
                f"{_MATRIX_ORDS}; the spectral and nuclear norms need the SVD)"
            )
        row, col = axes
        summed, over = (row, col) if abs(ord) == 1 else (col, row)  # ±1: columns, ±inf: rows
        sums = sum_p.bind(abs_p.bind(x), axis=summed, keepdims=True)
        out = (max_p if ord > 0 else min_p).bind(sums, axis=over, keepdims=True)
        return out if keepdims else _squeeze_axes(out, x, axes)
    except (ValueError, TypeError, IndexError) as err:
        if str(err).startswith("norm:"):
            raise
        vals = [x._value if hasattr(x, "_value") else x]
        raise _op_error(
            "norm", vals, {"ord": ord, "axis": axis, "keepdims": keepdims}, err
        ) from None


@public
def norm(x: TensorLike, ord=None, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Vector or matrix norm, as NumPy's ``linalg.norm`` (``np.linalg.norm(t)`` runs this).

    With ``ord=None`` and ``axis=None``: the 2-norm of the flattened tensor (the Frobenius norm
    of a matrix). ``axis`` an int: vector norms along it, ``ord`` one of None or 2
    (√Σx²), 1 (Σ|x|), inf (max |x|), -inf (min |x|). ``axis`` a pair (or ``x`` 2-D with
    ``axis=None``): matrix norms, ``ord`` one of None or 'fro' (√Σx²), 1 / -1 (max / min
    column sum of |x|), inf / -inf (max / min row sum of |x|).

    Gradients: x / ‖x‖ for the 2-norm and Frobenius norm, sign(x) for the 1-norm; the max/min
    norms share the gradient between tied entries. Convention at 0: the gradient of every norm
    at x = 0 is 0 (a subgradient), not NaN; |x| contributes 0 where an entry is 0.

    Returns a Tensor of the reduced shape (float). Raises ValueError naming ``norm`` for an
    unsupported ``ord`` (the spectral 2 / -2 and nuclear 'nuc' matrix norms need the SVD), an
    out-of-range or repeated axis, or ``ord`` with a tensor of rank > 2 and no ``axis``;
    TypeError for a non-int axis or complex or non-numeric ``x``.

    Args:
        ord: The order of the norm, as in ``np.linalg.norm``.
    """
    out = norm_p(x, ord=ord, axis=axis, keepdims=keepdims)
    return out if isinstance(out, Tensor) else as_tensor(np.asarray(out))
