"""notebooks/exercises.ipynb: generated from the exercises, committed clean, and executed three
ways — as shipped (every exercise "not answered yet"), with the reference solutions filled in
(every check passes) and with a classic wrong answer per code exercise (its hint appears).

The notebook runs in a Jupyter kernel of this interpreter (as in test_notebook.py), in a
temporary folder. Answer and check cells are found by their metadata (``exercise``, ``role``).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import deltagrad as dg
from deltagrad.exercises import _broken, _notebook
from notebook_kernel import kernel_manager

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "exercises.ipynb"
EX = dg.exercises

# A classic wrong answer per code exercise (the broken code itself for a fix exercise) and
# words its stage-1 hint must contain. tests/network/test_exercises.py checks the same
# mistakes through the Python API, with their kinds.
WRONG = {
    "7.1c": ("def gradient_step(theta, grad, lr, ascent):\n    return theta - lr * grad", "ascent"),
    "7.2e": (
        "def squared_error_gradients(w, b, x, y):\n"
        "    r = x * w + b - y\n"
        "    return np.sum(r * x), np.sum(r)",
        "constant factor",
    ),
    "7.3e": (
        "def sigmoid_derivative(x):\n    s = 1 / (1 + np.exp(-x))\n    return s * (1 - s)",
        "overflow",
    ),
    "7.3f": ("def tanh_derivative(x):\n    return 1 - np.tanh(x)", "square is missing"),
    "7.3g": (
        "def leaky_relu_derivative(x, p):\n    d = np.ones_like(x)\n    d[x < 0] = p\n    return d",
        "integer array",
    ),
    "7.4d": (
        "def softmax_jacobian(z):\n"
        "    p = np.exp(z - z.max())\n"
        "    p = p / p.sum()\n"
        "    return np.diag(p * (1 - p))",
        "Only the diagonal",
    ),
    "7.4e": (
        "def softmax_cross_entropy_gradient(z, t):\n"
        "    p = np.exp(z - z.max(axis=1, keepdims=True))\n"
        "    p = p / p.sum(axis=1, keepdims=True)\n"
        "    return (p - t) / len(z)",
        "constant factor",
    ),
    "7.5c": (
        "def neuron_gradients(w, b, x, t):\n"
        "    o = 1 / (1 + np.exp(-(x @ w + b)))\n"
        "    return (o - t) * x, o - t",
        "o(1 − o) is missing",
    ),
    "7.5d": (
        "def dense_backward(x, W, b, g):\n    return g @ W.T, x.T @ g, g",
        "∂L/∂b is not summed over the batch",
    ),
    "7.5e": (
        "def sigmoid_layer_gradients(W, b, x, t):\n"
        "    o = 1 / (1 + np.exp(-(x @ W + b)))\n"
        "    delta = o - t\n"
        "    return x.T @ delta, delta.sum(axis=0)",
        "f′(o) = o(1 − o) is missing",
    ),
    "7.6d": (
        "def chain_rule_gradients(w1, b1, w2, b2, x):\n    return x, 1.0, x * w1 + b1, 1.0",
        "dy₂/dy₁ = w₂ is missing",
    ),
    "7.7d": (
        "def delta_rule(W1, b1, W2, b2, x, t):\n"
        "    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))\n"
        "    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))\n"
        "    delta2 = o2 - t\n"
        "    delta1 = (delta2 @ W2.T) * o1 * (1 - o1)\n"
        "    return np.outer(x, delta1), delta1, np.outer(o1, delta2), delta2",
        "∂L/∂W2 (layer 2): the activation's derivative f′(o) = o(1 − o) is missing",
    ),
    "7.7e": (None, "∂L/∂W1 (layer 1): the activation's derivative f′(o) = o(1 − o) is missing"),
    "7.7f": (None, "∂L/∂W1 (layer 1) is transposed"),
    "7.7g": (None, "∂L/∂b2 (layer 2) is not summed over the batch"),
    "7.8d": (
        "def himmelblau_gradient(x, y):\n"
        "    a, c = 2 * (x**2 + y - 11), 2 * (x + y**2 - 7)\n"
        "    return a + c, a + c",
        "inner derivatives are missing",
    ),
    "7.8e": (
        "def himmelblau_step(p):\n"
        "    x, y = p\n"
        "    gx = 4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7)\n"
        "    gy = 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)\n"
        "    return p + 0.01 * np.array([gx, gy])",
        "∂L/∂p has the wrong sign",
    ),
    "7.9c": (None, "∂L/∂b3 (layer 3) is zero"),
    "7.9d": (None, "∂L/∂W3 (layer 3): the activation's derivative is taken at the wrong point"),
    "7.9e": (None, "∂L/∂W3 (layer 3) has the wrong sign"),
}


def _read():
    return nbformat.read(NOTEBOOK, as_version=nbformat.NO_CONVERT)


def _cells(nb, role):
    return {c.metadata["exercise"]: c for c in nb.cells if c.metadata.get("role") == role}


def test_the_notebook_is_generated_from_the_exercises():
    nb = _read()
    assert nb == nbformat.from_dict(_notebook.build()), (
        "notebooks/exercises.ipynb is out of date: regenerate it with "
        'python -c "from deltagrad.exercises._notebook import write; '
        "write('notebooks/exercises.ipynb')\""
    )


def test_committed_notebook_is_valid_and_clean():
    nb = _read()
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {i}"


def test_the_notebook_poses_every_exercise_in_order():
    nb = _read()
    ids = [c.metadata["exercise"] for c in nb.cells if c.metadata.get("role") == "answer"]
    assert ids == [e.id for e in EX.list()]
    prompts = {
        c.metadata["exercise"]: c.source
        for c in nb.cells
        if c.cell_type == "markdown" and "exercise" in c.metadata
    }
    for exercise in EX.EXERCISES:  # every line of the prompt is there, word for word
        for line in exercise.prompt.splitlines():
            assert line in prompts[exercise.id]


def test_every_code_exercise_has_a_wrong_answer_here():
    assert sorted(WRONG) == sorted(e.id for e in EX.EXERCISES if e.kind != "number")


def _execute(nb, tmp_path: Path) -> dict[str, str]:
    """Run ``nb``; return each exercise's check output, failing on any error or stderr."""
    work = tmp_path / "work"
    work.mkdir()
    client = NotebookClient(
        nb,
        km=kernel_manager(tmp_path),
        timeout=120,
        allow_errors=False,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute(cleanup_kc=True)
    outputs = [out for cell in nb.cells for out in cell.get("outputs", [])]
    assert [o.text for o in outputs if o.get("name") == "stderr"] == []
    checks = _cells(nb, "check")
    return {k: "".join(o.get("text", "") for o in c.outputs) for k, c in checks.items()}


def _solution_source(exercise) -> str:
    answer = exercise.solution()
    if exercise.kind == "number":
        return f"answer = {answer!r}"
    return inspect.getsource(answer)


def _without_the_raise(starter: str) -> str:
    return "\n".join(
        line for line in starter.splitlines() if "raise NotImplementedError" not in line
    )


def test_as_shipped_every_exercise_is_not_answered_yet(tmp_path):
    printed = _execute(_read(), tmp_path)
    assert list(printed) == [e.id for e in EX.list()]
    for exercise_id, text in printed.items():
        assert text.startswith(f"· {exercise_id}: not answered yet."), text


def test_with_the_solutions_every_check_passes(tmp_path):
    nb = _read()
    for exercise_id, cell in _cells(nb, "answer").items():
        cell.source = _solution_source(EX.show(exercise_id))
    printed = _execute(nb, tmp_path)
    for exercise_id, text in printed.items():
        assert text == f"✓ {exercise_id}: correct.\n", text
    last = nb.cells[-1].outputs[0].text
    assert last.startswith(f"{len(printed)} of {len(printed)} exercises done")


@pytest.mark.parametrize("run_twice", [False, True], ids=["first attempt", "second attempt"])
def test_with_wrong_answers_the_intended_hint_appears(tmp_path, run_twice):
    nb = _read()
    answers, checks = _cells(nb, "answer"), _cells(nb, "check")
    for exercise_id, (source, _) in WRONG.items():
        exercise = EX.show(exercise_id)
        if source is None:  # a fix exercise: its broken code, as shipped, minus the raise line
            source = _without_the_raise(exercise.starter)
            assert source.strip() == inspect.getsource(getattr(_broken, exercise.name)).strip()
        answers[exercise_id].source = source
        if run_twice:  # the same wrong answer checked again: the session's second stage
            checks[exercise_id].source += "\n" + checks[exercise_id].source
    printed = _execute(nb, tmp_path)
    for exercise_id, (_, words) in WRONG.items():
        text = printed[exercise_id]
        assert text.startswith(f"✗ {exercise_id}: not yet (attempt 1, hint 1 of 3)."), text
        assert words in text, text
        if run_twice:
            assert f"✗ {exercise_id}: not yet (attempt 2, hint 2 of 3)." in text, text
