"""More element-wise functions: trigonometric and hyperbolic functions and their inverses,
erf, log1p/expm1/log2/log10/exp2, reciprocal, softplus, clip, and the piecewise-constant
floor/ceil/round/sign.

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

from deltagrad.ops.arith import equal, greater, greater_equal, less, less_equal, maximum, where
from deltagrad.ops.core import Primitive
from deltagrad.ops.unary import exp, sigmoid, sqrt

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

# Kink convention (project-wide): at x = 0, relu' = 0 and leaky_relu' = alpha (the left slope).
# The rules multiply g by the slope (a 0/1 mask, or 1/alpha) rather than select with np.where:
# a select on a mask of random signs is branchy and 5-15 times slower on large arrays, and a
# product by 1 or 0 is exact. (As in JAX, a NaN or infinite g where x ≤ 0 then gives NaN.)
relu = Primitive("relu", lambda x: np.maximum(x, 0))
relu.defvjp(lambda g, out, x: g * greater.bind(x, 0))


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

leaky_relu = Primitive("leaky_relu", _leaky_relu)
leaky_relu.defvjp(lambda g, out, x, alpha: g * _leaky_slope.bind(x, alpha=alpha))


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
zeros_like = Primitive("zeros_like", np.zeros_like, differentiable=False)


# --- trigonometric ----------------------------------------------------------------------------

sin = Primitive("sin", np.sin)
sin.defvjp(lambda g, out, x: g * cos.bind(x))

cos: Primitive = Primitive("cos", np.cos)
cos.defvjp(lambda g, out, x: -(g * sin.bind(x)))

tan = Primitive("tan", np.tan)
tan.defvjp(lambda g, out, x: g * (1.0 + out * out))  # sec² x = 1 + tan² x

arcsin = Primitive("arcsin", np.arcsin)
arcsin.defvjp(lambda g, out, x: g / sqrt.bind(1.0 - x * x))

arccos = Primitive("arccos", np.arccos)
arccos.defvjp(lambda g, out, x: -(g / sqrt.bind(1.0 - x * x)))

arctan = Primitive("arctan", np.arctan)
arctan.defvjp(lambda g, out, x: g / (1.0 + x * x))

# arctan2(y, x), NumPy's argument order: ∂/∂y = x / (x² + y²), ∂/∂x = −y / (x² + y²).
# At the origin, where the function is not continuous, both are 0 (not NaN).


def _arctan2_scale(g: Any, y: Any, x: Any) -> Any:
    r2 = x * x + y * y
    at_origin = equal.bind(r2, 0)
    return where.bind(at_origin, 0, g / where.bind(at_origin, 1, r2))


arctan2 = Primitive("arctan2", np.arctan2)
arctan2.defvjp(
    lambda g, out, y, x: _arctan2_scale(g, y, x) * x,
    lambda g, out, y, x: -(_arctan2_scale(g, y, x) * y),
)


# --- hyperbolic -------------------------------------------------------------------------------

sinh = Primitive("sinh", np.sinh)
sinh.defvjp(lambda g, out, x: g * cosh.bind(x))

cosh: Primitive = Primitive("cosh", np.cosh)
cosh.defvjp(lambda g, out, x: g * sinh.bind(x))

arcsinh = Primitive("arcsinh", np.arcsinh)
arcsinh.defvjp(lambda g, out, x: g / sqrt.bind(x * x + 1.0))

arccosh = Primitive("arccosh", np.arccosh)  # x ≥ 1; derivative 1 / √(x² − 1), inf at x = 1
arccosh.defvjp(lambda g, out, x: g / (sqrt.bind(x - 1.0) * sqrt.bind(x + 1.0)))

arctanh = Primitive("arctanh", np.arctanh)
arctanh.defvjp(lambda g, out, x: g / (1.0 - x * x))


# --- exponentials and logarithms --------------------------------------------------------------

erf = Primitive("erf", _erf)
erf.defvjp(lambda g, out, x: g * (_TWO_OVER_SQRT_PI * exp.bind(-(x * x))))

log1p = Primitive("log1p", np.log1p)
log1p.defvjp(lambda g, out, x: g / (1.0 + x))

expm1 = Primitive("expm1", np.expm1)
expm1.defvjp(lambda g, out, x: g * (out + 1.0))

log2 = Primitive("log2", np.log2)
log2.defvjp(lambda g, out, x: g / (x * _LN2))

log10 = Primitive("log10", np.log10)
log10.defvjp(lambda g, out, x: g / (x * _LN10))

exp2 = Primitive("exp2", np.exp2)
exp2.defvjp(lambda g, out, x: g * (out * _LN2))


def _reciprocal(x: ArrayLike) -> Any:
    # NumPy's reciprocal truncates integers (1/2 → 0); here they give the true quotient.
    if np.asarray(x).dtype.kind in "biu":
        return np.true_divide(1.0, x)
    return np.reciprocal(x)


reciprocal = Primitive("reciprocal", _reciprocal)
reciprocal.defvjp(lambda g, out, x: -(g * (out * out)))


def _softplus(x: ArrayLike) -> Any:
    # log(1 + eˣ) = log1p(e^−|x|) + max(x, 0): exp only ever sees −|x|, so it cannot overflow.
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


softplus = Primitive("softplus", _softplus)
softplus.defvjp(lambda g, out, x: g * sigmoid.bind(x))


# --- clip -------------------------------------------------------------------------------------

# clip = minimum(maximum(a, a_min), a_max) with ties going to ``a``: the gradient goes to ``a``
# where a_min ≤ a ≤ a_max, to a_min where a < a_min ≤ a_max, and to a_max where the
# result is a_max < max(a, a_min). A bound that is None takes no part.


def _clip_da(g: Any, out: Any, a: Any, a_min: Any, a_max: Any) -> Any:
    if a_min is not None:
        g = where.bind(greater_equal.bind(a, a_min), g, 0)
    if a_max is not None:
        g = where.bind(less_equal.bind(a, a_max), g, 0)
    return g


def _clip_dmin(g: Any, out: Any, a: Any, a_min: Any, a_max: Any) -> Any:
    g = where.bind(less.bind(a, a_min), g, 0)
    if a_max is not None:
        g = where.bind(less_equal.bind(a_min, a_max), g, 0)
    return g


def _clip_dmax(g: Any, out: Any, a: Any, a_min: Any, a_max: Any) -> Any:
    lower = a if a_min is None else maximum.bind(a, a_min)
    return where.bind(greater.bind(lower, a_max), g, 0)


clip = Primitive("clip", np.clip)
clip.defvjp(_clip_da, _clip_dmin, _clip_dmax)


# --- piecewise constant: zero gradient --------------------------------------------------------


def _zero_rule(g: Any, out: Any, x: Any, **params: Any) -> Any:
    return zeros_like.bind(g)


floor = Primitive("floor", np.floor)
floor.defvjp(_zero_rule)

ceil = Primitive("ceil", np.ceil)
ceil.defvjp(_zero_rule)

round_ = Primitive("round", lambda x, decimals: np.round(x, decimals))
round_.defvjp(_zero_rule)

sign = Primitive("sign", np.sign)
sign.defvjp(_zero_rule)
