"""One self-contained HTML page showing the delta rule of a network for one sample (7.7).

:func:`render` turns the result of :func:`deltagrad.experiments.explain.explain` into a page
with inline style and script and no network access (it opens from disk): a diagram of the
network as inline SVG — layers in columns, neurons coloured by δ, edges by ∂L/∂w — and the
recursion layer by layer with its numbers, stepped through from the output layer down with
Back / Next buttons or the arrow keys. :func:`write` writes it atomically.

Colours are diverging (red positive, blue negative, white zero) and scaled per layer (δ) or
per weight matrix (∂L/∂w) by the largest magnitude there: δ shrinks by orders of magnitude
from the output layer down a sigmoid network, so one scale would leave the lower layers
white. A weight matrix with more than :data:`MAX_EDGES` entries is drawn by its
:data:`MAX_EDGES` edges with the largest |∂L/∂w|; the page says so under the diagram.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np

from deltagrad._files import write_text

__all__ = ["MAX_EDGES", "SHOWN_WEIGHTS", "render", "write"]

MAX_EDGES = 80
"""Most edges drawn per weight matrix (those with the largest |∂L/∂w|)."""

SHOWN_WEIGHTS = 8
"""Entries of ∂L/∂W listed per layer when the matrix has more than 8 × 8 entries."""

_WIDTH, _TOP, _BOTTOM = 960, 58, 34
_RED, _BLUE, _WHITE = (178, 24, 43), (33, 102, 172), (247, 247, 247)

_CSS = """
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1160px; padding: 1rem 1.5rem 4rem; line-height: 1.5; color: #1d1d1f; }
h1 { font-size: 1.6rem; margin: 0.2rem 0; }
h2 { font-size: 1.25rem; margin: 0.4rem 0 0.3rem; }
p { max-width: 52rem; margin: 0.4rem 0; }
.meta { color: #444; font-size: 0.95rem; }
.ok { color: #0a7d28; font-weight: 600; } .bad { color: #b00020; font-weight: 600; }
.controls { position: sticky; top: 0; z-index: 2; background: rgba(255, 255, 255, 0.96);
            display: flex; gap: 0.7rem; align-items: center; flex-wrap: wrap;
            padding: 0.5rem 0; border-bottom: 1px solid #ddd; }
.controls button { font: inherit; padding: 0.3rem 0.9rem; border: 1px solid #888;
                   border-radius: 0.3rem; background: #f5f5f7; cursor: pointer; }
.controls button:disabled { opacity: 0.4; cursor: default; }
.controls button:focus-visible { outline: 2px solid #0a58ca; outline-offset: 2px; }
#where { font-weight: 600; }
.hint { color: #666; font-size: 0.85rem; }
.diagram { margin: 0.6rem 0 0.2rem; }
.diagram svg { width: 100%; height: auto; max-height: 64vh; display: block; }
.note { color: #555; font-size: 0.85rem; }
svg .col-band { fill: transparent; }
svg .layer.current .col-band { fill: #fff4c2; }
svg .edges { opacity: 0.06; }
svg .edges.current { opacity: 1; }
svg .edges.above { opacity: 0.1; }
svg circle { stroke: #555; stroke-width: 0.8; }
svg .layer.current circle { stroke: #111; stroke-width: 1.6; }
svg text { font-family: system-ui, sans-serif; fill: #222; }
svg .layer.current .head { font-weight: 700; }
.formula { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 1.05rem;
           background: #f5f5f7; padding: 0.35rem 0.6rem; border-radius: 0.3rem;
           display: inline-block; margin: 0.2rem 0; }
.worked { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92rem; }
.panel[hidden] { display: none; }
.table-wrap { overflow: auto; max-height: 26rem; margin: 0.5rem 0 0.8rem; max-width: 100%;
              border: 1px solid #e4e4e4; }
table { border-collapse: collapse; font-size: 0.86rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 0.2rem 0.4rem; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.2rem 0.55rem; text-align: right;
         white-space: nowrap; }
th { background: #f5f5f7; position: sticky; top: 0; }
tr.top td { background: #fff8dc; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border: 1px solid #888;
          vertical-align: -0.1rem; margin-right: 0.25rem; }
.legend { font-size: 0.85rem; color: #444; }
@media (max-width: 600px) { body { padding: 0.75rem 0.8rem 3rem; } h1 { font-size: 1.3rem; } }
"""

_SCRIPT = """
(function () {
  var steps = JSON.parse(document.getElementById("steps").textContent);
  var back = document.getElementById("back"), next = document.getElementById("next");
  var where = document.getElementById("where"), current = 0;
  function show(i) {
    current = Math.max(0, Math.min(steps.length - 1, i));
    var layer = steps[current];
    document.body.setAttribute("data-layer", String(layer));
    document.querySelectorAll(".panel").forEach(function (p) {
      p.hidden = p.getAttribute("data-layer") !== String(layer);
    });
    document.querySelectorAll("svg .layer").forEach(function (g) {
      g.classList.toggle("current", g.getAttribute("data-layer") === String(layer));
    });
    document.querySelectorAll("svg .edges").forEach(function (g) {
      var l = Number(g.getAttribute("data-layer"));
      g.classList.toggle("current", l === layer);
      g.classList.toggle("above", l === layer + 1);
    });
    back.disabled = current === 0;
    next.disabled = current === steps.length - 1;
    where.textContent = "Step " + (current + 1) + " of " + steps.length + ": " +
      document.querySelector('.panel[data-layer="' + layer + '"] h2').textContent;
  }
  back.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
  });
  show(0);
})();
"""


def _num(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    if math.isnan(value):
        return "—"
    return f"{value:.6g}"


def _colour(value: float, scale: float) -> str:
    """Diverging colour of ``value`` on [−scale, scale]: blue, white, red."""
    t = 0.0 if scale <= 0 or not math.isfinite(value) else max(-1.0, min(1.0, value / scale))
    end = _RED if t > 0 else _BLUE
    a = abs(t) ** 0.7  # a gentle curve: small values stay visible
    rgb = (round(w + (e - w) * a) for w, e in zip(_WHITE, end))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _positions(sizes, height) -> tuple[list[float], list[list[float]], float]:
    """x of every column, y of every neuron, and the neurons' radius."""
    usable = height - _TOP - _BOTTOM
    gap = usable / max(sizes)
    radius = max(3.0, min(13.0, gap * 0.4))
    xs = [70 + (_WIDTH - 140) * i / (len(sizes) - 1) for i in range(len(sizes))]
    ys = []
    for n in sizes:
        step = min(gap * max(sizes) / n, 56.0)
        first = _TOP + usable / 2 - step * (n - 1) / 2
        ys.append([first + step * j for j in range(n)])
    return xs, ys, radius


def _edges(layer: dict, index: int, xs, ys) -> tuple[str, str | None]:
    """The SVG group of one weight matrix's edges, and a note if only some are drawn."""
    dW = np.asarray(layer["dW"], dtype=float)
    flat = np.abs(dW).ravel()
    scale = float(flat.max()) if flat.size else 0.0
    order = np.argsort(-flat, kind="stable")
    note = None
    if dW.size > MAX_EDGES:
        order = order[:MAX_EDGES]
        note = (
            f"W{index} ({dW.shape[0]}×{dW.shape[1]} = {dW.size:,} weights): the {MAX_EDGES} "
            "with the largest |∂L/∂w| are drawn"
        )
    lines = []
    for flat_index in order[::-1]:  # the largest last, on top
        j, k = np.unravel_index(flat_index, dW.shape)
        g = float(dW[j, k])
        rel = abs(g) / scale if scale > 0 else 0.0
        width = 0.6 + 3.0 * rel
        lines.append(
            f'<line x1="{xs[index - 1]:.1f}" y1="{ys[index - 1][j]:.1f}" x2="{xs[index]:.1f}" '
            f'y2="{ys[index][k]:.1f}" stroke="{_colour(g, scale)}" '
            f'stroke-width="{width:.2f}" stroke-opacity="{0.35 + 0.65 * rel:.2f}">'
            f"<title>∂L/∂w{j},{k} of W{index} = {_num(g)}</title></line>"
        )
    group = f'<g class="edges" data-layer="{index}">{"".join(lines)}</g>'
    return group, note


def _diagram(result: dict) -> tuple[str, list[str]]:
    sizes, layers = result["sizes"], result["layers"]
    height = int(max(320, min(720, 16 * max(sizes) + _TOP + _BOTTOM)))
    xs, ys, r = _positions(sizes, height)
    parts, notes = [], []
    for i, layer in enumerate(layers, 1):
        group, note = _edges(layer, i, xs, ys)
        parts.append(group)
        if note:
            notes.append(note)
    band = (xs[1] - xs[0]) * 0.42
    # the input column: plain grey, labelled with x
    x = np.asarray(result["x"], dtype=float)
    cells = [
        f'<circle cx="{xs[0]:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#d0d0d0">'
        f"<title>input x{j} = {_num(x[j])}</title></circle>"
        for j, y in enumerate(ys[0])
    ]
    parts.append(
        f'<g class="layer input" data-layer="0"><text class="head" x="{xs[0]:.1f}" y="22" '
        f'text-anchor="middle" font-size="14">input x</text>'
        f'<text x="{xs[0]:.1f}" y="40" text-anchor="middle" font-size="12">{sizes[0]} '
        f"neurons</text>{''.join(cells)}</g>"
    )
    for i, layer in enumerate(layers, 1):
        delta = np.asarray(layer["delta"], dtype=float)
        scale = float(np.max(np.abs(delta))) if delta.size else 0.0
        name = f"layer {i} (output)" if i == len(layers) else f"layer {i}"
        cells = []
        for j, y in enumerate(ys[i]):
            cells.append(
                f'<circle cx="{xs[i]:.1f}" cy="{y:.1f}" r="{r:.1f}" '
                f'fill="{_colour(float(delta[j]), scale)}"><title>layer {i}, neuron {j}: '
                f"z = {_num(layer['z'][j])}, o = {_num(layer['o'][j])}, "
                f"δ = {_num(delta[j])}</title></circle>"
            )
        parts.append(
            f'<g class="layer" data-layer="{i}">'
            f'<rect class="col-band" x="{xs[i] - band / 2:.1f}" y="4" width="{band:.1f}" '
            f'height="{height - 8}" rx="8"></rect>'
            f'<text class="head" x="{xs[i]:.1f}" y="22" text-anchor="middle" '
            f'font-size="14">{name}</text>'
            f'<text x="{xs[i]:.1f}" y="40" text-anchor="middle" font-size="12">'
            f"{layer['n_neurons']} · max |δ| {scale:.2g}</text>"
            f"{''.join(cells)}</g>"
        )
    svg = (
        f'<svg viewBox="0 0 {_WIDTH} {height}" role="img" '
        f'aria-label="The network, neurons coloured by δ and edges by ∂L/∂w" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
    return svg, notes


def _table(
    caption: str, header: list[str], rows: list[list], top: frozenset[int] | set[int] = frozenset()
) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    shade = ' class="top"'
    body = "".join(
        f"<tr{shade if k in top else ''}>"
        + "".join(f"<td>{c if isinstance(c, str) else _num(c)}</td>" for c in row)
        + "</tr>"
        for k, row in enumerate(rows)
    )
    return (
        f'<div class="table-wrap" tabindex="0"><table><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _panel(result: dict, i: int) -> str:
    from deltagrad.experiments.explain import weighted_sum, worked_example

    layers = result["layers"]
    layer, last = layers[i - 1], i == len(layers)
    n = layer["n_neurons"]
    delta = np.asarray(layer["delta"], dtype=float)
    order = np.argsort(-np.abs(delta), kind="stable")
    top = {int(j) for j in order[: min(5, n)]} if n > 8 else set()
    act = layer["activation"] or "linear"
    title = (
        f"Output layer {i}: δ from the error" if last else f"Layer {i}: δ from layer {i + 1} above"
    )
    prev = "x" if i == 1 else f"o{i - 1}"
    parts = [f'<section class="panel" data-layer="{i}"><h2>{html.escape(title)}</h2>']
    parts.append(
        f"<p>{layer['n_input']} → {n} neurons, activation {html.escape(act)}. Forward: "
        f"z{i} = {prev}·W{i} + b{i}, o{i} = f(z{i}). Backward:</p>"
        f'<p class="formula">{html.escape(layer["formula"])}</p>'
    )
    if last:
        what = (
            "o − t is ∂L/∂o of L = ½ Σk (ok − tk)²: the ½ cancels the square's 2, so "
            "there is no factor 2 (nor 2/K)"
            if result["loss_name"] == "mse"
            else "p − t is ∂L/∂z of the cross-entropy L = −Σk tk·log pk, p = softmax(z): "
            "softmax and cross-entropy differentiated together"
        )
        parts.append(f"<p>{html.escape(what)}.</p>")
    else:
        parts.append(
            f"<p>The column Σk δk·wjk is layer {i + 1}'s δ sent back through "
            f"W{i + 1} (row j of W{i + 1} times δ{i + 1}).</p>"
        )
    j0 = int(order[0])
    parts.append(
        f'<p class="worked">{html.escape(worked_example(result, i, j0))}</p>'
        + (
            ""
            if last
            else f'<p class="worked">where {html.escape(weighted_sum(result, i, j0))}</p>'
        )
        + f'<p class="note">(neuron {j0}, the one with the largest |δ| in this layer)</p>'
    )
    header = ["neuron", "z", "o"]
    if last:
        header += ["t", "o − t" if result["loss_name"] == "mse" else "p − t"]
    else:
        header.append("Σk δk·wjk")
    header += ["f′(o)", "δ = ∂L/∂b", "tape", "finite difference"]
    rows = []
    for j in range(n):
        row = [str(j), layer["z"][j], layer["o"][j]]
        if last:
            row.append(result["target"][j])
        row += [
            layer["error"][j],
            layer["derivative"][j],
            delta[j],
            layer["tape"]["delta"][j],
            layer["numeric"]["delta"][j],
        ]
        rows.append(row)
    caption = f"Layer {i}: every neuron"
    if top:
        caption += " (shaded: the five with the largest |δ|)"
    parts.append(_table(caption, header, rows, top))
    parts.append(_weights(result, i))
    errs = layer["rel_error"]
    parts.append(
        "<p>Checked here: largest relative error against the tape "
        f"{max(errs['tape'].values()):.1e}, against finite differences "
        f"{max(errs['numeric'].values()):.1e} (δ, ∂L/∂W and ∂L/∂b of this layer).</p>"
    )
    parts.append("</section>")
    return "".join(parts)


def _weights(result: dict, i: int) -> str:
    layer = result["layers"][i - 1]
    dW = np.asarray(layer["dW"], dtype=float)
    o_prev = np.asarray(layer["o_prev"], dtype=float)
    delta = np.asarray(layer["delta"], dtype=float)
    prev = "x" if i == 1 else f"o{i - 1}"
    text = (
        f"<p>∂L/∂W{i} = {prev}·δ{i}ᵀ, a {dW.shape[0]}×{dW.shape[1]} matrix "
        f"(norm {np.linalg.norm(dW):.4g}): entry (j, k) is o_j·δ_k; ∂L/∂b{i} = δ{i}.</p>"
    )
    if dW.size <= 16:
        entries = list(np.ndindex(dW.shape))
        caption = f"∂L/∂W{i}: every entry"
    else:
        flat = np.argsort(-np.abs(dW).ravel(), kind="stable")[:SHOWN_WEIGHTS]
        entries = [np.unravel_index(f, dW.shape) for f in flat]
        caption = f"∂L/∂W{i}: the {SHOWN_WEIGHTS} entries with the largest |∂L/∂w|"
    rows = [
        [
            f"{j},{k}",
            o_prev[j],
            delta[k],
            dW[j, k],
            layer["tape"]["dW"][j][k],
            layer["numeric"]["dW"][j][k],
        ]
        for j, k in entries
    ]
    header = ["j,k", f"{prev}_j", "δ_k", "∂L/∂w = o_j·δ_k", "tape", "finite difference"]
    return text + _table(caption, header, rows)


def render(result: dict, context: list[str]) -> str:
    """The page for ``result`` (from :func:`deltagrad.experiments.explain.explain`, arrays or
    lists); ``context``: lines saying which network and sample (HTML-escaped here)."""
    layers = result["layers"]
    sizes = "-".join(str(s) for s in result["sizes"])
    svg, notes = _diagram(result)
    worst = result["worst"]
    where = (
        f"{'δ' if worst['quantity'] == 'delta' else '∂L/∂' + worst['quantity'][1:]}"
        f"{worst['layer']}[{','.join(map(str, worst['index']))}], delta rule against "
        f"{'the tape' if worst['check'] == 'tape' else 'finite differences'}"
    )
    tol_class = "ok" if result["max_rel_error"] < 1e-6 else "bad"
    steps = list(range(len(layers), 0, -1))
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>The delta rule for one sample ({sizes} network)</title>"
        f"<style>{_CSS}</style></head><body>",
        "<h1>The delta rule for one sample (chapter 7.7)</h1>",
        "".join(f'<p class="meta">{html.escape(line)}</p>' for line in context),
        f'<p class="meta">Loss {html.escape(result["loss_formula"])} = '
        f"{result['loss']:.6g}. Outputs {_vector(result['output'])}, "
        f"target t = {_vector(result['target'])}.</p>",
        f"<p>Every δ, ∂L/∂W and ∂L/∂b below was computed three ways: the network's own delta "
        f"rule, deltagrad's GradientTape, and central finite differences in float64 (step "
        f"{result['eps']:g}). Largest relative disagreement: "
        f'<span class="{tol_class}">{result["max_rel_error"]:.2e}</span> ({html.escape(where)}; '
        f"relative to the largest |value| of the same array)"
        + (
            f"; {result['kinks']} finite differences straddled a ReLU kink and were skipped"
            if result["kinks"]
            else ""
        )
        + ".</p>",
        '<div class="controls"><button type="button" id="back">← Back</button>'
        '<button type="button" id="next">Next →</button><span id="where"></span>'
        '<span class="hint">(or the ← → keys; from the output layer down)</span></div>',
        f'<div class="diagram">{svg}</div>',
        '<p class="legend"><span class="swatch" style="background:#b2182b"></span>positive '
        '<span class="swatch" style="background:#2166ac"></span>negative '
        '<span class="swatch" style="background:#f7f7f7"></span>zero. Neurons are coloured by '
        "δ, scaled per layer by its largest |δ|; edges by ∂L/∂w, scaled per weight matrix "
        "(thicker: larger |∂L/∂w|). The highlighted column is the current step; its incoming "
        "edges, drawn at full strength, are its ∂L/∂W; the faint edges of the layer above are "
        "the ones its δ comes back through (δj = oj(1 − oj)·Σk δk·wjk), the others fainter "
        "still. Hover a neuron or edge for its numbers.</p>",
        "".join(f'<p class="note">{html.escape(n)}.</p>' for n in notes),
        *(_panel(result, i) for i in steps),
        _update(result),
        f'<script type="application/json" id="steps">{json.dumps(steps)}</script>',
        f"<script>{_SCRIPT}</script>",
        "</body></html>\n",
    ]
    return "\n".join(parts)


def _update(result: dict) -> str:
    """The step that follows the backward pass: a weight and a bias of each layer before and
    after, and the loss on this sample before and after (explain's ``update``)."""
    u = result.get("update")
    if not u:
        return ""
    lr = u["learning_rate"]
    rows = []
    for row, step in zip(reversed(result["layers"]), reversed(u["steps"])):
        i, w, b = row["index"], step["weight"], step["bias"]
        rows.append([f"w{w['j']},{w['k']} of W{i}", w["before"], w["gradient"], w["after"]])
        rows.append([f"b{b['k']} of b{i}", b["before"], b["gradient"], b["after"]])
    before, now = u["loss_before"], u["loss_after"]
    return (
        '<section class="update"><h2>The update that follows</h2>'
        f"<p>Gradient descent with learning rate η = {lr:g}: every weight and bias moves by "
        f"−η times its derivative, θ ← θ − η·∂L/∂θ. Below, for each layer, the weight and the "
        f"bias with the largest derivative. The loss on this sample goes from {before:.6g} to "
        f"{now:.6g}.</p>"
        + _table(
            f"Before and after one step (η = {lr:g})",
            ["parameter", "before", "∂L/∂θ", "after = before − η·∂L/∂θ"],
            rows,
        )
        + "</section>"
    )


def _vector(values) -> str:
    return "(" + ", ".join(_num(v) for v in values) + ")"


def write(path, result: dict, context: list[str]) -> Path:
    """Render the page and write it to ``path`` whole (temporary name, then renamed)."""
    return write_text(Path(path), render(result, context))
