"""deltagrad.backprop: the chapter's Layer and NeuralNetwork, fixed and generalised."""

import json
import zipfile

import numpy as np
import pytest

import finite_differences as fd
from deltagrad import functional as F
from deltagrad.backprop import ACTIVATIONS, LOSSES, Layer, NeuralNetwork
from deltagrad.data import one_hot
from deltagrad.experiments.gradcheck import tape_network_gradients as tape_gradients


def relative_error(a, b) -> float:
    """max |a − b| relative to the largest entry of either (0 when both are 0)."""
    a, b = np.concatenate([np.ravel(x) for x in a]), np.concatenate([np.ravel(x) for x in b])
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    return float(np.max(np.abs(a - b)) / scale) if scale else 0.0


def flat_grads(grads):
    return [g for pair in grads for g in pair]


def random_network(activation, loss, sizes=(3, 5, 4, 3), seed=0):
    net = NeuralNetwork.build(sizes, activation, loss, rng=seed)
    for layer in net.layers:  # bigger biases than the chapter's, so every path matters
        layer.bias[:] = np.random.default_rng(seed + 1).normal(size=layer.bias.shape)
    return net


def random_batch(net, n, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, net.sizes[0]))
    Y = one_hot(rng.integers(0, net.sizes[-1], size=n), net.sizes[-1])
    return X, Y


def finite_difference_gradients(net, X, Y):
    """Central differences of ``net.loss_value`` for every weight and bias."""

    def loss_with(param):
        def loss(value):  # the loss with ``param`` set to ``value``, then ``param`` restored
            saved = param.copy()
            param[...] = value
            try:
                return net.loss_value(X, Y)
            finally:
                param[...] = saved

        return loss

    return [
        tuple(fd.gradient(loss_with(param), param) for param in (layer.weights, layer.bias))
        for layer in net.layers
    ]


# --- Layer --------------------------------------------------------------------------------


def test_layer_uses_the_chapters_initialisation():
    rng = np.random.default_rng(7)
    W = rng.standard_normal((2, 25)) * np.sqrt(1 / 25)
    b = rng.random(25) * 0.1
    layer = Layer(2, 25, "sigmoid", rng=7)
    np.testing.assert_array_equal(layer.weights, W)
    np.testing.assert_array_equal(layer.bias, b)
    assert layer.weights.dtype == layer.bias.dtype == np.float64


def test_same_seed_same_network_bitwise():
    a = NeuralNetwork.build([2, 25, 50, 25, 2], rng=0)
    b = NeuralNetwork.build([2, 25, 50, 25, 2], rng=np.random.default_rng(0))
    c = NeuralNetwork.build([2, 25, 50, 25, 2], rng=1)
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_layer_with_given_parameters_copies_them():
    W, b = np.ones((3, 2)), np.zeros(2)
    layer = Layer(3, 2, "relu", weights=W, bias=b)
    layer.weights += 1
    assert W[0, 0] == 1 and layer.weights[0, 0] == 2


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"weights": np.ones((2, 3))}, r"weights must have shape \(3, 2\)"),
        ({"bias": np.ones(3)}, r"bias must have shape \(2,\)"),
        ({"weights": np.full((3, 2), np.nan)}, "NaN or infinite"),
        ({"bias": [np.inf, 0]}, "NaN or infinite"),
        ({"weights": "abc"}, "numeric"),
    ],
)
def test_layer_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Layer(3, 2, **kwargs)


@pytest.mark.parametrize("n_input,n_neurons", [(0, 2), (2, -1), (2.5, 2), (True, 2)])
def test_layer_rejects_bad_sizes(n_input, n_neurons):
    with pytest.raises(ValueError, match="positive integer"):
        Layer(n_input, n_neurons)


def test_unknown_activation_lists_the_valid_ones():
    with pytest.raises(
        ValueError, match="unknown activation 'softplus'.*'sigmoid'.*'leaky_relu'.*'tanh'"
    ):
        Layer(2, 3, "softplus")


def test_unknown_loss_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*'mse'.*'softmax_cross_entropy'"):
        NeuralNetwork("hinge")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activate_stores_last_activation(activation):
    layer = Layer(3, 4, activation, rng=0)
    x = np.array([[0.5, -1.0, 2.0]])
    out = layer.activate(x)
    z = x @ layer.weights + layer.bias
    expected = {
        None: z,
        "sigmoid": F.sigmoid(z),
        "relu": F.relu(z),
        "leaky_relu": F.leaky_relu(z),
        "tanh": F.tanh(z),
    }[activation]
    np.testing.assert_array_equal(out, expected)
    assert layer.last_activation is out


def test_reprs():
    assert repr(Layer(2, 25, "sigmoid", rng=0)) == "Layer(2, 25, activation='sigmoid')"
    net = NeuralNetwork.build([2, 3, 2], "tanh", "softmax_cross_entropy", rng=0)
    assert repr(net) == (
        "NeuralNetwork(2 → 3 → 2, activations=['tanh', None], loss='softmax_cross_entropy')"
    )
    assert repr(NeuralNetwork()) == "NeuralNetwork(loss='mse', layers=[])"


# --- structure and forward ------------------------------------------------------------------


def test_chapter_network_structure():
    net = NeuralNetwork()
    rng = np.random.default_rng(0)
    for n_in, n_out in [(2, 25), (25, 50), (50, 25), (25, 2)]:
        net.add_layer(Layer(n_in, n_out, "sigmoid", rng=rng))
    assert net.sizes == [2, 25, 50, 25, 2]
    assert net.activations == ["sigmoid"] * 4
    assert net.loss == "mse"
    built = NeuralNetwork.build([2, 25, 50, 25, 2], rng=0)
    for x, y in zip(net.weights + net.biases, built.weights + built.biases):
        np.testing.assert_array_equal(x, y)


def test_add_layer_checks_sizes():
    net = NeuralNetwork()
    net.add_layer(Layer(2, 3, rng=0))
    with pytest.raises(ValueError, match="takes 4 inputs but the previous layer has 3"):
        net.add_layer(Layer(4, 2, rng=0))
    with pytest.raises(ValueError, match="expects a Layer"):
        net.add_layer("layer")


def test_parameter_lists_are_the_layers_arrays():
    net = NeuralNetwork.build([2, 4, 2], rng=0)
    W, b = net.weights, net.biases
    net.backpropagation(np.array([0.1, 0.2]), np.array([1.0, 0.0]), 0.5)
    assert all(w is layer.weights for w, layer in zip(W, net.layers))
    assert all(x is layer.bias for x, layer in zip(b, net.layers))
    assert all(p.dtype == np.float64 for p in W + b)


def test_feed_forward_one_sample_equals_batch_row():
    net = NeuralNetwork.build([2, 5, 3], "tanh", rng=0)
    X = np.array([[0.1, 0.2], [-1.0, 3.0]])
    batch = net.feed_forward(X)
    assert batch.shape == (2, 3)
    np.testing.assert_allclose(net.feed_forward(X[1]), batch[1], rtol=1e-15)


def test_cross_entropy_network_outputs_probabilities():
    net = NeuralNetwork.build([2, 5, 3], "relu", "softmax_cross_entropy", rng=0)
    assert net.activations == ["relu", None]
    X = np.random.default_rng(0).normal(size=(4, 2))
    p = net.predict(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p, F.softmax(net.layers[-1].last_activation), rtol=1e-15)
    np.testing.assert_array_equal(net.predict_proba(X), p)


def test_predict_proba_for_mse_normalises_the_outputs():
    net = NeuralNetwork.build([2, 5, 2], "sigmoid", rng=0)
    X = np.random.default_rng(0).normal(size=(6, 2))
    out, p = net.predict(X), net.predict_proba(X)
    np.testing.assert_allclose(p, out / out.sum(axis=1, keepdims=True), rtol=1e-15)
    np.testing.assert_array_equal(np.argmax(p, axis=1), net.predict_classes(X))


def test_accuracy():
    y_pred = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert NeuralNetwork.accuracy(y_pred, np.array([0, 1, 1, 1])) == 0.75
    with pytest.raises(ValueError, match="shape"):
        NeuralNetwork.accuracy(y_pred, np.array([0, 1]))


@pytest.mark.parametrize(
    "X,match",
    [
        (np.zeros((4, 3)), r"X must have shape \(2,\) or \(n, 2\), got \(4, 3\)"),
        (np.zeros((2, 2, 2)), "X must have shape"),
        (np.array([[0.0, np.nan]]), "NaN or infinite"),
        (np.array([np.inf, 0.0]), "NaN or infinite"),
        (np.array([["a", "b"]]), "numeric"),
    ],
)
def test_feed_forward_rejects_bad_input(X, match):
    net = NeuralNetwork.build([2, 3, 2], rng=0)
    with pytest.raises(ValueError, match=match):
        net.feed_forward(X)


def test_empty_network_says_so():
    with pytest.raises(ValueError, match="no layers"):
        NeuralNetwork().feed_forward(np.zeros(2))


# --- gradients: the delta rule -------------------------------------------------------------

CASES = [(a, loss) for loss in LOSSES for a in ACTIVATIONS]
IDS = [f"{a}-{loss}" for a, loss in CASES]


@pytest.mark.parametrize("activation,loss", CASES, ids=IDS)
@pytest.mark.parametrize("n", [1, 4])
def test_delta_rule_matches_finite_differences(activation, loss, n):
    net = random_network(activation, loss)
    X, Y = random_batch(net, n)
    if n == 1:
        X, Y = X[0], Y[0]  # a single sample, shape (d,), as the chapter passes it
    analytic = flat_grads(net.gradients(X, Y))
    numeric = flat_grads(finite_difference_gradients(net, X, Y))
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("activation,loss", CASES, ids=IDS)
@pytest.mark.parametrize("n", [1, 4])
def test_delta_rule_matches_the_tape(activation, loss, n):
    # Three-way agreement: delta rule = tape (here, 1e-10) = finite differences (above, 1e-6).
    net = random_network(activation, loss)
    X, Y = random_batch(net, n)
    if n == 1:
        X, Y = X[0], Y[0]
    delta_rule = flat_grads(net.gradients(X, Y))
    tape, tape_loss = tape_gradients(net, X, Y)
    assert relative_error(delta_rule, tape) < 1e-10
    assert tape_loss == pytest.approx(net.loss_value(X, Y), rel=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_value_is_the_documented_loss(loss):
    net = random_network("tanh", loss)
    X, Y = random_batch(net, 5)
    out = net.feed_forward(X)
    if loss == "mse":
        expected = np.mean(0.5 * np.sum((out - Y) ** 2, axis=1))
    else:
        expected = np.mean(-np.sum(Y * np.log(out), axis=1))
    assert net.loss_value(X, Y) == pytest.approx(expected, rel=1e-12)


def test_delta_rule_formulas_of_the_chapter():
    # SPEC 7.7 written out for a sigmoid network with MSE: δ_k = o_k(1 − o_k)(o_k − t_k),
    # δ_j = o_j(1 − o_j)·Σ_k δ_k w_jk, ∂L/∂w_jk = δ_k·o_j, ∂L/∂b_k = δ_k.
    net = random_network("sigmoid", "mse", sizes=(2, 3, 2))
    x, t = np.array([0.3, -0.7]), np.array([1.0, 0.0])
    (W1, b1), (W2, b2) = zip(net.weights, net.biases)
    o_j = F.sigmoid(x @ W1 + b1)
    o_k = F.sigmoid(o_j @ W2 + b2)
    delta_k = o_k * (1 - o_k) * (o_k - t)
    delta_j = o_j * (1 - o_j) * (W2 @ delta_k)
    (dW1, db1), (dW2, db2) = net.gradients(x, t)
    np.testing.assert_allclose(dW2, np.outer(o_j, delta_k), rtol=1e-14)
    np.testing.assert_allclose(db2, delta_k, rtol=1e-14)
    np.testing.assert_allclose(dW1, np.outer(x, delta_j), rtol=1e-14)
    np.testing.assert_allclose(db1, delta_j, rtol=1e-14)


def test_cross_entropy_output_delta_is_p_minus_t():
    net = random_network("sigmoid", "softmax_cross_entropy", sizes=(2, 3, 2))
    x, t = np.array([0.3, -0.7]), np.array([0.0, 1.0])
    net.gradients(x, t)
    np.testing.assert_allclose(net.layers[-1].delta[0], net.feed_forward(x) - t, rtol=1e-14)


def test_batch_gradient_is_the_mean_of_per_sample_gradients():
    net = random_network("tanh", "mse")
    X, Y = random_batch(net, 5)
    batch = flat_grads(net.gradients(X, Y))
    per_sample = [flat_grads(net.gradients(X[i], Y[i])) for i in range(5)]
    mean = [np.mean([g[k] for g in per_sample], axis=0) for k in range(len(batch))]
    assert relative_error(batch, mean) < 1e-14


def test_gradients_update_nothing():
    net = random_network("relu", "mse")
    before = [p.copy() for p in net.weights + net.biases]
    net.gradients(*random_batch(net, 3))
    for p, q in zip(net.weights + net.biases, before):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize(
    "X,Y,match",
    [
        (np.zeros(3), np.zeros(2), r"targets must have shape \(3,\)"),
        (np.zeros((4, 3)), np.zeros((3, 3)), r"targets must have shape \(4, 3\)"),
        (np.zeros((4, 3)), np.zeros(4), r"targets must have shape \(4, 3\)"),
        (np.zeros(3), np.array([0.0, np.nan, 1.0]), "NaN or infinite"),
        (np.zeros(2), np.zeros(3), "X must have shape"),
    ],
)
def test_gradients_reject_bad_shapes(X, Y, match):
    net = random_network("sigmoid", "mse")
    with pytest.raises(ValueError, match=match):
        net.gradients(X, Y)


# --- backpropagation: one SGD step ---------------------------------------------------------


def chapter_step(net, x, y, learning_rate):
    """The chapter's listing (per sample, error = y − o, weights +=), with biases trained."""
    output = net.feed_forward(x)
    layers = net.layers
    for i in reversed(range(len(layers))):
        layer = layers[i]
        if i == len(layers) - 1:
            layer.error = y - output
            layer.delta = layer.error * layer.apply_activation_derivative(output)
        else:
            nxt = layers[i + 1]
            layer.error = np.dot(nxt.weights, nxt.delta)
            layer.delta = layer.error * layer.apply_activation_derivative(layer.last_activation)
    for i, layer in enumerate(layers):
        o_i = np.atleast_2d(x if i == 0 else layers[i - 1].last_activation)
        layer.weights += layer.delta * o_i.T * learning_rate
        layer.bias += layer.delta * learning_rate


def test_per_sample_step_is_the_chapters_step_bitwise():
    ours, theirs = random_network("sigmoid", "mse"), random_network("sigmoid", "mse")
    X, Y = random_batch(ours, 20)
    for x, y in zip(X, Y):
        ours.backpropagation(x, y, 0.1)
        chapter_step(theirs, x, y, 0.1)
    for p, q in zip(ours.weights + ours.biases, theirs.weights + theirs.biases):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("loss", LOSSES)
def test_batch_step_descends_the_mean_gradient(loss):
    net = random_network("leaky_relu", loss)
    X, Y = random_batch(net, 6)
    before = [p.copy() for p in net.weights + net.biases]
    grads = flat_grads(net.gradients(X, Y))
    loss_before = net.loss_value(X, Y)
    net.backpropagation(X, Y, 0.05)
    after = [p for pair in zip(net.weights, net.biases) for p in pair]
    before = [p for pair in zip(before[:3], before[3:]) for p in pair]
    for p_after, p_before, g in zip(after, before, grads):
        np.testing.assert_allclose(p_after, p_before - 0.05 * g, rtol=1e-15, atol=1e-15)
    assert net.loss_value(X, Y) < loss_before


def test_biases_are_trained():
    net = random_network("sigmoid", "mse")
    b = [x.copy() for x in net.biases]
    net.backpropagation(*random_batch(net, 1), 0.5)
    assert all(not np.array_equal(x, y) for x, y in zip(b, net.biases))


@pytest.mark.parametrize("lr", [0, -0.1, np.nan, "fast"])
def test_backpropagation_rejects_bad_learning_rates(lr):
    net = random_network("sigmoid", "mse")
    with pytest.raises(ValueError, match="learning_rate"):
        net.backpropagation(*random_batch(net, 1), lr)


# --- train ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_moons():
    from deltagrad.data import moons, train_test_split

    X, y = moons(n_samples=200, random_state=3)
    return train_test_split(X, y)


def test_train_is_deterministic_and_records_history(small_moons):
    calls = []
    runs = []
    for _ in range(2):
        net = NeuralNetwork.build([2, 8, 2], "sigmoid", rng=0)
        history = net.train(
            *small_moons,
            0.5,
            7,
            log_every=3,
            callback=lambda epoch, record: calls.append((epoch, record)),
        )
        runs.append((net, history))
    (a, ha), (b, hb) = runs
    assert ha == hb
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(p, q)
    assert ha["epoch"] == [0, 3, 6]
    assert [c[0] for c in calls[:7]] == list(range(7))
    assert [c[1] is not None for c in calls[:7]] == [True, False, False, True, False, False, True]
    assert calls[6][1] == {
        "epoch": 6,
        "mse": ha["mse"][-1],
        "test_accuracy": ha["test_accuracy"][-1],
    }


def test_train_records_the_final_epoch_and_the_chapters_mse(small_moons):
    X_train, X_test, y_train, y_test = small_moons
    net = NeuralNetwork.build([2, 8, 2], "sigmoid", rng=0)
    history = net.train(X_train, X_test, y_train, y_test, 0.5, 5, log_every=10)
    assert history["epoch"] == [0, 4]
    mse = np.mean((one_hot(y_train, 2) - net.feed_forward(X_train)) ** 2)
    assert history["mse"][-1] == mse
    assert history["test_accuracy"][-1] == net.accuracy(net.predict(X_test), y_test)


def test_train_per_sample_equals_repeated_backpropagation(small_moons):
    X_train, X_test, y_train, y_test = small_moons
    a = NeuralNetwork.build([2, 6, 2], "tanh", rng=4)
    b = NeuralNetwork.build([2, 6, 2], "tanh", rng=4)
    a.train(X_train, X_test, y_train, y_test, 0.1, 2, engine="numpy")  # the reference engine
    Y = one_hot(y_train, 2)
    for _ in range(2):
        for x, y in zip(X_train, Y):
            b.backpropagation(x, y, 0.1)
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("batch_size", [1, 16])
def test_training_reduces_the_error(small_moons, loss, batch_size):
    net = NeuralNetwork.build([2, 16, 2], "tanh", loss, rng=0)
    history = net.train(*small_moons, 0.2, 30, batch_size=batch_size, log_every=29)
    assert history["mse"][-1] < history["mse"][0]
    assert history["test_accuracy"][-1] >= 0.8


@pytest.mark.parametrize(
    "change,match",
    [
        ({"y_train": 2}, r"y_train must be in 0..1, found 2"),
        ({"y_test": -1}, "y_test must be >= 0"),
        ({"X_train": np.nan}, "X_train contains NaN"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"max_epochs": 0}, "max_epochs must be a positive integer"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
    ],
)
def test_train_rejects_bad_input(small_moons, change, match):
    X_train, X_test, y_train, y_test = (
        np.array(a, dtype=float if i < 2 else int) for i, a in enumerate(small_moons)
    )
    args = {
        "X_train": X_train,
        "X_test": X_test,
        "y_train": y_train,
        "y_test": y_test,
        "learning_rate": 0.1,
        "max_epochs": 1,
    }
    for key, value in change.items():
        if key in ("X_train", "y_train", "y_test"):
            args[key][0] = value
        else:
            args[key] = value
    batch_size = args.pop("batch_size", 1)
    net = NeuralNetwork.build([2, 3, 2], rng=0)
    with pytest.raises(ValueError, match=match):
        net.train(**args, batch_size=batch_size)


def test_train_rejects_mismatched_lengths(small_moons):
    X_train, X_test, y_train, y_test = small_moons
    net = NeuralNetwork.build([2, 3, 2], rng=0)
    with pytest.raises(ValueError, match="rows"):
        net.train(X_train, X_test, y_train[:-1], y_test, 0.1, 1)


# --- save / load ---------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
def test_save_load_roundtrip(tmp_path, loss):
    net = NeuralNetwork.build([2, 4, 3], "leaky_relu", loss, rng=5)
    path = net.save(tmp_path / "model")  # the exact name, no ".npz" appended
    assert path == tmp_path / "model" and path.exists()
    again = NeuralNetwork.load(path)
    assert repr(again) == repr(net) and again.config() == net.config()
    for p, q in zip(net.weights + net.biases, again.weights + again.biases):
        np.testing.assert_array_equal(p, q)
    X = np.random.default_rng(0).normal(size=(5, 2))
    np.testing.assert_array_equal(again.predict(X), net.predict(X))


def _write_npz(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def _valid_arrays(tmp_path):
    net = NeuralNetwork.build([2, 3, 2], rng=0)
    with np.load(net.save(tmp_path / "ok.npz")) as npz:
        return {k: npz[k] for k in npz.files}


def test_load_missing_file(tmp_path):
    with pytest.raises(ValueError, match="nope.npz: no such file"):
        NeuralNetwork.load(tmp_path / "nope.npz")


def test_load_not_npz(tmp_path):
    path = tmp_path / "model.npz"
    path.write_text("W0,b0\n1,2\n")
    with pytest.raises(ValueError, match="model.npz: not a .npz file"):
        NeuralNetwork.load(path)
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single.npy: not a .npz archive"):
        NeuralNetwork.load(tmp_path / "single.npy")
    with pytest.raises(ValueError, match="not a file"):
        NeuralNetwork.load(tmp_path)


def test_load_never_unpickles(tmp_path):
    arrays = _valid_arrays(tmp_path)
    arrays["config"] = np.array([{"format": "deltagrad.NeuralNetwork"}], dtype=object)
    path = _write_npz(tmp_path / "pickled.npz", **arrays)
    with pytest.raises(ValueError, match="pickled.npz"):
        NeuralNetwork.load(path)


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda a: a.pop("W1"), "missing array 'W1'"),
        (lambda a: a.pop("config"), "missing 'config'"),
        (lambda a: a.update(config=np.array("{not json")), "not valid JSON"),
        (lambda a: a.update(W0=np.zeros((3, 3))), r"layer 0: weights must have shape \(2, 3\)"),
        (lambda a: a.update(b1=np.array([np.nan, 0.0])), "layer 1: bias contains NaN"),
        (lambda a: a.update(W9=np.zeros(1)), "unexpected arrays"),
        (lambda a: a.update(config=np.array(json.dumps({"format": "other"}))), "does not describe"),
    ],
)
def test_load_reports_what_is_wrong(tmp_path, edit, match):
    arrays = _valid_arrays(tmp_path)
    edit(arrays)
    path = _write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=r"bad.npz: not a valid deltagrad network: .*" + match):
        NeuralNetwork.load(path)


@pytest.mark.parametrize(
    "change,match",
    [
        ({"loss": "hinge"}, "unknown loss"),
        ({"version": 99}, "unsupported format version 99"),
        ({"layers": []}, "no list of layers"),
        (
            {
                "layers": [
                    {"n_input": 2, "n_neurons": 3, "activation": "swish"},
                    {"n_input": 3, "n_neurons": 2, "activation": "sigmoid"},
                ]
            },
            "unknown activation",
        ),
        (
            {"layers": [{"n_input": 2, "n_neurons": 3}, {"n_input": 3, "n_neurons": 2}]},
            "bad description",
        ),
    ],
)
def test_load_checks_the_config(tmp_path, change, match):
    arrays = _valid_arrays(tmp_path)
    config = json.loads(str(arrays["config"]))
    config.update(change)
    arrays["config"] = np.array(json.dumps(config))
    path = _write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=match):
        NeuralNetwork.load(path)


def test_saved_file_is_a_plain_npz(tmp_path):
    path = NeuralNetwork.build([2, 3, 2], rng=0).save(tmp_path / "m.npz")
    assert zipfile.is_zipfile(path)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["W0", "W1", "b0", "b1", "config"]
        assert json.loads(str(npz["config"]))["layers"][0] == {
            "n_input": 2,
            "n_neurons": 3,
            "activation": "sigmoid",
        }
