"""``deltagrad explain``: the delta rule of one sample on the terminal, in explain.html and in
results.json; bad input exits with 2 and writes nothing."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from deltagrad import cli
from deltagrad.backprop import NeuralNetwork
from deltagrad.data import chapter_data


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def chapter_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "out"
    return out, cli.main(["explain", "--sample", "5", "--out", str(out)])


def test_the_chapters_network_runs_and_writes_both_files(chapter_run):
    out, code = chapter_run
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["explain.html", "results.json"]


def test_results_hold_the_samples_numbers(chapter_run):
    out, _ = chapter_run
    r = json.loads((out / "results.json").read_text())
    X_train, _, y_train, _ = chapter_data()
    assert r["x"] == X_train[5].tolist() and r["label"] == int(y_train[5])
    assert r["sizes"] == [2, 25, 50, 25, 2] and r["loss_name"] == "mse"
    # the forward pass recomputed here from the stored weights, the loss and δ by 7.7
    net = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
    o = np.array(r["x"])
    for layer, W, b in zip(r["layers"], net.weights, net.biases):
        np.testing.assert_array_equal(layer["weights"], W)
        z = o @ W + b
        np.testing.assert_allclose(layer["z"], z, rtol=1e-12, atol=1e-15)
        o = sigmoid(z)
        np.testing.assert_allclose(layer["o"], o, rtol=1e-12)
    t = np.eye(2)[r["label"]]
    assert r["loss"] == pytest.approx(0.5 * np.sum((o - t) ** 2), rel=1e-12)
    out_layer = r["layers"][-1]
    np.testing.assert_allclose(out_layer["delta"], (o - t) * o * (1 - o), rtol=1e-12)
    for layer in r["layers"]:
        np.testing.assert_allclose(
            layer["dW"], np.outer(layer["o_prev"], layer["delta"]), rtol=1e-12, atol=1e-18
        )
        np.testing.assert_allclose(layer["tape"]["dW"], layer["dW"], rtol=1e-10, atol=1e-15)
        scale = np.max(np.abs(layer["dW"]))
        np.testing.assert_allclose(layer["numeric"]["dW"], layer["dW"], atol=1e-6 * scale)
    assert 0 < r["max_rel_error"] < 1e-6 and r["passed"] is True


def test_the_terminal_states_formulas_and_the_largest_disagreement(tmp_path, capsys):
    assert cli.main(["explain", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "output layer 4 (25 -> 2, sigmoid): δk = (ok − tk)·ok(1 − ok)" in text
    assert "layer 1 (2 -> 25, sigmoid): δj = oj(1 − oj)·Σk δk·wjk" in text
    assert "L = ½ Σk (ok − tk)²" in text
    assert "the 3 neurons with the largest |δ| of 50" in text  # a big layer: the top few
    # one hidden neuron's sum written out, and the update with the loss before and after
    assert re.search(r"where Σk δk·w\d+,k = δ0·w\d+,0 \+ δ1·w\d+,1 = ", text)
    assert "the update, gradient descent with η = 0.01: θ ← θ − η·∂L/∂θ" in text
    loss = re.search(r"loss on this sample: (\S+) before, (\S+) after", text)
    m = re.search(r"largest relative disagreement: (\S+) ", text)
    r = json.loads((tmp_path / "o" / "results.json").read_text())
    assert m and float(m.group(1)) == pytest.approx(r["max_rel_error"], rel=0.01)
    assert loss and float(loss.group(1)) == pytest.approx(r["update"]["loss_before"], rel=1e-5)
    assert float(loss.group(2)) == pytest.approx(r["update"]["loss_after"], rel=1e-5)
    assert r["update"]["learning_rate"] == 0.01 == r["config"]["learning_rate"]
    page = (tmp_path / "o" / "explain.html").read_text(encoding="utf-8")
    assert f"{r['max_rel_error']:.2e}" in page
    # the page shows a hidden neuron's sum term by term and the update with the loss
    assert re.search(r"where Σk δk·w\d+,k = δ0·w\d+,0 \+ δ1·w\d+,1 = ", page)
    assert "The update that follows" in page
    assert f"goes from {r['update']['loss_before']:.6g} to {r['update']['loss_after']:.6g}" in page
    assert "http://www.w3.org/2000/svg" in page  # the SVG namespace, nothing fetched
    assert not re.search(r"(src|href)=\"https?:", page)


def test_a_small_network_is_printed_in_full_with_cross_entropy(tmp_path, capsys):
    argv = ["explain", "--point", "-0.5,0.25", "--label", "1", "--hidden", "3"]
    argv += ["--loss", "softmax_cross_entropy", "--activation", "tanh", "--seed", "4"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "δk = pk − tk" in text and "δj = (1 − oj²)·Σk δk·wjk" in text
    r = json.loads((tmp_path / "results.json").read_text())
    assert r["x"] == [-0.5, 0.25] and r["target"] == [0.0, 1.0]
    assert r["config"]["seed"] == 4
    hidden = r["layers"][0]
    for j in range(3):  # every neuron of the 3-neuron layer is a row
        assert re.search(rf"^\s+{j}\s+{hidden['z'][j]:.6g}\s", text, flags=re.M)
    p = np.array(r["output"])
    np.testing.assert_allclose(r["layers"][-1]["delta"], p - np.array([0, 1]), rtol=1e-12)


def test_a_trained_model_is_explained(tmp_path, capsys):
    net = NeuralNetwork.build((2, 4, 3, 2), "relu", "mse", rng=9)
    net.save(tmp_path / "model.npz")
    argv = ["explain", "--model", str(tmp_path / "model.npz"), "--hidden", "4,3"]
    assert cli.main([*argv, "--sample", "7", "--out", str(tmp_path / "o")]) == 0
    r = json.loads((tmp_path / "o" / "results.json").read_text())
    assert r["activations"] == ["relu"] * 3 and r["config"]["model"].endswith("model.npz")
    for layer, W in zip(r["layers"], net.weights):
        np.testing.assert_array_equal(layer["weights"], W)


def _model(path, sizes):
    NeuralNetwork.build(sizes, rng=0).save(path)
    return str(path)


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--sample", "1400"], "0..1399"),
        (["--sample", "-1"], "--sample"),
        (["--point", "0.1,0.2"], "--point needs --label"),
        (["--label", "1"], "--label needs --point"),
        (["--sample", "2", "--label", "1"], "--label needs --point"),
        (["--point", "0.1,0.2", "--label", "2"], "0..1, got 2"),
        (["--point", "0.1,0.2", "--sample", "3"], "not allowed"),
        (["--point", "nan,1", "--label", "0"], "finite"),
        (["--seed", "-1"], "--seed"),
        (["--model", "{tmp}/missing.npz"], "missing.npz"),
        (["--model", "{m3}"], "3 inputs"),
        (["--model", "{m}", "--hidden", "5"], "hidden layers are 4 (2-4-2), not --hidden 5"),
        (["--model", "{m}", "--loss", "softmax_cross_entropy"], "loss mse"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(exit_code, tmp_path, capsys, argv, message):
    names = {
        "tmp": str(tmp_path),
        "m": _model(tmp_path / "m.npz", (2, 4, 2)),
        "m3": _model(tmp_path / "m3.npz", (3, 4, 2)),
    }
    out = tmp_path / "never"
    argv = [a.format(**names) for a in argv]
    assert exit_code(cli.main, ["explain", *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_help_cites_the_chapter(capsys):
    with pytest.raises(SystemExit):
        cli.main(["explain", "--help"])
    text = capsys.readouterr().out
    assert "7.7" in text and "--sample" in text and "--model" in text
