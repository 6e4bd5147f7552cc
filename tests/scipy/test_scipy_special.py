"""deltagrad.scipy.special: values against scipy.special, first and second derivatives against
central finite differences in float64, value, gradient and Hessian-vector product against
autograd.scipy.special, and the errors for what has no derivative."""

import numpy as np
import pytest
import scipy.special as sc

import deltagrad as dg
import deltagrad.scipy.special as sp
from deltagrad.gradcheck import check_grads

# Inputs on which every function is smooth and finite: (low, high) per argument.
POS = (0.6, 2.5)
ANY = (-2.0, 2.0)
PROB = (0.1, 0.9)

# name: (intervals of the differentiable arguments, fixed leading arguments)
UNARY = {
    "gammaln": POS,
    "gamma": POS,
    "rgamma": POS,
    "digamma": POS,
    "psi": POS,
    "erf": ANY,
    "erfc": ANY,
    "erfinv": (-0.9, 0.9),
    "erfcinv": (0.1, 1.9),
    "ndtr": ANY,
    "log_ndtr": ANY,
    "ndtri": PROB,
    "expit": ANY,
    "log_expit": ANY,
    "logit": PROB,
}
BINARY = {"beta": (POS, POS), "betaln": (POS, POS), "xlogy": (ANY, POS), "xlog1py": (ANY, POS)}


def draw(rng, interval, shape=(4,)):
    return rng.uniform(*interval, size=shape)


def _reference(name):
    return getattr(sc, name)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_values_and_derivatives(rng, name):
    x = draw(rng, UNARY[name], (2, 3))
    fn = getattr(sp, name)
    np.testing.assert_allclose(fn(x).numpy(), _reference(name)(x), rtol=1e-13)
    check_grads(fn, x, order=2)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_values_and_derivatives(rng, name):
    ia, ib = BINARY[name]
    a, b = draw(rng, ia, (2, 3)), draw(rng, ib, (3,))  # broadcast
    fn = getattr(sp, name)
    np.testing.assert_allclose(fn(a, b).numpy(), _reference(name)(a, b), rtol=1e-13)
    check_grads(fn, a, b, order=2)


def test_polygamma_nests(rng):
    x = draw(rng, POS)
    for n in (0, 1, 2):
        np.testing.assert_allclose(sp.polygamma(n, x).numpy(), sc.polygamma(n, x), rtol=1e-13)
        check_grads(lambda x, n=n: sp.polygamma(n, x), x, order=2)
    # ψ' is polygamma(1, ·): the second derivative of gammaln
    h = dg.hessian(lambda x: dg.sum(sp.gammaln(x)))(x)
    np.testing.assert_allclose(np.diag(np.asarray(h)), sc.polygamma(1, x), rtol=1e-12)
    orders = np.array([0, 1, 2, 3])
    np.testing.assert_allclose(sp.polygamma(orders, x).numpy(), sc.polygamma(orders, x))


def test_multigammaln(rng):
    a = draw(rng, (1.5, 3.0))
    np.testing.assert_allclose(sp.multigammaln(a, 3).numpy(), sc.multigammaln(a, 3), rtol=1e-13)
    check_grads(lambda a: sp.multigammaln(a, 3), a, order=2)


def test_incomplete_functions_are_differentiable_in_x(rng):
    a, b, x, p = draw(rng, POS), draw(rng, POS), draw(rng, POS), draw(rng, PROB)
    k = np.array([0.0, 1.0, 3.0, 6.0])
    cases = [
        (lambda x: sp.gammainc(a, x), sc.gammainc(a, x), x),
        (lambda x: sp.gammaincc(a, x), sc.gammaincc(a, x), x),
        (lambda p: sp.betainc(a, b, p), sc.betainc(a, b, p), p),
        (lambda x: sp.stdtr(a + 1.0, x - 1.0), sc.stdtr(a + 1.0, x - 1.0), x),
        (lambda m: sp.pdtr(k, m), sc.pdtr(k, x), x),
    ]
    for fn, expected, arg in cases:
        np.testing.assert_allclose(fn(arg).numpy(), expected, rtol=1e-12)
        check_grads(fn, arg, order=2)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda v: sp.gammainc(v, 1.0), "gammainc: no derivative with respect to a"),
        (lambda v: sp.gammaincc(v, 1.0), "gammaincc: no derivative with respect to a"),
        (lambda v: sp.betainc(v, 2.0, 0.5), "betainc: no derivative with respect to a"),
        (lambda v: sp.betainc(2.0, v, 0.5), "betainc: no derivative with respect to b"),
        (lambda v: sp.stdtr(v, 0.5), "stdtr: no derivative with respect to df"),
    ],
)
def test_a_missing_derivative_names_the_argument(fn, message):
    with pytest.raises(NotImplementedError, match=message):
        dg.grad(fn)(1.5)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="polygamma: the order n must be whole numbers"):
        sp.polygamma(1.5, 2.0)
    with pytest.raises(ValueError, match="polygamma: the order n must be non-negative"):
        sp.polygamma(-1, 2.0)
    with pytest.raises(ValueError, match="multigammaln: d must be a positive integer"):
        sp.multigammaln(2.0, 0)
    with pytest.raises(ValueError, match=r"multigammaln: every entry of a must be greater"):
        sp.multigammaln(0.9, 3)
    with pytest.raises(ValueError, match="logsumexp: axis 2 is out of bounds"):
        sp.logsumexp(np.ones((2, 3)), axis=2, b=np.ones(3))


# --- logsumexp, softmax ----------------------------------------------------------------------

LSE_CASES = [
    {},
    {"axis": 1},
    {"axis": 0, "keepdims": True},
    {"axis": (0, 1)},
    {"b": "positive"},
    {"b": "positive", "axis": -1, "keepdims": True},
    {"b": "signed", "axis": 1, "return_sign": True},
    {"b": "column", "axis": 0},
]


def _weights(kind, rng):
    return {
        "positive": rng.uniform(0.2, 2.0, size=(3, 4)),
        "signed": rng.uniform(0.2, 2.0, size=(3, 4)) * np.array([1.0, -1.0, 1.0, -1.0]),
        "column": rng.uniform(0.2, 2.0, size=(3, 1)),
    }[kind]


@pytest.mark.parametrize(
    "kw", LSE_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items())
)
def test_logsumexp_matches_scipy(rng, kw):
    a = rng.uniform(-2.0, 2.0, size=(3, 4))
    kw = dict(kw)
    if "b" in kw:
        kw["b"] = _weights(kw["b"], rng)
    got, expected = sp.logsumexp(a, **kw), sc.logsumexp(a, **kw)
    if kw.get("return_sign"):
        np.testing.assert_allclose(got[0].numpy(), expected[0], rtol=1e-13)
        np.testing.assert_array_equal(got[1].numpy(), expected[1])
        fn = lambda a, b: sp.logsumexp(a, b=b, axis=1, return_sign=True)[0]  # noqa: E731
        check_grads(fn, a, kw["b"], order=2)
        return
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-13)
    if "b" in kw:
        b = kw.pop("b")
        check_grads(lambda a, b: sp.logsumexp(a, b=b, **kw), a, b, order=2)
    else:
        check_grads(lambda a: sp.logsumexp(a, **kw), a, order=2)


def test_logsumexp_edges():
    # a negative sum is NaN without return_sign (as SciPy), a zero sum −inf, and −inf rows stay
    # −inf; no warnings (the suite turns warnings into errors)
    out = sp.logsumexp([0.0, 1.0], b=[1.0, -1.0]).numpy()
    assert np.isnan(out)
    out, sign = sp.logsumexp([0.0, 0.0], b=[1.0, -1.0], return_sign=True)
    assert out.numpy() == -np.inf and sign.numpy() == 0
    assert sp.logsumexp([-np.inf, -np.inf], b=[1.0, 1.0]).numpy() == -np.inf
    # weights of zero contribute nothing, and get the gradient e^(a − logsumexp)
    g = dg.grad(lambda b: sp.logsumexp(np.array([0.0, 1.0]), b=b))(np.array([1.0, 0.0]))
    np.testing.assert_allclose(np.asarray(g), np.exp([0.0, 1.0]), rtol=1e-14)


def test_softmax_and_log_softmax(rng):
    x = rng.uniform(-2.0, 2.0, size=(3, 4))
    for axis in (None, 0, 1):
        np.testing.assert_allclose(sp.softmax(x, axis).numpy(), sc.softmax(x, axis), rtol=1e-13)
        np.testing.assert_allclose(
            sp.log_softmax(x, axis).numpy(), sc.log_softmax(x, axis), rtol=1e-13
        )
    check_grads(lambda x: sp.softmax(x, axis=0), x, order=2)


# --- against autograd -------------------------------------------------------------------------

AG_UNARY = ["gammaln", "gamma", "rgamma", "digamma", "psi", "erf", "erfc", "erfinv",
            "erfcinv", "expit", "logit"]  # fmt: skip


@pytest.mark.parametrize("name", AG_UNARY)
def test_unary_matches_autograd(rng, name):
    pytest.importorskip("autograd")
    import _agcheck
    import autograd.scipy.special as asp

    _agcheck.crosscheck(getattr(sp, name), getattr(asp, name), [draw(rng, UNARY[name], (5,))])


def test_others_match_autograd(rng):
    pytest.importorskip("autograd")
    import _agcheck
    import autograd.scipy.special as asp

    a, b, x = draw(rng, POS, (3, 2)), draw(rng, POS, (2,)), draw(rng, POS, (3, 2))
    _agcheck.crosscheck(sp.beta, asp.beta, [a, b])
    _agcheck.crosscheck(sp.betaln, asp.betaln, [a, b])
    _agcheck.crosscheck(lambda x: sp.polygamma(2, x), lambda x: asp.polygamma(2, x), [x])
    _agcheck.crosscheck(
        lambda x: sp.multigammaln(x + 1.0, 2), lambda x: asp.multigammaln(x + 1.0, 2), [x]
    )
    _agcheck.crosscheck(lambda x: sp.gammainc(a, x), lambda x: asp.gammainc(a, x), [x], hvp=False)
    _agcheck.crosscheck(lambda x: sp.gammaincc(a, x), lambda x: asp.gammaincc(a, x), [x], hvp=False)
    for kw in ({"axis": 1}, {"axis": 0, "keepdims": True}):
        _agcheck.crosscheck(
            lambda x, kw=kw: sp.logsumexp(x, **kw), lambda x, kw=kw: asp.logsumexp(x, **kw), [x]
        )
    w = draw(rng, POS, (3, 2))
    _agcheck.crosscheck(
        lambda x: sp.logsumexp(x, axis=0, b=w), lambda x: asp.logsumexp(x, axis=0, b=w), [x]
    )
