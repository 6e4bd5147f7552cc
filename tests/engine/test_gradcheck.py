"""deltagrad.gradcheck: check_grads accepts correct gradients and rejects wrong ones with a
useful message; gradient_table lists every partial derivative."""

import inspect

import numpy as np
import pytest

import deltagrad as dg
from deltagrad.gradcheck import (
    GradientCheckError,
    central_difference,
    check_grads,
    gradient_table,
    numeric_gradients,
    relative_error,
)
from deltagrad.ops.core import Primitive


def test_check_grads_passes_for_correct_functions(rng):
    x, w = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 2))
    check_grads(lambda a, b: dg.tanh(a @ b), x, w)
    check_grads(lambda a, b: dg.tanh(a @ b), x, w, order=2)
    check_grads(lambda a: dg.sum(dg.sigmoid(a)), x, modes=("projection",))
    check_grads(lambda a: dg.sum(dg.sigmoid(a)), x, modes=("elementwise",))


@pytest.mark.parametrize(
    "modes",
    [("projection",), ("elementwise",), ("projection", "elementwise")],
    ids=["projection", "elementwise", "both"],
)
def test_stop_gradient_is_caught(modes, rng):
    # x·stop_gradient(x): the tape says x, the truth is 2x.
    x = rng.uniform(0.5, 1.5, (3,))
    with pytest.raises(GradientCheckError) as info:
        check_grads(lambda t: t * dg.stop_gradient(t), x, modes=modes)
    msg = str(info.value)
    # Every entry is named, with plain indices, its two values and its error (∂f[i]/∂t[i]).
    for i, v in enumerate(x):
        assert f"∂f[{i}]/∂t[{i}]: analytic {v:.6g}, numeric {2 * v:.6g} (rel. error" in msg
    assert "np.int64" not in msg


def _primitive(name, fwd, rule):
    p = Primitive(name, fwd)
    p.defvjp(rule)
    return lambda x: p(x)


def test_a_wrong_derivative_rule_is_caught(rng):
    wrong_sin = _primitive("wrong_sin", np.sin, lambda g, out, x: g * out)  # should be cos
    with pytest.raises(GradientCheckError, match=r"rel\. error"):
        check_grads(wrong_sin, rng.uniform(0.2, 1.0, (4,)))


def test_a_slightly_wrong_derivative_is_caught():
    # d/dx x³ reported as 3.001x²: off by 0.03%, far above rtol.
    cube = _primitive("cube", lambda x: x**3, lambda g, out, x: g * 3.001 * x * x)
    with pytest.raises(GradientCheckError):
        check_grads(cube, np.array([0.7, -1.2]))


def test_a_correct_custom_primitive_passes():
    cube = _primitive("cube", lambda x: x**3, lambda g, out, x: g * 3 * x * x)
    check_grads(cube, np.array([0.7, -1.2]), order=2)


def _values(x):
    """The values of ``x`` without a gradient (a rule's argument: an array or a Tensor)."""
    return x.numpy() if isinstance(x, dg.Tensor) else x


def test_order_two_catches_a_rule_that_is_not_differentiable():
    # Right first derivative, but computed on the plain values (.numpy(); np.asarray of a
    # recorded tensor is refused): the outer tape sees no dependence, so the second derivative
    # (zero) disagrees with finite differences (6x).
    def rule(g, out, x):
        return g * 3 * _values(x) ** 2

    cube = _primitive("numpy_cube", lambda x: x**3, rule)
    x = np.array([0.7, -1.2])
    check_grads(cube, x, order=1)
    with pytest.raises(GradientCheckError):
        check_grads(cube, x, order=2)


def test_wrong_gradient_of_one_input_among_several(rng):
    with pytest.raises(GradientCheckError, match=r"∂f\[0\]/∂b\[0\]") as info:
        check_grads(
            lambda a, b: a * dg.stop_gradient(b) * b,
            rng.uniform(0.5, 1, 3),
            rng.uniform(0.5, 1, 3),
            modes=("elementwise",),
        )
    assert "/∂a" not in str(info.value)  # a's derivatives are right: only b's are listed


def test_check_grads_rejects_bad_order():
    with pytest.raises(ValueError, match="order"):
        check_grads(dg.exp, np.ones(2), order=3)


def test_check_grads_rejects_a_non_tensor_output():
    with pytest.raises(TypeError, match="must return a Tensor"):
        check_grads(lambda x: 1.0, np.ones(2))


def test_check_grads_converts_float32_inputs_to_float64(rng):
    x = rng.uniform(-1, 1, (4,)).astype(np.float32)
    check_grads(dg.tanh, x)  # float32 differencing would miss rtol=1e-6


def test_numeric_gradients_of_a_known_function():
    (g,) = numeric_gradients(lambda t: dg.sum(t * t * t), [np.array([1.0, -2.0])])
    np.testing.assert_allclose(g, [3.0, 12.0], rtol=1e-8)


def test_relative_error():
    assert relative_error(1.0, 1.0) == 0.0
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(2.0, 1.0) == pytest.approx(0.5)
    assert relative_error(1e-12, 0.0) < 1e-3  # the floor keeps near-zero values from blowing up


def test_relative_error_of_arrays_is_relative_to_the_largest_entry():
    # Each entry against the largest magnitude of either array (here 2.5), not its own size:
    # finite differences resolve a 1e-7 entry only to round-off of the largest.
    np.testing.assert_allclose(relative_error([1e-7, 2.0], [2e-7, 2.5]), [4e-8, 0.2])
    assert np.isnan(relative_error([np.nan, 1.0], [1.0, 1.0])[0])  # NaN stays visible
    assert relative_error([np.nan, 1.0], [1.0, 1.0])[1] == 0.0  # and does not set the scale


def test_central_difference_gradient_jacobian_and_elementwise():
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(
        central_difference(lambda v: np.sum(v**3), x), [3.0, 12.0], rtol=1e-8
    )
    np.testing.assert_array_equal(x, [1.0, -2.0])  # nudged in place, then restored
    jac = central_difference(lambda v: np.array([v[0] * v[1], v[1], 0.0]), x)
    np.testing.assert_allclose(jac, [[-2.0, 1.0], [0.0, 1.0], [0.0, 0.0]], atol=1e-9)
    assert central_difference(lambda v: v, x).shape == (2, 2)  # f may return x itself
    np.testing.assert_allclose(
        central_difference(np.sin, x, 1e-5, elementwise=True), np.cos(x), rtol=1e-9
    )
    assert central_difference(lambda v: v * v, np.array(3.0)) == pytest.approx(6.0)
    with pytest.raises(TypeError, match="float64"):
        central_difference(np.sum, np.array([1, 2]))


def test_central_difference_retries_invalid_steps_and_gives_nan():
    # |v| has its kink at 0: a step wider than the distance to it is not a derivative.
    x = np.array([3e-6, 1e-9, 0.5])
    side = x > 0
    g = central_difference(
        lambda v: np.sum(np.abs(v)),
        x,
        (1e-5, 1e-6, 1e-7),
        valid=lambda v: bool(np.array_equal(v > 0, side)),
    )
    np.testing.assert_allclose(g[[0, 2]], [1.0, 1.0], rtol=1e-9)
    assert np.isnan(g[1])
    calls = []
    central_difference(np.sum, np.zeros((2, 3)), progress=calls.append)
    assert calls == [1] * 6


def test_gradient_table_rows(rng):
    w, b = rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (2,))
    x = rng.uniform(-1, 1, (4, 3))

    def loss(w, b):
        return dg.mean(dg.sigmoid(x @ w + b) ** 2)

    rows = gradient_table(loss, [w, b], names=["W", "b"])
    assert len(rows) == w.size + b.size
    assert [r.parameter for r in rows] == ["W"] * 6 + ["b"] * 2
    assert [r.index for r in rows[:6]] == list(np.ndindex(3, 2))
    assert all(r.rel_error < 1e-6 for r in rows)
    assert all(r.reference is None for r in rows)
    assert max(abs(r.analytic - r.numeric) for r in rows) < 1e-8


def test_gradient_table_with_reference_and_default_names():
    def f(a, c):
        return dg.sum(a * a) + dg.sum(c)

    a, c = np.array([1.0, 2.0]), np.array(3.0)
    rows = gradient_table(f, [a, c], reference=[2 * a, np.array(1.0)])
    assert [r.parameter for r in rows] == ["a", "a", "c"]  # f's own parameter names
    assert [r.reference for r in rows] == [2.0, 4.0, 1.0]
    assert [r.analytic for r in rows] == pytest.approx([2.0, 4.0, 1.0])


def test_gradient_table_shows_a_wrong_gradient():
    rows = gradient_table(lambda t: dg.sum(t * dg.stop_gradient(t)), [np.array([1.0, 2.0])])
    # tape [1, 2] against the truth [2, 4]: errors relative to the largest, 4
    assert [r.rel_error for r in rows] == pytest.approx([0.25, 0.5], rel=1e-6)
    assert not rows.ok and rows.disagreements == list(rows)


def test_gradient_table_validation():
    with pytest.raises(ValueError):
        gradient_table(lambda t: dg.sum(t), [np.ones(2)], names=["a", "b"])
    with pytest.raises(ValueError):
        gradient_table(lambda t: dg.sum(t), [np.ones(2)], reference=[np.ones(3)])


def test_order2_check_passes_with_a_tiny_partial_derivative():
    # d/dt t^3 at t = 0.005 is ~7.5e-5 while at t = 1 it is 3: compared at the gradient's scale.
    check_grads(lambda t: t**3, np.array([0.005, 1.0]), order=2)


# --- check_grads names each bad derivative; gradient_table checks the reference --------------


def test_check_grads_names_each_bad_entry_of_a_wrong_rule():
    @dg.custom_gradient
    def bad_square(x):
        return x * x, lambda g: g * x  # wrong: should be g * 2x

    with pytest.raises(GradientCheckError) as info:
        check_grads(bad_square, np.array([1.5, -0.5]))
    msg = str(info.value)
    assert "∂f[0]/∂x[0]: analytic 1.5, numeric 3 (rel. error 0.5)" in msg
    assert "∂f[1]/∂x[1]: analytic -0.5, numeric -1 (rel. error 0.17)" in msg
    assert "directional" not in msg and "<u, J v>" not in msg  # no random projection shown
    assert "in 2 entries" in msg and "∂f[0]/∂x[1]" not in msg  # off-diagonal entries are right


def test_check_grads_reports_a_limited_number_of_entries_and_counts_the_rest():
    x = np.arange(1.0, 13.0).reshape(3, 4)
    with pytest.raises(GradientCheckError) as info:
        check_grads(lambda v: dg.sum(v * dg.stop_gradient(v)), x, max_reported=4)
    msg = str(info.value)
    assert msg.count("∂f/∂v[") == 4 and "∂f/∂v[0, 3]: analytic 4, numeric 8" in msg
    assert "… and 8 more" in msg and "in 12 entries" in msg


def test_check_grads_catches_a_nan_derivative():
    nan_rule = _primitive("nan_rule", np.sin, lambda g, out, x: g * np.nan)
    for modes in [("projection",), ("elementwise",)]:
        with pytest.raises(GradientCheckError, match=r"analytic nan"):
            check_grads(nan_rule, np.array([0.3, 0.4]), modes=modes)


def test_check_grads_names_second_derivatives():
    def rule(g, out, x):  # right first derivative on the plain values: the second is lost
        return g * 3 * _values(x) ** 2

    cube = _primitive("numpy_cube", lambda x: x**3, rule)
    with pytest.raises(GradientCheckError, match=r"∂\(w·∇f\)/∂x\[0\]: analytic 0"):
        check_grads(cube, np.array([0.7, -1.2]), order=2)


def _two_layer(x, t):
    """A sigmoid 3-2-1 network's loss ½(o − t)² and its delta-rule gradient, optionally with
    the hidden layer's σ′ left out."""

    def loss(W1, W2):
        h = dg.sigmoid(x @ W1)
        o = dg.sigmoid(h @ W2)
        return 0.5 * dg.sum((o - t) ** 2)

    def by_hand(W1, W2, forget_hidden_derivative=False):
        h = 1 / (1 + np.exp(-x @ W1))
        o = 1 / (1 + np.exp(-h @ W2))
        delta2 = (o - t) * o * (1 - o)
        delta1 = delta2 @ W2.T
        if not forget_hidden_derivative:
            delta1 = delta1 * h * (1 - h)
        return [x.T @ delta1, h.T @ delta2]

    return loss, by_hand


def test_gradient_table_checks_the_reference_and_says_which_entries_disagree(rng):
    x, t = rng.uniform(-1, 1, (4, 3)), rng.uniform(0, 1, (4, 1))
    W1, W2 = rng.normal(size=(3, 2)), rng.normal(size=(2, 1))
    loss, by_hand = _two_layer(x, t)
    right = gradient_table(loss, [W1, W2], reference=by_hand(W1, W2))
    assert right.ok and right.disagreements == []
    assert max(r.reference_error for r in right) < 1e-8

    wrong = gradient_table(loss, [W1, W2], reference=by_hand(W1, W2, True))
    assert not wrong.ok
    # The hidden layer's six derivatives are wrong; the output layer's are right.
    assert [r.parameter for r in wrong.disagreements] == ["W1"] * 6
    assert all(r.reference_error > 0.1 for r in wrong.disagreements)
    assert all(r.rel_error < 1e-6 for r in wrong)  # tape and differences still agree
    text = str(wrong)
    assert "8 derivatives, 6 disagree" in text
    assert [line[0] for line in text.splitlines()[2:]] == ["✗"] * 6 + [" "] * 2


def test_gradient_table_flags_a_wrong_scalar_reference():
    # d/dw [w·σ(w)] at w = 1 is σ(1) + σ′(1) = 0.9277; a hand value of 1.408 is wrong.
    (row,) = table = gradient_table(lambda w: w * dg.sigmoid(w), [1.0], reference=[1.408])
    assert not row.ok and not table.ok
    assert row.reference_error == pytest.approx((1.408 - 0.92767) / 1.408, rel=1e-4)
    assert str(table).splitlines()[-1].startswith("✗  w ")


def test_one_step_and_one_tolerance_everywhere():
    from deltagrad.experiments import derivatives, explain
    from deltagrad.experiments import gradcheck as network_check
    from deltagrad.gradcheck import EPS, RTOL

    assert network_check.FD_EPS == derivatives.FD_EPS == EPS
    assert network_check.TOLERANCE == RTOL
    assert inspect.signature(explain.explain).parameters["eps"].default == EPS
    assert inspect.signature(check_grads).parameters["eps"].default == EPS
    assert inspect.signature(gradient_table).parameters["eps"].default == EPS
