"""deltagrad.exercises: every reference answer passes, classic wrong answers get the hint their
mistake deserves (from the backprop checker for gradients), hints come in stages, and the
expected numbers are the chapter's, computed here independently (by hand from the chapter's
formulas, by the tape, or by finite differences) rather than read from the implementation."""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd
from deltagrad.exercises import _broken

EX = dg.exercises
IDS = [e.id for e in EX.EXERCISES]
CODE_IDS = [e.id for e in EX.EXERCISES if e.kind != "number"]
NUMBER_IDS = [e.id for e in EX.EXERCISES if e.kind == "number"]


def sig(z):
    return 1 / (1 + np.exp(-z))


# --- the catalogue ---------------------------------------------------------------------------


def test_at_least_25_exercises_in_the_chapters_order():
    sections = [e.section for e in EX.list()]
    assert len(sections) >= 25
    assert sections == sorted(sections)
    assert set(sections) == {f"7.{k}" for k in range(1, 10)}
    assert {e.kind for e in EX.list()} == {"number", "function", "fix"}
    assert len(set(IDS)) == len(IDS)
    for entry in EX.list():
        assert re.fullmatch(r"7\.[1-9][a-z]", entry.id) and entry.id.startswith(entry.section)


def test_list_of_one_section_and_unknown_names():
    assert [e.id for e in EX.list("7.7")] == [i for i in IDS if i.startswith("7.7")]
    with pytest.raises(ValueError, match="sections"):
        EX.list("7.10")
    with pytest.raises(KeyError, match="7.1a"):
        EX.show("8.1a")
    assert EX.show(" 7.3E ") is EX.show("7.3e")


@pytest.mark.parametrize("exercise_id", IDS)
def test_prompt_says_what_to_give_and_cites_the_chapter(exercise_id):
    exercise = EX.show(exercise_id)
    assert f"chapter {exercise.section}" in exercise.prompt or f"({exercise.section})" in (
        exercise.prompt
    )
    assert "SPEC" not in exercise.prompt
    assert exercise.title in str(exercise) and exercise.prompt in str(exercise)
    if exercise.kind == "number":
        assert "Answer with" in exercise.prompt
    else:
        assert exercise.name in exercise.prompt or exercise.kind == "fix"
        assert exercise.starter.startswith(f"def {exercise.name}(")
        assert "raise NotImplementedError" in exercise.starter
        compile(exercise.starter, exercise.id, "exec")


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_answer_passes_its_own_check(exercise_id):
    result = EX.check(exercise_id, EX.solution(exercise_id))
    assert result.passed, str(result)
    assert result.hint is None and result.mistake is None and result.stage == 0
    assert str(result).startswith("✓")


@pytest.mark.parametrize("exercise_id", CODE_IDS)
def test_solutions_are_readable_functions(exercise_id):
    fn = EX.solution(exercise_id)
    assert fn.__name__ == EX.show(exercise_id).name
    assert inspect.getsource(fn).startswith(f"def {fn.__name__}(")


@pytest.mark.parametrize("placeholder", [..., None, NotImplemented])
@pytest.mark.parametrize("exercise_id", ["7.1a", "7.3e", "7.9c"])
def test_a_placeholder_is_not_answered_yet(exercise_id, placeholder):
    result = EX.check(exercise_id, placeholder)
    assert not result.passed and not result.answered and result.stage == 0
    assert "not answered yet" in str(result)


@pytest.mark.parametrize("exercise_id", CODE_IDS)
def test_the_shipped_starter_is_not_answered_yet(exercise_id):
    exercise = EX.show(exercise_id)
    space: dict = {"np": np, "dg": dg}
    exec(exercise.starter, space)
    result = EX.check(exercise_id, space[exercise.name])
    assert not result.answered and "NotImplementedError" in result.hint


# --- numbers: from the chapter and independent computation ------------------------------------


def himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def tape_grad(f, *args):
    return [float(g) for g in dg.grad(f, argnums=tuple(range(len(args))))(*args)]


def softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum()


def _himmelblau_step(x, y):
    gx, gy = fd.gradients(himmelblau, x, y)
    return (x - 0.01 * float(gx), y - 0.01 * float(gy))


INDEPENDENT = {
    "7.1a": 0 - 0.1 * float(fd.gradient(lambda th: (th - 3) ** 2, 0.0)),
    "7.1b": 1 + 0.25 * float(fd.gradient(lambda th: -(th**2) + 4 * th, 1.0)),
    "7.2a": tape_grad(lambda x, w, b: x * w**2 + b**2, 2.0, 3.0, -1.0)[1],
    "7.2b": tape_grad(lambda x, w, b, y: ((x * w + b) - y) ** 2, 2.0, 1.0, 0.5, 1.0)[1],
    "7.2c": float(fd.gradient(lambda x: 2.0**x, 3.0)),
    "7.2d": tape_grad(lambda a, x, w, b: a * dg.log(x * w + b), 3.0, 2.0, 1.0, 2.0)[2],
    "7.3a": float(dg.grad(dg.sigmoid)(0.0)),
    "7.3b": float(dg.grad(dg.sigmoid)(math.log(0.8 / 0.2))),  # z with σ(z) = 0.8
    "7.3c": float(dg.grad(dg.tanh)(0.5)),
    "7.3d": float(fd.gradient(lambda x: np.where(x >= 0, x, 0.02 * x), -3.0)),
    "7.4a": softmax([1, 2, 3])[2],
    "7.4b": float(fd.jacobian(softmax, np.array([1.0, 2.0, 3.0]))[0, 1]),
    "7.4c": float(fd.gradient(lambda o: 0.5 * np.sum((o - [1, 0]) ** 2), np.array([0.8, 0.3]))[0]),
    "7.5a": float(
        fd.gradient(lambda w: 0.5 * (sig(w @ [1.0, 2.0]) - 1) ** 2, np.array([0.5, -0.25]))[1]
    ),
    # the layer whose outputs are o = (0.6, 0.2): z = logit(o); ∂L/∂w_21 = ∂L/∂z_1 · x_2
    "7.5b": float(
        fd.gradient(lambda z: 0.5 * np.sum((sig(z) - [1, 0]) ** 2), np.log([0.6 / 0.4, 0.2 / 0.8]))[
            0
        ]
    )
    * -1.0,
    "7.6a": float(dg.grad(lambda t: (2 * t + 1) ** 2 + dg.exp(t**2))(1.0)),
    "7.6b": float(dg.grad(lambda t: (2 * t) ** 2 * (t + 1))(1.0)),
    "7.6c": tape_grad(lambda w1: (3.0 * w1 + 1) * 2.0 + 1, 2.0)[0],
    # 7.7: one hidden neuron j (o_j = 0.5, so z_j = 0) feeding two outputs whose δ are given
    "7.7a": float(fd.gradient(lambda z: 0.5 * (sig(z) - 0) ** 2, math.log(0.7 / 0.3))),
    "7.7b": float(fd.gradient(lambda z: np.dot([0.1, -0.2], [0.4, 0.3]) * sig(z), 0.0)),
    "7.7c": float(fd.gradient(lambda z: np.dot([0.1, -0.2], [0.4, 0.3]) * sig(z), 0.0)) * 0.8,
    "7.8a": tuple(tape_grad(himmelblau, 4.0, 0.0)),
    "7.8b": _himmelblau_step(1.0, 0.0),
    "7.8c": _himmelblau_step(-0.270845, -0.923039),
    "7.9a": sum(
        a * b + b for a, b in zip([2, 25, 50, 25], [25, 50, 25, 2])
    ),  # Figure 7-13's layers
    "7.9b": float(np.mean((np.array([0, 1]) - [0.3, 0.6]) ** 2)),
}

# Values the chapter itself prints or that follow from its formulas by hand.
BY_HAND = {
    "7.1a": 0.6,
    "7.1b": 1.5,
    "7.2a": 12,
    "7.2b": 6,
    "7.2d": 1.5,
    "7.3a": 0.25,
    "7.3b": 0.16,
    "7.3d": 0.02,
    "7.4c": -0.2,
    "7.5a": -0.25,
    "7.5b": 0.096,
    "7.6b": 20,
    "7.6c": 6,
    "7.7a": 0.147,
    "7.7b": -0.005,
    "7.7c": -0.004,
    "7.8a": (74, 10),
    "7.8b": (1.52, 0.2),
    "7.9a": 2702,
    "7.9b": 0.125,
}


def test_every_number_exercise_has_an_independent_value():
    assert sorted(INDEPENDENT) == sorted(NUMBER_IDS)


@pytest.mark.parametrize("exercise_id", NUMBER_IDS)
def test_the_expected_number_is_computed_independently(exercise_id):
    want = np.atleast_1d(INDEPENDENT[exercise_id])
    np.testing.assert_allclose(np.atleast_1d(EX.solution(exercise_id)), want, rtol=1e-6, atol=1e-9)
    assert EX.check(exercise_id, tuple(want) if want.size > 1 else float(want[0])).passed
    if exercise_id in BY_HAND:
        assert EX.check(exercise_id, BY_HAND[exercise_id]).passed


def test_the_step_from_the_maximum_goes_nowhere():
    # chapter 7.8 lists (−0.270845, −0.923039) as a stationary point: the step barely moves
    step = np.array(EX.solution("7.8c"))
    assert np.max(np.abs(step - [-0.270845, -0.923039])) < 1e-5


def test_numbers_within_three_significant_digits_pass_and_others_fail():
    assert EX.check("7.4a", 0.665).passed
    assert not EX.check("7.4a", 0.67).passed
    assert EX.check("7.8b", [1.52, 0.2]).passed
    assert not EX.check("7.8b", 1.52).passed  # one number where two are asked
    assert "2 numbers" in EX.check("7.8b", 1.52).hint
    assert "a number" in EX.check("7.1a", "0.6").hint


# --- number traps and stages ---------------------------------------------------------------------

NUMBER_TRAPS = [
    ("7.1a", -0.6, "sign", "ascent"),
    ("7.1a", 6.0, "scale", "learning rate"),
    ("7.1b", 0.5, "sign", "downhill"),
    ("7.2b", 3.0, "scale", "inner derivative"),
    ("7.2c", 12.0, "other", "power rule"),
    ("7.3a", 0.5, "wrong_activation_derivative", "σ(0)"),
    ("7.3b", sig(0.8) * (1 - sig(0.8)), "wrong_activation_derivative", "output o"),
    ("7.3d", 0.0, "zero", "integer"),
    ("7.4b", 0.022033, "sign", "sign"),  # no trap: the sign relation is found by itself
    ("7.4c", -0.4, "scale", "2 times"),  # the missing ½, found as a factor
    ("7.5a", -1.0, "missing_activation_derivative", "o(1 − o)"),
    ("7.5b", -0.032, "transpose", "swapped"),
    ("7.6b", 16.0, "other", "path through x only"),
    ("7.7a", 0.7, "missing_activation_derivative", "o_k(1 − o_k)"),
    ("7.7b", -0.02, "missing_activation_derivative", "o_j(1 − o_j)"),
    ("7.8b", (0.48, -0.2), "sign", "uphill"),
    ("7.9a", 2600, "other", "weights only"),
    ("7.9b", 0.25, "scale", "mean"),
]


@pytest.mark.parametrize("exercise_id, answer, mistake, words", NUMBER_TRAPS)
def test_a_classic_wrong_number_is_named(exercise_id, answer, mistake, words):
    result = EX.check(exercise_id, answer)
    assert not result.passed and result.answered
    assert result.mistake == mistake
    assert words in result.hint


def test_number_hints_come_in_stages():
    hints = [EX.check("7.6a", 1.0, attempt=n).hint for n in (1, 2, 3, 4)]
    assert "chain rule" in hints[0] and "You gave" not in hints[0]
    assert hints[1].startswith(hints[0]) and "You gave 1" in hints[1]
    assert hints[2].startswith(hints[1]) and "4·3 + 2e" in hints[2]
    assert hints[3] == hints[2]  # three stages; later attempts repeat the last
    with pytest.raises(ValueError, match="attempt"):
        EX.check("7.6a", 1.0, attempt=0)


# --- code: a classic wrong answer per exercise, and the hint it gets ---------------------------

# id → (wrong answer's source, mistake kind, where, words of the stage-1 hint). Fix exercises
# use their broken code as shipped (below); gradient exercises are diagnosed by dg.check_backprop
# or dg.check_network.
WRONG = {
    "7.1c": (
        "def gradient_step(theta, grad, lr, ascent):\n    return theta - lr * grad\n",
        "sign",
        None,
        "ignores `ascent`",
    ),
    "7.2e": (
        "def squared_error_gradients(w, b, x, y):\n"
        "    r = x * w + b - y\n"
        "    return np.sum(r * x), np.sum(r)\n",
        "scale",
        "w",
        "constant factor",
    ),
    "7.3e": (
        "def sigmoid_derivative(x):\n    s = 1 / (1 + np.exp(-x))\n    return s * (1 - s)\n",
        "numerical",
        None,
        "overflow",
    ),
    "7.3f": ("def tanh_derivative(x):\n    return 1 - np.tanh(x)\n", "other", None, "square"),
    "7.3g": (
        "def leaky_relu_derivative(x, p):\n"
        "    d = np.ones_like(x)\n"
        "    d[x < 0] = p\n"
        "    return d\n",
        "zero",
        None,
        "integer array",
    ),
    "7.4d": (
        "def softmax_jacobian(z):\n"
        "    p = np.exp(z - z.max())\n"
        "    p = p / p.sum()\n"
        "    return np.diag(p * (1 - p))\n",
        "other",
        None,
        "Only the diagonal",
    ),
    "7.4e": (
        "def softmax_cross_entropy_gradient(z, t):\n"
        "    p = np.exp(z - z.max(axis=1, keepdims=True))\n"
        "    p = p / p.sum(axis=1, keepdims=True)\n"
        "    return (p - t) / len(z)\n",
        "scale",
        "z",
        "constant factor",
    ),
    "7.5c": (
        "def neuron_gradients(w, b, x, t):\n"
        "    o = 1 / (1 + np.exp(-(x @ w + b)))\n"
        "    return (o - t) * x, o - t\n",
        "missing_activation_derivative",
        "w",
        "o(1 − o) is missing",
    ),
    "7.5d": (
        "def dense_backward(x, W, b, g):\n    return g @ W.T, x.T @ g, g\n",
        "batch_reduction",
        "b",
        "not summed over the batch",
    ),
    "7.5e": (
        "def sigmoid_layer_gradients(W, b, x, t):\n"
        "    o = 1 / (1 + np.exp(-(x @ W + b)))\n"
        "    delta = o - t\n"
        "    return x.T @ delta, delta.sum(axis=0)\n",
        "missing_activation_derivative",
        "W",
        "f′(o) = o(1 − o) is missing",
    ),
    "7.6d": (
        "def chain_rule_gradients(w1, b1, w2, b2, x):\n    return x, 1.0, x * w1 + b1, 1.0\n",
        "scale",
        "w1",
        "dy₂/dy₁ = w₂ is missing",
    ),
    "7.7d": (
        "def delta_rule(W1, b1, W2, b2, x, t):\n"
        "    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))\n"
        "    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))\n"
        "    delta2 = o2 - t\n"
        "    delta1 = (delta2 @ W2.T) * o1 * (1 - o1)\n"
        "    return np.outer(x, delta1), delta1, np.outer(o1, delta2), delta2\n",
        "missing_activation_derivative",
        "W2",
        "∂L/∂W2 (layer 2): the activation's derivative f′(o) = o(1 − o) is missing",
    ),
    "7.7e": (None, "missing_activation_derivative", "W1", "(layer 1)"),
    "7.7f": (None, "transpose", "W1", "transpose"),
    "7.7g": (None, "batch_reduction", "b2", "not summed over the batch"),
    "7.8d": (
        "def himmelblau_gradient(x, y):\n"
        "    a, c = 2 * (x**2 + y - 11), 2 * (x + y**2 - 7)\n"
        "    return a + c, a + c\n",
        "other",
        "x",
        "inner derivatives are missing",
    ),
    "7.8e": (
        "def himmelblau_step(p):\n"
        "    x, y = p\n"
        "    gx = 4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7)\n"
        "    gy = 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)\n"
        "    return p + 0.01 * np.array([gx, gy])\n",
        "sign",
        "p",
        "wrong sign",
    ),
    "7.9c": (None, "zero", "b3", "∂L/∂b3 (layer 3) is zero"),
    "7.9d": (None, "wrong_activation_derivative", "W3", "wrong point"),
    "7.9e": (None, "sign", "W3", "wrong sign"),
}


def wrong_answer(exercise_id):
    """The wrong answer of WRONG as a function (the broken code for a fix exercise)."""
    exercise = EX.show(exercise_id)
    source = WRONG[exercise_id][0]
    if source is None:
        return getattr(_broken, exercise.name)
    space: dict = {"np": np, "dg": dg}
    exec(source, space)
    return space[exercise.name]


def test_every_code_exercise_has_a_wrong_answer():
    assert sorted(WRONG) == sorted(CODE_IDS)


@pytest.mark.parametrize("exercise_id", CODE_IDS)
def test_a_wrong_answer_fails_with_the_intended_hint(exercise_id):
    _, mistake, where, words = WRONG[exercise_id]
    result = EX.check(exercise_id, wrong_answer(exercise_id))
    assert not result.passed and result.answered, str(result)
    assert (result.mistake, result.where) == (mistake, where), str(result)
    assert words in result.hint, str(result)


@pytest.mark.parametrize("exercise_id", CODE_IDS)
def test_code_hints_come_in_stages(exercise_id):
    hints = [EX.check(exercise_id, wrong_answer(exercise_id), attempt=n).hint for n in (1, 2, 3)]
    assert hints[1].startswith(hints[0]) and len(hints[1]) > len(hints[0])
    assert hints[2].startswith(hints[1]) and len(hints[2]) > len(hints[1])


GRADIENT_IDS = [
    e.id for e in EX.EXERCISES if type(e.grader).__name__ in ("GradientGrader", "NetworkGrader")
]


@pytest.mark.parametrize("exercise_id", GRADIENT_IDS)
def test_gradient_hints_come_from_the_backprop_checker(exercise_id):
    result = EX.check(exercise_id, wrong_answer(exercise_id), attempt=2)
    assert result.findings, "the checker was not consulted"
    first = result.findings[0]
    assert first.param == result.where
    assert first.message in result.hint  # stage 2 shows the checker's own sentence


def test_the_missing_hidden_derivative_names_the_layer_and_the_formula():
    result = EX.check("7.7e", _broken.hidden_delta_rule)
    assert result.hint == (
        "∂L/∂W1 (layer 1): the activation's derivative f′(o) = o(1 − o) is missing."
    )


def test_the_chapters_own_update_is_told_its_biases_never_change():
    result = EX.check("7.9c", _broken.backpropagation, attempt=2)
    assert {f.param for f in result.findings} == {"b1", "b2", "b3"}
    assert {f.kind for f in result.findings} == {"zero"}


def test_a_raising_answer_is_reported_not_raised():
    def dense_backward(x, W, b, g):
        return g @ W, x.T @ g, g.sum(axis=0)  # W needs its transpose: a shape error

    result = EX.check("7.5d", dense_backward, attempt=3)
    assert not result.passed and result.mistake == "error"
    assert "ValueError" in result.hint and "transpose" in result.hint


def test_a_non_function_answer_to_a_code_exercise():
    result = EX.check("7.3e", 0.25)
    assert not result.passed and "should be a function" in result.hint


def test_answers_get_copies_and_the_same_inputs_every_time():
    seen = []

    def tanh_derivative(x):
        seen.append(x.copy())
        x += 1  # scribbling on the input changes nothing for the checker
        return 1 - np.tanh(x - 1) ** 2

    assert EX.check("7.3f", tanh_derivative).passed
    first = list(seen)
    seen.clear()
    assert EX.check("7.3f", tanh_derivative).passed
    assert all(np.array_equal(a, b) for a, b in zip(first, seen))


def test_answers_written_with_deltagrad_ops_are_accepted():
    def sigmoid_derivative(x):
        return dg.grad(lambda v: dg.sum(dg.sigmoid(v)))(x)

    assert EX.check("7.3e", sigmoid_derivative).passed


def test_positional_answers_with_other_parameter_names():
    def step(point):
        return EX.solution("7.8e")(point)

    assert EX.check("7.8e", step).passed


# --- sessions: attempts counted per exercise, in the object ----------------------------------


def test_a_session_counts_wrong_attempts_per_exercise():
    session = EX.Session()
    assert session.check("7.3a", ...).answered is False
    assert session.attempts == {}
    first = session.check("7.3a", 0.5)
    second = session.check("7.3a", 0.5)
    assert (first.attempt, second.attempt) == (1, 2) and second.stage == 2
    assert session.check("7.3b", 0.5).attempt == 1  # another exercise starts at 1
    assert session.check("7.3a", 0.25).passed
    assert session.passed == {"7.3a"}
    assert session.progress().startswith(f"1 of {len(IDS)} exercises done")
    other = EX.Session()
    assert other.check("7.3a", 0.5).attempt == 1  # nothing shared between sessions


def test_results_read_well():
    wrong = EX.check("7.7a", 0.7, attempt=2)
    text = str(wrong)
    assert text.startswith("✗ 7.7a: not yet (attempt 2, hint 2 of 3).")
    assert "o_k(1 − o_k)" in text
    assert "7.7a" in EX.show("7.7a")._repr_markdown_()


# --- docs ---------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_howto_lists_every_exercise():
    page = (DOCS / "howto" / "exercises.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (7\.\d[a-z]) \| (7\.\d) \| (\w+) \| (.+?) \|$", page, re.M)
    assert rows == [(e.id, e.section, e.kind, e.title) for e in EX.list()]


def test_the_reference_page_documents_the_module():
    page = (DOCS / "reference" / "exercises.md").read_text(encoding="utf-8")
    assert "::: deltagrad.exercises" in page


PUBLIC = [getattr(EX, n) for n in EX.__all__ if callable(getattr(EX, n))]


@pytest.mark.parametrize("obj", PUBLIC, ids=[getattr(o, "__name__", "") for o in PUBLIC])
def test_public_names_have_docstrings(obj):
    assert (inspect.getdoc(obj) or "").strip()
    if inspect.isclass(obj):
        for name, member in vars(obj).items():
            if not name.startswith("_") and inspect.isfunction(member):
                assert (inspect.getdoc(member) or "").strip(), f"{obj.__name__}.{name}"
