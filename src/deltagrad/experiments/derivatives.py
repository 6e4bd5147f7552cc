"""chapter 7.2 to 7.4 as data: derivative rules, activation curves and softmax, each checked
three ways — the hand-derived formula, the tape (reverse mode) and a central finite difference
in float64.

* :func:`worked_examples` — one row per rule or worked loss of 7.2 and per sample point.
* :func:`activation_curves` — Figures 7-2 to 7-5: sigmoid, ReLU, LeakyReLU and tanh with their
  derivatives, analytic (:mod:`deltagrad.functional`) beside the tape's, plus finite-difference
  markers away from the kinks.
* :func:`softmax_example` — Figure 7-6: logits to probabilities, and the softmax Jacobian by
  formula, by the tape (row by row) and by finite differences.

Nothing is printed or plotted; :mod:`deltagrad.figures.derivatives` draws the curves. The
finite differences and the error metric are :mod:`deltagrad.gradcheck`'s
(:func:`~deltagrad.gradcheck.central_difference`, :func:`~deltagrad.gradcheck.relative_error`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import deltagrad as dg
from deltagrad import functional as F
from deltagrad.gradcheck import (
    EPS,
    central_difference,
    numeric_gradients,
    relative_error,
    tape_gradients,
)

__all__ = [
    "DEFAULT_POINTS",
    "RULES",
    "LEAKY_FIGURE_ALPHA",
    "FD_EPS",
    "worked_examples",
    "activation_curves",
    "softmax_example",
]

FD_EPS = EPS
"""Step of every central difference here: the package's one step, :data:`deltagrad.gradcheck.EPS`
(wide enough that round-off stays small against the tiny derivatives in the activations' tails,
tanh'(±6) ≈ 2.5e−5)."""

LEAKY_FIGURE_ALPHA = 0.1
"""LeakyReLU slope ``alpha`` used for Figure 7-4. The engine's default ``alpha = 0.01``
(``functional.LEAKY_ALPHA``) draws a negative side of at most 0.06 on [−6, 6] and a derivative
of 0.01 beside 1: the figure could not be told apart from ReLU's. The chapter allows any small
slope (its ``p``); the figure uses 0.1 and says so in its legend. Pass ``leaky_alpha=`` to change
it."""

DEFAULT_POINTS = (
    {"x": 0.5, "w": 1.5, "b": 0.3, "y": 1.0, "a": 2.0},
    {"x": 2.0, "w": -0.7, "b": 2.5, "y": -1.0, "a": -1.5},
    {"x": 1.3, "w": 0.4, "b": -0.2, "y": 0.5, "a": 0.5},
)
"""Sample points for :func:`worked_examples`: ``x > 0`` (for x^2.5 and log) and ``xw + b > 0``
(for a·ln(xw + b))."""


@dataclass(frozen=True)
class _Example:
    """A function of named scalars and the hand-derived partial derivatives of it."""

    section: str
    rule: str  # short name: "power", "chain", "L = x·w² + b²", …
    statement: str  # the general rule, e.g. "(x^a)' = a·x^(a−1)"
    expression: str  # the function, as written in the formula column
    variables: tuple[str, ...]  # differentiated
    constants: tuple[str, ...]  # read from the point, held fixed
    f: Callable  # f(**tensors) -> Tensor, built from deltagrad ops
    derivatives: dict  # variable -> (derivative text, analytic(p) -> float)


def _one(rule, statement, expression, derivative, f, analytic, section="derivative rules"):
    """A one-variable rule: d/dx of ``expression`` is ``derivative``."""
    return _Example(
        section, rule, statement, expression, ("x",), (), f, {"x": (derivative, analytic)}
    )


def _loss(rule, expression, constants, f, dw, db):
    """A worked loss of w and b, with (text, analytic) for ∂L/∂w and ∂L/∂b."""
    return _Example(
        "worked losses", rule, rule, expression, ("w", "b"), constants, f, {"w": dw, "b": db}
    )


RULES = (
    _one("constant", "c' = 0", "3", "0", lambda x: dg.constant(3.0), lambda p: 0.0),
    _one("linear", "(ax + c)' = a", "3x + 2", "3", lambda x: 3.0 * x + 2.0, lambda p: 3.0),
    _one(
        "power",
        "(x^a)' = a·x^(a−1)",
        "x^2.5",
        "2.5·x^1.5",
        lambda x: x**2.5,
        lambda p: 2.5 * p["x"] ** 1.5,
    ),
    _one(
        "exponential",
        "(a^x)' = a^x·ln a",
        "2^x",
        "2^x·ln 2",
        lambda x: 2.0**x,
        lambda p: 2.0 ** p["x"] * math.log(2.0),
    ),
    _one(
        "logarithm",
        "(log_a x)' = 1/(x·ln a)",
        "log_10 x",
        "1/(x·ln 10)",
        lambda x: dg.log(x) / math.log(10.0),
        lambda p: 1.0 / (p["x"] * math.log(10.0)),
    ),
    _one(
        "sum",
        "(f + g)' = f' + g'",
        "x³ + e^x",
        "3x² + e^x",
        lambda x: x**3 + dg.exp(x),
        lambda p: 3 * p["x"] ** 2 + math.exp(p["x"]),
        section="combination rules",
    ),
    _one(
        "product",
        "(fg)' = f'g + fg'",
        "x²·e^x",
        "2x·e^x + x²·e^x",
        lambda x: x**2 * dg.exp(x),
        lambda p: (2 * p["x"] + p["x"] ** 2) * math.exp(p["x"]),
        section="combination rules",
    ),
    _one(
        "quotient",
        "(f/g)' = (f'g − fg')/g²",
        "e^x/(x² + 1)",
        "(e^x·(x² + 1) − e^x·2x)/(x² + 1)²",
        lambda x: dg.exp(x) / (x**2 + 1.0),
        lambda p: math.exp(p["x"]) * (p["x"] ** 2 + 1 - 2 * p["x"]) / (p["x"] ** 2 + 1) ** 2,
        section="combination rules",
    ),
    _one(
        "chain",
        "(f∘g)' = f'(g)·g'",
        "ln(x² + 1)",
        "1/(x² + 1)·2x",
        lambda x: dg.log(x**2 + 1.0),
        lambda p: 2 * p["x"] / (p["x"] ** 2 + 1),
        section="combination rules",
    ),
    _loss(
        "L = x·w² + b²",
        "x·w² + b²",
        ("x",),
        lambda w, b, x: x * w**2 + b**2,
        ("2xw", lambda p: 2 * p["x"] * p["w"]),
        ("2b", lambda p: 2 * p["b"]),
    ),
    _loss(
        "L = x·e^w + e^b",
        "x·e^w + e^b",
        ("x",),
        lambda w, b, x: x * dg.exp(w) + dg.exp(b),
        ("x·e^w", lambda p: p["x"] * math.exp(p["w"])),
        ("e^b", lambda p: math.exp(p["b"])),
    ),
    _loss(
        "L = [(xw + b) − y]²",
        "((xw + b) − y)²",
        ("x", "y"),
        lambda w, b, x, y: ((x * w + b) - y) ** 2,
        ("2(xw + b − y)·x", lambda p: 2 * (p["x"] * p["w"] + p["b"] - p["y"]) * p["x"]),
        ("2(xw + b − y)", lambda p: 2 * (p["x"] * p["w"] + p["b"] - p["y"])),
    ),
    _loss(
        "L = a·ln(xw + b)",
        "a·ln(xw + b)",
        ("x", "a"),
        lambda w, b, x, a: a * dg.log(x * w + b),
        ("a·x/(xw + b)", lambda p: p["a"] * p["x"] / (p["x"] * p["w"] + p["b"])),
        ("a/(xw + b)", lambda p: p["a"] / (p["x"] * p["w"] + p["b"])),
    ),
)
"""Every rule and worked loss of chapter 7.2, each with its concrete function and hand formula."""


def _check_point(p: dict) -> dict:
    missing = {"x", "w", "b", "y", "a"} - set(p)
    if missing:
        raise ValueError(f"worked_examples: point {p!r} lacks {sorted(missing)}")
    p = {k: float(p[k]) for k in ("x", "w", "b", "y", "a")}
    if not all(math.isfinite(v) for v in p.values()):
        raise ValueError(f"worked_examples: point {p!r} has a non-finite value")
    if p["x"] <= 0 or p["x"] * p["w"] + p["b"] <= 0:
        raise ValueError(
            f"worked_examples: point {p!r} needs x > 0 and xw + b > 0 "
            "(x^2.5, log x and ln(xw + b) are evaluated there)"
        )
    return p


def _example_rows(ex: _Example, p: dict) -> list[dict]:
    fixed = {c: p[c] for c in ex.constants}
    arrays = [np.array(p[v]) for v in ex.variables]

    def f(*xs):
        return ex.f(*xs, **fixed)

    tape = tape_gradients(f, arrays)
    numeric = numeric_gradients(f, arrays, eps=FD_EPS)
    rows = []
    for v, t, n in zip(ex.variables, tape, numeric):
        text, analytic_of = ex.derivatives[v]
        analytic = float(analytic_of(p))
        d = "d/dx" if ex.variables == ("x",) else f"∂/∂{v}"
        rows.append(
            {
                "section": ex.section,
                "rule": ex.rule,
                "statement": ex.statement,
                "formula": f"{d} [{ex.expression}] = {text}",
                "point": {k: v for k, v in p.items() if k in ex.variables + ex.constants},
                "analytic": analytic,
                "tape": float(t),
                "numeric": float(n),
                "rel_error": float(max(relative_error(analytic, t), relative_error(analytic, n))),
            }
        )
    return rows


def worked_examples(points=DEFAULT_POINTS) -> list[dict]:
    """The derivative rules and worked losses of chapter 7.2 at each of ``points``.

    ``points`` are dicts with ``x, w, b, y, a`` (``x > 0``, ``xw + b > 0``); each example uses
    the entries it needs. One row per rule and point, and per partial derivative (∂L/∂w,
    ∂L/∂b) for the four losses: ``section, rule, statement`` (the general rule),
    ``formula`` (this example, e.g. "∂/∂w [x·w² + b²] = 2xw"), ``point`` (the values it
    uses), ``analytic, tape, numeric, rel_error``, where ``rel_error`` is the larger of
    analytic-vs-tape and analytic-vs-numeric, entry-wise as
    :func:`deltagrad.gradcheck.relative_error`.
    """
    points = [_check_point(p) for p in points]
    return [row for ex in RULES for p in points for row in _example_rows(ex, p)]


# --- 7.3 activation curves -----------------------------------------------------------------


def _activations(leaky_alpha: float) -> dict:
    """name -> (figure, title, f, f', engine op, kinks, formula, derivative formula)."""
    p = leaky_alpha
    return {
        "sigmoid": (
            "7-2",
            "Sigmoid",
            F.sigmoid,
            F.sigmoid_derivative,
            dg.sigmoid,
            (),
            "σ(x) = 1/(1 + e^−x)",
            "σ'(x) = σ(x)(1 − σ(x))",
        ),
        "relu": (
            "7-3",
            "ReLU",
            F.relu,
            F.relu_derivative,
            dg.relu,
            (0.0,),
            "ReLU(x) = max(0, x)",
            "ReLU'(x) = 1 if x > 0 else 0",
        ),
        "leaky_relu": (
            "7-4",
            "LeakyReLU",
            lambda x: F.leaky_relu(x, p),
            lambda x: F.leaky_relu_derivative(x, p),
            lambda x: dg.leaky_relu(x, alpha=p),
            (0.0,),
            f"LeakyReLU(x) = x if x ≥ 0 else {p:g}x",
            f"LeakyReLU'(x) = 1 if x > 0 else {p:g}",
        ),
        "tanh": (
            "7-5",
            "tanh",
            F.tanh,
            F.tanh_derivative,
            dg.tanh,
            (),
            "tanh(x) = (e^x − e^−x)/(e^x + e^−x)",
            "tanh'(x) = 1 − tanh²(x)",
        ),
    }


def _tape_derivative(op, x: np.ndarray) -> np.ndarray:
    """f'(x) element-wise from the tape: the gradient of Σ f(x) for an element-wise f."""
    (g,) = tape_gradients(lambda t: dg.sum(op(t)), [x])
    return g


def _fd_points(x: np.ndarray, n: int, kinks) -> np.ndarray:
    """``n`` evenly spaced points over x's range, minus any within 100 steps of a kink."""
    pts = np.linspace(x.min(), x.max(), n)
    keep = (
        np.all([np.abs(pts - k) > 100 * FD_EPS for k in kinks], axis=0)
        if kinks
        else np.ones(n, dtype=bool)
    )
    return pts[keep]


def activation_curves(x=None, n_fd: int = 13, leaky_alpha: float = LEAKY_FIGURE_ALPHA) -> dict:
    """Figures 7-2 to 7-5 as data: for sigmoid, relu, leaky_relu and tanh, in that order.

    ``x`` defaults to ``np.linspace(-6, 6, 241)``. Each value is a dict: ``name, figure``
    ("7-2"…), ``title, formula, derivative_formula, params`` and the arrays ``x, f``,
    ``analytic`` (:mod:`deltagrad.functional`), ``tape`` (the engine, reverse mode), plus
    ``fd_x, fd, fd_analytic``: central differences of the plain-NumPy function at ``n_fd``
    evenly spaced points, those at a kink left out. ``max_error_tape`` and ``max_error_fd``
    are the largest relative errors against the analytic derivative. At the kink x = 0 both
    engines give the left-hand derivative (relu'(0) = 0, leaky_relu'(0) = p).
    """
    x = np.linspace(-6.0, 6.0, 241) if x is None else np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise ValueError("activation_curves: x must be a 1-D array of >= 2 finite numbers")
    curves = {}
    for name, spec in _activations(leaky_alpha).items():
        fig, title, f, df, op, kinks, formula, dformula = spec
        analytic, tape = df(x), _tape_derivative(op, x)
        fd_x = _fd_points(x, n_fd, kinks)
        fd = central_difference(f, fd_x, FD_EPS, elementwise=True)
        fd_analytic = df(fd_x)
        curves[name] = {
            "name": name,
            "figure": fig,
            "title": title,
            "formula": formula,
            "derivative_formula": dformula,
            "params": {"alpha": leaky_alpha} if name == "leaky_relu" else {},
            "x": x,
            "f": f(x),
            "analytic": analytic,
            "tape": tape,
            "fd_x": fd_x,
            "fd": fd,
            "fd_analytic": fd_analytic,
            "max_error_tape": float(np.max(relative_error(analytic, tape))),
            "max_error_fd": float(np.max(relative_error(fd_analytic, fd))) if fd.size else 0.0,
        }
    return curves


# --- 7.4 softmax ---------------------------------------------------------------------------


def _tape_jacobian(z: np.ndarray) -> np.ndarray:
    """∂p_i/∂z_j from the tape, one reverse pass per output row i."""
    zt = dg.constant(z)
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(zt)
        p = dg.softmax(zt)
        rows = [p[i] for i in range(z.size)]
    return np.stack([np.asarray(tape.gradient(r, zt), dtype=np.float64) for r in rows])


def softmax_example(logits=(2.0, 1.0, 0.1)) -> dict:
    """Figure 7-6: logits turned into probabilities, and the softmax Jacobian checked.

    Returns ``logits``, ``probabilities`` (:func:`deltagrad.functional.softmax`),
    ``probabilities_tape`` (the engine's forward), ``jacobian`` (the formula
    ∂p_i/∂z_j = p_i(δ_ij − p_j)), ``jacobian_tape`` (row by row from the tape),
    ``jacobian_numeric`` (central differences) and ``max_error_tape``/``max_error_numeric``
    (largest relative error against the formula).
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size < 2 or not np.all(np.isfinite(z)):
        raise ValueError("softmax_example: logits must be a 1-D list of >= 2 finite numbers")
    p, jac = F.softmax(z), F.softmax_jacobian(z)
    jac_tape = _tape_jacobian(z)
    jac_numeric = central_difference(F.softmax, z.copy(), FD_EPS)  # ∂p_i/∂z_j: (i, j)
    return {
        "logits": z,
        "probabilities": p,
        "probabilities_tape": np.asarray(dg.softmax(dg.constant(z)), dtype=np.float64),
        "jacobian": jac,
        "jacobian_tape": jac_tape,
        "jacobian_numeric": jac_numeric,
        "max_error_tape": float(np.max(relative_error(jac, jac_tape))),
        "max_error_numeric": float(np.max(relative_error(jac, jac_numeric))),
    }
