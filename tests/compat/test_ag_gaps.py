"""The smallest autograd programs for each difference the compat layer had from autograd: one
cause per test. A gap still open would be a strict xfail (the test flips to an unexpected
pass when the gap is closed); all of these are closed now and pass.
"""

import importlib

import numpy as np
import pytest

pytest.importorskip("autograd")

from _twin import COMPAT, REFERENCE, assert_same, run_both  # noqa: E402

from deltagrad.tensor import Tensor  # noqa: E402

X = np.array([0.2, 0.5])


def scipy_call(ag, module, call):
    return call(importlib.import_module(f"{ag.top}.scipy.{module}"))


PLAIN_CALLS = {
    "stats.norm.logpdf": ("stats.norm", lambda m: m.logpdf(X, 0.1, 2.0)),
    "stats.multivariate_normal.logpdf": (
        "stats.multivariate_normal",
        lambda m: m.logpdf(X, np.zeros(2), np.eye(2)),
    ),
    "special.logsumexp": ("special", lambda m: m.logsumexp(X)),
    "special.expit": ("special", lambda m: m.expit(X)),
    "integrate.odeint": ("integrate", lambda m: m.odeint(lambda y, t: -y, X, np.array([0.0, 1.0]))),
    "signal.convolve": ("signal", lambda m: m.convolve(X, np.ones(3))),
}


@pytest.mark.parametrize("name", PLAIN_CALLS)
def test_scipy_function_on_plain_arrays_returns_numpy(name):
    module, call = PLAIN_CALLS[name]
    expected, actual = run_both(scipy_call, module, call)
    assert_same(actual, expected, rtol=1e-12)


def test_scipy_function_on_plain_arrays_numbers():
    """What the test above compares, by value: the numbers agree."""
    for module, call in PLAIN_CALLS.values():
        expected, actual = run_both(scipy_call, module, call)
        assert_same(actual, expected, rtol=1e-12, allow_tensors=True)


def isfinite_program(ag):
    """A check an autograd program makes on a log-density it evaluated outside any gradient."""
    return bool(ag.np.isfinite(ag.norm.logpdf(0.5)))


def test_numpy_check_on_a_plain_log_density():
    expected, actual = run_both(isfinite_program)
    assert actual is expected is True


def zero_d_program(ag):
    """autograd returns 0-d ndarrays here (not NumPy scalars)."""
    return {
        "hessian_of_float": ag.hessian(lambda s: s**3)(1.5),
        "jacobian_of_float": ag.jacobian(lambda s: s**2)(1.5),
        "grad_of_0d_leaf": ag.grad(lambda p: p["a"] ** 2)({"a": np.array(1.5)})["a"],
        "grad_in_two_numbers": ag.grad(lambda a, b: a * b**2, argnum=(0, 1))(1.5, 2.0)[1],
    }


def test_autograd_returns_zero_d_ndarrays():
    expected, _ = run_both(zero_d_program)
    assert all(isinstance(v, np.ndarray) and v.ndim == 0 for v in expected.values())


def test_zero_d_results_are_ndarrays():
    expected, actual = run_both(zero_d_program)
    for key, value in actual.items():
        assert isinstance(value, np.ndarray), f"{key}: {type(value).__name__}"
    assert_same(actual, expected, rtol=1e-14)


# Names the compat layer lacked once (scipy.special's Bessel functions and gammasgn).
ONCE_MISSING = [
    ("scipy.special", name)
    for name in ("i0", "i1", "iv", "ive", "j0", "j1", "jn", "y0", "y1", "yn", "gammasgn")
]


@pytest.mark.parametrize("module, name", ONCE_MISSING)
def test_autograd_name_exists(module, name):
    def lookup(top):
        return getattr(importlib.import_module(f"{top}.{module}" if module else top), name)

    assert callable(lookup(REFERENCE))
    assert callable(lookup(COMPAT))


def test_scipy_linalg_module_exists():
    assert importlib.import_module(f"{REFERENCE}.scipy.linalg").solve_triangular
    assert importlib.import_module(f"{COMPAT}.scipy.linalg").solve_triangular


def test_no_tensor_leaks_from_numpy_functions():
    """The contrast: NumPy functions of the compat layer on plain arrays are NumPy's own."""
    np_compat = importlib.import_module(f"{COMPAT}.numpy")
    for value in (np_compat.tanh(X), np_compat.full(3, 1.5), np_compat.array([1.0, 2.0])):
        assert isinstance(value, np.ndarray) and not isinstance(value, Tensor)
