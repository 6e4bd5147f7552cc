"""deltagrad.scipy.special's Bessel functions (j0, j1, jn, y0, y1, yn, i0, i1, iv, ive) and
gammasgn: values against scipy.special, first and second derivatives against central finite
differences of SciPy's values in float64 (tests/finite_differences.py), value, gradient and
Hessian-vector product against autograd.scipy.special, the order as a constant, and the errors
for bad input."""

import importlib

import numpy as np
import pytest
import scipy.special as sc

import deltagrad as dg
import deltagrad.scipy.special as sp
import finite_differences as fd

# Points away from the singularity of Y at 0 and from x = 0 (where ive has a kink): x in
# [0.5, 3], and its mirror image for the sign term of ive.
X = np.array([0.55, 0.9, 1.35, 1.9, 2.45, 2.95])
NEG = -X[::-1]

# Reference first derivatives: central differences with the default step 1e-6 (error ~1e-10 for
# values of order one). Second derivatives: the central difference of that central difference
# with step 5e-4 (an effective step 1e-3: truncation ~1e-7, round-off ~1e-9).
H2 = 5e-4
FIRST = {"rtol": 1e-7, "atol": 1e-9}
SECOND = {"rtol": 1e-5, "atol": 1e-6}

# name: (deltagrad's function of x, SciPy's, the points); orders are bound in the lambdas.
CASES = {
    "j0": (sp.j0, sc.j0, X),
    "j1": (sp.j1, sc.j1, X),
    "y0": (sp.y0, sc.y0, X),
    "y1": (sp.y1, sc.y1, X),
    "i0": (sp.i0, sc.i0, X),
    "i1": (sp.i1, sc.i1, X),
    "i0_negative": (sp.i0, sc.i0, NEG),
    "i1_negative": (sp.i1, sc.i1, NEG),
}
for _n in (0, 1, 3, -2):
    CASES[f"jn_{_n}"] = (lambda x, n=_n: sp.jn(n, x), lambda x, n=_n: sc.jn(n, x), X)
    CASES[f"yn_{_n}"] = (lambda x, n=_n: sp.yn(n, x), lambda x, n=_n: sc.yn(n, x), X)
CASES["jn_2.5"] = (lambda x: sp.jn(2.5, x), lambda x: sc.jn(2.5, x), X)  # SciPy's jn is jv
for _v in (0, 1, 3, 2.5, -0.5):
    CASES[f"iv_{_v}"] = (lambda x, v=_v: sp.iv(v, x), lambda x, v=_v: sc.iv(v, x), X)
    CASES[f"ive_{_v}"] = (lambda x, v=_v: sp.ive(v, x), lambda x, v=_v: sc.ive(v, x), X)
for _v in (0, 1, 3):  # negative x: real for whole orders only; ive's −sign(x)·ive term flips
    CASES[f"iv_{_v}_negative"] = (lambda x, v=_v: sp.iv(v, x), lambda x, v=_v: sc.iv(v, x), NEG)
    CASES[f"ive_{_v}_negative"] = (
        lambda x, v=_v: sp.ive(v, x),
        lambda x, v=_v: sc.ive(v, x),
        NEG,
    )


def first_derivative(f, x):
    """d/dx f at every entry of x, by deltagrad (f acts entry by entry)."""
    return np.asarray(dg.grad(lambda x: dg.sum(f(x)))(x))


def second_derivative(f, x):
    """d²/dx² f at every entry of x, by deltagrad: the gradient of the gradient."""
    return np.asarray(dg.grad(lambda x: dg.sum(dg.grad(lambda y: dg.sum(f(y)))(x)))(x))


@pytest.mark.parametrize("name", list(CASES))
def test_values_equal_scipy(name):
    fn, ref, x = CASES[name]
    out = fn(x)
    assert isinstance(out, dg.Tensor)
    np.testing.assert_array_equal(out.numpy(), ref(x))


@pytest.mark.parametrize("name", list(CASES))
def test_first_derivative_matches_finite_differences(name):
    fn, ref, x = CASES[name]
    np.testing.assert_allclose(first_derivative(fn, x), fd.elementwise_derivative(ref, x), **FIRST)


@pytest.mark.parametrize("name", list(CASES))
def test_second_derivative_matches_finite_differences(name):
    fn, ref, x = CASES[name]
    numeric = fd.elementwise_derivative(lambda y: fd.elementwise_derivative(ref, y), x, h=H2)
    np.testing.assert_allclose(second_derivative(fn, x), numeric, **SECOND)


def test_third_derivative_of_ive_matches_finite_differences():
    """The rules are recorded ops all the way down: the derivative of the second derivative
    (checked above against SciPy's values) is its central difference."""

    def d2(x):
        return dg.grad(lambda y: dg.sum(dg.grad(lambda z: dg.sum(sp.ive(1, z)))(y)))(x)

    for x in (X, NEG):
        numeric = fd.elementwise_derivative(lambda y: np.asarray(d2(y)), x)
        np.testing.assert_allclose(first_derivative(d2, x), numeric, rtol=1e-6, atol=1e-8)


def test_orders_broadcast_and_their_gradient_is_summed():
    orders = np.array([[0], [1], [3]])
    for dg_fn, sc_fn in ((sp.jn, sc.jn), (sp.yn, sc.yn), (sp.iv, sc.iv), (sp.ive, sc.ive)):
        np.testing.assert_array_equal(dg_fn(orders, X).numpy(), sc_fn(orders, X))
        grad = np.asarray(dg.grad(lambda x, f=dg_fn: dg.sum(f(orders, x)))(X))
        numeric = sum(
            fd.elementwise_derivative(lambda x, n=n, f=sc_fn: f(n, x), X) for n in (0, 1, 3)
        )
        np.testing.assert_allclose(grad, numeric, **FIRST)


def test_the_order_is_a_constant():
    """As in autograd: the gradient with respect to the order is zero, not an error."""
    for fn in (sp.jn, sp.yn, sp.iv, sp.ive):
        assert float(dg.grad(lambda n, f=fn: f(n, 1.3))(2.0)) == 0.0
    assert float(dg.grad(lambda n: sp.yn(n, 1.3) * n)(2.0)) == pytest.approx(sc.yn(2, 1.3))


# --- gammasgn ----------------------------------------------------------------------------------

G = np.array([-3.5, -2.25, -1.5, -0.5, 0.25, 1.0, 2.5, 7.0])


def test_gammasgn_values_equal_scipy():
    out = sp.gammasgn(G)
    np.testing.assert_array_equal(out.numpy(), sc.gammasgn(G))
    np.testing.assert_array_equal(out.numpy(), np.sign(sc.gamma(G)))
    poles = np.array([-1.0, -2.0])
    np.testing.assert_array_equal(sp.gammasgn(poles).numpy(), sc.gammasgn(poles))  # NaN


def test_gammasgn_derivatives_are_zero():
    zero = np.zeros_like(G)
    np.testing.assert_array_equal(fd.elementwise_derivative(sc.gammasgn, G), zero)
    g1, g2 = first_derivative(sp.gammasgn, G), second_derivative(sp.gammasgn, G)
    for g in (g1, g2):
        assert g.shape == G.shape
        np.testing.assert_array_equal(g, zero)
    # it composes: d/dx [gammasgn(x)·x²] = gammasgn(x)·2x
    g = dg.grad(lambda x: dg.sum(sp.gammasgn(x) * x * x))(G)
    np.testing.assert_array_equal(np.asarray(g), sc.gammasgn(G) * 2 * G)


# --- against autograd ----------------------------------------------------------------------------

AG_UNARY = ["j0", "j1", "y0", "y1", "i0", "i1", "gammasgn"]
AG_ORDERS = [("jn", 0), ("jn", 1), ("jn", 3), ("yn", 0), ("yn", 1), ("yn", 3)]
AG_ORDERS += [(name, v) for name in ("iv", "ive") for v in (0, 1, 3, 2.5)]


@pytest.mark.parametrize("name", AG_UNARY)
def test_unary_matches_autograd(name):
    pytest.importorskip("autograd")
    import _agcheck
    import autograd.scipy.special as asp

    x = G if name == "gammasgn" else X
    _agcheck.crosscheck(getattr(sp, name), getattr(asp, name), [x])


@pytest.mark.parametrize(("name", "order"), AG_ORDERS)
def test_order_functions_match_autograd(name, order):
    pytest.importorskip("autograd")
    import _agcheck
    import autograd.scipy.special as asp

    dg_fn, ag_fn = getattr(sp, name), getattr(asp, name)
    points = (
        [X] if name in ("jn", "yn") or order != int(order) else [X, NEG, np.concatenate([NEG, X])]
    )
    for x in points:
        _agcheck.crosscheck(lambda x: dg_fn(order, x), lambda x: ag_fn(order, x), [x])


NAMES = ["j0", "j1", "jn", "y0", "y1", "yn", "i0", "i1", "iv", "ive", "gammasgn"]


def test_every_autograd_name_is_here_and_in_the_compat_layer():
    pytest.importorskip("autograd")
    import autograd.scipy.special as asp

    # every function of scipy.special that autograd differentiates is in deltagrad's
    wrapped = {n for n, f in vars(asp).items() if callable(f) and callable(getattr(sc, n, None))}
    assert set(NAMES) <= wrapped and wrapped <= set(sp.__all__), wrapped - set(sp.__all__)
    compat = importlib.import_module("deltagrad.compat.autograd.scipy.special")
    for name in NAMES:
        assert name in sp.__all__, name
        fn = getattr(compat, name)
        args = (1.3,) if name not in ("jn", "yn", "iv", "ive") else (2, 1.3)
        out = fn(*args)  # autograd's return types: NumPy values on plain values
        assert isinstance(out, (np.ndarray, np.generic)) and not isinstance(out, dg.Tensor), name
        np.testing.assert_array_equal(out, getattr(sc, name)(*args))


# --- bad input -----------------------------------------------------------------------------------

UNARY_FNS = [sp.j0, sp.j1, sp.y0, sp.y1, sp.i0, sp.i1, sp.gammasgn]
ORDER_FNS = [sp.jn, sp.yn, sp.iv, sp.ive]
BAD = [1.0 + 2.0j, np.array([0.5, 1.0 + 1.0j]), "1.5", ["a", "b"]]


@pytest.mark.parametrize("bad", BAD, ids=["complex", "complex_array", "string", "strings"])
def test_bad_input_is_a_type_error_naming_the_function(bad):
    for fn in UNARY_FNS:
        with pytest.raises(TypeError, match=rf"^{fn.__name__}: unsupported dtype"):
            fn(bad)
    for fn in ORDER_FNS:
        with pytest.raises(TypeError, match=rf"^{fn.__name__}: unsupported dtype"):
            fn(1, bad)  # the argument
        with pytest.raises(TypeError, match=rf"^{fn.__name__}: unsupported dtype"):
            fn(bad, 1.5)  # the order


def test_yn_refuses_an_order_that_is_not_whole():
    """SciPy would truncate it, with a warning; deltagrad says so."""
    for n in (1.5, np.array([1.0, 2.5]), np.nan, np.inf):
        with pytest.raises(ValueError, match="yn: the order n must be whole numbers"):
            sp.yn(n, 1.3)
    np.testing.assert_array_equal(sp.yn(np.array([1.0, 2.0]), 1.3).numpy(), sc.yn([1, 2], 1.3))
