"""Every primitive against central finite differences (float64), over the shapes
(), (4,), (3, 4), (1, 4), their broadcasting pairs and the reduction axes; kink conventions;
dtypes; error messages for bad input; numerical stability at |x| = 1000."""
import itertools

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
    pytest.param(lambda x: x ** 2, anywhere, id="pow2"),
    pytest.param(lambda x: x ** 3, anywhere, id="pow3"),
    pytest.param(lambda x: x ** 0.5, positive, id="pow_half"),
    pytest.param(lambda x: x ** -1.5, positive, id="pow_neg"),
    pytest.param(lambda x: 2.0 ** x, anywhere, id="rpow"),
    pytest.param(lambda x: 1.0 / x, away_from_zero, id="rdiv"),
    pytest.param(lambda x: 3.0 - x, anywhere, id="rsub"),
    pytest.param(lambda x: np.exp(x), anywhere, id="np_exp_ufunc"),
    pytest.param(lambda x: np.tanh(np.sqrt(x)), positive, id="np_tanh_sqrt_ufunc"),
    pytest.param(lambda x: np.log(x), positive, id="np_log_ufunc"),
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
    pytest.param(lambda x: x ** 3, anywhere, id="pow3"),
    pytest.param(lambda x: 1.0 / x, away_from_zero, id="rdiv"),
    pytest.param(lambda x: dg.softmax(x, axis=-1), anywhere, id="softmax"),
    pytest.param(lambda x: dg.log_softmax(x, axis=-1), anywhere, id="log_softmax"),
]


@pytest.mark.parametrize("shape", [(4,), (3, 4)], ids=sid)
@pytest.mark.parametrize("f, sample", SECOND_ORDER_UNARY)
def test_unary_second_order(f, sample, shape, rng):
    check_grads(f, sample(rng, shape), order=2)


@pytest.mark.parametrize("f, fprime", [
    pytest.param(dg.exp, np.exp, id="exp"),
    pytest.param(dg.log, lambda x: 1 / x, id="log"),
    pytest.param(dg.sqrt, lambda x: 0.5 / np.sqrt(x), id="sqrt"),
    pytest.param(dg.tanh, lambda x: 1 - np.tanh(x) ** 2, id="tanh"),
    pytest.param(dg.sigmoid, lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, id="sigmoid"),
])
def test_unary_derivative_formulas(f, fprime, rng):
    x = positive(rng, (5,))
    y, (g,) = tape_grad(f, x)
    np.testing.assert_allclose(g.numpy(), fprime(x), rtol=1e-12)


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


# --- binary ops, every broadcasting pair ------------------------------------------------------

PAIRS = list(itertools.product(SHAPES, SHAPES))


def pair_id(pair):
    return f"{sid(pair[0])}-{sid(pair[1])}"


def _where(x, y):
    cond = np.resize([True, False, False, True, True], np.broadcast_shapes(np.shape(x), np.shape(y)))
    return dg.where(cond, x, y)


BINARY = [
    pytest.param(lambda x, y: x + y, anywhere, anywhere, id="add"),
    pytest.param(lambda x, y: x - y, anywhere, anywhere, id="sub"),
    pytest.param(lambda x, y: x * y, anywhere, anywhere, id="mul"),
    pytest.param(lambda x, y: x / y, anywhere, away_from_zero, id="div"),
    pytest.param(lambda x, y: x ** y, positive, anywhere, id="pow"),
    pytest.param(dg.maximum, distinct, lambda rng, s: distinct(rng, s) + 0.05, id="maximum"),
    pytest.param(dg.minimum, distinct, lambda rng, s: distinct(rng, s) + 0.05, id="minimum"),
    pytest.param(_where, anywhere, anywhere, id="where"),
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
@pytest.mark.parametrize("f, sample_x, sample_y", [
    pytest.param(lambda x, y: x * y, anywhere, anywhere, id="mul"),
    pytest.param(lambda x, y: x / y, anywhere, away_from_zero, id="div"),
    pytest.param(lambda x, y: x ** y, positive, anywhere, id="pow"),
])
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


def test_maximum_tie_gives_gradient_to_first_argument():
    _, (gx, gy) = tape_grad(dg.maximum, np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    np.testing.assert_array_equal(gx.numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(gy.numpy(), [0.0, 1.0])


# --- ndarray (or NumPy scalar) on the left --------------------------------------------------

NDARRAY_LEFT = [
    pytest.param(lambda t: np.ones(3) * t, lambda x: np.ones(3), id="mul"),
    pytest.param(lambda t: np.full(3, 2.0) + t, lambda x: np.ones(3), id="add"),
    pytest.param(lambda t: np.ones(3) - t, lambda x: -np.ones(3), id="sub"),
    pytest.param(lambda t: np.full(3, 2.0) / t, lambda x: -2.0 / x ** 2, id="div"),
    pytest.param(lambda t: np.full(3, 2.0) ** t, lambda x: 2.0 ** x * np.log(2.0), id="pow"),
    pytest.param(lambda t: np.float64(3.0) * t, lambda x: np.full(3, 3.0), id="np_scalar_mul"),
    pytest.param(lambda t: np.arange(6.0).reshape(2, 3) @ t,
                 lambda x: np.arange(6.0).reshape(2, 3).sum(axis=0), id="matmul"),
    pytest.param(lambda t: np.maximum(np.zeros(3), t), lambda x: (x > 0).astype(float), id="np_maximum"),
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
REDUCE_CASES = [pytest.param(shape, axis, id=f"{sid(shape)}-axis{axis}".replace(" ", ""))
                for shape, axes in AXES.items() for axis in axes]
REDUCTIONS = [
    pytest.param(dg.sum, np.sum, id="sum"),
    pytest.param(dg.mean, np.mean, id="mean"),
    pytest.param(dg.max, np.max, id="max"),
]


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize("shape, axis", REDUCE_CASES)
@pytest.mark.parametrize("reduce, np_reduce", REDUCTIONS)
def test_reduction(reduce, np_reduce, shape, axis, keepdims, rng):
    x = distinct(rng, shape)
    out = reduce(x, axis=axis, keepdims=keepdims)
    expected = np_reduce(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14)
    check_grads(lambda t: reduce(t, axis=axis, keepdims=keepdims), x)


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


@pytest.mark.parametrize("f", [
    pytest.param(lambda t: dg.mean(t * t * t, axis=-1), id="mean"),
    pytest.param(lambda t: dg.mean(t ** 3, axis=(0, 1), keepdims=True), id="mean-tuple-keepdims"),
    pytest.param(lambda t: dg.sum(dg.exp(t), axis=0), id="sum"),
    pytest.param(lambda t: dg.max(t * t, axis=1), id="max"),
    pytest.param(lambda t: dg.maximum(t * t, dg.exp(t) - 1.5), id="maximum"),
    pytest.param(lambda t: dg.where(t > 0, t ** 3, dg.exp(t)), id="where"),
    pytest.param(lambda t: dg.sqrt(t * t + 1.0), id="sqrt"),
    pytest.param(lambda t: dg.abs(t) ** 3, id="abs"),
    pytest.param(lambda t: dg.leaky_relu(t, alpha=0.1) * t, id="leaky_relu"),
    pytest.param(lambda t: dg.transpose(dg.reshape(t * t, (2, 6)), (1, 0)), id="reshape-transpose"),
])
def test_second_order_misc(f, rng):
    x = distinct(rng, (3, 4))
    check_grads(f, x + 0.3 * np.sign(x), order=2)  # no entry near 0, where t³'s derivatives vanish


# --- softmax family ---------------------------------------------------------------------------

SOFTMAX_CASES = [pytest.param(shape, axis, id=f"{sid(shape)}-axis{axis}")
                 for shape in [(4,), (3, 4), (1, 4)] for axis in ([0, -1] if len(shape) == 1 else [0, 1, -1])]


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
    np.testing.assert_allclose(dg.log_softmax(z, axis=axis).numpy(),
                               np.log(np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)), rtol=1e-12)
    check_grads(lambda t: dg.log_softmax(t, axis=axis), z)


def test_softmax_jacobian_matches_spec(rng):
    # SPEC 7.4: dp_i/dz_j = p_i (δ_ij − p_j), one row at a time through output_gradients.
    z = dg.constant(anywhere(rng, (4,)))
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(z)
        p = dg.softmax(z)
    rows = [tape.gradient(p, z, output_gradients=np.eye(4)[i]).numpy() for i in range(4)]
    pn = p.numpy()
    np.testing.assert_allclose(np.array(rows), np.diag(pn) - np.outer(pn, pn), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES)
def test_softmax_cross_entropy(shape, axis, rng):
    logits = anywhere(rng, shape)
    labels = rng.uniform(0.1, 1.0, size=shape)
    labels /= labels.sum(axis=axis, keepdims=True)
    loss = dg.softmax_cross_entropy(labels, logits, axis=axis)
    np.testing.assert_allclose(loss.numpy(), -(labels * np_log_softmax(logits, axis)).sum(axis=axis),
                               rtol=1e-12)
    check_grads(lambda y, z: dg.softmax_cross_entropy(y, z, axis=axis), labels, logits)


def test_softmax_cross_entropy_gradient_is_p_minus_y(rng):
    logits = anywhere(rng, (5, 3))
    labels = np.eye(3)[rng.integers(0, 3, size=5)]
    z = dg.constant(logits)
    with dg.GradientTape() as tape:
        tape.watch(z)
        loss = dg.sum(dg.softmax_cross_entropy(labels, z))
    p = np.exp(np_log_softmax(logits, -1))
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), p - labels, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_second_order(rng):
    labels = np.eye(4)[[1, 3, 0]]
    check_grads(lambda z: dg.softmax_cross_entropy(labels, z), anywhere(rng, (3, 4)), order=2)


# --- shape ops ----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, new", [
    pytest.param((3, 4), (4, 3), id="3x4-to-4x3"),
    pytest.param((3, 4), (12,), id="3x4-to-12"),
    pytest.param((3, 4), (2, -1, 2), id="3x4-to-2x3x2"),
    pytest.param((4,), (1, 4), id="4-to-1x4"),
    pytest.param((), (1, 1), id="scalar-to-1x1"),
])
def test_reshape(shape, new, rng):
    x = anywhere(rng, shape)
    assert dg.reshape(x, new).shape == np.reshape(x, new).shape
    check_grads(lambda t: dg.reshape(t, new) * np.arange(np.size(x)).reshape(np.reshape(x, new).shape), x)
    check_grads(lambda t: t.reshape(new), x)


@pytest.mark.parametrize("shape, axes", [
    pytest.param((3, 4), None, id="3x4-reverse"),
    pytest.param((3, 4), (1, 0), id="3x4-10"),
    pytest.param((2, 3, 4), None, id="2x3x4-reverse"),
    pytest.param((2, 3, 4), (1, 0, 2), id="2x3x4-102"),
    pytest.param((2, 3, 4), (2, 0, 1), id="2x3x4-201"),
    pytest.param((2, 3, 4), (1, 2, 0), id="2x3x4-120"),
    pytest.param((2, 3, 4), (-1, 0, 1), id="2x3x4-negative"),
])
def test_transpose(shape, axes, rng):
    x = anywhere(rng, shape)
    np.testing.assert_array_equal(dg.transpose(x, axes).numpy(), np.transpose(x, axes))
    check_grads(lambda t: dg.transpose(t, axes), x)


def test_T_property(rng):
    x = anywhere(rng, (3, 4))
    np.testing.assert_array_equal(dg.constant(x).T.numpy(), x.T)
    check_grads(lambda t: t.T @ np.ones(3), x)


@pytest.mark.parametrize("shapes, axis", [
    pytest.param([(2, 4), (3, 4)], 0, id="rows"),
    pytest.param([(3, 2), (3, 5)], 1, id="cols"),
    pytest.param([(3, 2), (3, 1), (3, 4)], -1, id="three-last-axis"),
    pytest.param([(4,), (2,)], 0, id="vectors"),
])
def test_concatenate(shapes, axis, rng):
    xs = [anywhere(rng, s) for s in shapes]
    np.testing.assert_array_equal(dg.concatenate(xs, axis=axis).numpy(), np.concatenate(xs, axis=axis))
    check_grads(lambda *ts: dg.concatenate(list(ts), axis=axis), *xs)


@pytest.mark.parametrize("shape, axis", [
    pytest.param((3, 4), 0, id="3x4-axis0"),
    pytest.param((3, 4), 1, id="3x4-axis1"),
    pytest.param((3, 4), 2, id="3x4-axis2"),
    pytest.param((3, 4), -1, id="3x4-axis-1"),
    pytest.param((4,), 1, id="4-axis1"),
    pytest.param((), 0, id="scalar-axis0"),
])
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


@pytest.mark.parametrize("sx, sy", [MATMUL_SHAPES[0], MATMUL_SHAPES[1], MATMUL_SHAPES[2],
                                    MATMUL_SHAPES[3], MATMUL_SHAPES[4]])
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
    pytest.param(lambda x: x ** 2, id="pow2"),
    pytest.param(lambda x: x ** 1.5, id="pow_float"),
    pytest.param(lambda x: 2.0 ** x, id="rpow"),
    pytest.param(lambda x: dg.mean(x, axis=0), id="mean"),
    pytest.param(lambda x: dg.sum(x, axis=1, keepdims=True), id="sum"),
    pytest.param(lambda x: dg.max(x, axis=1), id="max"),
    pytest.param(lambda x: dg.softmax(x), id="softmax"),
    pytest.param(lambda x: dg.log_softmax(x), id="log_softmax"),
    pytest.param(lambda x: dg.softmax_cross_entropy(np.eye(4, dtype=np.float32)[:3], x), id="sce"),
    pytest.param(lambda x: x @ x.T, id="matmul"),
    pytest.param(lambda x: x[[0, 0, 2]], id="fancy_index"),
    pytest.param(lambda x: dg.maximum(x, 0.5 * x), id="maximum"),
    pytest.param(lambda x: dg.where(x > 1.0, x, -x), id="where"),
    pytest.param(lambda x: dg.concatenate([x, x]), id="concatenate"),
    pytest.param(lambda x: np.exp(x), id="np_exp"),
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
    pytest.param(lambda: dg.where(np.ones(5, bool), dg.constant(A), 0.0), "where", [(5,), (3, 4)],
                 id="where"),
    pytest.param(lambda: dg.constant(A) @ np.ones((5, 2)), "matmul", [(3, 4), (5, 2)], id="matmul"),
    pytest.param(lambda: dg.matmul(np.ones(3), dg.constant(np.ones(4))), "matmul", [(3,), (4,)],
                 id="matmul-1d"),
    pytest.param(lambda: dg.concatenate([dg.constant(A), np.ones((3, 5))]), "concatenate",
                 [(3, 4), (3, 5)], id="concatenate"),
    pytest.param(lambda: dg.stack([dg.constant(A), B]), "stack", [(3, 4), (5,)], id="stack"),
    pytest.param(lambda: dg.softmax_cross_entropy(B, dg.constant(A)), "softmax_cross_entropy",
                 [(5,), (3, 4)], id="sce"),
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


@pytest.mark.parametrize("call, op", [
    pytest.param(lambda t: dg.sum(t, axis=2), "sum", id="sum-2"),
    pytest.param(lambda t: dg.mean(t, axis=-3), "mean", id="mean--3"),
    pytest.param(lambda t: dg.max(t, axis=(0, 5)), "max", id="max-tuple"),
    pytest.param(lambda t: dg.softmax(t, axis=2), "softmax", id="softmax"),
    pytest.param(lambda t: dg.log_softmax(t, axis=-3), "log_softmax", id="log_softmax"),
    pytest.param(lambda t: dg.transpose(t, (0, 2)), "transpose", id="transpose"),
    pytest.param(lambda t: dg.stack([t, t], axis=4), "stack", id="stack"),
    pytest.param(lambda t: dg.concatenate([t, t], axis=2), "concatenate", id="concatenate"),
])
def test_out_of_range_axis(call, op):
    with pytest.raises(ValueError) as info:
        call(dg.constant(A))
    assert op in str(info.value) and "(3, 4)" in str(info.value)


def test_matmul_of_scalar_is_rejected():
    with pytest.raises(ValueError, match="matmul"):
        dg.matmul(dg.constant(2.0), np.ones(3))


# --- stability at |x| = 1000 (warnings are errors in this suite) -----------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("f, limits, slopes", [
    pytest.param(dg.sigmoid, [0.0, 0.5, 1.0], [0.0, 0.25, 0.0], id="sigmoid"),
    pytest.param(dg.tanh, [-1.0, 0.0, 1.0], [0.0, 1.0, 0.0], id="tanh"),
])
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
    loss, (_, g) = tape_grad(dg.softmax_cross_entropy, labels, logits)
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
