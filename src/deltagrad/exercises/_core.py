"""The machinery of the exercises: an exercise, a check's result, and the graders.

A grader turns an answer into either a pass or a :class:`Diagnosis`: what is wrong, said three
ways, one per hint stage (a nudge, then the evidence, then the fix). Code answers are run at
several seeded random inputs and compared with the reference; the diagnosis of a wrong gradient
comes from :func:`deltagrad.check_backprop` or :func:`deltagrad.check_network`, which compare it
with the tape's and name the classic mistake it matches.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltagrad.gradcheck import plain_index

STAGES = 3
"""Hints have three stages: 1 names the mistake, 2 adds the evidence, 3 says how to fix it."""

KINDS = ("number", "function", "fix")
"""What an exercise asks for: a number, a function to write, or given code to repair."""

RTOL_NUMBER = 2e-3  # a number given to 3 significant digits passes
RTOL_CODE, ATOL_CODE = 1e-6, 1e-9  # code answers: relative to the largest reference entry


class NotAnswered(Exception):
    """Raised inside a grader when the answer is still the notebook's placeholder."""


@dataclass(frozen=True)
class Diagnosis:
    """What a wrong answer got wrong, at the three hint stages.

    Attributes:
        brief: Stage 1: which mistake, in a sentence.
        detail: Stage 2: the evidence (numbers, the rule of the chapter that applies).
        fix: Stage 3: how to put it right.
        mistake: The kind of mistake (the checker's kinds, or ``"value"``, ``"error"``, …).
        where: The parameter or output it concerns, if any.
        findings: The checker's findings, when the checker was used.
    """

    brief: str
    detail: str
    fix: str
    mistake: str = "other"
    where: str | None = None
    findings: tuple = ()

    def hint(self, stage: int) -> str:
        """The hint at ``stage`` (1 to 3): each stage adds to the one before."""
        parts = [self.brief, self.detail, self.fix][: max(1, min(stage, STAGES))]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Result:
    """The outcome of checking one answer.

    Attributes:
        exercise: The exercise's id.
        passed: True when the answer is right.
        answered: False while the answer is the notebook's placeholder (``...``,
            ``NotImplemented``, ``None`` or a function raising ``NotImplementedError``).
        attempt: The attempt this check counted as (1 for the first).
        hint: None when passed; otherwise what to look at, more specific at later attempts.
        mistake: The kind of mistake found (``"sign"``, ``"scale"``, ``"transpose"``,
            ``"missing_activation_derivative"``, … as the checker names them, or ``"value"``
            for a number that matches no classic mistake); None when passed or unanswered.
        where: The parameter or output the mistake is in (``"W1"``, ``"db"``, …), if known.
        findings: The checker's findings for a code answer (each with ``.param``, ``.kind``,
            ``.message``), empty when it was not needed.
    """

    exercise: str
    passed: bool
    answered: bool = True
    attempt: int = 1
    hint: str | None = None
    mistake: str | None = None
    where: str | None = None
    findings: tuple = ()

    @property
    def stage(self) -> int:
        """The hint stage shown (1 to 3), or 0 when there is no hint to stage."""
        return 0 if self.passed or not self.answered else min(self.attempt, STAGES)

    def __str__(self) -> str:
        if self.passed:
            return f"✓ {self.exercise}: correct."
        if not self.answered:
            return f"· {self.exercise}: not answered yet. {self.hint}"
        head = (
            f"✗ {self.exercise}: not yet (attempt {self.attempt}, hint {self.stage} of {STAGES})."
        )
        return f"{head}\n{_indent(self.hint or '')}"


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())


@dataclass(frozen=True, eq=False)
class Exercise:
    """One exercise: what it asks, how it is checked, and its reference answer.

    Attributes:
        id: A short id, the section and a letter: ``"7.3a"``.
        section: The chapter's section, ``"7.3"``.
        title: A title of a few words.
        kind: ``"number"``, ``"function"`` or ``"fix"`` (see :data:`KINDS`).
        prompt: What to give, exactly: the signature, shapes, conventions and the point at
            which to evaluate.
        name: For code exercises, the name of the function to write (the notebook's stub).
        starter: For code exercises, the code to start from: a stub, or the broken code to
            fix.
    """

    id: str
    section: str
    title: str
    kind: str
    prompt: str
    grader: Any = field(repr=False)
    reference: Any = field(repr=False)
    name: str | None = None
    starter: str | None = field(default=None, repr=False)

    def check(self, answer, attempt: int = 1) -> Result:
        """Check ``answer``; ``attempt`` (1, 2, 3, …) chooses how specific the hint is.

        Args:
            answer: A number (or a pair of numbers) for a number exercise; a function for a
                code exercise.
            attempt: Which attempt this is: the hint of attempt 1 names the mistake, 2 adds
                the evidence, 3 (and later) says how to fix it.

        Returns:
            Result: ``.passed``, ``.hint`` and the rest.

        Raises:
            ValueError: If ``attempt`` is not a positive integer.
        """
        if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
            raise ValueError(f"attempt must be a positive integer, got {attempt!r}")
        try:
            diagnosis = self.grader.grade(answer, self.reference, _rng(self.id))
        except NotAnswered as why:
            return Result(self.id, passed=False, answered=False, attempt=attempt, hint=str(why))
        if diagnosis is None:
            return Result(self.id, passed=True, attempt=attempt)
        return Result(
            self.id,
            passed=False,
            attempt=attempt,
            hint=diagnosis.hint(attempt),
            mistake=diagnosis.mistake,
            where=diagnosis.where,
            findings=diagnosis.findings,
        )

    def solution(self):
        """The reference answer: a number, a tuple of numbers, or a function."""
        return self.reference

    def __str__(self) -> str:
        text = f"Exercise {self.id} ({self.kind}): {self.title}\n\n{self.prompt}"
        return text + (f"\n\n{self.starter}" if self.kind == "fix" else "")

    def _repr_markdown_(self) -> str:
        text = f"**Exercise {self.id}** ({self.kind}): {self.title}\n\n{self.prompt}"
        text = text.replace("\n", "\n\n")
        return text + (f"\n\n```python\n{self.starter}```" if self.kind == "fix" else "")


def _rng(exercise_id: str) -> np.random.Generator:
    """The exercise's own generator: the same random inputs at every check, no global state."""
    return np.random.default_rng(zlib.crc32(exercise_id.encode()))


def _unanswered(answer) -> bool:
    return answer is None or answer is Ellipsis or answer is NotImplemented


PLACEHOLDER = "replace the `...` (or delete the `raise NotImplementedError` line) and run again."


# --- numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trap:
    """A wrong number a classic mistake gives, and what to say about it.

    Attributes:
        value: The wrong number (or numbers).
        mistake: The kind of mistake.
        brief: Stage 1: the mistake it suggests.
        fix: Stage 3: how to put it right (the worked answer is added by the grader).
    """

    value: float | tuple[float, ...]
    mistake: str
    brief: str
    fix: str = ""


@dataclass(frozen=True)
class NumberGrader:
    """Checks a number (or a few) against the expected value, within 0.2 %.

    Attributes:
        nudge: Stage 1 for a wrong value no trap explains: where to look in the chapter.
        worked: Stage 3: the computation, step by step (without its last line).
        traps: Wrong values of classic mistakes, with their own stage-1 hint.
    """

    nudge: str
    worked: str
    traps: tuple[Trap, ...] = ()

    def grade(self, answer, expected, rng) -> Diagnosis | None:
        """None if ``answer`` is ``expected`` within 0.2 %, else what is wrong."""
        if _unanswered(answer):
            raise NotAnswered("Set `answer = <your number>` — " + PLACEHOLDER)
        want = np.atleast_1d(np.asarray(expected, dtype=float))
        got = _as_numbers(answer)
        if got is None or got.shape != want.shape:
            n = "a number" if want.size == 1 else f"{want.size} numbers, e.g. a tuple"
            return Diagnosis(
                f"Give {n}; got {answer!r}.", "", self.worked, mistake="shape", where=None
            )
        if _close(got, want, RTOL_NUMBER):
            return None
        for trap in self.traps:
            if _close(got, np.atleast_1d(np.asarray(trap.value, dtype=float)), RTOL_NUMBER):
                return Diagnosis(
                    trap.brief, f"You gave {_fmt(got)}.", _join(trap.fix, self.worked), trap.mistake
                )
        brief, mistake = _number_relation(got, want)
        return Diagnosis(
            _join(brief, self.nudge), f"You gave {_fmt(got)}.", self.worked, mistake=mistake
        )


def _as_numbers(answer) -> np.ndarray | None:
    if isinstance(answer, (str, bytes)):
        return None  # "0.6" is text, not yet a number
    try:
        got = np.atleast_1d(np.asarray(answer, dtype=float))
    except (TypeError, ValueError):
        return None
    return got if got.ndim == 1 and np.all(np.isfinite(got)) else None


def _close(got: np.ndarray, want: np.ndarray, rtol: float) -> bool:
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=1e-9))


def _number_relation(got: np.ndarray, want: np.ndarray) -> tuple[str, str]:
    """Sign or factor relations between a wrong number and the right one, if any."""
    if _close(got, -want, RTOL_NUMBER):
        return "The size is right but the sign is not.", "sign"
    if np.all(want != 0):
        ratio = got / want
        if np.allclose(ratio, ratio[0], rtol=RTOL_NUMBER) and _round_factor(ratio[0]):
            return f"Your answer is {_round_factor(ratio[0])} times the right one.", "scale"
    return "", "value"


def _round_factor(r: float) -> str:
    """'2', '1/2', … for a factor close to a small integer or its reciprocal, else ''."""
    for k in (2, 3, 4, 10, 100):
        if math.isclose(r, k, rel_tol=RTOL_NUMBER):
            return str(k)
        if math.isclose(r, 1 / k, rel_tol=RTOL_NUMBER):
            return f"1/{k}"
    return ""


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _fmt(values) -> str:
    a = np.asarray(values, dtype=float)
    if a.size == 1:
        return f"{a.reshape(())[()]:.6g}"
    flat = ", ".join(f"{v:.6g}" for v in a.ravel()[:6])
    return f"[{flat}{', …' if a.size > 6 else ''}]"


# --- arrays: the cheap diagnoses used by every code grader -----------------------------------


def _array(value, name: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _Wrong(
            Diagnosis(
                f"{name} should be an array of numbers; got {type(value).__name__}.",
                "",
                "Return NumPy arrays (or deltagrad tensors).",
                mistake="shape",
                where=name,
            )
        ) from None


class _Wrong(Exception):
    """Carries a diagnosis out of a comparison."""

    def __init__(self, diagnosis: Diagnosis):
        super().__init__(diagnosis.brief)
        self.diagnosis = diagnosis


def close_arrays(got: np.ndarray, want: np.ndarray) -> bool:
    """``got`` equals ``want`` within 1e-6 of the largest entry of ``want`` (shapes equal)."""
    if got.shape != want.shape or not np.all(np.isfinite(got)):
        return False
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    return bool(np.allclose(got, want, rtol=RTOL_CODE, atol=ATOL_CODE * scale))


def compare_arrays(name: str, got: np.ndarray, want: np.ndarray, inputs: str) -> Diagnosis | None:
    """None if equal; else a diagnosis that tries sign, scale, transpose and zero (cheaply)."""
    if close_arrays(got, want):
        return None
    evidence = f"At {inputs}, {name}: expected {_fmt(want)}, got {_fmt(got)}."
    if got.shape != want.shape:
        if got.shape == want.shape[::-1] and close_arrays(got.T, want):
            return Diagnosis(f"{name} is transposed.", evidence, "", "transpose", name)
        return Diagnosis(
            f"{name} has shape {got.shape}; it should be {want.shape}.",
            evidence,
            "",
            "shape",
            name,
        )
    if not np.all(np.isfinite(got)):
        return Diagnosis(f"{name} contains NaN or infinity.", evidence, "", "other", name)
    if close_arrays(-got, want):
        return Diagnosis(f"{name} has the wrong sign.", evidence, "", "sign", name)
    if not np.any(got) and np.any(want):
        return Diagnosis(f"{name} is all zeros.", evidence, "", "zero", name)
    nonzero = np.abs(want) > 1e-12
    if np.any(nonzero) and np.all(got[~nonzero] == 0):
        ratios = got[nonzero] / want[nonzero]
        if np.allclose(ratios, ratios[0], rtol=1e-6):
            brief = f"{name} is {ratios[0]:.4g} times the right value: a constant factor is off."
            return Diagnosis(brief, evidence, "", "scale", name)
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close_arrays(got.T, want):
        return Diagnosis(f"{name} is transposed.", evidence, "", "transpose", name)
    worst = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
    at = plain_index(worst)
    detail = f"{evidence} The largest difference is at {name}{at}: {want[worst]:.6g} expected."
    return Diagnosis(f"{name} is not right.", detail, "", "other", name)


def call_answer(fn, args: dict, what: str):
    """Call a code answer on copies of ``args``; an exception becomes a diagnosis."""
    if _unanswered(fn):
        raise NotAnswered(f"Define `{what}` — " + PLACEHOLDER)
    if not callable(fn):
        raise _Wrong(
            Diagnosis(
                f"The answer should be a function `{what}`; got {type(fn).__name__}.",
                "",
                "Pass the function itself (its name, without calling it).",
                mistake="error",
            )
        )
    copies = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = invoke(fn, copies)
    except NotImplementedError:
        raise NotAnswered(f"`{what}` still raises NotImplementedError — " + PLACEHOLDER) from None
    except Exception as error:  # the student's code: any error is reported, not raised
        raise _Wrong(_error_diagnosis(error, args)) from None
    if out is NotImplemented:
        raise NotAnswered(f"`{what}` returns NotImplemented — " + PLACEHOLDER)
    if caught:
        raise _Wrong(_warning_diagnosis(caught[0], args))
    return out


def invoke(fn, args: dict):
    """``fn(**args)`` if ``fn`` has parameters of those names, else ``fn(*args.values())``."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn(*args.values())
    if all(name in params for name in args):
        return fn(**args)
    return fn(*args.values())


def describe_inputs(args: dict) -> str:
    """``x = [0.5, -1.2], W of shape (3, 2)`` — small arrays in full, large ones by shape."""
    parts = []
    for name, value in args.items():
        if isinstance(value, (bool, np.bool_)):
            parts.append(f"{name} = {bool(value)}")
            continue
        a = np.asarray(value)
        shown = _fmt(a) if a.size <= 4 else f"an array of shape {a.shape}"
        parts.append(f"{name} = {shown}")
    return ", ".join(parts)


def _error_diagnosis(error: Exception, args: dict) -> Diagnosis:
    shapes = ", ".join(f"{k}: {np.shape(v)}" for k, v in args.items())
    brief = f"Your code raised {type(error).__name__}: {error}"
    detail = f"It was called with the shapes {shapes}."
    fix = "Check the shapes line by line: write each array's shape as a comment next to it."
    if re.search(r"matmul|shapes? .* (not aligned|mismatch)|broadcast", str(error)):
        fix = (
            "A shape error in a product usually means a matrix needs its transpose: with row "
            "vectors, x @ W takes W of shape (inputs, outputs), and going back multiplies by W.T."
        )
    return Diagnosis(brief, detail, fix, mistake="error")


def _warning_diagnosis(caught: warnings.WarningMessage, args: dict) -> Diagnosis:
    brief = f"Your code warned: {caught.category.__name__}: {caught.message}"
    detail = f"At {describe_inputs(args)}."
    fix = (
        "Large |x| overflows e^x or e^-x. Compute with e^-|x| (never above 1), or from a "
        "stable σ(x); note that np.where evaluates both branches, so each must be safe."
    )
    return Diagnosis(brief, detail, fix, mistake="numerical")


# --- functions: values compared at random inputs, with known mistakes ------------------------


@dataclass(frozen=True)
class Mistake:
    """A known wrong version of a code answer, and what to say when an answer matches it.

    Attributes:
        compute: The wrong version, called like the answer.
        mistake: Its kind.
        brief: Stage 1.
        fix: Stage 3.
    """

    compute: Callable[..., Any]
    mistake: str
    brief: str
    fix: str


@dataclass(frozen=True)
class FunctionGrader:
    """Runs a function answer at several random inputs and compares it with the reference.

    Attributes:
        what: The function's name and parameters, ``"sigmoid_derivative(x)"``.
        cases: ``rng → list of dicts`` of keyword arguments, one dict per test point.
        fix: Stage 3 when no known mistake matches.
        mistakes: Known wrong versions, tested first.
    """

    what: str
    cases: Callable[[np.random.Generator], list[dict]]
    fix: str
    mistakes: tuple[Mistake, ...] = ()

    def grade(self, answer, reference, rng) -> Diagnosis | None:
        """None if ``answer`` agrees with ``reference`` at every case, else a diagnosis."""
        for args in self.cases(rng):
            try:
                got = _array(call_answer(answer, args, self.what), "the result")
            except _Wrong as wrong:
                return wrong.diagnosis
            want = np.asarray(reference(**args), dtype=float)
            diagnosis = compare_arrays("the result", got, want, describe_inputs(args))
            if diagnosis is not None:
                return self._explain(diagnosis, got, args)
        return None

    def _explain(self, diagnosis: Diagnosis, got: np.ndarray, args: dict) -> Diagnosis:
        for known in self.mistakes:
            wrong = np.asarray(known.compute(**args), dtype=float)
            if close_arrays(got, wrong):
                return Diagnosis(known.brief, diagnosis.detail, known.fix, known.mistake)
        return Diagnosis(
            diagnosis.brief, diagnosis.detail, self.fix, diagnosis.mistake, diagnosis.where
        )


# --- gradients: compared with the reference, diagnosed by dg.check_backprop -------------------

_KIND_BRIEF = {
    "sign": "{grad} has the wrong sign.",
    "scale": "{grad} is off by a constant factor.",
    "transpose": "{grad} is transposed, or built with a weight matrix that needed its transpose.",
    "missing_activation_derivative": "{grad}: the activation's derivative {fprime} is missing.",
    "wrong_activation_derivative": (
        "{grad}: the activation's derivative is taken at the wrong point or is the wrong "
        "function ({fprime} is needed)."
    ),
    "batch_reduction": "{grad} is not summed over the batch (one entry per sample is needed).",
    "zero": "{grad} is zero: it is never computed, or never applied.",
    "shape": "{grad} has the wrong shape.",
    "other": "{grad} is wrong, and no single classic mistake explains it.",
}

_KIND_FIX = {
    "sign": "Check which way round the difference is: the chapter's gradient uses (o − t).",
    "scale": (
        "Look for a factor: a missing ½ gives 2, averaging instead of summing gives 1/n, "
        "a learning rate left in or out gives η or 1/η."
    ),
    "transpose": (
        "With row vectors z = x @ W + b, W has shape (inputs, outputs): ∂L/∂W = xᵀ @ δ, and "
        "the error sent back to the inputs is δ @ Wᵀ."
    ),
    "missing_activation_derivative": "Multiply the error by f′ before using it: δ = error ⊙ f′.",
    "wrong_activation_derivative": (
        "For the sigmoid, f′ = o(1 − o) with o = σ(z) the layer's output: not σ(o), not z(1 − z)."
    ),
    "batch_reduction": "Sum δ over the samples (axis 0) for the bias: ∂L/∂b = δ.sum(axis=0).",
    "zero": "Compute this gradient (and, in an update, apply it).",
    "shape": "A gradient has the shape of its parameter.",
    "other": "Write the chain of derivatives for this parameter step by step and compare.",
}


def _layer_name(param: str) -> str:
    match = re.fullmatch(r"[Wb](\d+)", param)
    return f"∂L/∂{param} (layer {match.group(1)})" if match else f"∂L/∂{param}"


def checker_diagnosis(report, fprime: str, fixes: dict[str, str]) -> Diagnosis | None:
    """A diagnosis from a :func:`deltagrad.check_backprop` / ``check_network`` report."""
    findings = tuple(getattr(report, "findings", ()) or ())
    if not findings:
        return None
    first = findings[0]
    kind = first.kind if first.kind in _KIND_BRIEF else "other"
    brief = _KIND_BRIEF[kind].format(grad=_layer_name(first.param), fprime=fprime)
    others = [f"∂L/∂{f.param} ({f.kind.replace('_', ' ')})" for f in findings[1:]]
    detail = first.message + (f" Also wrong: {', '.join(others)}." if others else "")
    fix = fixes.get(f"{first.param}:{kind}") or fixes.get(kind) or _KIND_FIX[kind]
    return Diagnosis(brief, detail, fix, kind, first.param, findings)


def _run_checker(check: Callable[[], Any], fprime: str, fixes: dict[str, str]):
    """Run a checker call; None if it found nothing it could name or could not run."""
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            report = check()
    except Exception:  # the student's code, run again by the checker: a failure is not ours
        return None
    if getattr(report, "ok", True):
        return None
    return checker_diagnosis(report, fprime, fixes)


@dataclass(frozen=True)
class GradientGrader:
    """A function returning gradients, compared with the reference and diagnosed by the tape.

    Attributes:
        what: The function's name and parameters, ``"dense_backward(x, W, b, g)"``.
        cases: ``rng → list of dicts`` of the function's keyword arguments.
        outputs: What the function returns, in order, each named by the parameter it is the
            gradient of (``("W1", "b1", "W2", "b2")``).
        loss: ``loss(**args)``: the scalar the gradients are of, written with deltagrad ops.
        params: The arguments that are parameters (differentiated); the others are data.
        fprime: The activation's derivative, as the hints should name it.
        fixes: Stage-3 text per ``"param:kind"`` or per ``kind``, overriding the defaults.
        to_gradients: Turns the function's result into the gradients (e.g. a descent step
            into ``(θ − θ')/η``); by default the result is the gradients.
    """

    what: str
    cases: Callable[[np.random.Generator], list[dict]]
    outputs: tuple[str, ...]
    loss: Callable[..., Any]
    params: tuple[str, ...]
    fprime: str = "f′"
    fixes: dict[str, str] = field(default_factory=dict)
    to_gradients: Callable[[Any, dict], Any] | None = None
    mistakes: tuple[Mistake, ...] = ()

    def grade(self, answer, reference, rng) -> Diagnosis | None:
        """None if ``answer`` agrees with ``reference`` at every case, else a diagnosis."""
        for args in self.cases(rng):
            try:
                got = self._results(self._gradients(call_answer(answer, args, self.what), args))
            except _Wrong as wrong:
                return wrong.diagnosis
            want = self._results(self._gradients(reference(**args), args))
            shown = describe_inputs({k: args[k] for k in self.params})
            wrong_one = None
            for name, g, w in zip(self.outputs, got, want):
                wrong_one = wrong_one or compare_arrays(f"∂L/∂{name}", g, w, shown)
            if wrong_one is not None:
                found = self._diagnose(answer, args) or Diagnosis(
                    wrong_one.brief,
                    wrong_one.detail,
                    self.fixes.get(wrong_one.mistake) or _KIND_FIX.get(wrong_one.mistake, ""),
                    wrong_one.mistake,
                    wrong_one.where,
                )
                return self._known(found, got, args)
        return None

    def _known(self, found: Diagnosis, got: list[np.ndarray], args: dict) -> Diagnosis:
        """``found``, put in the words of a known mistake when the answer is exactly that
        mistake (the checker cannot tell, say, a missing σ′ of one neuron from a factor)."""
        for known in self.mistakes:
            wrong = self._results(self._gradients(known.compute(**args), args))
            if all(close_arrays(g, w) for g, w in zip(got, wrong)):
                return Diagnosis(
                    known.brief, found.detail, known.fix, known.mistake, found.where, found.findings
                )
        return found

    def _gradients(self, out, args: dict):
        return out if self.to_gradients is None else self.to_gradients(out, args)

    def _results(self, out) -> list[np.ndarray]:
        items = list(out) if isinstance(out, (tuple, list)) else [out]
        if len(items) != len(self.outputs):
            names = ", ".join(f"d{n}" for n in self.outputs)
            raise _Wrong(
                Diagnosis(
                    f"Return {len(self.outputs)} arrays ({names}); got {len(items)}.",
                    "",
                    f"End with `return {names}`.",
                    mistake="shape",
                )
            )
        return [_array(v, f"∂L/∂{n}") for n, v in zip(self.outputs, items)]

    def _diagnose(self, answer, args: dict) -> Diagnosis | None:
        import deltagrad as dg

        data = {k: v for k, v in args.items() if k not in self.params}
        params = {k: np.array(args[k], dtype=float) for k in self.params}

        def loss(**p):
            return self.loss(**p, **data)

        def grads(**p):
            point = {**args, **p}
            copies = {k: np.array(v, copy=True) for k, v in point.items()}
            out = self._gradients(invoke(answer, copies), point)
            items = out if isinstance(out, (tuple, list)) else (out,)
            return {n: np.asarray(g, dtype=float) for n, g in zip(self.outputs, items)}

        return _run_checker(lambda: dg.check_backprop(loss, grads, params), self.fprime, self.fixes)


@dataclass(frozen=True)
class NetworkGrader:
    """A chapter-style ``backpropagation(layers, x, t, learning_rate)`` that updates layers in
    place, compared with the reference update and diagnosed by :func:`deltagrad.check_network`.

    Attributes:
        what: The function's name and parameters.
        cases: ``rng → list of (layers, x, t)`` with ``deltagrad.backprop.Layer`` lists.
        learning_rate: The learning rate of every case.
        fprime: The activation's derivative, as the hints should name it.
        fixes: Stage-3 text per ``"param:kind"`` or per ``kind``.
    """

    what: str
    cases: Callable[[np.random.Generator], list[tuple[list, np.ndarray, np.ndarray]]]
    learning_rate: float
    fprime: str = "f′"
    fixes: dict[str, str] = field(default_factory=dict)

    def grade(self, answer, reference, rng) -> Diagnosis | None:
        """None if ``answer`` updates every layer as ``reference`` does, else a diagnosis."""
        if _unanswered(answer):
            raise NotAnswered(f"Define `{self.what}` — " + PLACEHOLDER)
        for layers, x, t in self.cases(rng):
            theirs, ours = copy.deepcopy(layers), copy.deepcopy(layers)
            args = {"layers": theirs, "x": x.copy(), "t": t.copy()}
            try:
                call_answer(_with_rate(answer, self.learning_rate), args, self.what)
            except _Wrong as wrong:
                return wrong.diagnosis
            reference(ours, x.copy(), t.copy(), self.learning_rate)
            shown = f"x = {_fmt(x)}, t = {_fmt(t)}"
            for i, (a, b) in enumerate(zip(theirs, ours), start=1):
                for name, got, want in (("W", a.weights, b.weights), ("b", a.bias, b.bias)):
                    wrong_one = compare_arrays(f"{name}{i} after the update", got, want, shown)
                    if wrong_one is not None:
                        return self._diagnose(answer, layers, x, t) or wrong_one
        return None

    def _diagnose(self, answer, layers, x, t) -> Diagnosis | None:
        import deltagrad as dg

        net = ExerciseNetwork(copy.deepcopy(layers), answer)
        return _run_checker(
            lambda: dg.check_network(net, x, t, learning_rate=self.learning_rate),
            self.fprime,
            self.fixes,
        )


def _with_rate(fn, learning_rate: float):
    """``fn`` called as ``fn(layers, x, t, learning_rate)`` from three keyword arguments."""

    def call(layers, x, t):
        return fn(layers, x, t, learning_rate)

    return call


class ExerciseNetwork:
    """A chapter-shaped network around a ``backpropagation(layers, x, t, learning_rate)``
    function, so that :func:`deltagrad.check_network` can check that function as written.

    Args:
        layers: ``deltagrad.backprop.Layer`` objects, input side first.
        backpropagation: The function under check; it updates the layers in place.
    """

    def __init__(self, layers: Sequence, backpropagation: Callable[..., Any]):
        self.layers = list(layers)
        self._backpropagation = backpropagation

    def feed_forward(self, x):
        """The layers' outputs, one after the other (each layer caches its own)."""
        for layer in self.layers:
            x = layer.activate(x)
        return x

    def backpropagation(self, x, y, learning_rate):
        """One update of every layer, by the function under check."""
        self._backpropagation(self.layers, x, y, learning_rate)
