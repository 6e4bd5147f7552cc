"""NumPy's other element-wise functions: logaddexp, logaddexp2, hypot, fmax, fmin, fabs, sinc,
deg2rad, rad2deg, mod (remainder) and nan_to_num; and real, imag, conjugate, real_if_close
and angle, NumPy's functions of complex numbers, for code written for complex NumPy (deltagrad's
tensors are real, so they are the identity, zeros, 0 or π).

Each is a primitive with NumPy's forward and a rule right under it, written with ``bind``-based
ops only, so it serves first derivatives (plain arrays) and higher ones (Tensors) alike.
:data:`UFUNCS` maps the NumPy ufuncs among them to their primitives, for ``np.<ufunc>(tensor)``.

Conventions, where the derivative needs one:

* fmax and fmin, like maximum: the gradient goes to ``x1`` at ties; where one operand is NaN the
  result is the other one, and so is the gradient (both NaN: ``x1``).
* logaddexp where x1 = x2 = ±inf: ½ to each (the limit along x1 = x2), not NaN.
* hypot at the origin, where it has no derivative: 0 (as arctan2).
* mod: 1 for ``x1`` and −floor(x1 / x2) for ``x2`` (the quotient NumPy's ``floor_divide``
  gives), also at the jumps, where the derivative does not exist.
* nan_to_num: 1 where ``x`` is finite, 0 where a NaN or infinity was replaced.
* imag and angle: 0 (their values do not change with a real ``x``, except angle's jump at 0).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltagrad.ops.arith import equal, where_p
from deltagrad.ops.core import Primitive
from deltagrad.ops.elementwise import cos_p, sign_p, zeros_like_p
from deltagrad.ops.public import TensorLike, public
from deltagrad.ops.unary import sigmoid_p
from deltagrad.tensor import Tensor

__all__ = [
    "logaddexp",
    "logaddexp2",
    "hypot",
    "fmax",
    "fmin",
    "fabs",
    "sinc",
    "deg2rad",
    "rad2deg",
    "mod",
    "remainder",
    "nan_to_num",
    "real",
    "imag",
    "conjugate",
    "real_if_close",
    "angle",
]

_LN2 = math.log(2.0)
_DEG = math.pi / 180.0  # radians per degree

# --- logaddexp and logaddexp2: the gradients are the softmax weights of (x1, x2) ---------------

# Where x1 = x2 = ±inf, x1 − x2 is NaN; there the weights are ½ (their limit along x1 = x2).
_infinite_tie = Primitive(
    "logaddexp_tie", lambda x1, x2: np.isinf(x1) & np.equal(x1, x2), differentiable=False
)


def _logaddexp_weight(x1: Any, x2: Any, scale: float) -> Any:
    """σ(scale·(x1 − x2)): ∂/∂x1 of log(e^x1 + e^x2) (scale 1) or of log2(2^x1 + 2^x2) (ln 2)."""
    tie = _infinite_tie.bind(x1, x2)
    d = where_p.bind(tie, 0.0, x1) - where_p.bind(tie, 0.0, x2)
    return sigmoid_p.bind(d if scale == 1.0 else scale * d)


logaddexp_p = Primitive("logaddexp", np.logaddexp)
logaddexp_p.defvjp(
    lambda g, out, x1, x2: g * _logaddexp_weight(x1, x2, 1.0),
    lambda g, out, x1, x2: g * _logaddexp_weight(x2, x1, 1.0),
)


@public
def logaddexp(x1: TensorLike, x2: TensorLike) -> Tensor:
    """log(e^x1 + e^x2), element-wise and stable (no overflow for large inputs).

    Derivative: σ(x1 − x2) for ``x1`` and σ(x2 − x1) for ``x2`` (½ each where x1 = x2 = ±inf;
    0 for an operand that is −inf beside a finite one).
    """
    return logaddexp_p(x1, x2)


logaddexp2_p = Primitive("logaddexp2", np.logaddexp2)
logaddexp2_p.defvjp(
    lambda g, out, x1, x2: g * _logaddexp_weight(x1, x2, _LN2),
    lambda g, out, x1, x2: g * _logaddexp_weight(x2, x1, _LN2),
)


@public
def logaddexp2(x1: TensorLike, x2: TensorLike) -> Tensor:
    """log2(2^x1 + 2^x2), element-wise and stable.

    Derivative: σ((x1 − x2)·ln 2) for ``x1`` and σ((x2 − x1)·ln 2) for ``x2`` (½ each where
    x1 = x2 = ±inf).
    """
    return logaddexp2_p(x1, x2)


# --- hypot ------------------------------------------------------------------------------------


def _over_hypot(g: Any, out: Any) -> Any:
    """g / out, and 0 where out = 0 (the origin, where hypot has no derivative)."""
    origin = equal.bind(out, 0)
    return where_p.bind(origin, 0.0, g / where_p.bind(origin, 1.0, out))


hypot_p = Primitive("hypot", np.hypot)
hypot_p.defvjp(
    lambda g, out, x1, x2: _over_hypot(g, out) * x1,
    lambda g, out, x1, x2: _over_hypot(g, out) * x2,
)


@public
def hypot(x1: TensorLike, x2: TensorLike) -> Tensor:
    """√(x1² + x2²), element-wise, without overflow in the squares.

    Derivative: x1 / hypot for ``x1`` and x2 / hypot for ``x2``; 0 at the origin.
    """
    return hypot_p(x1, x2)


# --- fmax and fmin: maximum and minimum that skip NaNs ----------------------------------------

# Where the result is x1: x1 wins (ties included) or x2 is NaN.
_fmax_is_x1 = Primitive(
    "fmax_is_x1", lambda x1, x2: np.greater_equal(x1, x2) | np.isnan(x2), differentiable=False
)
_fmin_is_x1 = Primitive(
    "fmin_is_x1", lambda x1, x2: np.less_equal(x1, x2) | np.isnan(x2), differentiable=False
)

fmax_p = Primitive("fmax", np.fmax)
fmax_p.defvjp(
    lambda g, out, x1, x2: where_p.bind(_fmax_is_x1.bind(x1, x2), g, 0.0),
    lambda g, out, x1, x2: where_p.bind(_fmax_is_x1.bind(x1, x2), 0.0, g),
)


@public
def fmax(x1: TensorLike, x2: TensorLike) -> Tensor:
    """The larger of x1 and x2, element-wise, ignoring NaNs as NumPy's ``fmax``: where one is
    NaN the result is the other (NaN only where both are).

    Derivative: 1 for the operand returned, 0 for the other; at ties the gradient goes to
    ``x1`` (as :func:`maximum`).
    """
    return fmax_p(x1, x2)


fmin_p = Primitive("fmin", np.fmin)
fmin_p.defvjp(
    lambda g, out, x1, x2: where_p.bind(_fmin_is_x1.bind(x1, x2), g, 0.0),
    lambda g, out, x1, x2: where_p.bind(_fmin_is_x1.bind(x1, x2), 0.0, g),
)


@public
def fmin(x1: TensorLike, x2: TensorLike) -> Tensor:
    """The smaller of x1 and x2, element-wise, ignoring NaNs as NumPy's ``fmin``: where one is
    NaN the result is the other (NaN only where both are).

    Derivative: 1 for the operand returned, 0 for the other; at ties the gradient goes to
    ``x1`` (as :func:`minimum`).
    """
    return fmin_p(x1, x2)


# --- fabs, sinc -------------------------------------------------------------------------------

fabs_p = Primitive("fabs", np.fabs)
fabs_p.defvjp(lambda g, out, x: g * sign_p.bind(x))


@public
def fabs(x: TensorLike) -> Tensor:
    """|x| as a float, element-wise (integers give float64), as NumPy's ``fabs``.

    Derivative: sign(x), 0 at x = 0 (as :func:`abs`).
    """
    return fabs_p(x)


# sinc'(x) = (cos πx − sinc x) / x cancels near 0, where it is 0; there the rule is its Taylor
# series instead, Σ_k (−1)^k 2k π^{2k} x^{2k−1} / (2k+1)! for k = 1…4 (a polynomial, so every
# higher derivative at 0 is right too: sinc''(0) = −π²/3). At |x| < 0.01 the next term is below
# 1e-21 of the sum, and at |x| ≥ 0.01 the cancellation costs under 1e-12 of the value.
_SINC_SMALL = 0.01
_SINC_SERIES = tuple(
    (-1) ** k * 2 * k * math.pi ** (2 * k) / math.factorial(2 * k + 1) for k in range(1, 5)
)
_near_zero = Primitive("sinc_near_zero", lambda x: np.abs(x) < _SINC_SMALL, differentiable=False)


def _sinc_vjp(g: Any, out: Any, x: Any) -> Any:
    small = _near_zero.bind(x)
    xs = where_p.bind(small, x, 0.0)  # the series' argument: the entries near 0
    xl = where_p.bind(small, 1.0, x)  # the quotient's: never 0 (its entries near 0 are unused)
    xs2 = xs * xs
    c1, c2, c3, c4 = _SINC_SERIES
    series = xs * (c1 + xs2 * (c2 + xs2 * (c3 + xs2 * c4)))
    quotient = (cos_p.bind(math.pi * xl) - out) / xl
    return g * where_p.bind(small, series, quotient)


sinc_p = Primitive("sinc", np.sinc)
sinc_p.defvjp(_sinc_vjp)


@public
def sinc(x: TensorLike) -> Tensor:
    """The normalised sinc, sin(πx) / (πx), element-wise (1 at x = 0), as NumPy's ``sinc``.

    Derivative: (cos πx − sinc x) / x, 0 at x = 0; smooth everywhere, to every order.
    """
    return sinc_p(x)


# --- degrees and radians ----------------------------------------------------------------------

deg2rad_p = Primitive("deg2rad", np.deg2rad)
deg2rad_p.defvjp(lambda g, out, x: g * _DEG)


@public
def deg2rad(x: TensorLike) -> Tensor:
    """Angles in degrees to radians, x·π/180, element-wise (NumPy's ``radians`` too)."""
    return deg2rad_p(x)


rad2deg_p = Primitive("rad2deg", np.rad2deg)
rad2deg_p.defvjp(lambda g, out, x: g * (1.0 / _DEG))


@public
def rad2deg(x: TensorLike) -> Tensor:
    """Angles in radians to degrees, x·180/π, element-wise (NumPy's ``degrees`` too)."""
    return rad2deg_p(x)


# --- mod --------------------------------------------------------------------------------------

# The quotient in x1 = floor(x1 / x2)·x2 + mod(x1, x2), as NumPy computes it alongside mod.
_floor_divide = Primitive("floor_divide", np.floor_divide, differentiable=False)

mod_p = Primitive("mod", np.mod)
mod_p.defvjp(
    lambda g, out, x1, x2: g,
    lambda g, out, x1, x2: -(g * _floor_divide.bind(x1, x2)),
)


@public
def mod(x1: TensorLike, x2: TensorLike) -> Tensor:
    """The remainder of x1 / x2 with the sign of ``x2``, element-wise, as NumPy's ``mod``
    (``x1 - floor(x1 / x2) * x2``; Python's ``%``). Integers stay integers.

    Derivative: 1 for ``x1`` and −floor(x1 / x2) for ``x2``; at a jump, where x1 / x2 is an
    integer q, those of the piece above it (−q for ``x2``).
    """
    return mod_p(x1, x2)


@public
def remainder(x1: TensorLike, x2: TensorLike) -> Tensor:
    """The same op as :func:`mod` (NumPy's other name for it)."""
    return mod_p(x1, x2)


# --- nan_to_num -------------------------------------------------------------------------------

_isfinite = Primitive("isfinite", np.isfinite, differentiable=False)


def _nan_to_num(x: Any, nan: Any, posinf: Any, neginf: Any) -> Any:
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


nan_to_num_p = Primitive("nan_to_num", _nan_to_num)
nan_to_num_p.defvjp(lambda g, out, x, nan, posinf, neginf: where_p.bind(_isfinite.bind(x), g, 0.0))


@public
def nan_to_num(
    x: TensorLike,
    copy: bool = True,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """``x`` with NaN replaced by ``nan``, +inf by ``posinf`` and −inf by ``neginf``, as NumPy's
    ``nan_to_num``.

    Derivative: 1 where ``x`` is finite, 0 where an entry was replaced (the replacements are
    constants).

    Args:
        copy: Accepted for NumPy compatibility: the result is always a new Tensor.
        nan: The value for NaN entries.
        posinf: The value for +inf (None: the largest finite value of the dtype).
        neginf: The value for −inf (None: the most negative finite value of the dtype).

    Raises:
        TypeError: When ``nan``, ``posinf`` or ``neginf`` is a Tensor (they are constants).
    """
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if isinstance(value, Tensor):
            raise TypeError(
                f"nan_to_num: {name} must be a number, not a Tensor (replacements are "
                "constants and carry no gradient)"
            )
    return nan_to_num_p(x, nan=nan, posinf=posinf, neginf=neginf)


# --- real, imag, conjugate, real_if_close, angle: complex NumPy's functions, on real tensors ----

# deltagrad computes on real numbers (complex operands are refused by every op), so these are
# what NumPy's functions give for a real array: the identity, zeros, and 0 or π.


def _zero_rule(g: Any, out: Any, x: Any, **params: Any) -> Any:
    return zeros_like_p.bind(g)


# (their own primitives, not ``identity``: a primitive's name is the one its errors give)
real_p = Primitive("real", lambda x: x)
real_p.defvjp(lambda g, out, x: g)


@public
def real(val: TensorLike) -> Tensor:
    """The real part of ``val``: ``val`` itself (as a new recorded Tensor), as NumPy's ``real`` of
    a real array. For code written for complex NumPy: deltagrad's tensors are real (complex
    input is refused).

    Derivative: 1.

    Args:
        val: The input: a Tensor, a real NumPy array or a number.

    Raises:
        TypeError: For complex (or non-numeric) input.
    """
    return real_p(val)


imag_p = Primitive("imag", np.zeros_like)
imag_p.defvjp(_zero_rule)


@public
def imag(val: TensorLike) -> Tensor:
    """The imaginary part of ``val``: zeros of its shape and dtype, as NumPy's ``imag`` of a real
    array. For code written for complex NumPy: deltagrad's tensors are real (complex input is
    refused).

    Derivative: 0 (a recorded result with a zero gradient, as autograd's, not a constant).

    Args:
        val: The input: a Tensor, a real NumPy array or a number.

    Raises:
        TypeError: For complex (or non-numeric) input.
    """
    return imag_p(val)


conjugate_p = Primitive("conjugate", np.conjugate)
conjugate_p.defvjp(lambda g, out, x: g)


@public
def conjugate(x: TensorLike) -> Tensor:
    """The complex conjugate of ``x``: ``x`` itself (as a new recorded Tensor), as NumPy's
    ``conjugate`` (also spelled ``np.conj``: the same ufunc) of a real array. For code written
    for complex NumPy: deltagrad's tensors are real (complex input is refused).

    Derivative: 1.

    Raises:
        TypeError: For complex (or non-numeric) input.
    """
    return conjugate_p(x)


real_if_close_p = Primitive("real_if_close", lambda x: x)
real_if_close_p.defvjp(lambda g, out, x: g)


@public
def real_if_close(a: TensorLike, tol: float = 100) -> Tensor:
    """``a`` itself (as a new recorded Tensor), as NumPy's ``real_if_close`` of a real array
    (which drops imaginary parts within ``tol`` machine epsilons of 0). For code written for
    complex NumPy: deltagrad's tensors are real (complex input is refused).

    Derivative: 1.

    Args:
        tol: Accepted for NumPy compatibility: a real input has no imaginary part to drop.

    Raises:
        TypeError: For complex (or non-numeric) input.
    """
    return real_if_close_p(a)


angle_p = Primitive("angle", lambda z, deg: np.angle(z, deg=deg))
angle_p.defvjp(_zero_rule)


@public
def angle(z: TensorLike, deg: bool = False) -> Tensor:
    """The argument (polar angle) of ``z``, as NumPy's ``angle`` of a real array: 0 where
    z ≥ 0, π where z < 0 (and at −0.0; NaN stays NaN); in degrees (0 or 180) with ``deg=True``.
    Integers give float64. For code written for complex NumPy: deltagrad's tensors are real
    (complex input is refused).

    Derivative: 0 (the angle of a real number is piecewise constant; 0 also at the jump at 0).

    Args:
        z: The input: a Tensor, a real NumPy array or a number.
        deg: Give degrees instead of radians.

    Raises:
        TypeError: For complex (or non-numeric) input.
    """
    return angle_p(z, deg=bool(deg))


UFUNCS: dict[np.ufunc, Primitive] = {
    np.logaddexp: logaddexp_p,
    np.logaddexp2: logaddexp2_p,
    np.hypot: hypot_p,
    np.fmax: fmax_p,
    np.fmin: fmin_p,
    np.fabs: fabs_p,
    np.mod: mod_p,
    np.remainder: mod_p,  # (the same ufunc as np.mod)
    np.deg2rad: deg2rad_p,
    np.radians: deg2rad_p,
    np.rad2deg: rad2deg_p,
    np.degrees: rad2deg_p,
    np.conjugate: conjugate_p,  # (np.conj is the same ufunc)
}
"""NumPy's ufuncs → the primitive ``np.<ufunc>(tensor)`` runs (for ``deltagrad.ops.UFUNCS``)."""
