"""deltagrad chain-rule: the 7.6 demonstration, and the graphs and step-through pages of the 7.6
example and 7.5's single neuron."""

import json
import math

from deltagrad.cli import main


def test_writes_graphs_pages_and_the_chapters_gradients(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["chain-rule", "--out", str(out)]) == 0
    assert "dy2/dy1 * dy1/dw1 = 2.0, dy2/dw1 = 2.0" in capsys.readouterr().out
    record = json.loads((out / "results.json").read_text())
    assert record["graphs"]["chain_rule"]["w1"] == 2.0  # the chapter prints 2.0
    # 7.5: ∂L/∂wj = (o − t)·o(1 − o)·xj for o = σ(w1·x1 + w2·x2 + b), x = (0.5, −1), t = 1
    o = 1 / (1 + math.exp(-(0.8 * 0.5 + 0.3 * -1.0 + 0.1)))
    delta = (o - 1.0) * o * (1 - o)
    neuron = record["graphs"]["neuron"]
    assert math.isclose(neuron["w1"], delta * 0.5, rel_tol=1e-12)
    assert math.isclose(neuron["w2"], delta * -1.0, rel_tol=1e-12)
    assert math.isclose(neuron["b"], delta, rel_tol=1e-12)
    for name in ("chain_rule", "neuron"):
        assert (out / f"{name}_graph.png").read_bytes()[:4] == b"\x89PNG"
        page = (out / f"{name}_steps.html").read_text()
        assert page.startswith("<!DOCTYPE html>") and "const STEPS" in page
    assert "∂y2/∂w1 = ∂y2/∂(x·w1) · x = 2 · 1 = 2" in (out / "chain_rule_steps.html").read_text()
