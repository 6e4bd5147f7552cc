"""The README's Python examples run as written (so the README describes what the code does)."""
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 3


def test_readme_examples_run(capsys):
    namespace: dict = {}
    for block in BLOCKS:
        if "max_epochs=1000" in block:
            continue  # the chapter's full training run: test_readme_network_example
        exec(compile(block, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    assert "Tensor(2.0" in out  # the chain-rule example prints the chapter's 2.0 and 2.0


@pytest.mark.slow
def test_readme_network_example(capsys):
    (block,) = [b for b in BLOCKS if "max_epochs=1000" in b]
    exec(compile(block, str(README), "exec"), {})
    assert capsys.readouterr().out.strip().startswith("0.97")
