"""deltagrad.scipy.linalg.solve_triangular against SciPy, finite differences and autograd."""

import numpy as np
import pytest
import scipy.linalg
from _agcheck import crosscheck

import deltagrad as dg
from deltagrad.gradcheck import check_grads
from deltagrad.scipy.linalg import solve_triangular

RNG = np.random.default_rng(11)
A = np.tril(RNG.standard_normal((4, 4))) + 4 * np.eye(4)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1, "T"])
@pytest.mark.parametrize("b_shape", [(4,), (4, 2)])
def test_solve_triangular_values_and_gradients(lower, trans, b_shape):
    a = A if lower else A.T
    b = RNG.standard_normal(b_shape)
    expected = scipy.linalg.solve_triangular(a, b, trans=trans, lower=lower)
    np.testing.assert_allclose(
        solve_triangular(a, b, trans=trans, lower=lower).numpy(), expected, rtol=1e-12
    )
    # The rule reads one triangle: differentiate through that triangle only.
    tri = dg.tril if lower else dg.triu
    check_grads(lambda a, b: solve_triangular(tri(a), b, trans=trans, lower=lower), a, b, order=2)


@pytest.mark.parametrize("trans", [0, 1])
def test_solve_triangular_matches_autograd(trans):
    import autograd.scipy.linalg as asl

    b = RNG.standard_normal((4, 3))
    crosscheck(
        lambda a, b: solve_triangular(a, b, trans=trans, lower=True),
        lambda a, b: asl.solve_triangular(a, b, trans=trans, lower=True),
        [A, b],
    )


def test_solve_triangular_names_bad_shapes_and_settings():
    with pytest.raises(ValueError, match=r"solve_triangular: .*shapes \(4, 4\) and \(3,\)"):
        solve_triangular(A, np.ones(3))
    with pytest.raises(ValueError, match="trans must be"):
        solve_triangular(A, np.ones(4), trans=2)
