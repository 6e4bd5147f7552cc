"""How many of the NumPy functions HIPS autograd differentiates deltagrad differentiates too.

autograd's registry of derivative rules (``autograd.core.primitive_vjps``) holds, among others,
NumPy's own functions: a rule's function ``f`` counts when ``autograd.numpy`` exports it under
its name and NumPy has that name (likewise ``autograd.numpy.linalg`` and ``numpy.linalg``); on
autograd 1.7 with NumPy 2 that is 102 top-level functions and 9 of ``np.linalg``. deltagrad
covers one when ``np.<name>(tensor)`` runs a deltagrad op: the function is in the NumPy dispatch
table (``deltagrad._numpy_dispatch._table()``) or is a ufunc in ``deltagrad.ops.UFUNCS``.

The count must not drop below :data:`MINIMUM`, and the functions left out are exactly those of
:data:`NOT_COVERED`, each with its reason: a new gap (or a gap closed without updating the list)
fails here, naming the functions.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("autograd")

import autograd.core  # noqa: E402
import autograd.numpy as anp  # noqa: E402
import autograd.numpy.linalg  # noqa: E402, F401  (registers np.linalg's rules)

from deltagrad._numpy_dispatch import _table  # noqa: E402
from deltagrad.ops import UFUNCS  # noqa: E402

MINIMUM = 105
"""The least number of autograd's NumPy functions deltagrad must cover."""

NOT_COVERED = {
    "linalg.eig": "its eigenvalues and eigenvectors are complex in general; deltagrad is "
    "real-valued (dg.linalg.eigh covers symmetric matrices)",
}
"""autograd's NumPy functions deltagrad deliberately does not cover, and why."""


def autograd_numpy_functions() -> dict[str, object]:
    """``{name: NumPy's function}`` for each NumPy function autograd has a rule for (``"sin"``,
    ``"linalg.det"``), found as ``/tmp/cov.py`` finds them."""
    found: dict[str, object] = {}
    for f in autograd.core.primitive_vjps:
        name = getattr(f, "__name__", None)
        if not name:
            continue
        if hasattr(np, name) and getattr(anp, name, None) is f:
            found[name] = getattr(np, name)
        if hasattr(np.linalg, name) and getattr(anp.linalg, name, None) is f:
            found[f"linalg.{name}"] = getattr(np.linalg, name)
    return found


def covered(fn: object) -> bool:
    """Whether ``np.<fn>(tensor)`` runs a deltagrad op."""
    return fn in _table() or (isinstance(fn, np.ufunc) and fn in UFUNCS)


def test_deltagrad_covers_at_least_the_minimum_of_autograd_s_numpy_functions():
    functions = autograd_numpy_functions()
    assert len(functions) >= 100, f"autograd's registry looks wrong: {sorted(functions)}"
    uncovered = sorted(name for name, fn in functions.items() if not covered(fn))
    count = len(functions) - len(uncovered)
    assert count >= MINIMUM, (
        f"deltagrad covers {count} of autograd's {len(functions)} NumPy functions, fewer than "
        f"{MINIMUM}; not covered: {uncovered}"
    )


def test_the_functions_not_covered_are_exactly_the_listed_ones():
    functions = autograd_numpy_functions()
    uncovered = {name for name, fn in functions.items() if not covered(fn)}
    listed = {name for name in NOT_COVERED if name in functions}  # (as autograd has them)
    assert uncovered <= listed, (
        f"newly not covered (np.<name>(tensor) runs no deltagrad op): {sorted(uncovered - listed)}"
    )
    assert listed <= uncovered, (
        f"covered now, remove from NOT_COVERED: {sorted(listed - uncovered)}"
    )


def test_a_covered_function_runs_on_a_tensor_and_records():
    import deltagrad as dg

    x = dg.constant(np.array([[0.3, -0.6], [0.2, 0.9]]))
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = np.sum(np.angle(x) + np.real(x) * np.linspace(x, 2.0, 3)[1])
    assert isinstance(y, dg.Tensor) and tape.gradient(y, x) is not None
