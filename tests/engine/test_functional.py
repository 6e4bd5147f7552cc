"""deltagrad.functional: every analytic derivative of SPEC 7.3 to 7.5 against central
finite differences in float64, the kink convention, and stability at |x| = 1000."""

import numpy as np
import pytest

import finite_differences as fd
from deltagrad import functional as F

# Reference derivatives: central differences, step finite_differences.H = 1e-6; error O(H²) +
# O(eps/H), far below the tolerances.


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def assert_close(analytic, numeric, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


def away_from_zero(rng, shape, margin=1e-3):
    x = rng.normal(scale=3.0, size=shape)
    return np.where(np.abs(x) < margin, margin, x)


# --- activations (SPEC 7.3) -------------------------------------------------------------

ACTIVATIONS = [
    ("sigmoid", F.sigmoid, F.sigmoid_derivative),
    ("relu", F.relu, F.relu_derivative),
    ("leaky_relu", F.leaky_relu, F.leaky_relu_derivative),
    ("leaky_relu_p0.2", lambda x: F.leaky_relu(x, 0.2), lambda x: F.leaky_relu_derivative(x, 0.2)),
    ("tanh", F.tanh, F.tanh_derivative),
]


@pytest.mark.parametrize("name,f,df", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_derivative_matches_finite_differences(name, f, df, rng):
    x = away_from_zero(rng, (7, 5))
    assert_close(df(x), fd.elementwise_derivative(f, x))


@pytest.mark.parametrize("name,f,df", ACTIVATIONS[1:4], ids=[a[0] for a in ACTIVATIONS[1:4]])
def test_relu_derivatives_from_output_equal_from_input(name, f, df, rng):
    # The delta rule evaluates derivatives at the cached output; for (leaky) ReLU the output
    # is positive exactly when the input is, so the same function serves both.
    x = np.concatenate([away_from_zero(rng, (50,)), [0.0]])
    np.testing.assert_array_equal(df(f(x)), df(x))


def test_sigmoid_and_tanh_derivatives_from_cached_output(rng):
    x = rng.normal(scale=3.0, size=100)
    assert_close(F.sigmoid_derivative_from_output(F.sigmoid(x)), F.sigmoid_derivative(x), atol=0)
    assert_close(F.tanh_derivative_from_output(F.tanh(x)), F.tanh_derivative(x), atol=0)
    assert_close(F.sigmoid_derivative(x), F.sigmoid(x) * (1 - F.sigmoid(x)), atol=0)
    assert_close(F.tanh_derivative(x), 1 - np.tanh(x) ** 2, atol=0)


def test_activation_values(rng):
    x = rng.normal(scale=3.0, size=100)
    assert_close(F.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15, atol=0)
    assert_close(F.tanh(x), (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), rtol=1e-12)
    assert_close(F.tanh(x), 2 * F.sigmoid(2 * x) - 1, rtol=1e-12, atol=1e-15)
    assert_close(F.relu(x), np.where(x > 0, x, 0.0), atol=0)
    assert_close(F.leaky_relu(x, 0.02), np.where(x >= 0, x, 0.02 * x), atol=0)


def test_sigmoid_is_accurate_in_the_negative_tail():
    # 1 - sigmoid(40) would round to 0; evaluating by sign keeps full relative precision.
    assert F.sigmoid(-40.0) == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-15)
    assert F.sigmoid(-700.0) > 0


def test_kink_convention_is_the_left_hand_derivative():
    assert F.relu_derivative(0.0) == 0.0
    assert F.leaky_relu_derivative(0.0) == F.LEAKY_ALPHA == 0.01
    assert F.leaky_relu_derivative(0.0, 0.2) == 0.2
    assert F.leaky_relu(0.0) == 0.0
    assert F.relu(0.0) == 0.0


def test_leaky_relu_on_integer_arrays():
    x = np.array([-2, -1, 0, 1, 2])
    np.testing.assert_array_equal(F.leaky_relu_derivative(x, 0.1), [0.1, 0.1, 0.1, 1.0, 1.0])
    np.testing.assert_array_equal(F.leaky_relu(x, 0.1), [-0.2, -0.1, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(F.relu_derivative(x), [0.0, 0.0, 0.0, 1.0, 1.0])
    assert F.leaky_relu_derivative(x).dtype == np.float64


def test_float32_stays_float32():
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    for f in (
        F.sigmoid,
        F.relu,
        F.leaky_relu,
        F.tanh,
        F.sigmoid_derivative,
        F.relu_derivative,
        F.leaky_relu_derivative,
        F.tanh_derivative,
        F.softmax,
    ):
        assert f(x).dtype == np.float32, f.__name__


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_warning_and_no_nan_at_1000(dtype):
    x = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        outs = [
            F.sigmoid(x),
            F.sigmoid_derivative(x),
            F.tanh(x),
            F.tanh_derivative(x),
            F.relu(x),
            F.relu_derivative(x),
            F.leaky_relu(x),
            F.leaky_relu_derivative(x),
            F.softmax(x),
            F.log_softmax(x),
            F.softmax_jacobian(x),
        ]
        ce = F.softmax_cross_entropy(x, np.eye(5, dtype=dtype)[0])
        ce_grad = F.softmax_cross_entropy_grad(x, np.eye(5, dtype=dtype)[0])
    assert all(np.isfinite(o).all() for o in outs)
    assert np.isfinite(ce) and np.isfinite(ce_grad).all()
    assert F.sigmoid(x)[0] == 0.0 and F.sigmoid(x)[-1] == 1.0
    assert F.tanh(x)[0] == -1.0 and F.tanh(x)[-1] == 1.0
    assert ce == pytest.approx(2000.0, rel=1e-6)


# --- softmax and losses (SPEC 7.4) ------------------------------------------------------


def test_softmax_is_a_distribution(rng):
    z = rng.normal(scale=5, size=(4, 6))
    p = F.softmax(z)
    assert_close(p.sum(axis=-1), np.ones(4), atol=1e-15)
    assert_close(F.softmax(z + 123.0), p, rtol=1e-12)  # shift invariance
    assert_close(np.exp(F.log_softmax(z)), p, rtol=1e-12)
    assert_close(F.softmax(z.T, axis=0), p.T, rtol=1e-15)


def test_softmax_jacobian_matches_finite_differences(rng):
    z = rng.normal(size=5)
    assert_close(F.softmax_jacobian(z), fd.jacobian(F.softmax, z))


def test_softmax_jacobian_is_the_chapters_formula(rng):
    z = rng.normal(size=4)
    p, J = F.softmax(z), F.softmax_jacobian(z)
    for i in range(4):
        for j in range(4):
            expected = p[i] * (1 - p[j]) if i == j else -p[i] * p[j]
            assert J[i, j] == pytest.approx(expected, rel=1e-14)


def test_softmax_jacobian_batch(rng):
    z = rng.normal(size=(3, 4))
    J = F.softmax_jacobian(z)
    assert J.shape == (3, 4, 4)
    for n in range(3):
        assert_close(J[n], F.softmax_jacobian(z[n]), atol=0)


def test_mse_and_its_gradient(rng):
    o, t = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    assert F.mse(o, t) == pytest.approx(np.mean((t - o) ** 2), rel=1e-15)
    assert_close(F.mse_grad(o, t), fd.gradient(lambda a: F.mse(a, t), o))


@pytest.mark.parametrize("shape", [(3,), (6, 3)])
def test_squared_error_gradient_is_o_minus_t(shape, rng):
    o, t = rng.normal(size=shape), rng.normal(size=shape)
    g = F.squared_error_grad(o, t)
    assert_close(g, fd.gradient(lambda a: F.squared_error(a, t), o))
    n = 1 if len(shape) == 1 else shape[0]
    assert_close(g, (o - t) / n, atol=0)
    if len(shape) == 1:
        assert F.squared_error(o, t) == pytest.approx(0.5 * np.sum((o - t) ** 2), rel=1e-15)


@pytest.mark.parametrize("shape", [(4,), (5, 4)])
def test_cross_entropy_gradient_is_p_minus_y(shape, rng):
    z = rng.normal(scale=2, size=shape)
    y = np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
    g = F.softmax_cross_entropy_grad(z, y)
    assert_close(g, fd.gradient(lambda a: F.softmax_cross_entropy(a, y), z))
    n = 1 if len(shape) == 1 else shape[0]
    assert_close(g, (F.softmax(z) - y) / n, atol=0)
    naive = -np.sum(y * np.log(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))) / n
    assert F.softmax_cross_entropy(z, y) == pytest.approx(naive, rel=1e-12)


def test_cross_entropy_with_soft_targets(rng):
    z = rng.normal(size=5)
    y = F.softmax(rng.normal(size=5))  # Σ y = 1, not one-hot: p − y still holds
    assert_close(
        F.softmax_cross_entropy_grad(z, y),
        fd.gradient(lambda a: F.softmax_cross_entropy(a, y), z),
    )


@pytest.mark.parametrize(
    "loss",
    [
        F.mse,
        F.mse_grad,
        F.squared_error,
        F.squared_error_grad,
        F.softmax_cross_entropy,
        F.softmax_cross_entropy_grad,
    ],
)
def test_losses_reject_mismatched_shapes(loss):
    with pytest.raises(ValueError, match="shapes differ"):
        loss(np.zeros((2, 3)), np.zeros((3, 2)))


# --- a neuron and a layer (SPEC 7.5) ----------------------------------------------------


def test_single_neuron_gradient(rng):
    x, w, b, t = rng.normal(size=4), rng.normal(size=4), 0.3, 0.8

    def loss(w_):
        o = F.sigmoid(w_ @ x + b)
        return 0.5 * (o - t) ** 2

    o = F.sigmoid(w @ x + b)
    analytic = (o - t) * o * (1 - o) * x  # ∂L/∂w_j = (o − t)·o(1 − o)·x_j
    assert_close(analytic, fd.gradient(loss, w))


def test_fully_connected_layer_gradient(rng):
    J, K = 4, 3
    x, W, b, t = rng.normal(size=J), rng.normal(size=(J, K)), rng.normal(size=K), rng.random(K)

    def loss(W_):
        return 0.5 * np.sum((F.sigmoid(x @ W_ + b) - t) ** 2)

    o = F.sigmoid(x @ W + b)
    delta = (o - t) * o * (1 - o)  # δ_k = (o_k − t_k)·o_k(1 − o_k)
    analytic = np.outer(x, delta)  # ∂L/∂w_jk = δ_k·x_j
    assert_close(analytic, fd.gradient(loss, W))
    assert_close(delta, fd.gradient(lambda b_: 0.5 * np.sum((F.sigmoid(x @ W + b_) - t) ** 2), b))


# --- one home for each forward formula ----------------------------------------------------


def test_the_autodiff_engine_computes_functionals_forward_formulas():
    import deltagrad as dg

    for dtype in (np.float64, np.float32):
        x = np.concatenate([np.linspace(-800, 800, 4001), [0.0, -0.0, 1e-300]]).astype(dtype)
        np.testing.assert_array_equal(dg.sigmoid(x)._value, F.sigmoid(x))
        z = x.reshape(-1, 4)
        for axis in (-1, 0):
            np.testing.assert_array_equal(dg.softmax(z, axis=axis)._value, F.softmax(z, axis))
            np.testing.assert_array_equal(
                dg.log_softmax(z, axis=axis)._value, F.log_softmax(z, axis)
            )


def test_one_leaky_slope_default_everywhere():
    import inspect

    import deltagrad as dg

    assert F.LEAKY_ALPHA == 0.01
    for f in (dg.leaky_relu, F.leaky_relu, F.leaky_relu_derivative):
        assert inspect.signature(f).parameters["alpha"].default == F.LEAKY_ALPHA
    x = np.array([-2.0, -0.5, 0.0, 3.0])
    np.testing.assert_array_equal(dg.leaky_relu(x)._value, F.leaky_relu(x))
