"""Drawing a long tape with dg.viz.graph: a 10,000-op recording, traced (every gradient),
grouped by op name and rendered to SVG and PNG, against recording the same computation and
one tape.gradient, in one run.

    python benchmarks/viz_graph.py

Target: the 10,000-op graph drawn (trace, grouping, layout, PNG) in under 2 s.
"""

from __future__ import annotations

import io

import numpy as np
from _timing import best_time

import deltagrad as dg
from deltagrad import viz

N_BLOCKS = 2500  # four ops each, plus the final sum: 10,001 ops


def record():
    x = dg.Variable(np.linspace(0.0, 1.0, 5), name="x")
    with dg.GradientTape(persistent=True) as tape:
        y = x
        for _ in range(N_BLOCKS):
            y = dg.sin(y) * 0.5 + x - 0.1
        loss = dg.sum(y)
    return tape, loss, x


def main() -> None:
    tape, loss, x = record()
    t_record = best_time(record, 1, repeat=3)
    t_gradient = best_time(lambda: tape.gradient(loss, x), 1, repeat=3)
    t_trace = best_time(lambda: viz.trace(tape, loss), 1, repeat=3)
    t_svg = best_time(lambda: viz.graph(tape, loss).svg(), 1, repeat=3)
    t_png = best_time(
        lambda: viz.graph(tape, loss).figure().savefig(io.BytesIO(), format="png"), 1, repeat=3
    )
    g = viz.graph(tape, loss)
    print(f"{len(g.trace.ops):,} ops; {g.grouped}")
    rows = [
        ("record the computation", t_record),
        ("tape.gradient", t_gradient),
        ("viz.trace (every gradient)", t_trace),
        ("viz.graph -> SVG", t_svg),
        ("viz.graph -> PNG", t_png),
    ]
    for name, t in rows:
        print(f"{name:<30}{t * 1e3:>10.1f} ms{t / t_record:>10.2f} x recording")
    worst = max(t_svg, t_png)
    verdict = "met" if worst < 2.0 else "NOT met"
    print(f"target: the graph drawn in under 2 s — {verdict} ({worst:.2f} s)")


if __name__ == "__main__":
    main()
