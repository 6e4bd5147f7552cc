"""deltagrad.scipy.stats: values against scipy.stats, derivatives in every float argument
against central finite differences in float64 (second order for a few), value, gradient and
Hessian-vector product against autograd.scipy.stats, the support's edges, both import styles
and the errors."""

import importlib

import numpy as np
import pytest
import scipy.stats as st

import deltagrad as dg
import deltagrad.scipy.special as dsp
from deltagrad.gradcheck import check_grads
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


def test_both_import_styles_give_the_submodules():
    import deltagrad.scipy.stats.norm as norm_module
    import deltagrad.scipy.stats.t as t_module

    assert norm_module is norm and t_module is t
    stats = importlib.import_module("deltagrad.scipy.stats")
    for name in stats.__all__:
        assert importlib.import_module(f"deltagrad.scipy.stats.{name}") is getattr(stats, name)
    assert dg.scipy.stats.multivariate_normal is multivariate_normal  # via deltagrad.scipy


# --- univariate distributions with loc and scale ----------------------------------------------

# (module, scipy's distribution, functions, shape parameters' intervals, x's interval,
#  functions differentiable in the shape parameters too)
POS = (0.6, 2.5)
UNIVARIATE = {
    "norm": (norm, st.norm, ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], [], (-2, 2)),
    "t": (t, st.t, ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], [(1.5, 5.0)], (-2, 2)),
    "gamma": (gamma, st.gamma, ["logpdf", "pdf", "cdf"], [POS], (0.6, 3.0)),
    "chi2": (chi2, st.chi2, ["logpdf", "pdf", "cdf"], [(1.5, 5.0)], (0.6, 3.0)),
    "beta": (beta, st.beta, ["logpdf", "pdf", "cdf"], [POS, POS], (0.75, 1.4)),
}
DENSITIES = ("logpdf", "pdf")


def _draw(rng, interval, shape=(4,)):
    return rng.uniform(*interval, size=shape)


def _univariate(rng, name):
    module, ref, fns, shapes, xs = UNIVARIATE[name]
    x = _draw(rng, xs, (2, 3))
    params = [_draw(rng, iv, (3,)) for iv in shapes]
    loc, scale = _draw(rng, (-0.5, 0.5), (3,)), _draw(rng, (0.8, 1.6), (1, 3))
    if name == "beta":  # keep (x − loc)/scale inside (0, 1)
        loc, scale = np.full(3, 0.6), _draw(rng, (1.0, 1.2), (1, 3))
    return module, ref, fns, x, params, loc, scale


CASES = [(name, fn) for name, case in UNIVARIATE.items() for fn in case[2]]


@pytest.mark.parametrize(("name", "fn"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_values_and_derivatives(rng, name, fn):
    module, ref, _, x, params, loc, scale = _univariate(rng, name)
    got = getattr(module, fn)(x, *params, loc, scale)
    np.testing.assert_allclose(got.numpy(), getattr(ref, fn)(x, *params, loc, scale), rtol=1e-12)
    if fn in DENSITIES:  # differentiable in every argument, to second order
        check_grads(getattr(module, fn), x, *params, loc, scale, order=2)
    else:  # CDFs: in x, loc and scale

        def cdf(x, loc, scale):
            return getattr(module, fn)(x, *params, loc, scale)

        check_grads(cdf, x, loc, scale)


def test_default_loc_and_scale(rng):
    x = _draw(rng, (0.6, 0.9))
    np.testing.assert_allclose(norm.logpdf(x).numpy(), st.norm.logpdf(x), rtol=1e-13)
    np.testing.assert_allclose(t.cdf(x, 3.0).numpy(), st.t.cdf(x, 3.0), rtol=1e-13)
    np.testing.assert_allclose(gamma.pdf(x, 2.0).numpy(), st.gamma.pdf(x, 2.0), rtol=1e-13)
    np.testing.assert_allclose(beta.cdf(x, 2.0, 3.0).numpy(), st.beta.cdf(x, 2.0, 3.0))


def test_norm_quantiles(rng):
    q, loc, scale = _draw(rng, (0.1, 0.9)), _draw(rng, (-1, 1)), _draw(rng, (0.5, 2))
    for fn in ("ppf", "isf"):
        got = getattr(norm, fn)(q, loc, scale).numpy()
        np.testing.assert_allclose(got, getattr(st.norm, fn)(q, loc, scale), rtol=1e-12)
        check_grads(getattr(norm, fn), q, loc, scale, order=2)


def test_outside_the_support_as_scipy_with_zero_gradient():
    x = np.array([-0.5, 0.0, 0.5, 1.0, 1.5])
    for got, expected in [
        (gamma.logpdf(x, 2.0), st.gamma.logpdf(x, 2.0)),
        (gamma.cdf(x, 2.0), st.gamma.cdf(x, 2.0)),
        (chi2.pdf(x, 3.0), st.chi2.pdf(x, 3.0)),
        (beta.logpdf(x, 2.0, 3.0), st.beta.logpdf(x, 2.0, 3.0)),
        (beta.cdf(x, 2.0, 3.0), st.beta.cdf(x, 2.0, 3.0)),
        (poisson.logpmf([-1.0, 2.5, 2.0], 1.5), st.poisson.logpmf([-1.0, 2.5, 2.0], 1.5)),
        (poisson.cdf([-1.0, 2.5], 1.5), st.poisson.cdf([-1.0, 2.5], 1.5)),
    ]:
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-13)
    outside = np.array([-0.5, 1.5])  # below gamma's support, outside beta's on both sides
    g = dg.grad(lambda x: dg.sum(gamma.pdf(x - 2.0, 2.0) + beta.pdf(x, 2.0, 3.0)))(outside)
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.0])


def test_cdf_shape_parameters_have_no_derivative():
    with pytest.raises(NotImplementedError, match="stdtr: no derivative with respect to df"):
        dg.grad(lambda df: t.cdf(0.3, df))(3.0)
    with pytest.raises(NotImplementedError, match="gammainc: no derivative with respect to a"):
        dg.grad(lambda a: gamma.cdf(0.3, a))(3.0)


# --- poisson, dirichlet ---------------------------------------------------------------------


def test_poisson(rng):
    k, mu = np.array([[0, 1, 4], [2, 3, 7]]), _draw(rng, (0.5, 4.0), (3,))
    for fn in ("logpmf", "pmf", "cdf"):
        got = getattr(poisson, fn)(k, mu).numpy()
        np.testing.assert_allclose(got, getattr(st.poisson, fn)(k, mu), rtol=1e-12)
        check_grads(lambda mu, fn=fn: getattr(poisson, fn)(k, mu), mu, order=2)
    np.testing.assert_allclose(
        poisson.logpmf(k, mu, loc=1).numpy(), st.poisson.logpmf(k, mu, loc=1), rtol=1e-12
    )


def test_dirichlet(rng):
    alpha = np.array([1.5, 2.0, 3.0])
    for x in (rng.dirichlet(alpha), rng.dirichlet(alpha, size=4).T):
        np.testing.assert_allclose(
            dirichlet.logpdf(x, alpha).numpy(), st.dirichlet.logpdf(x, alpha), rtol=1e-12
        )
        np.testing.assert_allclose(
            dirichlet.pdf(x, alpha).numpy(), st.dirichlet.pdf(x, alpha), rtol=1e-12
        )
        # x must stay on the simplex (as in SciPy): differences through a softmax
        z = np.log(x)
        check_grads(lambda z, a: dirichlet.logpdf(dsp.softmax(z, axis=0), a), z, alpha, order=2)


def test_dirichlet_errors():
    with pytest.raises(ValueError, match=r"dirichlet.logpdf: x must have shape \(K,\).*\(2,\)"):
        dirichlet.logpdf([0.5, 0.5], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="each point of x must sum to 1"):
        dirichlet.logpdf([0.5, 0.6, 0.1], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="alpha must be positive"):
        dirichlet.logpdf([0.5, 0.5], [1.0, -2.0])


# --- multivariate normal ------------------------------------------------------------------


def _spd(a):
    return a @ np.swapaxes(a, -1, -2) + a.shape[-1] * np.eye(a.shape[-1])


def test_multivariate_normal_values(rng):
    d = 3
    a, mean = rng.uniform(-1, 1, (d, d)), rng.uniform(-1, 1, d)
    cov, x = _spd(a), rng.uniform(-2, 2, (5, d))
    ref = st.multivariate_normal
    for args in [(x, mean, cov), (x[0], mean, cov), (x[:1], mean, cov), (x, None, cov),
                 (x, mean, np.diag(cov)), (x, mean, 2.0), (0.3, 0.0, 2.0), (x[:, 0], 0.0, 2.0),
                 (x, mean)]:  # fmt: skip
        got = multivariate_normal.logpdf(*args).numpy()
        np.testing.assert_allclose(got, ref.logpdf(*args), rtol=1e-12)
        assert np.shape(got) == np.shape(ref.logpdf(*args))
    np.testing.assert_allclose(
        multivariate_normal.pdf(x, mean, cov).numpy(), ref.pdf(x, mean, cov), rtol=1e-12
    )
    np.testing.assert_allclose(
        multivariate_normal.entropy(mean, cov).numpy(), ref.entropy(mean, cov), rtol=1e-12
    )
    # a stack of covariances, broadcast against the points
    covs = np.stack([cov, 2 * cov])
    got = multivariate_normal.logpdf(x[:, None, :], mean, covs).numpy()
    expected = np.stack([ref.logpdf(x, mean, c) for c in covs], axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_multivariate_normal_derivatives(rng):
    d = 3
    a, mean, x = rng.uniform(-1, 1, (d, d)), rng.uniform(-1, 1, d), rng.uniform(-2, 2, (4, d))

    def logpdf(x, mean, a):  # a symmetric parametrisation of cov (see deltagrad.linalg)
        return multivariate_normal.logpdf(x, mean, a @ np.swapaxes(a, -1, -2) + d * np.eye(d))

    check_grads(logpdf, x, mean, a, order=2)
    check_grads(lambda a: multivariate_normal.entropy(None, _spd_tensor(a)), a, order=2)


def _spd_tensor(a):
    return a @ np.swapaxes(a, -1, -2) + a.shape[-1] * np.eye(a.shape[-1])


def test_multivariate_normal_errors():
    mvn = multivariate_normal
    with pytest.raises(
        ValueError, match=r"cov of shape \(2, 2\) does not fit mean of shape \(3,\)"
    ):
        mvn.logpdf(np.zeros(3), np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match=r"x of shape \(4, 2\) does not fit dimension 3"):
        mvn.logpdf(np.zeros((4, 2)), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="cholesky.*positive definite"):
        mvn.logpdf(np.zeros(2), np.zeros(2), -np.eye(2))
    with pytest.raises(NotImplementedError, match="allow_singular=True is not supported"):
        mvn.logpdf(np.zeros(2), np.zeros(2), np.eye(2), allow_singular=True)


# --- against autograd -------------------------------------------------------------------------


def test_univariate_match_autograd(rng):
    pytest.importorskip("autograd")
    import _agcheck
    import autograd.scipy.stats as ast

    x, loc, scale = _draw(rng, (-2, 2)), _draw(rng, (-0.5, 0.5)), _draw(rng, (0.8, 1.6))
    df, a = _draw(rng, (1.5, 5.0)), _draw(rng, POS)
    xp, x01 = _draw(rng, (0.6, 3.0)), _draw(rng, (0.1, 0.9))
    for fn in ("logpdf", "pdf", "cdf", "logcdf"):
        _agcheck.crosscheck(getattr(norm, fn), getattr(ast.norm, fn), [x, loc, scale])
    for fn in ("logpdf", "pdf"):
        _agcheck.crosscheck(getattr(t, fn), getattr(ast.t, fn), [x, df, loc, scale])
        _agcheck.crosscheck(getattr(gamma, fn), getattr(ast.gamma, fn), [xp, a])
        # autograd's chi2: a gradient in x only, and only for whole df (0 otherwise)
        _agcheck.crosscheck(
            lambda x, fn=fn: getattr(chi2, fn)(x, 3.0),
            lambda x, fn=fn: getattr(ast.chi2, fn)(x, 3.0),
            [xp],
        )
        _agcheck.crosscheck(getattr(beta, fn), getattr(ast.beta, fn), [x01, a, df])
    # autograd's CDFs: in x (and loc) only, first derivatives
    _agcheck.crosscheck(lambda x: t.cdf(x, df), lambda x: ast.t.cdf(x, df), [x], hvp=False)
    _agcheck.crosscheck(lambda x: gamma.cdf(x, a), lambda x: ast.gamma.cdf(x, a), [xp], hvp=False)
    _agcheck.crosscheck(
        lambda x: beta.cdf(x, a, df), lambda x: ast.beta.cdf(x, a, df), [x01], hvp=False
    )


def test_discrete_and_dirichlet_match_autograd(rng):
    pytest.importorskip("autograd")
    import _agcheck
    import autograd.scipy.stats as ast

    k, mu = np.array([0.0, 1.0, 4.0]), _draw(rng, (0.5, 4.0), (3,))
    for fn in ("logpmf", "pmf", "cdf"):
        _agcheck.crosscheck(
            lambda mu, fn=fn: getattr(poisson, fn)(k, mu),
            lambda mu, fn=fn: getattr(ast.poisson, fn)(k, mu),
            [mu],
            hvp=fn != "cdf",
        )
    x, alpha = rng.dirichlet([1.5, 2.0, 3.0]), np.array([1.5, 2.0, 3.0])
    for fn in ("logpdf", "pdf"):
        _agcheck.crosscheck(getattr(dirichlet, fn), getattr(ast.dirichlet, fn), [x, alpha])


def test_multivariate_normal_matches_autograd(rng):
    pytest.importorskip("autograd")
    import _agcheck
    import autograd.scipy.stats.multivariate_normal as amvn

    d = 3
    x, mean = rng.uniform(-2, 2, (4, d)), rng.uniform(-1, 1, d)
    cov = _spd(rng.uniform(-1, 1, (d, d)))
    # cov itself (symmetric): autograd's gradient is ½(Σ⁻¹ddᵀΣ⁻¹ − Σ⁻¹), as deltagrad's
    for fn in ("logpdf", "pdf"):
        _agcheck.crosscheck(
            getattr(multivariate_normal, fn), getattr(amvn, fn), [x, mean, cov], hvp=False
        )
    _agcheck.crosscheck(
        lambda x, mean: multivariate_normal.logpdf(x, mean, cov),
        lambda x, mean: amvn.logpdf(x, mean, cov),
        [x, mean],
    )
    _agcheck.crosscheck(
        lambda c: multivariate_normal.entropy(mean, c),
        lambda c: amvn.entropy(mean, c),
        [cov],
        hvp=False,
    )
