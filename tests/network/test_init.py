"""Initialisation schemes (``init=``): the chapter's default unchanged bit for bit, the
others' scales, and the symmetry failure of all-zero weights."""

from __future__ import annotations

import numpy as np
import pytest

from deltagrad import fast
from deltagrad.backprop import INITS, Layer, NeuralNetwork
from deltagrad.data import one_hot

SIZES = [2, 25, 50, 25, 2]


def test_inits_names():
    assert INITS == ("chapter", "xavier", "he", "zeros", "normal")


def test_chapter_default_is_bit_for_bit_the_old_draw():
    rng = np.random.default_rng(123)  # the chapter's draw written out: W then b, layer by layer
    expected = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(1 / n_out)
        b = rng.random(n_out) * 0.1
        expected.append((W, b))
    for net in (
        NeuralNetwork.build(SIZES, rng=123),
        NeuralNetwork.build(SIZES, rng=123, init="chapter"),
    ):
        for (W, b), got_W, got_b in zip(expected, net.weights, net.biases):
            assert got_W.tobytes() == W.tobytes()
            assert got_b.tobytes() == b.tobytes()


@pytest.mark.parametrize("init", INITS)
def test_shapes_and_dtype(init):
    net = NeuralNetwork.build(SIZES, rng=0, init=init)
    assert [W.shape for W in net.weights] == [(2, 25), (25, 50), (50, 25), (25, 2)]
    assert [b.shape for b in net.biases] == [(25,), (50,), (25,), (2,)]
    assert all(a.dtype == np.float64 for a in (*net.weights, *net.biases))


def test_unknown_init_lists_the_valid_ones():
    for call in (
        lambda: Layer(2, 3, "sigmoid", init="glorot"),
        lambda: NeuralNetwork.build(SIZES, init="Xavier"),
    ):
        with pytest.raises(ValueError, match="'chapter', 'xavier', 'he', 'zeros', 'normal'"):
            call()


def test_given_arrays_win_over_init():
    layer = Layer(2, 3, init="zeros", weights=np.ones((2, 3)), bias=[1, 2, 3])
    np.testing.assert_array_equal(layer.weights, np.ones((2, 3)))
    np.testing.assert_array_equal(layer.bias, [1, 2, 3])


@pytest.mark.parametrize(
    "init,std",
    [
        ("chapter", lambda n_in, n_out: np.sqrt(1 / n_out)),
        ("xavier", lambda n_in, n_out: np.sqrt(2 / (n_in + n_out))),
        ("he", lambda n_in, n_out: np.sqrt(2 / n_in)),
        ("normal", lambda n_in, n_out: 1.0),
    ],
)
def test_scales(init, std):
    n_in, n_out = 300, 200  # 60,000 draws: the sample std is within ~0.6 % (1 sigma 0.3 %)
    layer = Layer(n_in, n_out, "relu", rng=1, init=init)
    assert abs(layer.weights.mean()) < 4 * std(n_in, n_out) / np.sqrt(layer.weights.size)
    assert layer.weights.std() == pytest.approx(std(n_in, n_out), rel=0.015)
    if init == "chapter":
        assert 0 <= layer.bias.min() and layer.bias.max() < 0.1
        assert layer.bias.mean() == pytest.approx(0.05, rel=0.2)
    else:
        assert not layer.bias.any()


def test_zeros_never_breaks_symmetry(rng):
    """All-zero weights: every neuron of a hidden layer gets the same δ, so after any number
    of steps they are still identical (each column of W, each bias entry)."""
    net = NeuralNetwork.build([2, 5, 4, 2], "sigmoid", rng=0, init="zeros")
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    Y = one_hot(y, 2)
    for _ in range(20):
        for j in range(len(X)):
            net.backpropagation(X[j], Y[j], 0.5)
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        assert np.ptp(W, axis=1).max() == 0.0  # every neuron (column) the same
        assert np.ptp(b) == 0.0
    assert np.abs(net.weights[0]).max() > 0  # it did train: the weights moved together
    chapter = NeuralNetwork.build([2, 5, 4, 2], "sigmoid", rng=0)
    assert np.ptp(chapter.weights[0], axis=1).max() > 0


@pytest.mark.skipif(not fast.available(), reason="the compiled engine needs Numba")
def test_xavier_engines_agree_after_an_epoch(rng):
    X = rng.standard_normal((200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    nets = [NeuralNetwork.build(SIZES, "tanh", rng=5, init="xavier") for _ in range(2)]
    for net, engine in zip(nets, ("numpy", "compiled")):
        net.train(X, X[:20], y, y[:20], 0.05, 1, engine=engine)
    for W_numpy, W_compiled in zip(nets[0].weights, nets[1].weights):
        np.testing.assert_allclose(W_compiled, W_numpy, rtol=1e-10, atol=1e-12)
    assert not np.array_equal(
        nets[0].weights[0], NeuralNetwork.build(SIZES, "tanh", rng=5, init="xavier").weights[0]
    )
