"""``deltagrad.scipy.special``: special functions of ``scipy.special``, differentiable.

Each function takes Tensors, arrays or numbers, computes its values with SciPy and returns a
Tensor recorded on every active tape. The derivative rules are written with further primitives
of this module (the derivative of :func:`gammaln` is :func:`digamma`, whose derivative is
:func:`polygamma` of order 1, and so on) and with NumPy's ufuncs, so derivatives of any order
work. :func:`logsumexp`, :func:`expit` and :func:`erf` are the engine's own ops.

Some functions are differentiable in some arguments only. The regularised incomplete gamma and
beta functions are differentiable in ``x``, not in their shape parameters: asking for a missing
derivative raises NotImplementedError naming the function and the argument. The orders of
:func:`polygamma` and of the Bessel functions (:func:`jn`, :func:`yn`, :func:`iv`, :func:`ive`)
are taken as constants, as autograd takes them: a gradient with respect to an order is zero.
:func:`gammasgn` is piecewise constant: its derivative is zero.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.special as sc

from deltagrad.api import erf, sigmoid, softplus
from deltagrad.api import logsumexp as _engine_logsumexp
from deltagrad.ops import zeros_like_p
from deltagrad.ops.core import Primitive, as_operand
from deltagrad.scipy._common import no_derivative, tensor, value
from deltagrad.tensor import Tensor

__all__ = [
    "logsumexp",
    "softmax",
    "log_softmax",
    "expit",
    "log_expit",
    "logit",
    "gammaln",
    "gamma",
    "rgamma",
    "gammasgn",
    "digamma",
    "psi",
    "polygamma",
    "multigammaln",
    "beta",
    "betaln",
    "gammainc",
    "gammaincc",
    "betainc",
    "stdtr",
    "pdtr",
    "erf",
    "erfc",
    "erfinv",
    "erfcinv",
    "ndtr",
    "log_ndtr",
    "ndtri",
    "xlogy",
    "xlog1py",
    "j0",
    "j1",
    "jn",
    "y0",
    "y1",
    "yn",
    "i0",
    "i1",
    "iv",
    "ive",
]

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


# --- x·log y ---------------------------------------------------------------------------------

xlogy_p = Primitive("xlogy", sc.xlogy)
xlogy_p.defvjp(lambda g, out, x, y: g * np.log(y), lambda g, out, x, y: g * x / y)

xlog1py_p = Primitive("xlog1py", sc.xlog1py)
xlog1py_p.defvjp(lambda g, out, x, y: g * np.log1p(y), lambda g, out, x, y: g * x / (1.0 + y))


def xlogy(x, y) -> Tensor:
    """x·log(y), 0 where x = 0 (also at y = 0), as ``scipy.special.xlogy``; derivatives
    log(y) in x and x/y in y.

    Args:
        x: The factor: a Tensor, a NumPy array or a number.
        y: The argument of the logarithm, broadcast against ``x``.

    Returns:
        Tensor: x·log(y), recorded on every active tape.
    """
    return xlogy_p(x, y)


def xlog1py(x, y) -> Tensor:
    """x·log(1 + y), 0 where x = 0, as ``scipy.special.xlog1py``; derivatives log(1 + y) in x
    and x/(1 + y) in y.

    Args:
        x: The factor: a Tensor, a NumPy array or a number.
        y: The argument of log1p, broadcast against ``x``.

    Returns:
        Tensor: x·log(1 + y), recorded on every active tape.
    """
    return xlog1py_p(x, y)


# --- the gamma family -----------------------------------------------------------------------

polygamma_p = Primitive("polygamma", sc.polygamma)
polygamma_p.defvjp(None, lambda g, out, n, x: g * polygamma_p.bind(n + 1, x))

digamma_p = Primitive("digamma", sc.digamma)
digamma_p.defvjp(lambda g, out, x: g * polygamma_p.bind(1, x))

gammaln_p = Primitive("gammaln", sc.gammaln)
gammaln_p.defvjp(lambda g, out, x: g * digamma_p.bind(x))

gamma_p = Primitive("gamma", sc.gamma)
gamma_p.defvjp(lambda g, out, x: g * out * digamma_p.bind(x))

rgamma_p = Primitive("rgamma", sc.rgamma)
rgamma_p.defvjp(lambda g, out, x: -(g * out * digamma_p.bind(x)))

gammasgn_p = Primitive("gammasgn", sc.gammasgn)
gammasgn_p.defvjp(lambda g, out, x: zeros_like_p.bind(g))


def gammaln(x) -> Tensor:
    """log |Γ(x)|, as ``scipy.special.gammaln``; derivative :func:`digamma`.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: log |Γ(x)|, recorded on every active tape.
    """
    return gammaln_p(x)


def gamma(x) -> Tensor:
    """The gamma function Γ(x), as ``scipy.special.gamma``; derivative Γ(x)·ψ(x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: Γ(x), recorded on every active tape.
    """
    return gamma_p(x)


def rgamma(x) -> Tensor:
    """1/Γ(x), as ``scipy.special.rgamma`` (0 at the poles of Γ); derivative −ψ(x)/Γ(x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: 1/Γ(x), recorded on every active tape.
    """
    return rgamma_p(x)


def gammasgn(x) -> Tensor:
    """The sign of Γ(x), ±1, as ``scipy.special.gammasgn`` (NaN at the poles −1, −2, …, and
    the sign of the zero at ±0, as SciPy gives them). Piecewise constant: its derivative is 0
    (a zero gradient, never None, so it composes), as in autograd.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: sign Γ(x), recorded on every active tape.
    """
    return gammasgn_p(x)


def digamma(x) -> Tensor:
    """The digamma function ψ(x) = d/dx log Γ(x), as ``scipy.special.digamma``; derivative
    ``polygamma(1, x)``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: ψ(x), recorded on every active tape.
    """
    return digamma_p(x)


psi = digamma
"""SciPy's other name for :func:`digamma`."""


def polygamma(n, x) -> Tensor:
    """The polygamma function ψ⁽ⁿ⁾(x), the n-th derivative of ψ, as
    ``scipy.special.polygamma``; derivative in ``x``: ``polygamma(n + 1, x)``.

    Args:
        n: The order: a non-negative integer or an array of them (not differentiable).
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: ψ⁽ⁿ⁾(x), recorded on every active tape.

    Raises:
        ValueError: when an order is negative or not a whole number.
    """
    order = value(n)
    if order.dtype.kind not in "iub" and not (
        order.dtype.kind == "f" and np.all(np.mod(order, 1) == 0)
    ):
        raise ValueError(f"polygamma: the order n must be whole numbers, got {n!r}")
    if np.any(order < 0):
        raise ValueError(f"polygamma: the order n must be non-negative, got {n!r}")
    return polygamma_p(order.astype(np.int64), x)


def multigammaln(a, d: int) -> Tensor:
    """The log of the multivariate gamma function of dimension ``d``, as
    ``scipy.special.multigammaln``: d(d−1)/4·log π + Σⱼ log Γ(a − j/2), j = 0 … d−1.

    Args:
        a: The input, every entry greater than (d − 1)/2: a Tensor, array or number.
        d: The dimension, a positive integer.

    Returns:
        Tensor: log Γ_d(a), recorded on every active tape.

    Raises:
        ValueError: when ``d`` is not a positive integer or an entry of ``a`` is at most
            (d − 1)/2.
    """
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 1:
        raise ValueError(f"multigammaln: d must be a positive integer, got {d!r}")
    a = tensor("multigammaln", a)
    if np.any(value(a) <= 0.5 * (d - 1)):
        raise ValueError(
            f"multigammaln: every entry of a must be greater than (d - 1)/2 = {0.5 * (d - 1)}"
        )
    out: Any = 0.25 * d * (d - 1) * math.log(math.pi)
    for j in range(d):
        out = out + gammaln_p(a - 0.5 * j)
    return out


beta_p = Primitive("beta", sc.beta)
betaln_p = Primitive("betaln", sc.betaln)


def _d_beta_log(arg: int):
    """d/da log B(a, b) = ψ(a) − ψ(a + b) (arg 0), d/db likewise (arg 1)."""

    def d(a: Any, b: Any) -> Any:
        return digamma_p.bind((a, b)[arg]) - digamma_p.bind(a + b)

    return d


beta_p.defvjp(
    lambda g, out, a, b: g * out * _d_beta_log(0)(a, b),
    lambda g, out, a, b: g * out * _d_beta_log(1)(a, b),
)
betaln_p.defvjp(
    lambda g, out, a, b: g * _d_beta_log(0)(a, b),
    lambda g, out, a, b: g * _d_beta_log(1)(a, b),
)


def beta(a, b) -> Tensor:
    """The beta function B(a, b) = Γ(a)Γ(b)/Γ(a + b), as ``scipy.special.beta``; derivatives
    B(a, b)·(ψ(a) − ψ(a + b)) and likewise in b.

    Args:
        a: The first argument: a Tensor, a NumPy array or a number.
        b: The second argument, broadcast against ``a``.

    Returns:
        Tensor: B(a, b), recorded on every active tape.
    """
    return beta_p(a, b)


def betaln(a, b) -> Tensor:
    """log |B(a, b)|, as ``scipy.special.betaln``; derivatives ψ(a) − ψ(a + b) and likewise
    in b.

    Args:
        a: The first argument: a Tensor, a NumPy array or a number.
        b: The second argument, broadcast against ``a``.

    Returns:
        Tensor: log |B(a, b)|, recorded on every active tape.
    """
    return betaln_p(a, b)


# --- regularised incomplete gamma and beta functions (differentiable in x) -------------------


def _gamma_density(a: Any, x: Any) -> Any:
    """x^(a−1) e^(−x) / Γ(a): the derivative of gammainc in x."""
    return np.exp(xlogy_p.bind(a - 1.0, x) - x - gammaln_p.bind(a))


gammainc_p = Primitive("gammainc", sc.gammainc)
gammainc_p.defvjp(
    no_derivative("gammainc", "a", "x"),
    lambda g, out, a, x: g * _gamma_density(a, x),
)
gammaincc_p = Primitive("gammaincc", sc.gammaincc)
gammaincc_p.defvjp(
    no_derivative("gammaincc", "a", "x"),
    lambda g, out, a, x: -(g * _gamma_density(a, x)),
)


def gammainc(a, x) -> Tensor:
    """The regularised lower incomplete gamma function P(a, x), as ``scipy.special.gammainc``
    (the CDF of a gamma distribution of shape ``a``). Differentiable in ``x`` only (derivative
    x^(a−1)e^(−x)/Γ(a)).

    Args:
        a: The shape, positive (not differentiable): a Tensor, array or number.
        x: The upper limit of the integral, non-negative.

    Returns:
        Tensor: P(a, x), recorded on every active tape.
    """
    return gammainc_p(a, x)


def gammaincc(a, x) -> Tensor:
    """The regularised upper incomplete gamma function Q(a, x) = 1 − P(a, x), as
    ``scipy.special.gammaincc``. Differentiable in ``x`` only.

    Args:
        a: The shape, positive (not differentiable): a Tensor, array or number.
        x: The lower limit of the integral, non-negative.

    Returns:
        Tensor: Q(a, x), recorded on every active tape.
    """
    return gammaincc_p(a, x)


betainc_p = Primitive("betainc", sc.betainc)
betainc_p.defvjp(
    no_derivative("betainc", "a", "x"),
    no_derivative("betainc", "b", "x"),
    lambda g, out, a, b, x: (
        g * np.exp(xlogy_p.bind(a - 1.0, x) + xlog1py_p.bind(b - 1.0, -x) - betaln_p.bind(a, b))
    ),
)


def betainc(a, b, x) -> Tensor:
    """The regularised incomplete beta function I_x(a, b), as ``scipy.special.betainc`` (the
    CDF of a beta distribution). Differentiable in ``x`` only (derivative
    x^(a−1)(1−x)^(b−1)/B(a, b)).

    Args:
        a: The first shape parameter, positive (not differentiable).
        b: The second shape parameter, positive (not differentiable).
        x: The upper limit of the integral, in [0, 1].

    Returns:
        Tensor: I_x(a, b), recorded on every active tape.
    """
    return betainc_p(a, b, x)


# --- distribution functions of Student's t and Poisson ---------------------------------------


def _t_logpdf(t: Any, df: Any) -> Any:
    """log of Student's t density with ``df`` degrees of freedom."""
    half = 0.5 * (df + 1.0)
    return (
        gammaln_p.bind(half)
        - gammaln_p.bind(0.5 * df)
        - 0.5 * np.log(df * math.pi)
        - half * np.log1p(t * t / df)
    )


stdtr_p = Primitive("stdtr", sc.stdtr)
stdtr_p.defvjp(
    no_derivative("stdtr", "df", "t"),
    lambda g, out, df, t: g * np.exp(_t_logpdf(t, df)),
)


def stdtr(df, t) -> Tensor:
    """The CDF of Student's t distribution with ``df`` degrees of freedom at ``t``, as
    ``scipy.special.stdtr``. Differentiable in ``t`` only (derivative: the density).

    Args:
        df: The degrees of freedom, positive (not differentiable).
        t: Where to evaluate the CDF: a Tensor, array or number.

    Returns:
        Tensor: P(T ≤ t), recorded on every active tape.
    """
    return stdtr_p(df, t)


def _poisson_pmf_at_floor(k: Any, m: Any) -> Any:
    k = np.floor(value(k))
    return np.exp(xlogy_p.bind(k, m) - sc.gammaln(k + 1.0) - m)


pdtr_p = Primitive("pdtr", sc.pdtr)
pdtr_p.defvjp(None, lambda g, out, k, m: -(g * _poisson_pmf_at_floor(k, m)))


def pdtr(k, m) -> Tensor:
    """The Poisson CDF: the probability of at most ``k`` events at mean ``m``, as
    ``scipy.special.pdtr``. Differentiable in ``m`` (derivative −pmf(⌊k⌋, m)); ``k`` counts
    and has no derivative.

    Args:
        k: The number of events (not differentiable): an array or number, non-negative.
        m: The mean, positive: a Tensor, array or number.

    Returns:
        Tensor: P(N ≤ k), recorded on every active tape.
    """
    return pdtr_p(value(k), m)


# --- Bessel functions (differentiable in x; the order carries no derivative) -----------------

j0_p = Primitive("j0", sc.j0)
j1_p = Primitive("j1", sc.j1)
jn_p = Primitive("jn", sc.jn)
y0_p = Primitive("y0", sc.y0)
y1_p = Primitive("y1", sc.y1)
yn_p = Primitive("yn", sc.yn)
i0_p = Primitive("i0", sc.i0)
i1_p = Primitive("i1", sc.i1)
iv_p = Primitive("iv", sc.iv)
ive_p = Primitive("ive", sc.ive)

# J and Y: C₀' = −C₁ and Cₙ' = (Cₙ₋₁ − Cₙ₊₁)/2 (C₁' = (C₀ − C₂)/2), for C = J or Y.
j0_p.defvjp(lambda g, out, x: -(g * j1_p.bind(x)))
j1_p.defvjp(lambda g, out, x: g * 0.5 * (j0_p.bind(x) - jn_p.bind(2, x)))
jn_p.defvjp(None, lambda g, out, n, x: g * 0.5 * (jn_p.bind(n - 1, x) - jn_p.bind(n + 1, x)))
y0_p.defvjp(lambda g, out, x: -(g * y1_p.bind(x)))
y1_p.defvjp(lambda g, out, x: g * 0.5 * (y0_p.bind(x) - yn_p.bind(2, x)))
yn_p.defvjp(None, lambda g, out, n, x: g * 0.5 * (yn_p.bind(n - 1, x) - yn_p.bind(n + 1, x)))
# I: I₀' = I₁ and I_v' = (I_(v−1) + I_(v+1))/2; ive = iv·e^(−|x|) adds −sign(x)·ive.
i0_p.defvjp(lambda g, out, x: g * i1_p.bind(x))
i1_p.defvjp(lambda g, out, x: g * 0.5 * (i0_p.bind(x) + iv_p.bind(2.0, x)))
iv_p.defvjp(None, lambda g, out, v, x: g * 0.5 * (iv_p.bind(v - 1.0, x) + iv_p.bind(v + 1.0, x)))
ive_p.defvjp(
    None,
    lambda g, out, v, x: (
        g * (0.5 * (ive_p.bind(v - 1.0, x) + ive_p.bind(v + 1.0, x)) - np.sign(x) * out)
    ),
)


def _order(name: str, n: Any, *, whole: bool) -> Any:
    """The order ``n`` of a Bessel function as a plain array (a Tensor's value: the order is
    not differentiated); TypeError naming ``name`` unless real, ValueError for a non-whole
    order where ``whole``."""
    order = value(as_operand(name, n))
    if whole and order.dtype.kind not in "iub":
        if not (np.all(np.isfinite(order)) and np.all(order == np.floor(order))):
            raise ValueError(f"{name}: the order n must be whole numbers, got {n!r}")
        order = order.astype(np.int64)
    return order


def j0(x) -> Tensor:
    """The Bessel function of the first kind of order 0, J₀(x), as ``scipy.special.j0``;
    derivative −J₁(x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: J₀(x), recorded on every active tape.
    """
    return j0_p(x)


def j1(x) -> Tensor:
    """The Bessel function of the first kind of order 1, J₁(x), as ``scipy.special.j1``;
    derivative (J₀(x) − J₂(x))/2.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: J₁(x), recorded on every active tape.
    """
    return j1_p(x)


def jn(n, x) -> Tensor:
    """The Bessel function of the first kind of order ``n``, Jₙ(x), as ``scipy.special.jn``
    (SciPy's other name for ``jv``: a non-integer order gives J_n too). Differentiable in ``x``
    (derivative (Jₙ₋₁(x) − Jₙ₊₁(x))/2), not in the order, as in autograd.

    Args:
        n: The order: a real number or an array of them, broadcast against ``x`` (not
            differentiable: a gradient with respect to it is zero).
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: Jₙ(x), recorded on every active tape.

    Raises:
        TypeError: when ``n`` or ``x`` is complex or not numeric.
    """
    return jn_p(_order("jn", n, whole=False), x)


def y0(x) -> Tensor:
    """The Bessel function of the second kind of order 0, Y₀(x), as ``scipy.special.y0``
    (defined for x > 0); derivative −Y₁(x).

    Args:
        x: The input, positive: a Tensor, a NumPy array or a number.

    Returns:
        Tensor: Y₀(x), recorded on every active tape.
    """
    return y0_p(x)


def y1(x) -> Tensor:
    """The Bessel function of the second kind of order 1, Y₁(x), as ``scipy.special.y1``
    (defined for x > 0); derivative (Y₀(x) − Y₂(x))/2.

    Args:
        x: The input, positive: a Tensor, a NumPy array or a number.

    Returns:
        Tensor: Y₁(x), recorded on every active tape.
    """
    return y1_p(x)


def yn(n, x) -> Tensor:
    """The Bessel function of the second kind of integer order ``n``, Yₙ(x), as
    ``scipy.special.yn`` (defined for x > 0). Differentiable in ``x`` (derivative
    (Yₙ₋₁(x) − Yₙ₊₁(x))/2), not in the order, as in autograd.

    Args:
        n: The order: a whole number or an array of them, broadcast against ``x`` (not
            differentiable: a gradient with respect to it is zero).
        x: The input, positive: a Tensor, a NumPy array or a number.

    Returns:
        Tensor: Yₙ(x), recorded on every active tape.

    Raises:
        TypeError: when ``n`` or ``x`` is complex or not numeric.
        ValueError: when an order is not a whole number (SciPy would truncate it).
    """
    return yn_p(_order("yn", n, whole=True), x)


def i0(x) -> Tensor:
    """The modified Bessel function of the first kind of order 0, I₀(x), as
    ``scipy.special.i0``; derivative I₁(x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: I₀(x), recorded on every active tape.
    """
    return i0_p(x)


def i1(x) -> Tensor:
    """The modified Bessel function of the first kind of order 1, I₁(x), as
    ``scipy.special.i1``; derivative (I₀(x) + I₂(x))/2.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: I₁(x), recorded on every active tape.
    """
    return i1_p(x)


def iv(v, x) -> Tensor:
    """The modified Bessel function of the first kind of real order ``v``, I_v(x), as
    ``scipy.special.iv`` (NaN for x < 0 unless v is a whole number). Differentiable in ``x``
    (derivative (I_(v−1)(x) + I_(v+1)(x))/2), not in the order, as in autograd.

    Args:
        v: The order: a real number or an array of them, broadcast against ``x`` (not
            differentiable: a gradient with respect to it is zero).
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: I_v(x), recorded on every active tape.

    Raises:
        TypeError: when ``v`` or ``x`` is complex or not numeric.
    """
    return iv_p(_order("iv", v, whole=False), x)


def ive(v, x) -> Tensor:
    """The exponentially scaled modified Bessel function I_v(x)·e^(−|x|), as
    ``scipy.special.ive`` (finite where I_v overflows). Differentiable in ``x`` (derivative
    (ive(v − 1, x) + ive(v + 1, x))/2 − sign(x)·ive(v, x)), not in the order, as in autograd.

    Args:
        v: The order: a real number or an array of them, broadcast against ``x`` (not
            differentiable: a gradient with respect to it is zero).
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: I_v(x)·e^(−|x|), recorded on every active tape.

    Raises:
        TypeError: when ``v`` or ``x`` is complex or not numeric.
    """
    return ive_p(_order("ive", v, whole=False), x)


# --- error functions and the normal distribution function ------------------------------------

erfc_p = Primitive("erfc", sc.erfc)
erfc_p.defvjp(lambda g, out, x: g * (-2.0 / _SQRT_PI) * np.exp(-(x * x)))

erfinv_p = Primitive("erfinv", sc.erfinv)
erfinv_p.defvjp(lambda g, out, x: g * (0.5 * _SQRT_PI) * np.exp(out * out))

erfcinv_p = Primitive("erfcinv", sc.erfcinv)
erfcinv_p.defvjp(lambda g, out, x: g * (-0.5 * _SQRT_PI) * np.exp(out * out))

ndtr_p = Primitive("ndtr", sc.ndtr)
ndtr_p.defvjp(lambda g, out, x: g * np.exp(-0.5 * (x * x)) / _SQRT_2PI)

# d/dx log Φ(x) = φ(x)/Φ(x), taken as exp(log φ − log Φ): finite far into the left tail.
log_ndtr_p = Primitive("log_ndtr", sc.log_ndtr)
log_ndtr_p.defvjp(lambda g, out, x: g * np.exp(-0.5 * (x * x) - _LOG_SQRT_2PI - out))

ndtri_p = Primitive("ndtri", sc.ndtri)
ndtri_p.defvjp(lambda g, out, x: g * _SQRT_2PI * np.exp(0.5 * (out * out)))


def erfc(x) -> Tensor:
    """The complementary error function 1 − erf(x), as ``scipy.special.erfc`` (accurate where
    erf(x) is close to 1); derivative −2/√π·e^(−x²).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: erfc(x), recorded on every active tape.
    """
    return erfc_p(x)


def erfinv(x) -> Tensor:
    """The inverse of :func:`erf` on (−1, 1), as ``scipy.special.erfinv``; derivative
    √π/2·e^(y²) at y = erfinv(x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: erfinv(x), recorded on every active tape.
    """
    return erfinv_p(x)


def erfcinv(x) -> Tensor:
    """The inverse of :func:`erfc` on (0, 2), as ``scipy.special.erfcinv``; derivative
    −√π/2·e^(y²) at y = erfcinv(x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: erfcinv(x), recorded on every active tape.
    """
    return erfcinv_p(x)


def ndtr(x) -> Tensor:
    """The standard normal CDF Φ(x), as ``scipy.special.ndtr``; derivative the density φ(x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: Φ(x), recorded on every active tape.
    """
    return ndtr_p(x)


def log_ndtr(x) -> Tensor:
    """log Φ(x), as ``scipy.special.log_ndtr`` (accurate far into both tails); derivative
    φ(x)/Φ(x), computed as exp(log φ(x) − log Φ(x)).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: log Φ(x), recorded on every active tape.
    """
    return log_ndtr_p(x)


def ndtri(x) -> Tensor:
    """The inverse of :func:`ndtr` (the standard normal quantile), as
    ``scipy.special.ndtri``; derivative 1/φ(y) at y = ndtri(x).

    Args:
        x: A probability in (0, 1): a Tensor, a NumPy array or a number.

    Returns:
        Tensor: Φ⁻¹(x), recorded on every active tape.
    """
    return ndtri_p(x)


# --- logistic functions ----------------------------------------------------------------------


def expit(x) -> Tensor:
    """The logistic sigmoid 1/(1 + e^(−x)), as ``scipy.special.expit``: the engine's stable
    ``dg.sigmoid``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: expit(x), recorded on every active tape.
    """
    return sigmoid(x)


def log_expit(x) -> Tensor:
    """log expit(x) = −softplus(−x), as ``scipy.special.log_expit`` (no overflow for any x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: log expit(x), recorded on every active tape.
    """
    return -softplus(-tensor("log_expit", x))


logit_p = Primitive("logit", sc.logit)
logit_p.defvjp(lambda g, out, x: g / (x * (1.0 - x)))


def logit(x) -> Tensor:
    """The inverse of :func:`expit`, log(x/(1 − x)), as ``scipy.special.logit``; derivative
    1/(x(1 − x)).

    Args:
        x: A probability in (0, 1): a Tensor, a NumPy array or a number.

    Returns:
        Tensor: logit(x), recorded on every active tape.
    """
    return logit_p(x)


# --- logsumexp and softmax -------------------------------------------------------------------


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or not -max(ndim, 1) <= ax < max(ndim, 1):
            raise ValueError(f"logsumexp: axis {ax!r} is out of bounds for an array of rank {ndim}")
    return tuple(sorted({int(ax) % max(ndim, 1) for ax in axes}))


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False) -> Any:
    """log Σ b·eᵃ over ``axis``, computed stably, as ``scipy.special.logsumexp``.

    Without ``b`` and ``return_sign`` this is the engine's ``dg.logsumexp``. With weights ``b``
    (broadcast against ``a``; they may be negative, and are differentiable too) the sum is
    shifted by the largest entry of ``a``; a negative sum gives NaN unless ``return_sign``,
    which returns log |Σ b·eᵃ| and the sign of the sum (as SciPy).

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis or tuple of axes to sum over (None: all).
        b: Weights of the exponentials, broadcast against ``a`` (None: all 1).
        keepdims: Keep the reduced axes with length 1.
        return_sign: Also return the sign of the sum (which carries no gradient).

    Returns:
        Tensor | tuple[Tensor, Tensor]: the log of the (absolute) sum; with ``return_sign`` the
        pair (log |sum|, sign).

    Raises:
        ValueError: for an out-of-range axis.
    """
    if b is None and not return_sign:
        return _engine_logsumexp(a, axis=axis, keepdims=keepdims)
    a = tensor("logsumexp", a)
    b = tensor("logsumexp", 1.0 if b is None else b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    axes = _axes(axis, len(shape))
    a_val = np.broadcast_to(value(a), shape)
    shift = np.max(a_val, axis=axes, keepdims=True, initial=-np.inf)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    s = (b * np.exp(a - shift)).sum(axis=axes, keepdims=True)
    s_val = value(s)
    with np.errstate(divide="ignore"):
        out = np.log(np.abs(s)) + shift
    sign = tensor("logsumexp", np.sign(s_val))
    if not return_sign:
        out = np.where(s_val < 0, np.nan, out)
    if not keepdims:
        kept = tuple(n for k, n in enumerate(out.shape) if k not in axes)
        out, sign = out.reshape(kept), sign.reshape(kept)
    return (out, sign) if return_sign else out


def softmax(x, axis=None):
    """exp(x − logsumexp(x)) along ``axis``, as ``scipy.special.softmax`` (note SciPy's
    default ``axis=None``: over all entries; ``dg.softmax`` works on the last axis).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis or tuple of axes to normalise over (None: all).

    Returns:
        Tensor: the softmax, of the shape of ``x``, recorded on every active tape.
    """
    return np.exp(log_softmax(x, axis=axis))


def log_softmax(x, axis=None) -> Tensor:
    """x − logsumexp(x) along ``axis``, as ``scipy.special.log_softmax`` (default
    ``axis=None``: over all entries).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis or tuple of axes to normalise over (None: all).

    Returns:
        Tensor: the log-softmax, of the shape of ``x``, recorded on every active tape.
    """
    x = tensor("log_softmax", x)
    return x - _engine_logsumexp(x, axis=axis, keepdims=True)
