"""Gradient checking: tape gradients against central finite differences, in float64.

Two tiers, as in HIPS autograd: a cheap random-projection check of ⟨u, J·v⟩ and an element-wise
table of every partial derivative. :func:`check_grads` raises :class:`GradientCheckError` with
the analytic value, the numeric value, the relative error and where; :func:`gradient_table`
returns the rows for printing and saving.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, constant

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-8


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


def relative_error(a, b, floor: float = ATOL):
    """|a − b| / max(|a|, |b|, floor), element-wise: 0 when both are (near) zero."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


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
    """Central differences (f(x + eps) − f(x − eps)) / 2eps of scalar ``f``, element by element."""
    grads = []
    for k, x in enumerate(arrays):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            grads_at = []
            for sign in (1, -1):
                shifted = [a.copy() for a in arrays]
                shifted[k][idx] += sign * eps
                grads_at.append(float(np.asarray(f(*[constant(a) for a in shifted]))))
            g[idx] = (grads_at[0] - grads_at[1]) / (2 * eps)
        grads.append(g)
    return grads


def _check_projection(fu, arrays, rng, eps, rtol):
    vs = [rng.standard_normal(a.shape) for a in arrays]
    analytic = sum(float(np.sum(g * v)) for g, v in zip(tape_gradients(fu, arrays), vs))
    plus = float(np.asarray(fu(*[constant(a + eps * v) for a, v in zip(arrays, vs)])))
    minus = float(np.asarray(fu(*[constant(a - eps * v) for a, v in zip(arrays, vs)])))
    numeric = (plus - minus) / (2 * eps)
    err = float(relative_error(analytic, numeric))
    if err > rtol:
        raise GradientCheckError(
            f"directional derivative <u, J v> disagrees: analytic {analytic:.10g}, numeric "
            f"{numeric:.10g}, relative error {err:.3g} (rtol {rtol:g}) at inputs "
            f"{[a.tolist() if a.size <= 8 else f'array{a.shape}' for a in arrays]}")


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
                f"{arrays[k].tolist() if arrays[k].size <= 8 else f'array{arrays[k].shape}'}")


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


def check_grads(f, *inputs, order: int = 1, eps: float = EPS, rtol: float = RTOL,
                modes=("projection", "elementwise"), seed: int = 0) -> None:
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
        check_grads(g, *arrays, order=1, eps=max(eps, 1e-5), rtol=max(rtol, 1e-5), modes=modes,
                    seed=seed + 1)


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
            raise ValueError(f"gradient_table: reference for {name!r} has shape {r.shape}, "
                             f"expected {a.shape}")
        for idx in np.ndindex(a.shape):
            rows.append(GradientRow(name, idx, float(a[idx]), float(n[idx]),
                                    float(relative_error(a[idx], n[idx])),
                                    None if r is None else float(r[idx])))
    return rows
