"""dg.viz: the traced computation's gradients (against the tape and finite differences), the
drawing (SVG/PNG with every tensor and op), grouping of large graphs, the step-through's rules
and numbers, and bad input."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd
from deltagrad import viz
from deltagrad.viz.step_through import steps


def _mixed(rng):
    """A computation with broadcasting, a matmul, a reduction and a tensor used twice."""
    W = dg.constant(rng.standard_normal((3, 2)), name="W")
    b = dg.constant(rng.standard_normal(2), name="b")
    x = dg.constant(rng.standard_normal((4, 3)), name="x")
    with dg.GradientTape(persistent=True) as tape:
        tape.watch([W, b])
        h = dg.tanh(x @ W + b)
        loss = dg.mean(h * h) + dg.sum(b * b)
    return tape, loss, [W, b], h


def test_every_gradient_equals_the_tapes(rng):
    tape, loss, (W, b), h = _mixed(rng)
    tr = viz.trace(tape, loss)
    by_label = {n.label: n for n in tr.nodes}
    np.testing.assert_allclose(by_label["W"].grad, tape.gradient(loss, W).numpy(), rtol=1e-12)
    np.testing.assert_allclose(by_label["b"].grad, tape.gradient(loss, b).numpy(), rtol=1e-12)
    # an intermediate tensor too
    h_node = next(
        n for n in tr.nodes if n.value.shape == h.shape and np.array_equal(n.value, h.numpy())
    )
    np.testing.assert_allclose(h_node.grad, tape.gradient(loss, h).numpy(), rtol=1e-12)
    assert by_label["x"].kind == "constant" and by_label["x"].grad is None
    assert tr.nodes[tr.target].kind == "target"


@pytest.mark.parametrize("name", list(viz.examples.EXAMPLES))
def test_built_in_examples_match_finite_differences(name):
    tape, target = viz.examples.EXAMPLES[name]()
    tr = viz.trace(tape, target)
    inputs = [n for n in tr.nodes if n.kind == "input"]
    assert inputs, "each example watches its parameters"
    values = [float(n.value) for n in inputs]

    def f(*vs):  # re-run the example with one input changed, through its own keyword names
        fn = viz.examples.EXAMPLES[name]
        kwargs = _keywords(name, dict(zip((n.label for n in inputs), vs)))
        _, t = fn(**kwargs)
        return float(t)

    numeric = fd.gradients(f, *values)
    for n, g in zip(inputs, numeric):
        assert math.isclose(float(n.grad), float(g), rel_tol=1e-6, abs_tol=1e-9), n.label


def _keywords(name, by_label):
    if name == "neuron":
        return {"w": (by_label["w1"], by_label["w2"]), "b": by_label["b"]}
    return by_label


def test_chain_rule_example_gives_the_chapters_numbers():
    tape, y2 = viz.examples.chain_rule()
    grads = {n.label: float(n.grad) for n in viz.trace(tape, y2).nodes if n.grad is not None}
    assert grads["w1"] == 2.0  # the chapter prints dy2/dw1 = 2.0
    assert grads["y1"] == 2.0  # dy2/dy1 = w2
    assert float(y2) == 7.0  # y1 = 1·2 + 1 = 3, y2 = 3·2 + 1


def test_graph_saves_svg_and_png_with_every_tensor_and_op(tmp_path):
    tape, y2 = viz.examples.chain_rule()
    g = viz.graph(tape, y2)
    svg = g.save(tmp_path / "g.svg").read_text()
    png = g.save(tmp_path / "g.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    root = ET.fromstring(svg)
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    tr = g.trace
    assert {f"node-{n.index}" for n in tr.nodes} <= ids
    assert {f"op-{op.index}" for op in tr.ops} <= ids
    assert g._repr_svg_() == g.svg()
    assert not list(tmp_path.glob(".*.part*")), "no temporary file left behind"


SVG = "{http://www.w3.org/2000/svg}"


def test_graph_svg_keeps_its_words_as_text():
    """The 7.6 example's labels, values and gradients are <text> a reader can select and search,
    in a font stack led by the font the boxes were measured with; no glyph outlines."""
    tape, y2 = viz.examples.chain_rule()
    root = ET.fromstring(viz.graph(tape, y2).svg())
    texts = [t for t in root.iter(f"{SVG}text")]
    words = {t.text for t in texts}
    assert {"w1", "y1", "y2", "value 2", "grad 2", "value 3", "value 7", "+", "×"} <= words
    for t in texts:
        stack = re.search(r"font-family: ([^;]+)", t.get("style", "")).group(1)
        assert stack.startswith("'DejaVu Sans'") and stack.endswith("sans-serif"), stack
    assert not list(root.iter(f"{SVG}use")), "text drawn as glyph outlines"
    assert not any((el.get("id") or "").startswith("DejaVu") for el in root.iter())


def _titles(root) -> dict[str, list[str]]:
    """The <title> children of every group with an id, by id."""
    return {
        g.get("id"): [t.text for t in g.findall(f"{SVG}title")]
        for g in root.iter(f"{SVG}g")
        if g.get("id")
    }


def test_every_box_and_circle_has_one_title_saying_what_it_is(tmp_path):
    tape, y2 = viz.examples.chain_rule()
    g = viz.graph(tape, y2)
    root = ET.fromstring(g.save(tmp_path / "g.svg").read_text())
    titles = _titles(root)
    tr = g.trace
    boxes = [f"node-{n.index}" for n in tr.nodes] + [f"op-{op.index}" for op in tr.ops]
    assert all(len(titles[key]) == 1 for key in boxes)
    assert len(list(root.iter(f"{SVG}title"))) == len(boxes)  # and none elsewhere
    w1 = next(n for n in tr.nodes if n.label == "w1")
    assert titles[f"node-{w1.index}"] == ["w1 (input): value 2, ∂y2/∂w1 = 2"]
    first = titles["op-0"][0]
    assert first.startswith("op 1 of 4, multiply: ") and first.endswith("= 1 · 2 = 2")
    hidden = ET.fromstring(viz.graph(tape, y2, show_grad=False).svg())
    assert not any("∂" in t.text for t in hidden.iter(f"{SVG}title"))


def test_a_grouped_graph_titles_its_groups():
    x = dg.Variable(np.ones(3), name="x")
    with dg.GradientTape() as tape:
        y = x
        for _ in range(60):
            y = dg.sin(y) * 0.5
        loss = dg.sum(y)
    g = viz.graph(tape, loss)
    assert g.grouped is not None
    titles = _titles(ET.fromstring(g.svg()))
    groups = {t[0] for k, t in titles.items() if k.startswith("group-")}
    assert {"inputs (1): x", "sin: 60 ops", "multiply: 60 ops", "sum: 1 op"} <= groups


def test_labels_carry_names_values_and_gradients():
    tape, y2 = viz.examples.chain_rule()
    g = viz.graph(tape, y2)
    texts = {b.key: b.text for b in g.boxes}
    w1 = next(n for n in g.trace.nodes if n.label == "w1")
    assert texts[f"node-{w1.index}"].split("\n") == ["w1", "value 2", "grad 2"]
    hidden = viz.graph(tape, y2, show_grad=False)
    assert not any("grad" in b.text for b in hidden.boxes)


def test_a_10000_op_tape_is_grouped_and_drawn(tmp_path):
    x = dg.Variable(np.linspace(0, 1, 5), name="x")
    with dg.GradientTape() as tape:
        y = x
        for _ in range(2500):
            y = dg.sin(y) * 0.5 + x - 0.1
        loss = dg.sum(y)
    g = viz.graph(tape, loss)
    assert len(g.trace.ops) == 10_001
    assert g.grouped is not None and "10,001 ops" in g.grouped
    assert len(g.boxes) <= 10  # inputs, target and one box per kind of op
    assert any("×2,500" in b.text for b in g.boxes)
    assert g.save(tmp_path / "big.png").stat().st_size > 0


def test_unused_branches_are_left_out():
    x = dg.constant(2.0, name="x")
    with dg.GradientTape() as tape:
        tape.watch(x)
        unused = dg.exp(x)
        y = x * 3.0
    tr = viz.trace(tape, y)
    assert [op.name for op in tr.ops] == ["multiply"]
    assert unused is not None


def test_bad_input_is_refused_clearly(tmp_path):
    x = dg.constant(1.0)
    with dg.GradientTape() as empty:
        y = x * 2  # x is not watched: nothing recorded
    with pytest.raises(ValueError, match="recorded nothing"):
        viz.graph(empty, y)
    with dg.GradientTape() as tape:
        tape.watch(x)
        z = x * 2
    with pytest.raises(ValueError, match="not on this tape"):
        viz.graph(tape, dg.constant(5.0))
    with pytest.raises(TypeError, match="GradientTape"):
        viz.graph("tape", z)
    with pytest.raises(ValueError, match="max_nodes"):
        viz.graph(tape, z, max_nodes=0)
    with pytest.raises(ValueError, match=".svg or .png"):
        viz.graph(tape, z).save(tmp_path / "g.pdf")
    with pytest.raises(ValueError, match=".html"):
        viz.step_through(tape, z, tmp_path / "page.txt")
    assert list(tmp_path.iterdir()) == []


def test_names_on_constants_and_variables():
    assert dg.constant(2.0, name="w1").name == "w1"
    assert dg.Variable(1.0, name="v").name == "v"
    assert "name='w1'" in repr(dg.constant(2.0, name="w1"))
    t = dg.constant(3.0)
    named = dg.constant(t, name="t")
    assert named.name == "t" and t.name is None  # naming a copy leaves the original alone
    y = t * 2
    assert y.name is None
    y.name = "y"
    assert y.name == "y"
    with pytest.raises(TypeError, match="name"):
        dg.constant(1.0, name=3)


def test_step_shows_the_rule_with_its_numbers():
    a = dg.constant(2.0, name="a")
    b = dg.constant(3.0, name="b")
    with dg.GradientTape() as tape:
        tape.watch([a, b])
        y = a * b
        y.name = "y"
        loss = y * 0.5
    lines = [line for s in steps(viz.trace(tape, loss)) for line in s["lines"]]
    assert "y = a · b = 2 · 3 = 6" in lines
    assert "∂L/∂a = ∂L/∂y · b = 0.5 · 3 = 1.5" in lines
    assert "∂L/∂b = ∂L/∂y · a = 0.5 · 2 = 1" in lines


def test_a_tensor_used_twice_adds_its_contributions():
    tape, f = viz.examples.himmelblau(1.0, 1.0)
    all_steps = steps(viz.trace(tape, f))
    lines = [line for s in all_steps for line in s["lines"]]
    # f = p² + q², p = x² + y − 11, q = x + y² − 7 at (1, 1): p = −9, q = −5
    # ∂f/∂x = 2p·2x + 2q = −36 − 10 = −46; ∂f/∂y = 2p + 2q·2y = −18 − 20 = −38
    assert any(line.startswith("x is used 2 times") and line.endswith("= -46") for line in lines)
    assert any(line.startswith("y is used 2 times") and line.endswith("= -38") for line in lines)
    assert all_steps[-1]["grads"]["x"] == "-46" and all_steps[-1]["grads"]["y"] == "-38"
    phases = [s["phase"] for s in all_steps]
    assert phases == sorted(phases, key=["forward", "backward", "done"].index)


def test_step_through_writes_one_self_contained_page(tmp_path):
    tape, target = viz.examples.neuron()
    path = viz.step_through(tape, target, tmp_path / "neuron.html")
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    # nothing fetched: no external script, style, image or font
    for pattern in (
        r"src=[\"']?https?:",
        r"href=[\"']?https?:",
        r"url\(\s*[\"']?https?:",
        "@import",
        "<link",
    ):
        assert not re.search(pattern, page), pattern


def test_step_through_refuses_a_large_computation(tmp_path):
    x = dg.Variable(1.0)
    with dg.GradientTape() as tape:
        y = x
        for _ in range(100):
            y = y * 1.01
    with pytest.raises(ValueError, match="more than"):
        viz.step_through(tape, y, tmp_path / "big.html")
    assert not (tmp_path / "big.html").exists()
