"""deltagrad.scipy.integrate.odeint: values against scipy.integrate.odeint; gradients in y0, the
times and the extra arguments (adjoint method) against autograd.scipy.integrate.odeint and
central finite differences (through the solver, at tight tolerances); no second derivatives;
errors."""

import numpy as np
import pytest
import scipy.integrate

import deltagrad as dg
from deltagrad.gradcheck import check_grads
from deltagrad.scipy.integrate import odeint

TOL = {"rtol": 1e-10, "atol": 1e-10}


def rhs(y, t, a, b):
    """A linear system with time-dependent coupling: every argument matters."""
    return -a * y + b * np.sin(t) * y[::-1]


Y0, T = np.array([1.0, 0.5]), np.array([0.0, 0.4, 1.0, 1.3])
A, B = np.array([0.7, 1.2]), np.array(0.3)


def test_values_match_scipy():
    ys = odeint(rhs, Y0, T, (A, B), **TOL)
    expected = scipy.integrate.odeint(rhs, Y0, T, (A, B), **TOL)
    np.testing.assert_allclose(ys.numpy(), expected, rtol=1e-12)
    assert ys.shape == (4, 2)


def test_gradients_match_finite_differences():
    def solution(y0, t, a, b):
        return odeint(rhs, y0, t, (a, b), **TOL)

    # Differences through an adaptive solver carry its error (≈ rtol): a looser tolerance.
    check_grads(solution, Y0, T, A, B, rtol=1e-5)


def test_state_of_any_shape(rng):
    y0 = rng.uniform(0.5, 1.0, (2, 2))
    m = rng.uniform(-1, 1, (2, 2))

    def solution(y0, m):
        return odeint(lambda y, t, m: m @ y - 0.5 * y, y0, T[:3], (m,), **TOL)

    ys = solution(y0, m)
    assert ys.shape == (3, 2, 2)
    check_grads(solution, y0, m, rtol=1e-5)


def test_gradients_match_autograd(rng):
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    from autograd.builtins import tuple as ag_tuple
    from autograd.scipy.integrate import odeint as ag_odeint

    def ag_rhs(y, t, a, b):
        return -a * y + b * anp.sin(t) * y[::-1]

    w = rng.standard_normal((4, 2))

    def ag_loss(y0, t, args):
        return anp.sum(ag_odeint(ag_rhs, y0, t, args, **TOL) * w)

    def dg_loss(y0, t, a, b):
        return dg.sum(odeint(rhs, y0, t, (a, b), **TOL) * w)

    grads = dg.grad(dg_loss, argnums=(0, 1, 2, 3))(Y0, T, A, B)
    args = ag_tuple((A, B))
    ga, gb = autograd.grad(ag_loss, 2)(Y0, T, args)
    expected = [autograd.grad(ag_loss, 0)(Y0, T, args), autograd.grad(ag_loss, 1)(Y0, T, args)]
    for got, ref in zip(grads, [*expected, ga, gb]):
        np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-7, atol=1e-10)


def test_no_second_derivatives():
    def loss(y0):
        return dg.sum(odeint(rhs, y0, T, (A, B)))

    with pytest.raises(NotImplementedError, match="odeint: no second derivatives"):
        dg.hessian(loss)(Y0)


def test_errors():
    with pytest.raises(TypeError, match="odeint: func must be callable"):
        odeint(3.0, Y0, T)
    with pytest.raises(ValueError, match=r"odeint: t must be a non-empty 1-D array.*\(2, 2\)"):
        odeint(rhs, Y0, np.ones((2, 2)), (A, B))
    with pytest.raises(TypeError, match="odeint: args must be a tuple"):
        odeint(rhs, Y0, T, A)


def test_extra_arguments_may_be_trees_and_get_tree_gradients():
    """A neural ODE passes its layers as one argument, a list of (W, b) pairs."""
    import autograd
    import autograd.numpy as anp
    from autograd.builtins import tuple as ag_tuple
    from autograd.scipy.integrate import odeint as ag_odeint

    rng = np.random.default_rng(4)
    params = [
        (0.3 * rng.standard_normal((2, 3)), 0.1 * rng.standard_normal(3)),
        (0.3 * rng.standard_normal((3, 2)), 0.1 * rng.standard_normal(2)),
    ]
    y0, t = np.array([1.0, -0.5]), np.linspace(0.0, 1.0, 5)

    def field(np_, y, _t, layers):
        for w, b in layers[:-1]:
            y = np_.tanh(y @ w + b)
        w, b = layers[-1]
        return y @ w + b

    def loss_dg(layers):
        return dg.sum(odeint(lambda y, s, p: field(np, y, s, p), y0, t, (layers,)) ** 2)

    def loss_ag(layers):
        ys = ag_odeint(lambda y, s, p: field(anp, y, s, p), y0, t, ag_tuple((layers,)))
        return anp.sum(ys**2)

    got, expected = dg.grad(loss_dg)(params), autograd.grad(loss_ag)(params)
    for (gw, gb), (ew, eb) in zip(got, expected):
        np.testing.assert_allclose(gw, ew, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(gb, eb, rtol=1e-6, atol=1e-9)
