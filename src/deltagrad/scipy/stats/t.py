"""Student's t distribution with ``df`` degrees of freedom, as ``scipy.stats.t``: the density
is differentiable in ``x``, ``df``, ``loc`` and ``scale``; the CDF in ``x``, ``loc`` and
``scale``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltagrad.scipy._common import tensor
from deltagrad.scipy.special import gammaln, stdtr

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _z(name: str, x, loc, scale) -> tuple[Any, Any]:
    x, loc, scale = tensor(name, x), tensor(name, loc), tensor(name, scale)
    return (x - loc) / scale, scale


def logpdf(x, df, loc=0.0, scale=1.0):
    """log of the density: log Γ((df+1)/2) − log Γ(df/2) − ½ log(df·π) − log scale
    − (df+1)/2 · log(1 + z²/df), z = (x − loc)/scale.

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive (differentiable).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: the log-density, recorded on every active tape.
    """
    z, scale = _z("t.logpdf", x, loc, scale)
    df = tensor("t.logpdf", df)
    half = 0.5 * (df + 1.0)
    return (
        gammaln(half)
        - gammaln(0.5 * df)
        - 0.5 * np.log(df * math.pi)
        - np.log(scale)
        - half * np.log1p(z * z / df)
    )


def pdf(x, df, loc=0.0, scale=1.0):
    """The density exp(:func:`logpdf`).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive (differentiable).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: the density, recorded on every active tape.
    """
    return np.exp(logpdf(x, df, loc, scale))


def cdf(x, df, loc=0.0, scale=1.0):
    """The CDF, ``scipy.special.stdtr(df, z)``; differentiable in ``x``, ``loc`` and ``scale``
    (not in ``df``: NotImplementedError).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive (not differentiable here).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: P(X ≤ x), recorded on every active tape.
    """
    z, _ = _z("t.cdf", x, loc, scale)
    return stdtr(df, z)


def logcdf(x, df, loc=0.0, scale=1.0):
    """log of :func:`cdf` (as SciPy computes it).

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive (not differentiable here).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: log P(X ≤ x), recorded on every active tape.
    """
    return np.log(cdf(x, df, loc, scale))


def sf(x, df, loc=0.0, scale=1.0):
    """The survival function, ``stdtr(df, −z)``; differentiable as :func:`cdf`.

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive (not differentiable here).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: P(X > x), recorded on every active tape.
    """
    z, _ = _z("t.sf", x, loc, scale)
    return stdtr(df, -z)


def logsf(x, df, loc=0.0, scale=1.0):
    """log of :func:`sf`.

    Args:
        x: Where to evaluate: a Tensor, array or number.
        df: The degrees of freedom, positive (not differentiable here).
        loc: The location, broadcast against ``x``.
        scale: The scale, positive.

    Returns:
        Tensor: log P(X > x), recorded on every active tape.
    """
    return np.log(sf(x, df, loc, scale))
