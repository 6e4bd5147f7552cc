"""More element-wise functions: trigonometric and hyperbolic functions and their inverses,
erf, log1p/expm1/log2/log10/exp2, reciprocal, softplus, clip, and the piecewise-constant
floor/ceil/round/sign.

Each public function takes a tensor or array-like and returns a Tensor of its shape (NumPy's
dtype rules: float32 stays float32, integers give float64), and is what NumPy's ufunc of the same
name runs on a Tensor (``np.sin(t)`` is recorded).

Each rule sits right under its forward function and is written with ``bind``-based ops and
operators only, so it serves first derivatives (plain arrays) and higher ones (Tensors) alike.
Constants in rules are Python floats, so float32 stays float32 (NumPy's weak scalars).

Conventions:

* floor, ceil, round and sign are piecewise constant: their gradient is zero everywhere
  (also at the jumps, where the derivative does not exist). A rule returns zeros rather than
  the op being non-differentiable, so a gradient through them is 0, never None.
* clip(a, a_min, a_max) passes the gradient to ``a`` on the closed interval
  a_min ≤ a ≤ a_max (1 at the bounds, as PyTorch's clamp and TensorFlow's clip_by_value), and
  to the bound that is returned elsewhere (bounds may be tensors).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from deltagrad import functional as F
from deltagrad.ops.arith import equal, greater, greater_equal, less, less_equal, maximum_p, where_p
from deltagrad.ops.core import Primitive, value_of
from deltagrad.ops.public import TensorLike, public
from deltagrad.ops.unary import exp_p, sigmoid_p, sqrt_p
from deltagrad.tensor import Tensor

__all__ = [
    "relu",
    "leaky_relu",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
    "sinh",
    "cosh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "erf",
    "log1p",
    "expm1",
    "log2",
    "log10",
    "exp2",
    "reciprocal",
    "softplus",
    "clip",
    "floor",
    "ceil",
    "round",
    "sign",
]

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

# Kink convention (project-wide): at x = 0, relu' = 0 and leaky_relu' = alpha (the left slope).
# The rules multiply g by the slope (a 0/1 mask, or 1/alpha) rather than select with np.where:
# a select on a mask of random signs is branchy and 5-15 times slower on large arrays, and a
# product by 1 or 0 is exact. (As in JAX, a NaN or infinite g where x ≤ 0 then gives NaN.)
relu_p = Primitive("relu", lambda x: np.maximum(x, 0))
relu_p.defvjp(lambda g, out, x: g * greater.bind(x, 0))


@public
def relu(x: TensorLike) -> Tensor:
    """max(0, x). Derivative 1 for x > 0 and 0 for x ≤ 0 (0 at the kink)."""
    return relu_p(x)


def _leaky_relu(x: ArrayLike, alpha: ArrayLike) -> Any:
    return np.where(np.greater_equal(x, 0), x, np.multiply(alpha, x))


def _leaky_slope_fwd(x: ArrayLike, alpha: Any) -> Any:
    """1 where x > 0, alpha elsewhere, in x's float dtype (float64 for integers)."""
    mask = np.greater(x, 0)
    dtype = np.result_type(x) if np.result_type(x).kind == "f" else np.dtype(np.float64)
    a = dtype.type(alpha) if np.ndim(alpha) == 0 else np.asarray(alpha, dtype)
    if np.ndim(a) == 0 and 0 <= a <= 1:
        # mask·(1 − a) + a: exactly a where the mask is 0, and exactly 1 where it is 1 (for
        # 0 ≤ a ≤ 1 the rounding of 1 − a is less than half an ulp of 1, and ties go to 1).
        slope = mask.astype(dtype)
        slope *= dtype.type(1) - a
        slope += a
        return slope
    return np.where(mask, dtype.type(1), a)


# The slope carries no gradient: leaky_relu'' is 0 away from the kink.
_leaky_slope = Primitive("leaky_relu_slope", _leaky_slope_fwd, differentiable=False)

leaky_relu_p = Primitive("leaky_relu", _leaky_relu)
leaky_relu_p.defvjp(lambda g, out, x, alpha: g * _leaky_slope.bind(x, alpha=alpha))


@public
def leaky_relu(x: TensorLike, alpha: float = F.LEAKY_ALPHA) -> Tensor:
    """x for x ≥ 0, alpha·x for x < 0. Derivative 1 for x > 0, alpha for x ≤ 0.

    Args:
        alpha: The slope for x < 0.
    """
    return leaky_relu_p(x, alpha=alpha)


@functools.cache
def _erf_ufunc() -> Any:  # SciPy is untyped here
    """scipy.special.erf, imported on first use (importing SciPy takes ~0.15 s)."""
    try:
        from scipy.special import erf as scipy_erf
    except ImportError:  # pragma: no cover - SciPy comes with scikit-learn, a dependency
        vectorized = np.vectorize(math.erf, otypes=[np.float64])
        return lambda x: vectorized(x).astype(np.result_type(x, np.float16))
    return scipy_erf


def _erf(x: ArrayLike) -> Any:
    return _erf_ufunc()(x)


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# The zero gradient of the piecewise-constant ops: zeros of g's shape and dtype, a constant.
zeros_like_p = Primitive("zeros_like", np.zeros_like, differentiable=False)


# --- trigonometric ----------------------------------------------------------------------------

sin_p = Primitive("sin", np.sin)
sin_p.defvjp(lambda g, out, x: g * cos_p.bind(x))


@public
def sin(x: TensorLike) -> Tensor:
    """sin x, element-wise (radians); derivative cos x.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return sin_p(x)


cos_p: Primitive = Primitive("cos", np.cos)
cos_p.defvjp(lambda g, out, x: -(g * sin_p.bind(x)))


@public
def cos(x: TensorLike) -> Tensor:
    """cos x, element-wise (radians); derivative −sin x.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return cos_p(x)


tan_p = Primitive("tan", np.tan)
tan_p.defvjp(lambda g, out, x: g * (1.0 + out * out))  # sec² x = 1 + tan² x


@public
def tan(x: TensorLike) -> Tensor:
    """tan x, element-wise (radians); derivative 1 + tan² x (= sec² x).

    Returns a Tensor of ``x``'s shape (±inf-like near the poles π/2 + kπ). Raises TypeError for
    complex or non-numeric ``x``.
    """
    return tan_p(x)


arcsin_p = Primitive("arcsin", np.arcsin)
arcsin_p.defvjp(lambda g, out, x: g / sqrt_p.bind(1.0 - x * x))


@public
def arcsin(x: TensorLike) -> Tensor:
    """arcsin x in [−π/2, π/2], element-wise, for −1 ≤ x ≤ 1; derivative 1 / √(1 − x²).

    The derivative is inf at ±1 and the value NaN outside [−1, 1] (with NumPy's warning).
    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return arcsin_p(x)


arccos_p = Primitive("arccos", np.arccos)
arccos_p.defvjp(lambda g, out, x: -(g / sqrt_p.bind(1.0 - x * x)))


@public
def arccos(x: TensorLike) -> Tensor:
    """arccos x in [0, π], element-wise, for −1 ≤ x ≤ 1; derivative −1 / √(1 − x²).

    The derivative is −inf at ±1 and the value NaN outside [−1, 1] (with NumPy's warning).
    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return arccos_p(x)


arctan_p = Primitive("arctan", np.arctan)
arctan_p.defvjp(lambda g, out, x: g / (1.0 + x * x))


@public
def arctan(x: TensorLike) -> Tensor:
    """arctan x in (−π/2, π/2), element-wise; derivative 1 / (1 + x²).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return arctan_p(x)


# arctan2(y, x), NumPy's argument order: ∂/∂y = x / (x² + y²), ∂/∂x = −y / (x² + y²).
# At the origin, where the function is not continuous, both are 0 (not NaN).


def _arctan2_scale(g: Any, y: Any, x: Any) -> Any:
    r2 = x * x + y * y
    at_origin = equal.bind(r2, 0)
    return where_p.bind(at_origin, 0, g / where_p.bind(at_origin, 1, r2))


arctan2_p = Primitive("arctan2", np.arctan2)
arctan2_p.defvjp(
    lambda g, out, y, x: _arctan2_scale(g, y, x) * x,
    lambda g, out, y, x: -(_arctan2_scale(g, y, x) * y),
)


@public
def arctan2(y: TensorLike, x: TensorLike) -> Tensor:
    """The angle of the point (x, y) in [−π, π], element-wise: NumPy's ``arctan2(x1=y, x2=x)``.

    ``y`` and ``x`` broadcast together and both are differentiable: ∂/∂y = x / (x² + y²),
    ∂/∂x = −y / (x² + y²). Convention: at the origin (0, 0), where the angle jumps, both
    derivatives are 0 (not NaN). Returns a Tensor of the broadcast shape. Raises ValueError
    naming both shapes when they cannot be broadcast, TypeError for complex or non-numeric input.
    """
    return arctan2_p(y, x)


# --- hyperbolic -------------------------------------------------------------------------------

sinh_p = Primitive("sinh", np.sinh)
sinh_p.defvjp(lambda g, out, x: g * cosh_p.bind(x))


@public
def sinh(x: TensorLike) -> Tensor:
    """sinh x = (eˣ − e⁻ˣ) / 2, element-wise; derivative cosh x.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return sinh_p(x)


cosh_p: Primitive = Primitive("cosh", np.cosh)
cosh_p.defvjp(lambda g, out, x: g * sinh_p.bind(x))


@public
def cosh(x: TensorLike) -> Tensor:
    """cosh x = (eˣ + e⁻ˣ) / 2, element-wise; derivative sinh x.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return cosh_p(x)


arcsinh_p = Primitive("arcsinh", np.arcsinh)
arcsinh_p.defvjp(lambda g, out, x: g / sqrt_p.bind(x * x + 1.0))


@public
def arcsinh(x: TensorLike) -> Tensor:
    """arsinh x = log(x + √(x² + 1)), element-wise; derivative 1 / √(x² + 1).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return arcsinh_p(x)


arccosh_p = Primitive("arccosh", np.arccosh)  # x ≥ 1; derivative 1 / √(x² − 1), inf at x = 1
arccosh_p.defvjp(lambda g, out, x: g / (sqrt_p.bind(x - 1.0) * sqrt_p.bind(x + 1.0)))


@public
def arccosh(x: TensorLike) -> Tensor:
    """arcosh x = log(x + √(x² − 1)) ≥ 0, element-wise, for x ≥ 1; derivative 1 / √(x² − 1).

    The derivative is inf at x = 1 and the value NaN below 1 (with NumPy's warning). Returns a
    Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return arccosh_p(x)


arctanh_p = Primitive("arctanh", np.arctanh)
arctanh_p.defvjp(lambda g, out, x: g / (1.0 - x * x))


@public
def arctanh(x: TensorLike) -> Tensor:
    """artanh x = ½ log((1 + x) / (1 − x)), element-wise, for −1 < x < 1; derivative 1 / (1 − x²).

    ±inf at ±1 and NaN outside [−1, 1] (with NumPy's warning). Returns a Tensor of ``x``'s
    shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return arctanh_p(x)


# --- exponentials and logarithms --------------------------------------------------------------

erf_p = Primitive("erf", _erf)
erf_p.defvjp(lambda g, out, x: g * (_TWO_OVER_SQRT_PI * exp_p.bind(-(x * x))))


@public
def erf(x: TensorLike) -> Tensor:
    """The error function erf x = (2/√π) ∫₀ˣ e^(−t²) dt, element-wise; derivative (2/√π) e^(−x²).

    Computed by ``scipy.special.erf``. Returns a Tensor of ``x``'s shape. Raises TypeError for
    complex or non-numeric ``x``.
    """
    return erf_p(x)


log1p_p = Primitive("log1p", np.log1p)
log1p_p.defvjp(lambda g, out, x: g / (1.0 + x))


@public
def log1p(x: TensorLike) -> Tensor:
    """log(1 + x), element-wise, accurate for small |x|, for x > −1; derivative 1 / (1 + x).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return log1p_p(x)


expm1_p = Primitive("expm1", np.expm1)
expm1_p.defvjp(lambda g, out, x: g * (out + 1.0))


@public
def expm1(x: TensorLike) -> Tensor:
    """eˣ − 1, element-wise, accurate for small |x|; derivative eˣ.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return expm1_p(x)


log2_p = Primitive("log2", np.log2)
log2_p.defvjp(lambda g, out, x: g / (x * _LN2))


@public
def log2(x: TensorLike) -> Tensor:
    """Base-2 logarithm, element-wise, for x > 0; derivative 1 / (x ln 2).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return log2_p(x)


log10_p = Primitive("log10", np.log10)
log10_p.defvjp(lambda g, out, x: g / (x * _LN10))


@public
def log10(x: TensorLike) -> Tensor:
    """Base-10 logarithm, element-wise, for x > 0; derivative 1 / (x ln 10).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return log10_p(x)


exp2_p = Primitive("exp2", np.exp2)
exp2_p.defvjp(lambda g, out, x: g * (out * _LN2))


@public
def exp2(x: TensorLike) -> Tensor:
    """2ˣ, element-wise; derivative 2ˣ ln 2.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return exp2_p(x)


def _reciprocal(x: ArrayLike) -> Any:
    # NumPy's reciprocal truncates integers (1/2 → 0); here they give the true quotient.
    if value_of(x).dtype.kind in "biu":
        return np.true_divide(1.0, x)
    return np.reciprocal(x)


reciprocal_p = Primitive("reciprocal", _reciprocal)
reciprocal_p.defvjp(lambda g, out, x: -(g * (out * out)))


@public
def reciprocal(x: TensorLike) -> Tensor:
    """1 / x, element-wise; derivative −1 / x².

    Unlike NumPy's ``reciprocal``, which truncates integers (1/2 → 0), integer and boolean
    input gives the float quotient. Returns a Tensor of ``x``'s shape (inf at 0). Raises
    TypeError for complex or non-numeric ``x``.
    """
    return reciprocal_p(x)


def _softplus(x: ArrayLike) -> Any:
    # log(1 + eˣ) = log1p(e^−|x|) + max(x, 0): exp only ever sees −|x|, so it cannot overflow.
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


softplus_p = Primitive("softplus", _softplus)
softplus_p.defvjp(lambda g, out, x: g * sigmoid_p.bind(x))


@public
def softplus(x: TensorLike) -> Tensor:
    """log(1 + eˣ), element-wise, computed stably as log1p(e^−|x|) + max(x, 0); derivative σ(x).

    Finite and warning-free for any x (softplus(1000) = 1000, softplus(−1000) = 0). Returns a
    Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return softplus_p(x)


# --- clip -------------------------------------------------------------------------------------

# clip = minimum(maximum(a, a_min), a_max) with ties going to ``a``: the gradient goes to ``a``
# where a_min ≤ a ≤ a_max, to a_min where a < a_min ≤ a_max, and to a_max where the
# result is a_max < max(a, a_min). A bound that is None takes no part.


def _clip_da(g: Any, out: Any, a: Any, a_min: Any, a_max: Any) -> Any:
    if a_min is not None:
        g = where_p.bind(greater_equal.bind(a, a_min), g, 0)
    if a_max is not None:
        g = where_p.bind(less_equal.bind(a, a_max), g, 0)
    return g


def _clip_dmin(g: Any, out: Any, a: Any, a_min: Any, a_max: Any) -> Any:
    g = where_p.bind(less.bind(a, a_min), g, 0)
    if a_max is not None:
        g = where_p.bind(less_equal.bind(a_min, a_max), g, 0)
    return g


def _clip_dmax(g: Any, out: Any, a: Any, a_min: Any, a_max: Any) -> Any:
    lower = a if a_min is None else maximum_p.bind(a, a_min)
    return where_p.bind(greater.bind(lower, a_max), g, 0)


clip_p = Primitive("clip", np.clip)
clip_p.defvjp(_clip_da, _clip_dmin, _clip_dmax)


@public
def clip(
    a: TensorLike,
    a_min: TensorLike | None = None,
    a_max: TensorLike | None = None,
    *,
    min: TensorLike | None = None,
    max: TensorLike | None = None,
) -> Tensor:  # noqa: A002
    """``a`` limited to [a_min, a_max], element-wise, as NumPy's ``clip``.

    Parameters: ``a`` a tensor; ``a_min``, ``a_max`` bounds (numbers, arrays or tensors that
    broadcast with ``a``; None for no bound). ``min=``/``max=`` are NumPy's other names for
    them. The bounds are differentiable too.

    Gradient: to ``a`` where a_min ≤ a ≤ a_max (1 inside, 0 outside). Convention at the bounds:
    exactly at a bound the gradient goes to ``a`` (1), not to the bound, as PyTorch's clamp
    and TensorFlow's clip_by_value do. Where a_min > a_max the result is a_max everywhere (as
    NumPy) and the gradient goes to a_max.

    Returns a Tensor of the broadcast shape. Raises ValueError naming the shapes when they
    cannot be broadcast, TypeError for complex or non-numeric input or a bound given twice.

    Args:
        a_min: The lower bound (None: no lower bound).
        a_max: The upper bound (None: no upper bound).
        min: NumPy's keyword name for ``a_min``.
        max: NumPy's keyword name for ``a_max``.
    """
    if min is not None:
        if a_min is not None:
            raise TypeError("clip: a_min given twice (as a_min and as min)")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise TypeError("clip: a_max given twice (as a_max and as max)")
        a_max = max
    return clip_p(a, a_min, a_max)


# --- piecewise constant: zero gradient --------------------------------------------------------


def _zero_rule(g: Any, out: Any, x: Any, **params: Any) -> Any:
    return zeros_like_p.bind(g)


floor_p = Primitive("floor", np.floor)
floor_p.defvjp(_zero_rule)


@public
def floor(x: TensorLike) -> Tensor:
    """The largest integer ≤ x, element-wise (as floats). Piecewise constant: its gradient is 0
    everywhere, also at the jumps (a zero gradient, never None, so it composes).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return floor_p(x)


ceil_p = Primitive("ceil", np.ceil)
ceil_p.defvjp(_zero_rule)


@public
def ceil(x: TensorLike) -> Tensor:
    """The smallest integer ≥ x, element-wise (as floats). Piecewise constant: its gradient is 0
    everywhere, also at the jumps (a zero gradient, never None, so it composes).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return ceil_p(x)


round_p = Primitive("round", lambda x, decimals: np.round(x, decimals))
round_p.defvjp(_zero_rule)


@public
def round(x: TensorLike, decimals: int = 0) -> Tensor:  # noqa: A001 - mirrors NumPy's name
    """``x`` rounded to ``decimals`` decimals, element-wise, as NumPy's ``round`` (halves to
    even). Piecewise constant: its gradient is 0 everywhere (never None, so it composes).

    Returns a Tensor of ``x``'s shape and dtype. Raises TypeError for complex or non-numeric
    ``x``.

    Args:
        decimals: Number of decimal places, as in NumPy.
    """
    return round_p(x, decimals=decimals)


sign_p = Primitive("sign", np.sign)
sign_p.defvjp(_zero_rule)


@public
def sign(x: TensorLike) -> Tensor:
    """−1, 0 or 1 by the sign of x, element-wise. Piecewise constant: its gradient is 0
    everywhere, also at 0 (a zero gradient, never None, so it composes).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.
    """
    return sign_p(x)


# NumPy's ufuncs of these ops: np.<ufunc>(tensor) runs the primitive (see deltagrad._operators).
UFUNCS: dict[np.ufunc, Primitive] = {
    np.sign: sign_p,
    np.sin: sin_p,
    np.cos: cos_p,
    np.tan: tan_p,
    np.arcsin: arcsin_p,
    np.arccos: arccos_p,
    np.arctan: arctan_p,
    np.arctan2: arctan2_p,
    np.sinh: sinh_p,
    np.cosh: cosh_p,
    np.arcsinh: arcsinh_p,
    np.arccosh: arccosh_p,
    np.arctanh: arctanh_p,
    np.log1p: log1p_p,
    np.expm1: expm1_p,
    np.log2: log2_p,
    np.log10: log10_p,
    np.exp2: exp2_p,
    np.reciprocal: reciprocal_p,
    np.floor: floor_p,
    np.ceil: ceil_p,
}
