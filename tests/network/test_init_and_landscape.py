"""Initialisation compared and the loss landscape (issue 17), at the experiment level."""

import numpy as np
import pytest

from deltagrad import functional as F
from deltagrad.backprop import INITS, NeuralNetwork
from deltagrad.data import chapter_data, one_hot
from deltagrad.experiments import init_compare as ic
from deltagrad.experiments import landscape as ls
from deltagrad.experiments.moons import MoonsConfig, run


@pytest.fixture(scope="module")
def data():
    X_train, X_test, y_train, y_test = chapter_data()
    return X_train, one_hot(y_train, 2)


@pytest.fixture(scope="module")
def trained():
    """The chapter's network after 20 epochs, with its weight snapshots."""
    from deltagrad.data import moons as moons_data
    from deltagrad.data import train_test_split

    config = ls.LandscapeConfig(epochs=20, snapshot_every=2, steps=5).check()
    result, epochs, snapshots = ls.train(config, train_test_split(*moons_data()))
    return result.network, epochs, snapshots


# --- initialisation ---------------------------------------------------------------------------


def test_moons_config_takes_every_init_and_lists_them_for_a_bad_one():
    for name in INITS:
        assert MoonsConfig(init=name).check().as_dict()["init"] == name
    with pytest.raises(ValueError, match="valid: .*'chapter'.*'xavier'.*'he'.*'zeros'.*'normal'"):
        MoonsConfig(init="glorot").check()


def test_the_default_init_is_the_chapters_and_reaches_the_run(data):
    result = run(MoonsConfig(epochs=1, log_every=1, init="xavier"))
    assert result.metrics["config"]["init"] == "xavier"
    # the run's network starts from the init asked for: one epoch from xavier differs from
    # one epoch from the chapter's weights
    chapter = run(MoonsConfig(epochs=1, log_every=1))
    assert chapter.metrics["config"]["init"] == "chapter"
    assert not np.allclose(result.network.weights[1], chapter.network.weights[1])


@pytest.mark.parametrize("engine,epochs", [("numpy", 4), ("auto", 60)])
def test_zeros_keeps_every_neuron_of_a_hidden_layer_identical(engine, epochs):
    result = run(MoonsConfig(epochs=epochs, log_every=epochs, init="zeros"), engine=engine)
    net = result.network
    for layer in net.layers[:-1]:
        block = np.vstack([layer.weights, layer.bias[None, :]])
        assert np.max(np.abs(block)) > 0  # it did train
        # every neuron (column) equals the first, to rounding
        np.testing.assert_allclose(
            block,
            np.repeat(block[:, :1], block.shape[1], axis=1),
            rtol=0,
            atol=1e-12 * np.max(np.abs(block)),
        )
    assert max(ic.symmetry_spread(net)) < ic.SYMMETRIC


def test_a_random_init_breaks_the_symmetry():
    net = run(MoonsConfig(epochs=2, log_every=2)).network
    assert min(ic.symmetry_spread(net)) > 0.1


def test_the_signal_is_the_delta_rules_mean_absolute_delta(data):
    X, Y = data
    net = NeuralNetwork.build([2, 25, 50, 25, 2], rng=0)
    values = ic.signal(net, X, Y)
    grads = net.gradients(X, Y)
    assert len(values) == 4
    # the output layer's δ is (o − t)·σ'(o); dW = X^T δ / n ties δ to the gradient
    out = net.feed_forward(X)
    delta_out = (out - Y) * out * (1 - out)
    assert values[-1] == pytest.approx(np.mean(np.abs(delta_out)), rel=1e-12)
    np.testing.assert_allclose(grads[-1][1], delta_out.mean(axis=0), rtol=1e-12)
    zeros = NeuralNetwork.build([2, 25, 50, 25, 2], rng=0, init="zeros")
    assert ic.signal(zeros, X, Y)[:3] == [0.0, 0.0, 0.0]


def test_compare_summarises_every_init_over_its_seeds():
    config = ic.InitCompareConfig(
        inits=("chapter", "zeros"), seeds=(0, 1), epochs=4, log_every=2, signal_epochs=2
    )
    result = ic.compare(config, processes=1)
    assert [(r["init"], r["seed"]) for r in result.runs] == [
        ("chapter", 0),
        ("chapter", 1),
        ("zeros", 0),
        ("zeros", 1),
    ]
    for run_ in result.runs:
        assert run_["signal"]["epoch"] == [0, 1, 2]
        assert len(run_["signal"]["mean_abs_delta"][0]) == 4
    s = result.summary["chapter"]
    acc = [r["test_accuracy"] for r in result.runs if r["init"] == "chapter"]
    assert s["mean"] == pytest.approx(np.mean(acc))
    assert s["std"] == pytest.approx(np.std(acc, ddof=1))
    assert (s["min"], s["max"]) == (min(acc), max(acc))
    assert result.summary["zeros"]["symmetric"] and not s["symmetric"]
    # a run here is the moons run with that init and seed
    same = run(MoonsConfig(epochs=4, log_every=2, seed=1, init="chapter"))
    assert result.runs[1]["test_accuracy"] == same.metrics["test_accuracy"]


def test_compare_refuses_bad_settings_naming_them():
    with pytest.raises(ValueError, match="unknown init 'lecun'; valid"):
        ic.InitCompareConfig(inits=("lecun",)).check()
    with pytest.raises(ValueError, match="signal_epochs must be between 1 and epochs"):
        ic.InitCompareConfig(epochs=5, signal_epochs=6).check()


# --- the landscape ----------------------------------------------------------------------------


def test_filter_wise_normalisation_gives_each_neuron_its_trained_norm(trained):
    net = trained[0]
    d = ls.filter_normalised_direction(net, 7)
    assert d.shape == ls.flatten(net).shape
    for (n_in, n_out, start), layer in zip(ls._blocks(net), net.layers):
        block = d[start : start + n_in * n_out].reshape(n_in, n_out)
        np.testing.assert_allclose(
            np.linalg.norm(block, axis=0), np.linalg.norm(layer.weights, axis=0), rtol=1e-12
        )
        assert not np.allclose(block, layer.weights)  # a direction, not the weights
        assert np.all(d[start + n_in * n_out : start + (n_in + 1) * n_out] == 0)  # biases: 0
    # the seed decides the direction
    assert np.array_equal(d, ls.filter_normalised_direction(net, 7))
    assert not np.array_equal(d, ls.filter_normalised_direction(net, 8))


def test_flatten_follows_the_layers_order(trained):
    net = trained[0]
    theta = ls.flatten(net)
    (n_in, n_out, start) = ls._blocks(net)[1]
    np.testing.assert_array_equal(theta[start : start + n_in * n_out], net.weights[1].ravel())
    assert len(theta) == sum(W.size + b.size for W, b in zip(net.weights, net.biases))


def _plain_loss(net, theta, X, Y):
    """The loss of θ the plain way: a network with those weights, one forward pass."""
    copy = NeuralNetwork.build(net.sizes, rng=0)
    for (n_in, n_out, start), layer in zip(ls._blocks(net), copy.layers):
        layer.weights[:] = theta[start : start + n_in * n_out].reshape(n_in, n_out)
        layer.bias[:] = theta[start + n_in * n_out : start + (n_in + 1) * n_out]
    return F.mse(copy.feed_forward(X), Y)


@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_the_vectorised_grid_equals_a_plain_loop(trained, data, chunk):
    net = trained[0]
    X, Y = data
    centre = ls.flatten(net)
    d1, d2 = (ls.filter_normalised_direction(net, s) for s in (1, 2))
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(-0.5, 0.7, 4)
    Z = ls.slice_2d(net, X, Y, centre, d1, d2, alphas, betas)
    assert Z.shape == (4, 5)
    for i, j in [(0, 0), (1, 3), (3, 4), (2, 1)]:
        theta = centre + alphas[j] * d1 + betas[i] * d2
        assert Z[i, j] == pytest.approx(_plain_loss(net, theta, X, Y), rel=1e-12)
    thetas = centre + np.outer([0.3, -0.2, 1.1], d1)
    np.testing.assert_allclose(
        ls.losses(net, X, Y, thetas, chunk=chunk),
        [_plain_loss(net, t, X, Y) for t in thetas],
        rtol=1e-12,
    )


def test_the_landscapes_centre_is_the_trained_loss(trained, data):
    net = trained[0]
    X, Y = data
    d1, d2 = (ls.filter_normalised_direction(net, s) for s in (1, 2))
    axis = np.linspace(-1, 1, 7)
    Z = ls.slice_2d(net, X, Y, ls.flatten(net), d1, d2, axis, axis)
    assert Z[3, 3] == pytest.approx(F.mse(net.feed_forward(X), Y), rel=1e-12)
    assert Z[3, 3] == Z.min()  # the trained weights are the lowest point of this plane


def test_the_pca_directions_are_orthonormal_and_project_the_trajectory(trained):
    net, epochs, snapshots = trained
    assert epochs[0] == 0 and epochs[-1] == 20 and len(snapshots) == 11
    final = ls.flatten(net)
    np.testing.assert_array_equal(snapshots[-1], final)  # the last snapshot is the result
    pca = ls.pca_directions(snapshots, final)
    D = pca["directions"]
    np.testing.assert_allclose(D @ D.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(pca["coords"], (snapshots - final) @ D.T, atol=1e-12)
    np.testing.assert_allclose(pca["coords"][-1], [0, 0], atol=1e-12)
    assert 0 < pca["explained"][1] <= pca["explained"][0] <= 1
    assert sum(pca["explained"]) <= 1 + 1e-12


def test_the_interpolation_runs_from_the_initial_to_the_trained_loss(trained, data):
    net, _, snapshots = trained
    X, Y = data
    loss = ls.interpolation(net, X, Y, snapshots[0], snapshots[-1], [0.0, 1.0])
    start = NeuralNetwork.build([2, 25, 50, 25, 2], rng=0)  # seed 0: the run's initial weights
    assert loss[0] == pytest.approx(F.mse(start.feed_forward(X), Y), rel=1e-12)
    assert loss[1] == pytest.approx(F.mse(net.feed_forward(X), Y), rel=1e-12)


def test_run_records_seeds_settings_and_times():
    result = ls.run(
        ls.LandscapeConfig(epochs=6, steps=5, snapshot_every=3, seed=2, directions_seed=9)
    )
    m = result.metrics
    assert (m["seed"], m["directions_seed"]) == (2, 9)
    assert m["config"]["steps"] == 5 and m["config"]["span"] == 1.0
    assert m["random_plane"]["centre_loss"] == pytest.approx(m["training"]["final_train_mse"])
    assert set(m["seconds"]) == {"training", "random_plane", "pca_plane", "interpolation"}
    assert result.pca_plane["Z"].shape == (5, 5)
    assert m["pca_plane"]["snapshots"] == 3  # epochs 0, 3, 6


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"steps": 2}, "steps must be between 3 and 401"),
        ({"span": 11.0}, r"span must be a number in \(0, 10\]"),
        ({"directions_seed": -1}, "directions_seed must be an integer >= 0"),
        ({"epochs": 100_000, "snapshot_every": 1}, "more than 2000; use 51 or more"),
    ],
)
def test_landscape_config_refuses_bad_settings_with_the_limit(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ls.LandscapeConfig(**kwargs).check()
