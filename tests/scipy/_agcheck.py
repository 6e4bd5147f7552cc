"""deltagrad against HIPS autograd on one function: the value, the gradient of a random
projection ⟨w, f⟩ with respect to every argument, and (optionally) its Hessian-vector product.
Shared by the tests of deltagrad.scipy (imported by name: pytest puts this folder on the path)."""

from __future__ import annotations

import warnings

import numpy as np

import deltagrad as dg

VALUE_RTOL = 1e-12
GRAD_RTOL = 1e-10
HVP_RTOL = 1e-9


def _close(actual, expected, rtol, what):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape}, autograd {expected.shape}"
    )
    atol = rtol * 1e-2 * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def crosscheck(dg_fn, ag_fn, arrays, *, hvp=True, seed=0, rtol=GRAD_RTOL):
    """Assert that ``dg_fn`` and ``ag_fn`` agree at ``arrays`` (every one differentiated)."""
    import autograd
    import autograd.numpy as anp

    rng = np.random.default_rng(seed)
    arrays = tuple(np.asarray(a, dtype=np.float64) for a in arrays)
    n = len(arrays)
    expected = ag_fn(*arrays)
    _close(dg_fn(*arrays), expected, VALUE_RTOL, "value")
    w = rng.standard_normal(np.shape(expected))
    vs = tuple(rng.standard_normal(a.shape) for a in arrays)

    def dg_proj(*xs):
        return dg.sum(dg_fn(*xs) * w)

    def ag_proj(*xs):
        return anp.sum(ag_fn(*xs) * w)

    with warnings.catch_warnings():  # autograd's warning for a derivative that is zero
        warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
        grads = dg.grad(dg_proj, argnums=tuple(range(n)))(*arrays)
        for i in range(n):
            _close(grads[i], autograd.grad(ag_proj, i)(*arrays), rtol, f"gradient {i}")
        if not hvp:
            return
        hvs = dg.hvp(dg_proj, arrays, vs)
        hvs = hvs if n > 1 else (hvs,)

        def ag_grad_dot_v(*xs):
            return sum(anp.sum(autograd.grad(ag_proj, i)(*xs) * v) for i, v in enumerate(vs))

        for j in range(n):
            _close(hvs[j], autograd.grad(ag_grad_dot_v, j)(*arrays), 10 * rtol, f"HVP {j}")
