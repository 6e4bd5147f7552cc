"""Train the chapter's two-moons classifier (chapter 7.9) with the hand-written delta rule and
write metrics.json, model.npz and Figures 7-13 to 7-16 plus the decision boundary to --out.

The defaults are the chapter's: make_moons(2000, noise 0.2), a 70/30 split, the network
2 -> 25 -> 50 -> 25 -> 2 with sigmoid everywhere, MSE against one-hot labels, per-sample SGD
(--batch-size 1) with learning rate 0.01 for 1000 epochs; the chapter reports 97.67% test
accuracy. --init NAME draws the initial weights another way (xavier, he, zeros, normal;
deltagrad init-compare compares them all). --data FILE.csv trains on your own 2-D data
instead (columns x1, x2, label; header optional; labels 0..C-1; coordinates within
±1,000,000, since the network takes them unscaled as the chapter does), split 70/30 the same
way.

With --loss softmax_cross_entropy the printed lines, metrics.json ("loss_name", "final_loss",
"loss" in every logged epoch) and Figure 7-15 report the mean cross-entropy being minimised,
with the training MSE beside it. Before training, the memory the network needs (its
parameters, the activations of a forward pass, the logged epochs) is compared with the memory
available: a run that cannot fit is refused, saying why. The progress bar is drawn only on a
terminal; a log file (deltagrad moons > log 2>&1) gets only the logged epochs' lines.

--engine auto (the default) trains with the compiled Numba kernels, a few seconds for the
default 1000 epochs (the first run on a machine also compiles them, once); --engine numpy is
the plain NumPy reference, a minute or two. --seeds 0-31 (ranges and lists: 0,3,7 or 0-3,10)
trains one network per seed on every core instead and writes metrics.json (each seed's test
accuracy and their mean, std, min and max) and seed_sweep.png: how much the chapter's result
depends on the initial weights.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from deltagrad.commands import common, flags

# By name, not as common.available_memory: the memory checks below look it up here (tests
# replace it in this module).
from deltagrad.commands.common import available_memory, size_text
from deltagrad.data import MOONS_DESCRIPTION

NAME = "moons"
HELP = "train the chapter's two-moons network (Figures 7-13 to 7-16)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--epochs",
        type=flags.positive_int,
        default=1000,
        metavar="N",
        help="training epochs (default: 1000)",
    )
    parser.add_argument(
        "--lr",
        type=flags.positive_float,
        default=0.01,
        metavar="RATE",
        help="learning rate (default: 0.01)",
    )
    parser.add_argument(
        "--hidden",
        type=flags.layer_sizes,
        default=(25, 50, 25),
        metavar="SIZES",
        help="hidden layer sizes, comma-separated (default: 25,50,25)",
    )
    flags.add_network_arguments(parser)
    flags.add_init_argument(parser)
    parser.add_argument(
        "--batch-size",
        type=flags.positive_int,
        default=1,
        metavar="N",
        help="samples per gradient step; 1 is the chapter's per-sample SGD (default: 1)",
    )
    parser.add_argument(
        "--data",
        metavar="FILE.csv",
        help="your own 2-D data (x1, x2, label) instead of the moons; "
        "coordinates within ±1,000,000 (rescale larger ones: the network "
        "takes them unscaled, as the chapter does)",
    )
    parser.add_argument(
        "--log-every",
        type=flags.positive_int,
        default=10,
        metavar="N",
        help="record and print the training loss (and MSE) and test accuracy "
        "every N epochs (default: 10)",
    )
    flags.add_engine_argument(parser)
    parser.add_argument(
        "--seeds",
        type=flags.seed_list,
        metavar="SEEDS",
        help="train one network per seed, on every core, e.g. 0-31, 0,3,7 or "
        "0-3,10, and write the spread of the results (not with --seed)",
    )
    common.add_common_arguments(parser, default_out="out/moons")
    parser.set_defaults(seed=None)  # to tell an explicit --seed from the default 0


def run(args) -> int:
    config = _config(args)
    data = _load_data(args.data)
    out = common.output_dir(args.out, records=RECORDS)  # claimed (locked) for this run
    shape = _data_shape(data)
    if args.seeds is not None:
        return _run_sweep(args, config, data, shape, out)
    _check_memory(args, config, shape)
    _note_long_run(config, shape, runs=1, processes=1)
    result = compute(config, data, args.engine)
    write(out, result, args.data)
    return 0


# --- compute, write, describe: the command's parts, which ``reproduce`` composes too -------

RECORDS = ("metrics.json",)  # the run's record: removed when a run starts, written last
CHAPTER_RESULT = {"test_accuracy": 0.9767, "train_mse": 0.024335, "epoch": 990}
"""What the chapter reports for its run (its printout at epoch 990)."""


def compute(config, data=None, engine: str = "auto", watch=None):
    """Train ``config`` (a checked ``MoonsConfig``) on ``data`` (None: the moons), with a
    progress bar and the logged epochs printed; ``watch(network, epoch, record)`` also sees
    every epoch (see :func:`deltagrad.experiments.moons.run`). Returns the ``MoonsResult``;
    UsageError for an unknown engine or a diverged run."""
    from tqdm import tqdm

    from deltagrad.experiments import moons as experiment

    # Once; the experiment and the network get the result. (Two inputs and two classes: the
    # width of the hidden layers decides.)
    sizes = experiment.network_sizes(config.hidden)
    engine = common.resolve_engine_flag(engine, NAME, sizes, config.batch_size)
    with common.progress_bar(total=config.epochs, desc="moons", unit="epoch") as bar:

        def progress(epoch, record):
            bar.update(1)
            if record is None:
                return
            acc = f"{record['test_accuracy']:.2%}"
            # On a terminal, tqdm.write clears the bar, prints the line and redraws the bar
            # below it; without a terminal there is no bar and these are plain lines.
            if config.loss == "mse":
                bar.set_postfix(mse=f"{record['mse']:.6f}", acc=acc, refresh=False)
                line = f"Epoch: #{epoch}, MSE: {record['mse']:f}"
            else:
                bar.set_postfix(loss=f"{record['loss']:.6f}", acc=acc, refresh=False)
                line = (
                    f"Epoch: #{epoch}, loss ({experiment.LOSS_NAMES[config.loss]}): "
                    f"{record['loss']:f}, MSE: {record['mse']:f}"
                )
            tqdm.write(f"{line}\nAccuracy: {record['test_accuracy'] * 100:.2f}%", file=sys.stdout)

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                result = experiment.run(config, data, callback=progress, engine=engine, watch=watch)
            except ValueError as err:  # the data passed load_csv; this is a last safety net
                raise common.UsageError(str(err)) from None
    m = result.metrics
    if not (math.isfinite(m["final_train_mse"]) and math.isfinite(m["final_loss"])):
        scale = float(np.abs(data[0]).max()) if data is not None else 0.0
        hint = (
            f", or rescale --data (its coordinates reach {scale:.3g}; the moons' lie "
            f"within about ±2)"
            if scale > 10
            else ""
        )
        raise common.UsageError(
            f"training diverged (the loss is not finite) with --lr "
            f"{config.learning_rate}; try a smaller learning rate{hint}"
        )
    return result


def write(out: Path, result, data_path: str | None = None) -> list[Path]:
    """model.npz, the five figures and metrics.json (last) in ``out`` (a claimed folder);
    ``data_path``: the --data file the run trained on (None: the moons)."""
    paths = _write_outputs(out, result, data_path)
    m, config = result.metrics, result.config
    compiled = f", compiling {m['compile_seconds']:.1f} s" if m["compile_seconds"] else ""
    print(
        f"Test accuracy: {m['test_accuracy']:.2%}, train accuracy: {m['train_accuracy']:.2%}, "
        f"{_final_loss_text(config, m)} "
        f"({config.epochs} epochs, {m['seconds']:.1f} s, {m['engine']} engine{compiled})"
    )
    print(f"Wrote metrics.json, model.npz and 5 figures to {out}")
    return paths


def describe(result, folder: Path) -> list:
    """The report's 7.9 section: the run beside the chapter's, and the five figures."""
    from deltagrad import report as rp
    from deltagrad.figures.moons import FIGURE_NAMES

    m = common.jsonable(result.metrics)
    last = m["history"][-1]
    table = rp.Table(
        "deltagrad beside the chapter (2-25-50-25-2 sigmoid network, MSE, "
        "per-sample SGD, learning rate 0.01)",
        ["", "epochs", "training MSE", "test accuracy"],
        [
            [
                "chapter (epoch 990)",
                1000,
                CHAPTER_RESULT["train_mse"],
                f"{CHAPTER_RESULT['test_accuracy']:.2%}",
            ],
            [
                f"deltagrad, seed {m['seed']} (epoch {last['epoch']})",
                m["epochs"],
                last["mse"],
                f"{m['test_accuracy']:.2%}",
            ],
        ],
    )
    captions = [
        "Figure 7-13: the network, drawn from the model",
        "Figure 7-14: the two-moons data, coloured by class",
        "Figure 7-15: training MSE per epoch",
        "Figure 7-16: test accuracy per epoch",
        "The learned decision boundary: predicted probability of class 1, its 0.5 "
        "line, and the data",
    ]
    figs = [rp.FigureRef(folder / name, caption) for name, caption in zip(FIGURE_NAMES, captions)]
    return [
        rp.Section(
            "7.9 Backpropagation by hand: the two-moons classifier",
            [
                f"Trained in {m['seconds']:.1f} s. Test accuracy {m['test_accuracy']:.2%}, "
                f"training accuracy {m['train_accuracy']:.2%}, "
                f"final training MSE {m['final_train_mse']:.6f}."
            ],
            [table],
            figs,
            anchor="moons",
            nav="7.9 The two-moons classifier",
        )
    ]


def _final_loss_text(config, m) -> str:
    if config.loss == "mse":
        return f"final training MSE: {m['final_train_mse']:.6f}"
    return (
        f"final training loss ({m['loss_name']}): {m['final_loss']:.6f}, "
        f"MSE: {m['final_train_mse']:.6f}"
    )


# --- what a run needs, checked before it starts ----------------------------------------------


def _data_shape(data) -> dict:
    """n_train, n_test, n_features, n_classes of the data the run will use (the chapter's
    70/30 split: test rows ceil(0.3 n))."""
    if data is None:
        return {"n_train": 1400, "n_test": 600, "n_features": 2, "n_classes": 2}
    X, y = data
    n_test = math.ceil(0.3 * len(X))
    return {
        "n_train": len(X) - n_test,
        "n_test": n_test,
        "n_features": int(X.shape[1]),
        "n_classes": int(y.max()) + 1,
    }


_BASELINE_BYTES = 300 * 1024**2  # the interpreter, NumPy, Numba, matplotlib


def _check_memory(args, config, shape, seeds: int = 1, processes: int = 1) -> tuple:
    """Refuse a run whose memory estimate exceeds the memory available (UsageError); returns
    ``(the estimate, the bytes available or None)``."""
    from deltagrad.experiments.moons import memory_estimate

    est = memory_estimate(config, seeds=seeds, processes=processes, **shape)
    avail = available_memory()
    if avail is None or est["bytes"] + _BASELINE_BYTES <= avail:
        return est, avail
    sizes = "-".join(str(s) for s in est["sizes"])
    parts = {
        "parameters": est["parameter_bytes"],
        "activations": est["activation_bytes"],
        "logged epochs": est["history_bytes"],
    }
    advice = {
        "parameters": f"use smaller --hidden sizes (now {_hidden_text(config)})",
        "activations": f"use smaller --hidden sizes (now {_hidden_text(config)})"
        + (" or fewer rows of --data" if args.data else ""),
        "logged epochs": f"log less often (--log-every, now {config.log_every}) or "
        f"train fewer --epochs (now {config.epochs})",
    }
    worst = max(parts, key=lambda name: parts[name])
    detail = "; ".join(f"{name} {size_text(b)}" for name, b in parts.items())
    where = f" ({processes} at once)" if processes > 1 else ""
    raise common.UsageError(
        f"the network {sizes} has {est['parameters']:,} parameters and training it{where} needs "
        f"about {size_text(est['bytes'])} of memory ({detail}), more than the "
        f"{size_text(avail)} available; {advice[worst]}"
    )


def _hidden_text(config) -> str:
    text = ",".join(str(h) for h in config.hidden)
    return text if len(text) <= 40 else text[:37] + "..."


LONG_RUN_FLOPS = 1e12
"""Training work above which the command says up front that the run will be long (the
chapter's run is about 2.3e10 floating-point operations, a few seconds compiled)."""


def _note_long_run(config, shape, runs: int, processes: int) -> None:
    from deltagrad.experiments.moons import parameter_count, work_estimate

    work = work_estimate(config, shape["n_train"], shape["n_features"], shape["n_classes"])
    total = work * runs / max(processes, 1)
    if total <= LONG_RUN_FLOPS:
        return
    params = parameter_count([shape["n_features"], *config.hidden, shape["n_classes"]])
    seeds = f" × {runs} seeds / {processes} processes" if runs > 1 else ""
    print(
        f"deltagrad moons: note: {params:,} parameters × {shape['n_train']:,} samples × "
        f"{config.epochs:,} epochs{seeds} is about {total:.1e} floating-point operations, "
        f"{total / 2.3e10:,.0f} times the chapter's run (a few seconds): expect a long run; "
        f"the progress bar shows its pace (Ctrl-C stops it)",
        file=sys.stderr,
    )


def _config(args):
    from deltagrad.experiments.moons import MoonsConfig

    if args.seeds is not None and args.seed is not None:
        raise common.UsageError("--seeds and --seed cannot be combined; list the seeds in --seeds")
    seed = common.check_seed(0 if args.seed is None else args.seed)
    try:
        return MoonsConfig(
            epochs=args.epochs,
            learning_rate=args.lr,
            hidden=tuple(args.hidden),
            activation=flags.ACTIVATION_FLAGS[args.activation],
            loss=args.loss,
            batch_size=args.batch_size,
            seed=seed,
            log_every=args.log_every,
            init=args.init,
        ).check()
    except ValueError as err:
        raise common.UsageError(str(err)) from None


def _load_data(path):
    if path is None:
        return None
    from deltagrad.data import load_csv

    with common.progress_bar(
        desc="reading", unit="B", unit_scale=True, delay=1.0, leave=False
    ) as bar:

        def progress(done, size):
            bar.total = size
            bar.update(done - bar.n)

        try:
            return load_csv(path, progress=progress)
        except ValueError as err:
            raise common.UsageError(f"--data {err}") from None


def _sweep_processes(args, config, shape, seeds) -> int:
    """One process per core, fewer when that many networks at once would not fit in memory
    (a note says so); a UsageError when even one does not."""
    from deltagrad.experiments.moons import default_processes

    processes = min(default_processes(), len(seeds))
    est, avail = _check_memory(args, config, shape, seeds=len(seeds), processes=1)
    if avail is not None and processes > 1:
        room = avail - _BASELINE_BYTES - est["history_bytes"]
        fit = max(1, int(room // (est["per_run_bytes"] + _BASELINE_BYTES)))
        if fit < processes:
            print(
                f"deltagrad moons: note: {processes} networks at once would need about "
                f"{size_text(processes * (est['per_run_bytes'] + _BASELINE_BYTES))} of "
                f"memory, {size_text(avail)} is available: training {fit} at a time",
                file=sys.stderr,
            )
            processes = fit
    return processes


def _run_sweep(args, config, data, shape, out: Path) -> int:
    from deltagrad.experiments import moons as experiment

    sizes = experiment.network_sizes(config.hidden)
    engine = common.resolve_engine_flag(args.engine, NAME, sizes, config.batch_size)
    seeds = args.seeds
    processes = _sweep_processes(args, config, shape, seeds)
    _note_long_run(config, shape, runs=len(seeds), processes=processes)
    with common.progress_bar(total=len(seeds), desc="seeds", unit="seed") as bar:

        def progress(done, run_):
            bar.update(1)
            bar.set_postfix(seed=run_["seed"], acc=f"{run_['test_accuracy']:.2%}")

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                result = experiment.sweep(
                    config,
                    seeds,
                    processes=processes,
                    data=data,
                    engine=engine,
                    progress=progress,
                )
            except ValueError as err:
                raise common.UsageError(str(err)) from None
    _write_sweep(out, result, args.data)
    s, m = result.summary, result.metrics
    print(
        f"{s['n']} seeds, {config.epochs} epochs each: test accuracy mean {s['mean']:.2%}, "
        f"std {s['std']:.2%}, min {s['min']:.2%} (seed {s['min_seed']}), "
        f"max {s['max']:.2%} (seed {s['max_seed']})"
    )
    r = s["epoch_reaching_95"]
    if r["reached"]:
        print(
            f"95% test accuracy first logged at epoch {r['median']:g} (median; "
            f"{r['min']} to {r['max']}) by {r['reached']} of {s['n']} seeds"
        )
    print(
        f"{m['seconds']:.1f} s on {m['processes']} processes, {m['engine']} engine; "
        f"wrote metrics.json and seed_sweep.png to {out}"
    )
    return 0


def _write_sweep(out: Path, result, data_path) -> None:
    from deltagrad.figures.moons import seed_sweep_figure

    m = result.metrics
    metrics = {
        "seeds": m["seeds"],
        "summary": m["summary"],
        "test_accuracies": {str(r["seed"]): r["test_accuracy"] for r in result.runs},
        **m,
        "config": {**m["config"], "data": data_path or "moons"},
        "data": data_path or MOONS_DESCRIPTION,
    }
    seed_sweep_figure(result.runs, common.output_file(out, "seed_sweep.png"), n_test=m["n_test"])
    common.write_json(out, "metrics.json", metrics)  # last: its presence means the run finished


def _write_outputs(out: Path, result, data_path) -> list[Path]:
    from deltagrad.figures.moons import write_all

    metrics = dict(result.metrics)
    metrics["config"] = {**metrics["config"], "data": data_path or "moons"}
    metrics["data"] = data_path or MOONS_DESCRIPTION
    model = result.network.save(common.output_file(out, "model.npz"))
    title = f"Data set {data_path}" if data_path else "Two-moons dataset"
    figures = write_all(result, lambda name: common.output_file(out, name), dataset_title=title)
    # Written last: its presence means the run finished.
    record = common.write_json(out, "metrics.json", metrics)
    return [model, *figures, record]
