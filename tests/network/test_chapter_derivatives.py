"""SPEC 7.2: the chapter's derivative rules and worked losses, three ways:
the analytic formula = the tape = a central finite difference, at several sample points."""

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd


def tape_partials(f, *values):
    ts = [dg.constant(float(v)) for v in values]
    with dg.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return [None if g is None else float(g) for g in tape.gradient(y, ts)]


def fd_partials(f, *values):
    partials = fd.gradients(lambda *xs: float(f(*map(dg.constant, xs))), *values)
    return [float(p) for p in partials]


def three_way(f, values, expected, rtol=1e-7):
    tape = tape_partials(f, *values)
    numeric = fd_partials(f, *values)
    for t, n, e in zip(tape, numeric, expected):
        assert t == pytest.approx(e, rel=1e-12, abs=1e-12)
        assert n == pytest.approx(e, rel=rtol, abs=1e-7)


XS = [0.3, 1.0, 2.5]
XS_ANY = [-1.7, 0.4, 2.2]


# --- single-variable rules ----------------------------------------------------------------------


@pytest.mark.parametrize("x", XS_ANY)
def test_constant_rule(x):
    t = dg.constant(x)
    with dg.GradientTape() as tape:
        tape.watch(t)
        y = dg.constant(5.0) + 0 * t
    assert float(tape.gradient(y, t)) == 0.0
    with dg.GradientTape() as tape:
        tape.watch(t)
        y = dg.constant(5.0) * 2
    assert tape.gradient(y, t, unconnected_gradients="zero").numpy() == 0.0


@pytest.mark.parametrize("a, c", [(3.0, 1.0), (-0.5, 2.0)])
@pytest.mark.parametrize("x", XS_ANY)
def test_linear_rule(x, a, c):
    three_way(lambda t: a * t + c, [x], [a])


@pytest.mark.parametrize("a", [2.0, 3.0, 0.5, -1.0, 1.7])
@pytest.mark.parametrize("x", XS)
def test_power_rule(x, a):
    three_way(lambda t: t**a, [x], [a * x ** (a - 1)])


@pytest.mark.parametrize("a", [2.0, np.e, 0.5, 10.0])
@pytest.mark.parametrize("x", XS_ANY)
def test_exponential_rule(x, a):
    three_way(lambda t: dg.constant(a) ** t, [x], [a**x * np.log(a)])


@pytest.mark.parametrize("a", [2.0, np.e, 10.0])
@pytest.mark.parametrize("x", XS)
def test_logarithm_rule(x, a):
    three_way(lambda t: dg.log(t) / np.log(a), [x], [1 / (x * np.log(a))])


# --- combination rules: f = x², g = e^x at several x ---------------------------------------------


def f_(t):
    return t**2


def g_(t):
    return dg.exp(t)


@pytest.mark.parametrize("x", XS_ANY)
def test_sum_rule(x):
    three_way(lambda t: f_(t) + g_(t), [x], [2 * x + np.exp(x)])


@pytest.mark.parametrize("x", XS_ANY)
def test_product_rule(x):
    three_way(lambda t: f_(t) * g_(t), [x], [2 * x * np.exp(x) + x**2 * np.exp(x)])


@pytest.mark.parametrize("x", XS_ANY)
def test_quotient_rule(x):
    expected = (2 * x * np.exp(x) - x**2 * np.exp(x)) / np.exp(x) ** 2
    three_way(lambda t: f_(t) / g_(t), [x], [expected])


@pytest.mark.parametrize("x", XS_ANY)
def test_chain_rule(x):
    # f(g(x)) with f = tanh, g = x²: f'(g(x))·g'(x) = (1 − tanh²(x²))·2x
    three_way(lambda t: dg.tanh(t**2), [x], [(1 - np.tanh(x**2) ** 2) * 2 * x])


# --- the four worked losses ---------------------------------------------------------------------

POINTS = [(1.0, 2.0, 0.5), (-0.7, 0.3, 1.2), (2.0, -1.5, -0.4)]  # (x, w, b)


@pytest.mark.parametrize("x, w, b", POINTS)
def test_loss_x_w2_plus_b2(x, w, b):
    three_way(lambda w_, b_: x * w_**2 + b_**2, [w, b], [2 * x * w, 2 * b])


@pytest.mark.parametrize("x, w, b", POINTS)
def test_loss_x_exp_w_plus_exp_b(x, w, b):
    three_way(lambda w_, b_: x * dg.exp(w_) + dg.exp(b_), [w, b], [x * np.exp(w), np.exp(b)])


@pytest.mark.parametrize("y", [0.0, 1.5])
@pytest.mark.parametrize("x, w, b", POINTS)
def test_loss_squared_error(x, w, b, y):
    r = x * w + b - y
    three_way(lambda w_, b_: ((x * w_ + b_) - y) ** 2, [w, b], [2 * r * x, 2 * r])


@pytest.mark.parametrize("a", [1.0, -2.0])
@pytest.mark.parametrize("x, w, b", [(1.0, 2.0, 0.5), (0.5, 3.0, 1.0), (2.0, 1.5, -0.4)])
def test_loss_a_log(x, w, b, a):
    z = x * w + b  # positive at these points
    three_way(lambda w_, b_: a * dg.log(x * w_ + b_), [w, b], [a * x / z, a / z])


def test_losses_on_arrays_match_the_formulas(rng):
    # The same formulas, element-wise over a batch of points in one tape.
    x, w, b, y = (rng.uniform(0.5, 1.5, size=6) for _ in range(4))
    tw, tb = dg.constant(w), dg.constant(b)
    with dg.GradientTape() as tape:
        tape.watch([tw, tb])
        loss = dg.sum(((x * tw + tb) - y) ** 2)
    gw, gb = tape.gradient(loss, [tw, tb])
    np.testing.assert_allclose(gw.numpy(), 2 * (x * w + b - y) * x, rtol=1e-12)
    np.testing.assert_allclose(gb.numpy(), 2 * (x * w + b - y), rtol=1e-12)
