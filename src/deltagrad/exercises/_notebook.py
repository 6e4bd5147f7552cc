"""The exercises notebook, built from the exercises themselves so that the two never drift.

``notebooks/exercises.ipynb`` is ``write(path)``'s output; a test checks that the committed
notebook equals :func:`build`. To regenerate it after changing an exercise::

    python -c "from deltagrad.exercises._notebook import write; write('notebooks/exercises.ipynb')"

Each exercise is a markdown cell (its prompt), an answer cell (``answer = ...`` or the function
to write or fix) and a check cell. Cells carry ``metadata.exercise`` (the id) and
``metadata.role`` (``"answer"`` or ``"check"``), which the tests use to fill answers in.
"""

from __future__ import annotations

import json
from pathlib import Path

from deltagrad.exercises._catalog import build as build_exercises
from deltagrad.exercises._core import Exercise

SECTIONS = {
    "7.1": "Gradient descent and ascent",
    "7.2": "Derivative rules",
    "7.3": "Activation functions and their derivatives",
    "7.4": "Loss gradients",
    "7.5": "A neuron and a layer",
    "7.6": "The chain rule",
    "7.7": "Backpropagation",
    "7.8": "Himmelblau's function",
    "7.9": "The two-moons network",
}

INTRO = """# Exercises: backpropagation, chapter 7.1–7.9

Each exercise asks for a number, a function, or a repair of a broken backward pass. Write your
answer in the cell under the question and run the check cell after it. A wrong answer gets a
hint; check again and the hint says more: the first names the mistake, the second shows the
numbers, the third says how to fix it. `session` counts your attempts.

Conventions, as in the chapter: row vectors, `z = x @ W + b` with `W` of shape
(inputs, outputs), `o = σ(z)`, and the squared error `L = ½ Σ (o − t)²`.

Unanswered exercises say "not answered yet": replace `answer = ...` with your number, or
delete the `raise NotImplementedError` line and write (or fix) the function.
`dg.exercises.solution("7.3e")` shows a reference answer when you are stuck."""

SETUP = """import numpy as np

import deltagrad as dg

session = dg.exercises.Session()"""

END = """print(session.progress())"""


def _cell_id(exercise: Exercise, role: str) -> str:
    return f"ex-{exercise.id.replace('.', '-')}-{role}"


def _markdown(source: str, cell_id: str, metadata: dict | None = None) -> dict:
    return {
        "cell_type": "markdown",
        "id": cell_id,
        "metadata": metadata or {},
        "source": source,
    }


def _code(source: str, cell_id: str, metadata: dict | None = None) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": metadata or {},
        "outputs": [],
        "source": source,
    }


def answer_source(exercise: Exercise) -> str:
    """The answer cell as shipped: ``answer = ...`` or the function's starter code."""
    if exercise.kind == "number":
        return "answer = ...  # your answer"
    return (exercise.starter or "").rstrip("\n")


def check_source(exercise: Exercise) -> str:
    """The check cell: ``print(session.check(id, answer))``."""
    answer = "answer" if exercise.kind == "number" else exercise.name
    return f'print(session.check("{exercise.id}", {answer}))'


def _exercise_cells(exercise: Exercise) -> list[dict]:
    heading = f"### {exercise.id} {exercise.title} ({exercise.kind})"
    body = exercise.prompt.replace("\n", "\n\n")  # one paragraph (or formula) per line
    meta = {"exercise": exercise.id}
    return [
        _markdown(f"{heading}\n\n{body}", _cell_id(exercise, "prompt"), dict(meta)),
        _code(answer_source(exercise), _cell_id(exercise, "answer"), {**meta, "role": "answer"}),
        _code(check_source(exercise), _cell_id(exercise, "check"), {**meta, "role": "check"}),
    ]


def build() -> dict:
    """The notebook as a JSON-ready dict (nbformat 4.5)."""
    cells = [_markdown(INTRO, "intro"), _code(SETUP, "setup")]
    section = None
    for exercise in build_exercises():
        if exercise.section != section:
            section = exercise.section
            title = f"## {section} {SECTIONS[section]}"
            cells.append(_markdown(title, f"section-{section.replace('.', '-')}"))
        cells.extend(_exercise_cells(exercise))
    cells.append(_markdown("## Progress", "progress-heading"))
    cells.append(_code(END, "progress"))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(path: str | Path) -> Path:
    """Write :func:`build`'s notebook to ``path`` (UTF-8, one-space indent, final newline)."""
    path = Path(path)
    path.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
