"""No silent wrong gradient: regression tests for the wrong answers once found, NumPy's functions
on tensors, and the transforms and tape features (jacobian, hessian, hvp, jvp, has_aux,
custom_gradient, stop_recording). Expected values are written by hand from calculus, or come
from central finite differences of plain NumPy code in float64."""

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd

# --- 1. powers at zero: the limit, at every order ---------------------------------------------


@pytest.mark.parametrize("exponent", [0, 0.0, np.float64(0.0)], ids=["int", "float", "np"])
def test_gradient_of_x_to_the_zero_at_zero_is_zero(exponent):
    g = dg.grad(lambda x: x**exponent)(0.0)
    assert float(g) == 0.0


@pytest.mark.parametrize("exponent", [1, 1.0], ids=["int", "float"])
def test_second_derivative_of_x_to_the_one_at_zero_is_zero(exponent):
    assert float(dg.grad(dg.grad(lambda x: x**exponent))(0.0)) == 0.0


def test_powers_at_zero_with_tensor_exponents():
    # d/dx x**y at x = 0 for y = 0, 1, 2, 3 is 0, 1, 0, 0; d²/dx² is 0, 0, 2, 0.
    y = dg.constant([0.0, 1.0, 2.0, 3.0])
    x = np.zeros(4)
    first = dg.grad(lambda t: dg.sum(t**y))(x)
    second = dg.grad(lambda t: dg.sum(dg.grad(lambda s: dg.sum(s**y))(t)))(x)
    np.testing.assert_array_equal(np.asarray(first), [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(second), [0.0, 0.0, 2.0, 0.0])


def test_third_derivative_of_cube_at_zero_is_six():
    d3 = dg.grad(dg.grad(dg.grad(lambda x: x**3)))(0.0)
    assert float(d3) == 6.0


def test_powers_at_zero_match_autograd():
    ag = pytest.importorskip("autograd")
    for f in (lambda x: x**0, lambda x: x**1, lambda x: x**2):
        for order in (1, 2):
            g_dg, g_ag = f, f
            for _ in range(order):
                g_dg, g_ag = dg.grad(g_dg), ag.grad(g_ag)
            assert float(g_dg(0.0)) == float(g_ag(0.0))


# --- 2. the same tensor in two argument positions ---------------------------------------------


def test_same_tensor_in_two_positions_gives_each_partial():
    x = dg.constant(3.0)
    ga, gb = dg.grad(lambda a, b: a * b, argnums=(0, 1))(x, x)
    assert (float(ga), float(gb)) == (3.0, 3.0)  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    ga, gb = dg.grad(lambda a, b: a * b**2, argnums=(0, 1))(x, x)
    assert (float(ga), float(gb)) == (9.0, 18.0)  # b², 2ab


def test_same_tensor_twice_nests():
    # d/dx of ∂(a·b)/∂a at a = b = x is d/dx (x) = 1.
    outer = dg.grad(lambda x: dg.grad(lambda a, b: a * b, argnums=0)(x, x))
    assert float(outer(2.0)) == 1.0


def test_variable_passed_twice():
    v = dg.Variable(2.0)
    assert [float(g) for g in dg.grad(lambda a, b: a * b, argnums=(0, 1))(v, v)] == [2.0, 2.0]


@pytest.mark.parametrize("argnums", [-1, (), 1.0, True, "0"])
def test_bad_argnums(argnums):
    with pytest.raises(TypeError, match="argnums"):
        dg.grad(lambda x: x, argnums=argnums)(1.0)


def test_integer_argument_is_refused():
    with pytest.raises(TypeError, match="floating-point"):
        dg.grad(lambda x: x * x)(3)


# --- 3. NumPy's functions never drop the tape silently ----------------------------------------


def test_np_reshape_is_recorded():
    g = dg.grad(lambda x: dg.sum(np.reshape(x, (2,)) * x))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(np.asarray(g), [2.0, 4.0])


W = np.random.default_rng(7).standard_normal(256)  # weights for outputs of up to 256 entries

# (name, call on an array or a tensor x of shape (3, 4)); NumPy functions people reach for.
NUMPY_CALLS = [
    ("reshape", lambda x: np.reshape(x, (4, 3))),
    ("transpose", lambda x: np.transpose(x)),
    ("where", lambda x: np.where(np.arange(12).reshape(3, 4) % 2 == 0, x, 2 * x)),
    ("concatenate", lambda x: np.concatenate([x, x * x], axis=1)),
    ("stack", lambda x: np.stack([x, x * 3])),
    ("dot", lambda x: np.dot(x, np.ones((4, 2)))),
    ("clip", lambda x: np.clip(x, -0.5, 0.5)),
    ("einsum", lambda x: np.einsum("ij,ij->i", x, x)),
    ("var", lambda x: np.var(x, axis=0)),
    ("std", lambda x: np.std(x)),
    ("sum", lambda x: np.sum(x, axis=1)),
    ("mean", lambda x: np.mean(x, axis=0, keepdims=True)),
    ("max", lambda x: np.max(x, axis=1)),
    ("amax", lambda x: np.amax(x)),
    ("min", lambda x: np.min(x, axis=0)),
    ("amin", lambda x: np.amin(x)),
    ("prod", lambda x: np.prod(x, axis=1)),
    ("cumsum", lambda x: np.cumsum(x, axis=1)),
    ("cumprod", lambda x: np.cumprod(x)),
    ("trace", lambda x: np.trace(x)),
    ("diag", lambda x: np.diag(x)),
    ("diagonal", lambda x: np.diagonal(x)),
    ("tril", lambda x: np.tril(x)),
    ("triu", lambda x: np.triu(x, 1)),
    ("squeeze", lambda x: np.squeeze(np.reshape(x, (1, 3, 4)))),
    ("expand_dims", lambda x: np.expand_dims(x, 0)),
    ("swapaxes", lambda x: np.swapaxes(x, 0, 1)),
    ("moveaxis", lambda x: np.moveaxis(x, 0, -1)),
    ("flip", lambda x: np.flip(x, 1)),
    ("roll", lambda x: np.roll(x, 1, axis=1)),
    ("repeat", lambda x: np.repeat(x, 2, axis=0)),
    ("tile", lambda x: np.tile(x, (2, 1))),
    ("pad", lambda x: np.pad(x, 1)),
    ("split", lambda x: np.split(x, 2, axis=1)[1]),
    ("take", lambda x: np.take(x, [0, 2, 2], axis=1)),
    ("sort", lambda x: np.sort(x, axis=1)),
    ("outer", lambda x: np.outer(x[0], x[1])),
    ("inner", lambda x: np.inner(x, x)),
    ("tensordot", lambda x: np.tensordot(x, x, axes=([1], [1]))),
    ("linalg.norm", lambda x: np.linalg.norm(x)),
    ("linalg.norm-axis", lambda x: np.linalg.norm(x, axis=1)),
    ("round", lambda x: np.round(x, 1)),
    ("ravel", lambda x: np.ravel(x)),
    ("diff", lambda x: np.diff(x)),
    ("median", lambda x: np.median(x)),
    ("average", lambda x: np.average(x)),
    ("cross", lambda x: np.cross(x[:, :3], x[:, 1:])),
    ("kron", lambda x: np.kron(x, x)),
    ("vstack", lambda x: np.vstack([x, x])),
    ("hstack", lambda x: np.hstack([x, x])),
    ("atleast_3d", lambda x: np.atleast_3d(x)),
    ("broadcast_to", lambda x: np.broadcast_to(x, (2, 3, 4))),
    ("append", lambda x: np.append(x, x)),
    ("nansum", lambda x: np.nansum(x)),
    ("ptp", lambda x: np.ptp(x)),
    ("percentile", lambda x: np.percentile(x, 50)),
    ("copy", lambda x: np.copy(x)),
    ("nan_to_num", lambda x: np.nan_to_num(x)),
    ("linalg.inv", lambda x: np.linalg.inv(x[:, :3])),
    ("fft.fft", lambda x: np.fft.fft(x)),
    ("interp", lambda x: np.interp(x, [-1.0, 1.0], [0.0, 2.0])),
    ("convolve", lambda x: np.convolve(x[0], x[1])),
    ("unique", lambda x: np.unique(x)),
]


@pytest.mark.parametrize("name, call", NUMPY_CALLS, ids=[n for n, _ in NUMPY_CALLS])
def test_numpy_function_is_recorded_or_refused(name, call):
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-1.0, 1.0, size=(3, 4)) + np.arange(12).reshape(3, 4) * 0.05  # distinct
    x = dg.constant(x0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        try:
            out = call(x)
        except TypeError as err:  # refused: the message names the function
            assert f"np.{name.split('-')[0]}" in str(err), str(err)
            return
        assert isinstance(out, dg.Tensor), f"np.{name} returned {type(out).__name__}: off the tape"
        expected = np.asarray(call(x0))
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
        if out.dtype.kind != "f":
            return
        w = W[: out.size].reshape(out.shape)
        loss = dg.sum(out * w)
    g = tape.gradient(loss, x, unconnected_gradients="zero")
    numeric = fd.gradient(lambda a: float(np.sum(np.asarray(call(a)) * w)), x0)
    np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_most_common_numpy_functions_are_supported():
    # The functions the issue listed as silently dropping the tape now run deltagrad's ops.
    x = dg.constant(np.arange(1.0, 5.0))
    for f in (
        lambda t: np.reshape(t, (2, 2)),
        lambda t: np.transpose(t),
        lambda t: np.where(t > 2, t, 0.0),
        lambda t: np.concatenate([t, t]),
        lambda t: np.stack([t, t]),
        lambda t: np.dot(t, t),
        lambda t: np.clip(t, 1, 3),
        lambda t: np.einsum("i,i->", t, t),
        lambda t: np.var(t),
    ):
        assert isinstance(f(x), dg.Tensor)


def test_numpy_function_with_unsupported_argument_names_it():
    with pytest.raises(TypeError, match=r"np\.sum.*dtype"):
        np.sum(dg.constant([1.0, 2.0]), dtype=np.float32)


def test_value_only_numpy_functions_run_on_values():
    t = dg.constant([[1.0, 2.0], [3.0, 4.0]])
    assert np.shape(t) == (2, 2) and np.ndim(t) == 2 and np.size(t) == 4
    assert np.allclose(t, [[1, 2], [3, 4]]) and np.any(t > 3)
    np.testing.assert_allclose(t, [[1.0, 2.0], [3.0, 4.0]])


# --- 4. integer casts carry no gradient ---------------------------------------------------------


def test_cast_to_integer_has_no_gradient():
    x = dg.constant(2.7)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = dg.cast(x, np.int64) * 2.5
        z = dg.cast(x, "float32") * 2.5
    assert float(y) == 5.0
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(y, x, unconnected_gradients="zero")) == 0.0
    assert float(tape.gradient(z, x)) == 2.5  # a float cast passes the gradient
    assert float(dg.grad(lambda t: dg.cast(t, "int32") * 2.5 + t)(1.0)) == 1.0


def test_cast_to_bool_has_no_gradient():
    x = dg.constant([0.0, 1.5])
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = dg.sum(dg.cast(dg.cast(x, bool), "float64"))
    assert tape.gradient(y, x) is None


# --- 5. softmax cross-entropy cannot be called the wrong way round -----------------------------


def test_softmax_cross_entropy_is_keyword_only():
    with pytest.raises(TypeError):
        dg.softmax_cross_entropy(np.eye(3), np.zeros((3, 3)))


@pytest.mark.parametrize(
    "labels_shape, logits_shape",
    [((4, 1), (4, 3)), ((4, 3), (4, 1)), ((3,), (4, 3)), ((4, 3), (3, 4))],
)
def test_softmax_cross_entropy_shape_mismatch_names_both(labels_shape, logits_shape):
    with pytest.raises(ValueError) as info:
        dg.softmax_cross_entropy(
            labels=np.ones(labels_shape), logits=dg.constant(np.ones(logits_shape))
        )
    assert str(labels_shape) in str(info.value) and str(logits_shape) in str(info.value)


def log_softmax_np(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def test_sparse_softmax_cross_entropy_values_and_gradient(rng):
    logits = rng.standard_normal((5, 4))
    labels = np.array([0, 3, 1, 3, 2])
    loss = dg.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    np.testing.assert_allclose(
        loss.numpy(), -log_softmax_np(logits)[np.arange(5), labels], rtol=1e-12
    )
    dense = dg.softmax_cross_entropy(labels=np.eye(4)[labels], logits=logits)
    np.testing.assert_allclose(loss.numpy(), dense.numpy(), rtol=1e-12)
    g = dg.grad(lambda z: dg.sum(dg.sparse_softmax_cross_entropy(labels=labels, logits=z)))(logits)
    numeric = fd.gradient(lambda z: -log_softmax_np(z)[np.arange(5), labels].sum(), logits)
    np.testing.assert_allclose(np.asarray(g), numeric, rtol=1e-6, atol=1e-9)
    from deltagrad.gradcheck import check_grads

    check_grads(lambda z: dg.sparse_softmax_cross_entropy(labels=labels, logits=z), logits, order=2)


def test_sparse_softmax_cross_entropy_batched_labels(rng):
    logits = rng.standard_normal((2, 3, 4))
    labels = np.array([[0, 1, 2], [3, 3, 0]])
    loss = dg.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    assert loss.shape == (2, 3)
    np.testing.assert_allclose(loss.numpy()[1, 0], -log_softmax_np(logits[1, 0])[3], rtol=1e-12)


@pytest.mark.parametrize(
    "labels, logits_shape, error, match",
    [
        (np.array([0, 4]), (2, 4), ValueError, "label 4 is out of range for 4 classes"),
        (np.array([-1, 0]), (2, 4), ValueError, "label -1 is out of range"),
        (np.array([0.0, 1.0]), (2, 4), TypeError, "integer class indices"),
        (np.array([[0], [1]]), (2, 4), ValueError, r"\(2, 1\).*\(2, 4\)"),
        (np.array([0, 1, 2]), (2, 4), ValueError, r"\(3,\).*\(2, 4\)"),
    ],
)
def test_sparse_softmax_cross_entropy_bad_labels(labels, logits_shape, error, match):
    with pytest.raises(error, match=match):
        dg.sparse_softmax_cross_entropy(labels=labels, logits=dg.constant(np.zeros(logits_shape)))


# --- 6. tape re-entry and output_gradients -----------------------------------------------------


def test_entering_a_recording_tape_raises():
    tape = dg.GradientTape()
    with tape:
        with pytest.raises(RuntimeError, match="already recording"):
            with tape:
                pass
        x = dg.constant(2.0)
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 4.0  # the tape still works after the refused entry


@pytest.mark.parametrize(
    "seed, expected", [(3, [6.0, 12.0]), ([1, 2], [2.0, 8.0]), ([[1.0, 0.5]][0], [2.0, 2.0])]
)
def test_output_gradients_accept_numbers_and_lists(seed, expected):
    x = dg.constant([1.0, 2.0])
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    if np.ndim(seed) == 0:
        seed = [seed, seed]
    np.testing.assert_array_equal(tape.gradient(y, x, output_gradients=seed).numpy(), expected)


def test_output_gradient_scalar_for_scalar_target():
    x = dg.constant(3.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x, output_gradients=0.5)) == 3.0


def test_output_gradients_for_several_targets():
    x = dg.constant(2.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        a, b = x * x, x * 3
    assert float(tape.gradient([a, b], x, output_gradients=[1.0, 2])) == 4.0 + 6.0


def test_output_gradients_wrong_shape():
    x = dg.constant([1.0, 2.0])
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        tape.gradient(y, x, output_gradients=[1, 2, 3])


# --- where: the unselected branch and NaN --------------------------------------------------------


def test_where_double_where_pattern_keeps_gradients_finite():
    x = np.array([-1.0, 0.0, 4.0])

    def naive(t):
        return dg.sum(dg.where(t > 0, dg.sqrt(t), 0.0))

    def safe(t):  # the documented pattern: make the unselected branch's input harmless too
        positive = t > 0
        return dg.sum(dg.where(positive, dg.sqrt(dg.where(positive, t, 1.0)), 0.0))

    with np.errstate(invalid="ignore", divide="ignore"):
        g_naive = np.asarray(dg.grad(naive)(x))
    assert np.isnan(g_naive[0])  # why the pattern is needed: 0 · (1/√−1) is NaN
    np.testing.assert_array_equal(np.asarray(dg.grad(safe)(x)), [0.0, 0.0, 0.25])
    h = np.asarray(dg.grad(lambda t: dg.sum(dg.grad(safe)(t)))(x))
    np.testing.assert_allclose(h, [0.0, 0.0, -0.25 * 0.5 / 4.0])


# --- transforms ----------------------------------------------------------------------------------


def test_jacobian_matches_finite_differences(rng):
    x = rng.uniform(-1, 1, size=(3,))
    A = rng.standard_normal((2, 3))
    f_np = lambda v: np.tanh(A @ v) * v[0]  # noqa: E731
    J = dg.jacobian(lambda v: dg.tanh(A @ v) * v[0])(x)
    assert J.shape == (2, 3)
    np.testing.assert_allclose(np.asarray(J), fd.jacobian(f_np, x), rtol=1e-7, atol=1e-9)


def test_jacobian_shapes_and_argnums(rng):
    x, y = rng.standard_normal((2, 3)), rng.standard_normal(4)
    Jx, Jy = dg.jacobian(lambda a, b: dg.sum(a) * b, argnums=(0, 1))(x, y)
    assert Jx.shape == (4, 2, 3) and Jy.shape == (4, 4)
    np.testing.assert_allclose(np.asarray(Jx), np.broadcast_to(y[:, None, None], (4, 2, 3)))
    np.testing.assert_allclose(np.asarray(Jy), np.eye(4) * x.sum())
    J = dg.jacobian(lambda a: dg.sum(a * a))(x)  # scalar output: the gradient
    np.testing.assert_allclose(np.asarray(J), 2 * x)


def test_hessian_of_himmelblau_by_hand():
    def f(v):
        return (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2

    x, y = 1.5, -0.5
    H = dg.hessian(f)(np.array([x, y]))
    expected = [[12 * x**2 + 4 * y - 42, 4 * x + 4 * y], [4 * x + 4 * y, 12 * y**2 + 4 * x - 26]]
    np.testing.assert_allclose(np.asarray(H), expected, rtol=1e-12)


def test_hessian_tuple_argnums():
    H = dg.hessian(lambda a, b: dg.sum(a * a * b), argnums=(0, 1))(
        np.array([1.0, 2.0]), np.array([3.0, 4.0])
    )
    np.testing.assert_allclose(np.asarray(H[0][0]), np.diag([6.0, 8.0]))  # 2b
    np.testing.assert_allclose(np.asarray(H[0][1]), np.diag([2.0, 4.0]))  # 2a
    np.testing.assert_allclose(np.asarray(H[1][1]), np.zeros((2, 2)))


def test_hvp_equals_hessian_times_vector(rng):
    A = rng.standard_normal((4, 4))
    f = lambda x: dg.sum(dg.tanh(A @ x) ** 2) + dg.sum(x**4)  # noqa: E731
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    H = np.asarray(dg.hessian(f)(x))
    np.testing.assert_allclose(dg.hvp(f, (x,), (v,)).numpy(), H @ v, rtol=1e-12, atol=1e-12)
    g = lambda a: np.asarray(dg.grad(f)(a))  # noqa: E731
    np.testing.assert_allclose(H, fd.jacobian(g, x), rtol=1e-6, atol=1e-7)


def test_hvp_several_arguments():
    f = lambda a, b: dg.sum(a * a * b)  # noqa: E731
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    va, vb = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    ha, hb = dg.hvp(f, (a, b), (va, vb))
    # H = [[diag 2b, diag 2a], [diag 2a, 0]]
    np.testing.assert_allclose(ha.numpy(), 2 * b * va + 2 * a * vb)
    np.testing.assert_allclose(hb.numpy(), 2 * a * va)


def test_jvp_matches_reverse_mode_jacobian(rng):
    A = rng.standard_normal((3, 4))
    f = lambda x: dg.sigmoid(A @ x) * dg.sum(x**2)  # noqa: E731
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    y, jv = dg.jvp(f, (x,), (v,))
    np.testing.assert_allclose(y.numpy(), f(x).numpy())
    np.testing.assert_allclose(
        np.asarray(jv), np.asarray(dg.jacobian(f)(x)) @ v, rtol=1e-12, atol=1e-14
    )


def test_jvp_two_arguments_and_bad_tangent():
    y, jv = dg.jvp(lambda a, b: a * b, (2.0, 3.0), (1.0, 10.0))
    assert float(y) == 6.0 and float(jv) == 3.0 * 1.0 + 2.0 * 10.0
    with pytest.raises(ValueError, match=r"tangent of shape \(3,\).*\(2,\)"):
        dg.jvp(lambda a: a, (np.ones(2),), (np.ones(3),))
    with pytest.raises(TypeError, match="tuples"):
        dg.jvp(lambda a: a, np.ones(2), np.ones(2))


def test_has_aux():
    def f(x):
        loss = dg.sum(x * x)
        return loss, {"norm": float(np.sqrt(loss.numpy()))}

    (value, aux), g = dg.value_and_grad(f, has_aux=True)(np.array([3.0, 4.0]))
    assert float(value) == 25.0 and aux == {"norm": 5.0}
    np.testing.assert_array_equal(np.asarray(g), [6.0, 8.0])
    g, aux = dg.grad(f, has_aux=True)(np.array([3.0, 4.0]))
    assert aux["norm"] == 5.0 and g.shape == (2,)
    with pytest.raises(TypeError, match="has_aux"):
        dg.grad(lambda x: x * x, has_aux=True)(1.0)


def test_stop_gradient_is_public():
    assert float(dg.grad(lambda x: x * dg.stop_gradient(x))(3.0)) == 3.0


# --- tape features -------------------------------------------------------------------------------


def test_tape_jacobian_and_structure(rng):
    x = dg.constant(rng.standard_normal(3))
    w = dg.Variable(rng.standard_normal((2, 3)))
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = dg.tanh(w @ x)
    jx, jw = tape.jacobian(y, [x, w])
    sech2 = 1 - np.tanh(w.numpy() @ x.numpy()) ** 2
    np.testing.assert_allclose(jx.numpy(), sech2[:, None] * w.numpy(), rtol=1e-12)
    expected_w = np.zeros((2, 2, 3))
    for i in range(2):
        expected_w[i, i] = sech2[i] * x.numpy()
    np.testing.assert_allclose(jw.numpy(), expected_w, rtol=1e-12)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.jacobian(y, x)


def test_tape_jacobian_unconnected():
    x, z = dg.constant([1.0, 2.0]), dg.constant(5.0)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = x * 2
    assert tape.jacobian(y, z) is None
    np.testing.assert_array_equal(tape.jacobian(y, z, unconnected_gradients="zero").numpy(), [0, 0])


def test_batch_jacobian(rng):
    x = dg.constant(rng.standard_normal((5, 3)))
    A = rng.standard_normal((3, 2))
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = dg.sigmoid(x @ A)  # (5, 2), row i depends on x[i] only
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (5, 2, 3)
    full = tape.jacobian(y, x).numpy()  # (5, 2, 5, 3)
    for i in range(5):
        np.testing.assert_allclose(bj.numpy()[i], full[i, :, i, :], rtol=1e-12)
    with pytest.raises(ValueError, match="batch"):
        tape.batch_jacobian(y, dg.constant(np.ones((4, 3))))


def test_jacobian_inside_an_outer_tape_gives_second_derivatives():
    x = dg.constant([1.0, 2.0])
    with dg.GradientTape() as outer:
        outer.watch(x)
        with dg.GradientTape() as inner:
            inner.watch(x)
            y = x**3
        J = inner.jacobian(y, x)  # diag(3x²)
        s = dg.sum(J)
    np.testing.assert_allclose(outer.gradient(s, x).numpy(), [6.0, 12.0])  # 6x


def test_stop_recording():
    x = dg.constant(2.0)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = y * 10  # not recorded
        w = y * 3  # recorded again
    assert tape.gradient(z, x) is None
    assert float(tape.gradient(w, x)) == 12.0
    with pytest.raises(RuntimeError, match="not recording"):
        with tape.stop_recording():
            pass


def test_stop_recording_keeps_outer_tapes():
    x = dg.constant(2.0)
    with dg.GradientTape() as outer:
        outer.watch(x)
        with dg.GradientTape() as inner:
            inner.watch(x)
            with inner.stop_recording():
                y = x * x
    assert inner.gradient(y, x) is None
    assert float(outer.gradient(y, x)) == 4.0


def test_reset_forgets_and_keeps_recording():
    x = dg.constant(3.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 5
    assert float(tape.gradient(z, x)) == 5.0
    del y


# --- user-defined derivatives --------------------------------------------------------------------


def test_custom_gradient_first_and_second_order():
    @dg.custom_gradient
    def log1pexp(x):
        e = dg.exp(x)
        return dg.log(1 + e), lambda g: g * dg.sigmoid(x)

    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(log1pexp(dg.constant(x)).numpy(), np.log1p(np.exp(x)))
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(np.asarray(dg.grad(lambda t: dg.sum(log1pexp(t)))(x)), s, rtol=1e-15)
    d2 = dg.grad(lambda t: dg.sum(dg.grad(lambda u: dg.sum(log1pexp(u)))(t)))(x)
    np.testing.assert_allclose(np.asarray(d2), s * (1 - s), rtol=1e-12)


def test_custom_gradient_is_what_the_tape_uses():
    @dg.custom_gradient
    def clipped_identity(x):  # a straight-through estimator: forward clips, backward passes
        return dg.minimum(dg.maximum(x, -1.0), 1.0), lambda g: g

    g = dg.grad(lambda t: dg.sum(clipped_identity(t) * np.array([1.0, 2.0])))(np.array([5.0, 0.5]))
    np.testing.assert_array_equal(np.asarray(g), [1.0, 2.0])


def test_custom_gradient_several_arguments_and_none():
    @dg.custom_gradient
    def f(a, b):
        return a * b, lambda g: (g * b * 10, None)

    ga, gb = dg.grad(lambda a, b: f(a, b), argnums=(0, 1))(2.0, 3.0)
    assert float(ga) == 30.0 and float(gb) == 0.0

    @dg.custom_gradient
    def bad(a, b):
        return a * b, lambda g: g

    with pytest.raises(ValueError, match="1 gradients for 2 Tensor arguments"):
        dg.grad(lambda a, b: bad(a, b), argnums=(0, 1))(2.0, 3.0)


def test_custom_gradient_must_return_a_pair():
    with pytest.raises(TypeError, match="grad_fn"):
        dg.custom_gradient(lambda x: x * 2)(dg.constant(1.0))


def test_new_primitive_with_its_own_rule_under_nested_tapes():
    cube = dg.Primitive("cube", lambda x: x * x * x)
    cube.defvjp(lambda g, out, x: g * 3 * x * x)
    x = np.array([0.5, -2.0])
    np.testing.assert_allclose(cube(x).numpy(), x**3)
    np.testing.assert_allclose(np.asarray(dg.grad(lambda t: dg.sum(cube(t)))(x)), 3 * x**2)
    d2 = dg.grad(lambda t: dg.sum(dg.grad(lambda u: dg.sum(cube(u)))(t)))(x)
    np.testing.assert_allclose(np.asarray(d2), 6 * x)
    d3 = dg.grad(
        lambda t: dg.sum(dg.grad(lambda u: dg.sum(dg.grad(lambda w: dg.sum(cube(w)))(u)))(t))
    )(x)
    np.testing.assert_allclose(np.asarray(d3), [6.0, 6.0])


# --- scalars behave like NumPy scalars where Python asks ----------------------------------------


def test_scalar_conversions():
    t = dg.constant(2.71828)
    assert f"{t:.2f}" == "2.72" and f"{t:>8.1f}" == "     2.7"
    assert round(t) == 3 and isinstance(round(t), int) and round(t, 2) == 2.72
    assert float(t) == 2.71828 and int(t) == 2 and t.item() == 2.71828
    assert isinstance(dg.constant(3).item(), int)
    assert [10, 20, 30][dg.constant(1)] == 20  # integer scalar tensors index lists
    assert f"{dg.constant([1.0, 2.0])}" == str(dg.constant([1.0, 2.0]))


def test_scalar_conversion_errors():
    with pytest.raises(ValueError, match="one-element"):
        dg.constant([1.0, 2.0]).item()
    with pytest.raises(TypeError, match="0-d"):
        f"{dg.constant([1.0, 2.0]):.2f}"
    with pytest.raises(TypeError, match="index"):
        [1, 2][dg.constant(1.0)]


def test_python_number_is_off_the_tape():
    x = dg.constant(2.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = dg.constant(float(x)) * x  # float(x) is a constant: only the second factor counts
    assert float(tape.gradient(y, x)) == 2.0


# --- bad dtypes never pass silently ----------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: dg.exp(np.array([1j])),
        lambda: dg.constant([1.0]) * np.array([1j]),
        lambda: dg.constant([1.0]) + 1j,
        lambda: dg.constant(np.array([1 + 2j])),
    ],
    ids=["op-complex-array", "mul-complex-array", "add-complex-scalar", "constant-complex"],
)
def test_complex_values_are_refused(call):
    with pytest.raises(TypeError, match="complex"):
        call()


def test_std_of_equal_entries_has_zero_gradient():
    # np.std([0.1] * 3) is 1.4e-17, not 0: the convention must not depend on round-off.
    assert float(dg.grad(lambda x: dg.std(dg.stack([x, x, x])))(0.1)) == 0.0
    np.testing.assert_array_equal(np.asarray(dg.grad(dg.std)(np.full(3, 0.7))), np.zeros(3))
