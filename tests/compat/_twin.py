"""One autograd program, run twice: on HIPS autograd and on ``deltagrad.compat.autograd``.

A program is a function of a namespace holding autograd's modules (``ag.np``, ``ag.npr``,
``ag.grad``, ``ag.optimizers``, ``ag.norm``, …). :func:`namespace` imports them by name, so the
two runs differ only in the top-level package, as a user's import lines would. Imported by name
from the tests in this folder (pytest puts the folder on the path).
"""

from __future__ import annotations

import functools
import importlib
import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np

from deltagrad.tensor import Tensor

REFERENCE, COMPAT = "autograd", "deltagrad.compat.autograd"

# autograd's top-level functions the programs call.
API = (
    "grad",
    "value_and_grad",
    "elementwise_grad",
    "jacobian",
    "hessian",
    "hessian_vector_product",
    "make_vjp",
    "make_jvp",
    "vector_jacobian_product",
    "tensor_jacobian_product",
)

# Short name in the namespace → module under the top-level package.
MODULES = {
    "np": "numpy",
    "npr": "numpy.random",
    "special": "scipy.special",
    "norm": "scipy.stats.norm",
    "mvn": "scipy.stats.multivariate_normal",
    "integrate": "scipy.integrate",
    "optimizers": "misc.optimizers",
    "flatten": "misc.flatten",
    "fixed_points": "misc.fixed_points",
    "builtins": "builtins",
    "extend": "extend",
    "test_util": "test_util",
}


def namespace(top: str) -> SimpleNamespace:
    """autograd's modules and functions, imported from the package ``top``."""
    package = importlib.import_module(top)
    modules = {key: importlib.import_module(f"{top}.{name}") for key, name in MODULES.items()}

    def scipy_linalg() -> Any:
        # Imported on use: a program that needs it fails alone when the module is missing.
        return importlib.import_module(f"{top}.scipy.linalg")

    return SimpleNamespace(
        top=top,
        scipy_linalg=scipy_linalg,
        **{name: getattr(package, name) for name in API},
        **modules,
    )


@functools.cache
def run_both(program: Any, *args: Any) -> tuple[Any, Any]:
    """``(autograd's result, deltagrad's result)`` of ``program(namespace, *args)``; cached,
    so a test and its numbers-only twin run the program once (callers must not mutate)."""
    with warnings.catch_warnings():
        # autograd warns when a gradient is identically zero; that is its report, not a failure.
        warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
        expected = program(namespace(REFERENCE), *args)
    return expected, program(namespace(COMPAT), *args)


def assert_same(
    actual: Any,
    expected: Any,
    rtol: float,
    atol: float = 0.0,
    path: str = "",
    allow_tensors: bool = False,
) -> None:
    """Every number of ``actual`` (a tree of dicts, lists, tuples, arrays and numbers) agrees
    with ``expected``'s, and every container has autograd's type. A leaf that is an ndarray in
    autograd's result is an ndarray here too (a 0-d one may be a NumPy scalar: see
    test_ag_plain_results.py) and no leaf is a deltagrad Tensor, unless ``allow_tensors``
    (then a Tensor leaf is compared by its value: the numbers-only twin of a test that is
    expected to fail on types)."""
    where = path or "result"
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and sorted(actual) == sorted(expected), where
        for key in expected:
            assert_same(actual[key], expected[key], rtol, atol, f"{path}[{key!r}]", allow_tensors)
        return
    if isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected), f"{where}: {type(actual)}, autograd {type(expected)}"
        assert len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, rtol, atol, f"{path}[{i}]", allow_tensors)
        return
    if allow_tensors and isinstance(actual, Tensor):
        actual = actual.numpy()
    assert not isinstance(actual, Tensor), f"{where}: a deltagrad Tensor, autograd {type(expected)}"
    if isinstance(expected, np.ndarray):
        plain = (np.ndarray,) if expected.ndim else (np.ndarray, np.generic)
        assert isinstance(actual, plain), f"{where}: {type(actual)}, autograd an ndarray"
    if isinstance(expected, (bool, int, str, np.integer)):
        assert actual == expected, f"{where}: {actual!r}, autograd {expected!r}"
        return
    assert np.shape(actual) == np.shape(expected), f"{where}: shape"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=where)
