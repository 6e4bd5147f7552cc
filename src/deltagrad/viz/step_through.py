"""A page that steps through a recorded computation: ``dg.viz.step_through(tape, target, path)``.

The page is one HTML file with its style, script and drawing inline: it opens from disk with no
network. Back / Next (or the arrow keys) walk the forward pass op by op, then the backward pass
op by op in reverse order; each step highlights the op on the graph and shows the rule with its
numbers, and the table of gradients fills in as the backward pass reaches each tensor — with
both contributions written out where a tensor is used twice.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from deltagrad._files import write_text
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor
from deltagrad.viz.graph import MAX_NODES, Graph
from deltagrad.viz.rules import backward_text, d, forward_text
from deltagrad.viz.trace import Trace, summary, trace


def steps(tr: Trace) -> list[dict]:
    """The page's steps: ``{"phase", "title", "lines", "highlight", "grads"}`` each.

    ``highlight`` are SVG ids (``op-N``, ``node-N``); ``grads`` maps node labels to the
    gradient text known after the step (the backward pass fills it in).
    """
    target = tr.nodes[tr.target].label
    out: list[dict] = []
    n_fwd = len(tr.ops)
    for op in tr.ops:
        out.append(
            {
                "phase": "forward",
                "title": f"Forward pass, op {op.index + 1} of {n_fwd}: {op.name}",
                "lines": [forward_text(tr, op)],
                "highlight": [f"op-{op.index}", f"node-{op.output}"]
                + [f"node-{i}" for i in op.inputs],
                "grads": {},
            }
        )
    known: dict[str, str] = {target: summary(tr.nodes[tr.target].grad)}
    sums: dict[int, list] = {}  # node -> [(op name, contribution)] so far
    out.append(
        {
            "phase": "backward",
            "title": "Backward pass: the seed",
            "lines": [
                f"{d(target, target)} = {known[target]}: the gradient starts at the target "
                "and flows back through the ops in reverse order."
            ],
            "highlight": [f"node-{tr.target}"],
            "grads": dict(known),
        }
    )
    n_bwd = len(tr.backward)
    for k, j in enumerate(tr.backward):
        op = tr.ops[j]
        lines, lit = [], [f"op-{op.index}", f"node-{op.output}"]
        for i, c in enumerate(op.contributions):
            if c is None:
                continue
            node = tr.nodes[op.inputs[i]]
            lines.append(backward_text(tr, op, i, target))
            parts = sums.setdefault(node.index, [])
            parts.append(c)
            total = sum(parts[1:], parts[0])
            if len(parts) > 1:
                terms = " + ".join(summary(p) for p in parts)
                lines.append(
                    f"{node.label} is used {len(parts)} times so far: its gradients add, "
                    f"{d(target, node.label)} = {terms} = {summary(total)}"
                )
            known[node.label] = summary(total)
            lit.append(f"node-{node.index}")
        out.append(
            {
                "phase": "backward",
                "title": f"Backward pass, op {k + 1} of {n_bwd}: {op.name}",
                "lines": lines,
                "highlight": lit,
                "grads": dict(known),
            }
        )
    inputs = [n for n in tr.nodes if n.kind == "input"]
    out.append(
        {
            "phase": "done",
            "title": "Done: the gradients of the inputs",
            "lines": [
                f"{d(target, n.label)} = {summary(n.grad) if n.grad is not None else 'None'}"
                for n in inputs
            ]
            + ["These are what tape.gradient returns."],
            "highlight": [f"node-{n.index}" for n in inputs],
            "grads": dict(known),
        }
    )
    return out


def step_through(tape: GradientTape, target: Tensor, path, *, title: str | None = None) -> Path:
    """Write a self-contained HTML page stepping through the forward and backward pass of
    ``target`` as recorded on ``tape``; returns the path.

    >>> x = dg.constant(3.0, name="x")
    >>> with dg.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> dg.viz.step_through(tape, y, "steps.html")  # doctest: +SKIP

    Raises ValueError when the tape recorded nothing, ``target`` is not on it, or the
    computation has more than ``MAX_NODES`` tensors and ops (a page of hundreds of steps
    teaches nothing; use :func:`deltagrad.viz.graph` for large computations).
    """
    tr = trace(tape, target)
    size = len(tr.nodes) + len(tr.ops)
    if size > MAX_NODES:
        raise ValueError(
            f"step_through: the computation has {size} tensors and ops, more than "
            f"{MAX_NODES}; step through a smaller example, or draw it with dg.viz.graph"
        )
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"step_through: {path.name!r}: the page's name must end in .html")
    page = page_html(tr, title or "Stepping through backpropagation")
    return write_text(path, page)


def page_html(tr: Trace, title: str) -> str:
    drawing = Graph(tr, show_grad=False)
    narrowest, natural = drawing.widths_px()
    data = json.dumps(steps(tr), ensure_ascii=False).replace("</", "<\\/")
    return (
        _TEMPLATE.replace("__TITLE__", html.escape(title))
        .replace("__WIDTHS__", f"--narrowest: {narrowest:.0f}px; --natural: {natural:.0f}px")
        .replace("__SVG__", drawing.inline_svg())
        .replace("__STEPS__", data)
    )


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto;
         max-width: 72rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; margin-bottom: 0.3rem; }
  .hint { color: #666; margin-top: 0; }
  /* The graph fits the page while its text stays readable (10 px at least, 12 px at most);
     past that the box scrolls instead of shrinking the text. */
  #graph { overflow: auto; border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem; }
  #graph svg { display: block; height: auto;
               width: clamp(var(--narrowest), 100%, var(--natural)); }
  #graph g.hl path { stroke: #d62728 !important; stroke-width: 3px !important; }
  #panel { display: grid; grid-template-columns: 2fr 1fr; gap: 1rem; margin-top: 1rem; }
  #step { border-left: 4px solid #3b6ea5; padding: 0.2rem 1rem; min-height: 7rem; }
  #step.backward { border-color: #d62728; }
  #step.done { border-color: #3a7d2c; }
  #step h2 { font-size: 1.1rem; margin: 0.3rem 0 0.6rem; }
  #lines p { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; margin: 0.3rem 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.2rem 0.5rem; border-bottom: 1px solid #eee;
           font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
  nav { margin-top: 1rem; display: flex; gap: 0.5rem; align-items: center; }
  button { font-size: 1rem; padding: 0.3rem 1rem; }
  @media (max-width: 40rem) { #panel { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<h1>__TITLE__</h1>
<p class="hint">Next / Back, or the arrow keys: the forward pass op by op, then the backward
pass in reverse order. The highlighted op is the current step.</p>
<div id="graph" role="region" aria-label="The graph (scrolls sideways when wider than the page)"
     tabindex="0" style="__WIDTHS__">__SVG__</div>
<nav>
  <button id="back" type="button">&larr; Back</button>
  <button id="next" type="button">Next &rarr;</button>
  <span id="counter" aria-live="polite"></span>
</nav>
<div id="panel">
  <section id="step"><h2 id="title"></h2><div id="lines"></div></section>
  <section><h2 style="font-size:1.1rem">Gradients so far</h2>
    <table><tbody id="grads"></tbody></table></section>
</div>
<script>
"use strict";
const STEPS = __STEPS__;
let current = 0;
function show(k) {
  current = Math.max(0, Math.min(STEPS.length - 1, k));
  const s = STEPS[current];
  document.querySelectorAll("#graph g.hl").forEach(function (g) { g.classList.remove("hl"); });
  s.highlight.forEach(function (id) {
    const el = document.getElementById(id);
    if (el) { el.classList.add("hl"); }
  });
  reveal(document.getElementById(s.highlight[0]));
  const step = document.getElementById("step");
  step.className = s.phase;
  document.getElementById("title").textContent = s.title;
  const lines = document.getElementById("lines");
  lines.replaceChildren();
  s.lines.forEach(function (text) {
    const p = document.createElement("p");
    p.textContent = text;
    lines.appendChild(p);
  });
  const grads = document.getElementById("grads");
  grads.replaceChildren();
  Object.keys(s.grads).forEach(function (name) {
    const row = document.createElement("tr");
    const a = document.createElement("th");
    a.textContent = name;
    const b = document.createElement("td");
    b.textContent = s.grads[name];
    row.append(a, b);
    grads.appendChild(row);
  });
  document.getElementById("counter").textContent = "step " + (current + 1) + " of " + STEPS.length;
  document.getElementById("back").disabled = current === 0;
  document.getElementById("next").disabled = current === STEPS.length - 1;
}
// Scroll the graph's box (not the page) sideways so the current op is in view.
function reveal(el) {
  if (!el) { return; }
  const box = document.getElementById("graph");
  const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
  if (r.left < b.left || r.right > b.right) {
    box.scrollLeft += (r.left + r.right) / 2 - (b.left + b.right) / 2;
  }
}
document.getElementById("back").addEventListener("click", function () { show(current - 1); });
document.getElementById("next").addEventListener("click", function () { show(current + 1); });
document.addEventListener("keydown", function (e) {
  if (e.key === "ArrowRight") { show(current + 1); }
  if (e.key === "ArrowLeft") { show(current - 1); }
});
show(0);
</script>
</body>
</html>
"""
