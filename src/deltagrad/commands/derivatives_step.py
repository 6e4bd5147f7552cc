"""The 7.2-7.4 part of ``deltagrad reproduce``: the worked derivative examples as a table
(formula, analytic, tape, finite difference) and Figures 7-2 to 7-6, into one folder."""
from __future__ import annotations

import csv
from pathlib import Path

from deltagrad import report as rp
from deltagrad._files import atomic_path
from deltagrad.commands import common
from deltagrad.experiments import derivatives
from deltagrad.figures import derivatives as figures

_CAPTIONS = {
    "sigmoid": "Figure 7-2: the sigmoid and its derivative σ(x)(1 − σ(x))",
    "relu": "Figure 7-3: ReLU and its derivative (0 at x = 0)",
    "leaky_relu": "Figure 7-4: LeakyReLU and its derivative (1 or p)",
    "tanh": "Figure 7-5: tanh and its derivative 1 − tanh²(x)",
    "softmax": "Figure 7-6: softmax turns logits into probabilities",
}
_COLUMNS = ["section", "formula", "point", "analytic", "tape", "numeric", "rel_error"]


def _point(p: dict) -> str:
    return ", ".join(f"{k} = {v:g}" for k, v in p.items())


def run(folder: Path) -> dict:
    """Write derivatives.csv, results.json and the five figures; return report sections."""
    out = common.output_dir(folder, records=("results.json",))
    rows = derivatives.worked_examples()
    with atomic_path(common.output_file(out, "derivatives.csv")) as tmp, \
            open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_COLUMNS)
        for r in rows:
            writer.writerow([r["section"], r["formula"], _point(r["point"]), r["analytic"],
                             r["tape"], r["numeric"], r["rel_error"]])
    curves = derivatives.activation_curves()
    for name, curve in curves.items():
        figures.activation_figure(curve, common.output_file(out, figures.FILENAMES[name]))
    softmax = derivatives.softmax_example()
    figures.softmax_figure(softmax, common.output_file(out, figures.FILENAMES["softmax"]))
    worst = max(r["rel_error"] for r in rows)
    common.write_json(out, "results.json", {"worked_examples": rows, "max_rel_error": worst})
    print(f"{len(rows)} worked derivatives: analytic = tape = finite difference, largest "
          f"relative error {worst:.1e}; Figures 7-2 to 7-6 in {out}")
    table = rp.Table("7.2 The derivative rules and worked examples at sample points",
                     ["formula", "at", "analytic", "tape", "finite difference", "rel. error"],
                     [[r["formula"], _point(r["point"]), r["analytic"], r["tape"], r["numeric"],
                       r["rel_error"]] for r in rows], digits=10)
    s72 = rp.Section("7.2 Derivative rules, checked three ways", [
        f"Every rule and worked example of 7.2: the hand formula, deltagrad's tape and a central "
        f"difference in float64 agree; largest relative error {worst:.1e}."], [table],
        anchor="derivatives")
    s73 = rp.Section("7.3–7.4 Activation functions and softmax", [
        "Each activation with its derivative; the markers are finite differences."], [],
        [rp.FigureRef(out / figures.FILENAMES[n], _CAPTIONS[n]) for n in [*curves, "softmax"]],
        anchor="activations")
    return {"sections": [s72, s73],
            "summary": {"worked_examples": len(rows), "max_rel_error": worst}}
