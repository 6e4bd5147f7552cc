"""deltagrad.gradcheck: check_grads accepts correct gradients and rejects wrong ones with a
useful message; gradient_table lists every partial derivative."""

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
    for word in ("analytic", "numeric", "relative error"):
        assert word in msg


def _primitive(name, fwd, rule):
    p = Primitive(name, fwd)
    p.defvjp(rule)
    return lambda x: p(x)


def test_a_wrong_derivative_rule_is_caught(rng):
    wrong_sin = _primitive("wrong_sin", np.sin, lambda g, out, x: g * out)  # should be cos
    with pytest.raises(GradientCheckError, match="relative error"):
        check_grads(wrong_sin, rng.uniform(0.2, 1.0, (4,)))


def test_a_slightly_wrong_derivative_is_caught():
    # d/dx x³ reported as 3.001x²: off by 0.03%, far above rtol.
    cube = _primitive("cube", lambda x: x**3, lambda g, out, x: g * 3.001 * x * x)
    with pytest.raises(GradientCheckError):
        check_grads(cube, np.array([0.7, -1.2]))


def test_a_correct_custom_primitive_passes():
    cube = _primitive("cube", lambda x: x**3, lambda g, out, x: g * 3 * x * x)
    check_grads(cube, np.array([0.7, -1.2]), order=2)


def test_order_two_catches_a_rule_that_is_not_differentiable():
    # Right first derivative, but computed in plain NumPy: the outer tape sees no dependence,
    # so the second derivative (zero) disagrees with finite differences (6x).
    def rule(g, out, x):
        return g * 3 * np.asarray(x) ** 2

    cube = _primitive("numpy_cube", lambda x: x**3, rule)
    x = np.array([0.7, -1.2])
    check_grads(cube, x, order=1)
    with pytest.raises(GradientCheckError):
        check_grads(cube, x, order=2)


def test_wrong_gradient_of_one_input_among_several(rng):
    with pytest.raises(GradientCheckError, match="input 1"):
        check_grads(
            lambda a, b: a * dg.stop_gradient(b) * b,
            rng.uniform(0.5, 1, 3),
            rng.uniform(0.5, 1, 3),
            modes=("elementwise",),
        )


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


def test_relative_error_against_a_scale():
    # Relative to a given scale (e.g. the largest derivative of a parameter array), not to
    # each entry's own magnitude; the scale is floored like the magnitudes.
    np.testing.assert_allclose(relative_error([1e-7, 2.0], [2e-7, 2.5], scale=5.0), [2e-8, 0.1])
    assert relative_error(1e-12, 0.0, scale=0.0) == pytest.approx(1e-4)


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
    assert [r.parameter for r in rows] == ["x0", "x0", "x1"]
    assert [r.reference for r in rows] == [2.0, 4.0, 1.0]
    assert [r.analytic for r in rows] == pytest.approx([2.0, 4.0, 1.0])


def test_gradient_table_shows_a_wrong_gradient():
    rows = gradient_table(lambda t: dg.sum(t * dg.stop_gradient(t)), [np.array([1.0, 2.0])])
    assert all(r.rel_error == pytest.approx(0.5, rel=1e-6) for r in rows)


def test_gradient_table_validation():
    with pytest.raises(ValueError):
        gradient_table(lambda t: dg.sum(t), [np.ones(2)], names=["a", "b"])
    with pytest.raises(ValueError):
        gradient_table(lambda t: dg.sum(t), [np.ones(2)], reference=[np.ones(3)])


def test_order2_check_passes_with_a_tiny_partial_derivative():
    # d/dt t^3 at t = 0.005 is ~7.5e-5 while at t = 1 it is 3: compared at the gradient's scale.
    check_grads(lambda t: t**3, np.array([0.005, 1.0]), order=2)
