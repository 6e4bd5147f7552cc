"""dg.check_backprop and dg.check_network: broken backward passes written here, one per mistake
kind and layer position, must be found at the right parameter first and with the right kind;
correct ones must pass; the chapter's own listing must come out as "biases never updated"."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import deltagrad as dg
from deltagrad.checking import KINDS

ROOT = Path(__file__).resolve().parents[2]


def sig(v):
    return 1 / (1 + np.exp(-v))


# --- a 3-4-4-2 sigmoid network with its backward pass written by hand -----------------------

rng0 = np.random.default_rng(7)
N = 5
X = rng0.normal(size=(N, 3))
T = rng0.uniform(size=(N, 2))
PARAMS = {
    "W1": rng0.normal(size=(3, 4)),
    "b1": 0.1 * rng0.normal(size=4),
    "W2": rng0.normal(size=(4, 4)),
    "b2": 0.1 * rng0.normal(size=4),
    "W3": rng0.normal(size=(4, 2)),
    "b3": 0.1 * rng0.normal(size=2),
}


def loss(W1, b1, W2, b2, W3, b3):
    o1 = dg.sigmoid(X @ W1 + b1)
    o2 = dg.sigmoid(o1 @ W2 + b2)
    o3 = dg.sigmoid(o2 @ W3 + b3)
    return 0.5 * dg.sum((o3 - T) ** 2)


def backward(mistake=None):
    """The delta rule for ``loss``, with one classic mistake switched on."""

    def grads(W1, b1, W2, b2, W3, b3):
        z1 = X @ W1 + b1
        o1 = sig(z1)
        z2 = o1 @ W2 + b2
        o2 = sig(z2)
        z3 = o2 @ W3 + b3
        o3 = sig(z3)
        e = {"sign": T - o3, "no_half": 2 * (o3 - T)}.get(mistake, o3 - T)
        f3 = {"miss_f3": 1.0, "f_at_z3": z3 * (1 - z3), "sigma_not_prime3": o3}
        d3 = e * f3.get(mistake, o3 * (1 - o3))
        f2 = {"miss_f2": 1.0, "f_at_z2": z2 * (1 - z2)}
        d2 = (d3 @ W3.T) * f2.get(mistake, o2 * (1 - o2))
        e1 = d2 @ W2 if mistake == "untransposed_W2" else d2 @ W2.T
        f1 = {"miss_f1": 1.0, "sigma_of_o1": sig(o1) * (1 - sig(o1))}
        d1 = e1 * f1.get(mistake, o1 * (1 - o1))
        g = {"W1": X.T @ d1, "b1": d1.sum(0), "W2": o1.T @ d2, "b2": d2.sum(0)}
        g |= {"W3": o2.T @ d3, "b3": d3.sum(0)}
        if mistake == "bias_not_summed":
            g["b2"] = d2
        if mistake == "bias_first_row":
            g["b1"] = d1[0]
        if mistake == "bias_mean":
            g["b3"] = d3.mean(0)
        if mistake == "zeros":
            g["W2"] = np.zeros_like(W2)
        if mistake == "missing":
            g["b1"] = None
        if mistake == "dW_transposed":
            g["W2"] = g["W2"].T
        if mistake == "dW_wrong_shape":
            g["W3"] = g["W3"].T  # (2, 4) for a (4, 2) parameter
        if mistake == "bias_keepdims":
            g["b3"] = d3.sum(0, keepdims=True)
        if mistake == "z_as_input":
            g["W3"] = z2.T @ d3
        if mistake == "noise":
            g["W2"] = g["W2"] + 0.05 * np.cos(np.arange(16.0)).reshape(4, 4)
        return g

    return grads


def test_a_correct_backward_pass_is_ok(capsys):
    report = dg.check_backprop(loss, backward(), PARAMS)
    assert report.ok and report.findings == []
    assert report.truth_error < 1e-7  # the tape agrees with finite differences
    assert str(report).startswith("All 6 gradients are right")
    assert [line.split(":")[0] for line in report.layers] == ["W1, b1", "W2, b2", "W3, b3"]
    assert capsys.readouterr() == ("", "")  # the library prints nothing


CASES = [
    # mistake, first parameter, kind, every wrong parameter (in order)
    ("sign", "W3", "sign", ["W3", "b3", "W2", "b2", "W1", "b1"]),
    ("no_half", "W3", "scale", ["W3", "b3", "W2", "b2", "W1", "b1"]),
    ("miss_f3", "W3", "missing_activation_derivative", ["W3", "b3", "W2", "b2", "W1", "b1"]),
    ("miss_f2", "W2", "missing_activation_derivative", ["W2", "b2", "W1", "b1"]),
    ("miss_f1", "W1", "missing_activation_derivative", ["W1", "b1"]),
    ("f_at_z3", "W3", "wrong_activation_derivative", ["W3", "b3", "W2", "b2", "W1", "b1"]),
    ("sigma_not_prime3", "W3", "wrong_activation_derivative", None),
    ("f_at_z2", "W2", "wrong_activation_derivative", ["W2", "b2", "W1", "b1"]),
    ("sigma_of_o1", "W1", "wrong_activation_derivative", ["W1", "b1"]),
    ("untransposed_W2", "W1", "transpose", ["W1", "b1"]),
    ("dW_transposed", "W2", "transpose", ["W2"]),
    ("dW_wrong_shape", "W3", "transpose", ["W3"]),
    ("bias_not_summed", "b2", "batch_reduction", ["b2"]),
    ("bias_first_row", "b1", "batch_reduction", ["b1"]),
    ("bias_mean", "b3", "scale", ["b3"]),
    ("zeros", "W2", "zero", ["W2"]),
    ("missing", "b1", "zero", ["b1"]),
    ("bias_keepdims", "b3", "shape", ["b3"]),
    ("z_as_input", "W3", "other", ["W3"]),
    ("noise", "W2", "other", ["W2"]),
]


@pytest.mark.parametrize("mistake, first, kind, wrong", CASES, ids=[c[0] for c in CASES])
def test_check_backprop_finds_the_mistake_where_it_happens(mistake, first, kind, wrong):
    report = dg.check_backprop(loss, backward(mistake), PARAMS)
    assert not report.ok
    assert (report.findings[0].param, report.findings[0].kind) == (first, kind), str(report)
    if wrong is not None:
        assert [f.param for f in report.findings] == wrong
    assert all(f.kind in KINDS for f in report.findings)
    assert str(report).splitlines()[0].endswith(f"at {first} ({kind.replace('_', ' ')}):")


def test_messages_say_what_and_show_numbers():
    truth = dg.check_backprop(loss, backward(), PARAMS)
    assert truth.ok
    report = dg.check_backprop(loss, backward("miss_f2"), PARAMS)
    first = report.findings[0]
    assert "layer 2" in first.message and "o(1 − o)" in first.message
    assert first.detail["activation"] == "sigmoid" and first.detail["layer"] == 2
    # The numbers quoted are the true gradient's and the student's, at the entry named.
    want = backward()(**PARAMS)["W2"]
    got = backward("miss_f2")(**PARAMS)["W2"]
    i, j = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
    assert f"[{i}, {j}]: expected {want[i, j]:.4g}, got {got[i, j]:.4g}" in first.message
    np.testing.assert_allclose(first.expected, want, rtol=1e-9)
    np.testing.assert_array_equal(first.got, got)
    # Lower layers are reported as following from it.
    assert all(f.detail.get("follows_from") == "W2" for f in report.findings[1:])
    assert "Follows from the mistake at W2" in report.findings[2].message


def test_scale_factors_are_named():
    halfless = dg.check_backprop(loss, backward("no_half"), PARAMS).findings[0]
    assert halfless.detail["factor"] == pytest.approx(2.0) and "½" in halfless.message
    mean = dg.check_backprop(loss, backward("bias_mean"), PARAMS).findings[0]
    assert mean.detail["factor"] == pytest.approx(1 / N) and f"batch of {N}" in mean.message


def test_other_activations_are_named():
    def tanh_loss(W, b):
        return 0.5 * dg.sum((dg.tanh(X @ W + b) - T) ** 2)

    def tanh_grads(W, b):
        o = np.tanh(X @ W + b)
        d = o - T  # forgot (1 − o²)
        return {"W": X.T @ d, "b": d.sum(0)}

    params = {"W": PARAMS["W3"][:3], "b": PARAMS["b3"]}
    report = dg.check_backprop(tanh_loss, tanh_grads, params)
    assert report.findings[0].kind == "missing_activation_derivative"
    assert "1 − o²" in report.findings[0].message


def test_a_loss_that_is_not_a_network_gets_the_generic_checks():
    def himmelblau(x, y):
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    def grads(x, y):  # the chapter 7.8 gradient, with the sign flipped
        a, b = x**2 + y - 11, x + y**2 - 7
        return [-(4 * x * a + 2 * b), -(2 * a + 4 * y * b)]

    report = dg.check_backprop(himmelblau, grads, [np.array(1.0), np.array(-2.0)])
    assert [(f.param, f.kind) for f in report.findings] == [
        ("params[0]", "sign"),
        ("params[1]", "sign"),
    ]
    assert report.layers == []


def test_bad_input_is_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="dict name"):
        dg.check_backprop(loss, backward(), PARAMS["W1"])
    with pytest.raises(TypeError, match="must return a dict"):
        dg.check_backprop(loss, lambda **p: list(p.values()), PARAMS)
    with pytest.raises(ValueError, match="not parameters"):
        dg.check_backprop(loss, lambda **p: {**backward()(**p), "W9": 0}, PARAMS)
    with pytest.raises(ValueError, match="one real number"):
        dg.check_backprop(lambda W: W * 2, lambda W: {"W": W}, {"W": np.ones(3)})
    with pytest.raises(ValueError, match="NaN"):
        dg.check_backprop(loss, backward(), {**PARAMS, "b1": np.full(4, np.nan)})
    with pytest.raises(ValueError, match="finite differences"):  # leaves the tape: float()
        dg.check_backprop(lambda w: dg.sum(w) * float(dg.sum(w * w)), lambda w: [w], [np.ones(2)])


def test_report_html():
    html = dg.check_backprop(loss, backward("miss_f1"), PARAMS)._repr_html_()
    assert "<table>" in html and "missing_activation_derivative" in html and "W1" in html


# --- check_network: the chapter's listing, as written, and students' versions of it -------


def _listing():
    spec = importlib.util.spec_from_file_location("listing", ROOT / "benchmarks/chapter_listing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LISTING = _listing()


def _chapter_net(sizes, seed=0, cls=None):
    rng = np.random.default_rng(seed)
    net = (cls or LISTING.NeuralNetwork)()
    for a, b in zip(sizes[:-1], sizes[1:]):
        W = rng.normal(size=(a, b)) * np.sqrt(1 / b)
        net.add_layer(LISTING.Layer(a, b, "sigmoid", weights=W, bias=rng.uniform(size=b) * 0.1))
    return net


SAMPLE_X, SAMPLE_Y = np.array([0.4, -0.9]), np.array([1.0, 0.0])


def test_the_chapters_listing_has_every_weight_right_and_every_bias_never_updated():
    net = _chapter_net((2, 25, 50, 25, 2))
    before = [(layer.weights, layer.weights.copy(), layer.bias.copy()) for layer in net._layers]
    report = dg.check_network(net, SAMPLE_X, SAMPLE_Y, learning_rate=0.01)
    assert [(f.param, f.kind) for f in report.findings] == [
        ("b4", "zero"),
        ("b3", "zero"),
        ("b2", "zero"),
        ("b1", "zero"),
    ]
    assert "never updated" in report.findings[0].message
    assert report.params == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]
    for layer, (W, W0, b0) in zip(net._layers, before):  # left exactly as it was
        assert layer.weights is W
        np.testing.assert_array_equal(layer.weights, W0)
        np.testing.assert_array_equal(layer.bias, b0)


class Student(LISTING.NeuralNetwork):
    """The chapter's backpropagation with the biases updated — and one mistake if asked."""

    mistake = None

    def backpropagation(self, X, y, learning_rate):
        m, layers = self.mistake, self._layers
        output = self.feed_forward(X)
        for i in reversed(range(len(layers))):
            layer = layers[i]
            f_prime = layer.apply_activation_derivative
            if i == len(layers) - 1:
                layer.error = {"sign": output - y, "double": 2 * (y - output)}.get(m, y - output)
                layer.delta = layer.error * (1 if m == "miss_out" else f_prime(output))
            else:
                nxt = layers[i + 1]
                W = nxt.weights.T if m == "transposed" and i == 0 else nxt.weights
                layer.error = np.dot(W, nxt.delta)
                o = layer.last_activation
                wrong = {"miss_1": 1, "sigma_o_1": sig(o) * (1 - sig(o))}
                layer.delta = layer.error * (wrong[m] if m in wrong and i == 0 else f_prime(o))
        for i, layer in enumerate(layers):
            prev = X if i == 0 else layers[i - 1].last_activation
            if m == "own_output" and i == 1:
                prev = layer.last_activation
            o_i = np.atleast_2d(prev)
            step = learning_rate**2 if m == "lr_twice" else learning_rate
            layer.weights += layer.delta * o_i.T * step
            layer.bias += layer.delta * step


NETWORK_CASES = [
    (None, None, None),
    ("sign", "W3", "sign"),
    ("double", "W3", "scale"),
    ("miss_out", "W3", "missing_activation_derivative"),
    ("miss_1", "W1", "missing_activation_derivative"),
    ("sigma_o_1", "W1", "wrong_activation_derivative"),
    ("transposed", "W1", "transpose"),
    ("own_output", "W2", "other"),
    ("lr_twice", "W3", "scale"),
]


@pytest.mark.parametrize(
    "mistake, first, kind", NETWORK_CASES, ids=[str(c[0]) for c in NETWORK_CASES]
)
def test_check_network_finds_a_students_mistake(mistake, first, kind):
    net = _chapter_net((2, 4, 4, 2), seed=3, cls=Student)
    net.mistake = mistake
    W0 = [layer.weights.copy() for layer in net._layers]
    report = dg.check_network(net, SAMPLE_X, SAMPLE_Y, learning_rate=0.05)
    if mistake is None:
        assert report.ok, str(report)
    else:
        assert (report.findings[0].param, report.findings[0].kind) == (first, kind), str(report)
    if mistake == "lr_twice":
        assert "learning rate 0.05" in report.findings[0].message
    if mistake == "own_output":
        assert "uses o2 as the layer's input where it should be o1" in report.findings[0].message
    for layer, w in zip(net._layers, W0):
        np.testing.assert_array_equal(layer.weights, w)


def test_check_network_on_deltagrads_own_network():
    from deltagrad.backprop import NeuralNetwork

    net = NeuralNetwork.build((2, 25, 50, 25, 2), "sigmoid", "mse", rng=0)
    assert dg.check_network(net, SAMPLE_X, SAMPLE_Y, learning_rate=0.01).ok
    batch = np.random.default_rng(1).normal(size=(6, 2))
    assert dg.check_network(net, batch, np.tile(SAMPLE_Y, (6, 1)), learning_rate=0.01).ok
    ce = NeuralNetwork.build((2, 8, 3), "relu", "softmax_cross_entropy", rng=0)
    assert dg.check_network(ce, SAMPLE_X, np.array([0.0, 1.0, 0.0]), learning_rate=0.1).ok


def test_check_network_refuses_what_it_cannot_check():
    with pytest.raises(TypeError, match="layers"):
        dg.check_network(object(), SAMPLE_X, SAMPLE_Y)
    net = _chapter_net((2, 3, 2))
    with pytest.raises(ValueError, match="learning_rate"):
        dg.check_network(net, SAMPLE_X, SAMPLE_Y, learning_rate=0)
    net._layers[0].activation = "swish"
    with pytest.raises(ValueError, match="swish"):
        dg.check_network(net, SAMPLE_X, SAMPLE_Y)


# --- what a student trying the checker ran into -----------------------------------------------


def test_a_mistake_only_in_the_bias_line_is_not_blamed_on_delta():
    def grads(**p):
        g = backward()(**p)
        return {**g, "b3": -g["b3"], "b2": -g["b2"]}  # the weights are right

    report = dg.check_backprop(loss, grads, PARAMS)
    assert [(f.param, f.kind) for f in report.findings] == [("b3", "sign"), ("b2", "sign")]
    assert all("δ" not in f.message and "follows_from" not in f.detail for f in report.findings)


def test_one_weight_scaled_alone_is_that_weights_mistake():
    def grads(**p):
        g = backward()(**p)
        return {**g, "W1": 0.1 * g["W1"]}

    (finding,) = dg.check_backprop(loss, grads, PARAMS).findings
    assert (finding.param, finding.kind) == ("W1", "scale")
    assert finding.message.startswith("The gradient of W1 is 0.1 times the truth")


def test_a_single_number_off_by_an_arbitrary_factor_is_other_not_scale():
    def himmelblau(x, y):
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    def swapped(x, y):  # ∂f/∂x and ∂f/∂y exchanged
        a, b = x**2 + y - 11, x + y**2 - 7
        return {"x": 2 * a + 4 * y * b, "y": 4 * x * a + 2 * b}

    report = dg.check_backprop(himmelblau, swapped, {"x": np.array(1.0), "y": np.array(-2.0)})
    assert [f.kind for f in report.findings] == ["other", "other"]
    a, b = 1.0 - 2.0 - 11.0, 1.0 + 4.0 - 7.0  # at (1, -2): ∂f/∂x = 4xa + 2b, swapped 2a + 4yb
    assert report.findings[0].message.endswith(
        f"Expected {4 * a + 2 * b:.4g}, got {2 * a - 8 * b:.4g}."
    )


def test_a_gradient_that_is_zero_at_a_minimum_is_checked_not_refused():
    def himmelblau(x, y):
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    zeros = {"x": np.array(0.0), "y": np.array(0.0)}
    report = dg.check_backprop(himmelblau, lambda x, y: zeros, {"x": 3.0, "y": 2.0})
    assert report.ok and str(report).startswith("All 2 gradients are right")


def test_float32_networks_are_checked_at_their_precision():
    net = _chapter_net((2, 3, 3, 2), seed=4, cls=Student)
    for layer in net._layers:
        layer.weights = layer.weights.astype(np.float32)
        layer.bias = layer.bias.astype(np.float32)
    x32, y32 = SAMPLE_X.astype(np.float32), SAMPLE_Y.astype(np.float32)
    assert dg.check_network(net, x32, y32, learning_rate=0.01).ok
    net.mistake = "miss_1"
    first = dg.check_network(net, x32, y32, learning_rate=0.01).findings[0]
    assert (first.param, first.kind) == ("W1", "missing_activation_derivative")
    with pytest.raises(ValueError, match="too small"):
        dg.check_network(net, x32, y32, learning_rate=1e-12)


def test_the_listing_with_a_real_mistake_puts_the_mistake_first():
    class Listing(LISTING.NeuralNetwork):
        def backpropagation(self, X, y, learning_rate):  # the chapter's, σ′ left out of layer 1
            output = self.feed_forward(X)
            for i in reversed(range(len(self._layers))):
                layer = self._layers[i]
                if layer == self._layers[-1]:
                    layer.error = y - output
                    layer.delta = layer.error * layer.apply_activation_derivative(output)
                else:
                    nxt = self._layers[i + 1]
                    layer.error = np.dot(nxt.weights, nxt.delta)
                    f = 1 if i == 0 else layer.apply_activation_derivative(layer.last_activation)
                    layer.delta = layer.error * f
            for i, layer in enumerate(self._layers):
                o_i = np.atleast_2d(X if i == 0 else self._layers[i - 1].last_activation)
                layer.weights += layer.delta * o_i.T * learning_rate

    report = dg.check_network(_chapter_net((2, 4, 3, 2), cls=Listing), SAMPLE_X, SAMPLE_Y)
    kinds = [(f.param, f.kind) for f in report.findings]
    assert kinds[0] == ("W1", "missing_activation_derivative")
    assert kinds[1:] == [("b3", "zero"), ("b2", "zero"), ("b1", "zero")]
    assert report.findings[1].message.startswith("b3 was never updated")  # not "B3"


def test_a_sign_in_the_update_says_which_way_it_went():
    net = _chapter_net((2, 4, 4, 2), seed=3, cls=Student)
    net.mistake = "sign"
    first = dg.check_network(net, SAMPLE_X, SAMPLE_Y, learning_rate=0.05).findings[0]
    assert first.kind == "sign" and "climbs the loss" in first.message


def test_a_batch_of_two_names_both_causes_of_a_factor_2():
    x2, t2 = X[:2], T[:2]

    def mean_loss(W, b):
        return 0.5 * dg.mean(dg.sum((dg.sigmoid(x2 @ W + b) - t2) ** 2, axis=1))

    def summed(W, b):  # the gradient of the summed loss
        o = sig(x2 @ W + b)
        d = (o - t2) * o * (1 - o)
        return {"W": x2.T @ d, "b": d.sum(0)}

    params = {"W": PARAMS["W3"][:3], "b": PARAMS["b3"]}
    first = dg.check_backprop(mean_loss, summed, params).findings[0]
    assert first.kind == "scale" and "½" in first.message and "batch of 2" in first.message


def test_more_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="rtol"):
        dg.check_backprop(loss, backward(), PARAMS, rtol=-1)
    with pytest.raises(TypeError, match="parameter W1 must be real numbers"):
        dg.check_backprop(loss, backward(), {**PARAMS, "W1": "abc"})
    with pytest.raises(TypeError, match="grads must be a function"):
        dg.check_backprop(loss, backward()(**PARAMS), PARAMS)
    with pytest.raises(TypeError, match="one argument per parameter"):
        dg.check_backprop(lambda p: dg.sum(p["W1"]), backward(), PARAMS)
    with pytest.raises(ValueError, match="plain float"):
        dg.check_backprop(lambda w: 1.0, lambda w: [w], [np.ones(2)])
    with pytest.raises(ValueError, match="NaN"):
        dg.check_network(_chapter_net((2, 3, 2)), [np.nan, 0.0], SAMPLE_Y)
    with pytest.raises(ValueError, match="no layers"):
        dg.check_network(LISTING.NeuralNetwork(), SAMPLE_X, SAMPLE_Y)


def test_a_one_element_loss_of_shape_1_is_accepted():
    x1, t1 = X[:1], T[:1, :1]

    def loss1(W):  # shape (1, 1): one sample, one output, no sum
        return 0.5 * (dg.sigmoid(x1 @ W) - t1) ** 2

    def grads1(W):
        o = sig(x1 @ W)
        return {"W": x1.T @ ((o - t1) * o * (1 - o))}

    assert dg.check_backprop(loss1, grads1, {"W": PARAMS["W3"][:3, :1]}).ok


def test_nan_in_your_gradient_is_named_without_warnings():
    def grads(**p):
        g = backward()(**p)
        g["W2"] = g["W2"].copy()
        g["W2"][1, 2] = np.nan
        return g

    report = dg.check_backprop(loss, grads, PARAMS)
    assert report.findings[0].param == "W2" and "NaN or infinity" in report.findings[0].message
    assert "[1, 2]" in report.findings[0].message


def test_an_activation_written_by_hand_is_noted():
    def by_hand_loss(W, b):
        z = X @ W + b
        return 0.5 * dg.sum((1 / (1 + dg.exp(-z)) - T[:, :1]) ** 2)

    def grads(W, b):
        o = sig(X @ W + b)
        d = (o - T[:, :1]) * o * (1 - o)
        return {"W": X.T @ d, "b": d.sum(0)}

    params = {"W": PARAMS["W3"][:3, :1], "b": PARAMS["b3"][:1]}
    report = dg.check_backprop(by_hand_loss, grads, params)
    assert report.ok and "dg.sigmoid" in str(report) and report.notes


def test_one_sample_as_a_vector_is_a_batch_of_one():
    x, t = X[0], T[0]

    def loss1(W1, b1, W2, b2):
        return 0.5 * dg.sum((dg.sigmoid(dg.sigmoid(x @ W1 + b1) @ W2 + b2) - t) ** 2)

    def grads(W1, b1, W2, b2):  # σ′ of the hidden layer left out
        o1 = sig(x @ W1 + b1)
        o2 = sig(o1 @ W2 + b2)
        d2 = (o2 - t) * o2 * (1 - o2)
        d1 = d2 @ W2.T
        return {"W1": np.outer(x, d1), "b1": d1, "W2": np.outer(o1, d2), "b2": d2}

    params = {"W1": PARAMS["W1"], "b1": PARAMS["b1"], "W2": PARAMS["W3"][:4], "b2": PARAMS["b3"]}
    report = dg.check_backprop(loss1, grads, params)
    assert [(f.param, f.kind) for f in report.findings] == [
        ("W1", "missing_activation_derivative"),
        ("b1", "missing_activation_derivative"),
    ]
