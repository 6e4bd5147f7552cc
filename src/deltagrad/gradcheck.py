"""Gradient checking: tape gradients against central finite differences, in float64.

Two tiers, as in HIPS autograd: a cheap random-projection check of ⟨u, J·v⟩ and an element-wise
table of every partial derivative. :func:`check_grads` raises :class:`GradientCheckError`
naming every derivative that disagrees (``∂f/∂x[0, 3]: analytic 1.5, numeric 3 (rel. error
0.5)``); :func:`gradient_table` returns one row per partial derivative, tape against finite
differences and against a ``reference`` of your own, and says which rows disagree.

This module is the one home of the package's finite differences and of its error convention,
used by everything that checks a derivative (``check_grads``, ``gradient_table``,
``deltagrad explain``, ``deltagrad gradcheck`` and the report):

* :data:`EPS` — the central-difference step, 1e−5, and :func:`central_difference`, the routine.
* :func:`relative_error` — the error of each entry of a gradient array relative to the largest
  magnitude in that array (of either side), floored at :data:`ATOL`.
* :data:`RTOL` — the tolerance, 1e−6.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from deltagrad.ops.core import value_of
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, constant

EPS = 1e-5
"""The step of every central difference in the package. A central difference in float64 errs
by truncation ∝ eps²·|f⁽³⁾| plus round-off ∝ ε·|f|/eps (ε ≈ 2.2e−16); the two balance near
ε^(1/3) ≈ 6e−6, which keeps both small even when tiny derivatives sit beside a large value
(a network's loss, an activation's tail): about 1e−10 relative for quantities of order one."""
RTOL = 1e-6
"""The tolerance: an entry whose :func:`relative_error` exceeds it disagrees."""
ATOL = 1e-8
"""Floor of the denominator of :func:`relative_error`: gradients that are zero up to this
size compare by absolute difference."""
MAX_REPORTED = 10
"""How many disagreeing entries a :class:`GradientCheckError` lists (and the count of all)."""


class GradientCheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message names each disagreeing entry."""


@dataclass(frozen=True)
class GradientRow:
    """One partial derivative: tape, central difference and, if given, your reference value.

    ``rel_error`` compares the tape with the finite difference; ``reference_error`` is the
    larger of the reference against each of them (None without a reference). ``ok`` is True
    when every comparison is within the tolerance the table was made with.
    """

    parameter: str
    index: tuple
    analytic: float
    numeric: float
    rel_error: float
    reference: float | None = None  # an independent analytic value (e.g. the delta rule)
    reference_error: float | None = None
    ok: bool = True


def relative_error(a, b, floor: float = ATOL):
    """The error convention: |a − b| / max(S, floor), entry by entry, where S is the largest
    finite magnitude in ``a`` and ``b``.

    For two numbers this is the usual |a − b| / max(|a|, |b|). For two gradient arrays each
    entry is measured against the array's scale: central differences resolve every entry only
    to round-off of the largest, so an entry a million times smaller cannot be compared by its
    own size. NaN in either side gives NaN (a disagreement for the checks).
    """
    a, b = np.asarray(value_of(a), float), np.asarray(value_of(b), float)
    mags = np.abs(np.concatenate([a.ravel(), b.ravel()]))
    scale = float(np.max(mags[np.isfinite(mags)], initial=0.0))
    return np.abs(a - b) / max(scale, floor)


def disagrees(err, rtol: float = RTOL):
    """True where an error exceeds ``rtol`` or is NaN (a NaN never counts as agreement)."""
    return ~(value_of(err) <= rtol)


def central_difference(f, x, eps=EPS, *, elementwise: bool = False, valid=None, progress=None):
    """Derivatives of ``f`` at ``x`` by central differences (f(x + eps) − f(x − eps)) / 2eps.

    ``x`` is a float64 array (0-d for a scalar). By default each entry is nudged in turn, *in
    place*: ``f(x)`` is called with ``x[i] = x_i ± eps`` and the entry is restored before the
    next one (and if ``f`` raises), so ``x`` may be an array that ``f`` reads by itself, such
    as a network's weights (``f`` then ignores its argument). ``f`` returns a scalar or an
    array; the result has shape ``f(x).shape + x.shape`` (for a scalar ``f`` the gradient,
    for a vector ``f`` the Jacobian ∂f_i/∂x_j), in float64.

    ``elementwise=True`` is the vectorised form for an element-wise ``f`` (f(x)_i depends on
    x_i only): two calls, f(x + eps) and f(x − eps), on the whole array; ``x`` is not modified.

    ``eps`` is a step or a sequence of steps. ``valid(x)``, if given, is called right after
    each call of ``f`` and says whether that evaluation can be used (e.g. no ReLU unit crossed
    its kink); an entry whose difference at the first step is invalid is retried at the next
    step, and is NaN when no step is valid. ``progress(1)`` is called after each entry.
    """
    steps = tuple(float(s) for s in np.atleast_1d(eps))
    if elementwise:
        if valid is not None or len(steps) != 1:
            raise ValueError("central_difference: elementwise=True takes one step and no valid")
        x, (step,) = np.asarray(x, dtype=np.float64), steps
        return (value_of(f(x + step)) - value_of(f(x - step))) / (2 * step)
    if not (isinstance(x, np.ndarray) and x.dtype == np.float64):
        raise TypeError(
            "central_difference: x must be a float64 NumPy array (it is nudged in "
            f"place), got {type(x).__name__} {getattr(x, 'dtype', '')}".rstrip()
        )
    grad = None
    for idx in np.ndindex(x.shape):
        old, d = x[idx], None
        try:
            for step in steps:
                sides, ok = [], True
                for sign in (1, -1):
                    x[idx] = old + sign * step
                    sides.append(np.array(f(x), dtype=np.float64))  # a copy: f may return x
                    ok = ok and (valid is None or bool(valid(x)))
                if ok:
                    d = (sides[0] - sides[1]) / (2 * step)
                    break
        finally:
            x[idx] = old
        if grad is None:
            grad = np.empty(sides[0].shape + x.shape)
        grad[(...,) + idx] = np.nan if d is None else d
        if progress is not None:
            progress(1)
    if grad is None:  # x has no entries: only f's shape is needed
        grad = np.empty(np.shape(f(x)) + x.shape)
    return grad


def _as_float64(inputs):
    return [np.array(x._value if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]


def _call(f, xs):
    out = f(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"check_grads: the function must return a Tensor, got {type(out).__name__}")
    return out


def _scalarize(f, u):
    """⟨u, f(x)⟩ for a fixed random ``u``, so that vector outputs are checked too."""

    def fu(*xs):
        out = _call(f, xs)
        return (out * u).sum() if out.ndim else out * u

    return fu


def _output_weights(f, arrays, rng):
    out = _call(f, [constant(a) for a in arrays])
    return rng.standard_normal(out.shape) if out.ndim else 1.0


def argument_names(f, n: int) -> list[str]:
    """The names of ``f``'s first ``n`` parameters, or ``x`` / ``x0, x1, …`` when it has none."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    plain = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(plain) >= n:
        return plain[:n]
    return ["x"] if n == 1 else [f"x{k}" for k in range(n)]


def plain_index(idx) -> str:
    """An index as a reader writes it: ``[0, 3]`` (plain integers), ``""`` for a scalar."""
    return f"[{', '.join(str(int(i)) for i in idx)}]" if len(idx) else ""


def _show(value: float) -> str:
    return f"{value:.6g}"


def _show_array(a) -> str:
    if a.size > 8:
        return f"an array of shape {a.shape}"
    return np.array2string(a, precision=6, separator=", ", floatmode="maxprec")


def tape_gradients(f, arrays):
    """Gradients of scalar ``f`` at ``arrays`` (float64) from the tape, as NumPy arrays."""
    xs = [constant(a) for a in arrays]
    with GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    grads = tape.gradient(y, xs, unconnected_gradients="zero")
    return [np.asarray(value_of(g), dtype=np.float64) for g in grads]


def numeric_gradients(f, arrays, eps: float = EPS):
    """Gradients of scalar ``f`` (Tensors in, Tensor out) at ``arrays`` by
    :func:`central_difference`, element by element, in float64; ``arrays`` are not modified."""
    xs = [np.array(a, dtype=np.float64) for a in arrays]  # copies: they are nudged in place

    def value(_):
        return float(value_of(f(*[constant(a.copy()) for a in xs])))

    return [central_difference(value, x, eps) for x in xs]


def _jacobians(f, arrays, eps):
    """Per input: the tape's and the finite differences' ∂f/∂x, shape f.shape + x.shape."""
    xs = [constant(a) for a in arrays]
    with GradientTape() as tape:
        tape.watch(xs)
        y = _call(f, xs)
    tape_j = tape.jacobian(y, xs, unconnected_gradients="zero")
    work = [np.array(a) for a in arrays]

    def value(_):
        return value_of(_call(f, [constant(a.copy()) for a in work]))

    return [
        (np.asarray(value_of(t), dtype=np.float64), central_difference(value, x, eps))
        for t, x in zip(tape_j, work)
    ]


def _entry_report(f, arrays, names, label, eps, rtol, limit) -> tuple[int, list[str]]:
    """(number of disagreeing derivatives, up to ``limit`` lines naming them)."""
    lines: list[str] = []
    count = 0
    for name, x, (tape_j, numeric_j) in zip(names, arrays, _jacobians(f, arrays, eps)):
        out_ndim = tape_j.ndim - x.ndim
        err = relative_error(tape_j, numeric_j)
        for idx in zip(*np.nonzero(disagrees(err, rtol))):
            count += 1
            if len(lines) < limit:
                of, at = plain_index(idx[:out_ndim]), plain_index(idx[out_ndim:])
                lines.append(
                    f"  ∂{label}{of}/∂{name}{at}: analytic {_show(tape_j[idx])}, "
                    f"numeric {_show(numeric_j[idx])} (rel. error {err[idx]:.2g})"
                )
    return count, lines


def _failure(f, arrays, names, label, eps, rtol, limit, fallback: str) -> GradientCheckError:
    count, lines = _entry_report(f, arrays, names, label, eps, rtol, limit)
    if not count:  # only the projection noticed (rare): say what it measured
        return GradientCheckError(fallback)
    more = f"\n  … and {count - len(lines)} more" if count > len(lines) else ""
    at = "; ".join(f"{n} = {_show_array(a)}" for n, a in zip(names, arrays))
    return GradientCheckError(
        f"the tape's derivatives disagree with central differences (step {eps:g}) in {count} "
        f"entr{'y' if count == 1 else 'ies'} (rel. error above {rtol:g}; errors are relative to "
        "the largest derivative of the same input):\n" + "\n".join(lines) + more + f"\nat {at}"
    )


def _projection_error(fu, arrays, rng, eps) -> tuple[float, float, float]:
    vs = [rng.standard_normal(a.shape) for a in arrays]
    analytic = sum(float(np.sum(g * v)) for g, v in zip(tape_gradients(fu, arrays), vs))

    def along(t):  # fu at arrays + t·v: its derivative at t = 0 is ⟨∇fu, v⟩
        return float(value_of(fu(*[constant(a + t * v) for a, v in zip(arrays, vs)])))

    numeric = float(central_difference(along, np.zeros(()), eps))
    return analytic, numeric, float(relative_error(analytic, numeric))


def _elementwise_agrees(fu, arrays, eps, rtol) -> bool:
    analytic = tape_gradients(fu, arrays)
    numeric = numeric_gradients(fu, arrays, eps)
    return not any(np.any(disagrees(relative_error(a, n), rtol)) for a, n in zip(analytic, numeric))


def _gradient_function(fu, rng, shapes):
    """x ↦ ⟨w, ∇fu(x)⟩ for random ``w``: its gradient is a Hessian-vector product."""
    ws = [rng.standard_normal(s) for s in shapes]

    def g(*xs):
        with GradientTape() as tape:
            tape.watch(list(xs))
            y = fu(*xs)
        grads = tape.gradient(y, list(xs), unconnected_gradients="zero")
        total = constant(0.0)
        for gi, w in zip(grads, ws):
            total = total + (gi * w).sum()
        return total

    return g


def check_grads(
    f,
    *inputs,
    order: int = 1,
    eps: float = EPS,
    rtol: float = RTOL,
    modes=("projection", "elementwise"),
    seed: int = 0,
    max_reported: int = MAX_REPORTED,
    names=None,
) -> None:
    """Check the tape's derivatives of ``f`` at ``inputs`` against central differences.

    ``f`` takes Tensors and returns a Tensor of any shape. Inputs are converted to float64.
    The check runs a random projection ⟨u, J·v⟩ and/or every entry of ⟨u, J⟩ (``modes``);
    ``order=2`` also checks second derivatives (the tape of a tape). Errors follow
    :func:`relative_error` with step :data:`EPS` and tolerance :data:`RTOL` by default.

    Raises:
        GradientCheckError: when they disagree. The message lists each disagreeing derivative
            (up to ``max_reported``, and how many in all) as ``∂f/∂x[0, 3]: analytic 1.5,
            numeric 3 (rel. error 0.5)`` — ``∂f[i]/∂x[j]`` for a vector ``f`` — with the
            arguments named as ``f`` names them (or ``names``), and the inputs.
    """
    if order not in (1, 2):
        raise ValueError(f"check_grads: order must be 1 or 2, got {order!r}")
    rng = np.random.default_rng(seed)
    arrays = _as_float64(inputs)
    names = list(names) if names is not None else argument_names(f, len(arrays))
    fu = _scalarize(f, _output_weights(f, arrays, rng))
    _check_first_order(f, fu, arrays, names, "f", rng, eps, rtol, modes, max_reported)
    if order == 2:
        g = _gradient_function(fu, rng, [a.shape for a in arrays])
        gu = _scalarize(g, 1.0)
        # Differencing a gradient loses about half the digits: widen rtol accordingly.
        label = "(w·∇f)"  # w: a fixed random vector, so that every second derivative counts
        rtol2 = max(rtol, 1e-5)
        _check_first_order(g, gu, arrays, names, label, rng, eps, rtol2, modes, max_reported)


def _check_first_order(f, fu, arrays, names, label, rng, eps, rtol, modes, limit) -> None:
    if "projection" in modes:
        analytic, numeric, err = _projection_error(fu, arrays, rng, eps)
        if disagrees(err, rtol):
            raise _failure(
                f, arrays, names, label, eps, rtol, limit,
                f"the directional derivative <u, J v> of {label} disagrees: analytic "
                f"{analytic:.10g}, numeric {numeric:.10g} (rel. error {err:.2g}, rtol {rtol:g})",
            )  # fmt: skip
    if "elementwise" in modes and not _elementwise_agrees(fu, arrays, eps, rtol):
        raise _failure(
            f, arrays, names, label, eps, rtol, limit,
            f"the derivatives of <u, {label}> disagree with central differences "
            f"(rtol {rtol:g}), but no single entry of the Jacobian does",
        )  # fmt: skip


class GradientTable(list):
    """The rows of :func:`gradient_table` (a list of :class:`GradientRow`), which also says
    whether they agree: ``ok``, ``disagreements`` and a readable ``str``."""

    rtol: float = RTOL

    @property
    def ok(self) -> bool:
        """True when every row agrees (tape, finite differences and the reference)."""
        return all(row.ok for row in self)

    @property
    def disagreements(self) -> list[GradientRow]:
        """The rows where some comparison exceeds the tolerance."""
        return [row for row in self if not row.ok]

    def __str__(self) -> str:
        bad = self.disagreements
        has_ref = any(row.reference is not None for row in self)
        head = (
            f"{len(self)} derivative{'s' * (len(self) != 1)}, {len(bad)} disagree "
            f"(rel. error above {self.rtol:g})"
        )
        if has_ref:
            head += "; reference = your values, checked against the tape and the differences"
        shown = list(self) if len(self) <= 20 else bad[:20]
        numbers = (["reference"] if has_ref else []) + ["tape", "numeric", "rel. error"]
        lines = [head, f"   {'derivative':<14}" + "".join(f"{c:>13}" for c in numbers)]
        for row in shown:
            values = ([row.reference] if row.reference is not None else []) + [
                row.analytic,
                row.numeric,
            ]
            err = max(row.rel_error, row.reference_error or 0.0)
            lines.append(
                f"{' ' if row.ok else '✗'}  {row.parameter + plain_index(row.index):<14}"
                + "".join(f"{_show(v):>13}" for v in values)
                + f"{err:>13.2g}"
            )
        if len(shown) < len(bad):
            lines.append(f"  … and {len(bad) - len(shown)} more disagreeing rows")
        elif len(self) > 20 and not bad:
            lines.append("  (every row agrees; the rows are the list's items)")
        return "\n".join(lines)


def gradient_table(
    f, inputs, names=None, reference=None, eps: float = EPS, rtol: float = RTOL
) -> GradientTable:
    """Every partial derivative of scalar ``f`` at ``inputs``: tape vs central differences,
    and your ``reference`` checked against both.

    Args:
        f: takes Tensors, returns a scalar Tensor.
        inputs: the arrays to differentiate at (converted to float64).
        names: labels of the inputs (default: ``f``'s parameter names).
        reference: optional, one array per input of the same shape — your own gradient (a
            hand-derived formula, the delta rule). Each entry is compared with the tape and
            with the finite difference.
        eps: the central-difference step (default :data:`EPS`).
        rtol: the tolerance of :func:`relative_error` (default :data:`RTOL`).

    Returns:
        A :class:`GradientTable`: one :class:`GradientRow` per entry, input by input in
        row-major order; ``table.ok``, ``table.disagreements`` and ``print(table)`` say which
        entries disagree.
    """
    arrays = _as_float64(inputs)
    names = list(names) if names is not None else argument_names(f, len(arrays))
    if len(names) != len(arrays):
        raise ValueError(f"gradient_table: {len(names)} names for {len(arrays)} inputs")
    refs = [None] * len(arrays) if reference is None else _as_float64(reference)
    if len(refs) != len(arrays):
        raise ValueError(f"gradient_table: {len(refs)} reference arrays for {len(arrays)} inputs")
    analytic = tape_gradients(f, arrays)
    numeric = numeric_gradients(f, arrays, eps)
    table = GradientTable()
    table.rtol = rtol
    for name, a, n, r in zip(names, analytic, numeric, refs):
        if r is not None and r.shape != a.shape:
            raise ValueError(
                f"gradient_table: reference for {name!r} has shape {r.shape}, expected {a.shape}"
            )
        err = relative_error(a, n)
        ref_err = None if r is None else np.maximum(relative_error(r, a), relative_error(r, n))
        for idx in np.ndindex(a.shape):
            e = None if ref_err is None else float(ref_err[idx])
            ok = not disagrees(err[idx], rtol) and (e is None or not disagrees(e, rtol))
            ref = None if r is None else float(r[idx])
            table.append(
                GradientRow(name, idx, float(a[idx]), float(n[idx]), float(err[idx]), ref, e, ok)
            )
    return table
