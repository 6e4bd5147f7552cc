"""dg.extend: ops of one's own from a NumPy function and its VJP makers, including arguments
that are trees (tuples, lists, dicts) with Tensors inside, to first and second order."""

from __future__ import annotations

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd
from deltagrad.extend import defvjp, primitive


@primitive
def weighted_sum_of_squares(pair, c):
    """c · (sum(a²) + sum(b³)) for pair = (a, b): a tuple argument."""
    a, b = pair
    return c * (np.sum(a**2) + np.sum(b**3))


defvjp(
    weighted_sum_of_squares,
    lambda ans, pair, c: lambda g: (g * c * 2 * pair[0], g * c * 3 * pair[1] ** 2),
    lambda ans, pair, c: lambda g: g * (np.sum(pair[0] ** 2) + np.sum(pair[1] ** 3)),
)

A = np.array([0.5, -1.5, 2.0])
B = np.array([[0.3, -0.7], [1.1, 0.2]])
C = 1.7


def _plain(a, b, c):
    return c * (np.sum(a**2) + np.sum(b**3))


def test_plain_values_run_the_function_as_it_is():
    assert weighted_sum_of_squares((A, B), C) == pytest.approx(_plain(A, B, C), rel=1e-15)


def test_gradient_through_a_tuple_argument_matches_finite_differences():
    ga, gb, gc = dg.grad(lambda a, b, c: weighted_sum_of_squares((a, b), c), argnums=(0, 1, 2))(
        A, B, C
    )
    ea, eb, ec = fd.gradients(_plain, A, B, C)
    np.testing.assert_allclose(ga, ea, rtol=1e-8)
    np.testing.assert_allclose(gb, eb, rtol=1e-8)
    np.testing.assert_allclose(gc, ec, rtol=1e-8)


def test_a_tree_may_mix_tensors_and_plain_leaves_and_nest():
    @primitive
    def f(tree):
        return np.sum(tree["x"] * tree["pair"][0]) + tree["pair"][1]

    defvjp(
        f,
        lambda ans, t: lambda g: {"x": g * t["pair"][0], "pair": (g * t["x"], g * np.ones(()))},
    )
    w = np.array([1.0, 2.0, 3.0])
    grad = dg.grad(lambda x: f({"x": x, "pair": (w, 0.5)}))(A)
    np.testing.assert_array_equal(grad, w)


def test_second_derivative_through_a_tuple_argument():
    """The makers are written with np.*: on Tensors they are recorded, so the Hessian of
    c·sum(b³) in b is diagonal 6·c·b, and the mixed a–c block is 2a."""
    hess_b = dg.hessian(lambda b: weighted_sum_of_squares((A, b), C))(B)
    expected = np.diag(6 * C * B.ravel()).reshape(B.shape + B.shape)
    np.testing.assert_allclose(hess_b, expected, rtol=1e-12)
    mixed = dg.jacobian(dg.grad(lambda a, c: weighted_sum_of_squares((a, c), c), argnums=1), 0)
    # f((a, c), c) = c·(sum(a²) + c³): d/dc = sum(a²) + 4c³, whose derivative in a is 2a.
    np.testing.assert_allclose(mixed(A, 0.4), 2 * A, rtol=1e-12)


def test_the_forward_runs_with_no_tape_recording():
    """A forward that itself uses transforms on its plain inputs gets plain results, as it would
    outside any tape (autograd's primitives see raw values)."""
    seen = []

    @primitive
    def uses_grad(pair):
        inner = dg.grad(lambda z: dg.sum(z**3))(pair[0])
        seen.append(type(inner))
        return np.sum(inner) * pair[1]

    defvjp(uses_grad, lambda ans, p: lambda g: (g * 6 * p[0] * p[1], g * np.sum(3 * p[0] ** 2)))
    with dg.GradientTape() as tape:
        x = dg.constant(np.array([1.0, 2.0]))
        tape.watch(x)
        y = uses_grad((x, 2.0))
    assert seen == [np.ndarray]
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [12.0, 24.0])


def test_vjp_fn_follows_a_recorded_cotangent():
    """dg.vjp of plain primals gives a vjp_fn that returns Tensors, recorded, when its cotangent
    is a recorded Tensor (used by makers that call vjp inside a backward pass)."""
    _, vjp_fn = dg.vjp(lambda x: x**3, np.array([2.0]))
    assert isinstance(vjp_fn(np.ones(1))[0], np.ndarray)
    second = dg.grad(lambda g: dg.sum(vjp_fn(g)[0] * g))(np.array([1.5]))
    np.testing.assert_allclose(second, [2 * 12.0 * 1.5])


def test_dg_function_runs_ops_of_ones_own_even_two_of_the_same_name():
    def make(scale):
        @primitive
        def cube(x):
            return scale * x**3

        defvjp(cube, lambda ans, x: lambda g: 3 * scale * g * x**2)
        return cube

    cube_a, cube_b = make(1.0), make(2.0)
    w = dg.Variable(np.array([0.5, -1.0, 1.5]))

    def step(x):
        with dg.GradientTape() as tape:
            loss = dg.sum(cube_a(w * x)) + dg.sum(cube_b(w * x))
        return tape.gradient(loss, w)

    traced = dg.function(step)
    x = np.array([1.0, 2.0, -0.5])
    np.testing.assert_array_equal(traced(x).numpy(), step(x).numpy())
    np.testing.assert_allclose(traced(x).numpy(), 9 * (w.numpy() * x) ** 2 * x, rtol=1e-14)
