"""deltagrad.fast: the compiled engine against the NumPy reference engine."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from deltagrad import fast
from deltagrad import functional as F
from deltagrad.backprop import (
    ACTIVATIONS,
    AUTO_NUMPY_FROM,
    ENGINES,
    LOSSES,
    NeuralNetwork,
    multiply_adds,
    resolve_engine,
)
from deltagrad.data import moons, one_hot, train_test_split

pytestmark = pytest.mark.skipif(not fast.available(), reason="Numba is not available")

CHAPTER = [2, 25, 50, 25, 2]


def relative_error(a, b) -> float:
    """max |a − b| over every parameter, relative to the largest entry of b."""
    a, b = np.concatenate([np.ravel(x) for x in a]), np.concatenate([np.ravel(x) for x in b])
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def parameters(net):
    return net.weights + net.biases


@pytest.fixture(scope="module")
def small_moons():
    X, y = moons(n_samples=200, random_state=3)
    return train_test_split(X, y)


def train_both(data, sizes, activation, loss, batch_size, epochs=10, lr=0.01, seed=0, **kwargs):
    runs = []
    for engine in ("numpy", "compiled"):
        net = NeuralNetwork.build(sizes, activation, loss, rng=seed)
        history = net.train(*data, lr, epochs, batch_size=batch_size, engine=engine, **kwargs)
        runs.append((net, history))
    return runs


# --- same mathematics as the NumPy engine --------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("batch_size", [1, 16])
def test_engines_agree_after_ten_epochs(small_moons, activation, loss, batch_size):
    (ref, h_ref), (net, h) = train_both(small_moons, CHAPTER, activation, loss, batch_size)
    assert all(np.all(np.isfinite(p)) for p in parameters(ref))
    assert relative_error(parameters(net), parameters(ref)) < 1e-9
    assert not np.array_equal(
        parameters(net)[0], NeuralNetwork.build(CHAPTER, activation, loss, rng=0).weights[0]
    )
    assert h["epoch"] == h_ref["epoch"] == [0, 9]
    np.testing.assert_allclose(h["mse"], h_ref["mse"], rtol=1e-9)
    assert h["test_accuracy"] == h_ref["test_accuracy"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_engines_agree_on_odd_sizes_and_three_classes(activation):
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, size=90)
    X = rng.normal(size=(90, 3)) + y[:, None]
    data = train_test_split(X, y)
    for sizes in ([3, 9, 3], [3, 5, 1, 7, 3], [3, 3]):
        for loss in LOSSES:
            (ref, _), (net, _) = train_both(data, sizes, activation, loss, batch_size=7, lr=0.05)
            assert relative_error(parameters(net), parameters(ref)) < 1e-9
            (ref, _), (net, _) = train_both(data, sizes, activation, loss, batch_size=1, lr=0.05)
            assert relative_error(parameters(net), parameters(ref)) < 1e-9


def test_a_batch_as_large_as_the_data_is_full_batch_descent(small_moons):
    (ref, _), (net, _) = train_both(
        small_moons, [2, 8, 2], "tanh", "mse", batch_size=10_000, epochs=20, lr=0.5
    )
    assert relative_error(parameters(net), parameters(ref)) < 1e-12


def test_predict_matches_feed_forward_even_far_out(small_moons):
    for activation in ACTIVATIONS:
        for loss in LOSSES:
            net = NeuralNetwork.build([2, 7, 5, 3], activation, loss, rng=1)
            X = np.concatenate([small_moons[0], [[1000.0, -1000.0], [-1e3, 1e3], [0.0, 0.0]]])
            trainer = fast.Trainer(
                net.weights,
                net.biases,
                net.activations,
                loss,
                X,
                one_hot(np.zeros(len(X), int), 3),
                0.1,
            )
            out, expected = trainer.predict(X), net.feed_forward(X)
            assert np.all(np.isfinite(out))
            scale = np.max(np.abs(expected))  # linear outputs near 0 have no relative accuracy
            np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-14 * scale)


def test_sigmoid_kernel_is_stable_and_accurate():
    z = np.concatenate([np.linspace(-800, 800, 20001), [0.0, -0.0, 1e-300, -1e-300, 36.7, -745.2]])
    trainer = fast.Trainer(
        [z[None, :]], [np.zeros(len(z))], ["sigmoid"], "mse", [[1.0]], np.zeros((1, len(z))), 0.1
    )
    with np.errstate(all="raise"):
        out = trainer.predict([[1.0]])[0]
    expected = F.sigmoid(z)
    assert np.all((out >= 0) & (out <= 1))
    big = expected > 1e-300
    assert np.max(np.abs(out[big] - expected[big]) / expected[big]) < 5e-16
    assert np.max(np.abs(out[~big] - expected[~big])) < 1e-300


def test_exponential_within_two_ulp():
    from deltagrad.fast.kernels import _exp_nonpositive

    x = -np.concatenate([np.linspace(0, 708, 4001), np.geomspace(1e-12, 700, 2000)])
    got = np.array([_exp_nonpositive(v) for v in x])
    expected = np.exp(x)
    assert np.max(np.abs(got - expected) / expected) <= 2 * np.finfo(float).eps
    assert _exp_nonpositive(-745.0) == pytest.approx(np.exp(-745.0), abs=1e-323)
    assert _exp_nonpositive(-1000.0) == 0.0 and _exp_nonpositive(-np.inf) == 0.0


# --- train() behaves the same with either engine --------------------------------------------


def test_compiled_train_keeps_logging_callbacks_and_arrays(small_moons):
    net = NeuralNetwork.build([2, 8, 2], "sigmoid", rng=0)
    arrays = parameters(net)
    calls = []
    history = net.train(
        *small_moons,
        0.5,
        7,
        log_every=3,
        engine="compiled",
        callback=lambda epoch, record: calls.append((epoch, record)),
    )
    assert history["epoch"] == [0, 3, 6]
    assert [c[0] for c in calls] == list(range(7))
    assert [c[1] is not None for c in calls] == [True, False, False, True, False, False, True]
    assert calls[6][1] == {
        "epoch": 6,
        "mse": history["mse"][-1],
        "test_accuracy": history["test_accuracy"][-1],
    }
    assert all(p is q for p, q in zip(parameters(net), arrays))  # updated in place
    X_train, X_test, y_train, y_test = small_moons
    mse = np.mean((one_hot(y_train, 2) - net.feed_forward(X_train)) ** 2)
    assert history["mse"][-1] == pytest.approx(mse, rel=1e-12)
    assert history["test_accuracy"][-1] == net.accuracy(net.predict(X_test), y_test)


def test_the_callback_sees_and_may_change_the_network(small_moons):
    def shrink(net):
        def callback(epoch, record):
            for W in net.weights:
                W *= 0.9

        return callback

    runs = []
    for engine in ("numpy", "compiled"):
        net = NeuralNetwork.build([2, 6, 2], "tanh", rng=2)
        net.train(*small_moons, 0.1, 4, callback=shrink(net), engine=engine)
        runs.append(net)
    assert relative_error(parameters(runs[1]), parameters(runs[0])) < 1e-12


def test_compiled_runs_are_bitwise_reproducible(small_moons):
    runs = [
        train_both(small_moons, [2, 9, 6, 2], "sigmoid", "mse", 1, epochs=3)[1] for _ in range(2)
    ]
    (a, ha), (b, hb) = runs
    assert ha == hb
    for p, q in zip(parameters(a), parameters(b)):
        np.testing.assert_array_equal(p, q)


_CHILD = """
import json, sys
import numpy as np
from deltagrad import fast
from deltagrad.backprop import NeuralNetwork
from deltagrad.data import moons, train_test_split
data = train_test_split(*moons(n_samples=200, random_state=3))
seconds = fast.warm_up()
net = NeuralNetwork.build([2, 9, 6, 2], rng=0)
net.train(*data, 0.01, 3, engine="compiled")
print(json.dumps({"compile_seconds": seconds, "cache": fast.compile_info()["cache"],
                  "weights": [w.tolist() for w in net.weights + net.biases]}))
"""


def test_a_fresh_process_loads_the_cache_and_gets_the_same_bits(small_moons):
    fast.warm_up()  # this process has compiled or loaded the kernels: the cache exists
    child = json.loads(
        subprocess.run(
            [sys.executable, "-c", _CHILD], check=True, capture_output=True, text=True
        ).stdout
    )
    assert child["cache"] == "loaded" and child["compile_seconds"] == 0.0
    net = NeuralNetwork.build([2, 9, 6, 2], rng=0)
    net.train(*small_moons, 0.01, 3, engine="compiled")
    for p, q in zip(parameters(net), child["weights"]):
        np.testing.assert_array_equal(p, np.array(q))


def test_warm_up_reports_compile_time_once():
    fast.warm_up()
    info = fast.compile_info()
    assert info["cache"] in ("compiled", "loaded") and info["compile_seconds"] >= 0.0
    assert (info["compile_seconds"] > 0) == (info["cache"] == "compiled")
    assert fast.warm_up() == 0.0


def test_divergence_shows_as_nan_without_errors_or_warnings(small_moons):
    net = NeuralNetwork.build([2, 8, 2], None, rng=0)
    with np.errstate(all="ignore"):
        history = net.train(*small_moons, 1e6, 2, engine="compiled")
    assert not np.isfinite(history["mse"][-1])


# --- choosing the engine --------------------------------------------------------------------


def test_engines_resolve():
    assert ENGINES == ("auto", "numpy", "compiled")
    assert resolve_engine("auto") == "compiled" and resolve_engine("compiled") == "compiled"
    assert resolve_engine("numpy") == "numpy"
    with pytest.raises(ValueError, match="unknown engine 'gpu'.*'auto'.*'numpy'.*'compiled'"):
        resolve_engine("gpu")


def test_auto_picks_numpy_for_large_batches_on_wide_networks():
    chapter, wide = [2, 25, 50, 25, 2], [2, 256, 256, 2]
    assert multiply_adds(chapter) == 2 * 25 + 25 * 50 + 50 * 25 + 25 * 2 == 2600
    assert multiply_adds(wide) == 66560
    # batch · sqrt(multiply-adds) against the measured crossover (about 4,000)
    assert resolve_engine("auto", chapter, 1) == "compiled"  # the chapter's run
    assert resolve_engine("auto", chapter, 64) == "compiled"
    assert resolve_engine("auto", chapter, 128) == "numpy"
    assert resolve_engine("auto", wide, 1) == "compiled"
    assert resolve_engine("auto", wide, 8) == "compiled"
    assert resolve_engine("auto", wide, 32) == "numpy"
    assert resolve_engine("auto", wide, 128) == "numpy"
    assert 1 * math.sqrt(multiply_adds(chapter)) < AUTO_NUMPY_FROM
    # asking for an engine gets it, whatever the size
    assert resolve_engine("compiled", wide, 128) == "compiled"
    assert resolve_engine("numpy", chapter, 1) == "numpy"


def test_train_with_auto_uses_the_rule(monkeypatch, small_moons):
    used = []
    monkeypatch.setattr(
        NeuralNetwork,
        "_compiled_engine",
        lambda self, *a: used.append("compiled") or (lambda: None, lambda: (0.0, 0.0)),
    )
    NeuralNetwork.build([2, 256, 256, 2], rng=0).train(*small_moons, 0.1, 1, batch_size=64)
    assert used == []  # NumPy: 64 · sqrt(66,560) > 4,000
    NeuralNetwork.build([2, 4, 2], rng=0).train(*small_moons, 0.1, 1, batch_size=64)
    assert used == ["compiled"]


def test_without_numba_auto_falls_back_and_compiled_says_why(monkeypatch, small_moons):
    monkeypatch.setattr(fast, "_kernels", None)
    monkeypatch.setattr(fast, "_import_error", "ModuleNotFoundError: No module named 'numba'")
    assert not fast.available()
    assert resolve_engine("auto") == "numpy"
    with pytest.raises(RuntimeError, match="needs Numba.*No module named 'numba'"):
        resolve_engine("compiled")
    net = NeuralNetwork.build([2, 4, 2], rng=0)
    assert net.train(*small_moons, 0.1, 1, engine="auto")["epoch"] == [0]


def test_train_rejects_an_unknown_engine(small_moons):
    with pytest.raises(ValueError, match="unknown engine"):
        NeuralNetwork.build([2, 3, 2], rng=0).train(*small_moons, 0.1, 1, engine="jax")


def test_packed_round_trip():
    net = NeuralNetwork.build([3, 4, 2], "relu", "softmax_cross_entropy", rng=0)
    packed = fast.Packed(net.weights, net.biases, net.activations, net.loss)
    assert packed.params.size == 3 * 4 + 4 + 4 * 2 + 2 and packed.units == 3 + 4 + 2
    np.testing.assert_array_equal(packed.layout, [[3, 4, 0, 12, 2, 0], [4, 2, 16, 24, 0, 3]])
    other = NeuralNetwork.build([3, 4, 2], "relu", "softmax_cross_entropy", rng=1)
    packed.store_to(other.weights, other.biases)
    for p, q in zip(parameters(net), parameters(other)):
        np.testing.assert_array_equal(p, q)
    assert repr(packed) == "Packed(26 parameters, 2 layers)"


@pytest.mark.slow
def test_a_cold_cache_compiles_and_reports_it(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", _CHILD], check=True, env=env, capture_output=True, text=True
            ).stdout
        )
        for _ in range(2)
    ]
    assert runs[0]["cache"] == "compiled" and runs[0]["compile_seconds"] > 0
    assert runs[1]["cache"] == "loaded" and runs[1]["compile_seconds"] == 0.0
    assert runs[0]["weights"] == runs[1]["weights"]  # compiled or loaded: the same bits


def test_trainer_checks_shapes_the_kernels_would_not():
    net = NeuralNetwork.build([3, 4, 2], rng=0)
    arrays = net.weights, net.biases, net.activations
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\), got \(5, 2\)"):
        fast.Trainer(*arrays, "mse", np.zeros((5, 2)), np.zeros((5, 2)), 0.1)
    with pytest.raises(ValueError, match=r"Y must have shape \(5, 2\), got \(5, 3\)"):
        fast.Trainer(*arrays, "mse", np.zeros((5, 3)), np.zeros((5, 3)), 0.1)
    trainer = fast.Trainer(*arrays, "mse", np.zeros((5, 3)), np.zeros((5, 2)), 0.1)
    with pytest.raises(ValueError, match="X must have shape"):
        trainer.predict(np.zeros(3))


def test_the_compiled_engine_and_model_files_do_not_import_the_network():
    code = (
        "import sys, deltagrad.fast, deltagrad.model_files; "
        "print('deltagrad.backprop' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "False"
