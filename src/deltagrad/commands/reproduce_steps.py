"""The steps of ``deltagrad reproduce``. Each composes the parts a command is made of,
``compute(settings) -> result``, ``write(out, result) -> paths`` and
``describe(result, folder) -> report sections``, in its own folder under --out: the same
functions the command's ``run(args)`` uses, called directly (no command line, no files read
back). The 7.2-7.4 derivatives, which have no command of their own, are a step of the same
shape here; so are the moons run's extras (the decision-boundary GIF and gradient norms).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from deltagrad import report as rp
from deltagrad._files import atomic_path
from deltagrad.commands import (
    chain_rule,
    common,
    explain,
    gradcheck,
    himmelblau,
    init_compare,
    landscape,
    moons,
)


def plan(out: Path, seed: int, s: dict) -> list:
    """``[(key, title, step)]`` in the chapter's order; ``step()`` claims the folder
    ``out / key``, computes, writes, and returns ``{"sections": [...], "summary": {...}}``."""
    shared: dict = {}  # results a later step reuses (the moons run, for the landscape)

    def derivatives_step():
        return _compose(
            out / "derivatives",
            ("results.json",),
            compute_derivatives,
            write_derivatives,
            describe_derivatives,
            lambda r: {"worked_examples": len(r["rows"]), "max_rel_error": r["max_rel_error"]},
        )

    def chain_rule_step():
        return _compose(
            out / "chain_rule",
            chain_rule.RECORDS,
            chain_rule.compute,
            chain_rule.write,
            chain_rule.describe,
            lambda r: {
                "dy2_dw1": r["tape_demo"]["dy2_dw1"],
                "matches_chapter": chain_rule.matches_chapter(r),
            },
        )

    def explain_step():
        return _compose(
            out / "explain",
            explain.RECORDS,
            lambda: explain.seeded(seed=seed, sample=0),
            explain.write,
            explain.describe,
            lambda r: {
                "sample": 0,
                "loss": r["explanation"]["loss"],
                "max_rel_error": r["explanation"]["max_rel_error"],
                "passed": explain.results(r)["passed"],
            },
        )

    def gradcheck_step():
        return _compose(
            out / "gradcheck",
            gradcheck.RECORDS,
            lambda: gradcheck.compute(seed=seed, samples=s["gradcheck_samples"]),
            gradcheck.write,
            gradcheck.describe,
            lambda r: {
                "parameters": len(r["rows"]),
                "passed": r["summary"]["passed"],
                **gradcheck.results(r),
            },
        )

    def himmelblau_step():
        def summary(r):
            kinds = [c.kind for c in r["critical"]]
            return {
                "table_7_1": r["results"]["table"]["rows"],
                "critical_points": {k: kinds.count(k) for k in sorted(set(kinds))},
            }

        return _compose(
            out / "himmelblau",
            himmelblau.RECORDS,
            lambda: himmelblau.compute(basin_grid=s["basin_grid"]),
            himmelblau.write,
            himmelblau.describe,
            summary,
        )

    def moons_step():
        return _compose(
            out / "moons",
            moons.RECORDS,
            lambda: shared.setdefault("moons", compute_moons(seed, s)),
            write_moons,
            describe_moons,
            lambda r: {
                k: r["run"].metrics[k]
                for k in ("test_accuracy", "train_accuracy", "final_train_mse", "epochs", "seconds")
            },
        )

    def init_compare_step():
        from deltagrad.experiments.init_compare import InitCompareConfig

        config = InitCompareConfig(
            seeds=tuple(range(seed, seed + s["init_seeds"])),
            epochs=s["init_epochs"],
            log_every=s["init_log_every"],
            signal_epochs=s["init_signal_epochs"],
        ).check()
        return _compose(
            out / "init_compare",
            init_compare.RECORDS,
            lambda: init_compare.compute(config, processes=s["init_processes"]),
            init_compare.write,
            init_compare.describe,
            lambda r: {
                "config": r.config.as_dict(),
                "test_accuracy": {
                    k: {q: v[q] for q in ("mean", "std", "min", "max")}
                    for k, v in r.summary.items()
                },
                "symmetric": {k: v["symmetric"] for k, v in r.summary.items()},
            },
        )

    def landscape_step():
        # The moons step's run, watched for weight snapshots: the chapter's network is
        # trained once for both (trained here only if that step did not run).
        trained = shared.get("moons", {}).get("trajectory")
        return _compose(
            out / "landscape",
            landscape.RECORDS,
            lambda: landscape.compute(landscape_config(seed, s), trained=trained),
            landscape.write,
            landscape.describe,
            lambda r: {
                "config": r.config.as_dict(),
                "seed": r.metrics["seed"],
                "directions_seed": r.metrics["directions_seed"],
                "centre_loss": r.metrics["random_plane"]["centre_loss"],
                "slice_seconds": r.metrics["seconds"]["random_plane"],
                "pca_explained": r.metrics["pca_plane"]["explained"],
            },
        )

    return [
        ("derivatives", "7.2-7.4 derivatives, activations, softmax", derivatives_step),
        ("chain_rule", "7.6 the chain rule", chain_rule_step),
        ("explain", "7.7 the delta rule for one sample", explain_step),
        ("gradcheck", "gradient check of the chapter's network", gradcheck_step),
        ("himmelblau", "7.8 Himmelblau's function", himmelblau_step),
        ("moons", "7.9 the two-moons network", moons_step),
        ("init_compare", "7.9 initialisation compared", init_compare_step),
        ("landscape", "7.9 the loss landscape of the trained network", landscape_step),
    ]


def _compose(folder: Path, records, compute, write, describe, summary) -> dict:
    """One step: claim ``folder`` as the command would (its record removed), compute, write
    (the record last), describe; ``summary(result)`` is the step's part of metrics.json."""
    out = common.output_dir(folder, records=records)
    result = compute()
    write(out, result)
    return {"sections": describe(result, out), "summary": common.jsonable(summary(result))}


def write_report(out: Path, sections, meta) -> Path:
    return rp.write(
        out / "report.html",
        "Backpropagation, reproduced: deltagrad's run of the chapter",
        sections,
        meta,
    )


# --- 7.2-7.4: the worked derivatives (table) and Figures 7-2 to 7-6 --------------------------

_DERIVATIVE_CAPTIONS = {
    "sigmoid": "Figure 7-2: the sigmoid and its derivative σ(x)(1 − σ(x))",
    "relu": "Figure 7-3: ReLU and its derivative (0 at x = 0)",
    "leaky_relu": "Figure 7-4: LeakyReLU and its derivative (1 or p)",
    "tanh": "Figure 7-5: tanh and its derivative 1 − tanh²(x)",
    "softmax": "Figure 7-6: softmax turns logits into probabilities",
}
_DERIVATIVE_COLUMNS = ["section", "formula", "point", "analytic", "tape", "numeric", "rel_error"]


def _point(p: dict) -> str:
    return ", ".join(f"{k} = {v:g}" for k, v in p.items())


def _derivative_row(r: dict) -> list:
    """A worked derivative as the CSV file (after its section) and the report's table show it."""
    point = _point(r["point"])
    return [r["formula"], point, r["analytic"], r["tape"], r["numeric"], r["rel_error"]]


def compute_derivatives() -> dict:
    """The worked examples (analytic, tape, finite difference), the activation curves and
    the softmax example: ``{"rows", "curves", "softmax", "max_rel_error"}``."""
    from deltagrad.experiments import derivatives

    rows = derivatives.worked_examples()
    return {
        "rows": rows,
        "curves": derivatives.activation_curves(),
        "softmax": derivatives.softmax_example(),
        "max_rel_error": max(r["rel_error"] for r in rows),
    }


def write_derivatives(out: Path, result: dict) -> list[Path]:
    """derivatives.csv, Figures 7-2 to 7-6 and results.json (last) in ``out``."""
    from deltagrad.figures import derivatives as figures

    rows, worst = result["rows"], result["max_rel_error"]
    table = common.output_file(out, "derivatives.csv")
    with atomic_path(table) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_DERIVATIVE_COLUMNS)
        for r in rows:
            writer.writerow([r["section"], *_derivative_row(r)])
    paths = [table]
    for name, curve in result["curves"].items():
        paths.append(common.output_file(out, figures.FILENAMES[name]))
        figures.activation_figure(curve, paths[-1])
    paths.append(common.output_file(out, figures.FILENAMES["softmax"]))
    figures.softmax_figure(result["softmax"], paths[-1])
    paths.append(
        common.write_json(out, "results.json", {"worked_examples": rows, "max_rel_error": worst})
    )
    print(
        f"{len(rows)} worked derivatives: analytic = tape = finite difference, largest "
        f"relative error {worst:.1e}; Figures 7-2 to 7-6 in {out}"
    )
    return paths


def describe_derivatives(result: dict, folder: Path) -> list[rp.Section]:
    """The report's 7.2 and 7.3-7.4 sections."""
    from deltagrad.figures import derivatives as figures

    rows, worst = result["rows"], result["max_rel_error"]
    table = rp.Table(
        "7.2 The derivative rules and worked examples at sample points",
        ["formula", "at", "analytic", "tape", "finite difference", "rel. error"],
        [_derivative_row(r) for r in rows],
        digits=10,
    )
    s72 = rp.Section(
        "7.2 Derivative rules, checked three ways",
        [
            "Every rule and worked example of 7.2: the hand formula, deltagrad's tape and a "
            f"central difference in float64 agree; largest relative error {worst:.1e}."
        ],
        [table],
        anchor="derivatives",
    )
    s73 = rp.Section(
        "7.3–7.4 Activation functions and softmax",
        ["Each activation with its derivative; the markers are finite differences."],
        [],
        [
            rp.FigureRef(folder / figures.FILENAMES[n], _DERIVATIVE_CAPTIONS[n])
            for n in [*result["curves"], "softmax"]
        ],
        anchor="activations",
    )
    return [s72, s73]


# --- 7.9: the moons command's run, snapshotted for the GIF, and the gradient norms ----------


def landscape_config(seed: int, s: dict):
    """The landscape step's settings: the moons step's run (same seed and epochs)."""
    from deltagrad.experiments.landscape import LandscapeConfig

    return LandscapeConfig(
        epochs=s["moons_epochs"],
        seed=seed,
        directions_seed=seed + 1,
        steps=s["landscape_steps"],
        snapshot_every=s["landscape_snapshot_every"],
        log_every=s["log_every"],
    ).check()


def compute_moons(seed: int, s: dict) -> dict:
    """The chapter's network trained once (the moons command's run), snapshots of it taken
    while it trains (the GIF's frames, and the weights for the loss landscape's trajectory),
    and the gradient norms of the sigmoid and ReLU comparison runs:
    ``{"run", "evolution", "norms", "trajectory"}``."""
    from deltagrad.data import chapter_data
    from deltagrad.experiments import dynamics
    from deltagrad.experiments.landscape import Snapshots
    from deltagrad.experiments.moons import MoonsConfig

    data = chapter_data()  # the moons command's default data, split the chapter's way
    X_train, X_test, y_train, y_test = data
    epochs = s["moons_epochs"]
    config = MoonsConfig(epochs=epochs, seed=seed, log_every=s["log_every"]).check()
    snapshots = dynamics.BoundarySnapshots(
        np.concatenate([X_train, X_test]),
        X_test,
        y_test,
        dynamics.snapshot_epochs(epochs, s["gif_snapshots"]),
        epochs,
        steps=s["gif_grid"],
    )
    weights = Snapshots.start(landscape_config(seed, s), data)

    def watch(net, epoch, record):
        snapshots(net, epoch, record)
        weights(net, epoch, record)

    run = moons.compute(config, watch=watch)
    evolution = snapshots.evolution(frames=s["gif_frames"])
    if not evolution["epochs"]:
        raise RuntimeError("reproduce: the moons run took no snapshots for the GIF")
    norms = dynamics.gradient_norms(
        X_train, X_test, y_train, y_test, epochs=s["norm_epochs"], seed=seed, every=s["norm_every"]
    )
    return {
        "run": run,
        "evolution": evolution,
        "norms": norms,
        "trajectory": weights.trajectory(run),
    }


def write_moons(out: Path, result: dict) -> list[Path]:
    """decision_boundary.gif (and .json, what each frame shows), gradient_norms.png, then
    the moons command's files, its record metrics.json last."""
    from deltagrad.figures import dynamics as figures

    run, evolution = result["run"], result["evolution"]
    paths = [
        figures.boundary_gif(
            evolution, run.X, run.y, common.output_file(out, "decision_boundary.gif")
        ),
        common.write_json(
            out,
            "decision_boundary.json",
            {  # what each frame shows
                "source": "snapshots of this folder's moons run (metrics.json), taken while "
                "it trained",
                "epochs": evolution["epochs"],
                "test_accuracy": evolution["test_accuracy"],
                "total_epochs": evolution["total_epochs"],
                "grid": list(evolution["xx"].shape),
            },
        ),
        figures.gradient_norms_figure(
            result["norms"], common.output_file(out, "gradient_norms.png")
        ),
    ]
    return [*paths, *moons.write(out, run)]


def describe_moons(result: dict, folder: Path) -> list[rp.Section]:
    """The moons command's 7.9 section, with the GIF and the gradient norms added."""
    m = result["run"].metrics
    sections = moons.describe(result["run"], folder)
    sections[-1].figures += [
        rp.FigureRef(
            folder / "decision_boundary.gif",
            f"The decision boundary over the whole "
            f"run above ({m['epochs']} epochs, seed {m['seed']}): snapshots of the same "
            "training, each with its epoch and test accuracy; frames are denser where "
            "the boundary moves, and the last is held",
        ),
        rp.FigureRef(
            folder / "gradient_norms.png",
            "Per-layer gradient norms during training: "
            "the sigmoid network's first layers get far smaller gradients than ReLU's",
        ),
    ]
    return sections
