"""Gradient checking: tape gradients against central finite differences, in float64.

Two tiers, as in HIPS autograd: a cheap random-projection check of ⟨u, J·v⟩ and an element-wise
table of every partial derivative. :func:`check_grads` raises :class:`GradientCheckError` with
the analytic value, the numeric value, the relative error and where; :func:`gradient_table`
returns the rows for printing and saving.

This module is the one home of the package's finite differences and of its error metric; the
experiments (:mod:`deltagrad.experiments.gradcheck`, :mod:`deltagrad.experiments.derivatives`)
call them:

* :func:`central_difference` — the central-difference routine, element-wise over a float64
  array, one entry at a time or vectorised for element-wise functions.
* :func:`relative_error` — the error metric: relative to the larger magnitude of the two
  values, or to a given ``scale`` (e.g. the largest derivative of a parameter array).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, constant

EPS = 1e-6
"""Default step of :func:`central_difference`. A central difference in float64 errs by
truncation ∝ eps²·|f⁽³⁾| plus round-off ∝ ε·|f|/eps (ε ≈ 2.2e−16): about 1e−10 relative at
this step for values and derivatives of order one. Callers with tiny derivatives beside large
values (activation tails, a network's loss) pass a wider step, near ε^(1/3) ≈ 6e−6."""
RTOL = 1e-6
ATOL = 1e-8
"""Floor of the denominator of :func:`relative_error`."""


class GradientCheckError(AssertionError):
    """Analytic and numeric gradients disagree."""


@dataclass(frozen=True)
class GradientRow:
    """One partial derivative: analytic (tape) vs numeric (central difference)."""

    parameter: str
    index: tuple
    analytic: float
    numeric: float
    rel_error: float
    reference: float | None = None  # an independent analytic value (e.g. the delta rule)


def relative_error(a, b, floor: float = ATOL, scale=None):
    """The error metric: |a − b| / max(|a|, |b|, floor), element-wise; 0 when both are (near) zero.

    With ``scale`` the error is taken relative to that scale instead of the values' own
    magnitudes: |a − b| / max(scale, floor). Use it for the entries of one gradient array
    (``scale`` = its largest |derivative|): finite differences resolve every entry only to
    round-off of the array's largest, so tiny entries cannot be compared entry by entry.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if scale is not None:
        return np.abs(a - b) / max(float(scale), floor)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


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
        return (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * step)
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
    arrays = []
    for x in inputs:
        arr = np.array(x._value if isinstance(x, Tensor) else x, dtype=np.float64)
        arrays.append(arr)
    return arrays


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


def tape_gradients(f, arrays):
    """Gradients of scalar ``f`` at ``arrays`` (float64) from the tape, as NumPy arrays."""
    xs = [constant(a) for a in arrays]
    with GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    grads = tape.gradient(y, xs, unconnected_gradients="zero")
    return [np.asarray(g, dtype=np.float64) for g in grads]


def numeric_gradients(f, arrays, eps: float = EPS):
    """Gradients of scalar ``f`` (Tensors in, Tensor out) at ``arrays`` by
    :func:`central_difference`, element by element, in float64; ``arrays`` are not modified."""
    xs = [np.array(a, dtype=np.float64) for a in arrays]  # copies: they are nudged in place

    def value(_):
        return float(np.asarray(f(*[constant(a.copy()) for a in xs])))

    return [central_difference(value, x, eps) for x in xs]


def _check_projection(fu, arrays, rng, eps, rtol):
    vs = [rng.standard_normal(a.shape) for a in arrays]
    analytic = sum(float(np.sum(g * v)) for g, v in zip(tape_gradients(fu, arrays), vs))

    def along(t):  # fu at arrays + t·v: its derivative at t = 0 is ⟨∇fu, v⟩
        return float(np.asarray(fu(*[constant(a + t * v) for a, v in zip(arrays, vs)])))

    numeric = float(central_difference(along, np.zeros(()), eps))
    err = float(relative_error(analytic, numeric))
    if err > rtol:
        raise GradientCheckError(
            f"directional derivative <u, J v> disagrees: analytic {analytic:.10g}, numeric "
            f"{numeric:.10g}, relative error {err:.3g} (rtol {rtol:g}) at inputs "
            f"{[a.tolist() if a.size <= 8 else f'array{a.shape}' for a in arrays]}"
        )


def _check_elementwise(fu, arrays, eps, rtol):
    analytic = tape_gradients(fu, arrays)
    numeric = numeric_gradients(fu, arrays, eps)
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        # Entries far smaller than the gradient's largest are compared at the gradient's scale:
        # finite differences cannot resolve them relatively (their error scales with the largest).
        scale = float(np.max(np.abs(n), initial=0.0))
        err = relative_error(a, n, floor=max(ATOL, 1e-4 * scale))
        if err.size and err.max() > rtol:
            idx = np.unravel_index(int(np.argmax(err)), err.shape)
            raise GradientCheckError(
                f"d/d(input {k}){list(idx) if idx else ''}: analytic {a[idx]:.10g}, numeric "
                f"{n[idx]:.10g}, relative error {err[idx]:.3g} (rtol {rtol:g}); input {k} = "
                f"{arrays[k].tolist() if arrays[k].size <= 8 else f'array{arrays[k].shape}'}"
            )


def _gradient_function(fu, n_inputs, rng, shapes):
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
) -> None:
    """Check the tape's derivatives of ``f`` at ``inputs`` against central differences.

    ``f`` takes Tensors and returns a Tensor (any shape: it is projected on a random vector).
    Inputs are converted to float64. ``order=2`` also checks second derivatives (the tape of a
    tape). Raises :class:`GradientCheckError` naming the analytic and numeric values, the
    relative error and where, when they disagree by more than ``rtol``.
    """
    if order not in (1, 2):
        raise ValueError(f"check_grads: order must be 1 or 2, got {order!r}")
    rng = np.random.default_rng(seed)
    arrays = _as_float64(inputs)
    fu = _scalarize(f, _output_weights(f, arrays, rng))
    if "projection" in modes:
        _check_projection(fu, arrays, rng, eps, rtol)
    if "elementwise" in modes:
        _check_elementwise(fu, arrays, eps, rtol)
    if order == 2:
        g = _gradient_function(fu, len(arrays), rng, [a.shape for a in arrays])
        # Differencing a gradient loses about half the digits: widen eps and rtol accordingly.
        check_grads(
            g,
            *arrays,
            order=1,
            eps=max(eps, 1e-5),
            rtol=max(rtol, 1e-5),
            modes=modes,
            seed=seed + 1,
        )


def gradient_table(f, inputs, names=None, reference=None, eps: float = EPS) -> list[GradientRow]:
    """Every partial derivative of scalar ``f`` at ``inputs``: tape vs central differences.

    ``names`` labels the inputs (default ``x0, x1, …``); ``reference`` optionally gives an
    independent analytic gradient per input (e.g. the delta rule) to show beside them.
    """
    arrays = _as_float64(inputs)
    names = list(names) if names is not None else [f"x{k}" for k in range(len(arrays))]
    if len(names) != len(arrays):
        raise ValueError(f"gradient_table: {len(names)} names for {len(arrays)} inputs")
    analytic = tape_gradients(f, arrays)
    numeric = numeric_gradients(f, arrays, eps)
    refs = [None] * len(arrays) if reference is None else _as_float64(reference)
    rows = []
    for name, a, n, r in zip(names, analytic, numeric, refs):
        if r is not None and r.shape != a.shape:
            raise ValueError(
                f"gradient_table: reference for {name!r} has shape {r.shape}, expected {a.shape}"
            )
        for idx in np.ndindex(a.shape):
            rows.append(
                GradientRow(
                    name,
                    idx,
                    float(a[idx]),
                    float(n[idx]),
                    float(relative_error(a[idx], n[idx])),
                    None if r is None else float(r[idx]),
                )
            )
    return rows
