"""Every primitive against central finite differences (float64), over the shapes
(), (4,), (3, 4), (1, 4), their broadcasting pairs and the reduction axes; kink conventions;
dtypes; error messages for bad input; numerical stability at |x| = 1000."""

import itertools
import math

import numpy as np
import pytest

import deltagrad as dg
from deltagrad.gradcheck import check_grads

SHAPES = [(), (4,), (3, 4), (1, 4)]
SHAPE_IDS = {(): "scalar", (4,): "4", (3, 4): "3x4", (1, 4): "1x4"}


def sid(shape):
    return SHAPE_IDS.get(shape, "x".join(map(str, shape)))


# --- input samplers: each op is checked on its own domain, away from kinks ---------------------


def anywhere(rng, shape):
    return rng.uniform(-2.0, 2.0, size=shape)


def positive(rng, shape):
    return rng.uniform(0.5, 3.0, size=shape)


def away_from_zero(rng, shape):
    return rng.uniform(0.3, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def distinct(rng, shape):
    """Values at least 0.1 apart, so that max/maximum have no ties within eps."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.4 + rng.uniform(0, 0.01, size=n)).reshape(shape)


def within_unit(rng, shape):
    """(−0.9, 0.9): arcsin, arccos, arctanh."""
    return rng.uniform(-0.9, 0.9, size=shape)


def above_one(rng, shape):
    """(1.2, 3): arccosh."""
    return rng.uniform(1.2, 3.0, size=shape)


def within_tan(rng, shape):
    """(−1.2, 1.2): tan, away from its poles at ±π/2."""
    return rng.uniform(-1.2, 1.2, size=shape)


def above_minus_one(rng, shape):
    """(−0.7, 3): log1p."""
    return rng.uniform(-0.7, 3.0, size=shape)


def off_integers(rng, shape):
    """Fractional parts in [0.1, 0.4] ∪ [0.6, 0.9]: away from floor/ceil/round's jumps."""
    frac = rng.uniform(0.1, 0.4, size=shape) + rng.choice([0.0, 0.5], size=shape)
    return rng.integers(-3, 3, size=shape) + frac


CLIP_LO, CLIP_HI = -0.5, 0.7


def off_clip_bounds(rng, shape):
    """Below, inside and above [CLIP_LO, CLIP_HI], at least 0.1 from both bounds."""
    lows, highs = np.array([-2.0, -0.4, 0.8]), np.array([-0.6, 0.6, 2.0])
    k = rng.integers(0, 3, size=shape)
    return rng.uniform(lows[k], highs[k])


def tape_grad(f, *xs):
    """Gradients of f at the given arrays, via one tape (no finite differences)."""
    ts = [dg.constant(x) for x in xs]
    with dg.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return y, tape.gradient(y, ts)


# --- unary ops ---------------------------------------------------------------------------------

UNARY = [
    pytest.param(dg.exp, anywhere, id="exp"),
    pytest.param(dg.log, positive, id="log"),
    pytest.param(dg.sqrt, positive, id="sqrt"),
    pytest.param(dg.abs, away_from_zero, id="abs"),
    pytest.param(abs, away_from_zero, id="builtin_abs"),
    pytest.param(dg.square, anywhere, id="square"),
    pytest.param(dg.tanh, anywhere, id="tanh"),
    pytest.param(dg.sigmoid, anywhere, id="sigmoid"),
    pytest.param(dg.relu, away_from_zero, id="relu"),
    pytest.param(dg.leaky_relu, away_from_zero, id="leaky_relu_default"),
    pytest.param(lambda x: dg.leaky_relu(x, alpha=0.2), away_from_zero, id="leaky_relu_0.2"),
    pytest.param(lambda x: -x, anywhere, id="neg"),
    pytest.param(lambda x: x**2, anywhere, id="pow2"),
    pytest.param(lambda x: x**3, anywhere, id="pow3"),
    pytest.param(lambda x: x**0.5, positive, id="pow_half"),
    pytest.param(lambda x: x**-1.5, positive, id="pow_neg"),
    pytest.param(lambda x: 2.0**x, anywhere, id="rpow"),
    pytest.param(lambda x: 1.0 / x, away_from_zero, id="rdiv"),
    pytest.param(lambda x: 3.0 - x, anywhere, id="rsub"),
    pytest.param(lambda x: np.exp(x), anywhere, id="np_exp_ufunc"),
    pytest.param(lambda x: np.tanh(np.sqrt(x)), positive, id="np_tanh_sqrt_ufunc"),
    pytest.param(lambda x: np.log(x), positive, id="np_log_ufunc"),
    pytest.param(dg.sin, anywhere, id="sin"),
    pytest.param(dg.cos, anywhere, id="cos"),
    pytest.param(dg.tan, within_tan, id="tan"),
    pytest.param(dg.arcsin, within_unit, id="arcsin"),
    pytest.param(dg.arccos, within_unit, id="arccos"),
    pytest.param(dg.arctan, anywhere, id="arctan"),
    pytest.param(dg.sinh, anywhere, id="sinh"),
    pytest.param(dg.cosh, anywhere, id="cosh"),
    pytest.param(dg.arcsinh, anywhere, id="arcsinh"),
    pytest.param(dg.arccosh, above_one, id="arccosh"),
    pytest.param(dg.arctanh, within_unit, id="arctanh"),
    pytest.param(dg.erf, anywhere, id="erf"),
    pytest.param(dg.log1p, above_minus_one, id="log1p"),
    pytest.param(dg.expm1, anywhere, id="expm1"),
    pytest.param(dg.log2, positive, id="log2"),
    pytest.param(dg.log10, positive, id="log10"),
    pytest.param(dg.exp2, anywhere, id="exp2"),
    pytest.param(dg.reciprocal, away_from_zero, id="reciprocal"),
    pytest.param(dg.floor, off_integers, id="floor"),
    pytest.param(dg.ceil, off_integers, id="ceil"),
    pytest.param(dg.sign, away_from_zero, id="sign"),
    pytest.param(dg.softplus, anywhere, id="softplus"),
    pytest.param(dg.round, off_integers, id="round"),
    pytest.param(lambda x: dg.round(x * 10.0, decimals=-1), off_integers, id="round_decimals"),
    pytest.param(lambda x: dg.clip(x, CLIP_LO, CLIP_HI), off_clip_bounds, id="clip"),
    pytest.param(lambda x: dg.clip(x, a_min=CLIP_LO), off_clip_bounds, id="clip_lower"),
    pytest.param(lambda x: dg.clip(x, a_max=CLIP_HI), off_clip_bounds, id="clip_upper"),
    pytest.param(dg.absolute, away_from_zero, id="absolute"),
    pytest.param(lambda x: x * dg.floor(x), off_integers, id="x_times_floor"),
    pytest.param(np.sin, anywhere, id="np_sin_ufunc"),
    pytest.param(np.cos, anywhere, id="np_cos_ufunc"),
    pytest.param(np.tan, within_tan, id="np_tan_ufunc"),
    pytest.param(np.arcsin, within_unit, id="np_arcsin_ufunc"),
    pytest.param(np.arccos, within_unit, id="np_arccos_ufunc"),
    pytest.param(np.arctan, anywhere, id="np_arctan_ufunc"),
    pytest.param(np.sinh, anywhere, id="np_sinh_ufunc"),
    pytest.param(np.cosh, anywhere, id="np_cosh_ufunc"),
    pytest.param(np.arcsinh, anywhere, id="np_arcsinh_ufunc"),
    pytest.param(np.arccosh, above_one, id="np_arccosh_ufunc"),
    pytest.param(np.arctanh, within_unit, id="np_arctanh_ufunc"),
    pytest.param(np.log1p, above_minus_one, id="np_log1p_ufunc"),
    pytest.param(np.expm1, anywhere, id="np_expm1_ufunc"),
    pytest.param(np.log2, positive, id="np_log2_ufunc"),
    pytest.param(np.log10, positive, id="np_log10_ufunc"),
    pytest.param(np.exp2, anywhere, id="np_exp2_ufunc"),
    pytest.param(np.reciprocal, away_from_zero, id="np_reciprocal_ufunc"),
    pytest.param(np.floor, off_integers, id="np_floor_ufunc"),
    pytest.param(np.ceil, off_integers, id="np_ceil_ufunc"),
    pytest.param(np.sign, away_from_zero, id="np_sign_ufunc"),
    pytest.param(lambda x: np.clip(x, CLIP_LO, CLIP_HI), off_clip_bounds, id="np_clip"),
    pytest.param(np.round, off_integers, id="np_round"),
    pytest.param(np.around, off_integers, id="np_around"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=sid)
@pytest.mark.parametrize("f, sample", UNARY)
def test_unary_first_order(f, sample, shape, rng):
    check_grads(f, sample(rng, shape))


SECOND_ORDER_UNARY = [
    pytest.param(dg.exp, anywhere, id="exp"),
    pytest.param(dg.log, positive, id="log"),
    pytest.param(dg.tanh, anywhere, id="tanh"),
    pytest.param(dg.sigmoid, anywhere, id="sigmoid"),
    pytest.param(lambda x: x**3, anywhere, id="pow3"),
    pytest.param(lambda x: 1.0 / x, away_from_zero, id="rdiv"),
    pytest.param(lambda x: dg.softmax(x, axis=-1), anywhere, id="softmax"),
    pytest.param(lambda x: dg.log_softmax(x, axis=-1), anywhere, id="log_softmax"),
    pytest.param(dg.sin, anywhere, id="sin"),
    pytest.param(dg.cos, anywhere, id="cos"),
    pytest.param(dg.tan, within_tan, id="tan"),
    pytest.param(dg.arcsin, within_unit, id="arcsin"),
    pytest.param(dg.arccos, within_unit, id="arccos"),
    pytest.param(dg.arctan, anywhere, id="arctan"),
    pytest.param(dg.sinh, anywhere, id="sinh"),
    pytest.param(dg.cosh, anywhere, id="cosh"),
    pytest.param(dg.arcsinh, anywhere, id="arcsinh"),
    pytest.param(dg.arccosh, above_one, id="arccosh"),
    pytest.param(dg.arctanh, within_unit, id="arctanh"),
    pytest.param(dg.erf, anywhere, id="erf"),
    pytest.param(dg.log1p, above_minus_one, id="log1p"),
    pytest.param(dg.expm1, anywhere, id="expm1"),
    pytest.param(dg.log2, positive, id="log2"),
    pytest.param(dg.log10, positive, id="log10"),
    pytest.param(dg.exp2, anywhere, id="exp2"),
    pytest.param(dg.reciprocal, away_from_zero, id="reciprocal"),
    pytest.param(dg.floor, off_integers, id="floor"),
    pytest.param(dg.ceil, off_integers, id="ceil"),
    pytest.param(dg.sign, away_from_zero, id="sign"),
    pytest.param(dg.softplus, anywhere, id="softplus"),
    pytest.param(dg.round, off_integers, id="round"),
    pytest.param(lambda x: x * dg.clip(x, CLIP_LO, CLIP_HI), off_clip_bounds, id="x_times_clip"),
    pytest.param(lambda x: dg.sin(x) * dg.floor(x), off_integers, id="sin_times_floor"),
    pytest.param(lambda x: np.arctan(np.sinh(x)), anywhere, id="np_arctan_sinh_ufunc"),
]


@pytest.mark.parametrize("shape", [(4,), (3, 4)], ids=sid)
@pytest.mark.parametrize("f, sample", SECOND_ORDER_UNARY)
def test_unary_second_order(f, sample, shape, rng):
    check_grads(f, sample(rng, shape), order=2)


@pytest.mark.parametrize(
    "f, fprime",
    [
        pytest.param(dg.exp, np.exp, id="exp"),
        pytest.param(dg.log, lambda x: 1 / x, id="log"),
        pytest.param(dg.sqrt, lambda x: 0.5 / np.sqrt(x), id="sqrt"),
        pytest.param(dg.tanh, lambda x: 1 - np.tanh(x) ** 2, id="tanh"),
        pytest.param(dg.sigmoid, lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, id="sigmoid"),
    ],
)
def test_unary_derivative_formulas(f, fprime, rng):
    x = positive(rng, (5,))
    y, (g,) = tape_grad(f, x)
    np.testing.assert_allclose(g.numpy(), fprime(x), rtol=1e-12)


def test_tanh_derivative_keeps_its_digits_where_tanh_nears_one():
    """sech²(x) = 4 / (eˣ + e⁻ˣ)²: 1 − tanh²(x) would give 0 at x = ±20 and lose about nine
    digits at x = 10; the derivative stays within a few ulps."""
    x = np.array([-20.0, -10.0, 3.0, 10.0, 20.0, 30.0])
    _, (g,) = tape_grad(dg.tanh, x)
    exact = 4.0 / (np.exp(x) + np.exp(-x)) ** 2
    np.testing.assert_allclose(g.numpy(), exact, rtol=1e-14)
    _, (far,) = tape_grad(dg.tanh, np.array([-800.0, 800.0]))  # cosh overflows: no warning
    np.testing.assert_array_equal(far.numpy(), [0.0, 0.0])


def test_tanh_third_derivative():
    """d³/dx³ tanh = −2 sech²(x) (1 − 3 tanh²(x)), through three nested gradients."""
    x = np.array([0.3, -1.2, 2.0, -25.0])

    def d(f):
        return lambda z: dg.grad(lambda y: dg.sum(f(y)))(z)

    sech2 = 4.0 / (np.exp(x) + np.exp(-x)) ** 2
    np.testing.assert_allclose(
        d(d(d(dg.tanh)))(x), -2 * sech2 * (1 - 3 * np.tanh(x) ** 2), rtol=1e-12, atol=1e-300
    )


def test_relu_and_leaky_relu_values(rng):
    x = away_from_zero(rng, (10,))
    np.testing.assert_array_equal(dg.relu(x).numpy(), np.where(x > 0, x, 0.0))
    np.testing.assert_allclose(dg.leaky_relu(x, alpha=0.02).numpy(), np.where(x > 0, x, 0.02 * x))


def test_leaky_relu_integer_input_keeps_the_negative_slope():
    # The chapter's NumPy version returned 0 for negative integers (SPEC 7.3).
    out = dg.leaky_relu(dg.constant([-2, 0, 3]), alpha=0.1)
    np.testing.assert_allclose(out.numpy(), [-0.2, 0.0, 3.0])


@pytest.mark.parametrize("alpha", [0.01, 0.2])
def test_kink_convention_at_exactly_zero(alpha):
    x = np.array([-1.0, 0.0, 1.0])
    _, (g_relu,) = tape_grad(dg.relu, x)
    _, (g_leaky,) = tape_grad(lambda t: dg.leaky_relu(t, alpha=alpha), x)
    np.testing.assert_array_equal(g_relu.numpy(), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(g_leaky.numpy(), [alpha, alpha, 1.0])


def test_kink_at_zero_for_a_scalar():
    _, (g,) = tape_grad(dg.relu, np.float64(0.0))
    assert float(g) == 0.0
    _, (g,) = tape_grad(lambda t: dg.leaky_relu(t, alpha=0.05), np.float64(0.0))
    assert float(g) == pytest.approx(0.05)


def test_abs_derivative_at_zero_is_zero():
    _, (g,) = tape_grad(dg.abs, np.array([-2.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g.numpy(), [-1.0, 0.0, 1.0])


# --- more element-wise functions: values against NumPy (or math), derivatives by formula -------

_math_erf = np.vectorize(math.erf)

ELEMENTWISE_VALUES = [
    pytest.param(dg.sin, np.sin, anywhere, id="sin"),
    pytest.param(dg.cos, np.cos, anywhere, id="cos"),
    pytest.param(dg.tan, np.tan, within_tan, id="tan"),
    pytest.param(dg.arcsin, np.arcsin, within_unit, id="arcsin"),
    pytest.param(dg.arccos, np.arccos, within_unit, id="arccos"),
    pytest.param(dg.arctan, np.arctan, anywhere, id="arctan"),
    pytest.param(dg.sinh, np.sinh, anywhere, id="sinh"),
    pytest.param(dg.cosh, np.cosh, anywhere, id="cosh"),
    pytest.param(dg.arcsinh, np.arcsinh, anywhere, id="arcsinh"),
    pytest.param(dg.arccosh, np.arccosh, above_one, id="arccosh"),
    pytest.param(dg.arctanh, np.arctanh, within_unit, id="arctanh"),
    pytest.param(dg.log1p, np.log1p, above_minus_one, id="log1p"),
    pytest.param(dg.expm1, np.expm1, anywhere, id="expm1"),
    pytest.param(dg.log2, np.log2, positive, id="log2"),
    pytest.param(dg.log10, np.log10, positive, id="log10"),
    pytest.param(dg.exp2, np.exp2, anywhere, id="exp2"),
    pytest.param(dg.reciprocal, np.reciprocal, away_from_zero, id="reciprocal"),
    pytest.param(dg.floor, np.floor, off_integers, id="floor"),
    pytest.param(dg.ceil, np.ceil, off_integers, id="ceil"),
    pytest.param(dg.sign, np.sign, away_from_zero, id="sign"),
    pytest.param(dg.erf, _math_erf, anywhere, id="erf"),
    pytest.param(dg.softplus, lambda x: np.logaddexp(0.0, x), anywhere, id="softplus"),
    pytest.param(dg.round, np.round, off_integers, id="round"),
    pytest.param(
        lambda x: dg.round(x, decimals=1), lambda x: np.round(x, 1), anywhere, id="round_1"
    ),
    pytest.param(
        lambda x: dg.clip(x, CLIP_LO, CLIP_HI),
        lambda x: np.clip(x, CLIP_LO, CLIP_HI),
        anywhere,
        id="clip",
    ),
    pytest.param(dg.absolute, np.absolute, anywhere, id="absolute"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=sid)
@pytest.mark.parametrize("f, np_f, sample", ELEMENTWISE_VALUES)
def test_elementwise_values_match_numpy(f, np_f, sample, shape, rng):
    x = sample(rng, shape)
    out = f(x)
    expected = np_f(x)
    assert isinstance(out, dg.Tensor) and out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "f, fprime, sample",
    [
        pytest.param(dg.sin, np.cos, anywhere, id="sin"),
        pytest.param(dg.cos, lambda x: -np.sin(x), anywhere, id="cos"),
        pytest.param(dg.tan, lambda x: 1 / np.cos(x) ** 2, within_tan, id="tan"),
        pytest.param(dg.arcsin, lambda x: 1 / np.sqrt(1 - x**2), within_unit, id="arcsin"),
        pytest.param(dg.arccos, lambda x: -1 / np.sqrt(1 - x**2), within_unit, id="arccos"),
        pytest.param(dg.arctan, lambda x: 1 / (1 + x**2), anywhere, id="arctan"),
        pytest.param(dg.sinh, np.cosh, anywhere, id="sinh"),
        pytest.param(dg.cosh, np.sinh, anywhere, id="cosh"),
        pytest.param(dg.arcsinh, lambda x: 1 / np.sqrt(x**2 + 1), anywhere, id="arcsinh"),
        pytest.param(dg.arccosh, lambda x: 1 / np.sqrt(x**2 - 1), above_one, id="arccosh"),
        pytest.param(dg.arctanh, lambda x: 1 / (1 - x**2), within_unit, id="arctanh"),
        pytest.param(dg.erf, lambda x: 2 / np.sqrt(np.pi) * np.exp(-(x**2)), anywhere, id="erf"),
        pytest.param(dg.log1p, lambda x: 1 / (1 + x), above_minus_one, id="log1p"),
        pytest.param(dg.expm1, np.exp, anywhere, id="expm1"),
        pytest.param(dg.log2, lambda x: 1 / (x * np.log(2)), positive, id="log2"),
        pytest.param(dg.log10, lambda x: 1 / (x * np.log(10)), positive, id="log10"),
        pytest.param(dg.exp2, lambda x: np.log(2) * 2**x, anywhere, id="exp2"),
        pytest.param(dg.reciprocal, lambda x: -1 / x**2, away_from_zero, id="reciprocal"),
        pytest.param(dg.softplus, lambda x: 1 / (1 + np.exp(-x)), anywhere, id="softplus"),
    ],
)
def test_elementwise_derivative_formulas(f, fprime, sample, rng):
    x = sample(rng, (6,))
    _, (g,) = tape_grad(f, x)
    np.testing.assert_allclose(g.numpy(), fprime(x), rtol=1e-12)


UFUNC_NAMES = [
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "log1p",
    "expm1",
    "log2",
    "log10",
    "exp2",
    "reciprocal",
    "floor",
    "ceil",
    "sign",
]


@pytest.mark.parametrize("name", UFUNC_NAMES)
def test_numpy_ufunc_on_a_tensor_is_recorded(name, rng):
    x = {
        "tan": within_tan,
        "arcsin": within_unit,
        "arccos": within_unit,
        "arctanh": within_unit,
        "arccosh": above_one,
        "log1p": above_minus_one,
        "log2": positive,
        "log10": positive,
        "reciprocal": away_from_zero,
        "floor": off_integers,
        "ceil": off_integers,
        "sign": away_from_zero,
    }.get(name, anywhere)(rng, (3, 4))
    y, (g,) = tape_grad(getattr(np, name), x)
    y_dg, (g_dg,) = tape_grad(getattr(dg, name), x)
    assert isinstance(y, dg.Tensor) and isinstance(g, dg.Tensor)
    np.testing.assert_array_equal(y.numpy(), getattr(np, name)(x))
    np.testing.assert_array_equal(g.numpy(), g_dg.numpy())


def test_reciprocal_of_integers_is_the_true_quotient():
    np.testing.assert_allclose(dg.reciprocal(np.array([1, 2, 4])).numpy(), [1.0, 0.5, 0.25])


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(dg.floor, id="floor"),
        pytest.param(dg.ceil, id="ceil"),
        pytest.param(dg.round, id="round"),
        pytest.param(dg.sign, id="sign"),
        pytest.param(np.floor, id="np_floor"),
        pytest.param(np.ceil, id="np_ceil"),
        pytest.param(np.round, id="np_round"),
        pytest.param(np.sign, id="np_sign"),
    ],
)
def test_piecewise_constant_ops_have_a_zero_gradient(f):
    # Zero, not None, also exactly at the jumps (integers, halves, 0), and they compose.
    x = np.array([-1.5, -1.0, -0.3, 0.0, 0.5, 1.0, 2.5, 2.7])
    _, (g,) = tape_grad(f, x)
    assert g is not None
    np.testing.assert_array_equal(g.numpy(), np.zeros_like(x))
    _, (g,) = tape_grad(lambda t: t * f(t), x)
    np.testing.assert_array_equal(g.numpy(), np.asarray(f(x)))


def test_sign_zero_gradient_with_second_order(rng):
    check_grads(lambda t: dg.sign(t) * t**3, away_from_zero(rng, (4,)), order=2)


def test_clip_gradient_conventions_at_and_beyond_the_bounds():
    # Gradient 1 on the closed interval [a_min, a_max] (also exactly at the bounds), 0 outside.
    x = np.array([-2.0, -0.5, 0.0, 0.7, 2.0])
    y, (g,) = tape_grad(lambda t: dg.clip(t, -0.5, 0.7), x)
    np.testing.assert_array_equal(y.numpy(), [-0.5, -0.5, 0.0, 0.7, 0.7])
    np.testing.assert_array_equal(g.numpy(), [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_with_tensor_bounds_sends_the_gradient_to_the_bound_returned():
    a = np.array([-2.0, -0.5, 0.0, 0.7, 2.0])
    lo, hi = np.full(5, -0.5), np.full(5, 0.7)
    _, (ga, glo, ghi) = tape_grad(dg.clip, a, lo, hi)
    np.testing.assert_array_equal(ga.numpy(), [0.0, 1.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(glo.numpy(), [1.0, 0.0, 0.0, 0.0, 0.0])  # ties go to a
    np.testing.assert_array_equal(ghi.numpy(), [0.0, 0.0, 0.0, 0.0, 1.0])
    # a_min > a_max: the result is a_max everywhere (as NumPy), and so is the gradient
    out, (ga, glo, ghi) = tape_grad(dg.clip, a, np.full(5, 1.0), np.full(5, 0.0))
    np.testing.assert_array_equal(out.numpy(), np.clip(a, 1.0, 0.0))
    np.testing.assert_array_equal(ghi.numpy(), np.ones(5))
    assert not ga.numpy().any() and not glo.numpy().any()


@pytest.mark.parametrize(
    "shapes",
    [((3, 4), (4,), ()), ((4,), (3, 1), (1, 4)), ((), (3, 4), ())],
    ids=lambda s: "-".join(map(sid, s)),
)
def test_clip_broadcasting_bounds_first_and_second_order(shapes, rng):
    a = distinct(rng, shapes[0])
    lo = distinct(rng, shapes[1]) + 0.05 - 0.5
    hi = lo + 0.6 + 0.05 * np.ones(shapes[2])
    out = dg.clip(a, lo, hi)
    np.testing.assert_array_equal(out.numpy(), np.clip(a, lo, hi))
    check_grads(lambda x, lo, hi: dg.clip(x, lo, hi) * x, a, lo, hi, order=2)


def test_clip_accepts_numpy_keywords_min_and_max(rng):
    x = anywhere(rng, (5,))
    np.testing.assert_array_equal(
        np.clip(dg.constant(x), min=-0.5, max=0.5).numpy(), np.clip(x, -0.5, 0.5)
    )
    with pytest.raises(TypeError, match="clip"):
        dg.clip(x, -0.5, min=-0.4)


# --- binary ops, every broadcasting pair ------------------------------------------------------

PAIRS = list(itertools.product(SHAPES, SHAPES))


def pair_id(pair):
    return f"{sid(pair[0])}-{sid(pair[1])}"


def _where(x, y):
    cond = np.resize(
        [True, False, False, True, True], np.broadcast_shapes(np.shape(x), np.shape(y))
    )
    return dg.where(cond, x, y)


BINARY = [
    pytest.param(lambda x, y: x + y, anywhere, anywhere, id="add"),
    pytest.param(lambda x, y: x - y, anywhere, anywhere, id="sub"),
    pytest.param(lambda x, y: x * y, anywhere, anywhere, id="mul"),
    pytest.param(lambda x, y: x / y, anywhere, away_from_zero, id="div"),
    pytest.param(lambda x, y: x**y, positive, anywhere, id="pow"),
    pytest.param(dg.maximum, distinct, lambda rng, s: distinct(rng, s) + 0.05, id="maximum"),
    pytest.param(dg.minimum, distinct, lambda rng, s: distinct(rng, s) + 0.05, id="minimum"),
    pytest.param(_where, anywhere, anywhere, id="where"),
    pytest.param(dg.arctan2, anywhere, away_from_zero, id="arctan2"),
    pytest.param(np.arctan2, away_from_zero, anywhere, id="np_arctan2_ufunc"),
    pytest.param(
        lambda x, lo: dg.clip(x, lo, None),
        distinct,
        lambda rng, s: distinct(rng, s) + 0.05,
        id="clip_tensor_a_min",
    ),
    pytest.param(
        lambda x, hi: dg.clip(x, None, hi),
        distinct,
        lambda rng, s: distinct(rng, s) + 0.05,
        id="clip_tensor_a_max",
    ),
]


@pytest.mark.parametrize("shapes", PAIRS, ids=pair_id)
@pytest.mark.parametrize("f, sample_x, sample_y", BINARY)
def test_binary_broadcasting_first_order(f, sample_x, sample_y, shapes, rng):
    x, y = sample_x(rng, shapes[0]), sample_y(rng, shapes[1])
    out = f(dg.constant(x), dg.constant(y))
    assert out.shape == np.broadcast_shapes(shapes[0], shapes[1])
    _, grads = tape_grad(f, x, y)
    assert [g.shape for g in grads] == list(shapes)  # broadcasting undone
    check_grads(f, x, y)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (1, 4))], ids=pair_id)
@pytest.mark.parametrize(
    "f, sample_x, sample_y",
    [
        pytest.param(lambda x, y: x * y, anywhere, anywhere, id="mul"),
        pytest.param(lambda x, y: x / y, anywhere, away_from_zero, id="div"),
        pytest.param(lambda x, y: x**y, positive, anywhere, id="pow"),
        pytest.param(dg.arctan2, anywhere, away_from_zero, id="arctan2"),
    ],
)
def test_binary_second_order(f, sample_x, sample_y, shapes, rng):
    check_grads(f, sample_x(rng, shapes[0]), sample_y(rng, shapes[1]), order=2)


def test_where_with_broadcast_condition(rng):
    cond = np.array([[True], [False], [True]])  # (3, 1) against (4,) and (3, 4)
    x, y = anywhere(rng, (4,)), anywhere(rng, (3, 4))
    f = lambda a, b: dg.where(cond, a, b)  # noqa: E731
    np.testing.assert_array_equal(f(x, y).numpy(), np.where(cond, x, y))
    _, (gx, gy) = tape_grad(f, x, y)
    np.testing.assert_array_equal(gx.numpy(), np.full(4, 2.0))  # two rows pick x
    np.testing.assert_array_equal(gy.numpy(), np.where(cond, 0.0, 1.0) * np.ones((3, 4)))
    check_grads(f, x, y)


def test_where_with_tensor_condition(rng):
    x = anywhere(rng, (3, 4))
    check_grads(lambda t: dg.where(t > 0, t * t, -t), x)


def test_arctan2_values_and_gradient_at_the_origin(rng):
    y, x = anywhere(rng, (3, 4)), anywhere(rng, (4,))
    np.testing.assert_allclose(dg.arctan2(y, x).numpy(), np.arctan2(y, x), rtol=1e-14)
    # all four quadrants, the axes, and the origin (where both derivatives are 0, not NaN)
    ys = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 2.0, 0.0])
    xs = np.array([1.0, -1.0, -1.0, 1.0, -3.0, 0.0, 0.0])
    _, (gy, gx) = tape_grad(dg.arctan2, ys, xs)
    r2 = np.where(xs**2 + ys**2 == 0, 1.0, xs**2 + ys**2)
    np.testing.assert_allclose(gy.numpy(), xs / r2, rtol=1e-15)
    np.testing.assert_allclose(gx.numpy(), -ys / r2, rtol=1e-15)
    assert gy.numpy()[-1] == 0.0 and gx.numpy()[-1] == 0.0


def test_maximum_tie_gives_gradient_to_first_argument():
    _, (gx, gy) = tape_grad(dg.maximum, np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    np.testing.assert_array_equal(gx.numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(gy.numpy(), [0.0, 1.0])


# --- ndarray (or NumPy scalar) on the left --------------------------------------------------

NDARRAY_LEFT = [
    pytest.param(lambda t: np.ones(3) * t, lambda x: np.ones(3), id="mul"),
    pytest.param(lambda t: np.full(3, 2.0) + t, lambda x: np.ones(3), id="add"),
    pytest.param(lambda t: np.ones(3) - t, lambda x: -np.ones(3), id="sub"),
    pytest.param(lambda t: np.full(3, 2.0) / t, lambda x: -2.0 / x**2, id="div"),
    pytest.param(lambda t: np.full(3, 2.0) ** t, lambda x: 2.0**x * np.log(2.0), id="pow"),
    pytest.param(lambda t: np.float64(3.0) * t, lambda x: np.full(3, 3.0), id="np_scalar_mul"),
    pytest.param(
        lambda t: np.arange(6.0).reshape(2, 3) @ t,
        lambda x: np.arange(6.0).reshape(2, 3).sum(axis=0),
        id="matmul",
    ),
    pytest.param(
        lambda t: np.maximum(np.zeros(3), t), lambda x: (x > 0).astype(float), id="np_maximum"
    ),
]


@pytest.mark.parametrize("f, expected_grad", NDARRAY_LEFT)
def test_ndarray_on_the_left_is_recorded(f, expected_grad):
    x = np.array([0.5, -1.5, 2.0])
    y, (g,) = tape_grad(f, x)
    assert isinstance(y, dg.Tensor)
    np.testing.assert_allclose(g.numpy(), expected_grad(x), rtol=1e-12)
    check_grads(f, x)


def test_np_exp_returns_a_recorded_tensor(rng):
    x = anywhere(rng, (3,))
    y, (g,) = tape_grad(np.exp, x)
    assert isinstance(y, dg.Tensor)
    np.testing.assert_allclose(y.numpy(), np.exp(x))
    np.testing.assert_allclose(g.numpy(), np.exp(x))


# --- reductions -------------------------------------------------------------------------------

AXES = {
    (): [None],
    (4,): [None, 0, -1, (0,)],
    (3, 4): [None, 0, 1, -1, (0, 1), (1, 0), (-1,)],
    (1, 4): [None, 0, 1, -1, (0, 1)],
}
REDUCE_CASES = [
    pytest.param(shape, axis, id=f"{sid(shape)}-axis{axis}".replace(" ", ""))
    for shape, axes in AXES.items()
    for axis in axes
]
REDUCTIONS = [
    pytest.param(dg.sum, np.sum, id="sum"),
    pytest.param(dg.mean, np.mean, id="mean"),
    pytest.param(dg.max, np.max, id="max"),
    pytest.param(dg.min, np.min, id="min"),
    pytest.param(dg.prod, np.prod, id="prod"),
    pytest.param(
        dg.logsumexp,
        lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)),
        id="logsumexp",
    ),
    pytest.param(dg.var, np.var, id="var"),
    pytest.param(dg.std, np.std, id="std"),
    pytest.param(dg.norm, np.linalg.norm, id="norm"),
    pytest.param(
        lambda x, axis, keepdims: np.linalg.norm(dg.as_tensor(x), axis=axis, keepdims=keepdims),
        np.linalg.norm,
        id="np_linalg_norm",
    ),
    pytest.param(
        lambda x, axis, keepdims: np.amin(dg.as_tensor(x), axis=axis, keepdims=keepdims),
        np.amin,
        id="np_amin",
    ),
    pytest.param(
        lambda x, axis, keepdims: np.prod(dg.as_tensor(x), axis=axis, keepdims=keepdims),
        np.prod,
        id="np_prod",
    ),
    pytest.param(
        lambda x, axis, keepdims: np.var(dg.as_tensor(x), axis=axis, keepdims=keepdims),
        np.var,
        id="np_var",
    ),
    pytest.param(
        lambda x, axis, keepdims: np.std(dg.as_tensor(x), axis=axis, keepdims=keepdims),
        np.std,
        id="np_std",
    ),
]


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize("shape, axis", REDUCE_CASES)
@pytest.mark.parametrize("reduce, np_reduce", REDUCTIONS)
def test_reduction(reduce, np_reduce, shape, axis, keepdims, rng):
    x = distinct(rng, shape)
    out = reduce(x, axis=axis, keepdims=keepdims)
    expected = np_reduce(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-13)
    check_grads(lambda t: reduce(t, axis=axis, keepdims=keepdims), x)


SECOND_ORDER_REDUCE_CASES = [
    pytest.param((3, 4), axis, id=f"3x4-axis{axis}".replace(" ", ""))
    for axis in [None, 0, -1, (0, 1)]
]


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize("shape, axis", SECOND_ORDER_REDUCE_CASES)
@pytest.mark.parametrize(
    "reduce",
    [
        pytest.param(dg.min, id="min"),
        pytest.param(dg.prod, id="prod"),
        pytest.param(dg.logsumexp, id="logsumexp"),
        pytest.param(dg.var, id="var"),
        pytest.param(dg.std, id="std"),
        pytest.param(dg.norm, id="norm"),
    ],
)
def test_reduction_second_order(reduce, shape, axis, keepdims, rng):
    x = distinct(rng, shape) + 0.3  # no entry near 0 (norm's Hessian) and no ties
    check_grads(lambda t: reduce(t * t, axis=axis, keepdims=keepdims) * t.sum(), x, order=2)
    check_grads(lambda t: reduce(t, axis=axis, keepdims=keepdims), x, order=2)


@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)], ids=str)
@pytest.mark.parametrize(
    "reduce, np_reduce",
    [
        pytest.param(dg.var, np.var, id="var"),
        pytest.param(dg.std, np.std, id="std"),
        pytest.param(lambda x, **kw: np.var(dg.as_tensor(x), **kw), np.var, id="np_var"),
        pytest.param(lambda x, **kw: np.std(dg.as_tensor(x), **kw), np.std, id="np_std"),
    ],
)
def test_var_and_std_ddof(reduce, np_reduce, axis, ddof, rng):
    x = anywhere(rng, (3, 4))
    out = reduce(x, axis=axis, ddof=ddof, keepdims=True)
    np.testing.assert_allclose(
        out.numpy(), np_reduce(x, axis=axis, ddof=ddof, keepdims=True), rtol=1e-13
    )
    check_grads(lambda t: reduce(t, axis=axis, ddof=ddof), x, order=2)


@pytest.mark.parametrize("reduce", [dg.std, dg.norm], ids=["std", "norm"])
def test_gradient_is_zero_where_std_or_norm_is_zero(reduce):
    # std of equal entries and the norm of a zero vector: 0 (a subgradient), not NaN.
    x = np.array([[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    x = x if reduce is dg.std else x - 2.0 * (np.arange(2) == 0)[:, None]
    out, (g,) = tape_grad(lambda t: reduce(t, axis=1), x)
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(g.numpy(), np.zeros((2, 3)))
    y, (g,) = tape_grad(reduce, np.zeros(4))
    assert float(y) == 0.0
    np.testing.assert_array_equal(g.numpy(), np.zeros(4))


def _prod_of_others(x):
    """∂ prod / ∂x_i by brute force: the product of the array without entry i."""
    flat = x.ravel()
    return np.array([np.prod(np.delete(flat, i)) for i in range(flat.size)]).reshape(x.shape)


@pytest.mark.parametrize(
    "x",
    [
        pytest.param([0.5, -2.0, 0.0, 3.0], id="one-zero"),
        pytest.param([0.5, 0.0, 0.0, 3.0], id="two-zeros"),
        pytest.param([0.0, 0.0, 0.0, 1.5], id="three-zeros"),
        pytest.param([0.0, 0.0, 0.0, 0.0], id="all-zeros"),
        pytest.param([0.0], id="single-zero"),
        pytest.param([0.5, -2.0, 1.5, 3.0], id="no-zero"),
    ],
)
def test_prod_gradient_with_zeros(x):
    x = np.array(x)
    out, (g,) = tape_grad(dg.prod, x)
    assert float(out) == np.prod(x)
    np.testing.assert_allclose(g.numpy(), _prod_of_others(x), rtol=1e-15)
    # Along one coordinate prod (and each of its partial derivatives) is linear, so central
    # differences are exact there; along a random direction their ε² error (~1e-14) would
    # exceed the absolute floor where the true derivative is 0.
    check_grads(dg.prod, x, order=2, modes=("elementwise",))


def test_prod_with_zeros_along_an_axis(rng):
    x = anywhere(rng, (4, 5))
    x[0, 1] = 0.0  # row 0: one zero; row 1: two zeros; rows 2, 3: none
    x[1, [0, 3]] = 0.0
    _, (g,) = tape_grad(lambda t: dg.prod(t, axis=1), x)
    np.testing.assert_allclose(g.numpy(), np.stack([_prod_of_others(row) for row in x]), rtol=1e-14)
    check_grads(lambda t: dg.prod(t, axis=1, keepdims=True), x, order=2)
    check_grads(lambda t: dg.prod(t, axis=0), x, order=2)


CUMSUM_CASES = [
    pytest.param(shape, axis, id=f"{sid(shape)}-axis{axis}")
    for shape, axes in [
        ((), [None]),
        ((4,), [None, 0, -1]),
        ((3, 4), [None, 0, 1, -1]),
        ((1, 4), [None, 0, 1]),
    ]
    for axis in axes
]


@pytest.mark.parametrize("shape, axis", CUMSUM_CASES)
def test_cumsum(shape, axis, rng):
    x = anywhere(rng, shape)
    out = dg.cumsum(x, axis=axis)
    np.testing.assert_allclose(out.numpy(), np.cumsum(x, axis=axis), rtol=1e-14)
    np.testing.assert_allclose(np.cumsum(dg.constant(x), axis=axis).numpy(), out.numpy())
    check_grads(lambda t: dg.cumsum(t, axis=axis), x)
    check_grads(lambda t: dg.cumsum(t * t, axis=axis) ** 2, x, order=2)
    check_grads(lambda t: np.cumsum(t, axis=axis), x)


def test_cumsum_gradient_is_the_reversed_cumulative_sum():
    _, (g,) = tape_grad(lambda t: dg.cumsum(t) * np.array([1.0, 10.0, 100.0]), np.zeros(3))
    np.testing.assert_array_equal(g.numpy(), [111.0, 110.0, 100.0])


@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=str)
@pytest.mark.parametrize(
    "arg, np_arg",
    [
        (dg.argmax, np.argmax),
        (dg.argmin, np.argmin),
        (np.argmax, np.argmax),
        (np.argmin, np.argmin),
    ],
    ids=["argmax", "argmin", "np_argmax", "np_argmin"],
)
def test_argmax_argmin(arg, np_arg, axis, rng):
    x = distinct(rng, (3, 4))
    for keepdims in (False, True):
        out = arg(dg.constant(x), axis=axis, keepdims=keepdims)
        assert isinstance(out, dg.Tensor) and out.dtype.kind == "i"
        np.testing.assert_array_equal(out.numpy(), np_arg(x, axis=axis, keepdims=keepdims))
    t = dg.constant(x)
    with dg.GradientTape() as tape:  # an integer result carries no gradient: not recorded
        tape.watch(t)
        i = arg(t, axis=axis)
    assert tape.gradient(i, t) is None
    assert not tape._entries


def test_min_ties_share_the_gradient():
    _, (g,) = tape_grad(dg.min, np.array([2.0, -1.0, 3.0, -1.0, -1.0, 0.0]))
    np.testing.assert_allclose(g.numpy(), [0.0, 1 / 3, 0.0, 1 / 3, 1 / 3, 0.0])


VECTOR_ORDS = [None, 1, 2, np.inf, -np.inf]
MATRIX_ORDS = [None, "fro", 1, -1, np.inf, -np.inf]


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize(
    "shape, axis",
    [((4,), None), ((4,), 0), ((3, 4), 0), ((3, 4), -1), ((1, 4), 1)],
    ids=lambda v: str(v).replace(" ", ""),
)
@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
def test_vector_norms(ord, shape, axis, keepdims, rng):
    x = distinct(rng, shape) + 0.05  # no zero entries, no ties in |x|
    for f in (dg.norm, np.linalg.norm):
        out = f(dg.constant(x), ord=ord, axis=axis, keepdims=keepdims)
        expected = np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14)
        # check_grads calls the lambda within this iteration: the late binding is harmless.
        check_grads(lambda t: f(t, ord=ord, axis=axis, keepdims=keepdims), x)  # noqa: B023


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize(
    "shape, axis",
    [
        ((3, 4), None),
        ((3, 4), (0, 1)),
        ((3, 4), (1, 0)),
        ((2, 3, 4), (2, 0)),
        ((2, 3, 4), (-2, -1)),
    ],
    ids=lambda v: str(v).replace(" ", ""),
)
@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
def test_matrix_norms(ord, shape, axis, keepdims, rng):
    x = distinct(rng, shape) + 0.05
    for f in (dg.norm, np.linalg.norm):
        out = f(dg.constant(x), ord=ord, axis=axis, keepdims=keepdims)
        expected = np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14)
        # check_grads calls the lambda within this iteration: the late binding is harmless.
        check_grads(lambda t: f(t, ord=ord, axis=axis, keepdims=keepdims), x)  # noqa: B023


def test_norm_second_order(rng):
    x = distinct(rng, (3, 4)) + 0.05
    for ord in (None, 2):
        check_grads(lambda t: dg.norm(t, ord=ord, axis=1) * t[:, 0], x, order=2)  # noqa: B023 (called here)
    check_grads(lambda t: dg.norm(t, ord="fro") ** 3, x, order=2)


@pytest.mark.parametrize(
    "ord, axis",
    [
        (None, None),
        (2, 0),
        (1, 0),
        (np.inf, 0),
        (-np.inf, 0),
        ("fro", None),
        (1, (0, 1)),
        (np.inf, (0, 1)),
    ],
    ids=str,
)
def test_norm_gradient_at_zero_is_zero(ord, axis):
    shape = (4,) if isinstance(axis, int) else (3, 4)
    y, (g,) = tape_grad(lambda t: dg.norm(t, ord=ord, axis=axis), np.zeros(shape))
    assert float(y) == 0.0
    np.testing.assert_array_equal(g.numpy(), np.zeros(shape))


@pytest.mark.parametrize("method", ["sum", "mean", "max"])
def test_reduction_methods_on_tensor(method, rng):
    x = distinct(rng, (3, 4))
    check_grads(lambda t: getattr(t, method)(axis=1, keepdims=True), x)


def test_sum_and_mean_gradients_are_constant():
    x = np.arange(12.0).reshape(3, 4)
    _, (g,) = tape_grad(lambda t: dg.sum(t, axis=0), x)
    np.testing.assert_array_equal(g.numpy(), np.ones((3, 4)))
    _, (g,) = tape_grad(lambda t: dg.mean(t, axis=1), x)
    np.testing.assert_allclose(g.numpy(), np.full((3, 4), 0.25))


def test_max_ties_share_the_gradient():
    _, (g,) = tape_grad(dg.max, np.array([1.0, 3.0, 3.0, 2.0]))
    np.testing.assert_allclose(g.numpy(), [0.0, 0.5, 0.5, 0.0])


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(lambda t: dg.mean(t * t * t, axis=-1), id="mean"),
        pytest.param(lambda t: dg.mean(t**3, axis=(0, 1), keepdims=True), id="mean-tuple-keepdims"),
        pytest.param(lambda t: dg.sum(dg.exp(t), axis=0), id="sum"),
        pytest.param(lambda t: dg.max(t * t, axis=1), id="max"),
        pytest.param(lambda t: dg.maximum(t * t, dg.exp(t) - 1.5), id="maximum"),
        pytest.param(lambda t: dg.where(t > 0, t**3, dg.exp(t)), id="where"),
        pytest.param(lambda t: dg.sqrt(t * t + 1.0), id="sqrt"),
        pytest.param(lambda t: dg.abs(t) ** 3, id="abs"),
        pytest.param(lambda t: dg.leaky_relu(t, alpha=0.1) * t, id="leaky_relu"),
        pytest.param(
            lambda t: dg.transpose(dg.reshape(t * t, (2, 6)), (1, 0)), id="reshape-transpose"
        ),
    ],
)
def test_second_order_misc(f, rng):
    x = distinct(rng, (3, 4))
    check_grads(f, x + 0.3 * np.sign(x), order=2)  # no entry near 0, where t³'s derivatives vanish


# --- softmax family ---------------------------------------------------------------------------

SOFTMAX_CASES = [
    pytest.param(shape, axis, id=f"{sid(shape)}-axis{axis}")
    for shape in [(4,), (3, 4), (1, 4)]
    for axis in ([0, -1] if len(shape) == 1 else [0, 1, -1])
]


def np_log_softmax(z, axis):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES)
def test_softmax(shape, axis, rng):
    z = anywhere(rng, shape)
    p = dg.softmax(z, axis=axis).numpy()
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-12)
    check_grads(lambda t: dg.softmax(t, axis=axis), z)


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES)
def test_log_softmax(shape, axis, rng):
    z = anywhere(rng, shape)
    np.testing.assert_allclose(
        dg.log_softmax(z, axis=axis).numpy(),
        np.log(np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)),
        rtol=1e-12,
    )
    check_grads(lambda t: dg.log_softmax(t, axis=axis), z)


def test_softmax_jacobian_matches_spec(rng):
    # SPEC 7.4: dp_i/dz_j = p_i (δ_ij − p_j), one row at a time through output_gradients.
    z = dg.constant(anywhere(rng, (4,)))
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(z)
        p = dg.softmax(z)
    rows = [tape.gradient(p, z, output_gradients=np.eye(4)[i]).numpy() for i in range(4)]
    pn = p.numpy()
    np.testing.assert_allclose(
        np.array(rows), np.diag(pn) - np.outer(pn, pn), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES)
def test_softmax_cross_entropy(shape, axis, rng):
    logits = anywhere(rng, shape)
    labels = rng.uniform(0.1, 1.0, size=shape)
    labels /= labels.sum(axis=axis, keepdims=True)
    loss = dg.softmax_cross_entropy(labels=labels, logits=logits, axis=axis)
    np.testing.assert_allclose(
        loss.numpy(), -(labels * np_log_softmax(logits, axis)).sum(axis=axis), rtol=1e-12
    )
    check_grads(
        lambda y, z: dg.softmax_cross_entropy(labels=y, logits=z, axis=axis), labels, logits
    )


def test_softmax_cross_entropy_gradient_is_p_minus_y(rng):
    logits = anywhere(rng, (5, 3))
    labels = np.eye(3)[rng.integers(0, 3, size=5)]
    z = dg.constant(logits)
    with dg.GradientTape() as tape:
        tape.watch(z)
        loss = dg.sum(dg.softmax_cross_entropy(labels=labels, logits=z))
    p = np.exp(np_log_softmax(logits, -1))
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), p - labels, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_second_order(rng):
    labels = np.eye(4)[[1, 3, 0]]
    check_grads(
        lambda z: dg.softmax_cross_entropy(labels=labels, logits=z), anywhere(rng, (3, 4)), order=2
    )


# --- shape ops ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, new",
    [
        pytest.param((3, 4), (4, 3), id="3x4-to-4x3"),
        pytest.param((3, 4), (12,), id="3x4-to-12"),
        pytest.param((3, 4), (2, -1, 2), id="3x4-to-2x3x2"),
        pytest.param((4,), (1, 4), id="4-to-1x4"),
        pytest.param((), (1, 1), id="scalar-to-1x1"),
    ],
)
def test_reshape(shape, new, rng):
    x = anywhere(rng, shape)
    assert dg.reshape(x, new).shape == np.reshape(x, new).shape
    check_grads(
        lambda t: dg.reshape(t, new) * np.arange(np.size(x)).reshape(np.reshape(x, new).shape), x
    )
    check_grads(lambda t: t.reshape(new), x)


@pytest.mark.parametrize(
    "shape, axes",
    [
        pytest.param((3, 4), None, id="3x4-reverse"),
        pytest.param((3, 4), (1, 0), id="3x4-10"),
        pytest.param((2, 3, 4), None, id="2x3x4-reverse"),
        pytest.param((2, 3, 4), (1, 0, 2), id="2x3x4-102"),
        pytest.param((2, 3, 4), (2, 0, 1), id="2x3x4-201"),
        pytest.param((2, 3, 4), (1, 2, 0), id="2x3x4-120"),
        pytest.param((2, 3, 4), (-1, 0, 1), id="2x3x4-negative"),
    ],
)
def test_transpose(shape, axes, rng):
    x = anywhere(rng, shape)
    np.testing.assert_array_equal(dg.transpose(x, axes).numpy(), np.transpose(x, axes))
    check_grads(lambda t: dg.transpose(t, axes), x)


def test_T_property(rng):
    x = anywhere(rng, (3, 4))
    np.testing.assert_array_equal(dg.constant(x).T.numpy(), x.T)
    check_grads(lambda t: t.T @ np.ones(3), x)


@pytest.mark.parametrize(
    "shapes, axis",
    [
        pytest.param([(2, 4), (3, 4)], 0, id="rows"),
        pytest.param([(3, 2), (3, 5)], 1, id="cols"),
        pytest.param([(3, 2), (3, 1), (3, 4)], -1, id="three-last-axis"),
        pytest.param([(4,), (2,)], 0, id="vectors"),
    ],
)
def test_concatenate(shapes, axis, rng):
    xs = [anywhere(rng, s) for s in shapes]
    np.testing.assert_array_equal(
        dg.concatenate(xs, axis=axis).numpy(), np.concatenate(xs, axis=axis)
    )
    check_grads(lambda *ts: dg.concatenate(list(ts), axis=axis), *xs)


@pytest.mark.parametrize(
    "shape, axis",
    [
        pytest.param((3, 4), 0, id="3x4-axis0"),
        pytest.param((3, 4), 1, id="3x4-axis1"),
        pytest.param((3, 4), 2, id="3x4-axis2"),
        pytest.param((3, 4), -1, id="3x4-axis-1"),
        pytest.param((4,), 1, id="4-axis1"),
        pytest.param((), 0, id="scalar-axis0"),
    ],
)
def test_stack(shape, axis, rng):
    xs = [anywhere(rng, shape) for _ in range(3)]
    np.testing.assert_array_equal(dg.stack(xs, axis=axis).numpy(), np.stack(xs, axis=axis))
    check_grads(lambda *ts: dg.stack(list(ts), axis=axis), *xs)


def test_stack_and_concatenate_second_order(rng):
    a, b = anywhere(rng, (3,)), anywhere(rng, (3,))
    check_grads(lambda x, y: dg.stack([x * y, dg.exp(x)]), a, b, order=2)
    check_grads(lambda x, y: dg.concatenate([x * x, y * x]), a, b, order=2)


# --- matmul -------------------------------------------------------------------------------------

MATMUL_SHAPES = [
    pytest.param((3, 4), (4, 2), id="2d@2d"),
    pytest.param((4,), (4, 2), id="1d@2d"),
    pytest.param((3, 4), (4,), id="2d@1d"),
    pytest.param((4,), (4,), id="1d@1d"),
    pytest.param((2, 3, 4), (4, 5), id="3d@2d"),
    pytest.param((2, 3, 4), (2, 4, 5), id="3d@3d"),
    pytest.param((3, 4), (2, 4, 5), id="2d@3d"),
    pytest.param((4,), (2, 4, 5), id="1d@3d"),
    pytest.param((2, 3, 4), (4,), id="3d@1d"),
]


@pytest.mark.parametrize("sx, sy", MATMUL_SHAPES)
def test_matmul(sx, sy, rng):
    x, y = anywhere(rng, sx), anywhere(rng, sy)
    out = dg.matmul(x, y)
    np.testing.assert_allclose(out.numpy(), x @ y, rtol=1e-13)
    assert (dg.constant(x) @ dg.constant(y)).shape == (x @ y).shape
    _, grads = tape_grad(lambda a, b: a @ b, x, y)
    assert [g.shape for g in grads] == [sx, sy]
    check_grads(lambda a, b: a @ b, x, y)


@pytest.mark.parametrize(
    "sx, sy",
    [MATMUL_SHAPES[0], MATMUL_SHAPES[1], MATMUL_SHAPES[2], MATMUL_SHAPES[3], MATMUL_SHAPES[4]],
)
def test_matmul_second_order(sx, sy, rng):
    check_grads(lambda a, b: a @ b, anywhere(rng, sx), anywhere(rng, sy), order=2)


# --- indexing -----------------------------------------------------------------------------------

INDEXES = [
    pytest.param(0, id="x[0]"),
    pytest.param(-1, id="x[-1]"),
    pytest.param((slice(None), 1), id="x[:,1]"),
    pytest.param(slice(1, 3), id="x[1:3]"),
    pytest.param((slice(1, 3), slice(None, None, 2)), id="x[1:3,::2]"),
    pytest.param([0, 0, 2], id="x[[0,0,2]]"),
    pytest.param(np.array([2, 0, 2, 2]), id="x[array]"),
    pytest.param(([0, 0, 2], [1, 1, 3]), id="x[[0,0,2],[1,1,3]]"),
    pytest.param((Ellipsis, 1), id="x[...,1]"),
    pytest.param((None, 1), id="x[None,1]"),
    pytest.param(np.array([True, False, True]), id="x[mask]"),
]


@pytest.mark.parametrize("key", INDEXES)
def test_indexing(key, rng):
    x = anywhere(rng, (3, 4))
    np.testing.assert_array_equal(dg.constant(x)[key].numpy(), x[key])
    check_grads(lambda t: t[key], x)


def test_fancy_index_repeats_accumulate():
    x = np.arange(4.0)
    _, (g,) = tape_grad(lambda t: t[[0, 0, 2]], x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 0.0, 1.0, 0.0])


def test_index_with_a_tensor(rng):
    x = anywhere(rng, (5,))
    idx = dg.constant([4, 1, 1])
    check_grads(lambda t: t[idx], x)


def test_iterating_a_tensor_records_each_row(rng):
    x = anywhere(rng, (3, 2))
    check_grads(lambda t: dg.stack([row * (i + 1) for i, row in enumerate(t)]), x)


def test_indexing_second_order(rng):
    check_grads(lambda t: t[[0, 0, 2]] * t[1:4], anywhere(rng, (4,)), order=2)


# --- dtypes -------------------------------------------------------------------------------------

# x is drawn from (0.5, 2): ops with a smaller domain get it scaled (Python floats keep float32).
MORE_FLOAT32_OPS = [
    pytest.param(dg.sin, id="sin"),
    pytest.param(dg.cos, id="cos"),
    pytest.param(lambda x: dg.tan(x / 2.0), id="tan"),
    pytest.param(lambda x: dg.arcsin(x / 4.0), id="arcsin"),
    pytest.param(lambda x: dg.arccos(x / 4.0), id="arccos"),
    pytest.param(dg.arctan, id="arctan"),
    pytest.param(lambda x: dg.arctan2(x, x[0] - 1.0), id="arctan2"),
    pytest.param(dg.sinh, id="sinh"),
    pytest.param(dg.cosh, id="cosh"),
    pytest.param(dg.arcsinh, id="arcsinh"),
    pytest.param(lambda x: dg.arccosh(x + 1.0), id="arccosh"),
    pytest.param(lambda x: dg.arctanh(x / 4.0), id="arctanh"),
    pytest.param(dg.erf, id="erf"),
    pytest.param(dg.log1p, id="log1p"),
    pytest.param(dg.expm1, id="expm1"),
    pytest.param(dg.log2, id="log2"),
    pytest.param(dg.log10, id="log10"),
    pytest.param(dg.exp2, id="exp2"),
    pytest.param(dg.reciprocal, id="reciprocal"),
    pytest.param(dg.softplus, id="softplus"),
    pytest.param(lambda x: dg.clip(x, 0.8, 1.5), id="clip"),
    pytest.param(lambda x: dg.clip(x, np.full(4, 0.8, np.float32), x[0]), id="clip_tensor_bounds"),
    pytest.param(lambda x: x * dg.floor(x), id="floor"),
    pytest.param(lambda x: x * dg.ceil(x), id="ceil"),
    pytest.param(lambda x: x * dg.round(x, decimals=1), id="round"),
    pytest.param(lambda x: x * dg.sign(x - 1.0), id="sign"),
    pytest.param(lambda x: dg.min(x, axis=1), id="min"),
    pytest.param(lambda x: dg.prod(x, axis=0), id="prod"),
    pytest.param(lambda x: dg.logsumexp(x, axis=1), id="logsumexp"),
    pytest.param(lambda x: dg.var(x, axis=0, ddof=1), id="var"),
    pytest.param(lambda x: dg.std(x, axis=1), id="std"),
    pytest.param(lambda x: dg.norm(x), id="norm"),
    pytest.param(lambda x: dg.norm(x, ord=1, axis=1), id="norm_1"),
    pytest.param(lambda x: dg.norm(x, ord=np.inf), id="norm_inf_matrix"),
    pytest.param(lambda x: dg.cumsum(x, axis=1), id="cumsum"),
    pytest.param(lambda x: np.sin(x) * np.log1p(x), id="np_sin_log1p"),
    pytest.param(lambda x: np.linalg.norm(x, axis=0), id="np_linalg_norm"),
]

FLOAT32_OPS = [
    pytest.param(lambda x: dg.exp(x), id="exp"),
    pytest.param(lambda x: dg.log(x), id="log"),
    pytest.param(lambda x: dg.sqrt(x), id="sqrt"),
    pytest.param(lambda x: dg.tanh(x), id="tanh"),
    pytest.param(lambda x: dg.sigmoid(x), id="sigmoid"),
    pytest.param(lambda x: dg.relu(x), id="relu"),
    pytest.param(lambda x: dg.leaky_relu(x, alpha=0.1), id="leaky_relu"),
    pytest.param(lambda x: dg.abs(x), id="abs"),
    pytest.param(lambda x: dg.square(x), id="square"),
    pytest.param(lambda x: x * 2.0 + 1.0, id="python_scalars"),
    pytest.param(lambda x: x / 3.0 - x, id="div_sub"),
    pytest.param(lambda x: x**2, id="pow2"),
    pytest.param(lambda x: x**1.5, id="pow_float"),
    pytest.param(lambda x: 2.0**x, id="rpow"),
    pytest.param(lambda x: dg.mean(x, axis=0), id="mean"),
    pytest.param(lambda x: dg.sum(x, axis=1, keepdims=True), id="sum"),
    pytest.param(lambda x: dg.max(x, axis=1), id="max"),
    pytest.param(lambda x: dg.softmax(x), id="softmax"),
    pytest.param(lambda x: dg.log_softmax(x), id="log_softmax"),
    pytest.param(
        lambda x: dg.softmax_cross_entropy(labels=np.eye(4, dtype=np.float32)[:3], logits=x),
        id="sce",
    ),
    pytest.param(lambda x: x @ x.T, id="matmul"),
    pytest.param(lambda x: x[[0, 0, 2]], id="fancy_index"),
    pytest.param(lambda x: dg.maximum(x, 0.5 * x), id="maximum"),
    pytest.param(lambda x: dg.where(x > 1.0, x, -x), id="where"),
    pytest.param(lambda x: dg.concatenate([x, x]), id="concatenate"),
    pytest.param(lambda x: np.exp(x), id="np_exp"),
    *MORE_FLOAT32_OPS,
]


@pytest.mark.parametrize("f", FLOAT32_OPS)
def test_float32_in_float32_out(f, rng):
    x = rng.uniform(0.5, 2.0, size=(3, 4)).astype(np.float32)
    y, (g,) = tape_grad(f, x)
    assert y.dtype == np.float32
    assert g.dtype == np.float32


@pytest.mark.parametrize("f", [FLOAT32_OPS[i] for i in (0, 1, 3, 4, 17, 18, 20)])
def test_float32_second_derivative_stays_float32(f, rng):
    x = dg.constant(rng.uniform(0.5, 2.0, size=(3, 4)).astype(np.float32))
    with dg.GradientTape() as outer:
        outer.watch(x)
        with dg.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
        s = dg.sum(g * g)
    h = outer.gradient(s, x)
    assert g.dtype == np.float32 and h.dtype == np.float32


@pytest.mark.parametrize("f", MORE_FLOAT32_OPS)
def test_float32_derivatives_of_more_ops_stay_float32(f, rng):
    # Inside an outer tape the first derivative is a Tensor built by the rules (not cast back
    # to the source's dtype afterwards), so this checks the rules themselves.
    x = dg.constant(rng.uniform(0.5, 2.0, size=(3, 4)).astype(np.float32))
    with dg.GradientTape() as outer:
        outer.watch(x)
        with dg.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
        s = dg.sum(g * g * x)
    h = outer.gradient(s, x)
    assert y.dtype == np.float32 and g.dtype == np.float32 and h.dtype == np.float32


# --- bad input: errors name the op and both shapes ------------------------------------------

A, B = np.ones((3, 4)), np.ones((5,))
SHAPE_ERRORS = [
    pytest.param(lambda: dg.constant(A) + B, "add", [(3, 4), (5,)], id="add"),
    pytest.param(lambda: dg.constant(A) - B, "subtract", [(3, 4), (5,)], id="sub"),
    pytest.param(lambda: dg.constant(A) * B, "multiply", [(3, 4), (5,)], id="mul"),
    pytest.param(lambda: dg.constant(A) / B, "divide", [(3, 4), (5,)], id="div"),
    pytest.param(lambda: dg.constant(A) ** B, "power", [(3, 4), (5,)], id="pow"),
    pytest.param(lambda: B + dg.constant(A), "add", [(5,), (3, 4)], id="radd"),
    pytest.param(lambda: dg.maximum(A, dg.constant(B)), "maximum", [(3, 4), (5,)], id="maximum"),
    pytest.param(
        lambda: dg.where(np.ones(5, bool), dg.constant(A), 0.0), "where", [(5,), (3, 4)], id="where"
    ),
    pytest.param(lambda: dg.constant(A) @ np.ones((5, 2)), "matmul", [(3, 4), (5, 2)], id="matmul"),
    pytest.param(
        lambda: dg.matmul(np.ones(3), dg.constant(np.ones(4))),
        "matmul",
        [(3,), (4,)],
        id="matmul-1d",
    ),
    pytest.param(
        lambda: dg.concatenate([dg.constant(A), np.ones((3, 5))]),
        "concatenate",
        [(3, 4), (3, 5)],
        id="concatenate",
    ),
    pytest.param(lambda: dg.stack([dg.constant(A), B]), "stack", [(3, 4), (5,)], id="stack"),
    pytest.param(lambda: dg.arctan2(dg.constant(A), B), "arctan2", [(3, 4), (5,)], id="arctan2"),
    pytest.param(lambda: np.arctan2(B, dg.constant(A)), "arctan2", [(5,), (3, 4)], id="np_arctan2"),
    pytest.param(lambda: dg.clip(dg.constant(A), B, 1.0), "clip", [(3, 4), (5,)], id="clip"),
    pytest.param(lambda: np.clip(dg.constant(A), 0.0, B), "clip", [(3, 4), (5,)], id="np_clip"),
    pytest.param(
        lambda: dg.softmax_cross_entropy(labels=B, logits=dg.constant(A)),
        "softmax_cross_entropy",
        [(5,), (3, 4)],
        id="sce",
    ),
]


@pytest.mark.parametrize("call, op, shapes", SHAPE_ERRORS)
def test_shape_mismatch_error_names_op_and_shapes(call, op, shapes):
    with pytest.raises(ValueError) as info:
        call()
    msg = str(info.value)
    assert op in msg
    for s in shapes:
        assert str(s) in msg
    assert not msg.startswith("operands could not be broadcast")


def test_reshape_to_wrong_size_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"reshape.*\(3, 4\).*\(5,\)"):
        dg.reshape(dg.constant(A), (5,))


@pytest.mark.parametrize(
    "call, op",
    [
        pytest.param(lambda t: dg.sum(t, axis=2), "sum", id="sum-2"),
        pytest.param(lambda t: dg.mean(t, axis=-3), "mean", id="mean--3"),
        pytest.param(lambda t: dg.max(t, axis=(0, 5)), "max", id="max-tuple"),
        pytest.param(lambda t: dg.softmax(t, axis=2), "softmax", id="softmax"),
        pytest.param(lambda t: dg.log_softmax(t, axis=-3), "log_softmax", id="log_softmax"),
        pytest.param(lambda t: dg.transpose(t, (0, 2)), "transpose", id="transpose"),
        pytest.param(lambda t: dg.stack([t, t], axis=4), "stack", id="stack"),
        pytest.param(lambda t: dg.concatenate([t, t], axis=2), "concatenate", id="concatenate"),
        pytest.param(lambda t: dg.min(t, axis=2), "min", id="min"),
        pytest.param(lambda t: np.amin(t, axis=-3), "min", id="np_amin"),
        pytest.param(lambda t: dg.prod(t, axis=(0, 2)), "prod", id="prod"),
        pytest.param(lambda t: dg.logsumexp(t, axis=2), "logsumexp", id="logsumexp"),
        pytest.param(lambda t: dg.var(t, axis=2), "var", id="var"),
        pytest.param(lambda t: dg.std(t, axis=-3), "std", id="std"),
        pytest.param(lambda t: dg.norm(t, axis=2), "norm", id="norm"),
        pytest.param(lambda t: dg.norm(t, ord=1, axis=(0, 2)), "norm", id="norm-pair"),
        pytest.param(lambda t: np.linalg.norm(t, axis=-3), "norm", id="np_linalg_norm"),
        pytest.param(lambda t: dg.cumsum(t, axis=2), "cumsum", id="cumsum"),
        pytest.param(lambda t: np.cumsum(t, axis=-3), "cumsum", id="np_cumsum"),
        pytest.param(lambda t: dg.argmax(t, axis=2), "argmax", id="argmax"),
        pytest.param(lambda t: np.argmin(t, axis=-3), "argmin", id="np_argmin"),
    ],
)
def test_out_of_range_axis(call, op):
    with pytest.raises(ValueError) as info:
        call(dg.constant(A))
    assert op in str(info.value) and "(3, 4)" in str(info.value)


def test_matmul_of_scalar_is_rejected():
    with pytest.raises(ValueError, match="matmul"):
        dg.matmul(dg.constant(2.0), np.ones(3))


@pytest.mark.parametrize(
    "call, op",
    [
        pytest.param(lambda t: dg.var(t, ddof=12), "var", id="var-all"),
        pytest.param(lambda t: dg.var(t, axis=0, ddof=3), "var", id="var-axis0"),
        pytest.param(lambda t: dg.std(t, axis=1, ddof=5), "std", id="std-axis1"),
        pytest.param(lambda t: np.std(t, axis=0, ddof=3), "std", id="np_std"),
    ],
)
def test_ddof_not_smaller_than_n_is_rejected(call, op):
    # NumPy warns and returns inf or NaN here.
    with pytest.raises(ValueError, match=rf"{op}.*\(3, 4\).*ddof"):
        call(dg.constant(A))


@pytest.mark.parametrize(
    "call, op, error",
    [
        pytest.param(
            lambda t: dg.cumsum(t[0, 0], axis=0), "cumsum", ValueError, id="cumsum-scalar"
        ),
        pytest.param(lambda t: dg.cumsum(t, axis=(0, 1)), "cumsum", TypeError, id="cumsum-tuple"),
        pytest.param(lambda t: dg.argmax(t, axis=(0, 1)), "argmax", TypeError, id="argmax-tuple"),
        pytest.param(lambda t: dg.argmin(t, axis=1.0), "argmin", TypeError, id="argmin-float"),
        pytest.param(lambda t: dg.norm(t, ord="nuc"), "norm", ValueError, id="norm-nuc"),
        pytest.param(lambda t: dg.norm(t, ord=2), "norm", ValueError, id="norm-spectral"),
        pytest.param(
            lambda t: dg.norm(t, ord=3, axis=1), "norm", ValueError, id="norm-vector-ord3"
        ),
        pytest.param(
            lambda t: dg.norm(t, ord="fro", axis=1), "norm", ValueError, id="norm-fro-vector"
        ),
        pytest.param(
            lambda t: dg.norm(t, axis=(1, 1)), "norm", ValueError, id="norm-repeated-axis"
        ),
        pytest.param(
            lambda t: dg.norm(t, axis=(0, 1, 0)), "norm", ValueError, id="norm-three-axes"
        ),
        pytest.param(lambda t: dg.norm(t, axis=0.5), "norm", TypeError, id="norm-float-axis"),
        pytest.param(
            lambda t: dg.norm(dg.reshape(t, (2, 3, 2)), ord=1),
            "norm",
            ValueError,
            id="norm-ord-rank3",
        ),
        pytest.param(lambda t: dg.min(t[:0]), "min", ValueError, id="min-empty"),
        pytest.param(lambda t: dg.argmax(t[:0]), "argmax", ValueError, id="argmax-empty"),
    ],
)
def test_bad_arguments_name_the_op(call, op, error):
    with pytest.raises(error) as info:
        call(dg.constant(A))
    assert str(info.value).startswith(op)


BAD_DTYPE_CALLS = [
    pytest.param(getattr(dg, name), name, id=name)
    for name in [
        "sin",
        "cos",
        "tan",
        "arcsin",
        "arccos",
        "arctan",
        "sinh",
        "cosh",
        "arcsinh",
        "arccosh",
        "arctanh",
        "erf",
        "log1p",
        "expm1",
        "log2",
        "log10",
        "exp2",
        "reciprocal",
        "softplus",
        "floor",
        "ceil",
        "round",
        "sign",
        "min",
        "prod",
        "logsumexp",
        "cumsum",
        "var",
        "std",
        "norm",
        "argmax",
        "argmin",
    ]
] + [
    pytest.param(lambda x: dg.arctan2(x, 1.0), "arctan2", id="arctan2"),
    pytest.param(lambda x: dg.arctan2(1.0, x), "arctan2", id="arctan2-second"),
    pytest.param(lambda x: dg.clip(x, 0.0, 1.0), "clip", id="clip"),
    pytest.param(lambda x: dg.clip(1.0, x, 2.0), "clip", id="clip-bound"),
]


@pytest.mark.parametrize(
    "bad", [np.array([1.0 + 2.0j, 0.5j]), np.array(["a", "b"])], ids=["complex", "str"]
)
@pytest.mark.parametrize("f, op", BAD_DTYPE_CALLS)
def test_complex_or_non_numeric_input_is_rejected(f, op, bad):
    # NumPy would compute on complex input silently (and on strings fail without the op's name).
    with pytest.raises(TypeError) as info:
        f(bad)
    assert str(info.value).startswith(op) and str(bad.dtype) in str(info.value)


# --- stability at |x| = 1000 (warnings are errors in this suite) -----------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(
    "f, limits, slopes",
    [
        pytest.param(dg.sigmoid, [0.0, 0.5, 1.0], [0.0, 0.25, 0.0], id="sigmoid"),
        pytest.param(dg.tanh, [-1.0, 0.0, 1.0], [0.0, 1.0, 0.0], id="tanh"),
        pytest.param(dg.softplus, [0.0, np.log(2.0), 1000.0], [0.0, 0.5, 1.0], id="softplus"),
        pytest.param(dg.erf, [-1.0, 0.0, 1.0], [0.0, 2 / np.sqrt(np.pi), 0.0], id="erf"),
    ],
)
def test_elementwise_stability(f, limits, slopes, dtype):
    x = np.array([-1000.0, 0.0, 1000.0], dtype=dtype)
    y, (g,) = tape_grad(f, x)
    assert y.dtype == dtype and g.dtype == dtype
    np.testing.assert_allclose(y.numpy(), limits, atol=1e-7)
    np.testing.assert_allclose(g.numpy(), slopes, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_softmax_stability(dtype):
    z = np.array([1000.0, -1000.0, 0.0], dtype=dtype)
    p, (gp,) = tape_grad(lambda t: dg.softmax(t) * np.array([1.0, 2.0, 3.0], dtype=dtype), z)
    np.testing.assert_allclose(p.numpy(), [1.0, 0.0, 0.0], atol=1e-7)
    assert np.all(np.isfinite(gp.numpy()))
    lp, (gl,) = tape_grad(dg.log_softmax, z)
    np.testing.assert_allclose(lp.numpy(), [0.0, -2000.0, -1000.0], rtol=1e-6)
    # d/dz Σ log p = 1 − 3p = [−2, 1, 1]
    np.testing.assert_allclose(gl.numpy(), [-2.0, 1.0, 1.0], atol=1e-6)
    assert p.dtype == lp.dtype == gp.dtype == gl.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["plus", "minus"])
def test_softmax_cross_entropy_stability(sign, dtype):
    logits = (sign * np.array([[1000.0, -1000.0, 0.0]])).astype(dtype)
    labels = np.array([[0.0, 1.0, 0.0]], dtype=dtype)
    loss, (_, g) = tape_grad(
        lambda y, z: dg.softmax_cross_entropy(labels=y, logits=z), labels, logits
    )
    p = np.exp(np_log_softmax(logits.astype(np.float64), -1))
    expected = 2000.0 if sign > 0 else 0.0
    np.testing.assert_allclose(loss.numpy(), [expected], atol=1e-6)
    assert loss.dtype == g.dtype == dtype
    np.testing.assert_allclose(g.numpy(), p - labels, atol=1e-6)


def test_second_derivatives_finite_at_extremes():
    for f in (dg.sigmoid, dg.tanh, dg.softmax, dg.log_softmax):
        x = dg.constant(np.array([-1000.0, 0.0, 1000.0]))
        with dg.GradientTape() as outer:
            outer.watch(x)
            with dg.GradientTape() as inner:
                inner.watch(x)
                y = dg.sum(f(x) * np.array([1.0, 2.0, 3.0]))
            g = inner.gradient(y, x)
        h = outer.gradient(g, x)
        assert np.all(np.isfinite(h.numpy()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_logsumexp_stability(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    out, (g,) = tape_grad(lambda t: dg.logsumexp(t, axis=1), z)
    assert out.dtype == g.dtype == dtype
    np.testing.assert_allclose(out.numpy(), [1000.0, -1000.0 + np.log(3.0)], rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-6)
    out, (g,) = tape_grad(dg.logsumexp, z)  # over everything
    np.testing.assert_allclose(float(out), 1000.0, rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


def test_logsumexp_of_minus_infinity_rows():
    z = np.array([[-np.inf, -np.inf], [-np.inf, 0.0]])
    np.testing.assert_array_equal(dg.logsumexp(z, axis=1).numpy(), [-np.inf, 0.0])


def test_softplus_and_logsumexp_second_derivatives_finite_at_extremes():
    for f in (dg.softplus, lambda t: dg.logsumexp(t, keepdims=True) * t):
        x = dg.constant(np.array([-1000.0, 0.0, 1000.0]))
        with dg.GradientTape() as outer:
            outer.watch(x)
            with dg.GradientTape() as inner:
                inner.watch(x)
                y = dg.sum(f(x) * np.array([1.0, 2.0, 3.0]))
            g = inner.gradient(y, x)
        h = outer.gradient(g, x)
        assert np.all(np.isfinite(g.numpy())) and np.all(np.isfinite(h.numpy()))
