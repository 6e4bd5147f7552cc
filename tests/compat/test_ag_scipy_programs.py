"""Programs that hand autograd's gradients to SciPy, run on autograd and on
deltagrad.compat.autograd: a Gaussian process fitted by marginal likelihood, BFGS and Newton
methods on a Rosenbrock valley, and an ODE's parameters fitted through
``scipy.integrate.odeint``."""

import numpy
import pytest
import scipy.optimize

pytest.importorskip("autograd")

from _twin import assert_same, run_both  # noqa: E402


def gp_data(ag):
    rs = ag.npr.RandomState(3)
    x = ag.np.linspace(-2.0, 2.0, 15)[:, None]
    return x, ag.np.sin(2.0 * x[:, 0]) + 0.1 * rs.randn(15)


def gp_covariance(ag, theta, x):
    """Squared-exponential kernel (log length scale, log signal) plus log noise, on the diagonal."""
    np = ag.np
    scaled = (x[:, None, :] - x[None, :, :]) / np.exp(theta[0])
    K = np.exp(2.0 * theta[1]) * np.exp(-0.5 * np.sum(scaled**2, axis=2))
    return K + (np.exp(2.0 * theta[2]) + 1e-8) * np.eye(len(x))


def gp_program(ag):
    """The GP's hyperparameters fitted by minimising the negative log marginal likelihood
    (slogdet and solve) with L-BFGS-B; the same objective by ``multivariate_normal.logpdf``
    and by a Cholesky factor."""
    np = ag.np
    x, y = gp_data(ag)

    def negative_log_marginal(theta):
        K = gp_covariance(ag, theta, x)
        _, logdet = np.linalg.slogdet(K)
        return 0.5 * (np.dot(y, np.linalg.solve(K, y)) + logdet + len(y) * np.log(2 * np.pi))

    def negative_logpdf(theta):
        return -ag.mvn.logpdf(y, np.zeros(len(y)), gp_covariance(ag, theta, x))

    def cholesky_logdet(theta):
        L = np.linalg.cholesky(gp_covariance(ag, theta, x))
        return 2.0 * np.sum(np.log(np.diag(L)))

    x0 = np.array([0.0, 0.0, -1.0])
    fit = scipy.optimize.minimize(
        ag.value_and_grad(negative_log_marginal), x0, jac=True, method="L-BFGS-B"
    )
    return {
        "theta": fit.x,
        "value": fit.fun,
        "iterations": fit.nit,
        "value_at_x0": negative_log_marginal(x0),
        "gradient_at_x0": ag.grad(negative_log_marginal)(x0),
        "logpdf_gradient_at_x0": ag.grad(negative_logpdf)(x0),
        "logpdf_at_optimum": negative_logpdf(fit.x),
        "cholesky_logdet_gradient": ag.grad(cholesky_logdet)(fit.x),
    }


# L-BFGS-B's path turns round-off differences in the gradient (~1e-15) into ~1e-12 (measured);
# 1e-9 leaves room for other BLAS builds.
GP_RTOL = 1e-9


def test_gp_marginal_likelihood_fit():
    expected, actual = run_both(gp_program)
    assert_same(actual, expected, rtol=GP_RTOL)


def test_gp_marginal_likelihood_fit_numbers():
    """The numbers of the test above (``negative_logpdf`` at the optimum is a Tensor)."""
    expected, actual = run_both(gp_program)
    assert expected["value"] < expected["value_at_x0"]
    numpy.testing.assert_allclose(expected["logpdf_at_optimum"], expected["value"], rtol=1e-10)
    assert_same(actual, expected, rtol=GP_RTOL, allow_tensors=True)


def gp_cholesky_program(ag):
    """The GP's negative log marginal likelihood written the usual way: a Cholesky factor and
    two triangular solves (``autograd.scipy.linalg.solve_triangular``)."""
    np = ag.np
    solve_triangular = ag.scipy_linalg().solve_triangular
    x, y = gp_data(ag)

    def negative_log_marginal(theta):
        L = np.linalg.cholesky(gp_covariance(ag, theta, x))
        alpha = solve_triangular(L, y, lower=True)
        return 0.5 * np.dot(alpha, alpha) + np.sum(np.log(np.diag(L)))

    theta = np.array([0.2, -0.1, -1.5])
    return ag.value_and_grad(negative_log_marginal)(theta)


def test_gp_with_cholesky_and_solve_triangular():
    expected, actual = run_both(gp_cholesky_program)
    assert_same(actual, expected, rtol=1e-12)


def rosenbrock_program(ag):
    """BFGS with ``jac=grad(f)`` on a 4-D Rosenbrock valley, then trust-region Newton with the
    exact Hessian and Newton-CG with Hessian-vector products."""
    np = ag.np

    def rosenbrock(z):
        return np.sum(100.0 * (z[1:] - z[:-1] ** 2) ** 2 + (1.0 - z[:-1]) ** 2)

    x0 = np.array([-1.2, 1.0, -0.5, 0.8])
    gradient, hvp = ag.grad(rosenbrock), ag.hessian_vector_product(rosenbrock)
    bfgs = scipy.optimize.minimize(rosenbrock, x0, jac=gradient, method="BFGS")
    trust = scipy.optimize.minimize(
        rosenbrock, x0, jac=gradient, hess=ag.hessian(rosenbrock), method="trust-ncg"
    )
    newton_cg = scipy.optimize.minimize(
        rosenbrock, x0, jac=gradient, hessp=lambda z, v: hvp(z, v), method="Newton-CG"
    )
    return {
        "bfgs": (bfgs.x, bfgs.fun, bfgs.nit),
        "trust_ncg": (trust.x, trust.fun, trust.nit),
        "newton_cg": (newton_cg.x, newton_cg.fun, newton_cg.nit),
        "value_at_x0": rosenbrock(x0),
        "gradient_at_x0": gradient(x0),
        "hessian_at_x0": ag.hessian(rosenbrock)(x0),
    }


def test_rosenbrock_bfgs_and_newton():
    expected, actual = run_both(rosenbrock_program)
    numpy.testing.assert_allclose(expected["bfgs"][0], numpy.ones(4), atol=1e-4)
    # The optimisers' paths could amplify last-bit differences in the gradient; they agree to
    # 1e-13 here (measured), and the iteration counts exactly.
    assert_same(actual, expected, rtol=1e-10, atol=1e-14)


def ode_program(ag):
    """Lotka-Volterra rates fitted to noisy observations: ``odeint`` in the loss, its gradient
    with respect to the rates (odeint's extra arguments) and the start state, and a short
    adam run."""
    np, odeint = ag.np, ag.integrate.odeint
    tol = {"rtol": 1e-9, "atol": 1e-9}

    def dynamics(y, t, rates):
        prey, predator = y[0], y[1]
        return np.array(
            [
                rates[0] * prey - rates[1] * prey * predator,
                -rates[2] * predator + rates[3] * prey * predator,
            ]
        )

    times = np.linspace(0.0, 2.0, 5)
    y0, truth = np.array([1.0, 0.5]), np.array([1.1, 0.8, 0.9, 0.6])
    rs = ag.npr.RandomState(4)
    observed = odeint(dynamics, y0, times, (truth,), **tol) + 0.02 * rs.randn(5, 2)

    def loss(rates, start):
        # autograd traces odeint's extra arguments when they are passed positionally, as its
        # own tuple (autograd.builtins.tuple).
        ys = odeint(dynamics, start, times, ag.builtins.tuple((rates,)), **tol)
        return np.sum((ys - observed) ** 2)

    rates0 = np.array([1.0, 1.0, 1.0, 1.0])
    losses = []
    fitted = ag.optimizers.adam(
        lambda r, i: ag.grad(loss)(r, y0),
        rates0,
        callback=lambda r, i, g: losses.append(loss(r, y0)),
        num_iters=3,
        step_size=0.05,
    )
    return {
        "observed": observed,
        "loss_at_x0": loss(rates0, y0),
        "gradient_rates": ag.grad(loss, 0)(rates0, y0),
        "gradient_start": ag.grad(loss, 1)(rates0, y0),
        "losses": losses,
        "fitted": fitted,
    }


# Both gradients come from an adjoint system integrated backwards by odeint at rtol = atol =
# 1e-9, set up differently (autograd's also carries the time derivative), so they need only
# agree to about the solver's tolerance; they agree to ~1e-15 here (measured), as LSODA happens
# to take the same steps on the shared components.
ODE_RTOL = 1e-7


def test_ode_parameter_fit():
    expected, actual = run_both(ode_program)
    assert_same(actual, expected, rtol=ODE_RTOL, atol=1e-12)


def test_ode_parameter_fit_numbers():
    """The numbers of the test above (``odeint`` on plain arrays returns a Tensor)."""
    expected, actual = run_both(ode_program)
    assert expected["losses"][-1] < expected["losses"][0]
    assert_same(actual, expected, rtol=ODE_RTOL, atol=1e-12, allow_tensors=True)
