"""The Poisson distribution with mean ``mu``, as ``scipy.stats.poisson``: differentiable in
``mu``. The counts ``k`` (and the shift ``loc``) are discrete and carry no gradient; at a
negative or non-integer ``k`` the log-pmf is −inf, as in SciPy."""

from __future__ import annotations

import numpy as np

from deltagrad.scipy._common import tensor, value
from deltagrad.scipy.special import gammaln, pdtr, xlogy

__all__ = ["logpmf", "pmf", "cdf"]


def logpmf(k, mu, loc=0):
    """log of the probability mass: k·log mu − log k! − mu.

    Args:
        k: The counts: an array or number (no gradient).
        mu: The mean, positive: a Tensor, array or number.
        loc: A shift of the counts (no gradient).

    Returns:
        Tensor: the log-pmf, recorded on every active tape.
    """
    k = value(k) - value(loc)
    mu = tensor("poisson.logpmf", mu)
    valid = (k >= 0) & (np.floor(k) == k)
    k = np.where(valid, k, 0.0)
    out = xlogy(k, mu) - gammaln(k + 1.0) - mu
    return np.where(valid, out, -np.inf)


def pmf(k, mu, loc=0):
    """The probability mass exp(:func:`logpmf`).

    Args:
        k: The counts: an array or number (no gradient).
        mu: The mean, positive: a Tensor, array or number.
        loc: A shift of the counts (no gradient).

    Returns:
        Tensor: the pmf, recorded on every active tape.
    """
    return np.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    """The CDF P(N ≤ k) (0 for k < 0); derivative in ``mu``: −pmf(⌊k⌋, mu).

    Args:
        k: The counts: an array or number (no gradient).
        mu: The mean, positive: a Tensor, array or number.
        loc: A shift of the counts (no gradient).

    Returns:
        Tensor: P(N ≤ k), recorded on every active tape.
    """
    k = np.floor(value(k) - value(loc))
    mu = tensor("poisson.cdf", mu)
    return np.where(k >= 0, pdtr(np.maximum(k, 0.0), mu), 0.0)
