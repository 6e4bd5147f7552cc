"""The two-moons experiment, its figures, and the ``deltagrad moons`` command (few epochs)."""

import json
import re

import numpy as np
import pytest

from deltagrad.backprop import NeuralNetwork
from deltagrad.experiments.moons import MoonsConfig, prepare_data, run
from deltagrad.figures import moons as figures

PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = [
    "fig7_13_network.png",
    "fig7_14_dataset.png",
    "fig7_15_train_mse.png",
    "fig7_16_test_accuracy.png",
    "decision_boundary.png",
]


@pytest.fixture(scope="module")
def three_class_data():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    y = np.repeat([0, 1, 2], 30)
    return centres[y] + rng.normal(scale=0.5, size=(90, 2)), y


def write_csv(path, X, y, header=True):
    rows = [f"{float(a)!r},{float(b)!r},{int(c)}" for (a, b), c in zip(X, y)]
    path.write_text(("x1,x2,label\n" if header else "") + "\n".join(rows) + "\n")
    return path


# --- the experiment -----------------------------------------------------------------------


def test_experiment_defaults_are_the_chapters():
    config = MoonsConfig()
    assert (
        config.epochs,
        config.learning_rate,
        config.hidden,
        config.activation,
        config.loss,
        config.batch_size,
        config.seed,
        config.log_every,
    ) == (1000, 0.01, (25, 50, 25), "sigmoid", "mse", 1, 0, 10)


def test_experiment_returns_plain_data_and_is_deterministic():
    seen = []
    a = run(MoonsConfig(epochs=3, log_every=2), callback=lambda e, r: seen.append((e, r)))
    b = run(MoonsConfig(epochs=3, log_every=2))
    assert a.network.sizes == [2, 25, 50, 25, 2]
    assert len(a.X_train) == 1400 and len(a.X_test) == 600
    assert a.history == b.history and a.history["epoch"] == [0, 2]
    assert [e for e, _ in seen] == [0, 1, 2] and seen[1][1] is None
    for key in ("test_accuracy", "train_accuracy", "final_train_mse"):
        assert a.metrics[key] == b.metrics[key]
    assert a.metrics["history"][-1] == {
        "epoch": 2,
        "mse": a.history["mse"][-1],
        "test_accuracy": a.history["test_accuracy"][-1],
        "loss": a.history["mse"][-1],
    }  # the MSE is the loss
    assert a.metrics["final_train_mse"] == a.history["mse"][-1]
    assert a.metrics["config"]["hidden"] == [25, 50, 25]
    json.dumps({k: v for k, v in a.metrics.items()})  # plain, JSON-able data


@pytest.mark.parametrize(
    "change,match",
    [
        ({"epochs": 0}, "epochs"),
        ({"learning_rate": -0.1}, "learning_rate"),
        ({"hidden": ()}, "hidden"),
        ({"hidden": (3, 0)}, "hidden layer size"),
        ({"activation": "swish"}, "unknown activation"),
        ({"loss": "l1"}, "unknown loss"),
        ({"batch_size": 0}, "batch_size"),
        ({"seed": -1}, "seed"),
        ({"log_every": 0}, "log_every"),
    ],
)
def test_experiment_checks_its_config(change, match):
    with pytest.raises(ValueError, match=match):
        run(MoonsConfig(**change))


def test_experiment_on_user_data(three_class_data):
    result = run(
        MoonsConfig(
            epochs=20,
            learning_rate=0.1,
            hidden=(8,),
            activation="tanh",
            loss="softmax_cross_entropy",
            batch_size=4,
        ),
        data=three_class_data,
    )
    assert result.network.sizes == [2, 8, 3]
    assert len(result.X_train) == 63 and len(result.X_test) == 27
    assert result.metrics["test_accuracy"] > 0.9


def test_prepare_data_rejects_bad_arrays():
    with pytest.raises(ValueError, match="NaN"):
        prepare_data((np.array([[0.0, np.nan]] * 4), np.array([0, 1, 0, 1])))
    with pytest.raises(ValueError, match="two classes"):
        prepare_data((np.zeros((4, 2)), np.zeros(4, dtype=int)))


# --- figures ------------------------------------------------------------------------------


def test_figures_are_written(tmp_path):
    result = run(MoonsConfig(epochs=2, hidden=(4,), log_every=1))
    paths = figures.write_all(result, lambda name: tmp_path / name)
    assert [p.name for p in paths] == FIGURES
    for p in paths:
        assert p.read_bytes()[:8] == PNG and p.stat().st_size > 5000


def test_decision_boundary_with_three_classes(tmp_path, three_class_data):
    X, y = three_class_data
    net = NeuralNetwork.build([2, 5, 3], "relu", "softmax_cross_entropy", rng=0)
    path = figures.decision_boundary_figure(net, X, y, tmp_path / "b.png")
    assert path.read_bytes()[:8] == PNG


def test_curves_span_every_epoch(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    history = {
        "epoch": [0, 10, 20, 999],
        "mse": [0.3, 0.2, 0.1, 0.05],
        "test_accuracy": [0.5, 0.7, 0.9, 0.97],
    }
    captured = {}
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        captured["xlim"] = self.axes[0].get_xlim()
        captured["x"] = self.axes[0].lines[0].get_xdata()
        captured["labels"] = (self.axes[0].get_xlabel(), self.axes[0].get_ylabel())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    figures.train_mse_figure(history, tmp_path / "mse.png")
    assert captured["xlim"] == (0, 999)
    np.testing.assert_array_equal(captured["x"], [0, 10, 20, 999])
    assert captured["labels"] == ("Epoch", "Training MSE")
    figures.test_accuracy_figure(history, tmp_path / "acc.png")
    np.testing.assert_array_equal(captured["x"], [0, 10, 20, 999])
    assert captured["labels"] == ("Epoch", "Test accuracy (%)")


# --- the command --------------------------------------------------------------------------


def test_moons_command_writes_everything(main, tmp_path, capsys):
    assert main(["moons", "--epochs", "3", "--log-every", "2", "--out", "run"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert re.fullmatch(r"Epoch: #0, MSE: \d+\.\d{6}", lines[0])
    assert re.fullmatch(r"Accuracy: \d+\.\d{2}%", lines[1])
    assert "Epoch: #2, MSE:" in out and "Test accuracy:" in out
    assert "\r" not in err  # stderr is not a terminal here: no redrawn progress bar
    run_dir = tmp_path / "run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(
        FIGURES + ["metrics.json", "model.npz"]
    )
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for key in (
        "test_accuracy",
        "train_accuracy",
        "final_train_mse",
        "epochs",
        "seconds",
        "seed",
        "config",
        "history",
    ):
        assert key in metrics
    assert metrics["epochs"] == 3 and metrics["seed"] == 0
    assert [h["epoch"] for h in metrics["history"]] == [0, 2]
    assert metrics["config"] == {
        "epochs": 3,
        "learning_rate": 0.01,
        "hidden": [25, 50, 25],
        "activation": "sigmoid",
        "loss": "mse",
        "batch_size": 1,
        "seed": 0,
        "log_every": 2,
        "init": "chapter",
        "data": "moons",
    }
    net = NeuralNetwork.load(run_dir / "model.npz")
    from deltagrad.data import chapter_data

    _, X_test, _, y_test = chapter_data()
    assert net.accuracy(net.predict(X_test), y_test) == metrics["test_accuracy"]


def test_moons_command_is_reproducible(main, tmp_path, capsys):
    args = ["moons", "--epochs", "2", "--hidden", "6", "--activation", "tanh", "--seed", "3"]
    assert main(args + ["--out", "a"]) == 0
    assert main(args + ["--out", "b"]) == 0
    a, b = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in "ab")
    for timing in ("seconds", "compile_seconds"):  # how long, not what
        a.pop(timing), b.pop(timing)
    assert a == b
    na = NeuralNetwork.load(tmp_path / "a/model.npz")
    nb = NeuralNetwork.load(tmp_path / "b/model.npz")
    for p, q in zip(na.weights + na.biases, nb.weights + nb.biases):
        np.testing.assert_array_equal(p, q)


def test_moons_command_on_a_csv(main, tmp_path, capsys, three_class_data):
    write_csv(tmp_path / "mine.csv", *three_class_data)
    code = main(
        [
            "moons",
            "--data",
            "mine.csv",
            "--epochs",
            "5",
            "--hidden",
            "8",
            "--loss",
            "softmax_cross_entropy",
            "--batch-size",
            "8",
            "--lr",
            "0.3",
            "--out",
            "mine",
        ]
    )
    assert code == 0
    metrics = json.loads((tmp_path / "mine/metrics.json").read_text())
    assert metrics["network"]["sizes"] == [2, 8, 3]
    assert metrics["config"]["data"] == "mine.csv"
    assert metrics["n_train"] == 63 and metrics["n_test"] == 27


def test_moons_help(main, capsys):
    with pytest.raises(SystemExit) as info:
        main(["moons", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "--epochs",
        "--lr",
        "--hidden",
        "--activation",
        "--loss",
        "--batch-size",
        "--seed",
        "--data",
        "--log-every",
        "--out",
    ):
        assert flag in out


def assert_usage_error(exit_code, main, tmp_path, capsys, argv, match, created=()):
    code = exit_code(main, argv)
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert re.search(match, last), last
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(created)


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--lr", "-0.1"], r"argument --lr: must be a finite number > 0"),
        (["--lr", "nan"], r"argument --lr"),
        (["--epochs", "0"], r"argument --epochs: must be >= 1"),
        (["--epochs", "ten"], r"argument --epochs: expected an integer"),
        (["--hidden", ""], r"argument --hidden: expected at least one layer size"),
        (["--hidden", "25,,25"], r"argument --hidden: '25,,25': expected an integer, got ''"),
        (["--hidden", "25,0"], r"argument --hidden: .*must be >= 1"),
        (["--activation", "swish"], r"argument --activation: invalid choice"),
        (["--loss", "hinge"], r"argument --loss: invalid choice"),
        (["--batch-size", "0"], r"argument --batch-size"),
        (["--log-every", "-5"], r"argument --log-every"),
        (["--seed", "-1"], r"deltagrad moons: error: --seed must be >= 0, got -1"),
        (["--data", "missing.csv"], r"error: --data missing.csv: no such file"),
    ],
)
def test_moons_rejects_bad_flags(exit_code, main, tmp_path, capsys, argv, match):
    assert_usage_error(exit_code, main, tmp_path, capsys, ["moons", *argv, "--out", "o"], match)


@pytest.mark.parametrize(
    "text,match",
    [
        ("x1,x2,label\n0,0,0\n1,nan,1\n2,2,1\n3,3,0\n", r"bad.csv: row 3: x2 is not finite: 'nan'"),
        (
            "x1,x2,label\n0,0,0\n1,1,1\n2,2,1\n3,3,5\n",
            r"bad.csv: row 5: label 5 but no row has label 2",
        ),
        ("x1,x2\n0,0\n1,1\n", r"bad.csv: row 2: expected 3 columns"),
        ("0,0,1\n1,1,1\n2,2,1\n3,3,1\n", r"bad.csv: need at least two classes"),
        ("x1,x2,label\n0,0,0\n1,inf,1\n", r"bad.csv: row 3: x2 is not finite"),
    ],
)
def test_moons_rejects_bad_csv(exit_code, main, tmp_path, capsys, text, match):
    (tmp_path / "bad.csv").write_text(text)
    assert_usage_error(
        exit_code,
        main,
        tmp_path,
        capsys,
        ["moons", "--data", "bad.csv", "--epochs", "1", "--out", "o"],
        r"deltagrad moons: error: --data " + match,
        created=["bad.csv"],
    )


def test_moons_rejects_an_out_that_is_a_file(exit_code, main, tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    assert_usage_error(
        exit_code,
        main,
        tmp_path,
        capsys,
        ["moons", "--epochs", "1", "--out", "taken"],
        r"--out 'taken' exists and is not a folder",
        created=["taken"],
    )


def test_moons_reports_divergence(exit_code, main, tmp_path, capsys):
    assert_usage_error(
        exit_code,
        main,
        tmp_path,
        capsys,
        [
            "moons",
            "--epochs",
            "2",
            "--hidden",
            "8",
            "--activation",
            "none",
            "--lr",
            "1e6",
            "--out",
            "o",
        ],
        r"training diverged .* try a smaller learning rate",
    )


# --- engines --------------------------------------------------------------------------------


def test_experiment_engines_agree_and_report_themselves():
    from deltagrad import fast

    if not fast.available():
        pytest.skip("Numba is not available")
    config = MoonsConfig(epochs=3, hidden=(7, 5), activation="tanh", log_every=1)
    ref, fast_run = run(config, engine="numpy"), run(config, engine="compiled")
    assert ref.metrics["engine"] == "numpy" and ref.metrics["compile_seconds"] == 0.0
    assert fast_run.metrics["engine"] == "compiled"
    assert run(config).metrics["engine"] == "compiled"  # auto
    assert fast_run.metrics["test_accuracy"] == ref.metrics["test_accuracy"]
    np.testing.assert_allclose(fast_run.history["mse"], ref.history["mse"], rtol=1e-9)
    for p, q in zip(fast_run.network.weights, ref.network.weights):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_moons_command_engine_flag(main, tmp_path, capsys, engine):
    assert main(["moons", "--epochs", "2", "--hidden", "4", "--engine", engine, "--out", "o"]) == 0
    metrics = json.loads((tmp_path / "o/metrics.json").read_text())
    assert metrics["engine"] == engine and "compile_seconds" in metrics
    assert f"{engine} engine" in capsys.readouterr().out


def test_moons_command_without_numba_says_so(exit_code, main, tmp_path, capsys, monkeypatch):
    from deltagrad import fast

    monkeypatch.setattr(fast, "_kernels", None)
    monkeypatch.setattr(fast, "_import_error", "ModuleNotFoundError: No module named 'numba'")
    assert_usage_error(
        exit_code,
        main,
        tmp_path,
        capsys,
        ["moons", "--epochs", "1", "--engine", "compiled", "--out", "o"],
        r"--engine compiled: engine='compiled' needs Numba.*No module named 'numba'",
    )
    assert main(["moons", "--epochs", "1", "--hidden", "3", "--out", "o"]) == 0  # auto: NumPy
    assert json.loads((tmp_path / "o/metrics.json").read_text())["engine"] == "numpy"


@pytest.mark.slow
def test_the_default_run_reaches_the_chapters_accuracy(main, tmp_path, capsys):
    """The whole default protocol: 1,000 epochs of per-sample SGD (seconds when compiled)."""
    assert main(["moons", "--out", "full"]) == 0
    metrics = json.loads((tmp_path / "full/metrics.json").read_text())
    assert metrics["epochs"] == 1000 and metrics["history"][-1]["epoch"] == 999
    assert metrics["test_accuracy"] >= 0.97


# --- seed sweeps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,seeds",
    [
        ("0-31", list(range(32))),
        ("0,3,7", [0, 3, 7]),
        ("0-3,10", [0, 1, 2, 3, 10]),
        ("5", [5]),
        (" 2 - 4 , 9", [2, 3, 4, 9]),
        ("7,1", [7, 1]),
    ],
)
def test_seed_specs(text, seeds):
    from deltagrad.commands.flags import seed_list

    assert seed_list(text) == seeds


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--seeds", "0-"], r"argument --seeds: '0-': expected seeds like 0-31, 0,3,7 or 0-3,10"),
        (["--seeds", "a"], r"argument --seeds: 'a': expected seeds like"),
        (["--seeds", ""], r"argument --seeds: '': expected seeds like"),
        (["--seeds", "0,,2"], r"argument --seeds: '0,,2': expected seeds like"),
        (["--seeds", "5-3"], r"argument --seeds: '5-3': '5-3' is not a range of seeds >= 0"),
        (["--seeds", "-1"], r"argument --seeds: '-1': expected seeds like"),
        (["--seeds", "0-3,2"], r"argument --seeds: '0-3,2': seed 2 is listed twice"),
        (["--seeds", "0-20000"], r"argument --seeds: '0-20000': more than 10000 seeds"),
        (["--seeds", "0-3", "--seed", "1"], r"error: --seeds and --seed cannot be combined"),
        (["--seeds", "0-3", "--engine", "jax"], r"argument --engine: invalid choice"),
    ],
)
def test_moons_rejects_bad_sweeps(exit_code, main, tmp_path, capsys, argv, match):
    assert_usage_error(exit_code, main, tmp_path, capsys, ["moons", *argv, "--out", "o"], match)


def test_sweep_equals_single_runs_in_any_number_of_processes():
    from deltagrad.experiments.moons import sweep

    config = MoonsConfig(epochs=3, hidden=(5,), log_every=1)
    one, two = sweep(config, [4, 0, 2], processes=1), sweep(config, [4, 0, 2], processes=2)
    assert one.seeds == [4, 0, 2] and [r["seed"] for r in one.runs] == [0, 2, 4]
    assert one.runs == [{**r, "seconds": q["seconds"]} for r, q in zip(two.runs, one.runs)]
    single = run(MoonsConfig(epochs=3, hidden=(5,), log_every=1, seed=2))
    assert one.runs[1]["test_accuracy"] == single.metrics["test_accuracy"]
    assert one.runs[1]["final_train_mse"] == single.metrics["final_train_mse"]
    assert one.runs[1]["history"] == single.history
    accs = [r["test_accuracy"] for r in one.runs]
    assert one.summary["mean"] == pytest.approx(np.mean(accs))
    assert one.summary["std"] == pytest.approx(np.std(accs, ddof=1))
    assert (one.summary["min"], one.summary["max"]) == (min(accs), max(accs))
    assert one.metrics["processes"] == 1 and two.metrics["processes"] == 2
    json.dumps(one.metrics)


@pytest.mark.parametrize(
    "seeds,processes,match",
    [
        ([], None, "at least one seed"),
        ([1, 1], None, "must not repeat"),
        ([-1], None, "integer >= 0"),
        ([1.5], None, "integer >= 0"),
        ([1], 0, "processes"),
    ],
)
def test_sweep_checks_its_arguments(seeds, processes, match):
    from deltagrad.experiments.moons import sweep

    with pytest.raises(ValueError, match=match):
        sweep(MoonsConfig(epochs=1), seeds, processes=processes)


def test_moons_command_sweeps_seeds(main, tmp_path, capsys):
    assert (
        main(
            [
                "moons",
                "--seeds",
                "0-1,5",
                "--epochs",
                "3",
                "--hidden",
                "6",
                "--log-every",
                "1",
                "--out",
                "sweep",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert re.search(
        r"3 seeds, 3 epochs each: test accuracy mean \d+\.\d\d%, std \d+\.\d\d%, "
        r"min .*\(seed \d\), max .*\(seed \d\)",
        out,
    )
    assert "\r" not in err  # no redrawn progress bar over seeds when stderr is no terminal
    files = sorted(p.name for p in (tmp_path / "sweep").iterdir())
    assert files == ["metrics.json", "seed_sweep.png"]
    assert (tmp_path / "sweep/seed_sweep.png").read_bytes()[:8] == PNG
    metrics = json.loads((tmp_path / "sweep/metrics.json").read_text())
    assert metrics["seeds"] == [0, 1, 5] and list(metrics["test_accuracies"]) == ["0", "1", "5"]
    assert set(metrics["summary"]) >= {"mean", "std", "min", "max"}
    assert metrics["config"]["seed"] is None and metrics["config"]["hidden"] == [6]
    assert (
        main(
            [
                "moons",
                "--seed",
                "5",
                "--epochs",
                "3",
                "--hidden",
                "6",
                "--log-every",
                "1",
                "--out",
                "five",
            ]
        )
        == 0
    )
    five = json.loads((tmp_path / "five/metrics.json").read_text())
    assert metrics["test_accuracies"]["5"] == five["test_accuracy"]
    assert metrics["runs"][2]["final_train_mse"] == five["final_train_mse"]


def test_seed_sweep_figure(tmp_path):
    runs = [
        {
            "seed": s,
            "test_accuracy": a,
            "history": {"epoch": [0, 10, 19], "test_accuracy": [0.5, 0.8, a]},
        }
        for s, a in [(0, 0.97), (1, 0.975), (2, 0.97), (3, 0.9)]
    ]
    path = figures.seed_sweep_figure(runs, tmp_path / "s.png")
    assert path.read_bytes()[:8] == PNG and path.stat().st_size > 5000
    one = figures.seed_sweep_figure(runs[:1], tmp_path / "one.png")  # a single seed: no spread
    assert one.read_bytes()[:8] == PNG
