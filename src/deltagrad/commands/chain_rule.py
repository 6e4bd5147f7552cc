"""The chapter's chain-rule demonstration (7.6): the GradientTape example and dz/dt, checked.

Prints dy2/dy1, dy1/dw1, their product and dy2/dw1 (the chapter prints 2.0 and 2.0), then
dz/dt for z = (2t + 1)² + e^(t²) from the tape beside the hand-derived 4(2t + 1) + 2t·e^(t²),
and writes both to results.json in --out. Beside it: the graph of the 7.6 example as the tape
recorded it, with values and gradients (chain_rule_graph.png), the same for 7.5's single
neuron (neuron_graph.png), and pages that step through their forward and backward passes op
by op (chain_rule_steps.html, neuron_steps.html; open them in a browser). Nothing here is
random, so there is no --seed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from deltagrad import report as rp
from deltagrad.commands import common, flags
from deltagrad.experiments import chain_rule

NAME = "chain-rule"
HELP = "the chapter's chain-rule demonstration (7.6), checked on the tape"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    flags.allow_negative_values(parser)  # '--t -1e-3' is a value
    common.add_common_arguments(parser, default_out="out/chain_rule", seed=False)
    parser.add_argument(
        "--t",
        type=flags.float_within(10),
        action="append",
        metavar="T",
        help="a point t for dz/dt (repeatable; default: -1, 0, 0.5, 1)",
    )


def run(args) -> int:
    result = compute(args.t or DEFAULT_TS)
    out = common.output_dir(args.out, records=RECORDS)
    write(out, result)
    return 0


# --- compute, write, describe: the command's parts, which ``reproduce`` composes too -------

DEFAULT_TS = (-1.0, 0.0, 0.5, 1.0)
RECORDS = ("results.json",)  # the run's record: removed when a run starts, written last
PAGES = {  # name: (page title, what the report says of it)
    "chain_rule": (
        "Chapter 7.6: y1 = x·w1 + b1, y2 = y1·w2 + b2, step by step",
        "the 7.6 tape example",
    ),
    "neuron": (
        "Chapter 7.5: one neuron, o = σ(w1·x1 + w2·x2 + b), L = ½(o − t)², step by step",
        "7.5's single neuron",
    ),
}


def compute(ts=DEFAULT_TS) -> dict:
    """The tape demonstration and dz/dt at each t, printed as it goes:
    ``{"tape_demo": {...}, "dz_dt": [{"t", "tape", "analytic"}, ...]}``."""
    demo = chain_rule.tape_demo()
    print("y1 = x*w1 + b1, y2 = y1*w2 + b2 with x=1, w1=2, b1=1, w2=2, b2=1")
    print(f"dy2/dy1 = {demo['dy2_dy1']}, dy1/dw1 = {demo['dy1_dw1']}")
    print(f"dy2/dy1 * dy1/dw1 = {demo['chain_product']}, dy2/dw1 = {demo['dy2_dw1']}")
    print()
    print("z = (2t + 1)^2 + exp(t^2):  dz/dt = 4(2t + 1) + 2t exp(t^2)")
    print(f"{'t':>8}{'tape':>18}{'by hand':>18}")
    rows = [chain_rule.dz_dt(t) for t in ts]
    for r in rows:
        print(f"{r['t']:>8g}{r['tape']:>18.10g}{r['analytic']:>18.10g}")
    from deltagrad import viz

    traces = {name: viz.trace(*viz.examples.EXAMPLES[name]()) for name in PAGES}
    return {"tape_demo": demo, "dz_dt": rows, "traces": traces}


def write(out: Path, result: dict) -> list[Path]:
    """The graphs (PNG) and step-through pages of the 7.6 example and 7.5's neuron, then
    results.json (last) in ``out`` (a claimed folder)."""
    from deltagrad._files import write_text
    from deltagrad.viz.graph import Graph
    from deltagrad.viz.step_through import page_html

    paths = []
    for name, (title, _) in PAGES.items():
        tr = result["traces"][name]
        paths.append(Graph(tr).save(common.output_file(out, f"{name}_graph.png")))
        page = common.output_file(out, f"{name}_steps.html")
        paths.append(write_text(page, page_html(tr, title)))
    record = {k: v for k, v in result.items() if k != "traces"}
    record["graphs"] = {
        name: {n.label: n.grad for n in tr.nodes if n.kind == "input"}
        for name, tr in result["traces"].items()
    }
    paths.append(common.write_json(out, "results.json", record))
    print(f"\nwrote {', '.join(p.name for p in paths)} to {out}")
    return paths


def describe(result: dict, folder: Path) -> list[rp.Section]:
    """The report's 7.6 section."""
    r = common.jsonable({k: v for k, v in result.items() if k != "traces"})
    demo = r["tape_demo"]
    t1 = rp.Table(
        "The chapter's tape demonstration (x = 1, w1 = 2, b1 = 1, w2 = 2, b2 = 1)",
        ["quantity", "tape", "chapter"],
        [
            ["dy2/dy1", demo["dy2_dy1"], 2.0],
            ["dy1/dw1", demo["dy1_dw1"], 1.0],
            ["dy2/dy1 · dy1/dw1", demo["chain_product"], 2.0],
            ["dy2/dw1", demo["dy2_dw1"], 2.0],
        ],
    )
    t2 = rp.Table(
        "z = (2t + 1)² + e^(t²): dz/dt on the tape and by hand, 4(2t + 1) + 2t·e^(t²)",
        ["t", "tape", "by hand"],
        [[row["t"], row["tape"], row["analytic"]] for row in r["dz_dt"]],
        digits=12,
    )
    pages = ", ".join(
        f'<a href="{folder.name}/{name}_steps.html">{what}</a>' for name, (_, what) in PAGES.items()
    )
    return [
        rp.Section(
            "7.6 The chain rule",
            [
                "The chapter's GradientTape example, on "
                "deltagrad's tape: the chain-rule product equals the direct gradient.",
                "Below, the same computation as the tape recorded it (dg.viz.graph): each box a "
                "tensor with its value and its gradient ∂y2/∂tensor, each circle an op. Step "
                f"through the forward and backward pass, op by op with each rule's numbers: "
                f"{pages}.",
            ],
            [t1, t2],
            [
                rp.FigureRef(
                    folder / "chain_rule_graph.png",
                    "The 7.6 example's graph: inputs green, the target orange; dy2/dw1 = 2",
                ),
                rp.FigureRef(
                    folder / "neuron_graph.png",
                    "7.5's neuron: ∂L/∂wj = (o − t)·o(1 − o)·xj, read off the boxes w1 and w2",
                ),
            ],
            anchor="chain-rule",
        )
    ]


def matches_chapter(result: dict) -> bool:
    """dy2/dy1 · dy1/dw1 = dy2/dw1 = 2.0, as the chapter prints."""
    demo = result["tape_demo"]
    return demo["chain_product"] == demo["dy2_dw1"] == 2.0
