"""``deltagrad.scipy``: SciPy's functions on Tensors, differentiable (as ``autograd.scipy``).

- :mod:`deltagrad.scipy.special`: special functions (gammaln, digamma, erf, logsumexp, …).
- :mod:`deltagrad.scipy.stats`: log-densities, densities and CDFs of distributions, one
  submodule each (``from deltagrad.scipy.stats import norm`` or
  ``import deltagrad.scipy.stats.norm as norm``, then ``norm.logpdf(x, loc, scale)``).
- :mod:`deltagrad.scipy.signal`: :func:`~deltagrad.scipy.signal.convolve`.
- :mod:`deltagrad.scipy.integrate`: :func:`~deltagrad.scipy.integrate.odeint`, differentiated
  by the adjoint method.

The values come from SciPy; the derivatives are deltagrad's own rules, so they nest (second
derivatives) wherever the rule is written with differentiable ops (all but ``odeint``'s).
"""

from deltagrad.scipy import integrate, signal, special, stats

__all__ = ["special", "stats", "signal", "integrate"]
