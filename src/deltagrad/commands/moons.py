"""Train the chapter's two-moons classifier (Section 7.9) with the hand-written delta rule and
write metrics.json, model.npz and Figures 7-13 to 7-16 plus the decision boundary to --out.

The defaults are the chapter's: make_moons(2000, noise 0.2), a 70/30 split, the network
2 -> 25 -> 50 -> 25 -> 2 with sigmoid everywhere, MSE against one-hot labels, per-sample SGD
(--batch-size 1) with learning rate 0.01 for 1000 epochs; the chapter reports 97.67% test
accuracy. --data FILE.csv trains on your own 2-D data instead (columns x1, x2, label; header
optional; labels 0..C-1), split 70/30 the same way. The plain NumPy engine needs a minute or
two for the default 1000 epochs.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np

from deltagrad.commands import common

NAME = "moons"
HELP = "train the chapter's two-moons network (Figures 7-13 to 7-16)"

_ACTIVATIONS = {"sigmoid": "sigmoid", "relu": "relu", "leaky_relu": "leaky_relu",
                "tanh": "tanh", "none": None}
_LOSSES = ("mse", "softmax_cross_entropy")


def hidden_sizes(text: str) -> tuple[int, ...]:
    """argparse type: a comma-separated list of hidden layer sizes, e.g. ``25,50,25``."""
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise argparse.ArgumentTypeError("expected at least one layer size, e.g. 25,50,25")
    try:
        return tuple(common.positive_int(p) for p in parts)
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"{text!r}: {err}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=common.positive_int, default=1000, metavar="N",
                        help="training epochs (default: 1000)")
    parser.add_argument("--lr", type=common.positive_float, default=0.01, metavar="RATE",
                        help="learning rate (default: 0.01)")
    parser.add_argument("--hidden", type=hidden_sizes, default=(25, 50, 25), metavar="SIZES",
                        help="hidden layer sizes, comma-separated (default: 25,50,25)")
    parser.add_argument("--activation", choices=list(_ACTIVATIONS), default="sigmoid",
                        help="activation of every layer (default: sigmoid); with "
                             "softmax_cross_entropy the output layer is linear")
    parser.add_argument("--loss", choices=_LOSSES, default="mse",
                        help="mse against one-hot labels, as the chapter, or "
                             "softmax_cross_entropy (default: mse)")
    parser.add_argument("--batch-size", type=common.positive_int, default=1, metavar="N",
                        help="samples per gradient step; 1 is the chapter's per-sample SGD "
                             "(default: 1)")
    parser.add_argument("--data", metavar="FILE.csv",
                        help="your own 2-D data (x1, x2, label) instead of the moons")
    parser.add_argument("--log-every", type=common.positive_int, default=10, metavar="N",
                        help="record and print MSE and test accuracy every N epochs (default: 10)")
    common.add_common_arguments(parser, default_out="out/moons")


def run(args) -> int:
    config = _config(args)
    data = _load_data(args.data)
    _check_out(args.out)
    result = _train(config, data)
    out = common.output_dir(args.out)
    _write_outputs(out, result, args.data)
    m = result.metrics
    print(f"Test accuracy: {m['test_accuracy']:.2%}, train accuracy: {m['train_accuracy']:.2%}, "
          f"final training MSE: {m['final_train_mse']:.6f} "
          f"({config.epochs} epochs, {m['seconds']:.1f} s)")
    print(f"Wrote metrics.json, model.npz and 5 figures to {out}")
    return 0


def _config(args):
    from deltagrad.experiments.moons import MoonsConfig

    if args.seed < 0:
        raise common.UsageError(f"--seed must be >= 0, got {args.seed}")
    try:
        return MoonsConfig(epochs=args.epochs, learning_rate=args.lr, hidden=tuple(args.hidden),
                           activation=_ACTIVATIONS[args.activation], loss=args.loss,
                           batch_size=args.batch_size, seed=args.seed,
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


def _check_out(path) -> None:
    """Refuse an unusable --out before training, without creating anything."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise common.UsageError(f"--out {str(path)!r} exists and is not a folder")
    parent = next((p for p in [out, *out.parents] if p.exists()), Path("."))
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise common.UsageError(f"--out {str(path)!r}: cannot write in {str(parent)!r}")


def _train(config, data):
    from tqdm import tqdm

    from deltagrad.experiments import moons as experiment

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
                result = experiment.run(config, data, callback=progress)
            except ValueError as err:  # the data passed load_csv; this is a last safety net
                raise common.UsageError(str(err)) from None
    if not math.isfinite(result.metrics["final_train_mse"]):
        raise common.UsageError(f"training diverged (the MSE is not finite) with --lr "
                                f"{config.learning_rate}; try a smaller learning rate")
    return result


def _write_outputs(out: Path, result, data_path) -> None:
    from deltagrad.figures.moons import write_all

    metrics = dict(result.metrics)
    metrics["config"] = {**metrics["config"], "data": data_path or "moons"}
    metrics["data"] = data_path or "make_moons(n_samples=2000, noise=0.2, random_state=100)"
    metrics["engine"] = "numpy"
    common.write_json(out, "metrics.json", metrics)
    result.network.save(common.output_file(out, "model.npz"))
    title = f"Data set {data_path}" if data_path else "Two-moons dataset"
    write_all(result, lambda name: common.output_file(out, name), dataset_title=title)
