"""deltagrad.descent: autograd's functional optimisers over trees, number for number.

The reference is autograd.misc.optimizers itself (a test dependency), run on the same problem
with autograd's own gradients."""

import numpy as np
import pytest

import deltagrad as dg
from deltagrad import descent, tree

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")
from autograd.misc import optimizers as ag_optimizers  # noqa: E402

A = np.array([[2.0, 0.5], [0.5, 1.0]])


def objective(p, i, lib):
    """A small tree problem whose gradient changes with the iteration i too."""
    quad = lib.sum((p["w"] @ A) * p["w"])
    return quad + lib.sum(lib.sin(p["b"][0]) * p["b"][1]) + 0.01 * i * lib.sum(p["w"])


def _x0():
    return {"w": np.array([1.0, -2.0]), "b": (np.array([0.3, 0.4]), 1.5)}


SETTINGS = {
    "sgd": dict(num_iters=60, step_size=0.1, mass=0.9),
    "rmsprop": dict(num_iters=60, step_size=0.05, gamma=0.8, eps=1e-8),
    "adam": dict(num_iters=60, step_size=0.05, b1=0.8, b2=0.99, eps=1e-7),
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_the_same_numbers_as_autograd(name):
    ours_seen, theirs_seen = [], []

    def ours_cb(params, i, g):
        ours_seen.append((i, tree.ravel(params)[0], tree.ravel(g)[0]))

    def theirs_cb(params, i, g):
        theirs_seen.append((i, tree.ravel(params)[0], tree.ravel(g)[0]))

    grad_fn = dg.grad(lambda p, i: objective(p, i, dg))
    ag_grad = autograd.grad(lambda p, i: objective(p, i, anp))
    ours = getattr(descent, name)(grad_fn, _x0(), ours_cb, **SETTINGS[name])
    theirs = getattr(ag_optimizers, name)(ag_grad, _x0(), theirs_cb, **SETTINGS[name])
    assert set(ours) == {"w", "b"} and isinstance(ours["b"], tuple)
    assert all(type(leaf) is np.ndarray for leaf in tree.flatten(ours)[0])
    np.testing.assert_allclose(tree.ravel(ours)[0], tree.ravel(theirs)[0], rtol=1e-12, atol=1e-12)
    assert [s[0] for s in ours_seen] == list(range(60))
    for (_, x, g), (_, x_ag, g_ag) in zip(ours_seen, theirs_seen):
        np.testing.assert_allclose(x, x_ag, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(g, g_ag, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_defaults_match_autograds(name):
    grad_fn = dg.grad(lambda p, i: objective(p, i, dg))
    ag_grad = autograd.grad(lambda p, i: objective(p, i, anp))
    ours = getattr(descent, name)(grad_fn, _x0())
    theirs = getattr(ag_optimizers, name)(ag_grad, _x0())
    np.testing.assert_allclose(tree.ravel(ours)[0], tree.ravel(theirs)[0], rtol=1e-12, atol=1e-12)


def test_one_step_of_each_by_hand():
    g = np.array([2.0, -4.0])
    x0 = np.array([1.0, 1.0])
    step = descent.sgd(lambda x, i: g, x0, num_iters=1, step_size=0.5, mass=0.9)
    np.testing.assert_allclose(step, x0 - 0.5 * 0.1 * g, rtol=1e-15)  # v₁ = −(1 − mass)·g
    step = descent.rmsprop(lambda x, i: g, x0, num_iters=1, step_size=0.5, gamma=0.9, eps=0.0)
    np.testing.assert_allclose(step, x0 - 0.5 * g / np.sqrt(0.9 + 0.1 * g**2), rtol=1e-15)
    step = descent.adam(lambda x, i: g, x0, num_iters=1, step_size=0.5, eps=0.0)
    np.testing.assert_allclose(step, x0 - 0.5 * np.sign(g), rtol=1e-15)  # m̂/√v̂ = g/|g|


def test_adam_agrees_with_optim_adam_to_round_off():
    gf = dg.grad(lambda w: dg.sum(dg.tanh(w) ** 2 * np.array([1.0, 2.0, 3.0])))
    x0 = np.array([0.5, -1.0, 2.0])
    ours = descent.adam(lambda x, i: gf(x), x0, num_iters=100, step_size=0.01)
    w, opt = dg.Variable(x0.copy()), dg.optim.Adam(lr=0.01)
    for _ in range(100):
        opt.apply_gradients([(dg.constant(gf(w.numpy())), w)])
    np.testing.assert_allclose(ours, w.numpy(), rtol=1e-14, atol=1e-15)


def test_a_plain_array_and_tensor_leaves_and_zero_iterations():
    x = descent.sgd(lambda x, i: 2 * x, np.array([1.0, 2.0]), num_iters=50)
    assert type(x) is np.ndarray and np.all(np.abs(x) < 0.5)
    x0 = {"t": dg.constant([1.0, 2.0]), "n": 3}
    same = descent.adam(lambda p, i: {"t": np.zeros(2), "n": 0.0}, x0, num_iters=0)
    assert type(same["t"]) is np.ndarray and same["n"].dtype == np.float64
    np.testing.assert_array_equal(same["t"], [1.0, 2.0])


def test_errors_name_the_problem():
    x0 = {"w": np.ones(2)}
    with pytest.raises(
        ValueError, match=r"descent.adam: grad_fn returned leaves of shapes \[\(3,\)\]"
    ):
        descent.adam(lambda p, i: {"w": np.ones(3)}, x0)
    with pytest.raises(TypeError, match="descent.sgd: grad_fn must be callable"):
        descent.sgd(None, x0)
    with pytest.raises(TypeError, match="callback must be callable"):
        descent.sgd(lambda p, i: p, x0, callback=3)
    with pytest.raises(ValueError, match="num_iters must be >= 0"):
        descent.rmsprop(lambda p, i: p, x0, num_iters=-1)
    with pytest.raises(TypeError, match="num_iters must be an int"):
        descent.rmsprop(lambda p, i: p, x0, num_iters=2.5)
    with pytest.raises(ValueError, match="step_size must be finite"):
        descent.adam(lambda p, i: p, x0, step_size=float("nan"))
    with pytest.raises(TypeError, match="mass must be a number"):
        descent.sgd(lambda p, i: p, x0, mass="0.9")
