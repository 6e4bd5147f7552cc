"""The graph of a recorded computation, drawn: ``dg.viz.graph(tape, target)``.

Tensors are boxes (name, shape, value and gradient), ops are circles (their symbol or name),
and edges follow the data from the watched inputs to the target, left to right. The layered
(Sugiyama) layout comes from igraph, the drawing from matplotlib: no system program such as
Graphviz is needed. Above ``max_nodes`` the ops are grouped by name, one box per kind of op
with its count, and the drawing says so.

The SVG keeps its words as ``<text>`` (matplotlib's ``svg.fonttype: none``), so a reader can
select and search the numbers and a screen reader can read them; the font stack starts with
DejaVu Sans, the font matplotlib measured the boxes with. Every box and circle also carries a
``<title>`` saying what it is in full: a tooltip, and what assistive technology announces.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deltagrad._files import atomic_path, write_text
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor
from deltagrad.viz.rules import d, forward_text
from deltagrad.viz.trace import Trace, summary, trace

MAX_NODES = 80
"""Above this many boxes and circles, ops are grouped by name."""

MIN_TEXT_PX = 10
"""The smallest size, in CSS px, that a page should shrink a graph's text to (see
:meth:`Graph.widths_px`)."""

SYMBOLS = {
    "add": "+",
    "subtract": "−",
    "multiply": "×",
    "divide": "÷",
    "power": "**",
    "negative": "−",
    "matmul": "@",
    "sigmoid": "σ",
    "sum": "Σ",
}

# Colours: inputs green, constants grey, intermediates blue, the target orange; ops pale.
_FILL = {"input": "#d8f0d2", "constant": "#eeeeee", "intermediate": "#dde8f6", "target": "#fde2c4"}
_EDGE = {"input": "#3a7d2c", "constant": "#888888", "intermediate": "#3b6ea5", "target": "#c76b00"}
_OP_FILL, _OP_EDGE = "#fff7d6", "#a08800"

# Layout units: inches per character and per text line at the drawing's font size.
_FONT = 9
# The font the boxes are measured with comes first; a viewer without it falls back to Bitstream
# Vera Sans (DejaVu's ancestor, same widths), then to its own sans-serif.
_FONTS = ["DejaVu Sans", "Bitstream Vera Sans"]
_CHAR_IN, _LINE_IN = 0.075, 0.17


@dataclass
class Box:
    """One drawn box or circle: ``key`` is its SVG id (``node-3``, ``op-2``, ``group-1``);
    ``title`` is its SVG ``<title>`` (tooltip and accessible name)."""

    key: str
    text: str
    shape: str  # "box" or "circle"
    fill: str
    edge: str
    title: str = ""


class Graph:
    """A drawing of a recorded computation. ``save("g.svg")`` / ``save("g.png")`` writes it,
    ``svg()`` returns the SVG text, and Jupyter shows it by itself (``_repr_svg_``).

    ``trace`` holds the data drawn (:class:`deltagrad.viz.trace.Trace`); ``grouped`` says what
    was grouped to keep a large graph readable, or is None.
    """

    def __init__(self, tr: Trace, max_nodes: int = MAX_NODES, show_grad: bool = True):
        self.trace = tr
        count = len(tr.nodes) + len(tr.ops)
        if count > max_nodes:
            self.boxes, self.edges = _grouped(tr)
            kinds = len(self.boxes) - 2
            self.grouped: str | None = (
                f"{len(tr.ops):,} ops grouped by name into {kinds} kinds "
                f"({count:,} boxes would exceed max_nodes={max_nodes})"
            )
        else:
            self.boxes, self.edges = _full(tr, show_grad)
            self.grouped = None
        self.layers = _layers(tr, len(self.boxes)) if self.grouped is None else None
        self._svg: str | None = None

    def __repr__(self) -> str:
        grouped = f", {self.grouped}" if self.grouped else ""
        return (
            f"<deltagrad graph: {len(self.trace.nodes)} tensors, {len(self.trace.ops)} ops"
            f"{grouped}>"
        )

    def figure(self):
        """The drawing as a matplotlib Figure (not attached to pyplot)."""
        return _draw(self.boxes, self.edges, self.grouped, self.layers)

    def svg(self) -> str:
        """The drawing as SVG text; every box and circle is a group with id ``node-N``,
        ``op-N`` or ``group-N`` (what :func:`deltagrad.viz.step_through` highlights) whose
        first child is a ``<title>`` describing it. Labels are ``<text>`` elements."""
        if self._svg is None:
            buf = io.StringIO()
            _save(self.figure(), buf, "svg")
            self._svg = _with_titles(buf.getvalue(), {b.key: b.title for b in self.boxes})
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg()

    def inline_svg(self) -> str:
        """The SVG element alone (no XML declaration), to sit inside an HTML page."""
        text = self.svg()
        return text[text.index("<svg") :]

    def widths_px(self) -> tuple[float, float]:
        """``(narrowest, natural)`` CSS widths of the drawing, in px, for a page that shows it:
        at its natural width the text is 12 px (9 pt); a page may shrink it to fit, but not
        below the narrowest width, where the text is :data:`MIN_TEXT_PX` (then it scrolls)."""
        root = ET.fromstring(self.svg())
        natural = float(root.get("width", "0").removesuffix("pt")) * 96 / 72
        return natural * MIN_TEXT_PX / (_FONT * 96 / 72), natural

    def save(self, path) -> Path:
        """Write the drawing to ``path``: ``.svg`` or ``.png`` (from the suffix). The file is
        written whole (a temporary name, then renamed). Returns the path."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("svg", "png"):
            raise ValueError(f"Graph.save: {path.name!r}: the suffix must be .svg or .png")
        if fmt == "svg":
            return write_text(path, self.svg())
        fig = self.figure()
        with atomic_path(path) as tmp:
            _save(fig, tmp, fmt)
        return path


def graph(
    tape: GradientTape, target: Tensor, *, max_nodes: int = MAX_NODES, show_grad: bool = True
) -> Graph:
    """Draw the computation of ``target`` recorded on ``tape``.

    Each tensor shows its name (``dg.constant(2.0, name="w1")``; otherwise x1, v1, … and L for
    the target), its shape, its value and — ``show_grad`` — its gradient ∂target/∂tensor (the
    seed is ones, as ``tape.gradient(target, …)`` uses). Works whether or not
    ``tape.gradient`` was called. Above ``max_nodes`` boxes the ops are grouped by name.

    >>> x = dg.constant(3.0, name="x")
    >>> with dg.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x + 1
    >>> dg.viz.graph(tape, y).save("graph.svg")  # doctest: +SKIP

    Raises ValueError when the tape recorded nothing or ``target`` is not on it.
    """
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 3:
        raise ValueError(f"max_nodes must be an integer >= 3, got {max_nodes!r}")
    return Graph(trace(tape, target), max_nodes=max_nodes, show_grad=show_grad)


# --- what is drawn ------------------------------------------------------------------------


def node_text(tr: Trace, index: int, show_grad: bool = True) -> str:
    n = tr.nodes[index]
    head = n.label
    if n.value.ndim:
        head += "  " + "×".join(str(s) for s in n.value.shape)
    if n.kind == "constant" and not n.named and n.value.ndim == 0:
        return head  # a literal number: its label is its value
    lines = [head, f"value {summary(n.value)}"]
    if show_grad and n.grad is not None:
        lines.append(f"grad {summary(n.grad)}")
    return "\n".join(lines)


def op_text(name: str) -> str:
    return SYMBOLS.get(name, name)


def node_title(tr: Trace, index: int, show_grad: bool = True) -> str:
    """What a tensor's box is, in one line: ``w1 (input, 2×3): value …, ∂L/∂w1 = …``."""
    n = tr.nodes[index]
    kind = n.kind + (", " + "×".join(str(s) for s in n.value.shape) if n.value.ndim else "")
    text = f"{n.label} ({kind}): value {summary(n.value)}"
    if show_grad and n.grad is not None:
        text += f", {d(tr.nodes[tr.target].label, n.label)} = {summary(n.grad)}"
    return text


def op_title(tr: Trace, index: int) -> str:
    """What an op's circle is: ``op 2 of 5, multiply: v2 = x · w1 = 1 · 2 = 2``."""
    op = tr.ops[index]
    return f"op {index + 1} of {len(tr.ops)}, {op.name}: {forward_text(tr, op)}"


def _full(tr: Trace, show_grad: bool):
    boxes = [
        Box(
            f"node-{n.index}",
            node_text(tr, n.index, show_grad),
            "box",
            _FILL[n.kind],
            _EDGE[n.kind],
            node_title(tr, n.index, show_grad),
        )
        for n in tr.nodes
    ]
    first_op = len(boxes)
    boxes += [
        Box(
            f"op-{op.index}", op_text(op.name), "circle", _OP_FILL, _OP_EDGE, op_title(tr, op.index)
        )
        for op in tr.ops
    ]
    edges = []
    for op in tr.ops:
        for i in op.inputs:
            edges.append((i, first_op + op.index, ""))
        edges.append((first_op + op.index, op.output, ""))
    return boxes, edges


def _layers(tr: Trace, n_boxes: int) -> list[int]:
    """Columns for the full drawing: each op one column right of its latest computed input, its
    result one more; a leaf (an input or a constant) read by one op sits just left of that op,
    one read by several ops in the first column."""
    first_op = len(tr.nodes)
    layer = [0] * n_boxes
    produced = {op.output for op in tr.ops}
    for op in tr.ops:
        col = max((layer[i] for i in op.inputs if i in produced), default=0) + 1
        layer[first_op + op.index] = col
        layer[op.output] = col + 1
        for i in op.inputs:
            if i not in produced and len(tr.consumers(i)) == 1:
                layer[i] = col - 1
    return layer


def _grouped(tr: Trace):
    """One box for the inputs, one per kind of op (with its count), one for the target."""
    counts = Counter(op.name for op in tr.ops)
    kinds = list(counts)  # in the order of their first op (a Counter keeps insertion order)
    inputs = [n for n in tr.nodes if n.kind == "input"]
    target = tr.nodes[tr.target]
    boxes = [
        Box(
            "group-0",
            f"inputs ({len(inputs)})",
            "box",
            _FILL["input"],
            _EDGE["input"],
            f"inputs ({len(inputs)}): "
            + ", ".join(n.label for n in inputs[:10])
            + (", …" if len(inputs) > 10 else ""),
        ),
        Box(
            "group-1",
            f"{target.label}\nvalue {summary(target.value)}",
            "box",
            _FILL["target"],
            _EDGE["target"],
            node_title(tr, tr.target, show_grad=False),
        ),
    ]
    index = {k: i + 2 for i, k in enumerate(kinds)}
    for k in kinds:
        text = f"{op_text(k)}\n×{counts[k]:,}"
        title = f"{k}: {counts[k]:,} op" + ("s" if counts[k] > 1 else "")
        boxes.append(Box(f"group-{index[k]}", text, "box", _OP_FILL, _OP_EDGE, title))
    producer = {op.output: index[op.name] for op in tr.ops}
    flows: dict[tuple[int, int], int] = {}
    for op in tr.ops:
        for i in op.inputs:
            kind = tr.nodes[i].kind
            src = 0 if kind == "input" else producer.get(i)
            if src is not None:
                flows[(src, index[op.name])] = flows.get((src, index[op.name]), 0) + 1
    flows[(producer[tr.target], 1)] = 1
    edges = [(a, b, f"{n:,}" if n > 1 else "") for (a, b), n in flows.items()]
    return boxes, edges


# --- layout and drawing -------------------------------------------------------------------


def _size_in(box: Box) -> tuple[float, float]:
    lines = box.text.split("\n")
    width = max(len(line) for line in lines) * _CHAR_IN + 0.25
    height = len(lines) * _LINE_IN + 0.15
    if box.shape == "circle":
        side = max(width, height, 0.4)
        return side, side
    return width, height


def layout(
    boxes: list[Box], edges, layers: list[int] | None = None
) -> tuple[np.ndarray, list[list[tuple[float, float]]]]:
    """Positions (inches) of the boxes, left to right by layer, and each edge's route: igraph's
    layered (Sugiyama) layout — on ``layers`` when given, else on its own layering — with long
    edges bent through its control points."""
    import igraph

    g = igraph.Graph(n=len(boxes), edges=[(a, b) for a, b, _ in edges], directed=True)
    lay = g.layout_sugiyama(layers=layers, hgap=1, vgap=1)
    coords = np.asarray(lay.coords, dtype=float).reshape(-1, 2)
    sizes = np.array([_size_in(b) for b in boxes]).reshape(-1, 2)
    column = coords[:, 1].round().astype(int)
    n_layers = int(column.max()) + 1
    # Column widths: the widest box of each layer, plus room for the arrows.
    widths = np.zeros(n_layers)
    np.maximum.at(widths, column, sizes[:, 0])
    starts = np.concatenate([[0.0], np.cumsum(widths + 0.55)])
    row = float(sizes[:, 1].max()) + 0.3

    def place(x: float, layer: float) -> tuple[float, float]:
        k = min(max(int(round(layer)), 0), n_layers - 1)
        return float(starts[k] + widths[k] / 2), float(-x * row)

    pos = np.array([place(x, y) for x, y in coords]).reshape(-1, 2)
    routes = []
    for (a, b, _), bends in zip(edges, lay.edge_routing):
        points = [place(x, y) for x, y in np.asarray(bends, dtype=float).reshape(-1, 2)]
        routes.append([tuple(pos[a]), *points, tuple(pos[b])])
    return pos, routes


def _draw(boxes, edges, note, layers=None):
    from matplotlib.figure import Figure

    pos, routes = layout(boxes, edges, layers)
    sizes = np.array([_size_in(b) for b in boxes]).reshape(-1, 2)
    bends = np.array([p for route in routes for p in route[1:-1]]).reshape(-1, 2)
    lo = np.vstack([pos - sizes / 2, bends]).min(axis=0) - 0.2
    hi = np.vstack([pos + sizes / 2, bends]).max(axis=0) + 0.2
    extra = 0.35 if note else 0.0
    width, height = hi - lo
    fig = Figure(figsize=(max(width, 2.0), max(height + extra, 1.0)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(lo[0], lo[0] + max(width, 2.0))
    ax.set_ylim(lo[1] - extra, lo[1] - extra + max(height + extra, 1.0))
    ax.set_axis_off()
    texts = []
    for b, (x, y) in zip(boxes, pos):
        style = "circle,pad=0.3" if b.shape == "circle" else "round,pad=0.4"
        t = ax.text(
            x,
            y,
            b.text,
            ha="center",
            va="center",
            fontsize=_FONT,
            family=[_FONTS[0], "sans-serif"],
            bbox={"boxstyle": style, "fc": b.fill, "ec": b.edge, "lw": 1.2},
            zorder=3,
            gid=b.key,
        )
        texts.append(t)
    seen: dict[tuple[int, int], int] = {}
    for k, ((a, b, label), route) in enumerate(zip(edges, routes)):
        # The same tensor twice into one op (x * x): the second edge is bent, so both show.
        repeat = seen[(a, b)] = seen.get((a, b), -1) + 1
        for p, q in zip(route[:-2], route[1:-1]):  # the bends, then the arrow's last leg
            ax.plot([p[0], q[0]], [p[1], q[1]], color="#777777", lw=1, zorder=1)
        ax.annotate(
            "",
            xy=route[-1],
            xytext=route[-2],
            arrowprops={
                "arrowstyle": "-|>,head_length=0.5,head_width=0.25",
                "color": "#777777",
                "lw": 1,
                "shrinkA": 0,
                "shrinkB": 1,
                "patchA": texts[a].get_bbox_patch() if len(route) == 2 else None,
                "patchB": texts[b].get_bbox_patch(),
                "connectionstyle": f"arc3,rad={0.25 * repeat}",
            },
            zorder=4,  # after the boxes, whose outlines clip the arrow when they are drawn
            gid=f"edge-{k}",
        )
        if label:
            mx, my = np.mean(route[-2:], axis=0)
            ax.text(mx, my, label, fontsize=_FONT - 1, color="#555555", ha="center", va="bottom")
    if note:
        ax.text(lo[0] + 0.1, lo[1] - extra + 0.1, note, fontsize=_FONT - 1, color="#555555")
    return fig


def _save(fig, target, fmt: str) -> None:
    import matplotlib

    with matplotlib.rc_context(
        {
            "svg.hashsalt": "deltagrad",
            "svg.fonttype": "none",  # words stay <text>: selectable, searchable, read aloud
            "font.sans-serif": _FONTS,  # what "sans-serif" expands to in the SVG's font stack
        }
    ):
        fig.savefig(target, format=fmt, dpi=144, metadata=_METADATA[fmt])


# No <metadata> in the SVG (a date would change every file; the rest says "matplotlib").
_METADATA = {
    "svg": {"Date": None, "Creator": None, "Format": None, "Type": None},
    "png": {"Software": None},
}

_SVG_NS = "http://www.w3.org/2000/svg"


def _with_titles(svg: str, titles: dict[str, str]) -> str:
    """``svg`` with a ``<title>`` as the first child of each group whose id is in ``titles``."""
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg)
    for group in root.iter(f"{{{_SVG_NS}}}g"):
        title = titles.get(group.get("id", ""))
        if title:
            element = ET.Element(f"{{{_SVG_NS}}}title")
            element.text = title
            element.tail = group.text  # the indentation the first child had
            group.insert(0, element)
    return '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + ET.tostring(
        root, encoding="unicode"
    )
