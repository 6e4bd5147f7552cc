"""Every command survives real use: large but valid numbers are refused up front with the
limit and the reason (not a MemoryError or a hang), finite data never crashes training or a
figure, logs written to a file hold no redrawn progress bars, --seed exists only where it means
something, the loss being minimised is the one reported, negative start points parse, and no
help text cites anything but the chapter.

Where the behaviour is the installed command's, the command runs in a subprocess
(``python -m deltagrad``), exactly as a user runs it.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deltagrad import functional as F
from deltagrad.backprop import NeuralNetwork
from deltagrad.data import MAX_ABS_INPUT, load_csv, one_hot

README = Path(__file__).resolve().parents[2] / "README.md"


def deltagrad(*argv, cwd, timeout=120):
    """Run the installed command; stdout and stderr separately, decoded as written (no
    newline translation, so a carriage return stays visible)."""
    proc = subprocess.run(
        [sys.executable, "-m", "deltagrad", *argv], cwd=cwd, timeout=timeout, capture_output=True
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def one_error_line(proc, command):
    """Exit 2 with a single ``deltagrad COMMAND: error: ...`` line and no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"deltagrad {command}: error: "), lines
    return lines[0]


# --- 5: large but valid numbers ------------------------------------------------------------


@pytest.mark.parametrize(
    "argv,needles",
    [
        # 10 billion parameters: was a MemoryError "internal error ... please report it"
        (
            ["--hidden", "100000,100000"],
            ["10,000,600,002 parameters", "available", "use smaller --hidden sizes"],
        ),
        # a layer of a billion units: was a hang with no progress
        (["--hidden", "1000000000"], ["5,000,000,002 parameters", "available", "--hidden"]),
        # a billion epochs, logged every 10: was a hang, then out of memory for the history
        (["--epochs", "1000000000"], ["logged epochs", "--log-every"]),
    ],
)
def test_moons_refuses_what_will_not_fit_in_memory(tmp_path, argv, needles):
    proc = deltagrad("moons", *argv, "--out", "o", cwd=tmp_path, timeout=60)
    line = one_error_line(proc, "moons")
    assert re.search(r"needs about [\d.]+ [KMGTP]iB of memory", line), line
    for needle in needles:
        assert needle in line, line
    assert not (tmp_path / "o").exists()  # refused before anything was written


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["--basin-grid", "100000"], "--basin-grid 100,000: at most 2,000"),  # was a MemoryError
        (["--steps", "1000000000"], "--steps 1,000,000,000: at most 100,000"),  # was a hang
        (["--basin-grid", "2000", "--steps", "10000"], "descent steps per basin map"),
        (["--steps", "100000", *[f"--start={i},1" for i in range(11)]], "at most 1,000,000"),
        ([f"--start={i % 7},{i // 7}" for i in range(101)], "at most 100"),
    ],
)
def test_himmelblau_refuses_work_beyond_its_documented_limits(tmp_path, argv, needle):
    proc = deltagrad("himmelblau", *argv, "--out", "o", cwd=tmp_path, timeout=60)
    assert needle in one_error_line(proc, "himmelblau")
    assert not (tmp_path / "o").exists()


def write_rows(path, rows):
    path.write_text("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    return path


HUGE_ROWS = [
    ("1e308", "-1e308", 0),
    ("-1e308", "1e308", 1),
    ("1e307", "1e308", 0),
    ("-1e308", "-1e307", 1),
    ("5e307", "5e307", 0),
    ("-5e307", "-5e307", 1),
]


def test_moons_refuses_data_near_the_float_limit_naming_column_and_value(tmp_path):
    # was: overflow warnings, fig7_13 and model.npz written, then "internal error: ValueError:
    # arange: cannot compute length"
    write_rows(tmp_path / "huge.csv", HUGE_ROWS)
    proc = deltagrad("moons", "--data", "huge.csv", "--epochs", "2", "--out", "o", cwd=tmp_path)
    line = one_error_line(proc, "moons")
    assert "--data huge.csv: row 2: x1 = 1e308 is beyond ±1,000,000" in line
    assert "rescale" in line and "divide x1 by 1e308" in line
    assert not (tmp_path / "o").exists()


def test_load_csv_bounds_coordinates_unless_asked_not_to(tmp_path):
    path = write_rows(tmp_path / "d.csv", [(0, 0, 0), (1, 1, 1), (2, -2e6, 0), (3, 3, 1)])
    with pytest.raises(
        ValueError, match=r"row 4: x2 = -2000000.0 is beyond ±1,000,000.*divide x2 by 1e7"
    ):
        load_csv(path)
    X, _ = load_csv(path, max_abs=None)
    assert X[2, 1] == -2e6
    ok = write_rows(tmp_path / "ok.csv", [(0, 0, 0), (1, MAX_ABS_INPUT, 1), (2, 2, 0), (3, 3, 1)])
    assert load_csv(ok)[0][1, 1] == MAX_ABS_INPUT  # the bound itself is accepted


def test_experiment_refuses_huge_arrays_naming_the_column():
    from deltagrad.experiments.moons import prepare_data

    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1e300], [3.0, 0.0]])
    with pytest.raises(ValueError, match=r"x2 = 1e\+300 \(row 3 of X\) is beyond"):
        prepare_data((X, np.array([0, 1, 0, 1])))


def test_data_at_the_bound_trains_or_reports_divergence_never_crashes(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-MAX_ABS_INPUT, MAX_ABS_INPUT, (60, 2))
    write_rows(tmp_path / "big.csv", [(a, b, int(a > 0)) for a, b in X])
    for activation in ("sigmoid", "none"):
        proc = deltagrad(
            "moons",
            "--data",
            "big.csv",
            "--epochs",
            "5",
            "--activation",
            activation,
            "--out",
            activation,
            cwd=tmp_path,
        )
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
        if proc.returncode == 0:
            assert (tmp_path / activation / "decision_boundary.png").exists()
        else:  # a linear network on unscaled data diverges: said so, with the data's scale
            line = one_error_line(proc, "moons")
            assert "training diverged" in line and "rescale --data" in line


def test_memory_estimate_refuses_in_process(monkeypatch, tmp_path, capsys):
    from deltagrad import cli
    from deltagrad.commands import moons as cmd

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cmd, "available_memory", lambda: 2 * 1024**3)  # 2 GiB
    assert cli.main(["moons", "--hidden", "20000,20000", "--out", "o"]) == 2
    err = capsys.readouterr().err
    assert "400,120,002 parameters" in err and "more than the 2.0 GiB available" in err
    assert not (tmp_path / "o").exists()


def test_memory_estimate_counts_parameters_activations_and_history():
    from deltagrad.experiments.moons import MoonsConfig, memory_estimate, parameter_count

    assert parameter_count([2, 25, 50, 25, 2]) == 2702  # Figure 7-13's network
    small = memory_estimate(MoonsConfig(), 1400, 600)
    wide = memory_estimate(MoonsConfig(hidden=(3000, 3000)), 1400, 600)
    long = memory_estimate(MoonsConfig(epochs=10**7, log_every=1), 1400, 600)
    assert small["parameters"] == 2702 and small["bytes"] < 100 * 1024**2
    assert wide["parameter_bytes"] >= 3 * 8 * wide["parameters"]
    assert long["history_bytes"] > 10**9 > small["history_bytes"]
    sweep = memory_estimate(MoonsConfig(), 1400, 600, seeds=8, processes=4)
    assert sweep["bytes"] == 4 * small["per_run_bytes"] + 8 * small["history_bytes"]


def test_a_sweep_trains_fewer_networks_at_once_when_memory_is_short(monkeypatch, tmp_path, capsys):
    from deltagrad import cli
    from deltagrad.commands import moons as cmd
    from deltagrad.experiments import moons as experiment

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(experiment, "default_processes", lambda: 4)
    monkeypatch.setattr(cmd, "available_memory", lambda: 700 * 1024**2)
    assert (
        cli.main(
            [
                "moons",
                "--seeds",
                "0-2",
                "--epochs",
                "2",
                "--hidden",
                "4",
                "--log-every",
                "1",
                "--out",
                "s",
            ]
        )
        == 0
    )
    assert "training 1 at a time" in capsys.readouterr().err
    assert json.loads((tmp_path / "s/metrics.json").read_text())["processes"] == 1


def test_basins_in_chunks_equal_one_pass():
    from deltagrad.experiments import himmelblau as hb

    mins = hb.minima()
    one = hb.basins(0.02, 30, n=25, minima_points=mins)
    calls = []
    chunked = hb.basins(0.02, 30, n=25, minima_points=mins, chunk=100, progress=calls.append)
    np.testing.assert_array_equal(one["labels"], chunked["labels"])
    np.testing.assert_array_equal(one["mark_labels"], chunked["mark_labels"])
    assert one["counts"] == chunked["counts"]
    assert len(calls) == 30 * hb.basin_chunks(25, 4, 100) == 30 * 7


def test_descents_and_the_gradient_check_report_progress():
    from deltagrad.experiments import gradcheck
    from deltagrad.experiments import himmelblau as hb

    steps = []
    hb.descend((4, 0), steps=50, progress=steps.append)
    assert sum(steps) == 50
    done = []
    gradcheck.moons_gradient_table(n_samples=1, progress=done.append)
    assert sum(done) == 2702  # one call per parameter of the chapter's network


def test_load_csv_reports_progress_through_the_file(tmp_path):
    path = tmp_path / "many.csv"
    n = 70_000
    path.write_text("".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(n)))
    seen = []
    X, y = load_csv(path, progress=lambda done, size: seen.append((done, size)))
    assert len(X) == n and seen[-1] == (path.stat().st_size,) * 2 and len(seen) >= 2


def test_figure_7_13_of_a_very_deep_network_stays_a_viewable_image(tmp_path):
    from deltagrad.figures.moons import network_figure

    # 1,000 layers: was a 216,672 x 780 pixel PNG (image viewers refuse it as a "bomb")
    net = NeuralNetwork.build([2, *([3] * 1000), 2], rng=0)
    png = network_figure(net, tmp_path / "deep.png").read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width <= 40 * 120 and height <= 10 * 120


def test_the_decision_boundary_of_a_wide_network_is_drawn_in_chunks(tmp_path, monkeypatch):
    from deltagrad.figures import moons as figures

    net = NeuralNetwork.build([2, 300, 2], rng=0)
    grid = np.random.default_rng(1).uniform(-2, 2, (5000, 2))
    monkeypatch.setattr(figures, "_CHUNK_FLOATS", 300 * 64)  # 64 rows per chunk
    np.testing.assert_allclose(
        figures._predict_proba(net, grid), net.predict_proba(grid), rtol=1e-12, atol=1e-15
    )


def test_many_classes_are_drawn_without_one_legend_entry_each(tmp_path):
    from deltagrad.figures.moons import dataset_figure

    rng = np.random.default_rng(0)
    y = np.arange(300) % 150
    path = dataset_figure(rng.normal(size=(300, 2)), y, tmp_path / "d.png")
    assert path.stat().st_size > 1000


# --- 7: logs written to a file ------------------------------------------------------------


def test_a_log_file_holds_lines_not_redrawn_bars(tmp_path):
    # was: 733 carriage returns in 55 KB for 200 real lines (the bar redrawn around each line)
    log = tmp_path / "log"
    with open(log, "w") as fh:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "deltagrad",
                "moons",
                "--epochs",
                "30",
                "--log-every",
                "10",
                "--hidden",
                "4",
                "--out",
                "o",
            ],
            cwd=tmp_path,
            stdout=fh,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
    assert proc.returncode == 0
    text = log.read_bytes().decode("utf-8")  # read_text would turn "\r" into "\n"
    assert "\r" not in text
    lines = text.splitlines()
    assert [line for line in lines if line.startswith("Epoch: #")] == [
        line for line in lines if re.fullmatch(r"Epoch: #(0|10|20|29), MSE: \d+\.\d{6}", line)
    ]
    assert len(lines) == 2 * 4 + 2  # four logged epochs of two lines, the result, the files


@pytest.mark.parametrize(
    "argv",
    [
        ["moons", "--seeds", "0-1", "--epochs", "2", "--hidden", "4"],
        ["himmelblau", "--steps", "20", "--basin-grid", "10", "--no-figures"],
        ["gradcheck", "--samples", "1"],
    ],
)
def test_no_command_draws_bars_into_a_file(tmp_path, argv):
    proc = deltagrad(*argv, "--out", "o", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stdout + proc.stderr


def run_on_a_terminal(argv, cwd, timeout=120):
    """Run ``python -m deltagrad ARGV`` with stdout and stderr on a pseudo-terminal of 100
    columns; returns (exit code, everything written)."""
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "deltagrad", *argv],
        cwd=cwd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the process has exited
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=timeout), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as on Linux")
def test_on_a_terminal_the_bar_is_drawn_and_lines_go_through_it(tmp_path):
    code, text = run_on_a_terminal(
        ["moons", "--epochs", "30", "--log-every", "10", "--hidden", "4", "--out", "o"], tmp_path
    )
    assert code == 0
    assert re.search(r"moons: +\d+%\|", text)  # the bar
    # every logged line arrives whole, on a line of its own (the bar cleared before it)
    epochs = re.findall(r"[\r\n](Epoch: #\d+, MSE: \d+\.\d{6})\r?\n", text)
    assert [e.split(",")[0] for e in epochs] == [
        "Epoch: #0",
        "Epoch: #10",
        "Epoch: #20",
        "Epoch: #29",
    ]
    assert len(re.findall(r"\nAccuracy: \d+\.\d\d%\r?\n", text)) == 4


# --- 8: --seed only where it means something -------------------------------------------------


@pytest.mark.parametrize("command", ["himmelblau", "chain-rule"])
def test_deterministic_commands_take_no_seed(tmp_path, command):
    proc = deltagrad(command, "--seed", "-3", "--out", "o", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unrecognized arguments: --seed -3" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_the_readme_says_which_commands_take_seed():
    from deltagrad.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    with_seed = {
        name
        for name, p in subparsers.items()
        if any("--seed" in a.option_strings for a in p._actions)
    }
    assert with_seed == {"reproduce", "moons", "gradcheck", "explain", "landscape"}
    sentence = next(
        s
        for s in README.read_text(encoding="utf-8").split("\n\n")
        if "`--seed N`" in s and "Every command" in s
    )
    commands = r"`(reproduce|moons|gradcheck|explain|landscape|himmelblau|chain-rule)`"
    named = set(re.findall(commands, sentence))
    assert named == with_seed | {"himmelblau", "chain-rule"}
    assert re.search(
        r"\(`reproduce`, `moons`, `gradcheck`, `explain`, `landscape`\) also take `--seed N`",
        sentence,
    )


def test_himmelblau_results_have_no_seed(tmp_path):
    proc = deltagrad(
        "himmelblau",
        "--steps",
        "10",
        "--basin-grid",
        "6",
        "--no-figures",
        "--out",
        "o",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "seed" not in json.loads((tmp_path / "o/results.json").read_text())["settings"]


# --- 9: the loss being minimised is the loss reported ---------------------------------------


def test_cross_entropy_runs_report_the_cross_entropy(tmp_path):
    proc = deltagrad(
        "moons",
        "--loss",
        "softmax_cross_entropy",
        "--epochs",
        "3",
        "--log-every",
        "1",
        "--hidden",
        "6",
        "--out",
        "ce",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert re.fullmatch(
        r"Epoch: #0, loss \(softmax cross-entropy\): \d+\.\d{6}, "
        r"MSE: \d+\.\d{6}",
        lines[0],
    )
    assert re.search(
        r"final training loss \(softmax cross-entropy\): \d+\.\d{6}, "
        r"MSE: \d+\.\d{6}",
        proc.stdout,
    )
    m = json.loads((tmp_path / "ce/metrics.json").read_text())
    assert m["loss_name"] == "softmax cross-entropy"
    assert m["final_loss"] == m["history"][-1]["loss"] != m["final_train_mse"]
    assert [set(h) for h in m["history"]] == [{"epoch", "mse", "test_accuracy", "loss"}] * 3
    # the reported loss is the mean cross-entropy of the saved network on the training set
    from deltagrad.data import chapter_data

    X_train, _, y_train, _ = chapter_data()
    net = NeuralNetwork.load(tmp_path / "ce/model.npz")
    net.predict(X_train)
    logits = net.layers[-1].last_activation
    assert m["final_loss"] == pytest.approx(
        F.softmax_cross_entropy(logits, one_hot(y_train, 2)), rel=1e-9
    )


def test_mse_runs_keep_their_keys_and_name_the_loss(tmp_path):
    proc = deltagrad(
        "moons", "--epochs", "2", "--log-every", "1", "--hidden", "4", "--out", "mse", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "final training MSE:" in proc.stdout and "cross-entropy" not in proc.stdout
    m = json.loads((tmp_path / "mse/metrics.json").read_text())
    assert m["loss_name"] == "MSE" and m["final_loss"] == m["final_train_mse"]
    assert all(h["loss"] == h["mse"] for h in m["history"])


def test_figure_7_15_plots_the_cross_entropy_with_the_mse_beside_it(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from deltagrad.figures import moons as figures

    seen = {}
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        seen["labels"] = [ax.get_ylabel() for ax in self.axes]
        seen["title"] = self.axes[0].get_title()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    history = {
        "epoch": [0, 5, 9],
        "mse": [0.3, 0.2, 0.1],
        "loss": [0.7, 0.4, 0.3],
        "test_accuracy": [0.5, 0.8, 0.9],
    }
    figures.train_mse_figure(history, tmp_path / "ce.png", loss="softmax_cross_entropy")
    assert seen["labels"] == ["Training loss (softmax cross-entropy)", "Training MSE"]
    assert "softmax cross-entropy" in seen["title"]
    figures.train_mse_figure(history, tmp_path / "mse.png")
    assert seen["labels"] == ["Training MSE"] and seen["title"] == "Training error (MSE) per epoch"


# --- 14a: negative start points ------------------------------------------------------------


def test_negative_starts_parse_in_both_spellings(tmp_path):
    # was: "argument --start: expected one argument"
    proc = deltagrad(
        "himmelblau",
        "--start",
        "-4,0",
        "--start=-2,-2.5",
        "--start",
        "-.5,1e-1",
        "--steps",
        "20",
        "--basin-grid",
        "6",
        "--no-figures",
        "--out",
        "o",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    settings = json.loads((tmp_path / "o/results.json").read_text())["settings"]
    assert settings["starts"] == [[-4.0, 0.0], [-2.0, -2.5], [-0.5, 0.1]]


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--start", "-4"], r"argument --start: expected X,Y"),
        (["--start", "-4,0,1"], r"argument --start: expected X,Y"),
        (["--lr", "-1"], r"argument --lr: must be a finite number > 0"),
        (["--start"], r"argument --start: expected one argument"),
    ],
)
def test_bad_starts_are_still_clear_errors(tmp_path, capsys, argv, match):
    from deltagrad import cli

    with pytest.raises(SystemExit) as info:
        cli.main(["himmelblau", *argv, "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    assert re.search(match, capsys.readouterr().err)


def test_chain_rule_takes_negative_points_in_any_notation(tmp_path):
    proc = deltagrad("chain-rule", "--t", "-1e-3", "--t", "-2", "--out", "o", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((tmp_path / "o/results.json").read_text())["dz_dt"]
    assert [r["t"] for r in rows] == [-1e-3, -2.0]


# --- 15: help texts cite the chapter -----------------------------------------------------


def test_no_help_text_cites_the_spec():
    from deltagrad.cli import build_parser

    parser = build_parser()
    texts = [parser.format_help()]
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    texts += [p.format_help() for p in subparsers.values()]
    for text in texts:
        assert not re.search(r"\bSPEC\b", text), text
    assert any("chapter 7.8" in t for t in texts)
