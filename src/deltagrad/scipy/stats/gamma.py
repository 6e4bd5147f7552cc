"""The gamma distribution with shape ``a``, as ``scipy.stats.gamma``: the density is
differentiable in ``x``, ``a``, ``loc`` and ``scale``; the CDF in ``x``, ``loc`` and ``scale``.
Below ``loc`` the log-density is −inf and the CDF 0 (zero gradient), as in SciPy."""

from __future__ import annotations

from typing import Any

import numpy as np

from deltagrad.scipy._common import tensor, value
from deltagrad.scipy.special import gammainc, gammaln, xlogy

__all__ = ["logpdf", "pdf", "cdf"]


def _y(name: str, x, loc, scale) -> tuple[Any, Any, Any]:
    """(x − loc)/scale set to 1 outside the support (so nothing there is NaN), scale, and the
    mask of the support."""
    x, loc, scale = tensor(name, x), tensor(name, loc), tensor(name, scale)
    y = (x - loc) / scale
    inside = value(y) >= 0
    return np.where(inside, y, 1.0), scale, inside


def logpdf(x, a, loc=0.0, scale=1.0):
    """log of the density: (a − 1)·log y − y − log Γ(a) − log scale, y = (x − loc)/scale ≥ 0
    (−inf below ``loc``).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        a: The shape, positive.
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: the log-density, recorded on every active tape.
    """
    y, scale, inside = _y("gamma.logpdf", x, loc, scale)
    a = tensor("gamma.logpdf", a)
    out = xlogy(a - 1.0, y) - y - gammaln(a) - np.log(scale)
    return np.where(inside, out, -np.inf)


def pdf(x, a, loc=0.0, scale=1.0):
    """The density exp(:func:`logpdf`).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        a: The shape, positive.
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: the density, recorded on every active tape.
    """
    return np.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0.0, scale=1.0):
    """The CDF P(a, y), the regularised lower incomplete gamma function; differentiable in
    ``x``, ``loc`` and ``scale`` (not in ``a``: NotImplementedError).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        a: The shape, positive (not differentiable here).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: P(X ≤ x), recorded on every active tape.
    """
    y, _, inside = _y("gamma.cdf", x, loc, scale)
    return np.where(inside, gammainc(a, y), 0.0)
