"""The chi-squared distribution with ``df`` degrees of freedom, as ``scipy.stats.chi2``: the
gamma distribution of shape df/2 and scale 2·scale. The density is differentiable in ``x``,
``df``, ``loc`` and ``scale``; the CDF in ``x``, ``loc`` and ``scale``."""

from __future__ import annotations

from deltagrad.scipy._common import tensor
from deltagrad.scipy.stats import gamma as _gamma

__all__ = ["logpdf", "pdf", "cdf"]


def logpdf(x, df, loc=0.0, scale=1.0):
    """log of the density (−inf below ``loc``).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive.
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: the log-density, recorded on every active tape.
    """
    df, scale = tensor("chi2.logpdf", df), tensor("chi2.logpdf", scale)
    return _gamma.logpdf(x, 0.5 * df, loc, 2.0 * scale)


def pdf(x, df, loc=0.0, scale=1.0):
    """The density.

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive.
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: the density, recorded on every active tape.
    """
    df, scale = tensor("chi2.pdf", df), tensor("chi2.pdf", scale)
    return _gamma.pdf(x, 0.5 * df, loc, 2.0 * scale)


def cdf(x, df, loc=0.0, scale=1.0):
    """The CDF; differentiable in ``x``, ``loc`` and ``scale`` (not in ``df``).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive (not differentiable here).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: P(X ≤ x), recorded on every active tape.
    """
    df, scale = tensor("chi2.cdf", df), tensor("chi2.cdf", scale)
    return _gamma.cdf(x, 0.5 * df, loc, 2.0 * scale)
