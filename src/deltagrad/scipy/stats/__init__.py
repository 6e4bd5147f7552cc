"""``deltagrad.scipy.stats``: distributions of ``scipy.stats``, differentiable in every float
argument (values, locations, scales, shapes), one submodule per distribution as in
``autograd.scipy.stats``:

- :mod:`~deltagrad.scipy.stats.norm`: logpdf, pdf, cdf, logcdf, sf, logsf, ppf, isf
- :mod:`~deltagrad.scipy.stats.multivariate_normal`: logpdf, pdf, entropy
- :mod:`~deltagrad.scipy.stats.t`: logpdf, pdf, cdf, logcdf, sf, logsf
- :mod:`~deltagrad.scipy.stats.gamma`, :mod:`~deltagrad.scipy.stats.chi2`,
  :mod:`~deltagrad.scipy.stats.beta`: logpdf, pdf, cdf
- :mod:`~deltagrad.scipy.stats.poisson`: logpmf, pmf, cdf (differentiable in ``mu``)
- :mod:`~deltagrad.scipy.stats.dirichlet`: logpdf, pdf

Each function is a composition of deltagrad ops (the special functions of
:mod:`deltagrad.scipy.special`, :mod:`deltagrad.linalg`), so derivatives of any order work,
except that the CDFs of t, gamma, chi2 and beta are differentiable in ``x``, ``loc`` and
``scale`` only (NotImplementedError names a shape parameter). Outside a distribution's support
the log-density is −inf (the density 0) with a zero gradient, as in SciPy.

>>> from deltagrad.scipy.stats import norm
>>> norm.logpdf(0.0)
Tensor(-0.9189385332046727, shape=(), dtype=float64)
"""

from deltagrad.scipy.stats import (
    beta,
    chi2,
    dirichlet,
    gamma,
    multivariate_normal,
    norm,
    poisson,
    t,
)

__all__ = ["norm", "multivariate_normal", "t", "gamma", "chi2", "beta", "poisson", "dirichlet"]
