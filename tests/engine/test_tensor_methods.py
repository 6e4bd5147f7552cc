"""Tensor's NumPy-like methods give NumPy's values and are recorded (gradients checked)."""

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd

X = np.random.default_rng(5).standard_normal((3, 4))

# (method call on a tensor or an array, whether it carries a gradient)
METHODS = {
    "ravel": (lambda a: a.ravel(), True),
    "flatten": (lambda a: a.flatten(), True),
    "astype-float32": (lambda a: a.astype(np.float32), True),
    "dot": (lambda a: a.dot(np.arange(4.0)), True),
    "min": (lambda a: a.min(axis=1), True),
    "prod": (lambda a: a.prod(axis=0), True),
    "var": (lambda a: a.var(axis=1, ddof=1), True),
    "std": (lambda a: a.std(), True),
    "cumsum": (lambda a: a.cumsum(axis=1), True),
    "squeeze": (lambda a: a[None].squeeze(0), True),
    "transpose-args": (lambda a: a.transpose(1, 0), True),
    "transpose-tuple": (lambda a: a.transpose((1, 0)), True),
    "transpose-none": (lambda a: a.transpose(), True),
    "swapaxes": (lambda a: a.swapaxes(0, 1), True),
    "clip": (lambda a: a.clip(-0.5, 0.5), True),
    "argmax": (lambda a: a.argmax(axis=1), False),
    "argmin": (lambda a: a.argmin(), False),
    "astype-int": (lambda a: a.astype(np.int64), False),
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_matches_numpy_and_finite_differences(name):
    call, differentiable = METHODS[name]
    x = dg.constant(X)
    with dg.GradientTape() as tape:
        tape.watch(x)
        out = call(x)
        assert isinstance(out, dg.Tensor)
        np.testing.assert_allclose(out.numpy(), call(X), rtol=1e-6)
        if not differentiable:
            assert tape.gradient(out, x) is None
            return
        w = np.random.default_rng(1).standard_normal(out.shape)
        loss = dg.sum(dg.cast(out, np.float64) * w)
    if out.dtype == np.float32:  # differences of float32 values are too coarse: a cast's
        expected = w.astype(np.float32)  # derivative is 1, in the cast's precision
    else:
        expected = fd.gradient(lambda a: float(np.sum(call(a) * w)), X)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), expected, rtol=1e-5, atol=1e-7)
