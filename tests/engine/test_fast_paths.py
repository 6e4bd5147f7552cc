"""The engine's fast paths give the same numbers as the general ones, and change nothing a user
can observe: ReLU/LeakyReLU slopes by mask, the collector paused while tapes record, a
non-persistent tape's record released after its gradient, optimisers updating in place only
when nobody else holds the value, and the first-derivative shortcuts of softmax cross-entropy,
mean and bias gradients."""

import gc
import warnings

import numpy as np
import pytest

import deltagrad as dg
from deltagrad import ops

DTYPES = [np.float32, np.float64]


# --- ReLU and LeakyReLU slopes ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.1, 0.2, 1 / 3, 0.5, 0.7, 1.0, 1.5, -0.3, 1e20])
def test_leaky_relu_rule_equals_the_select_bit_for_bit(alpha, dtype, rng):
    x = rng.standard_normal(257).astype(dtype)
    x[:3] = 0  # the kink: slope alpha
    g = rng.standard_normal(257).astype(dtype)
    got = ops.leaky_relu_p.vjps[0](g, None, x, alpha=alpha)
    want = np.where(x > 0, g, alpha * g)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_rule_is_the_mask_with_zero_at_the_kink(dtype, rng):
    x = rng.standard_normal(100).astype(dtype)
    x[0] = 0
    g = rng.standard_normal(100).astype(dtype)
    got = ops.relu_p.vjps[0](g, None, x)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.where(x > 0, g, 0))


@pytest.mark.parametrize("f", [dg.relu, lambda x: dg.leaky_relu(x, alpha=0.2)])
def test_second_derivative_of_relus_is_zero_away_from_the_kink(f):
    x = dg.constant(np.array([-1.5, 0.5, 2.0]))
    with dg.GradientTape() as outer:
        outer.watch(x)
        with dg.GradientTape() as inner:
            inner.watch(x)
            y = dg.sum(f(x) * x)  # d/dx = f'(x)·x + f(x); d²/dx² = 2 f'(x)
        dy = dg.sum(inner.gradient(y, x))
    np.testing.assert_allclose(outer.gradient(dy, x).numpy(), 2 * f(x).numpy() / x.numpy())


# --- the collector --------------------------------------------------------------------------


def test_collector_is_off_while_recording_and_restored_on_every_exit():
    assert gc.isenabled()
    with dg.GradientTape():
        assert not gc.isenabled()
        with dg.GradientTape():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer tape still records
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), dg.GradientTape():
        raise ZeroDivisionError
    assert gc.isenabled()


def test_a_collector_the_user_switched_off_stays_off():
    gc.disable()
    try:
        with dg.GradientTape():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_entering_a_recording_tape_again_leaves_the_collector_alone():
    tape = dg.GradientTape()
    with tape:
        with pytest.raises(RuntimeError):
            tape.__enter__()
    assert gc.isenabled()


def test_long_backward_pass_restores_the_collector():
    x = dg.Variable(np.ones(3))
    with dg.GradientTape() as tape:
        y = x
        for _ in range(400):
            y = y * 1.0 + x
        loss = dg.sum(y)
    assert gc.isenabled()
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), 401.0)
    assert gc.isenabled()


# --- releasing the record ---------------------------------------------------------------------


def test_non_persistent_tape_releases_its_record_after_gradient():
    x = dg.Variable(np.array([1.0, 2.0]))
    with dg.GradientTape() as tape:
        y = dg.sum(x * x)
    tape.gradient(y, x)
    assert tape._entries == []
    assert tape.watched_variables() == [x]
    with pytest.raises(ValueError, match="released"):
        dg.viz.trace(tape, y)


def test_persistent_tape_keeps_its_record():
    x = dg.Variable(np.array([1.0, 2.0]))
    with dg.GradientTape(persistent=True) as tape:
        y = dg.sum(x * x)
    g1 = tape.gradient(y, x)
    g2 = tape.gradient(y, x)
    np.testing.assert_array_equal(g1.numpy(), g2.numpy())
    assert dg.viz.trace(tape, y).ops


# --- optimisers in place ----------------------------------------------------------------------


def _step(opt, w, x):
    with dg.GradientTape() as tape:
        loss = dg.sum(dg.relu(x @ w) ** 2)
    opt.apply_gradients([(tape.gradient(loss, w), w)])


OPTIMIZERS = [
    lambda: dg.optim.SGD(lr=0.1),
    lambda: dg.optim.SGD(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    lambda: dg.optim.SGD(lr=0.1, momentum=0.9, nesterov=True, maximize=True),
    lambda: dg.optim.Adam(lr=0.1),
    lambda: dg.optim.RMSprop(lr=0.1, momentum=0.5, centered=True),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_in_place_and_copying_updates_agree_bit_for_bit(make, dtype, rng):
    x = rng.standard_normal((4, 3)).astype(dtype)
    w0 = rng.standard_normal((3, 2)).astype(dtype)
    a, b = dg.Variable(w0.copy()), dg.Variable(w0.copy())
    opt_a, opt_b = make(), make()
    held = []
    for _ in range(4):
        _step(opt_a, a, x)  # nothing else holds a's value: updated in place where possible
        held.append(b.numpy())  # b's value is held: every update gives b a new array
        _step(opt_b, b, x)
    assert a.dtype == b.dtype == dtype
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not any(h is b.numpy() for h in held)


def test_sgd_updates_a_sole_owner_in_place():
    w = dg.Variable(np.array([1.0, 2.0]))
    address = w.numpy().ctypes.data
    _step(dg.optim.SGD(lr=0.1), w, np.ones((1, 2)))
    assert w.numpy().ctypes.data == address


@pytest.mark.parametrize(
    "hold",
    [
        lambda w: w.numpy(),
        lambda w: np.asarray(w),
        lambda w: w[0],
        lambda w: w.T,
        lambda w: dg.constant(w),
    ],
    ids=["numpy", "asarray", "view", "transpose", "constant"],
)
def test_whatever_holds_the_old_value_keeps_seeing_it(hold):
    w = dg.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    kept = hold(w)
    before = np.array(kept)
    _step(dg.optim.SGD(lr=0.1), w, np.ones((1, 2)))
    assert not np.array_equal(w.numpy(), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(np.asarray(kept), before)


def test_a_variable_made_from_a_users_array_leaves_that_array_alone():
    a = np.array([1.0, 2.0])
    w = dg.Variable(a)
    _step(dg.optim.SGD(lr=0.1), w, np.ones((1, 2)))
    np.testing.assert_array_equal(a, [1.0, 2.0])
    assert not np.array_equal(w.numpy(), a)


def test_a_persistent_tape_still_sees_the_values_it_recorded():
    w = dg.Variable(np.array([1.0, 2.0]))
    with dg.GradientTape(persistent=True) as tape:
        y = dg.sum(w * w)
    g = tape.gradient(y, w)
    dg.optim.SGD(lr=0.1).apply_gradients([(g, w)])
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), [2.0, 4.0])


# --- first-derivative shortcuts ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_softmax_cross_entropy_rule_matches_the_one_hot_form(dtype, rng):
    logits = rng.standard_normal((7, 5)).astype(dtype)
    labels = rng.integers(0, 5, 7)
    g = rng.standard_normal(7).astype(dtype)
    got = ops.sparse_softmax_cross_entropy_p.vjps[1](g, None, labels, logits)
    one_hot = np.eye(5, dtype=dtype)[labels]
    p = dg.functional.softmax(logits, -1)
    np.testing.assert_array_equal(got, g[:, None] * (p - one_hot))
    assert got.dtype == dtype
    loss = ops.sparse_softmax_cross_entropy_p.fwd(labels, logits)
    want = -np.take_along_axis(dg.functional.log_softmax(logits, -1), labels[:, None], -1)[:, 0]
    np.testing.assert_array_equal(loss, want)


def test_sparse_softmax_cross_entropy_refuses_negative_labels():
    with pytest.raises(ValueError, match="label -1 is out of range"):
        dg.sparse_softmax_cross_entropy(labels=np.array([0, -1]), logits=np.zeros((2, 3)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_mean_and_bias_gradients(dtype, rng):
    x = dg.Variable(rng.standard_normal((6, 3)).astype(dtype))
    b = dg.Variable(np.zeros(3, dtype))
    with dg.GradientTape() as tape:
        loss = dg.mean((x + b) * 2.0)
    gx, gb = tape.gradient(loss, [x, b])
    assert gx.dtype == gb.dtype == dtype
    np.testing.assert_array_equal(gx.numpy(), np.full((6, 3), dtype(2.0) / 18, dtype))
    np.testing.assert_array_equal(gb.numpy(), (np.full((6, 3), dtype(2.0) / 18, dtype)).sum(0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(256, 10), (16, 16), (40, 2), (3, 20, 7), (15, 10), (300, 17)])
def test_row_maxima_of_softmax_equal_numpys(shape, dtype, rng):
    # Short last axes (≤ 16) of many rows take the transposed copy; the others NumPy's own max.
    z = (rng.standard_normal(shape) * 30).astype(dtype)
    z.flat[3] = np.nan  # propagates like NumPy's
    z.flat[7] = -np.inf
    got = dg.functional._max_keepdims(z, -1)
    want = z.max(axis=-1, keepdims=True)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(
        dg.functional._max_keepdims(z, z.ndim - 1), want
    )  # the same axis, counted from the front


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_of_many_short_rows_is_stable_and_sums_to_one(dtype, rng):
    z = rng.standard_normal((512, 10)).astype(dtype) * 5
    z[0] = 1e4  # would overflow exp without the shift by the row maximum
    p = dg.functional.softmax(z, -1)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(-1), 1, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(np.exp(dg.functional.log_softmax(z, -1)), p, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1,), (7,), (1000,), (33, 3), (4, 5, 6)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_mean_of_all_equals_numpys_bit_for_bit(shape, keepdims, dtype, rng):
    for scale in (1e-3, 1.0, 1e6):
        x = (rng.standard_normal(shape) * scale).astype(dtype)
        got = dg.mean(x, keepdims=keepdims).numpy()
        want = np.mean(x, keepdims=keepdims)
        assert got.dtype == want.dtype and got.shape == np.shape(want)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("x", [np.arange(5), np.arange(6, dtype=np.float16), np.zeros(0)])
def test_mean_of_other_dtypes_and_of_nothing_is_numpys(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's "Mean of empty slice"
        got = dg.mean(x).numpy()
        want = np.mean(x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("x_shape", "y_shape"),
    [((4, 3), (3, 5)), ((3,), (2, 3, 5)), ((4, 3), (2, 3, 5)), ((2, 4, 3), (3, 5)), ((3,), (3,))],
)
def test_matmul_gradients_on_arrays_equal_finite_differences(x_shape, y_shape, rng):
    from finite_differences import gradients

    x0, y0 = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    w = rng.standard_normal(np.matmul(x0, y0).shape)
    x, y = dg.Variable(x0), dg.Variable(y0)
    with dg.GradientTape() as tape:
        loss = dg.sum(dg.matmul(x, y) * w)
    gx, gy = tape.gradient(loss, [x, y])
    fx, fy = gradients(lambda a, b: float(np.sum(np.matmul(a, b) * w)), x0, y0)
    np.testing.assert_allclose(gx.numpy(), fx, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(gy.numpy(), fy, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("persistent", [False, True])
def test_a_non_persistent_tape_frees_what_only_its_record_held_during_the_pass(persistent):
    import weakref

    from deltagrad.ops.core import Primitive

    seen = []
    probe = Primitive("probe", lambda a: a * 1.0)  # the identity, with a rule that looks around
    probe.defvjp(lambda g, out, a: seen.append(later() is None) or g)
    x = dg.Variable(np.ones(1000))
    with dg.GradientTape(persistent=persistent) as tape:
        a = probe.bind(x)
        b = a * 3.0
        later = weakref.ref(b._value)  # b's array: held by the record once the names go
        y = dg.sum(b)
    del a, b
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.full(1000, 3.0))
    # By the time the first op's rule runs, the non-persistent pass has let the later ops go.
    assert seen == [not persistent]


@pytest.mark.parametrize(
    "gradient_of",
    [lambda a: a, lambda a: a[::-1], lambda a: a.reshape(2, 2).T.reshape(4)],
    ids=["itself", "reversed view", "transposed copy of a view"],
)
def test_sgd_with_a_gradient_that_is_the_variables_own_memory(gradient_of):
    # An in-place update reading its own output would be wrong: the gradient must be read whole.
    w = dg.Variable(np.array([1.0, 2.0, 3.0, 4.0]))
    g = gradient_of(w._value)
    want = w.numpy() - 0.5 * np.array(g)
    dg.optim.SGD(lr=0.5).apply_gradients([(g, w)])
    np.testing.assert_array_equal(w.numpy(), want)
