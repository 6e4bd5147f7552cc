"""The multivariate normal distribution N(mean, cov), as ``scipy.stats.multivariate_normal``:
differentiable in ``x``, ``mean`` and ``cov``.

The log-density is computed with the Cholesky factor L of ``cov``
(:func:`deltagrad.linalg.cholesky`): the Mahalanobis term as |L⁻¹(x − mean)|² and log det cov
as 2 Σ log Lᵢᵢ. The gradient in ``cov`` is symmetric (½(Σ⁻¹ddᵀΣ⁻¹ − Σ⁻¹), d = x − mean, as
autograd's), the derivative for perturbations that keep ``cov`` symmetric.

Arguments are read as SciPy reads them: the dimension is that of ``mean`` (or else of ``cov``);
a number ``cov`` means cov·I and a vector the diagonal; ``x`` has the components along its last
axis (a 1-D ``x`` is one point, or, for dimension 1, several); the result is squeezed as
SciPy's (one point gives a 0-d Tensor). ``cov`` may also be a stack (..., d, d), broadcast
against the points.
"""

from __future__ import annotations

import math

import numpy as np

from deltagrad.ops.decomp import cholesky, slogdet, solve
from deltagrad.scipy._common import tensor
from deltagrad.tensor import Tensor

__all__ = ["logpdf", "pdf", "entropy"]

_LOG_2PI = math.log(2.0 * math.pi)


def _parameters(name: str, mean, cov) -> tuple[Tensor, Tensor, int]:
    """mean as (…, d) and cov as (…, d, d) Tensors, and d, as SciPy reads them."""
    cov = tensor(name, cov)
    if mean is None:
        dim = cov.shape[-1] if cov.ndim else 1
        mean = tensor(name, np.zeros(dim))
    else:
        mean = tensor(name, mean)
        if mean.ndim == 0:
            mean = mean.reshape((1,))
        dim = mean.shape[-1]
    if cov.ndim == 0:
        cov = cov * np.eye(dim)
    elif cov.ndim == 1:
        cov = cov * np.eye(cov.shape[0])  # the diagonal
    if cov.shape[-2:] != (dim, dim):
        raise ValueError(
            f"{name}: cov of shape {cov.shape} does not fit mean of shape {mean.shape}: "
            f"expected ({dim}, {dim})"
        )
    return mean, cov, dim


def _points(name: str, x, dim: int):
    x = tensor(name, x)
    if x.ndim == 0:
        x = x.reshape((1,))
    if x.ndim == 1 and dim == 1:
        x = x[:, None]
    if x.shape[-1] != dim:
        raise ValueError(
            f"{name}: x of shape {x.shape} does not fit dimension {dim}: the last axis of x "
            f"holds the {dim} components of each point"
        )
    return x


def _squeeze(out: Tensor):
    return out.reshape(tuple(n for n in out.shape if n != 1))


def logpdf(x, mean=None, cov=1.0, allow_singular: bool = False):
    """log of the density: −½(d·log 2π + log det cov + (x − mean)ᵀcov⁻¹(x − mean)).

    Args:
        x: The points, components along the last axis: a Tensor, array or list.
        mean: The mean, shape (d,) (None: zeros).
        cov: The covariance, symmetric positive definite: shape (d, d), a vector (the
            diagonal) or a number (times the identity).
        allow_singular: Must be False (a singular covariance is not supported).

    Returns:
        Tensor: the log-density of each point (squeezed as SciPy's), recorded on every active
        tape.

    Raises:
        ValueError: for shapes that do not fit (naming them) or a covariance that is not
            positive definite.
        NotImplementedError: for ``allow_singular=True``.
    """
    name = "multivariate_normal.logpdf"
    if allow_singular:
        raise NotImplementedError(f"{name}: allow_singular=True is not supported")
    mean, cov, dim = _parameters(name, mean, cov)
    x = _points(name, x, dim)
    low = cholesky(cov)
    z = solve(low, (x - mean)[..., None])[..., 0]
    log_det = 2.0 * np.log(np.diagonal(low, axis1=-2, axis2=-1)).sum(axis=-1)
    return _squeeze(-0.5 * (dim * _LOG_2PI + log_det + (z * z).sum(axis=-1)))


def pdf(x, mean=None, cov=1.0, allow_singular: bool = False):
    """The density exp(:func:`logpdf`).

    Args:
        x: The points, components along the last axis: a Tensor, array or list.
        mean: The mean, shape (d,) (None: zeros).
        cov: The covariance: shape (d, d), a vector (the diagonal) or a number.
        allow_singular: Must be False (a singular covariance is not supported).

    Returns:
        Tensor: the density of each point (squeezed as SciPy's), recorded on every active tape.
    """
    return np.exp(logpdf(x, mean, cov, allow_singular))


def entropy(mean=None, cov=1.0):
    """The differential entropy ½(d·(1 + log 2π) + log det cov); gradient in ``cov``: ½cov⁻¹.

    Args:
        mean: The mean, shape (d,) (None: zeros); the entropy does not depend on it.
        cov: The covariance: shape (d, d), a vector (the diagonal) or a number.

    Returns:
        Tensor: the entropy, recorded on every active tape.
    """
    _, cov, dim = _parameters("multivariate_normal.entropy", mean, cov)
    return 0.5 * (dim * (1.0 + _LOG_2PI) + slogdet(cov).logabsdet)
