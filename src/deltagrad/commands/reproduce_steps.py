"""The steps of ``deltagrad reproduce``: each runs one part of the chapter into its own folder
under --out and returns report sections and a summary. Commands are reused, not re-implemented.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from deltagrad import report as rp
from deltagrad.commands import common

CHAPTER_MOONS = {"test_accuracy": 0.9767, "train_mse": 0.024335, "epoch": 990}


def _read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def _fig(folder: Path, name: str, caption: str) -> rp.FigureRef:
    return rp.FigureRef(folder / name, caption)


def _pt(p) -> str:
    return "(" + ", ".join(f"{v:.6f}" for v in p) + ")"


def plan(out: Path, seed: int, s: dict, command) -> list:
    """``[(key, title, step)]`` in the chapter's order; ``command(argv)`` runs a deltagrad command."""

    def chain_rule():
        d = out / "chain_rule"
        command(["chain-rule", "--out", str(d)])
        r = _read_json(d / "results.json")
        demo = r["tape_demo"]
        t1 = rp.Table("The chapter's tape demonstration (x = 1, w1 = 2, b1 = 1, w2 = 2, b2 = 1)",
                      ["quantity", "tape", "chapter"],
                      [["dy2/dy1", demo["dy2_dy1"], 2.0], ["dy1/dw1", demo["dy1_dw1"], 1.0],
                       ["dy2/dy1 · dy1/dw1", demo["chain_product"], 2.0],
                       ["dy2/dw1", demo["dy2_dw1"], 2.0]])
        t2 = rp.Table("z = (2t + 1)² + e^(t²): dz/dt on the tape and by hand, 4(2t + 1) + 2t·e^(t²)",
                      ["t", "tape", "by hand"],
                      [[row["t"], row["tape"], row["analytic"]] for row in r["dz_dt"]], digits=12)
        section = rp.Section("7.6 The chain rule", ["The chapter's GradientTape example, on "
                             "deltagrad's tape: the chain-rule product equals the direct gradient."],
                             [t1, t2], anchor="chain-rule")
        ok = demo["chain_product"] == demo["dy2_dw1"] == 2.0
        return {"sections": [section], "summary": {"dy2_dw1": demo["dy2_dw1"], "matches_chapter": ok}}

    def derivatives():
        from deltagrad.commands import derivatives_step
        return derivatives_step.run(out / "derivatives")

    def gradcheck():
        d = out / "gradcheck"
        code = command(["gradcheck", "--out", str(d), "--seed", str(seed),
                        "--samples", str(s["gradcheck_samples"])])
        r = _read_json(d / "results.json")
        with open(d / "gradient_table.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        worst = sorted(rows, key=lambda row: -float(row["rel_error"]))[:8]
        table = rp.Table(f"The eight largest relative errors of {len(rows)} parameters",
                         ["parameter", "index", "delta rule", "tape", "finite difference",
                          "relative error"],
                         [[w["parameter"], w["index"], float(w["delta_rule"]), float(w["tape"]),
                           float(w["numeric"]), float(w["rel_error"])] for w in worst], digits=10)
        verdict = '<span class="ok">pass</span>' if code == 0 else '<span class="bad">FAIL</span>'
        section = rp.Section("Gradient check: delta rule = tape = finite differences",
                             [f"Every weight and bias of the chapter's 2-25-50-25-2 network: the "
                              f"hand-written delta rule (7.7), deltagrad's tape, and central "
                              f"differences in float64. Largest relative error "
                              f"{max(float(row['rel_error']) for row in rows):.2e} "
                              f"(threshold 1e-6): {verdict}. The full table is "
                              f"<code>gradcheck/gradient_table.csv</code>."], [table],
                             anchor="gradcheck", nav="Gradient check of the network")
        return {"sections": [section], "summary": {"parameters": len(rows), "passed": code == 0,
                                                   **{k: v for k, v in r.items() if k != "rows"}}}

    def himmelblau():
        d = out / "himmelblau"
        command(["himmelblau", "--out", str(d), "--basin-grid", str(s["basin_grid"])])
        r = _read_json(d / "results.json")
        rows = r["table"]["rows"]
        t71 = rp.Table("Table 7-1: start, numerical solution, nearest analytic minimum",
                       ["start", "solution", "f", "nearest minimum", "distance"],
                       [[_pt(x["start"]), _pt(x["solution"]), x["f"], _pt(x["nearest_minimum"]),
                         x["distance"]] for x in rows])
        crit = rp.Table("The nine critical points (Newton's method, gradient and Hessian from "
                        "nested tapes), classified by the Hessian's eigenvalues",
                        ["point", "f", "kind", "eigenvalues"],
                        [[_pt(c["point"]), c["f"], c["kind"], _pt(c["eigenvalues"])]
                         for c in r["critical_points"]])
        figs = [_fig(d, "fig7_11_himmelblau_surface.png", "Figure 7-11: Himmelblau's function "
                     "(elevation 60°, azimuth −30°)"),
                _fig(d, "fig7_12_himmelblau_contour.png", "Figure 7-12: contours, the four "
                     "descent trajectories, minima, maximum and saddles"),
                _fig(d, "fig7_1_nonconvex.png", "Figure 7-1: a non-convex function; descents "
                     "from different starts end in different minima"),
                _fig(d, "himmelblau_basins.png", "Basins of attraction of gradient descent, at "
                     "the chapter's learning rate and at one where descent starts to diverge")]
        section = rp.Section("7.8 Himmelblau's function", [
            f"Gradient descent through the tape, learning rate {r['settings']['lr']}, "
            f"{r['settings']['steps']} steps, {r['settings']['dtype']}, from the chapter's four "
            "starts."], [t71, crit], figs, anchor="himmelblau")
        kinds = [c["kind"] for c in r["critical_points"]]
        return {"sections": [section], "summary": {
            "table_7_1": rows, "critical_points": {k: kinds.count(k) for k in sorted(set(kinds))}}}

    def moons():
        from deltagrad.experiments.moons import watching

        from deltagrad.data import chapter_data

        d = out / "moons"
        data = chapter_data()  # the moons command's default data, split the chapter's way
        snapshots = _boundary_snapshots(s, data)
        with watching(snapshots):  # the GIF's frames: snapshots of this run, not a second one
            command(["moons", "--out", str(d), "--seed", str(seed), "--epochs",
                     str(s["moons_epochs"]), "--log-every", str(s["log_every"])])
        m = _read_json(d / "metrics.json")
        _dynamics(d, seed, s, snapshots.evolution(frames=s["gif_frames"]), data)
        last = m["history"][-1]
        table = rp.Table("deltagrad beside the chapter (2-25-50-25-2 sigmoid network, MSE, "
                         "per-sample SGD, learning rate 0.01)",
                         ["", "epochs", "training MSE", "test accuracy"],
                         [["chapter (epoch 990)", 1000, CHAPTER_MOONS["train_mse"],
                           f"{CHAPTER_MOONS['test_accuracy']:.2%}"],
                          [f"deltagrad, seed {seed} (epoch {last['epoch']})", m["epochs"],
                           last["mse"], f"{m['test_accuracy']:.2%}"]])
        figs = [_fig(d, "fig7_13_network.png", "Figure 7-13: the network, drawn from the model"),
                _fig(d, "fig7_14_dataset.png", "Figure 7-14: the two-moons data, coloured by class"),
                _fig(d, "fig7_15_train_mse.png", "Figure 7-15: training MSE per epoch"),
                _fig(d, "fig7_16_test_accuracy.png", "Figure 7-16: test accuracy per epoch"),
                _fig(d, "decision_boundary.png", "The learned decision boundary: predicted "
                     "probability of class 1, its 0.5 line, and the data"),
                _fig(d, "decision_boundary.gif", f"The decision boundary over the whole run "
                     f"above ({m['epochs']} epochs, seed {seed}): snapshots of the same "
                     "training, each with its epoch and test accuracy; frames are denser "
                     "where the boundary moves, and the last is held"),
                _fig(d, "gradient_norms.png", "Per-layer gradient norms during training: the "
                     "sigmoid network's first layers get far smaller gradients than ReLU's")]
        section = rp.Section("7.9 Backpropagation by hand: the two-moons classifier", [
            f"Trained in {m['seconds']:.1f} s. Test accuracy {m['test_accuracy']:.2%}, training "
            f"accuracy {m['train_accuracy']:.2%}, final training MSE {m['final_train_mse']:.6f}."],
            [table], figs, anchor="moons", nav="7.9 The two-moons classifier")
        return {"sections": [section], "summary": {
            k: m[k] for k in ("test_accuracy", "train_accuracy", "final_train_mse", "epochs",
                              "seconds")}}

    return [("derivatives", "7.2-7.4 derivatives, activations, softmax", derivatives),
            ("chain_rule", "7.6 the chain rule", chain_rule),
            ("gradcheck", "gradient check of the chapter's network", gradcheck),
            ("himmelblau", "7.8 Himmelblau's function", himmelblau),
            ("moons", "7.9 the two-moons network", moons)]


def _boundary_snapshots(s: dict, data):
    """A watcher for the moons run: copies of the network at gif_snapshots epochs spread over
    the whole run, drawn on a grid covering ``data`` (the chapter's split, the run's data)."""
    from deltagrad.experiments import dynamics

    X_train, X_test, _, y_test = data
    epochs = s["moons_epochs"]
    return dynamics.BoundarySnapshots(np.concatenate([X_train, X_test]), X_test, y_test,
                                      dynamics.snapshot_epochs(epochs, s["gif_snapshots"]),
                                      epochs, steps=s["gif_grid"])


def _dynamics(d: Path, seed: int, s: dict, evolution: dict, data) -> None:
    """decision_boundary.gif (from the moons run's snapshots) and gradient_norms.png next to
    the moons outputs."""
    from deltagrad.experiments import dynamics
    from deltagrad.figures import dynamics as figures

    X_train, X_test, y_train, y_test = data
    if not evolution["epochs"]:
        raise RuntimeError("reproduce: the moons run took no snapshots for the GIF")
    figures.boundary_gif(evolution, np.concatenate([X_train, X_test]),
                         np.concatenate([y_train, y_test]), d / "decision_boundary.gif")
    common.write_json(d, "decision_boundary.json", {  # what each frame of the GIF shows
        "source": "snapshots of this folder's moons run (metrics.json), taken while it trained",
        "epochs": evolution["epochs"], "test_accuracy": evolution["test_accuracy"],
        "total_epochs": evolution["total_epochs"], "grid": list(evolution["xx"].shape)})
    norms = dynamics.gradient_norms(X_train, X_test, y_train, y_test, epochs=s["norm_epochs"],
                                    seed=seed, every=s["norm_every"])
    figures.gradient_norms_figure(norms, d / "gradient_norms.png")


def write_report(out: Path, sections, meta) -> Path:
    return rp.write(out / "report.html", "Backpropagation, reproduced: deltagrad's run of the chapter",
                    sections, meta)
