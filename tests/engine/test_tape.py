"""GradientTape semantics (SPEC 7.6): the chain-rule demonstration, intermediate sources,
nested tapes for higher derivatives, persistence, watching, unconnected sources, the structure
of results, output_gradients, Variables, grad/value_and_grad and SGD."""

import numpy as np
import pytest

import deltagrad as dg
from deltagrad.gradcheck import check_grads

# --- SPEC 7.6 -----------------------------------------------------------------------------------


def test_chain_rule_demonstration_of_the_chapter():
    x, w1, b1, w2, b2 = (dg.constant(v) for v in (1.0, 2.0, 1.0, 2.0, 1.0))
    with dg.GradientTape(persistent=True) as tape:
        tape.watch([w1, b1, w2, b2])
        y1 = x * w1 + b1
        y2 = y1 * w2 + b2
    dy2_dy1 = tape.gradient(y2, [y1])[0]
    dy1_dw1 = tape.gradient(y1, [w1])[0]
    dy2_dw1 = tape.gradient(y2, [w1])[0]
    assert float(dy2_dy1) == 2.0
    assert float(dy1_dw1) == 1.0
    assert float(dy2_dy1 * dy1_dw1) == 2.0
    assert float(dy2_dw1) == 2.0


@pytest.mark.parametrize("t", [-1.5, -0.5, 0.0, 0.3, 1.0, 2.0])
def test_worked_chain_rule_example(t):
    # z = (2t + 1)² + e^(t²)  ⇒  dz/dt = 4(2t + 1) + 2t·e^(t²)
    tt = dg.constant(t)
    with dg.GradientTape() as tape:
        tape.watch(tt)
        z = (2 * tt + 1) ** 2 + dg.exp(tt**2)
    expected = 4 * (2 * t + 1) + 2 * t * np.exp(t**2)
    assert float(tape.gradient(z, tt)) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_multivariable_chain_rule():
    # z = f(x, y), x = g(t) = t², y = h(t) = tanh(t): dz/dt = ∂z/∂x·dx/dt + ∂z/∂y·dy/dt
    t0 = 0.7
    t = dg.constant(t0)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(t)
        x = t * t
        y = dg.tanh(t)
        z = x * y + dg.exp(y)
    dz_dx, dz_dy = tape.gradient(z, [x, y])
    dx_dt, dy_dt = tape.gradient(x, t), tape.gradient(y, t)
    total = tape.gradient(z, t)
    assert float(dz_dx) == pytest.approx(np.tanh(t0))
    assert float(dz_dy) == pytest.approx(t0**2 + np.exp(np.tanh(t0)))
    assert float(total) == pytest.approx(float(dz_dx * dx_dt + dz_dy * dy_dt), rel=1e-12)


# --- intermediates ------------------------------------------------------------------------------


def test_gradient_with_respect_to_intermediate_tensors():
    x = dg.constant(3.0)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        u = x * x  # 9
        y = u + u * x  # ∂y/∂u holding x fixed = 1 + x
    assert float(tape.gradient(y, u)) == 4.0
    assert float(tape.gradient(y, x)) == pytest.approx(2 * 3.0 + 3 * 3.0**2)  # 2x + 3x²
    assert float(tape.gradient(y, y)) == 1.0
    assert float(tape.gradient(x, x)) == 1.0


def test_intermediate_vector_source(rng):
    x = dg.constant(rng.uniform(-1, 1, size=4))
    with dg.GradientTape() as tape:
        tape.watch(x)
        h = dg.tanh(x)
        y = dg.sum(h * h)
    np.testing.assert_allclose(tape.gradient(y, h).numpy(), 2 * np.tanh(x.numpy()))


# --- nested tapes: higher derivatives -----------------------------------------------------------


@pytest.mark.parametrize("x0", [-2.0, -0.3, 0.0, 0.8, 1.5])
def test_second_derivative_of_tanh(x0):
    x = dg.constant(x0)
    with dg.GradientTape() as outer:
        outer.watch(x)
        with dg.GradientTape() as inner:
            inner.watch(x)
            y = dg.tanh(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    t = np.tanh(x0)
    assert float(dy) == pytest.approx(1 - t * t, rel=1e-12)
    assert float(d2y) == pytest.approx(-2 * t * (1 - t * t), rel=1e-12, abs=1e-15)


def himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


@pytest.mark.parametrize(
    "point",
    [(3.0, 2.0), (-0.270845, -0.923039), (1.0, -2.5), (-3.0, 0.5)],
    ids=["minimum", "maximum", "p1", "p2"],
)
def test_himmelblau_hessian_with_nested_tapes(point):
    x0, y0 = point
    x, y = dg.constant(x0), dg.constant(y0)
    with dg.GradientTape(persistent=True) as outer:
        outer.watch([x, y])
        with dg.GradientTape() as inner:
            inner.watch([x, y])
            f = himmelblau(x, y)
        fx, fy = inner.gradient(f, [x, y])
    hessian = np.array(
        [
            [float(g) for g in outer.gradient(fx, [x, y])],
            [float(g) for g in outer.gradient(fy, [x, y])],
        ]
    )
    expected = np.array(
        [[12 * x0**2 + 4 * y0 - 42, 4 * x0 + 4 * y0], [4 * x0 + 4 * y0, 12 * y0**2 + 4 * x0 - 26]]
    )
    np.testing.assert_allclose(hessian, expected, rtol=1e-12, atol=1e-12)
    # the gradient itself: ∂f/∂x = 4x(x²+y−11) + 2(x+y²−7), ∂f/∂y = 2(x²+y−11) + 4y(x+y²−7)
    assert float(fx) == pytest.approx(4 * x0 * (x0**2 + y0 - 11) + 2 * (x0 + y0**2 - 7))
    assert float(fy) == pytest.approx(2 * (x0**2 + y0 - 11) + 4 * y0 * (x0 + y0**2 - 7))


def test_himmelblau_hessian_of_a_vector_variable():
    v = dg.constant(np.array([1.0, -2.5]))
    with dg.GradientTape(persistent=True) as outer:
        outer.watch(v)
        with dg.GradientTape() as inner:
            inner.watch(v)
            f = himmelblau(v[0], v[1])
        g = inner.gradient(f, v)
        rows = [g[0], g[1]]
    hessian = np.array([outer.gradient(r, v).numpy() for r in rows])
    x0, y0 = 1.0, -2.5
    expected = [
        [12 * x0**2 + 4 * y0 - 42, 4 * x0 + 4 * y0],
        [4 * x0 + 4 * y0, 12 * y0**2 + 4 * x0 - 26],
    ]
    np.testing.assert_allclose(hessian, expected, rtol=1e-12)


def test_second_derivative_of_a_linear_function_is_unconnected():
    x, w, b = dg.constant(3.0), dg.constant(2.0), dg.constant(1.0)
    with dg.GradientTape(persistent=True) as outer:
        outer.watch(w)
        with dg.GradientTape() as inner:
            inner.watch(w)
            y = x * w + b
        dy_dw = inner.gradient(y, w)
    assert float(dy_dw) == 3.0
    assert outer.gradient(dy_dw, w) is None
    zero = outer.gradient(dy_dw, w, unconnected_gradients="zero")
    assert float(zero) == 0.0 and zero.dtype == np.float64


def test_third_derivative_with_three_tapes():
    x = dg.constant(1.3)
    with dg.GradientTape() as t3:
        t3.watch(x)
        with dg.GradientTape() as t2:
            t2.watch(x)
            with dg.GradientTape() as t1:
                t1.watch(x)
                y = x**4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert float(d1) == pytest.approx(4 * 1.3**3)
    assert float(d2) == pytest.approx(12 * 1.3**2)
    assert float(d3) == pytest.approx(24 * 1.3)


# --- persistence, watching, unconnected -------------------------------------------------------


def test_persistent_tape_allows_several_gradient_calls():
    x = dg.constant(2.0)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 12.0
    assert float(tape.gradient(y, x)) == 4.0


def test_non_persistent_tape_refuses_a_second_call():
    x = dg.constant(2.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 4.0
    with pytest.raises(RuntimeError, match=r"persistent=True"):
        tape.gradient(y, x)


@pytest.mark.parametrize(
    "value", [3, np.array([1, 2], dtype=np.int32), True], ids=["int", "int32-array", "bool"]
)
def test_watching_a_non_float_tensor_is_a_clear_type_error(value):
    t = dg.constant(value)
    with dg.GradientTape() as tape:
        with pytest.raises(TypeError, match=str(t.dtype)) as info:
            tape.watch(t)
    assert "float" in str(info.value)


def test_watching_a_non_tensor_is_a_type_error():
    with dg.GradientTape() as tape:
        with pytest.raises(TypeError, match="float"):
            tape.watch(3.0)


def test_reset_forgets_the_recording():
    x = dg.constant(2.0)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * x * x
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 12.0


def test_gradient_inside_the_with_block_is_not_recorded_on_that_tape():
    x = dg.constant(2.0)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        g = tape.gradient(y, x)
        z = y * x  # recording continues after the call
    assert float(g) == 4.0
    assert float(tape.gradient(z, x)) == 12.0


def test_nested_tapes_watch_variables_automatically():
    v = dg.Variable(1.5)
    with dg.GradientTape() as outer:
        with dg.GradientTape() as inner:
            y = v * v * v
        g = inner.gradient(y, v)
    assert float(g) == pytest.approx(3 * 1.5**2)
    assert float(outer.gradient(g, v)) == pytest.approx(6 * 1.5)


def test_gradient_with_respect_to_an_integer_tensor_is_a_type_error():
    x, n = dg.constant(2.0), dg.constant(3)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * n
    with pytest.raises(TypeError, match="int64"):
        tape.gradient(y, n)


def test_unconnected_source_gives_none_or_zeros():
    x = dg.constant(2.0)
    other = dg.constant(np.ones((2, 3), dtype=np.float32))
    with dg.GradientTape(persistent=True) as tape:
        tape.watch([x, other])
        y = x * x
    assert tape.gradient(y, other) is None
    z = tape.gradient(y, other, unconnected_gradients="zero")
    assert z.shape == (2, 3) and z.dtype == np.float32
    np.testing.assert_array_equal(z.numpy(), np.zeros((2, 3)))


def test_unwatched_constant_source_is_none():
    x, c = dg.constant(2.0), dg.constant(5.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * c
    gx, gc = tape.gradient(y, [x, c])
    assert float(gx) == 5.0 and gc is None


@pytest.mark.parametrize("bad", ["zeros", None, "NONE", 0])
def test_bad_unconnected_gradients_value(bad):
    x = dg.constant(1.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * 2
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients=bad)


def test_stop_gradient_blocks_the_flow():
    x = dg.constant(3.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * dg.stop_gradient(x)
    assert float(tape.gradient(y, x)) == 3.0


def test_ops_outside_the_with_block_are_not_recorded():
    x = dg.constant(2.0)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    z = y * x  # after the block: not recorded
    assert float(tape.gradient(y, x)) == 4.0
    assert tape.gradient(z, x) is None


# --- structure of sources and targets -----------------------------------------------------------


def test_structures_of_sources():
    a, b = dg.constant(2.0), dg.constant(np.array([1.0, 3.0]))
    with dg.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = a * dg.sum(b * b)
    single = tape.gradient(y, a)
    assert isinstance(single, dg.Tensor) and float(single) == 10.0
    as_list = tape.gradient(y, [a, b])
    assert isinstance(as_list, list) and len(as_list) == 2
    np.testing.assert_allclose(as_list[1].numpy(), [4.0, 12.0])
    as_tuple = tape.gradient(y, (a, b))
    assert isinstance(as_tuple, tuple) and float(as_tuple[0]) == 10.0
    as_dict = tape.gradient(y, {"w": b, "s": a})
    assert isinstance(as_dict, dict) and set(as_dict) == {"w", "s"}
    assert float(as_dict["s"]) == 10.0
    np.testing.assert_allclose(as_dict["w"].numpy(), [4.0, 12.0])
    nested = tape.gradient(y, {"p": [a, b]})
    assert float(nested["p"][0]) == 10.0


def test_a_list_of_targets_is_summed():
    x = dg.constant(2.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y1, y2 = x * x, x * x * x
    assert float(tape.gradient([y1, y2], x)) == pytest.approx(4.0 + 12.0)


def test_vector_target_gradient_is_of_its_sum():
    x = dg.constant(np.array([1.0, 2.0, 3.0]))
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 2 * x.numpy())


@pytest.mark.parametrize("wrap", [np.asarray, dg.constant, list], ids=["ndarray", "tensor", "list"])
def test_output_gradients(wrap):
    x = dg.constant(np.array([1.0, 2.0, 3.0]))
    w = np.array([1.0, -2.0, 0.5])
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    seed = [dg.constant(w)] if wrap is list else wrap(w)
    target = [y] if wrap is list else y
    np.testing.assert_allclose(
        tape.gradient(target, x, output_gradients=seed).numpy(), 2 * x.numpy() * w
    )


def test_output_gradients_of_wrong_shape():
    x = dg.constant(np.array([1.0, 2.0, 3.0]))
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(ValueError, match="output_gradients"):
        tape.gradient(y, x, output_gradients=np.ones(4))


# --- Variables ------------------------------------------------------------------------------------


def test_variables_are_watched_automatically():
    v = dg.Variable(3.0)
    with dg.GradientTape() as tape:
        y = v * v + 2 * v
    assert float(tape.gradient(y, v)) == 8.0  # 2v + 2, the reused variable accumulates
    assert tape.watched_variables() == [v]


def test_watch_accessed_variables_false():
    v, u = dg.Variable(3.0), dg.Variable(4.0)
    with dg.GradientTape(watch_accessed_variables=False, persistent=True) as tape:
        tape.watch(u)
        y = v * u
    assert tape.gradient(y, v) is None
    assert float(tape.gradient(y, u)) == 3.0
    assert tape.watched_variables() == [u]


def test_non_trainable_variable_is_not_watched():
    v = dg.Variable(3.0, trainable=False)
    w = dg.Variable(2.0)
    with dg.GradientTape() as tape:
        y = v * w
    gv, gw = tape.gradient(y, [v, w])
    assert gv is None and float(gw) == 3.0


def test_tensor_reused_accumulates(rng):
    x0 = rng.uniform(-1, 1, size=(3,))
    x = dg.constant(x0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        a = x * x
        y = dg.sum(a * x + dg.exp(x) + x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 3 * x0**2 + np.exp(x0) + 1, rtol=1e-12)


def test_variable_assigned_after_recording_keeps_recorded_value():
    v = dg.Variable(2.0)
    with dg.GradientTape() as tape:
        y = v * v
    v.assign(10.0)
    assert float(tape.gradient(y, v)) == 4.0


def test_diamond_graph_with_broadcasting(rng):
    check_grads(
        lambda x, b: dg.sum(dg.tanh(x + b) * (x + b) + b),
        rng.uniform(-1, 1, (3, 4)),
        rng.uniform(-1, 1, (4,)),
    )


def test_many_uses_through_index_and_arithmetic_accumulate(rng):
    # Index gradients are added into one buffer; arithmetic ones are summed: mixed, reused,
    # broadcast.
    def f(x, b):
        h = x[0] + x[1] * x[2] + x[[0, 0, 2]] * b
        return dg.sum(h * x[:3] + x[-1] * h + x[1:][::-1]) + dg.sum(x)

    check_grads(f, rng.uniform(-1, 1, (4,)), rng.uniform(-1, 1, ()))


def test_backward_does_not_mutate_values_or_seeds(rng):
    x0 = rng.uniform(-1, 1, (3,))
    x = dg.constant(x0.copy())
    seed = np.array([1.0, 2.0, 3.0])
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = x + x[[0, 0, 1]]
        y = h + x + h * 1.0 + x[0]
    h0, y0 = h.numpy().copy(), y.numpy().copy()
    g1 = tape.gradient(y, x, output_gradients=seed)
    g1_copy = g1.numpy().copy()
    g2 = tape.gradient(y, [h, x], output_gradients=seed)
    np.testing.assert_array_equal(seed, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.numpy(), x0)
    np.testing.assert_array_equal(h.numpy(), h0)
    np.testing.assert_array_equal(y.numpy(), y0)
    np.testing.assert_array_equal(g1.numpy(), g1_copy)  # a later call does not write into it
    np.testing.assert_array_equal(g2[1].numpy(), g1_copy)
    np.testing.assert_array_equal(g2[0].numpy(), 2 * seed)
    # dy/dx: h contributes 2·(1 + scatter of [0,0,1]); x once more; x[0] once
    expected = 2 * (seed + np.array([seed[0] + seed[1], seed[2], 0.0])) + seed + [seed.sum(), 0, 0]
    np.testing.assert_allclose(g1_copy, expected)


def test_gradients_of_float32_source_with_float64_output_gradients():
    x = dg.constant(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x[[0, 0, 2]] * 2.0 + x**2
    g = tape.gradient(y, x, output_gradients=np.array([1.0, 1.0, 1.0]))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.numpy(), [4.0 + 2.0, 4.0, 2.0 + 6.0])


def test_long_chain_is_not_recursive():
    x = dg.constant(1.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(5000):
            y = y * 1.0001
    assert float(tape.gradient(y, x)) == pytest.approx(1.0001**5000, rel=1e-9)


# --- grad and value_and_grad ------------------------------------------------------------------


def test_grad_of_a_scalar_function():
    g = dg.grad(lambda x: x * dg.exp(x))
    for x0 in (-1.0, 0.0, 0.5, 2.0):
        assert float(g(x0)) == pytest.approx((1 + x0) * np.exp(x0), rel=1e-12)


def test_value_and_grad_argnums_int_and_tuple():
    def f(x, y):
        return x * x * y + y

    value, gx = dg.value_and_grad(f)(3.0, 2.0)
    assert float(value) == 20.0 and float(gx) == 12.0
    value, gy = dg.value_and_grad(f, argnums=1)(3.0, 2.0)
    assert float(value) == 20.0 and float(gy) == 10.0
    value, grads = dg.value_and_grad(f, argnums=(0, 1))(3.0, 2.0)
    assert isinstance(grads, tuple) and [float(g) for g in grads] == [12.0, 10.0]
    gyx = dg.grad(f, argnums=(1, 0))(3.0, 2.0)
    assert [float(g) for g in gyx] == [10.0, 12.0]


def test_grad_of_an_unused_argument_is_zero():
    gx, gy = dg.grad(lambda x, y: x * 2.0, argnums=(0, 1))(1.0, np.array([1.0, 2.0]))
    assert float(gx) == 2.0
    np.testing.assert_array_equal(np.asarray(gy), [0.0, 0.0])


def test_grad_sums_a_vector_output():
    x0 = np.array([0.1, -0.4, 0.9])
    np.testing.assert_allclose(np.asarray(dg.grad(dg.tanh)(x0)), 1 - np.tanh(x0) ** 2)


def test_nested_grad():
    d2 = dg.grad(dg.grad(lambda x: x**3))
    for x0 in (-1.0, 0.5, 2.0):
        assert float(d2(x0)) == pytest.approx(6 * x0)
    d2tanh = dg.grad(dg.grad(dg.tanh))
    t = np.tanh(0.4)
    assert float(d2tanh(0.4)) == pytest.approx(-2 * t * (1 - t * t), rel=1e-12)
    d3 = dg.grad(dg.grad(dg.grad(lambda x: x**4)))
    assert float(d3(1.5)) == pytest.approx(24 * 1.5)


def test_grad_with_bad_argnums():
    with pytest.raises(TypeError, match="argnums"):
        dg.grad(lambda x: x, argnums=2)(1.0)


def test_grad_needs_a_tensor_result():
    with pytest.raises(TypeError):
        dg.grad(lambda x: 3.0)(1.0)


# --- SGD: descent and ascent ------------------------------------------------------------------


def _loss_and_grad(v, f):
    with dg.GradientTape() as tape:
        loss = f(v)
    return loss, tape.gradient(loss, v)


@pytest.mark.parametrize("maximize, sign", [(False, -1.0), (True, 1.0)], ids=["descent", "ascent"])
def test_sgd_step_is_exact(maximize, sign):
    theta = np.array([1.0, -2.0, 0.5])
    v = dg.Variable(theta.copy())
    _, g = _loss_and_grad(v, lambda t: dg.sum(t * t * t))
    np.testing.assert_allclose(g.numpy(), 3 * theta**2)
    dg.optim.SGD(lr=0.1, maximize=maximize).apply_gradients([(g, v)])
    np.testing.assert_array_equal(v.numpy(), theta + sign * (0.1 * g.numpy()))


def test_sgd_descends_himmelblau():
    v = dg.Variable(np.array([4.0, 0.0]))
    opt = dg.optim.SGD(0.01)
    f = lambda t: himmelblau(t[0], t[1])  # noqa: E731
    losses = []
    for _ in range(200):
        loss, g = _loss_and_grad(v, f)
        losses.append(float(loss))
        opt.apply_gradients([(g, v)])
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    np.testing.assert_allclose(v.numpy(), [3.584428, -1.848127], atol=1e-4)  # SPEC 7.8


def test_sgd_ascends_with_maximize():
    v = dg.Variable(np.array([1.0, -1.0]))
    opt = dg.optim.SGD(0.1, maximize=True)
    f = lambda t: -dg.sum((t - 3.0) ** 2)  # noqa: E731  max at (3, 3)
    values = []
    for _ in range(100):
        value, g = _loss_and_grad(v, f)
        values.append(float(value))
        opt.step([v], [g])
    assert all(b >= a for a, b in zip(values, values[1:]))
    np.testing.assert_allclose(v.numpy(), [3.0, 3.0], atol=1e-6)


def test_sgd_skips_none_gradient_and_validates():
    v = dg.Variable(1.0)
    dg.optim.SGD(0.5).apply_gradients([(None, v)])
    assert float(v) == 1.0
    with pytest.raises(ValueError):
        dg.optim.SGD(-1.0)
    with pytest.raises(ValueError):
        dg.optim.SGD(0.1).apply_gradients([(dg.constant([1.0, 2.0]), v)])


def test_watch_error_names_watch():
    with dg.GradientTape() as tape:
        with pytest.raises(TypeError, match="GradientTape.watch"):
            tape.watch(3.0)
