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

from deltagrad import report as rp
from deltagrad._files import atomic_path
from deltagrad.commands import common, flags

NAME = "gradcheck"
HELP = "check the moons network's gradients: delta rule vs tape vs finite differences"

CSV_NAME = "gradient_table.csv"
SHOWN_ROWS = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--samples",
        type=flags.positive_int,
        default=8,
        metavar="N",
        help="training points the loss is averaged over (default: 8)",
    )
    flags.add_network_arguments(parser)
    common.add_common_arguments(parser, default_out="out/gradcheck")


def run(args) -> int:
    seed = common.check_seed(args.seed)
    out = common.output_dir(args.out, records=RECORDS)  # claimed (locked) for this run
    result = compute(seed=seed, samples=args.samples, activation=args.activation, loss=args.loss)
    write(out, result)
    return 0 if result["summary"]["passed"] else 1


# --- compute, write, describe: the command's parts, which ``reproduce`` composes too -------

RECORDS = ("results.json",)  # the run's record: removed when a run starts, written last


def compute(
    seed: int = 0, samples: int = 8, activation: str = "sigmoid", loss: str = "mse"
) -> dict:
    """The three-way table (``activation`` as --activation names it), printed:
    ``{"rows": [...], "summary": {...}, "config": {...}}``; UsageError for a bad --samples."""
    from deltagrad.experiments import gradcheck as experiment
    from deltagrad.experiments.moons import parameter_count

    try:
        with _bar(parameter_count(experiment.CHAPTER_SIZES)) as bar:
            rows = experiment.moons_gradient_table(
                seed=seed,
                n_samples=samples,
                activation=flags.ACTIVATION_FLAGS[activation],
                loss=loss,
                progress=bar.update,
            )
    except ValueError as err:
        raise common.UsageError(str(err).replace("n_samples", "--samples")) from None
    summary = experiment.summarize(rows)
    config = {
        "seed": seed,
        "samples": samples,
        "sizes": experiment.CHAPTER_SIZES,
        "activation": activation,
        "loss": loss,
        "eps": experiment.FD_EPS,
    }
    print("\n".join(report_lines(rows, summary, config)))
    return {"rows": rows, "summary": summary, "config": config}


def results(result: dict) -> dict:
    """What results.json holds: the summary, the settings and the files beside it."""
    return {**result["summary"], "config": result["config"], "files": [CSV_NAME]}


def write(out: Path, result: dict) -> list[Path]:
    """gradient_table.csv and results.json (last) in ``out`` (a claimed folder)."""
    paths = [
        write_csv(result["rows"], common.output_file(out, CSV_NAME)),
        common.write_json(out, "results.json", results(result)),
    ]
    print(f"\nwrote {CSV_NAME} and results.json to {out}")
    return paths


def describe(result: dict, folder: Path) -> list[rp.Section]:
    """The report's gradient-check section: the verdict and the eight worst rows."""
    rows = result["rows"]
    worst = sorted(rows, key=lambda row: -float(row["rel_error"]))[:8]
    table = rp.Table(
        f"The eight largest relative errors of {len(rows)} parameters",
        ["parameter", "index", "delta rule", "tape", "finite difference", "relative error"],
        [
            [
                w["parameter"],
                format_index(w["index"]),
                *(float(w[c]) for c in ("delta_rule", "tape", "numeric", "rel_error")),
            ]
            for w in worst
        ],
        digits=10,
    )
    passed = result["summary"]["passed"]
    verdict = '<span class="ok">pass</span>' if passed else '<span class="bad">FAIL</span>'
    return [
        rp.Section(
            "Gradient check: delta rule = tape = finite differences",
            [
                f"Every weight and bias of the chapter's 2-25-50-25-2 network: the "
                f"hand-written delta rule (7.7), deltagrad's tape, and central "
                f"differences in float64. Largest relative error "
                f"{max(float(row['rel_error']) for row in rows):.2e} "
                f"(threshold 1e-6): {verdict}. The full table is "
                f"<code>gradcheck/gradient_table.csv</code>."
            ],
            [table],
            anchor="gradcheck",
            nav="Gradient check of the network",
        )
    ]


def _bar(total: int):
    """A bar over the parameters, shown once the check has run for a second, then erased."""
    return common.progress_bar(
        total=total, desc="finite differences", unit="parameter", delay=1.0, leave=False
    )


def format_index(index) -> str:
    """(0, 3) -> "0,3"; (3,) -> "3"."""
    return ",".join(str(i) for i in index)


def format_table(rows) -> list[str]:
    """Rows as aligned text lines, with a header line."""
    lines = [
        f"{'parameter':<10}{'index':>8}{'delta rule':>17}{'tape':>17}"
        f"{'finite diff':>17}{'rel error':>11}"
    ]
    for r in rows:
        lines.append(
            f"{r['parameter']:<10}{format_index(r['index']):>8}"
            f"{r['delta_rule']:>17.9e}{r['tape']:>17.9e}{r['numeric']:>17.9e}"
            f"{r['rel_error']:>11.2e}"
        )
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
        lines.append(
            f"finite differences skipped at ReLU kinks: {summary['kinks']} rows "
            "(compared with the tape only)"
        )
    tol = summary["tolerance"]
    lines.append(
        f"PASS: every error <= {tol:g}"
        if summary["passed"]
        else f"FAIL: {summary['failures']} rows with an error above {tol:g}"
    )
    lines.append("(errors are relative to the largest derivative of the same W or b)")
    worst = sorted(rows, key=lambda r: r["rel_error"], reverse=True)[:SHOWN_ROWS]
    lines += [
        "",
        f"first {SHOWN_ROWS} rows:",
        *format_table(rows[:SHOWN_ROWS]),
        "",
        f"worst {SHOWN_ROWS} rows:",
        *format_table(worst),
    ]
    return lines


def write_csv(rows, path) -> Path:
    """The table as CSV: parameter,index,delta_rule,tape,numeric,rel_error (full precision)."""
    from deltagrad.experiments.gradcheck import COLUMNS

    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(
                [r["parameter"], format_index(r["index"]), *(repr(r[c]) for c in COLUMNS[2:])]
            )
    return path
