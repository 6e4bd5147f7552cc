"""`deltagrad init-compare`, `deltagrad landscape` and `deltagrad moons --init` (issue 17)."""

import json

import numpy as np
import pytest

from deltagrad import cli
from deltagrad.backprop import NeuralNetwork

PNG = b"\x89PNG\r\n\x1a\n"


def test_init_compare_writes_its_figures_and_the_spread(main, tmp_path, capsys):
    argv = [
        "init-compare",
        "--inits",
        "chapter",
        "zeros",
        "--seeds",
        "0-1",
        "--epochs",
        "6",
        "--log-every",
        "2",
        "--signal-epochs",
        "3",
        "--out",
        "ic",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "hidden neurons identical" in out
    assert "zeros: after 6 epochs every neuron of each hidden layer is still identical" in out
    assert "mean |δ| per layer before training" in out
    folder = tmp_path / "ic"
    for name in ["init_curves.png", "init_accuracy.png", "init_signal.png", "init_symmetry.png"]:
        assert (folder / name).read_bytes().startswith(PNG), name
    m = json.loads((folder / "metrics.json").read_text())
    assert m["config"]["inits"] == ["chapter", "zeros"] and m["config"]["seeds"] == [0, 1]
    assert m["config"]["epochs"] == 6
    assert set(m["summary"]) == {"chapter", "zeros"}
    assert {"mean", "std", "min", "max"} <= set(m["summary"]["chapter"])
    assert m["summary"]["zeros"]["symmetric"] is True
    assert m["summary"]["chapter"]["symmetric"] is False
    assert len(m["runs"]) == 4 and "hidden_weights" not in m["runs"][0]
    assert "mean |delta|" in m["signal_measure"]


def test_moons_records_its_init(main, tmp_path, capsys):
    argv = ["moons", "--init", "he", "--epochs", "2", "--hidden", "4", "--out", "m"]
    assert main(argv) == 0
    m = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert m["config"]["init"] == "he"


def test_landscape_writes_every_figure_and_records_its_settings(main, tmp_path, capsys):
    argv = [
        "landscape",
        "--epochs",
        "8",
        "--steps",
        "7",
        "--snapshot-every",
        "2",
        "--directions-seed",
        "5",
        "--seed",
        "3",
        "--out",
        "land",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "7 × 7 = 49 networks × 1,400 training points in" in out
    assert "(the trained loss)" in out
    folder = tmp_path / "land"
    for name in [
        "landscape_contour.png",
        "landscape_surface.png",
        "landscape_pca.png",
        "landscape_interpolation.png",
    ]:
        assert (folder / name).read_bytes().startswith(PNG), name
    m = json.loads((folder / "metrics.json").read_text())
    assert (m["seed"], m["directions_seed"]) == (3, 5)
    assert m["config"] == {**m["config"], "epochs": 8, "steps": 7, "snapshot_every": 2, "span": 1.0}
    assert m["random_plane"]["centre_loss"] == pytest.approx(m["training"]["final_train_mse"])
    grids = np.load(folder / "landscape.npz")
    assert grids["random_Z"].shape == (7, 7) and grids["pca_trajectory"].shape == (5, 2)
    assert grids["random_Z"][3, 3] == pytest.approx(m["random_plane"]["centre_loss"])


def test_landscape_of_a_saved_model(main, tmp_path, capsys):
    NeuralNetwork.build([2, 6, 2], rng=0).save(tmp_path / "small.npz")
    assert main(["landscape", "--model", "small.npz", "--steps", "5", "--out", "land"]) == 0
    out = capsys.readouterr().out
    assert "Slicing the trained network of small.npz" in out
    m = json.loads((tmp_path / "land" / "metrics.json").read_text())
    assert m["model"] == "small.npz" and m["seed"] is None and "pca_plane" not in m
    assert not (tmp_path / "land" / "landscape_pca.png").exists()


@pytest.mark.parametrize(
    "argv,needles",
    [
        (["landscape", "--steps", "301"], ["--steps 301", "1e+11", "use --steps 165 or fewer"]),
        (["landscape", "--steps", "1000"], ["--steps must be between 3 and 401"]),
        (["landscape", "--span", "50"], ["--span must be a number in (0, 10]"]),
        (["landscape", "--seed", "-1"], ["--seed must be an integer >= 0"]),
        (["landscape", "--directions-seed", "-2"], ["--directions-seed", "must be >= 0"]),
        (
            ["landscape", "--epochs", "100000", "--snapshot-every", "1"],
            ["--snapshot-every 1", "more than 2000"],
        ),
        (["landscape", "--model", "missing.npz"], ["--model missing.npz"]),
        (
            ["init-compare", "--inits", "chapter", "lecun"],
            ["invalid choice: 'lecun'", "'chapter', 'xavier', 'he', 'zeros', 'normal'"],
        ),
        (
            ["init-compare", "--epochs", "5", "--signal-epochs", "9"],
            ["--signal-epochs must be between 1 and epochs (5)"],
        ),
        (["moons", "--init", "glorot"], ["invalid choice: 'glorot'", "'xavier'"]),
    ],
)
def test_bad_input_exits_2_names_the_problem_and_writes_nothing(
    exit_code, main, tmp_path, capsys, argv, needles
):
    assert exit_code(main, [*argv, "--out", "never"]) == 2
    err = capsys.readouterr().err
    for needle in needles:
        assert needle in err, err
    assert not (tmp_path / "never").exists()


def test_a_model_of_other_dimensions_is_named(main, tmp_path, capsys):
    NeuralNetwork.build([3, 4, 2], rng=0).save(tmp_path / "three.npz")
    assert main(["landscape", "--model", "three.npz", "--out", "never"]) == 2
    err = capsys.readouterr().err
    assert "--model three.npz: the network takes 3 inputs and gives 2 outputs" in err
    assert "the moons data has 2 features and 2 classes" in err
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("command", ["init-compare", "landscape"])
def test_help_cites_the_chapter(command, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([command, "--help"])
    assert stop.value.code == 0
    assert "chapter 7." in capsys.readouterr().out
