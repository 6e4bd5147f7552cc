"""Trees (deltagrad.tree), transforms over trees, plain NumPy results, vjp, elementwise_grad,
checkpoint, vmap and hvp of size-1 outputs.

Reference derivatives: central finite differences of plain NumPy code in float64
(tests/finite_differences.py) and HIPS autograd (a test dependency)."""

from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd
from deltagrad import tree
from deltagrad.transforms import checkpoint, elementwise_grad, vjp, vmap

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")
from autograd.misc import flatten as ag_flatten  # noqa: E402

Pair = namedtuple("Pair", ["first", "second"])

# --- trees: flatten, unflatten, map -------------------------------------------------------------


def test_flatten_orders_dict_leaves_by_sorted_key_and_none_holds_no_leaf():
    t = {"b": 2.0, "a": [1.0, None, (3.0,)], "c": None}
    leaves, treedef = tree.flatten(t)
    assert leaves == [1.0, 3.0, 2.0]
    assert treedef.num_leaves == 3
    assert repr(treedef) == "TreeDef({'a': [*, None, (*,)], 'b': *, 'c': None})"
    back = tree.unflatten(treedef, leaves)
    assert back == t
    assert list(back) == ["b", "a", "c"]  # the rebuilt dict keeps the tree's key order


def test_treedefs_compare_by_structure_not_key_insertion_order():
    _, d1 = tree.flatten({"x": 1.0, "y": [2.0]})
    _, d2 = tree.flatten({"y": [5.0], "x": 0.0})
    _, d3 = tree.flatten({"y": (5.0,), "x": 0.0})
    assert d1 == d2 and hash(d1) == hash(d2)
    assert d1 != d3  # a tuple is not a list


def test_namedtuples_and_ordered_dicts_keep_their_types():
    t = [Pair(1.0, np.ones(2)), OrderedDict([("z", 1.0), ("a", 2.0)])]
    leaves, treedef = tree.flatten(t)
    assert leaves[2:] == [2.0, 1.0]  # an OrderedDict's leaves are in sorted key order too
    back = tree.unflatten(treedef, leaves)
    assert isinstance(back[0], Pair) and isinstance(back[1], OrderedDict)
    assert list(back[1]) == ["z", "a"]


def test_a_tensor_and_an_array_are_leaves():
    x = dg.constant([1.0, 2.0])
    leaves, treedef = tree.flatten((x, np.zeros(3)))
    assert leaves[0] is x and treedef.num_leaves == 2


def test_tree_errors_name_the_problem():
    with pytest.raises(TypeError, match="keys must be sortable.*int, str"):
        tree.flatten({1: 1.0, "a": 2.0})
    _, treedef = tree.flatten([1.0, 2.0])
    with pytest.raises(ValueError, match="holds 2 leaves, got 3"):
        tree.unflatten(treedef, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="unflatten\\(treedef, leaves\\)"):
        tree.unflatten([1.0, 2.0], treedef)
    with pytest.raises(ValueError, match="tree 1 has structure"):
        tree.map(lambda a, b: a + b, {"a": 1.0}, {"b": 1.0})


def test_map_over_several_trees_skips_none():
    seen = []

    def f(p, g):
        seen.append((p, g))
        return p - 0.5 * g

    out = tree.map(f, {"w": 1.0, "skip": None}, {"skip": None, "w": 4.0})
    assert out == {"w": -1.0, "skip": None} and seen == [(1.0, 4.0)]


# --- trees: ravel -------------------------------------------------------------------------------


def test_ravel_matches_autograds_flatten_order(rng):
    t = {"w": rng.standard_normal((2, 3)), "b": [rng.standard_normal(2), 0.5], "a": (1.5,)}
    vector, unravel = tree.ravel(t)
    expected, _ = ag_flatten(t)
    np.testing.assert_array_equal(vector, expected)
    back = unravel(vector)
    assert back["w"].shape == (2, 3) and back["b"][1].shape == ()
    np.testing.assert_array_equal(back["w"], t["w"])


def test_ravel_dtypes_and_copies():
    t = {"f32": np.ones(2, np.float32), "i": np.array([1, 2])}
    vector, unravel = tree.ravel(t)
    assert vector.dtype == np.float64  # float32 and int64 meet at float64
    back = unravel(vector + 0.5)
    assert back["f32"].dtype == np.float32  # a float leaf keeps its dtype
    np.testing.assert_array_equal(back["i"], [1.5, 2.5])  # an int leaf comes back as floats
    back["f32"][0] = 99.0
    assert vector[0] == 1.0  # unravel's leaves are new arrays
    only32, _ = tree.ravel([np.ones(2, np.float32)])
    assert only32.dtype == np.float32
    ints, _ = tree.ravel([1, 2])
    assert ints.dtype == np.float64
    empty, unravel_empty = tree.ravel({"a": None})
    assert empty.shape == (0,) and unravel_empty(empty) == {"a": None}


def test_unravel_refuses_a_vector_of_another_length():
    _, unravel = tree.ravel([np.ones(2), 1.0])
    with pytest.raises(ValueError, match="1-D vector of 3 numbers.*shape \\(4,\\)"):
        unravel(np.ones(4))
    with pytest.raises(ValueError, match="shape \\(3, 1\\)"):
        unravel(np.ones((3, 1)))


def loss_of_tree(p, lib):
    return lib.sum(lib.tanh(p["w"]) * p["x"][0]) + p["x"][1] ** 2


def test_grad_through_unravel_of_a_flat_vector(rng):
    t = {"w": rng.standard_normal((2, 2)), "x": [rng.standard_normal(2), 0.7]}
    vector, unravel = tree.ravel(t)
    g = dg.grad(lambda v: loss_of_tree(unravel(v), dg))(vector)
    assert isinstance(g, np.ndarray) and g.shape == vector.shape
    numeric = fd.gradient(lambda v: loss_of_tree(unravel(v), np), vector)
    np.testing.assert_allclose(g, numeric, rtol=1e-8, atol=1e-10)
    ag = autograd.grad(lambda v: loss_of_tree(ag_flatten(t)[1](v), anp))(vector)
    np.testing.assert_allclose(g, ag, rtol=1e-13, atol=1e-15)


def test_ravel_of_tensor_leaves_is_recorded():
    w = dg.constant([1.0, 2.0])
    with dg.GradientTape() as tape:
        tape.watch(w)
        vector, unravel = tree.ravel({"w": w, "c": 3.0})
        assert isinstance(vector, dg.Tensor)
        y = dg.sum(vector * vector)
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), [2.0, 4.0])


# --- grad, value_and_grad, jacobian, hessian over trees ------------------------------------------


def tree_loss(p, lib):
    h = lib.tanh(p["W"] @ p["x"] + p["b"][0])
    return lib.sum(h * h) * p["b"][1] + lib.sum(p["W"] ** 3)


def _tree_params(rng):
    return {
        "W": rng.standard_normal((3, 2)),
        "x": rng.standard_normal(2),
        "b": (rng.standard_normal(3), 0.8),
    }


def test_grad_of_a_dict_matches_finite_differences_and_autograd(rng):
    p = _tree_params(rng)
    g = dg.grad(lambda q: tree_loss(q, dg))(p)
    assert set(g) == set(p) and isinstance(g["b"], tuple)
    vector, unravel = tree.ravel(p)
    numeric = fd.gradient(lambda v: tree_loss(unravel(v), np), vector)
    np.testing.assert_allclose(tree.ravel(g)[0], numeric, rtol=1e-7, atol=1e-9)
    ag = autograd.grad(lambda q: tree_loss(q, anp))(p)
    for a, b in zip(tree.flatten(g)[0], tree.flatten(ag)[0]):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_value_and_grad_with_a_list_argument_and_argnums(rng):
    ws = [rng.standard_normal(3), rng.standard_normal(3)]
    c = rng.standard_normal(3)

    def f(ws, c):
        return dg.sum(ws[0] * ws[1] * c)

    value, (gws, gc) = dg.value_and_grad(f, argnums=(0, 1))(ws, c)
    assert isinstance(gws, list) and len(gws) == 2
    np.testing.assert_allclose(value, np.sum(ws[0] * ws[1] * c), rtol=1e-15)
    np.testing.assert_allclose(gws[0], ws[1] * c, rtol=1e-15)
    np.testing.assert_allclose(gc, ws[0] * ws[1], rtol=1e-15)


def test_a_non_float_leaf_is_named_by_its_path():
    with pytest.raises(TypeError, match=r"argument 0\['b'\]\[1\] has dtype int64"):
        dg.grad(lambda p: dg.sum(p["w"]))({"w": np.ones(2), "b": [1.0, np.array(3)]})
    with pytest.raises(TypeError, match=r"argument 0\['s'\] is not numeric"):
        dg.grad(lambda p: dg.sum(p["w"]))({"w": np.ones(2), "s": "text"})


def test_none_in_a_tree_is_passed_through():
    g = dg.grad(lambda p: dg.sum(p["w"] ** 2))({"w": np.array([1.0, 2.0]), "unused": None})
    assert g["unused"] is None
    np.testing.assert_array_equal(g["w"], [2.0, 4.0])


def test_jacobian_of_tree_arguments_and_outputs_matches_autograd(rng):
    p = {"a": rng.standard_normal(3), "b": rng.standard_normal((3, 2))}

    def f(p, lib):
        return (lib.tanh(p["a"]) * lib.sum(p["b"], axis=1), lib.sum(p["b"] ** 2, axis=0))

    J = dg.jacobian(lambda q: f(q, dg))(p)
    assert isinstance(J, tuple) and J[0]["b"].shape == (3, 3, 2) and J[1]["a"].shape == (2, 3)
    np.testing.assert_array_equal(J[1]["a"], np.zeros((2, 3)))  # output 1 ignores a
    for k, name in [(0, "a"), (0, "b"), (1, "b")]:
        expected = autograd.jacobian(lambda x, k=k, name=name: f({**p, name: x}, anp)[k])(p[name])
        np.testing.assert_allclose(J[k][name], expected, rtol=1e-13, atol=1e-15)


def test_hessian_of_a_dict_nests_twice_and_matches_autograd(rng):
    p = {"w": rng.standard_normal(2), "s": 0.6}

    def f(p, lib):
        return lib.sum(lib.sin(p["w"]) * p["s"] ** 2) + lib.sum(p["w"] ** 2) * p["s"]

    H = dg.hessian(lambda q: f(q, dg))(p)
    assert H["w"]["w"].shape == (2, 2) and H["w"]["s"].shape == (2,) and H["s"]["s"].shape == ()
    vector, unravel = tree.ravel(p)
    full = autograd.hessian(lambda v: f(ag_flatten(p)[1](v), anp))(vector)  # order: s, w0, w1
    np.testing.assert_allclose(H["s"]["s"], full[0, 0], rtol=1e-13)
    np.testing.assert_allclose(H["w"]["w"], full[1:, 1:], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(H["w"]["s"], full[1:, 0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(H["s"]["w"], full[0, 1:], rtol=1e-13, atol=1e-15)


# --- plain NumPy back, Tensors when nesting ----------------------------------------------------


def test_plain_arguments_give_plain_numpy_results():
    x = np.array([0.5, -1.0])
    value, g = dg.value_and_grad(lambda t: dg.sum(dg.tanh(t)))(x)
    assert type(value) is np.float64 and type(g) is np.ndarray
    assert type(dg.grad(lambda t: t * t)(3.0)) is np.float64
    assert type(dg.jacobian(dg.tanh)(x)) is np.ndarray
    assert type(dg.hessian(lambda t: dg.sum(t**3))(x)) is np.ndarray
    (_, aux), _ = dg.value_and_grad(lambda t: (dg.sum(t), {"y": t * 2, 1: "n"}), has_aux=True)(x)
    assert type(aux["y"]) is np.ndarray and aux[1] == "n"  # aux is any data: keys unsorted


def test_plain_gradients_are_writable_arrays_of_their_own():
    x = np.ones(3)
    g = dg.grad(dg.sum)(x)  # the seed of the backward pass is a read-only broadcast 1
    g *= 2.0
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(x, np.ones(3))


def test_a_descent_step_in_place_on_plain_arrays():
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    expected = W - 0.1 * 2 * W
    W -= 0.1 * dg.grad(lambda w: dg.sum(w * w))(W)
    np.testing.assert_allclose(W, expected, rtol=1e-15)


def test_scipy_minimize_with_grad_as_jac():
    optimize = pytest.importorskip("scipy.optimize")

    def rosenbrock(x):
        return dg.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    result = optimize.minimize(rosenbrock, np.zeros(4), jac=dg.grad(rosenbrock), method="BFGS")
    assert result.success
    np.testing.assert_allclose(result.x, np.ones(4), atol=1e-5)


def test_tensor_arguments_or_an_outer_tape_give_tensors():
    g = dg.grad(lambda t: t * t)(dg.constant(3.0))
    assert isinstance(g, dg.Tensor) and float(g) == 6.0
    g = dg.grad(lambda p: p["w"] * 2.0)({"w": dg.constant(1.0)})  # a Tensor inside a tree
    assert isinstance(g["w"], dg.Tensor)
    x = dg.constant(2.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        inner = dg.grad(lambda t: t**3)(x)
        assert isinstance(inner, dg.Tensor)
    assert float(tape.gradient(inner, x)) == 12.0  # the inner gradient was recorded


def test_nested_grad_of_plain_values_gives_a_plain_third_derivative():
    d3 = dg.grad(dg.grad(dg.grad(lambda x: dg.sin(x) * x)))(0.7)
    assert type(d3) is np.float64
    expected = -3 * np.sin(0.7) - 0.7 * np.cos(0.7)  # (x sin x)''' = −3 sin x − x cos x
    assert d3 == pytest.approx(expected, rel=1e-13)


# --- vjp ----------------------------------------------------------------------------------------


def test_vjp_matches_autograds_make_vjp(rng):
    a, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    u = rng.standard_normal(3)

    def f(a, b, lib):
        return lib.tanh(lib.dot(a, b))

    value, vjp_fn = vjp(lambda a, b: f(a, b, dg), a, b)
    ga, gb = vjp_fn(u)
    for i, g in enumerate((ga, gb)):
        ag_vjp, ag_value = autograd.make_vjp(lambda a, b: f(a, b, anp), i)(a, b)
        np.testing.assert_allclose(value, ag_value, rtol=1e-15)
        np.testing.assert_allclose(g, ag_vjp(u), rtol=1e-13, atol=1e-15)
    again = vjp_fn(2 * u)  # vjp_fn can be called again
    np.testing.assert_allclose(again[1], 2 * gb, rtol=1e-14)


def test_vjp_with_trees_in_and_out_and_aux(rng):
    p = {"w": rng.standard_normal(2), "c": 1.5}

    def f(p):
        return (p["w"] * p["c"], dg.sum(p["w"])), "aux"

    value, vjp_fn, aux = vjp(f, p, has_aux=True)
    assert aux == "aux" and isinstance(value, tuple)
    (gp,) = vjp_fn((np.array([1.0, 2.0]), 3.0))
    np.testing.assert_allclose(gp["w"], np.array([1.0, 2.0]) * 1.5 + 3.0, rtol=1e-15)
    np.testing.assert_allclose(gp["c"], np.dot([1.0, 2.0], p["w"]), rtol=1e-15)
    with pytest.raises(TypeError, match="cotangent for the output has structure"):
        vjp_fn([np.ones(2), 1.0])
    with pytest.raises(ValueError, match="cotangent of shape \\(3,\\)"):
        vjp_fn((np.ones(3), 1.0))


def test_vjp_nests_for_second_derivatives():
    # d/dx [vjp of x ↦ x³ with cotangent 1] = d/dx 3x² = 6x
    def first(x):
        _, vjp_fn = vjp(lambda t: t**3, x)
        return vjp_fn(dg.constant(1.0))[0]

    assert float(dg.grad(first)(2.0)) == 12.0


# --- elementwise_grad ---------------------------------------------------------------------------


def test_elementwise_grad_is_the_derivative_of_an_elementwise_function(rng):
    x = rng.standard_normal((2, 3))
    g = elementwise_grad(lambda t: dg.tanh(t) * t)(x)
    numeric = fd.elementwise_derivative(lambda t: np.tanh(t) * t, x)
    np.testing.assert_allclose(g, numeric, rtol=1e-8, atol=1e-10)
    ag = autograd.elementwise_grad(lambda t: anp.tanh(t) * t)(x)
    np.testing.assert_allclose(g, ag, rtol=1e-14, atol=1e-15)


def test_elementwise_grad_of_a_mixing_function_is_column_sums():
    z = np.array([0.1, 0.5, -0.3])
    g = elementwise_grad(dg.softmax)(z)  # Σ_i ∂softmax_i/∂z_j = ∂(Σ softmax)/∂z_j = 0
    np.testing.assert_allclose(g, np.zeros(3), atol=1e-15)


# --- hvp of size-1 outputs and trees ------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_hvp_accepts_an_output_with_one_element(shape, rng):
    x, v = rng.standard_normal(3), rng.standard_normal(3)

    def f(t):
        return dg.reshape(dg.sum(dg.sin(t) * t), shape)

    hv = dg.hvp(f, (x,), (v,))
    H = fd.jacobian(lambda t: np.sin(t) + t * np.cos(t), x)  # the Hessian of Σ t sin t
    np.testing.assert_allclose(hv.numpy(), H @ v, rtol=1e-7, atol=1e-9)


def test_hvp_refuses_an_output_with_several_elements():
    with pytest.raises(TypeError, match="one element, got shape \\(2,\\)"):
        dg.hvp(lambda t: t * t, (np.ones(2),), (np.ones(2),))


def test_hvp_with_a_tree_primal(rng):
    p = {"a": rng.standard_normal(2), "b": 0.3}
    v = {"a": rng.standard_normal(2), "b": 1.2}

    def f(p, lib):
        return lib.sum(lib.exp(p["a"] * p["b"]))

    hv = dg.hvp(lambda q: f(q, dg), (p,), (v,))
    vector, unravel = tree.ravel(p)
    H = autograd.hessian(lambda u: f(ag_flatten(p)[1](u), anp))(vector)
    np.testing.assert_allclose(tree.ravel(hv)[0], H @ tree.ravel(v)[0], rtol=1e-13)
    with pytest.raises(TypeError, match="tangent for argument 0 has structure"):
        dg.hvp(lambda q: f(q, dg), (p,), ({"a": v["a"]},))


# --- checkpoint ---------------------------------------------------------------------------------


def block(x):
    h = x
    for _ in range(5):
        h = dg.tanh(h * 1.3 + 0.1)
    return h


def test_checkpoint_gives_the_same_gradients_with_one_recorded_op(rng):
    x = dg.constant(rng.standard_normal(4))
    with dg.GradientTape() as plain_tape:
        plain_tape.watch(x)
        y = dg.sum(block(x) ** 2)
    with dg.GradientTape() as ckpt_tape:
        ckpt_tape.watch(x)
        y_ckpt = dg.sum(checkpoint(block)(x) ** 2)
    # the block's 15 ops (multiply, add, tanh ×5) are one op; the square and the sum remain
    assert len(plain_tape._entries) == 17 and len(ckpt_tape._entries) == 3
    assert float(y) == float(y_ckpt)
    np.testing.assert_array_equal(
        ckpt_tape.gradient(y_ckpt, x).numpy(), plain_tape.gradient(y, x).numpy()
    )


def test_checkpoint_second_derivatives_match(rng):
    x = rng.standard_normal(3)
    H = dg.hessian(lambda t: dg.sum(block(t)))(x)
    H_ckpt = dg.hessian(lambda t: dg.sum(checkpoint(block)(t)))(x)
    np.testing.assert_allclose(H_ckpt, H, rtol=1e-14, atol=1e-15)
    d2 = dg.grad(dg.grad(lambda t: dg.sum(checkpoint(block)(t))))(0.4)
    assert d2 == pytest.approx(float(dg.grad(dg.grad(lambda t: dg.sum(block(t))))(0.4)), rel=1e-14)


def test_checkpoint_finds_the_variables_the_function_reads(rng):
    w = dg.Variable(rng.standard_normal((3, 3)))
    x = rng.standard_normal(3)

    def layer(h):
        return dg.tanh(w @ h)

    with dg.GradientTape() as tape:
        y = dg.sum(checkpoint(layer)(checkpoint(layer)(x)))
    with dg.GradientTape() as reference:
        y_ref = dg.sum(layer(layer(x)))
    np.testing.assert_allclose(
        tape.gradient(y, w).numpy(), reference.gradient(y_ref, w).numpy(), rtol=1e-15
    )


def test_checkpoint_of_several_arguments_and_keywords(rng):
    a, b = rng.standard_normal(2), rng.standard_normal(2)

    def f(a, pair, scale=1.0):
        return dg.sin(a * pair[0]) * scale

    def loss(a, b, ck):
        fn = checkpoint(f) if ck else f
        return dg.sum(fn(a, [b, None], scale=dg.constant(2.0)))

    g = dg.grad(lambda a, b: loss(a, b, True), argnums=(0, 1))(a, b)
    g_ref = dg.grad(lambda a, b: loss(a, b, False), argnums=(0, 1))(a, b)
    for x, y in zip(g, g_ref):
        np.testing.assert_array_equal(x, y)


def test_checkpoint_without_a_tape_is_the_function_and_refuses_several_outputs():
    assert float(checkpoint(lambda x: x * 2.0)(dg.constant(3.0))) == 6.0
    with pytest.raises(TypeError, match="must return one Tensor, got tuple"):
        with dg.GradientTape() as tape:
            x = dg.constant(1.0)
            tape.watch(x)
            checkpoint(lambda t: (t, t))(x)


# --- vmap ---------------------------------------------------------------------------------------


def test_vmap_is_a_loop_that_stacks(rng):
    xs, W = rng.standard_normal((5, 3)), rng.standard_normal((2, 3))
    out = vmap(lambda x, W: dg.tanh(W @ x), in_axes=(0, None))(xs, W)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, np.tanh(xs @ W.T), rtol=1e-15)
    cols = vmap(lambda x: dg.sum(x), in_axes=1, out_axes=0)(xs)
    np.testing.assert_allclose(cols, xs.sum(axis=0), rtol=1e-15)
    both = vmap(lambda x: (x * 2.0, dg.sum(x)), out_axes=(1, 0))(xs)
    assert both[0].shape == (3, 5) and both[1].shape == (5,)
    trees = vmap(lambda p: {"s": dg.sum(p["a"]) * p["b"]})({"a": xs, "b": np.arange(5.0)})
    np.testing.assert_allclose(trees["s"], xs.sum(axis=1) * np.arange(5.0), rtol=1e-15)


def test_gradient_through_vmap(rng):
    xs, w = rng.standard_normal((4, 3)), rng.standard_normal(3)

    def loss(w, lib, mapped):
        if mapped:
            return dg.sum(vmap(lambda x, w: dg.tanh(dg.sum(x * w)), in_axes=(0, None))(xs, w))
        return lib.sum(lib.tanh(xs @ w))

    g = dg.grad(lambda w: loss(w, dg, True))(w)
    np.testing.assert_allclose(g, fd.gradient(lambda w: loss(w, np, False), w), rtol=1e-8)
    np.testing.assert_allclose(g, dg.grad(lambda w: loss(w, dg, False))(w), rtol=1e-14)


def test_vmap_errors_name_the_problem():
    with pytest.raises(ValueError, match="different lengths \\[2, 3\\]"):
        vmap(lambda a, b: a * b)(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="length 0"):
        vmap(lambda a: a)(np.ones((0, 2)))
    with pytest.raises(ValueError, match="no argument is mapped"):
        vmap(lambda a: a, in_axes=None)(np.ones(2))
    with pytest.raises(ValueError, match="axis 1 is out of range for 1 dimensions"):
        vmap(lambda a: a, in_axes=1)(np.ones(2))
    with pytest.raises(ValueError, match="in_axes has 1 entries.*2 positional"):
        vmap(lambda a, b: a, in_axes=(0,))(np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="out_axes must be"):
        vmap(lambda a: a, out_axes=None)(np.ones(2))
