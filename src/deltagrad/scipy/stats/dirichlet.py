"""The Dirichlet distribution with concentrations ``alpha``, as ``scipy.stats.dirichlet``:
differentiable in ``x`` and ``alpha``. As in SciPy, the components are along the first axis of
``x``: shape (K,) for one point or (K, N…) for several."""

from __future__ import annotations

import numpy as np

from deltagrad.scipy._common import tensor, value
from deltagrad.scipy.special import gammaln, xlogy
from deltagrad.tensor import Tensor

__all__ = ["logpdf", "pdf"]


def _check(name: str, x: Tensor, alpha: Tensor) -> None:
    if alpha.ndim != 1:
        raise ValueError(f"{name}: alpha must be 1-D (K,), got shape {alpha.shape}")
    if np.any(value(alpha) <= 0):
        raise ValueError(f"{name}: every entry of alpha must be positive")
    if x.ndim == 0 or x.shape[0] != alpha.shape[0]:
        raise ValueError(
            f"{name}: x must have shape (K,) or (K, ...) with K = {alpha.shape[0]} components "
            f"along its first axis, as alpha of shape {alpha.shape}; got x of shape {x.shape}"
        )
    x_val = value(x)
    if np.any(x_val < 0) or np.any(x_val > 1):
        raise ValueError(f"{name}: every entry of x must be in [0, 1]")
    if np.any(np.abs(x_val.sum(axis=0) - 1.0) > 10e-10):  # SciPy's tolerance
        raise ValueError(f"{name}: each point of x must sum to 1 over its first axis")


def logpdf(x, alpha):
    """log of the density: Σₖ (αₖ − 1)·log xₖ − (Σₖ log Γ(αₖ) − log Γ(Σₖ αₖ)).

    Args:
        x: Points of the simplex, shape (K,) or (K, N…): a Tensor, array or list.
        alpha: The concentrations, shape (K,), positive.

    Returns:
        Tensor: the log-density, of shape ``x.shape[1:]``, recorded on every active tape.

    Raises:
        ValueError: for shapes that do not fit (naming them), non-positive ``alpha``, or ``x``
            off the simplex.
    """
    x, alpha = tensor("dirichlet.logpdf", x), tensor("dirichlet.logpdf", alpha)
    _check("dirichlet.logpdf", x, alpha)
    a = alpha.reshape(alpha.shape + (1,) * (x.ndim - 1))
    log_norm = gammaln(alpha).sum() - gammaln(alpha.sum())
    return xlogy(a - 1.0, x).sum(axis=0) - log_norm


def pdf(x, alpha):
    """The density exp(:func:`logpdf`).

    Args:
        x: Points of the simplex, shape (K,) or (K, N…): a Tensor, array or list.
        alpha: The concentrations, shape (K,), positive.

    Returns:
        Tensor: the density, of shape ``x.shape[1:]``, recorded on every active tape.
    """
    return np.exp(logpdf(x, alpha))
