"""Every ```python block of the documentation site (docs/**/*.md) runs as written, each on its
own in a fresh namespace, in a temporary working folder — as the README's blocks do
(test_readme.py). A block that must not run is fenced ```py instead (shown as Python, not
run); shell commands are fenced ```text."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.parts)
BLOCKS = [
    (page, block)
    for page in PAGES
    for block in re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), re.S | re.M)
]


def _id(item) -> str:
    page, block = item
    return f"{page.relative_to(DOCS)}:{block.strip().splitlines()[0][:40]}"


def test_the_docs_have_python_examples():
    assert len(PAGES) >= 20 and len(BLOCKS) >= 20


@pytest.mark.parametrize("item", BLOCKS, ids=[_id(b) for b in BLOCKS])
def test_each_docs_example_runs_on_its_own(item, capsys, tmp_path, monkeypatch):
    page, block = item
    monkeypatch.chdir(tmp_path)  # files an example writes land here
    exec(compile(block, str(page), "exec"), {})  # a fresh namespace: no block leans on another


def test_the_chain_rule_example_prints_the_chapters_numbers(capsys):
    page = DOCS / "chapter" / "7-6-chain-rule.md"
    (block,) = [b for p, b in BLOCKS if p == page]
    exec(compile(block, str(page), "exec"), {})
    assert capsys.readouterr().out.count("Tensor(2.0") == 2
