"""Reproduce the whole chapter in one command: every figure and number, every derivation
checked numerically, and one HTML page (report.html) that shows it all.

Writes into --out: chain_rule/ (7.6), derivatives/ (7.2-7.4), explain/ (7.7: the delta rule
of training sample 0, explain.html), gradcheck/ (the three-way gradient table), himmelblau/
(7.8), moons/ (7.9, plus the decision boundary as a GIF and per-layer gradient norms),
init_compare/ (the five initialisations on 7.9's task, several seeds each), landscape/ (the
trained network's loss landscape and training trajectory), metrics.json (a summary) and
report.html. --quick shrinks the work (fewer epochs, coarser grids) to about a fifth of the
full run, for tests and a first look (the README's "How long reproduce takes" gives measured
times).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

from deltagrad import __version__
from deltagrad.commands import common

NAME = "reproduce"
HELP = "reproduce every figure and number of the chapter, with an HTML report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_common_arguments(parser, default_out="out")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer epochs and coarser grids: about a fifth of the full run's time",
    )


def _settings(quick: bool) -> dict:
    # The GIF: gif_snapshots snapshots of the moons run spread over all its epochs, of which
    # gif_frames are drawn (more where the boundary moves), on a gif_grid × gif_grid grid.
    if quick:
        return {
            "moons_epochs": 20,
            "log_every": 2,
            "basin_grid": 60,
            "gradcheck_samples": 2,
            "gif_snapshots": 8,
            "gif_frames": 8,
            "gif_grid": 50,
            "norm_epochs": 4,
            "norm_every": 1,
            "init_seeds": 2,
            "init_epochs": 10,
            "init_log_every": 2,
            "init_signal_epochs": 5,
            "init_processes": 1,  # ten short runs: starting worker processes costs more
            "landscape_steps": 11,
            "landscape_snapshot_every": 2,
        }
    return {
        "moons_epochs": 1000,
        "log_every": 10,
        "basin_grid": 400,
        "gradcheck_samples": 8,
        "gif_snapshots": 201,
        "gif_frames": 60,
        "gif_grid": 120,
        "norm_epochs": 200,
        "norm_every": 5,
        "init_seeds": 5,
        "init_epochs": 300,
        "init_log_every": 5,
        "init_signal_epochs": 20,
        "init_processes": None,  # one worker per core
        "landscape_steps": 51,
        "landscape_snapshot_every": 10,
    }


def run(args) -> int:
    from deltagrad.commands import reproduce_steps as steps

    common.check_seed(args.seed)
    out = common.output_dir(args.out, records=("metrics.json", "report.html"))
    settings = _settings(args.quick)
    plan = steps.plan(out, args.seed, settings)
    sections, summary, timings = [], {}, {}
    start = time.perf_counter()
    for k, (key, title, step) in enumerate(plan, 1):
        print(f"\n=== [{k}/{len(plan)}] {title} ===", flush=True)
        t0 = time.perf_counter()
        result = step()
        timings[key] = round(time.perf_counter() - t0, 3)
        sections.extend(result["sections"])
        summary[key] = result["summary"]
    total = time.perf_counter() - start
    meta = _meta(args, total)
    report = steps.write_report(out, sections, meta)
    common.write_json(
        out,
        "metrics.json",
        {
            "seed": args.seed,
            "quick": args.quick,
            "seconds": total,
            "step_seconds": timings,
            "versions": _versions(),
            "settings": settings,
            "results": summary,
            "report": report.name,
        },
    )
    print(
        f"\nReproduced the chapter in {total:.1f} s: {report} (open it in a browser), "
        f"metrics.json and every figure under {out}"
    )
    return 0


def _versions() -> dict:
    import matplotlib
    import numpy
    import sklearn

    versions = {
        "deltagrad": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "matplotlib": matplotlib.__version__,
        "scikit-learn": sklearn.__version__,
    }
    try:
        import numba

        versions["numba"] = numba.__version__
    except ImportError:  # pragma: no cover - numba is a dependency, but report its absence honestly
        versions["numba"] = "not installed"
    return versions


def _meta(args, seconds: float) -> list[str]:
    v = _versions()
    mode = "quick mode (fewer epochs, coarser grids)" if args.quick else "full run"
    return [
        f"Seed {args.seed}; {mode}; {seconds:.1f} s on {platform.machine()} ({sys.platform}).",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
    ]
