"""dg.select (np.select's): values and dtypes equal NumPy's, first and second derivatives in the
choices and the default against central finite differences in float64, np.select on Tensors
runs it (recorded), autograd's gradients, and errors that name the op."""

import warnings

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd

X = np.array([[0.7, -1.3, 2.1, -0.45], [1.6, -2.4, 0.35, 3.3], [-0.9, 0.55, -3.1, 1.2]])
Y = np.array([[1.1, 0.8, -1.4, 0.95], [-0.75, 2.7, 1.3, -1.7], [0.65, -1.6, 1.9, 2.6]])
# Fixed conditions that overlap (where both hold the first choice wins) and leave entries to the
# default.
C1 = np.array([[True, False, True, False], [True, True, False, False], [False, True, False, True]])
C2 = np.array([[True, True, False, False], [False, True, True, False], [True, True, False, False]])
C3 = np.array([[False, True, False, True], [True, False, False, False], [False, False, True, True]])
W = np.random.default_rng(5).uniform(0.5, 1.5, size=X.shape)


def loss(xp, x, y):
    """select of three choices built from x and a default built from y, weighted and summed:
    NumPy (xp = np) for the reference, deltagrad (xp = dg) under test."""
    out = xp.select([C1, C2, C3], [x**2, xp.sin(x) * y, 3.0 * x], default=y**3)
    return xp.sum(W * out)


def test_values_and_gradients_match_finite_differences_to_second_order():
    np.testing.assert_allclose(loss(dg, X, Y).numpy(), loss(np, X, Y), rtol=1e-14)
    grads = dg.grad(lambda x, y: loss(dg, x, y), argnums=(0, 1))(X, Y)
    numeric = fd.gradients(lambda x, y: float(loss(np, x, y)), X, Y)
    for got, want in zip(grads, numeric):
        assert np.max(np.abs(want)) > 0.1
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-7, atol=1e-8)
    # the Hessian against central differences of the (checked) gradient, in both arguments
    for argnum, at in ((0, X), (1, Y)):

        def grad_at(v, argnum=argnum):
            args = [X, Y]
            args[argnum] = v
            return np.asarray(dg.grad(lambda x, y: loss(dg, x, y), argnums=argnum)(*args))

        def f(v, argnum=argnum):
            return loss(dg, v, Y) if argnum == 0 else loss(dg, X, v)

        hess = np.asarray(dg.hessian(f)(at))
        want = fd.jacobian(grad_at, at)
        assert np.max(np.abs(want)) > 0.1
        np.testing.assert_allclose(hess, want, rtol=1e-6, atol=1e-7)


def test_the_gradient_goes_to_the_first_choice_that_holds_else_to_the_default():
    x, y, d = (dg.constant(v) for v in (X, Y, 2.0 * X))
    with dg.GradientTape() as tape:
        tape.watch([x, y, d])
        out = dg.select([C1, C2], [x, y], d)
    gx, gy, gd = tape.gradient(out, [x, y, d])
    np.testing.assert_array_equal(np.asarray(gx), C1 * 1.0)
    np.testing.assert_array_equal(np.asarray(gy), (~C1 & C2) * 1.0)
    np.testing.assert_array_equal(np.asarray(gd), (~C1 & ~C2) * 1.0)


def test_conditions_and_choices_broadcast_and_gradients_are_summed_back():
    cond = np.array([[True], [False], [True]])  # (3, 1)
    row = np.array([0.5, -1.0, 2.0, 3.0])  # (4,)
    out = dg.select([cond, X > 0], [row, X], default=-1.0)
    np.testing.assert_array_equal(out.numpy(), np.select([cond, X > 0], [row, X], default=-1.0))
    g_row, g_default = dg.grad(
        lambda r, d: dg.sum(dg.select([cond, X > 0], [r, X], d)), argnums=(0, 1)
    )(row, 7.0)
    np.testing.assert_array_equal(np.asarray(g_row), [2.0, 2.0, 2.0, 2.0])  # 2 rows chosen
    want = np.sum(~np.broadcast_to(cond, X.shape) & ~(X > 0))
    assert float(np.asarray(g_default)) == want > 0


def test_default_is_zero_and_a_single_condition_is_where():
    out = dg.select([C1], [X])
    np.testing.assert_array_equal(out.numpy(), np.where(C1, X, 0.0))
    assert isinstance(out, dg.Tensor)


DTYPE_CASES = [
    ([np.ones(3, np.float32)], 0),  # a Python number takes the array's precision (NEP 50)
    ([np.ones(3, np.float32), 2.5], 1),
    ([np.ones(3, np.float32)], np.float64(1.0)),  # a NumPy scalar does not
    ([np.arange(3), np.arange(3) * 2], 0),
    ([np.arange(3)], 0.5),
    ([np.arange(3, dtype=np.int32), np.ones(3, np.float32)], 0),
    ([1.5, 2], 0),  # numbers only
]


@pytest.mark.parametrize(("choices", "default"), DTYPE_CASES, ids=lambda v: repr(v)[:30])
def test_values_and_dtypes_are_numpys(choices, default):
    conds = [np.array([True, False, False]), np.array([True, True, False])][: len(choices)]
    want = np.select(conds, choices, default)
    got = dg.select(conds, choices, default)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.numpy(), want)
    # the same with the choices as Tensors
    tensors = [dg.constant(c) if isinstance(c, np.ndarray) else c for c in choices]
    got = dg.select(conds, tensors, default)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.numpy(), want)


def test_float32_tensor_choices_stay_float32_with_their_gradient():
    x = X.astype(np.float32)
    g = dg.grad(lambda x: dg.sum(dg.select([C1], [x * x], 1)))(x)
    assert dg.select([C1], [dg.constant(x)], 1).dtype == np.float32
    np.testing.assert_allclose(np.asarray(g), np.where(C1, 2 * x, 0), rtol=1e-6)


def test_conditions_may_be_tensors_and_carry_no_gradient():
    x = dg.constant(X)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        cond = x > 0  # a boolean Tensor
        out = dg.select([cond], [x * 2.0], default=x)
    np.testing.assert_array_equal(np.asarray(tape.gradient(out, x)), np.where(X > 0, 2.0, 1.0))


def test_np_select_on_tensors_runs_deltagrads_select():
    x = dg.constant(X)
    with dg.GradientTape() as tape:
        tape.watch(x)
        out = np.select([C1, C2], [x**2, np.sin(x)], default=-1.0)
        y = dg.sum(W * out)
    assert isinstance(out, dg.Tensor)
    np.testing.assert_allclose(
        out.numpy(), np.select([C1, C2], [X**2, np.sin(X)], default=-1.0), rtol=1e-15
    )
    want = W * np.select([C1, C2], [2 * X, np.cos(X)], default=0.0)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), want, rtol=1e-14)


def test_gradients_match_autograd():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = ag.grad(lambda x, y: loss(anp, x, y), argnum=(0, 1))(X, Y)
    got = dg.grad(lambda x, y: loss(dg, x, y), argnums=(0, 1))(X, Y)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-13, atol=1e-15)


def test_bad_input_is_refused_naming_select():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"select: condlist and choicelist.*2 conditions and 1"):
        dg.select([x > 0, x > 1], [x])
    with pytest.raises(ValueError, match=r"select: condlist is empty"):
        dg.select([], [])
    with pytest.raises(TypeError, match=r"select: condition 1 must be boolean.*float64"):
        dg.select([x > 0, x], [x, x])
    with pytest.raises(ValueError, match=r"select: the conditions.*\(3,\).*\(4,\).*broadcast"):
        dg.select([x > 0], [np.ones(4)])
    with pytest.raises(TypeError, match=r"select: unsupported dtype complex"):
        dg.select([x > 0], [x * 1j])
