"""Check every gradient of the chapter's two-moons network three ways (chapter 7.7, 7.9): the
hand-written delta rule, deltagrad's GradientTape, and central finite differences in float64.

Builds the network 2 -> 25 -> 50 -> 25 -> 2 (sigmoid, MSE, as the chapter) from --seed, takes
the first --samples points of the chapter's training set, and compares all 2,702 weight and
bias derivatives. Errors are relative to the largest derivative of the same weight matrix or
bias vector. Prints a summary and the first and worst rows, writes gradient_table.csv (one
row per parameter) and results.json to --out, and exits with 1 if any error exceeds 1e-6.
The finite differences take two forward passes per parameter over the samples (about 40 s
with all 1,400); a progress bar shows them on a terminal.
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from deltagrad._files import atomic_path
from deltagrad.commands import common

NAME = "gradcheck"
HELP = "check the moons network's gradients: delta rule vs tape vs finite differences"

CSV_NAME = "gradient_table.csv"
SHOWN_ROWS = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=common.positive_int, default=8, metavar="N",
                        help="training points the loss is averaged over (default: 8)")
    common.add_network_arguments(parser)
    common.add_common_arguments(parser, default_out="out/gradcheck")


def run(args) -> int:
    from deltagrad.experiments import gradcheck as experiment

    if args.seed < 0:
        raise common.UsageError(f"--seed must be >= 0, got {args.seed}")
    common.output_dir(args.out, records=("results.json",))  # claimed (locked) for this run
    try:
        sizes = experiment.CHAPTER_SIZES
        with _bar(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))) as bar:
            rows = experiment.moons_gradient_table(
                seed=args.seed, n_samples=args.samples,
                activation=common.ACTIVATION_FLAGS[args.activation], loss=args.loss,
                progress=bar.update)
    except ValueError as err:
        raise common.UsageError(str(err).replace("n_samples", "--samples")) from None
    summary = experiment.summarize(rows)
    config = {"seed": args.seed, "samples": args.samples, "sizes": experiment.CHAPTER_SIZES,
              "activation": args.activation, "loss": args.loss, "eps": experiment.FD_EPS}
    print("\n".join(report_lines(rows, summary, config)))
    out = common.output_dir(args.out, records=("results.json",))
    write_outputs(out, rows, {**summary, "config": config})
    print(f"\nwrote {CSV_NAME} and results.json to {out}")
    return 0 if summary["passed"] else 1


def _bar(total: int):
    """A bar over the parameters, shown once the check has run for a second, then erased."""
    return common.progress_bar(total=total, desc="finite differences", unit="parameter",
                               delay=1.0, leave=False)


def format_index(index) -> str:
    """(0, 3) -> "0,3"; (3,) -> "3"."""
    return ",".join(str(i) for i in index)


def format_table(rows) -> list[str]:
    """Rows as aligned text lines, with a header line."""
    lines = [f"{'parameter':<10}{'index':>8}{'delta rule':>17}{'tape':>17}"
             f"{'finite diff':>17}{'rel error':>11}"]
    for r in rows:
        lines.append(f"{r['parameter']:<10}{format_index(r['index']):>8}"
                     f"{r['delta_rule']:>17.9e}{r['tape']:>17.9e}{r['numeric']:>17.9e}"
                     f"{r['rel_error']:>11.2e}")
    return lines


def report_lines(rows, summary, config) -> list[str]:
    """What the command prints: the setting, the verdict, the first and the worst rows."""
    act, loss = config["activation"], config["loss"]
    sizes = " -> ".join(str(s) for s in config["sizes"])
    lines = [
        f"network {sizes}, activation {act}, loss {loss}, seed {config['seed']}, "
        f"{config['samples']} training samples; central differences with step {config['eps']:g}",
        f"parameters checked: {summary['parameters']}",
        f"max relative error, delta rule vs tape:               "
        f"{summary['max_rel_error_tape']:.2e}",
        f"max relative error, delta rule vs finite differences: "
        f"{summary['max_rel_error_numeric']:.2e}",
    ]
    if summary["kinks"]:
        lines.append(f"finite differences skipped at ReLU kinks: {summary['kinks']} rows "
                     "(compared with the tape only)")
    tol = summary["tolerance"]
    lines.append(f"PASS: every error <= {tol:g}" if summary["passed"] else
                 f"FAIL: {summary['failures']} rows with an error above {tol:g}")
    lines.append("(errors are relative to the largest derivative of the same W or b)")
    worst = sorted(rows, key=lambda r: r["rel_error"], reverse=True)[:SHOWN_ROWS]
    lines += ["", f"first {SHOWN_ROWS} rows:", *format_table(rows[:SHOWN_ROWS]),
              "", f"worst {SHOWN_ROWS} rows:", *format_table(worst)]
    return lines


def write_csv(rows, path) -> Path:
    """The table as CSV: parameter,index,delta_rule,tape,numeric,rel_error (full precision)."""
    from deltagrad.experiments.gradcheck import COLUMNS

    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r["parameter"], format_index(r["index"]),
                             *(repr(r[c]) for c in COLUMNS[2:])])
    return path


def write_outputs(out: Path, rows, results: dict) -> None:
    """gradient_table.csv and results.json in ``out`` (an existing folder)."""
    write_csv(rows, common.output_file(out, CSV_NAME))
    common.write_json(out, "results.json", {**results, "files": [CSV_NAME]})
