"""deltagrad.compat.tf: the TensorFlow-style namespace over deltagrad's engine.

Expected values are derived by hand (SPEC's formulas) and computed with NumPy in float64.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import deltagrad as dg
from deltagrad.compat import tf


def close(got, want, rtol=1e-6, atol=1e-7):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=rtol, atol=atol)


def grad_of(f, x):
    """d(sum f(x))/dx through a tape watching ``x``."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


# --- conversion and dtypes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, dtype",
    [
        (1.0, np.float32),
        ([1.0, 2.5], np.float32),
        ([[1, 2]], np.int32),
        (3, np.int32),
        (True, np.bool_),
        ([1, 2.5], np.float32),
        (2**40, np.int64),
        (np.array([1.0]), np.float64),
        (np.float64(2.0), np.float64),
        (np.arange(3), np.int64),
    ],
)
def test_constant_uses_tensorflow_default_dtypes(value, dtype):
    t = tf.constant(value)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(value))


def test_constant_with_dtype_and_shape():
    assert tf.constant(1, dtype=tf.float64).dtype == np.float64
    assert tf.constant(2.0, dtype="int32").numpy() == 2
    np.testing.assert_array_equal(tf.constant(7.0, shape=[2, 3]).numpy(), np.full((2, 3), 7.0))
    assert tf.constant([1.0, 2.0, 3.0, 4.0], shape=(2, 2)).shape == (2, 2)
    with pytest.raises(ValueError, match=r"shape=\(3,\)"):
        tf.constant([1.0, 2.0], shape=[3])
    with pytest.raises(TypeError, match="non-integral.*int32"):
        tf.constant(1.5, dtype=tf.int32)
    with pytest.raises(TypeError, match="dtype 'nonsense'"):
        tf.ones([2], dtype="nonsense")
    with pytest.raises(TypeError, match="str"):
        tf.constant("text")


def test_dtype_names_compare_with_tensor_dtypes():
    assert tf.constant(1.0).dtype == tf.float32
    assert tf.constant(1).dtype == tf.int32
    assert tf.cast(tf.constant(1), tf.bool).dtype == tf.bool


def test_unknown_arguments_are_named():
    with pytest.raises(TypeError, match="verify_shape"):
        tf.constant(1.0, verify_shape=True)
    with pytest.raises(TypeError, match="stddevv"):
        tf.random.normal([2], stddevv=2.0)
    with pytest.raises(TypeError, match="reduction"):
        tf.losses.MSE([1.0], [1.0], reduction="sum")


def test_the_namespace_is_a_thin_layer_over_the_engine():
    assert tf.GradientTape is dg.GradientTape and tf.Tensor is dg.Tensor
    x = tf.constant([1.0, 2.0])
    for out in (
        tf.exp(x),
        tf.square(x),
        tf.sigmoid(x),
        tf.nn.relu(x),
        x @ x,
        tf.reduce_sum(x),
        tf.losses.MSE(x, x),
        tf.ones([2]),
        tf.random.normal([2]),
    ):
        assert type(out) is dg.Tensor
    assert type(tf.Variable(1.0)) is dg.Variable
    assert tf.constant(x) is x and tf.convert_to_tensor(x) is x
    assert tf.keras.losses is tf.losses


def test_printing_shows_value_shape_and_dtype():
    # The engine prints "Tensor(…)"; TensorFlow prints "tf.Tensor(…)". Either reads the same here.
    assert str(tf.constant(2.0)).endswith("Tensor(2.0, shape=(), dtype=float32)")


# --- Variable ---------------------------------------------------------------------------------


def test_variable_assignments_keep_float32():
    v = tf.Variable(1.0, name="v")
    assert isinstance(v, tf.Variable) and not isinstance(tf.constant(1.0), tf.Variable)
    assert v.dtype == np.float32 and v.name == "v"
    assert v.assign(3.0) is v and v.numpy() == 3.0
    v.assign_add(0.5)
    v.assign_sub(2.0)
    assert v.numpy() == 1.5 and v.dtype == np.float32


def test_variables_are_watched_automatically():
    w = tf.Variable([1.0, -2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(w))
    close(tape.gradient(loss, w), [2.0, -4.0])  # d/dw Σw² = 2w


def test_integer_variables_are_not_trainable():
    v = tf.Variable(3)
    assert v.dtype == np.int32 and not v.trainable


# --- GradientTape -----------------------------------------------------------------------------


def test_persistent_tape_and_unconnected_gradients():
    x, y = tf.constant(3.0), tf.constant(4.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        z = x * x
    close(tape.gradient(z, x), 6.0)
    close(tape.gradient(z, [x])[0], 6.0)
    assert tape.gradient(z, y) is None
    assert tape.gradient(z, y, unconnected_gradients=tf.UnconnectedGradients.ZERO).numpy() == 0.0


def test_non_persistent_tape_gives_one_gradient():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)


def test_nested_tapes_give_second_derivatives():
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        dy = inner.gradient(y, x)
    close(dy, 3 * 2.0**2)  # (x³)' = 3x²
    close(outer.gradient(dy, x), 6 * 2.0)  # (x³)'' = 6x


# --- creation ---------------------------------------------------------------------------------


def test_ones_zeros():
    assert tf.ones([2, 3]).shape == (2, 3) and tf.ones(4).dtype == np.float32
    np.testing.assert_array_equal(tf.zeros((2,), dtype=tf.int32).numpy(), [0, 0])
    with pytest.raises(ValueError, match="shape"):
        tf.zeros([-1])


def test_linspace_and_range():
    a = tf.linspace(-10.0, 10.0, 10)
    assert a.dtype == np.float32
    close(a, np.linspace(-10, 10, 10), rtol=1e-6)
    assert tf.linspace(np.float64(0), np.float64(1), 3).dtype == np.float64
    r = tf.range(5)
    assert r.dtype == np.int32 and r.numpy().tolist() == [0, 1, 2, 3, 4]
    assert tf.range(1, 10, 3).numpy().tolist() == [1, 4, 7]
    f = tf.range(0.0, 1.0, 0.25)
    assert f.dtype == np.float32 and f.numpy().tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tf.range(3, dtype=tf.float64).dtype == np.float64
    with pytest.raises(ValueError, match="delta"):
        tf.range(0, 5, 0)
    with pytest.raises(ValueError, match="num"):
        tf.linspace(0.0, 1.0, 2.5)


# --- random -----------------------------------------------------------------------------------


def test_set_seed_makes_draws_reproducible():
    tf.random.set_seed(123)
    a = tf.random.normal([3, 2]).numpy(), tf.random.uniform([4]).numpy()
    tf.random.set_seed(123)
    b = tf.random.normal([3, 2]).numpy(), tf.random.uniform([4]).numpy()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    tf.random.set_seed(124)
    assert not np.array_equal(tf.random.normal([3, 2]).numpy(), a[0])


def test_random_leaves_numpy_global_state_alone():
    before = np.random.get_state()[1].copy()
    tf.random.set_seed(0)
    tf.random.normal([100])
    tf.random.uniform([100])
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_random_distributions():
    tf.random.set_seed(1)
    n = tf.random.normal([20000], mean=2.0, stddev=3.0).numpy()
    assert n.dtype == np.float32
    assert abs(n.mean() - 2.0) < 0.1 and abs(n.std() - 3.0) < 0.1
    u = tf.random.uniform([20000], minval=-1.0, maxval=3.0).numpy()
    assert u.dtype == np.float32 and u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 0.05
    k = tf.random.uniform([1000], minval=2, maxval=5, dtype=tf.int32).numpy()
    assert k.dtype == np.int32 and set(k.tolist()) == {2, 3, 4}


def test_random_rejects_what_it_does_not_support():
    with pytest.raises(ValueError, match="seed"):
        tf.random.normal([2], seed=1)
    with pytest.raises(ValueError, match="maxval"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(ValueError, match="dtype"):
        tf.random.normal([2], dtype=tf.int32)
    with pytest.raises(ValueError, match="seed"):
        tf.random.set_seed(-1)


# --- maths and their gradients ----------------------------------------------------------------

X = np.array([-2.0, -0.5, 0.5, 3.0])


def sig(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize(
    "fn, value, derivative",
    [
        (tf.exp, np.exp, np.exp),
        (tf.square, np.square, lambda x: 2 * x),
        (tf.sigmoid, sig, lambda x: sig(x) * (1 - sig(x))),
        (tf.nn.sigmoid, sig, lambda x: sig(x) * (1 - sig(x))),
        (tf.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
        (tf.nn.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    ],
)
def test_elementwise_values_and_gradients(fn, value, derivative):
    x = tf.constant(X.tolist())
    y = fn(x)
    assert y.dtype == np.float32
    close(y, value(X))
    close(grad_of(fn, x), derivative(X))


def test_float_functions_refuse_integers_by_name():
    with pytest.raises(TypeError, match=r"tf\.exp.*int32.*tf\.cast"):
        tf.exp(tf.constant([1, 2]))


def test_sigmoid_and_tanh_are_stable_in_float32():
    x = tf.constant([-1000.0, 1000.0])
    close(tf.sigmoid(x), [0.0, 1.0])
    close(tf.tanh(x), [-1.0, 1.0])
    close(grad_of(tf.sigmoid, x), [0.0, 0.0])


def test_softmax_value_and_jacobian():
    z = np.array([1.0, 2.0, 0.5])
    p = np.exp(z) / np.exp(z).sum()
    close(tf.nn.softmax(tf.constant(z.tolist())), p)
    # Σ_i c_i p_i has gradient ∂/∂z_j = p_j (c_j − Σ_i c_i p_i) (SPEC 7.4's ∂p_i/∂z_j)
    c = np.array([1.0, -1.0, 2.0])
    g = grad_of(lambda t: tf.constant(c.tolist()) * tf.nn.softmax(t), tf.constant(z.tolist()))
    close(g, p * (c - c @ p))


def test_matmul_and_transposes():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    ta, tb = tf.constant(a.tolist()), tf.constant(b.tolist())
    close(tf.matmul(ta, tb), a @ b)
    close(ta @ tb, a @ b)
    close(tf.matmul(tf.constant(a.T.tolist()), tb, transpose_a=True), a @ b)
    close(tf.matmul(ta, tf.constant(b.T.tolist()), transpose_b=True), a @ b)
    close(grad_of(lambda t: tf.matmul(t, tb), ta), np.ones((2, 4)) @ b.T)  # ∂Σ(AB)/∂A = 1·Bᵀ
    with pytest.raises(ValueError, match="transpose_a"):
        tf.matmul(tf.ones([3]), tf.ones([3]), transpose_a=True)


def test_reductions():
    a = np.arange(6.0).reshape(2, 3)
    t = tf.constant(a.tolist())
    close(tf.reduce_sum(t), 15.0)
    close(tf.reduce_sum(t, axis=0), [3.0, 5.0, 7.0])
    assert tf.reduce_sum(t, axis=1, keepdims=True).shape == (2, 1)
    close(tf.reduce_mean(t, axis=[0, 1]), 2.5)
    close(grad_of(tf.reduce_mean, t), np.full((2, 3), 1 / 6))
    m = tf.reduce_mean(tf.constant([1, 2]))
    assert m.dtype == np.int32 and m.numpy() == 1  # TensorFlow's integer mean truncates


def test_one_hot():
    h = tf.one_hot([0, 2, 3, -1], 3)
    assert h.dtype == np.float32
    np.testing.assert_array_equal(h.numpy(), [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(
        tf.one_hot([1], 2, on_value=5, off_value=-1, dtype=tf.int32).numpy(), [[-1, 5]]
    )
    with pytest.raises(TypeError, match="integers"):
        tf.one_hot([0.5], 2)
    with pytest.raises(ValueError, match="axis"):
        tf.one_hot([0], 2, axis=0)


def test_cast():
    np.testing.assert_array_equal(tf.cast([1.7, -1.7], tf.int32).numpy(), [1, -1])
    assert tf.cast(tf.constant([1, 2]), tf.float32).dtype == np.float32
    x = tf.constant(1.5)
    assert tf.cast(x, tf.float32) is x
    g = grad_of(lambda t: tf.square(tf.cast(t, tf.float64)), x)
    assert g.dtype == np.float32 and g.numpy() == 3.0


# --- losses -----------------------------------------------------------------------------------


def test_mse_value_cast_and_gradient():
    y, o = np.array([[0, 1, 1]]), np.array([[0.2, 0.7, 1.4]])
    pred = tf.constant(o.tolist())
    loss = tf.losses.MSE(tf.constant(y.tolist()), pred)  # int32 labels are cast to float32
    assert loss.dtype == np.float32 and loss.shape == (1,)
    close(loss, ((y - o) ** 2).mean(axis=-1))
    # ∂/∂o mean_k (y_k − o_k)² = 2(o − y)/K
    close(grad_of(lambda t: tf.losses.MSE(y.tolist(), t), pred), 2 * (o - y) / 3)
    assert tf.losses.mse is tf.losses.MSE and tf.keras.losses.mean_squared_error is tf.losses.MSE


def test_mse_broadcasts_as_tensorflow_does():
    close(tf.losses.MSE([0, 1], tf.constant([[0.5, 0.5]])), [0.25])
    # labels (3,) against predictions (3, 1) broadcast to (3, 3), as in TensorFlow
    loss = tf.losses.MSE([1.0, 2.0, 3.0], tf.constant([[1.0], [2.0], [3.0]]))
    close(loss, [5 / 3, 2 / 3, 5 / 3])
    with pytest.raises(ValueError, match=r"\(2,\).*\(1, 3\)"):
        tf.losses.MSE([0.0, 1.0], tf.constant([[0.0, 1.0, 2.0]]))


def logsumexp(z):
    return z.max(axis=-1) + np.log(np.exp(z - z.max(axis=-1, keepdims=True)).sum(axis=-1))


def test_crossentropy_from_logits_value_and_gradient():
    z = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 0.3]])
    y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    logits = tf.constant(z.tolist())
    loss = tf.keras.losses.categorical_crossentropy(y.tolist(), logits, from_logits=True)
    close(loss, logsumexp(z) - (y * z).sum(axis=-1))  # −Σ y log softmax(z)
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    g = grad_of(
        lambda t: tf.losses.categorical_crossentropy(y.tolist(), t, from_logits=True), logits
    )
    close(g, p - y)  # SPEC 7.4: ∂L/∂z = p − y


def test_crossentropy_from_probabilities_normalises_and_clips():
    p = np.array([[0.2, 0.3, 0.1]])  # sums to 0.6: normalised first
    y = np.array([[0.0, 1.0, 0.0]])
    close(
        tf.losses.categorical_crossentropy(y.tolist(), tf.constant(p.tolist())),
        [-math.log(0.3 / 0.6)],
    )
    clipped = tf.losses.categorical_crossentropy([[1.0, 0.0]], tf.constant([[0.0, 1.0]]))
    close(clipped, [-math.log(1e-7)], rtol=1e-5)  # log(0) is clipped to log(1e-7)


def test_crossentropy_label_smoothing():
    z = np.array([[1.0, 0.0]])
    y = np.array([[1.0, 0.0]]) * 0.8 + 0.2 / 2  # ε = 0.2 over K = 2 classes
    loss = tf.losses.categorical_crossentropy(
        [[1.0, 0.0]], tf.constant(z.tolist()), from_logits=True, label_smoothing=0.2
    )
    close(loss, logsumexp(z) - (y * z).sum(axis=-1))


def test_crossentropy_labels_of_lower_rank_as_in_the_chapter():
    # The chapter's labels [0, 1] against logits of shape (1, 2): current Keras raises; here the
    # leading axis of length 1 is added to the labels.
    z = np.array([[0.3, -0.4]])
    loss = tf.losses.categorical_crossentropy(
        tf.constant([0, 1]), tf.constant(z.tolist()), from_logits=True
    )
    assert loss.shape == (1,)
    close(loss, logsumexp(z) - z[0, 1])


def test_crossentropy_mismatched_labels_name_both_shapes():
    logits = tf.constant(np.zeros((3, 4)).tolist())
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 4\).*one_hot"):
        tf.losses.categorical_crossentropy([0, 1, 2], logits, from_logits=True)


def test_tensors_print_as_deltagrad_tensors():
    assert str(tf.constant(2.0)) == "Tensor(2.0, shape=(), dtype=float32)"


def test_importing_the_namespace_changes_nothing_outside_it():
    # A fresh process: how deltagrad tensors print before and after the import.
    code = (
        "import deltagrad as dg; before = str(dg.constant(1.5)); "
        "from deltagrad.compat import tf; after = str(dg.constant(1.5)); "
        "print(before == after == 'Tensor(1.5, shape=(), dtype=float64)')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
