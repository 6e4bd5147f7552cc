"""The README's Python examples run as written, each on its own in a fresh namespace (so the
README describes what the code does, and a reader can copy any one block)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
FULL_TRAINING = "max_epochs=1000"  # the chapter's full training run: marked slow


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 3


def _first_line(block: str) -> str:
    return block.strip().splitlines()[0][:60]


@pytest.mark.parametrize("block", [b for b in BLOCKS if FULL_TRAINING not in b], ids=_first_line)
def test_each_readme_example_runs_on_its_own(block, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files an example writes land here
    exec(compile(block, str(README), "exec"), {})  # a fresh namespace: no block leans on another


def test_the_viz_example_writes_its_graph_and_page(tmp_path, monkeypatch):
    (block,) = [b for b in BLOCKS if "dg.viz.step_through" in b]
    monkeypatch.chdir(tmp_path)
    exec(compile(block, str(README), "exec"), {})
    assert (tmp_path / "graph.png").read_bytes()[:4] == b"\x89PNG"
    assert "∂y2/∂w1 = ∂y2/∂v1 · x = 2 · 1 = 2" in (tmp_path / "steps.html").read_text()


def test_the_tape_example_prints_the_chapters_numbers(capsys):
    (block,) = [b for b in BLOCKS if "tape.gradient(y2, y1)" in b]
    exec(compile(block, str(README), "exec"), {})
    assert "Tensor(2.0" in capsys.readouterr().out  # the chapter's 2.0 and 2.0


@pytest.mark.slow
def test_readme_network_example(capsys):
    (block,) = [b for b in BLOCKS if FULL_TRAINING in b]
    exec(compile(block, str(README), "exec"), {})
    assert capsys.readouterr().out.strip().startswith("0.97")
