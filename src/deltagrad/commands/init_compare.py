"""Compare initialisations on the chapter's two-moons task (chapter 7.9 uses one and does not
say why): the same network (2 -> 25 -> 50 -> 25 -> 2, sigmoid, MSE, per-sample SGD, learning
rate 0.01), the same data and sample order, and the same seeds, from each initial-weight
scheme: chapter (N(0,1)·sqrt(1/n_out), the chapter's listing), xavier, he, zeros and normal.

Writes to --out: init_curves.png (training MSE and test accuracy per logged epoch, mean over
the seeds with their min-max band), init_accuracy.png (every seed's final test accuracy, mean
± std), init_signal.png (mean |δ| of every layer over the training set, the error signal of
chapter 7.7, before training and after each of the first --signal-epochs epochs, log scale:
under sigmoid it shrinks towards the input), init_symmetry.png (the trained hidden weights
from chapter and zeros: from zeros every neuron of a layer stays identical) and metrics.json
(every run, and per init the mean, std, min and max of the final test accuracy and the
symmetry spread per hidden layer).

The defaults train 300 epochs (not the chapter's 1,000, so the whole comparison takes seconds)
for seeds 0-4, on every core; --epochs 1000 gives the chapter's length.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from deltagrad.backprop import INITS
from deltagrad.commands import common, flags
from deltagrad.data import MOONS_DESCRIPTION

NAME = "init-compare"
HELP = "compare initial weights (chapter, xavier, he, zeros, normal) on the chapter's network"

RECORDS = ("metrics.json",)  # the run's record: removed when a run starts, written last


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inits",
        nargs="+",
        choices=INITS,
        default=list(INITS),
        metavar="NAME",
        help=f"the initialisations to compare, from {', '.join(INITS)} (default: all)",
    )
    parser.add_argument(
        "--seeds",
        type=flags.seed_list,
        default="0-4",
        metavar="SEEDS",
        help="seeds of the initial weights, the same for every init, e.g. 0-4, 0,3,7 or "
        "0-3,10 (default: 0-4)",
    )
    parser.add_argument(
        "--epochs",
        type=flags.positive_int,
        default=300,
        metavar="N",
        help="training epochs of every run (default: 300, fewer than the chapter's 1000 so "
        "that the comparison takes seconds)",
    )
    parser.add_argument(
        "--lr",
        type=flags.positive_float,
        default=0.01,
        metavar="RATE",
        help="learning rate (default: 0.01)",
    )
    parser.add_argument(
        "--log-every",
        type=flags.positive_int,
        default=5,
        metavar="N",
        help="record the training MSE and test accuracy every N epochs (default: 5)",
    )
    parser.add_argument(
        "--signal-epochs",
        type=flags.positive_int,
        default=20,
        metavar="N",
        help="measure every layer's mean |δ| before training and after each of the first N "
        "epochs (default: 20)",
    )
    flags.add_engine_argument(parser)
    common.add_common_arguments(parser, default_out="out/init_compare", seed=False)


def run(args) -> int:
    config = _config(args)
    out = common.output_dir(args.out, records=RECORDS)  # claimed (locked) for this run
    result = compute(config, engine=args.engine)
    write(out, result)
    return 0


def _config(args):
    from deltagrad.experiments.init_compare import InitCompareConfig

    try:
        return InitCompareConfig(
            inits=tuple(args.inits),
            seeds=tuple(args.seeds),
            epochs=args.epochs,
            learning_rate=args.lr,
            log_every=args.log_every,
            signal_epochs=args.signal_epochs,
        ).check()
    except ValueError as err:
        message = str(err).replace("signal_epochs", "--signal-epochs").replace("inits", "--inits")
        raise common.UsageError(message) from None


# --- compute, write, describe: the command's parts, which ``reproduce`` composes too -------


def compute(config, engine: str = "auto", processes: int | None = None):
    """Every init × seed of ``config`` (a checked ``InitCompareConfig``) trained, ``processes``
    at a time (default: one per core), with a progress bar; returns the
    ``InitCompareResult``."""
    from deltagrad.experiments import init_compare as experiment

    engine = common.resolve_engine_flag(engine, NAME)
    total = len(config.inits) * len(config.seeds)
    with common.progress_bar(total=total, desc="init-compare", unit="run") as bar:

        def progress(done, total, run_):
            bar.update(1)
            bar.set_postfix(init=run_["init"], seed=run_["seed"])

        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return experiment.compare(config, processes=processes, engine=engine, progress=progress)


def metrics(result) -> dict:
    """What metrics.json holds: every run (without its weights) and the summary."""
    m = dict(result.metrics)
    m["runs"] = [{k: v for k, v in r.items() if k != "hidden_weights"} for r in result.runs]
    m["data"] = MOONS_DESCRIPTION
    return m


def report_lines(result) -> list[str]:
    """The printed summary: a row per init, the symmetry of zeros, the signal."""
    config, summary = result.config, result.summary
    n = len(config.seeds)
    lines = [
        f"{'init':8} test accuracy over {n} seed{'s' if n > 1 else ''} "
        f"({config.epochs} epochs): mean ± std [min, max]   final MSE   hidden neurons identical"
    ]
    for init, s in summary.items():
        lines.append(
            f"{init:8} {s['mean']:7.2%} ± {s['std']:.2%} [{s['min']:.2%}, {s['max']:.2%}]"
            f"{'':>10}{s['final_train_mse_mean']:.6f}   {'yes' if s['symmetric'] else 'no'}"
        )
    for init, s in summary.items():
        if s["symmetric"]:
            lines.append(_symmetry_sentence(init, s, config))
    lines.append("mean |δ| per layer before training (layer 1, nearest the input, to the output):")
    for init, s in summary.items():
        values = ", ".join(f"{v:.2g}" for v in s["initial_mean_abs_delta"])
        lines.append(f"  {init:8} {values}")
    return lines


def _symmetry_sentence(init: str, s: dict, config) -> str:
    spread = max(s["symmetry_spread_max"])
    return (
        f"{init}: after {config.epochs} epochs every neuron of each hidden layer is still "
        f"identical to its neighbours (largest relative difference {spread:.1e}): all got the "
        f"same gradient, so symmetry was never broken, and the network is no better than "
        f"one neuron per layer"
    )


def write(out: Path, result) -> list[Path]:
    """The four figures and metrics.json (last) in ``out`` (a claimed folder)."""
    from deltagrad.figures import init_compare as figures

    paths = figures.write_all(result, lambda name: common.output_file(out, name))
    paths.append(common.write_json(out, "metrics.json", metrics(result)))
    m = result.metrics
    print("\n".join(report_lines(result)))
    print(
        f"{len(result.runs)} runs in {m['seconds']:.1f} s on {m['processes']} "
        f"process{'es' if m['processes'] > 1 else ''}, "
        f"{m['engine']} engine; wrote metrics.json and {len(paths) - 1} figures to {out}",
    )
    return paths


def describe(result, folder: Path) -> list:
    """The report's section: the table of final accuracies and the four figures."""
    from deltagrad import report as rp
    from deltagrad.figures.init_compare import FILENAMES

    config, summary = result.config, result.summary
    n = len(config.seeds)
    table = rp.Table(
        f"Final test accuracy over seeds {_seeds_text(config.seeds)} after {config.epochs} "
        "epochs (the chapter's network, data and sample order)",
        ["init", "mean", "std", "min", "max", "final training MSE", "hidden neurons identical"],
        [
            [
                init,
                f"{s['mean']:.2%}",
                f"{s['std']:.2%}",
                f"{s['min']:.2%}",
                f"{s['max']:.2%}",
                s["final_train_mse_mean"],
                s["symmetric"],
            ]
            for init, s in summary.items()
        ],
    )
    paragraphs = [
        f"The chapter's listing draws W ~ N(0, 1)·sqrt(1/n_out) and b ~ U(0, 1)·0.1 without "
        f"saying why. Here the same network is trained from each scheme, {n} seed"
        f"{'s' if n > 1 else ''} each, {config.epochs} epochs (the chapter trains 1,000)."
    ]
    paragraphs += [
        _symmetry_sentence(i, s, config) + "." for i, s in summary.items() if s["symmetric"]
    ]
    figures = [
        rp.FigureRef(
            folder / FILENAMES["curves"],
            "Training MSE (log scale) and test accuracy per logged epoch, one colour per "
            "initialisation (line: mean over the seeds, band: min to max). Zeros stays flat "
            "at chance; the others differ mostly in how soon they leave the plateau",
        ),
        rp.FigureRef(
            folder / FILENAMES["accuracy"],
            "The final test accuracy of every seed, with each initialisation's mean ± std: "
            "how much of the result is the scheme and how much the draw",
        ),
        rp.FigureRef(
            folder / FILENAMES["signal"],
            "The error signal: mean |δ| of every layer over the training set, before "
            "training and after each of the first epochs (log scale). With scaled weights "
            "(chapter, xavier, he) δ shrinks layer by layer from the output towards the "
            "input, about a hundredfold before training (σ' ≤ 1/4 at every sigmoid); the "
            "unscaled normal weights carry it back undiminished; from zeros the hidden "
            "layers' δ starts at exactly 0 and stays orders of magnitude below the others",
        ),
        rp.FigureRef(
            folder / FILENAMES["symmetry"],
            "The trained hidden layers of the first seed as images, one column per neuron "
            "(its incoming weights, the bias as the last row). From the chapter's "
            "initialisation every column differs; from zeros each row is one colour: every "
            "neuron of a layer is the same",
        ),
    ]
    return [
        rp.Section(
            "Initialisation compared on the two-moons task",
            paragraphs,
            [table],
            figures,
            anchor="init-compare",
            nav="Initialisation compared",
        )
    ]


def _seeds_text(seeds) -> str:
    seeds = list(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)
