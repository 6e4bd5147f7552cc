"""Train the chapter's two-moons classifier (Section 7.9) with the hand-written delta rule and
write metrics.json, model.npz and Figures 7-13 to 7-16 plus the decision boundary to --out.

The defaults are the chapter's: make_moons(2000, noise 0.2), a 70/30 split, the network
2 -> 25 -> 50 -> 25 -> 2 with sigmoid everywhere, MSE against one-hot labels, per-sample SGD
(--batch-size 1) with learning rate 0.01 for 1000 epochs; the chapter reports 97.67% test
accuracy. --data FILE.csv trains on your own 2-D data instead (columns x1, x2, label; header
optional; labels 0..C-1), split 70/30 the same way.

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

from deltagrad.commands import common

NAME = "moons"
HELP = "train the chapter's two-moons network (Figures 7-13 to 7-16)"

_ENGINES = ("auto", "numpy", "compiled")
MAX_SEEDS = 10_000


def hidden_sizes(text: str) -> tuple[int, ...]:
    """argparse type: a comma-separated list of hidden layer sizes, e.g. ``25,50,25``."""
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise argparse.ArgumentTypeError("expected at least one layer size, e.g. 25,50,25")
    try:
        return tuple(common.positive_int(p) for p in parts)
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"{text!r}: {err}") from None


def seed_list(text: str) -> list[int]:
    """argparse type: seeds as ranges and lists, e.g. ``0-31``, ``0,3,7`` or ``0-3,10``."""
    seeds, seen = [], set()
    for part in (p.strip() for p in text.split(",")):
        first, dash, last = part.partition("-")
        try:
            lo = int(first)
            hi = int(last) if dash else lo
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: expected seeds like 0-31, 0,3,7 or 0-3,10, got {part!r}") from None
        if lo < 0 or hi < lo:
            raise argparse.ArgumentTypeError(f"{text!r}: {part!r} is not a range of seeds >= 0")
        if len(seeds) + hi - lo + 1 > MAX_SEEDS:
            raise argparse.ArgumentTypeError(f"{text!r}: more than {MAX_SEEDS} seeds")
        repeated = seen.intersection(range(lo, hi + 1))
        if repeated:
            raise argparse.ArgumentTypeError(f"{text!r}: seed {min(repeated)} is listed twice")
        seeds.extend(range(lo, hi + 1))
        seen.update(range(lo, hi + 1))
    return seeds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=common.positive_int, default=1000, metavar="N",
                        help="training epochs (default: 1000)")
    parser.add_argument("--lr", type=common.positive_float, default=0.01, metavar="RATE",
                        help="learning rate (default: 0.01)")
    parser.add_argument("--hidden", type=hidden_sizes, default=(25, 50, 25), metavar="SIZES",
                        help="hidden layer sizes, comma-separated (default: 25,50,25)")
    common.add_network_arguments(parser)
    parser.add_argument("--batch-size", type=common.positive_int, default=1, metavar="N",
                        help="samples per gradient step; 1 is the chapter's per-sample SGD "
                             "(default: 1)")
    parser.add_argument("--data", metavar="FILE.csv",
                        help="your own 2-D data (x1, x2, label) instead of the moons")
    parser.add_argument("--log-every", type=common.positive_int, default=10, metavar="N",
                        help="record and print MSE and test accuracy every N epochs (default: 10)")
    parser.add_argument("--engine", choices=_ENGINES, default="auto",
                        help="auto: compiled (Numba) when available, else numpy; numpy: the "
                             "plain NumPy reference (default: auto)")
    parser.add_argument("--seeds", type=seed_list, metavar="SPEC",
                        help="train one network per seed, on every core, e.g. 0-31, 0,3,7 or "
                             "0-3,10, and write the spread of the results (not with --seed)")
    common.add_common_arguments(parser, default_out="out/moons")
    parser.set_defaults(seed=None)  # to tell an explicit --seed from the default 0


def run(args) -> int:
    config = _config(args)
    data = _load_data(args.data)
    common.check_out(args.out)
    if args.seeds is not None:
        return _run_sweep(args, config, data)
    result = _train(config, data, args.engine)
    out = common.output_dir(args.out, records=("metrics.json",))
    _write_outputs(out, result, args.data)
    m = result.metrics
    compiled = f", compiling {m['compile_seconds']:.1f} s" if m["compile_seconds"] else ""
    print(f"Test accuracy: {m['test_accuracy']:.2%}, train accuracy: {m['train_accuracy']:.2%}, "
          f"final training MSE: {m['final_train_mse']:.6f} "
          f"({config.epochs} epochs, {m['seconds']:.1f} s, {m['engine']} engine{compiled})")
    print(f"Wrote metrics.json, model.npz and 5 figures to {out}")
    return 0


def _config(args):
    from deltagrad.experiments.moons import MoonsConfig

    if args.seeds is not None and args.seed is not None:
        raise common.UsageError("--seeds and --seed cannot be combined; list the seeds in --seeds")
    seed = 0 if args.seed is None else args.seed
    if seed < 0:
        raise common.UsageError(f"--seed must be >= 0, got {seed}")
    try:
        return MoonsConfig(epochs=args.epochs, learning_rate=args.lr, hidden=tuple(args.hidden),
                           activation=common.ACTIVATION_FLAGS[args.activation], loss=args.loss,
                           batch_size=args.batch_size, seed=seed,
                           log_every=args.log_every).check()
    except ValueError as err:
        raise common.UsageError(str(err)) from None


def _load_data(path):
    if path is None:
        return None
    from deltagrad.data import load_csv

    try:
        return load_csv(path)
    except ValueError as err:
        raise common.UsageError(f"--data {err}") from None


def _train(config, data, engine):
    from tqdm import tqdm

    from deltagrad.experiments import moons as experiment

    _check_engine(engine)
    with tqdm(total=config.epochs, desc="moons", unit="epoch", file=sys.stderr,
              dynamic_ncols=True) as bar:
        def progress(epoch, record):
            bar.update(1)
            if record is not None:
                bar.set_postfix(mse=f"{record['mse']:.6f}", acc=f"{record['test_accuracy']:.2%}")
                tqdm.write(f"Epoch: #{epoch}, MSE: {record['mse']:f}", file=sys.stdout)
                tqdm.write(f"Accuracy: {record['test_accuracy'] * 100:.2f}%", file=sys.stdout)

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                result = experiment.run(config, data, callback=progress, engine=engine)
            except ValueError as err:  # the data passed load_csv; this is a last safety net
                raise common.UsageError(str(err)) from None
    if not math.isfinite(result.metrics["final_train_mse"]):
        raise common.UsageError(f"training diverged (the MSE is not finite) with --lr "
                                f"{config.learning_rate}; try a smaller learning rate")
    return result


def _check_engine(engine) -> None:
    from deltagrad.backprop import resolve_engine

    try:
        resolve_engine(engine)
    except RuntimeError as err:
        raise common.UsageError(f"--engine {engine}: {err}") from None


def _run_sweep(args, config, data) -> int:
    from tqdm import tqdm

    from deltagrad.experiments import moons as experiment

    _check_engine(args.engine)
    seeds = args.seeds
    with tqdm(total=len(seeds), desc="seeds", unit="seed", file=sys.stderr,
              dynamic_ncols=True) as bar:
        def progress(done, run_):
            bar.update(1)
            bar.set_postfix(seed=run_["seed"], acc=f"{run_['test_accuracy']:.2%}")

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                result = experiment.sweep(config, seeds, data=data, engine=args.engine,
                                          progress=progress)
            except ValueError as err:
                raise common.UsageError(str(err)) from None
    out = common.output_dir(args.out, records=("metrics.json",))
    _write_sweep(out, result, args.data)
    s, m = result.summary, result.metrics
    print(f"{s['n']} seeds, {config.epochs} epochs each: test accuracy mean {s['mean']:.2%}, "
          f"std {s['std']:.2%}, min {s['min']:.2%} (seed {s['min_seed']}), "
          f"max {s['max']:.2%} (seed {s['max_seed']})")
    r = s["epoch_reaching_95"]
    if r["reached"]:
        print(f"95% test accuracy first logged at epoch {r['median']:g} (median; "
              f"{r['min']} to {r['max']}) by {r['reached']} of {s['n']} seeds")
    print(f"{m['seconds']:.1f} s on {m['processes']} processes, {m['engine']} engine; "
          f"wrote metrics.json and seed_sweep.png to {out}")
    return 0


def _write_sweep(out: Path, result, data_path) -> None:
    from deltagrad.figures.moons import seed_sweep_figure

    m = result.metrics
    metrics = {"seeds": m["seeds"], "summary": m["summary"],
               "test_accuracies": {str(r["seed"]): r["test_accuracy"] for r in result.runs},
               **m, "config": {**m["config"], "data": data_path or "moons"},
               "data": data_path or "make_moons(n_samples=2000, noise=0.2, random_state=100)"}
    seed_sweep_figure(result.runs, common.output_file(out, "seed_sweep.png"),
                      n_test=m["n_test"])
    common.write_json(out, "metrics.json", metrics)  # last: its presence means the run finished


def _write_outputs(out: Path, result, data_path) -> None:
    from deltagrad.figures.moons import write_all

    metrics = dict(result.metrics)
    metrics["config"] = {**metrics["config"], "data": data_path or "moons"}
    metrics["data"] = data_path or "make_moons(n_samples=2000, noise=0.2, random_state=100)"
    result.network.save(common.output_file(out, "model.npz"))
    title = f"Data set {data_path}" if data_path else "Two-moons dataset"
    write_all(result, lambda name: common.output_file(out, name), dataset_title=title)
    common.write_json(out, "metrics.json", metrics)  # last: its presence means the run finished
