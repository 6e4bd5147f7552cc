"""The beta distribution with shapes ``a`` and ``b``, as ``scipy.stats.beta``: the density is
differentiable in ``x``, ``a``, ``b``, ``loc`` and ``scale``; the CDF in ``x``, ``loc`` and
``scale``. Outside [loc, loc + scale] the log-density is −inf (zero gradient), as in SciPy."""

from __future__ import annotations

from typing import Any

import numpy as np

from deltagrad.scipy._common import tensor, value
from deltagrad.scipy.special import betainc, betaln, xlog1py, xlogy

__all__ = ["logpdf", "pdf", "cdf"]


def _y(name: str, x, loc, scale) -> tuple[Any, Any, Any, Any]:
    """(x − loc)/scale set to ½ outside [0, 1], scale, and the value of (x − loc)/scale."""
    x, loc, scale = tensor(name, x), tensor(name, loc), tensor(name, scale)
    y = (x - loc) / scale
    y_val = value(y)
    inside = (y_val >= 0) & (y_val <= 1)
    return np.where(inside, y, 0.5), scale, inside, y_val


def logpdf(x, a, b, loc=0.0, scale=1.0):
    """log of the density: (a − 1)·log y + (b − 1)·log(1 − y) − log B(a, b) − log scale,
    y = (x − loc)/scale in [0, 1] (−inf outside).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        a: The first shape parameter, positive.
        b: The second shape parameter, positive.
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: the log-density, recorded on every active tape.
    """
    y, scale, inside, _ = _y("beta.logpdf", x, loc, scale)
    a, b = tensor("beta.logpdf", a), tensor("beta.logpdf", b)
    out = xlogy(a - 1.0, y) + xlog1py(b - 1.0, -y) - betaln(a, b) - np.log(scale)
    return np.where(inside, out, -np.inf)


def pdf(x, a, b, loc=0.0, scale=1.0):
    """The density exp(:func:`logpdf`).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        a: The first shape parameter, positive.
        b: The second shape parameter, positive.
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: the density, recorded on every active tape.
    """
    return np.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0.0, scale=1.0):
    """The CDF I_y(a, b), the regularised incomplete beta function (0 below, 1 above the
    support); differentiable in ``x``, ``loc`` and ``scale`` (not in ``a``, ``b``).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        a: The first shape parameter, positive (not differentiable here).
        b: The second shape parameter, positive (not differentiable here).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: P(X ≤ x), recorded on every active tape.
    """
    y, _, inside, y_val = _y("beta.cdf", x, loc, scale)
    return np.where(inside, betainc(a, b, y), np.where(y_val > 1, 1.0, 0.0))
