"""autograd's extension and utility API, run on autograd and on deltagrad.compat.autograd: a
custom ``@primitive`` with ``defvjp`` (to second order, and by ``check_grads``), ``flatten`` /
``flatten_func``, ``elementwise_grad``, ``jacobian``, ``hessian``,
``hessian_vector_product``, ``make_vjp``, ``fixed_point``, and arrays built from traced
values with ``np.array`` and ``np.full``."""

import importlib

import pytest

pytest.importorskip("autograd")

from _twin import assert_same, run_both  # noqa: E402


def primitive_program(ag):
    """softplus and a weighted squared distance as primitives whose VJPs are NumPy code, so
    their derivatives are differentiable again."""
    np, extend = ag.np, ag.extend

    @extend.primitive
    def softplus(x):
        return np.logaddexp(0.0, x)

    def sigmoid(x):
        return 0.5 * (np.tanh(0.5 * x) + 1.0)

    extend.defvjp(softplus, lambda ans, x: lambda g: g * sigmoid(x))
    extend.defjvp(softplus, lambda g, ans, x: g * sigmoid(x))

    @extend.primitive
    def weighted_distance(x, y, w):
        return np.sum(w * (x - y) ** 2)

    extend.defvjp(
        weighted_distance,
        lambda ans, x, y, w: lambda g: 2.0 * g * w * (x - y),
        lambda ans, x, y, w: lambda g: -2.0 * g * w * (x - y),
    )

    x = np.array([-2.0, -0.3, 0.0, 0.7, 3.0])
    y, w = np.linspace(-1.0, 1.0, 5), np.array([0.5, 1.0, 2.0, 1.0, 0.5])

    def objective(x):
        return np.sum(softplus(x) ** 2) + weighted_distance(np.tanh(x), y, w)

    ag.test_util.check_grads(softplus, modes=["fwd", "rev"], order=2)(x)
    ag.test_util.check_grads(objective, modes=["rev"], order=2)(x)
    first = ag.elementwise_grad(softplus)
    return {
        "value": softplus(x),
        "first": first(x),
        "second": ag.elementwise_grad(first)(x),
        "gradient": ag.grad(objective)(x),
        "hessian": ag.hessian(objective)(x),
        "grad_of_grad": ag.grad(lambda s: ag.grad(objective)(s * x)[1])(1.5),
        "jvp": ag.make_jvp(softplus)(x)(np.ones(5)),
    }


def test_custom_primitive_to_second_order():
    expected, actual = run_both(primitive_program)
    assert_same(actual, expected, rtol=1e-12)


def wrong_vjp_program(ag):
    """check_grads catches a VJP that is 1% off, and says so with an AssertionError."""
    np, extend = ag.np, ag.extend

    @extend.primitive
    def sine(x):
        return np.sin(x)

    extend.defvjp(sine, lambda ans, x: lambda g: 1.01 * g * np.cos(x))
    try:
        ag.test_util.check_grads(sine, modes=["rev"], order=1)(np.array([0.3, 1.0]))
    except AssertionError:
        return "caught"
    return "missed"


def test_check_grads_catches_a_wrong_vjp():
    expected, actual = run_both(wrong_vjp_program)
    assert expected == actual == "caught"


def flatten_program(ag):
    """A dict of arrays as one vector: ``flatten``'s order and round trip, and the gradient of
    ``flatten_func``'s flat function."""
    np = ag.np
    params = {
        "weights": np.arange(6.0).reshape(2, 3) / 6.0,
        "bias": np.array([0.1, -0.2]),
        "scale": np.array(1.5),
        "layers": [np.ones(2), (np.array([[2.0]]), np.zeros(3))],
    }

    def energy(params):
        h = np.tanh(np.dot(params["weights"], np.linspace(0.0, 1.0, 3)) + params["bias"])
        inner = params["layers"][1]
        return params["scale"] * np.sum(h**2 * params["layers"][0]) + np.sum(
            inner[0] ** 3
        ) * np.sum(np.cos(inner[1]))

    flat, unflatten = ag.flatten.flatten(params)
    flat_energy, unflatten_f, flat_x = ag.flatten.flatten_func(energy, params)
    return {
        "flat": flat,
        "round_trip": unflatten(2.0 * flat),
        "flat_x": flat_x,
        "flat_gradient": ag.grad(flat_energy)(flat_x),
        "tree_gradient": ag.grad(energy)(params),
        "unflatten_f": unflatten_f(flat_x + 1.0),
    }


def test_flatten_and_flatten_func():
    expected, actual = run_both(flatten_program)
    assert_same(actual, expected, rtol=1e-14)


def derivatives_program(ag):
    """elementwise_grad, jacobian, hessian, hessian_vector_product and make_vjp on small
    functions of arrays."""
    np = ag.np
    x = np.array([0.3, -1.2, 2.0])
    A = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]])

    def field(x):  # R^3 -> R^(2, 2)
        u = np.dot(A, np.sin(x))
        return np.outer(u, np.exp(-x[:2]))

    def scalar(x):
        return np.sum(np.log1p(x**2)) * np.prod(np.cos(x))

    vjp, ans = ag.make_vjp(field)(x)
    hvp = ag.hessian_vector_product(scalar)
    v = np.array([1.0, 0.5, -2.0])
    return {
        "elementwise": ag.elementwise_grad(lambda z: np.tanh(z) * z**2)(x),
        "elementwise_broadcast": ag.elementwise_grad(lambda z: z * A)(x),
        "jacobian": ag.jacobian(field)(x),
        "hessian": ag.hessian(scalar)(x),
        "hvp": hvp(x, v),
        "vjp_value": ans,
        "vjp": vjp(np.array([[1.0, -1.0], [0.5, 2.0]])),
        "jvp": ag.make_jvp(field)(x)(v),
    }


def test_derivative_operators():
    expected, actual = run_both(derivatives_program)
    assert_same(actual, expected, rtol=1e-12)


def products_program(ag):
    """autograd's ``vector_jacobian_product`` (``f(*args, v)`` is vᵀJ) and
    ``tensor_jacobian_product``."""
    np = ag.np
    x = np.array([0.3, -1.2, 2.0])
    vjp = ag.vector_jacobian_product(lambda z: np.sin(z) * z)
    tjp = ag.tensor_jacobian_product(lambda z: np.outer(z, np.cos(z)))
    return {"vjp": vjp(x, np.ones(3)), "tjp": tjp(x, np.eye(3))}


def test_vector_and_tensor_jacobian_products():
    expected, actual = run_both(products_program)
    assert_same(actual, expected, rtol=1e-12)


def fixed_point_program(ag):
    """The square root by Newton's iteration as a fixed point; its derivative in the radicand
    comes from implicit differentiation (1 / (2 sqrt a))."""
    np = ag.np
    fixed_point = ag.fixed_points.fixed_point

    def newton(a):
        return lambda x: 0.5 * (x + a / x)

    def distance(x, y):
        return np.abs(x - y)

    def root(a):
        return fixed_point(newton, a, 1.0, distance, 1e-12)

    def loss(a):
        return np.sin(root(a)) * a

    def slow_root(a):  # a slowly converging iteration: unrolling it would give other digits
        return fixed_point(lambda b: lambda x: x - 0.05 * (x**2 - b), a, 1.0, distance, 1e-6)

    return {
        "root": root(2.0),
        "derivative": ag.grad(root)(2.0),
        "loss_gradient": ag.grad(loss)(3.0),
        "second_derivative": ag.grad(ag.grad(slow_root))(2.0),
    }


def test_fixed_point():
    expected, actual = run_both(fixed_point_program)
    assert_same(expected["derivative"], 0.5 / 2.0**0.5, rtol=1e-10)
    assert_same(expected["second_derivative"], -0.25 / 2.0**1.5, rtol=1e-4)
    assert_same(actual, expected, rtol=1e-12)


def traced_constructors_program(ag):
    """``np.array([...])`` of traced values, and ``np.full(shape, traced_scalar)``, inside
    differentiated functions."""
    np = ag.np
    weights = np.array([[1.0, -2.0, 0.5], [0.3, 0.0, 1.0]])

    def polar(z):
        r, angle = z[0], z[1]
        point = np.array([r * np.cos(angle), r * np.sin(angle), r**2])
        return np.sum(np.dot(weights, point) ** 2)

    def filled(s):
        return np.sum(np.full((2, 3), s) * weights) + np.sum(np.full(3, s**2))

    def stacked(z):
        rows = np.array([[z[0], 1.0], [z[1] * z[0], np.exp(z[1])]])
        return np.linalg.det(rows)

    z = np.array([1.3, 0.4])
    return {
        "polar": ag.grad(polar)(z),
        "filled": ag.grad(filled)(0.7),
        "stacked": ag.grad(stacked)(z),
        "filled_hessian": ag.hessian(filled)(0.7),
    }


def test_arrays_from_traced_values():
    expected, actual = run_both(traced_constructors_program)
    assert_same(actual, expected, rtol=1e-13)


def more_api_program(ag):
    """make_ggnvp, unflatten_optimizer, defvjp_argnums, check_grads' argnum, and the builtins'
    view of a traced array, each as an autograd program uses them."""
    np, top = ag.np, importlib.import_module(ag.top)
    rng = ag.npr.RandomState(3)
    w, v = rng.randn(3), rng.randn(3)
    x = rng.randn(4, 3)

    def predict(w):
        return np.tanh(np.dot(x, w))

    ggnvp = top.make_ggnvp(predict)(w)(v)

    def flat_sgd(grad, x0, callback=None, num_iters=5, step_size=0.1):
        for i in range(num_iters):
            x0 = x0 - step_size * grad(x0, i)
        return x0

    tree_sgd = ag.optimizers.unflatten_optimizer(flat_sgd)
    fitted = tree_sgd(
        lambda p, i: {"a": 2 * (p["a"] - 1.0), "b": [2 * (p["b"][0] + 2.0)]},
        {"a": np.zeros(2), "b": [np.ones(1)]},
    )

    @ag.extend.primitive
    def scaled_sum(a, b):
        return np.sum(a * b)

    ag.extend.defvjp_argnums(
        scaled_sum,
        lambda argnums, ans, args, kwargs: lambda g: tuple(g * args[1 - i] for i in argnums),
    )
    product_grads = ag.grad(lambda a, b: scaled_sum(a, b) ** 2, (0, 1))(w, v)

    ag.test_util.check_grads(lambda a, b: np.sum(np.sin(a) * b), 1, modes=["rev"])(w, v)

    def branch(z):
        ok = ag.builtins.isinstance(z, np.ndarray) and ag.builtins.type(z) is np.ndarray
        return np.sum(z**2) if ok else np.sum(z)

    return ggnvp, fitted, product_grads, ag.grad(branch)(w)


def test_ggnvp_unflatten_optimizer_defvjp_argnums_check_grads_and_builtins():
    expected, actual = run_both(more_api_program)
    assert_same(actual, expected, rtol=1e-12)
