"""deltagrad.experiments.gradcheck and ``deltagrad gradcheck``: the moons network's gradients,
delta rule = tape = finite differences, as a table, a CSV file and an exit code."""

import argparse
import csv
import json

import numpy as np
import pytest

from deltagrad import cli
from deltagrad.backprop import Layer, NeuralNetwork
from deltagrad.commands import common
from deltagrad.commands import gradcheck as command
from deltagrad.data import one_hot
from deltagrad.experiments import gradcheck as G


def chapter_parameter_count() -> int:
    net = NeuralNetwork.build(G.CHAPTER_SIZES, rng=0)
    return sum(W.size + b.size for W, b in zip(net.weights, net.biases))


@pytest.fixture(scope="module")
def table():
    return G.moons_gradient_table()


def main(argv) -> int:
    """``deltagrad gradcheck ARGS`` through this module's parser, as cli.main runs it."""
    parser = argparse.ArgumentParser(prog="deltagrad gradcheck")
    command.add_arguments(parser)
    try:
        return command.run(parser.parse_args(argv))
    except common.UsageError:
        return 2
    finally:
        common.release_locks()


# --- the experiment -----------------------------------------------------------------------


def test_one_row_per_parameter_of_the_chapters_network(table):
    assert len(table) == chapter_parameter_count()  # 2,702
    net = NeuralNetwork.build(G.CHAPTER_SIZES, rng=0)
    shapes = [a.shape for pair in zip(net.weights, net.biases) for a in pair]
    for name, shape in zip(G.parameter_names(net), shapes):
        indices = [r["index"] for r in table if r["parameter"] == name]
        assert indices == list(np.ndindex(shape)), name


def test_delta_rule_tape_and_finite_differences_agree(table):
    assert max(r["rel_error"] for r in table) < 1e-6
    assert max(r["rel_error_tape"] for r in table) < 1e-12
    assert not any(r["kink"] for r in table)
    summary = G.summarize(table)
    assert summary["passed"] and summary["parameters"] == len(table)


def test_parameter_names_follow_figure_7_13():
    net = NeuralNetwork.build(G.CHAPTER_SIZES, rng=0)
    assert G.parameter_names(net) == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]


@pytest.mark.parametrize(
    "activation,loss", [("tanh", "softmax_cross_entropy"), ("leaky_relu", "mse"), (None, "mse")]
)
def test_other_settings_pass_too(activation, loss):
    rows = G.moons_gradient_table(
        seed=1, n_samples=3, sizes=(2, 6, 5, 2), activation=activation, loss=loss
    )
    assert len(rows) == 2 * 6 + 6 + 6 * 5 + 5 + 5 * 2 + 2
    assert G.summarize(rows)["passed"]


def test_a_wrong_delta_rule_is_caught(monkeypatch):
    right = NeuralNetwork.gradients

    def wrong(self, X, Y):
        grads = right(self, X, Y)
        grads[1][0][3, 4] *= 1.001  # one weight of W2, off by 0.1%
        return grads

    monkeypatch.setattr(NeuralNetwork, "gradients", wrong)
    summary = G.summarize(G.moons_gradient_table(n_samples=2))
    assert not summary["passed"] and summary["failures"] == 1
    assert summary["worst"] == {"parameter": "W2", "index": [3, 4]}


def test_tape_gradients_are_the_delta_rule_for_one_sample_and_a_batch():
    net = NeuralNetwork.build((3, 4, 2), "tanh", "softmax_cross_entropy", rng=5)
    X = np.random.default_rng(0).normal(size=(4, 3))
    Y = one_hot([0, 1, 1, 0], 2)
    for x, y in ((X, Y), (X[0], Y[0])):
        tape, loss = G.tape_network_gradients(net, x, y)
        delta = [g for pair in net.gradients(x, y) for g in pair]
        for t, d in zip(tape, delta):
            np.testing.assert_allclose(t, d, rtol=1e-12, atol=1e-15)
        assert loss == pytest.approx(net.loss_value(x, y), rel=1e-12)


def test_numeric_gradients_leave_the_network_untouched():
    net = NeuralNetwork.build((2, 3, 2), rng=0)
    before = [a.copy() for a in net.weights + net.biases]
    grads, kinks = G.numeric_network_gradients(net, np.ones((2, 2)), one_hot([0, 1], 2))
    assert [g.shape for g in grads] == [(2, 3), (3,), (3, 2), (2,)]
    assert not any(k.any() for k in kinks)
    for a, b in zip(before, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)


def test_a_difference_across_a_relu_kink_is_not_trusted():
    # One ReLU unit sits 1e-9 from its kink: every step (1e-5, 1e-6, 1e-7) crosses it.
    net = NeuralNetwork(loss="mse")
    net.add_layer(Layer(1, 1, "relu", weights=[[1.0]], bias=[1e-9 - 0.5]))
    net.add_layer(Layer(1, 1, None, weights=[[2.0]], bias=[0.0]))
    grads, kinks = G.numeric_network_gradients(net, np.array([[0.5]]), np.array([[1.0]]))
    assert kinks[1][0] and np.isnan(grads[1][0])  # the first layer's bias
    assert not kinks[3][0] and grads[3][0] == pytest.approx(2e-9 - 1, rel=1e-6)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 10_000}, "1..1400"),
        ({"activation": "softplus"}, "activation"),
        ({"loss": "hinge"}, "loss"),
        ({"sizes": (3, 4, 2)}, "2 inputs"),
        ({"sizes": (2, 4, 1)}, ">= 2 outputs"),
    ],
)
def test_bad_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        G.moons_gradient_table(**kwargs)


# --- the command --------------------------------------------------------------------------


def test_command_writes_the_csv_table_and_results(tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "parameters checked: 2702" in printed and "PASS" in printed
    with open(tmp_path / "gradient_table.csv", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["parameter", "index", "delta_rule", "tape", "numeric", "rel_error"]
        rows = list(reader)
    assert len(rows) == chapter_parameter_count()
    assert rows[0][:2] == ["W1", "0,0"] and rows[-1][:2] == ["b4", "1"]
    assert max(float(r[5]) for r in rows) < 1e-6
    for r in rows:
        assert float(r[2]) == pytest.approx(float(r[4]), rel=1e-5, abs=1e-9)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["passed"] is True and results["parameters"] == len(rows)
    assert results["config"]["samples"] == 8 and results["config"]["activation"] == "sigmoid"


def test_command_exits_1_when_a_gradient_disagrees(tmp_path, monkeypatch, capsys):
    rows = G.moons_gradient_table(n_samples=1, sizes=(2, 3, 2))
    rows[0] = {**rows[0], "rel_error_numeric": 1e-3, "rel_error": 1e-3}
    monkeypatch.setattr(G, "moons_gradient_table", lambda **kwargs: rows)
    assert main(["--out", str(tmp_path)]) == 1
    assert "FAIL: 1 rows" in capsys.readouterr().out
    assert json.loads((tmp_path / "results.json").read_text())["passed"] is False


@pytest.mark.parametrize(
    "argv",
    [
        ["--samples", "0"],
        ["--samples", "x"],
        ["--activation", "softplus"],
        ["--loss", "hinge"],
        ["--seed", "1.5"],
    ],
)
def test_bad_flags_exit_2_before_creating_out(tmp_path, argv):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as err:
        main([*argv, "--out", str(out)])
    assert err.value.code == 2 and not out.exists()


@pytest.mark.parametrize("argv", [["--samples", "5000"], ["--seed", "-1"]])
def test_values_out_of_range_exit_2_before_creating_out(tmp_path, argv, capsys):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    assert not out.exists()


def test_an_out_that_is_a_file_exits_2(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["--out", str(target)]) == 2


def test_the_command_is_registered_in_the_cli(tmp_path):
    assert "gradcheck" in cli.COMMAND_MODULES
    assert cli.main(["gradcheck", "--samples", "2", "--out", str(tmp_path)]) == 0
    assert cli.main(["gradcheck", "--samples", "99999", "--out", str(tmp_path / "x")]) == 2
    assert (tmp_path / "gradient_table.csv").is_file()
