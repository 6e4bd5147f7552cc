"""notebooks/backpropagation.ipynb: committed clean, and runs top to bottom without an error.

The notebook is executed with nbclient in a Jupyter kernel of the interpreter running the tests
(not whatever ``python3`` kernel a user has installed), with a temporary folder as its working
directory: the page it writes (section 7.5's step-through) must land in a temporary folder of
its own, which the notebook prints, and nothing in the working directory.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from notebook_kernel import kernel_manager

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "backpropagation.ipynb"
SECTIONS = [f"7.{k}" for k in range(1, 10)]


def _read():
    return nbformat.read(NOTEBOOK, as_version=nbformat.NO_CONVERT)


def test_committed_notebook_is_valid_and_has_no_outputs():
    nb = _read()
    assert nb.nbformat == 4
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: strip them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"


def test_notebook_walks_the_chapter_in_order():
    """One markdown heading per section of the chapter, 7.1 to 7.9, in order."""
    headings = [
        m.group(1)
        for cell in _read().cells
        if cell.cell_type == "markdown"
        for m in re.finditer(r"^## (7\.\d)\b", cell.source, flags=re.MULTILINE)
    ]
    assert headings == SECTIONS


def test_notebook_executes(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    nb = _read()
    client = NotebookClient(
        nb,
        km=kernel_manager(tmp_path),
        timeout=300,
        allow_errors=False,  # a cell error raises CellExecutionError, naming the cell
        resources={"metadata": {"path": str(work)}},  # the kernel's working directory
    )
    start = time.perf_counter()
    client.execute(cleanup_kc=True)  # shut the kernel down even though the test made its manager
    seconds = time.perf_counter() - start
    print(f"notebook executed in {seconds:.1f} s")

    outputs = [(i, out) for i, cell in enumerate(nb.cells) for out in cell.get("outputs", [])]
    assert sorted(work.iterdir()) == []  # nothing written where the notebook was run from
    stdout = "".join(out.text for _, out in outputs if out.get("name") == "stdout")
    written = re.findall(r"^wrote (.+neuron_steps\.html)$", stdout, flags=re.MULTILINE)
    assert len(written) == 1, stdout  # 7.5's step-through page, in a temporary folder
    page = Path(written[0])
    try:
        assert page.is_file() and page.parent.name.startswith("deltagrad-notebook-")
        assert "Chapter 7.5: one neuron" in page.read_text(encoding="utf-8")
    finally:
        page.unlink(missing_ok=True)
        page.parent.rmdir()
    # A warning raised in the kernel (a deprecation, an overflow) is printed on stderr.
    stderr = [(i, out.text) for i, out in outputs if out.get("name") == "stderr"]
    assert stderr == []
    kinds = {key for _, out in outputs for key in out.get("data", {})}
    assert {"image/png", "image/svg+xml", "text/html"} <= kinds  # figures, graphs, the page
