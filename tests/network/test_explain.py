"""deltagrad.experiments.explain: the delta rule of one sample, layer by layer (chapter 7.7).

The references are the tests' own: a NumPy forward pass and loss written here, differenced by
tests/finite_differences.py; deltagrad's tape driven here; and δ worked out by hand from the
formulas of 7.7 for a tiny network with known weights.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd
from deltagrad.backprop import Layer, NeuralNetwork
from deltagrad.data import chapter_data
from deltagrad.experiments import explain as E

SIG = {
    None: lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
}


def loss_of(params, activations, loss, x, t):
    """The per-sample loss, written independently of the library."""
    o = np.asarray(x, float)
    for (W, b), act in zip(params, activations):
        o = SIG[act](o @ W + b)
    if loss == "mse":
        return 0.5 * float(np.sum((o - t) ** 2))
    z = o - np.max(o)
    return float(-np.sum(t * (z - np.log(np.sum(np.exp(z))))))


def fd_gradients(net, x, t):
    """[(dW, db)] per layer by the tests' own central differences."""
    params = [(W.copy(), b.copy()) for W, b in zip(net.weights, net.biases)]
    flat = [a for pair in params for a in pair]

    def f(*arrays):
        pairs = list(zip(arrays[::2], arrays[1::2]))
        return loss_of(pairs, net.activations, net.loss, x, t)

    grads = fd.gradients(f, *flat)
    return list(zip(grads[::2], grads[1::2]))


def tape_deltas(net, x, t):
    """∂L/∂z of every layer by deltagrad's tape, driven here."""
    zs = []
    with dg.GradientTape() as tape:
        o = dg.constant(np.asarray(x, float))
        for W, b, act in zip(net.weights, net.biases, net.activations):
            z = o @ dg.constant(W) + dg.constant(b)
            tape.watch(z)
            zs.append(z)
            o = {None: lambda v: v, "sigmoid": dg.sigmoid, "tanh": dg.tanh, "relu": dg.relu}[act](z)
        if net.loss == "mse":
            L = 0.5 * dg.sum(dg.square(o - dg.constant(t)))
        else:
            L = -dg.sum(dg.constant(t) * dg.log_softmax(o, axis=-1))
    return [np.asarray(g, float) for g in tape.gradient(L, zs)]


CASES = [
    ((2, 25, 50, 25, 2), "sigmoid", "mse", 0),
    ((2, 6, 5, 3), "tanh", "softmax_cross_entropy", 1),
    ((2, 4, 3, 2), None, "mse", 2),
    ((2, 7, 2), "relu", "softmax_cross_entropy", 3),
]


@pytest.mark.parametrize("sizes,activation,loss,seed", CASES)
def test_delta_and_gradients_agree_with_the_tape_and_finite_differences(
    sizes, activation, loss, seed
):
    net = NeuralNetwork.build(sizes, activation, loss, rng=seed)
    x, label = np.array([0.3, -0.45]), 1
    t = np.eye(sizes[-1])[label]
    result = E.explain(net, x, label)
    numeric = fd_gradients(net, x, t)
    tape = tape_deltas(net, x, t)
    assert len(result["layers"]) == len(sizes) - 1
    for row, (dW, db), delta in zip(result["layers"], numeric, tape):
        scale = max(np.max(np.abs(row["dW"])), 1e-8)
        np.testing.assert_allclose(row["dW"], dW, atol=1e-7 * scale, rtol=0)
        np.testing.assert_allclose(row["db"], db, atol=1e-7 * scale, rtol=0)
        np.testing.assert_allclose(row["delta"], db, atol=1e-7 * scale, rtol=0)  # ∂L/∂z = ∂L/∂b
        np.testing.assert_allclose(row["delta"], delta, rtol=1e-12, atol=1e-15)
    assert result["max_rel_error"] < 1e-6
    assert result["loss"] == pytest.approx(
        loss_of(list(zip(net.weights, net.biases)), net.activations, loss, x, t), rel=1e-12
    )


def test_the_chapters_network_on_sample_0_checks_out():
    X_train, _, y_train, _ = chapter_data()
    x, label, n = E.chapter_sample(0)
    assert n == len(X_train) == 1400
    assert np.array_equal(x, X_train[0]) and label == y_train[0]
    result = E.explain(NeuralNetwork.build(E.CHAPTER_SIZES, rng=0), x, label)
    assert [r["n_neurons"] for r in result["layers"]] == [25, 50, 25, 2]
    assert 0 < result["max_rel_error"] < 1e-6  # finite differences are never exact
    assert result["worst"]["check"] in ("tape", "numeric")
    for row in result["layers"]:
        assert set(row["rel_error"]) == {"tape", "numeric"}
        assert max(row["rel_error"]["numeric"].values()) <= result["max_rel_error"]


def tiny_network(loss="mse", last=("sigmoid")):
    """2-2-2 with weights chosen by hand."""
    net = NeuralNetwork(loss)
    net.add_layer(Layer(2, 2, "sigmoid", weights=[[0.5, -1.0], [0.25, 0.75]], bias=[0.1, -0.2]))
    net.add_layer(Layer(2, 2, last, weights=[[1.5, -0.5], [-2.0, 1.0]], bias=[0.05, 0.3]))
    return net


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def test_output_delta_is_the_chapters_formula_by_hand():
    net = tiny_network()
    x, label = [1.0, 2.0], 1
    # by hand: z1 = x·W1 + b1, o1 = σ(z1); z2 = o1·W2 + b2, o2 = σ(z2)
    h = [sigmoid(1.0 * 0.5 + 2.0 * 0.25 + 0.1), sigmoid(1.0 * -1.0 + 2.0 * 0.75 - 0.2)]
    o = [sigmoid(h[0] * 1.5 + h[1] * -2.0 + 0.05), sigmoid(h[0] * -0.5 + h[1] * 1.0 + 0.3)]
    t = [0.0, 1.0]
    expected = [(o[k] - t[k]) * o[k] * (1 - o[k]) for k in range(2)]  # no 2/K factor
    result = E.explain(net, x, label)
    out = result["layers"][-1]
    assert out["formula"] == "δk = (ok − tk)·ok(1 − ok)"
    np.testing.assert_allclose(out["o"], o, rtol=1e-14)
    np.testing.assert_allclose(out["delta"], expected, rtol=1e-13)
    # ∂L/∂W = o_prev·δᵀ, ∂L/∂b = δ
    np.testing.assert_allclose(out["dW"], np.outer(h, expected), rtol=1e-13)
    np.testing.assert_allclose(out["db"], expected, rtol=1e-13)
    assert result["loss"] == pytest.approx(0.5 * ((o[0] - 0) ** 2 + (o[1] - 1) ** 2), rel=1e-14)
    # the worked example names the numbers it substitutes
    text = E.worked_example(result, 2, 1)
    assert text.startswith("δ1 = (o1 − t1)·o1(1 − o1) = ")
    assert f"{o[1]:.5g}" in text and text.endswith(f"{expected[1]:.5g}")


def test_softmax_cross_entropy_delta_is_p_minus_t():
    net = tiny_network("softmax_cross_entropy", last=None)
    x, label = [-0.5, 0.8], 0
    result = E.explain(net, x, label)
    out = result["layers"][-1]
    z = np.asarray(out["z"])
    p = np.exp(z) / np.exp(z).sum()
    t = np.array([1.0, 0.0])
    assert out["formula"] == "δk = pk − tk"
    np.testing.assert_allclose(out["delta"], p - t, rtol=1e-13)
    np.testing.assert_allclose(result["output"], p, rtol=1e-13)


def test_hidden_delta_is_the_recursion_from_the_layer_above():
    net = NeuralNetwork.build((2, 5, 4, 3), "sigmoid", "mse", rng=7)
    result = E.explain(net, [0.2, 0.9], 2)
    layers = result["layers"]
    for below, above in zip(layers[:-1], layers[1:]):
        W = np.asarray(above["weights"])
        assert below["formula"] == "δj = oj(1 − oj)·Σk δk·wjk"
        for j in range(below["n_neurons"]):
            s = sum(above["delta"][k] * W[j, k] for k in range(above["n_neurons"]))
            o = below["o"][j]
            assert below["delta"][j] == pytest.approx(o * (1 - o) * s, rel=1e-12)
            assert below["error"][j] == pytest.approx(s, rel=1e-12)


def test_a_wrong_delta_rule_is_caught(monkeypatch):
    right = NeuralNetwork.gradients

    def wrong(self, X, Y):
        grads = right(self, X, Y)
        self.layers[0].delta = self.layers[0].delta * 1.01  # 1% off in the first layer
        return grads

    monkeypatch.setattr(NeuralNetwork, "gradients", wrong)
    result = E.explain(NeuralNetwork.build((2, 4, 2), rng=0), [0.1, 0.2], 0)
    assert result["max_rel_error"] > 1e-3
    assert result["worst"]["layer"] == 1 and result["worst"]["quantity"] == "delta"


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: E.chapter_sample(1400), "0..1399"),
        (lambda: E.chapter_sample(-1), "0..1399"),
        (lambda: E.explain(NeuralNetwork.build((2, 3, 2), rng=0), [0, 0], 2), "0..1"),
        (lambda: E.explain(NeuralNetwork.build((3, 3, 2), rng=0), [0, 0], 0), "3 inputs"),
        (lambda: E.explain(NeuralNetwork.build((2, 3, 2), rng=0), [0, np.nan], 0), "finite"),
        (
            lambda: E.check_network(NeuralNetwork.build((2, 3, 2), rng=0), (4,)),
            "hidden layers are 3",
        ),
    ],
)
def test_bad_input_is_a_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_hidden_neurons_sum_is_written_out_term_by_term():
    net = NeuralNetwork.build((2, 3, 2), "sigmoid", "mse", rng=5)
    x, label = np.array([0.3, -0.6]), 1
    r = E.explain(net, x, label)
    W2 = net.weights[1]
    delta2 = np.asarray(r["layers"][1]["delta"])
    j = 2
    text = E.weighted_sum(r, 1, j)
    # every term is named and its numbers shown, and the total is δ2 · w_j (computed here)
    assert text.startswith(f"Σk δk·w{j},k = δ0·w{j},0 + δ1·w{j},1 = ")
    for k in range(2):
        assert f"{delta2[k]:.5g}" in text and f"{W2[j, k]:.5g}" in text
    assert text.endswith(f"= {float(delta2 @ W2[j]):.5g}")
    wide = E.explain(NeuralNetwork.build((2, 4, 9, 2), "tanh", "mse", rng=1), x, 0)
    assert "… + δ8·w" in E.weighted_sum(wide, 1, 0, max_terms=4) and "(9 terms)" in (
        E.weighted_sum(wide, 1, 0, max_terms=4)
    )
    with pytest.raises(ValueError, match="hidden layer"):
        E.weighted_sum(r, 2, 0)  # the output layer has no layer above


def test_the_update_that_follows_is_one_descent_step_and_leaves_the_net_alone():
    net = NeuralNetwork.build((2, 5, 2), "sigmoid", "mse", rng=2)
    before = [W.copy() for W in net.weights]
    x, label, lr = np.array([0.7, 0.1]), 0, 0.5
    r = E.explain(net, x, label, learning_rate=lr)
    u = r["update"]
    t = np.eye(2)[label]
    for row, after, (W, b) in zip(r["layers"], u["layers"], zip(net.weights, net.biases)):
        np.testing.assert_allclose(after["weights_after"], W - lr * row["dW"], rtol=1e-14)
        np.testing.assert_allclose(after["bias_after"], b - lr * row["db"], rtol=1e-14)
    stepped = [(a["weights_after"], a["bias_after"]) for a in u["layers"]]
    assert u["loss_before"] == pytest.approx(
        loss_of(list(zip(before, net.biases)), net.activations, "mse", x, t)
    )
    assert u["loss_after"] == pytest.approx(loss_of(stepped, net.activations, "mse", x, t))
    assert u["loss_after"] < u["loss_before"]  # a small step descends
    for W, W0 in zip(net.weights, before):
        np.testing.assert_array_equal(W, W0)
