"""The normal distribution N(loc, scale²), as ``scipy.stats.norm``: differentiable in ``x``
(or ``q``), ``loc`` and ``scale``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltagrad.scipy._common import tensor
from deltagrad.scipy.special import log_ndtr, ndtr, ndtri

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _z(name: str, x, loc, scale) -> tuple[Any, Any]:
    """(x − loc)/scale and scale, as Tensors."""
    x, loc, scale = tensor(name, x), tensor(name, loc), tensor(name, scale)
    return (x - loc) / scale, scale


def logpdf(x, loc=0.0, scale=1.0):
    """log of the normal density: −z²/2 − log scale − log √(2π), z = (x − loc)/scale.

    Args:
        x: Where to evaluate: a Tensor, array or number.
        loc: The mean, broadcast against ``x``.
        scale: The standard deviation, positive.

    Returns:
        Tensor: the log-density, of the broadcast shape, recorded on every active tape.
    """
    z, scale = _z("norm.logpdf", x, loc, scale)
    return -0.5 * (z * z) - np.log(scale) - _LOG_SQRT_2PI


def pdf(x, loc=0.0, scale=1.0):
    """The normal density exp(:func:`logpdf`).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        loc: The mean, broadcast against ``x``.
        scale: The standard deviation, positive.

    Returns:
        Tensor: the density, recorded on every active tape.
    """
    return np.exp(logpdf(x, loc, scale))


def cdf(x, loc=0.0, scale=1.0):
    """The normal CDF Φ((x − loc)/scale).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        loc: The mean, broadcast against ``x``.
        scale: The standard deviation, positive.

    Returns:
        Tensor: P(X ≤ x), recorded on every active tape.
    """
    z, _ = _z("norm.cdf", x, loc, scale)
    return ndtr(z)


def logcdf(x, loc=0.0, scale=1.0):
    """log Φ((x − loc)/scale), accurate far into the left tail.

    Args:
        x: Where to evaluate: a Tensor, array or number.
        loc: The mean, broadcast against ``x``.
        scale: The standard deviation, positive.

    Returns:
        Tensor: log P(X ≤ x), recorded on every active tape.
    """
    z, _ = _z("norm.logcdf", x, loc, scale)
    return log_ndtr(z)


def sf(x, loc=0.0, scale=1.0):
    """The survival function 1 − CDF, computed as Φ(−z).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        loc: The mean, broadcast against ``x``.
        scale: The standard deviation, positive.

    Returns:
        Tensor: P(X > x), recorded on every active tape.
    """
    z, _ = _z("norm.sf", x, loc, scale)
    return ndtr(-z)


def logsf(x, loc=0.0, scale=1.0):
    """log of the survival function, log Φ(−z), accurate far into the right tail.

    Args:
        x: Where to evaluate: a Tensor, array or number.
        loc: The mean, broadcast against ``x``.
        scale: The standard deviation, positive.

    Returns:
        Tensor: log P(X > x), recorded on every active tape.
    """
    z, _ = _z("norm.logsf", x, loc, scale)
    return log_ndtr(-z)


def ppf(q, loc=0.0, scale=1.0):
    """The quantile function (inverse CDF): loc + scale·Φ⁻¹(q).

    Args:
        q: A probability in (0, 1): a Tensor, array or number.
        loc: The mean, broadcast against ``q``.
        scale: The standard deviation, positive.

    Returns:
        Tensor: the quantile, recorded on every active tape.
    """
    q, loc, scale = (tensor("norm.ppf", v) for v in (q, loc, scale))
    return loc + scale * ndtri(q)


def isf(q, loc=0.0, scale=1.0):
    """The inverse survival function: loc − scale·Φ⁻¹(q).

    Args:
        q: A probability in (0, 1): a Tensor, array or number.
        loc: The mean, broadcast against ``q``.
        scale: The standard deviation, positive.

    Returns:
        Tensor: x with P(X > x) = q, recorded on every active tape.
    """
    q, loc, scale = (tensor("norm.isf", v) for v in (q, loc, scale))
    return loc - scale * ndtri(q)
