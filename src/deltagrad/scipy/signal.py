"""``deltagrad.scipy.signal``: N-dimensional convolution, differentiable in both operands.

:func:`convolve` has the signature and semantics of ``autograd.scipy.signal.convolve``: NumPy's
and SciPy's convolution over the axes ``axes`` (all of them by default), plus a sum of products
over the pairs of ``dot_axes`` (the channels of a convolutional layer), with the other axes of
each operand kept. Its gradient with respect to one operand is a convolution of the upstream
gradient with the other operand flipped, so derivatives of any order work.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from deltagrad.ops.core import Primitive, as_operand, shape_of
from deltagrad.tensor import Tensor

__all__ = ["convolve"]

_MODES = ("full", "valid", "same")


class _Axes:
    """The roles of the axes of A and B: convolved (in pairs), summed (in pairs), kept."""

    def __init__(self, sa: tuple[int, ...], sb: tuple[int, ...], axes: Any, dot_axes: Any) -> None:
        if axes is None:
            axes = (tuple(range(len(sa))), tuple(range(len(sa))))
        self.conv_a, self.conv_b = (self._normal(ax, n) for ax, n in zip(axes, (sa, sb)))
        self.dot_a, self.dot_b = (self._normal(ax, n) for ax, n in zip(dot_axes, (sa, sb)))
        for a, b, what in ((self.conv_a, self.conv_b, "axes"), (self.dot_a, self.dot_b, "dot")):
            if len(a) != len(b):
                raise ValueError(
                    f"convolve: {what} pairs {len(a)} axes of A with {len(b)} of B "
                    f"(A of shape {sa}, B of shape {sb})"
                )
        for p, q in zip(self.dot_a, self.dot_b):
            if sa[p] != sb[q]:
                raise ValueError(
                    f"convolve: dot_axes pair axis {p} of A (size {sa[p]}) with axis {q} of B "
                    f"(size {sb[q]}) (A of shape {sa}, B of shape {sb})"
                )
        for used, n, op in (
            (self.conv_a + self.dot_a, sa, "A"),
            (self.conv_b + self.dot_b, sb, "B"),
        ):
            if len(set(used)) != len(used):
                raise ValueError(f"convolve: an axis of {op} (shape {n}) is used twice")
        self.keep_a = tuple(k for k in range(len(sa)) if k not in self.conv_a + self.dot_a)
        self.keep_b = tuple(k for k in range(len(sb)) if k not in self.conv_b + self.dot_b)

    @staticmethod
    def _normal(axes: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
        out = []
        for ax in axes:
            if not isinstance(ax, (int, np.integer)) or not -len(shape) <= ax < len(shape):
                raise ValueError(
                    f"convolve: axis {ax!r} is out of range for an operand of shape {shape}"
                )
            out.append(int(ax) % len(shape))
        return tuple(out)


def _labels(*counts: int) -> list[list[int]]:
    """Consecutive einsum labels: one list of ``n`` fresh integers per count."""
    out, start = [], 0
    for n in counts:
        out.append(list(range(start, start + n)))
        start += n
    return out


def _conv_fwd(a: Any, b: Any, axes: Any, dot_axes: Any, mode: str) -> Any:
    """The convolution, as a correlation of one operand S (padded for 'full' and 'same') with
    the other, K, flipped: an einsum of S's sliding windows with K."""
    a, b = np.asarray(a), np.asarray(b)
    ax = _Axes(a.shape, b.shape, axes, dot_axes)
    na = tuple(a.shape[k] for k in ax.conv_a)
    nb = tuple(b.shape[k] for k in ax.conv_b)
    k, n_dot = len(na), len(ax.dot_a)
    # Canonical layouts: kept axes, summed axes, convolved axes.
    a_c = np.transpose(a, ax.keep_a + ax.dot_a + ax.conv_a)
    b_c = np.transpose(b, ax.keep_b + ax.dot_b + ax.conv_b)
    if mode == "valid" and not all(p >= q for p, q in zip(na, nb)):
        if not all(p <= q for p, q in zip(na, nb)):
            raise ValueError(
                f"convolve: mode 'valid' needs one operand at least as large as the other along "
                f"every convolved axis, got sizes {na} (A) and {nb} (B)"
            )
        s, kern, s_is_a = b_c, a_c, False  # A slides over B
    else:
        s, kern, s_is_a = a_c, b_c, True  # B slides over A, padded for 'full' and 'same'
        pads = {
            "full": [(n - 1, n - 1) for n in nb],
            "same": [(n - 1 - (n - 1) // 2, (n - 1) // 2) for n in nb],
            "valid": [(0, 0)] * k,
        }[mode]
        s = np.pad(s, [(0, 0)] * (s.ndim - k) + pads)
    conv_s, conv_k = tuple(range(s.ndim - k, s.ndim)), tuple(range(kern.ndim - k, kern.ndim))
    windows = sliding_window_view(s, kern.shape[kern.ndim - k :], axis=conv_s)
    flipped = np.flip(kern, axis=conv_k)
    kept_s, kept_k, dot, out, win = _labels(s.ndim - n_dot - k, kern.ndim - n_dot - k, n_dot, k, k)
    kept = kept_s + kept_k if s_is_a else kept_k + kept_s  # A's kept axes, then B's
    return np.einsum(windows, kept_s + dot + out + win, flipped, kept_k + dot + win, kept + out)


convolve_p = Primitive("convolve", _conv_fwd)


def _conv_vjp(i: int, g: Any, out: Any, a: Any, b: Any, axes: Any, dot_axes: Any, mode: str):
    # X the operand of the gradient, Y the other: X̄ is the convolution of ḡ with Y flipped over
    # Y's convolved axes, with ḡ's axes of Y's kept axes summed against them; for 'same', ḡ is
    # first padded back to the size of the full convolution.
    sa, sb = shape_of(a), shape_of(b)
    ax = _Axes(sa, sb, axes, dot_axes)
    g_keep_a, g_keep_b, g_conv = (
        tuple(r) for r in _labels(len(ax.keep_a), len(ax.keep_b), len(ax.conv_a))
    )
    roles_a = (sa, ax.conv_a, ax.dot_a, ax.keep_a, g_keep_a)
    roles_b = (sb, ax.conv_b, ax.dot_b, ax.keep_b, g_keep_b)
    (sx, conv_x, dot_x, keep_x, _), (sy, conv_y, dot_y, keep_y, g_keep_y) = (
        (roles_a, roles_b) if i == 0 else (roles_b, roles_a)
    )
    y = b if i == 0 else a
    if mode == "same":
        pads = [(0, 0)] * len(shape_of(g))
        for p, n in zip(g_conv, (sb[k] for k in ax.conv_b)):
            pads[p] = ((n - 1) // 2, n - 1 - (n - 1) // 2)
        g = np.pad(g, pads)
    # 'valid' with X the larger operand: ḡ is smaller than Y, and the full convolution has X's
    # size; otherwise ḡ is at least as large as Y and the valid convolution has X's size.
    larger = mode == "valid" and not all(sx[p] <= sy[q] for p, q in zip(conv_x, conv_y))
    y_flipped = np.flip(y, axis=conv_y) if conv_y else y
    r = convolve_p.bind(
        g,
        y_flipped,
        axes=(g_conv, conv_y),
        dot_axes=(g_keep_y, keep_y),
        mode="full" if larger else "valid",
    )
    # r's axes: X's kept axes, Y's summed axes (in Y's order, standing for X's), X's convolved.
    labels = list(keep_x) + [x for _, x in sorted(zip(dot_y, dot_x))] + list(conv_x)
    perm = tuple(int(p) for p in np.argsort(labels))
    return r if perm == tuple(range(len(perm))) else np.transpose(r, perm)


convolve_p.defvjp_argnum(_conv_vjp)


def _axis_pairs(pairs: Any, what: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    try:
        first, second = pairs
        return tuple(first), tuple(second)
    except (TypeError, ValueError):
        raise ValueError(
            f"convolve: {what} must be a pair (axes of A, axes of B), got {pairs!r}"
        ) from None


def convolve(A, B, axes=None, dot_axes=((), ()), mode: str = "full") -> Tensor:
    """The convolution of ``A`` and ``B``, as ``autograd.scipy.signal.convolve``.

    Along each pair of ``axes`` the operands are convolved (flipped and slid, as
    ``scipy.signal.convolve``); along each pair of ``dot_axes`` their products are summed; the
    other axes are kept. The result has A's kept axes, then B's, then the convolved axes.
    ``mode`` sets the size of each convolved axis of the result: 'full' nA + nB − 1, 'valid'
    |nA − nB| + 1 (one operand must be at least as large as the other along every convolved
    axis), 'same' nA (centred as SciPy's).

    Args:
        A: The first operand: a Tensor, array or number.
        B: The second operand.
        axes: A pair (axes of A, axes of B) to convolve, paired in order; None: every axis of
            A with the same axis of B.
        dot_axes: A pair (axes of A, axes of B) to sum products over, paired in order.
        mode: 'full', 'valid' or 'same'.

    Returns:
        Tensor: the convolution, recorded on every active tape.

    Raises:
        ValueError: for an unknown mode, axes out of range, pairs of different lengths or
            sizes, or operands that do not fit mode 'valid'; naming the shapes.
    """
    if mode not in _MODES:
        raise ValueError(f"convolve: mode must be 'full', 'valid' or 'same', got {mode!r}")
    A, B = as_operand("convolve", A), as_operand("convolve", B)
    sa, sb = shape_of(A), shape_of(B)
    if axes is None:
        if len(sb) < len(sa):
            raise ValueError(
                f"convolve: with axes=None every axis of A is convolved with the same axis of "
                f"B, so B needs at least as many axes: A of shape {sa}, B of shape {sb}"
            )
        pairs = (tuple(range(len(sa))), tuple(range(len(sa))))
    else:
        pairs = _axis_pairs(axes, "axes")
    dots = _axis_pairs(dot_axes, "dot_axes")
    _Axes(sa, sb, pairs, dots)  # errors naming the shapes, before the forward runs
    return convolve_p(A, B, axes=pairs, dot_axes=dots, mode=mode)
