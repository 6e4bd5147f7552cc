"""Graded exercises for chapter 7.1–7.9: predict a number, write a function, fix a backward pass.

```py
import deltagrad as dg

for entry in dg.exercises.list():                  # id, section, kind, title, in order
    print(entry.id, entry.title)
print(dg.exercises.show("7.3e").prompt)            # exactly what to give
result = dg.exercises.check("7.3e", my_sigmoid_derivative)
result.passed, result.hint                         # True/False, None or what to look at
dg.exercises.solution("7.3e")                      # the reference answer
```

Every exercise has an id made of its section and a letter (``"7.3e"``) and a kind: ``"number"``
(predict a number: give it, or a tuple of them), ``"function"`` (write a function with the
given signature) or ``"fix"`` (the exercise's :attr:`Exercise.starter` is a function with one
classic mistake; give the repaired function).

Hints come in three stages. ``check(id, answer, attempt=n)`` gives stage ``min(n, 3)``:
stage 1 names the mistake (for a code answer, which gradient and which classic mistake, found
by :func:`deltagrad.check_backprop` or :func:`deltagrad.check_network`), stage 2 adds the
evidence (expected against your numbers), stage 3 how to fix it. The attempt count is kept by
you, or by a :class:`Session`, which counts the wrong attempts per exercise: nothing is kept
in the module itself.

Code answers are run at three seeded random inputs (the same at every check) and compared with
the reference; a placeholder answer (``...``, ``None``, ``NotImplemented``, or a function that
raises ``NotImplementedError``) is reported as not answered yet, not as wrong.
"""

from __future__ import annotations

from typing import NamedTuple

from deltagrad.exercises import solutions
from deltagrad.exercises._catalog import build
from deltagrad.exercises._core import KINDS, STAGES, Exercise, Result

__all__ = [
    "Entry",
    "Exercise",
    "Result",
    "Session",
    "KINDS",
    "STAGES",
    "EXERCISES",
    "list",
    "show",
    "check",
    "solution",
    "solutions",
]

EXERCISES: tuple[Exercise, ...] = build()
"""Every exercise, in the chapter's order (built once at import; exercises are immutable)."""

_BY_ID = {exercise.id: exercise for exercise in EXERCISES}

_builtin_list = list


class Entry(NamedTuple):
    """One line of :func:`list`: an exercise's id, section, kind and title."""

    id: str
    section: str
    kind: str
    title: str


def list(section: str | None = None) -> _builtin_list[Entry]:
    """The exercises in the chapter's order, as ``(id, section, kind, title)`` entries.

    Args:
        section: Only this section's exercises (``"7.7"``); all when None.

    Returns:
        list[Entry]: One entry per exercise.

    Raises:
        ValueError: If ``section`` is not one of 7.1 … 7.9.
    """
    if section is not None and section not in {e.section for e in EXERCISES}:
        raise ValueError(f"unknown section {section!r}; the sections are 7.1 … 7.9")
    return [
        Entry(e.id, e.section, e.kind, e.title)
        for e in EXERCISES
        if section is None or e.section == section
    ]


def show(exercise_id: str) -> Exercise:
    """The exercise ``exercise_id``: its ``.prompt``, ``.kind``, ``.name``, ``.starter``, ….

    Args:
        exercise_id: An id of :func:`list`, such as ``"7.3e"`` (case and spaces ignored).

    Returns:
        Exercise: It prints as its title and prompt, and shows them in a notebook.

    Raises:
        KeyError: If there is no such exercise (the message lists the ids).
    """
    key = str(exercise_id).strip().lower()
    if key not in _BY_ID:
        raise KeyError(f"no exercise {exercise_id!r}; the ids are {', '.join(_BY_ID)}")
    return _BY_ID[key]


def check(exercise_id: str, answer, attempt: int = 1) -> Result:
    """Check an answer; ``attempt`` (1, 2, 3, …) makes the hint more specific.

    Args:
        exercise_id: An id of :func:`list`, such as ``"7.3e"``.
        answer: A number or tuple of numbers (number exercises) or a function (code
            exercises), as the exercise's prompt asks.
        attempt: Which attempt this is: 1 names the mistake, 2 adds the evidence, 3 or more
            says how to fix it. A :class:`Session` counts attempts for you.

    Returns:
        Result: ``.passed``, ``.hint`` (None when passed), ``.mistake``, ``.where`` and a
        readable ``str``.

    Raises:
        KeyError: If there is no such exercise.
        ValueError: If ``attempt`` is not a positive integer.
    """
    return show(exercise_id).check(answer, attempt=attempt)


def solution(exercise_id: str):
    """The reference answer: a number, a tuple of numbers, or a function.

    ``inspect.getsource(solution(id))`` shows a function's code.

    Args:
        exercise_id: An id of :func:`list`.

    Returns:
        The answer that passes :func:`check`.

    Raises:
        KeyError: If there is no such exercise.
    """
    return show(exercise_id).solution()


class Session:
    """Counts your wrong attempts per exercise, so that each new check's hint says more.

    ``session.check(id, answer)`` is :func:`check` with ``attempt`` = the wrong attempts at
    ``id`` so far + 1; a placeholder answer is not counted. Each session keeps its own count.
    """

    def __init__(self) -> None:
        self.attempts: dict[str, int] = {}
        """Wrong attempts so far, per exercise id."""
        self.passed: set[str] = set()
        """The ids answered correctly."""

    def check(self, exercise_id: str, answer) -> Result:
        """Check ``answer`` at the next hint stage of this exercise.

        Args:
            exercise_id: An id of :func:`list`.
            answer: As for :func:`check`.

        Returns:
            Result: As :func:`check` returns it.
        """
        exercise = show(exercise_id)
        result = exercise.check(answer, attempt=self.attempts.get(exercise.id, 0) + 1)
        if result.passed:
            self.passed.add(exercise.id)
        elif result.answered:
            self.attempts[exercise.id] = result.attempt
        return result

    def progress(self) -> str:
        """A line saying how many exercises are done, and which are left."""
        left = [e.id for e in EXERCISES if e.id not in self.passed]
        done = f"{len(self.passed)} of {len(EXERCISES)} exercises done"
        return done + (f"; left: {', '.join(left)}." if left else ". All done!")
