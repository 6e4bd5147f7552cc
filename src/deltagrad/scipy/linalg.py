"""``deltagrad.scipy.linalg``: SciPy's triangular solve on Tensors, differentiable, and the
decompositions NumPy's and SciPy's ``linalg`` share (:mod:`deltagrad.linalg`'s).

:func:`solve_triangular` is a primitive with its rule here; its rule is written with itself and
the operators, so second derivatives work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltagrad.linalg import cholesky, det, inv, slogdet, solve
from deltagrad.ops.core import Primitive, as_operand, shape_of
from deltagrad.tensor import Tensor, as_tensor

__all__ = ["solve_triangular", "cholesky", "det", "inv", "slogdet", "solve"]

_TRANS = {0: 0, 1: 1, "N": 0, "T": 1, "C": 1}


def _solve_triangular_fwd(a: Any, b: Any, trans: int, lower: bool) -> Any:
    import scipy.linalg

    return scipy.linalg.solve_triangular(a, b, trans=trans, lower=lower)


def _triangle(m: Any, lower: bool) -> Any:
    return np.tril(m) if lower else np.triu(m)


def _vjp_b(g: Any, out: Any, a: Any, b: Any, trans: int, lower: bool) -> Any:
    # x = op(a)⁻¹ b, op(a) = a or aᵀ: b̄ = op(a)⁻ᵀ ḡ.
    return solve_triangular_p.bind(a, g, trans=1 - trans, lower=lower)


def _vjp_a(g: Any, out: Any, a: Any, b: Any, trans: int, lower: bool) -> Any:
    # ā = −b̄ xᵀ for op(a) = a, −x b̄ᵀ for op(a) = aᵀ; only a's triangle is read.
    gb = _vjp_b(g, out, a, b, trans, lower)
    x, gb = (out, gb) if out.ndim == 2 else (out[:, None], gb[:, None])
    outer = -(gb @ np.swapaxes(x, -1, -2)) if trans == 0 else -(x @ np.swapaxes(gb, -1, -2))
    return _triangle(outer, lower)


solve_triangular_p = Primitive("solve_triangular", _solve_triangular_fwd)
solve_triangular_p.defvjp(_vjp_a, _vjp_b)


def solve_triangular(
    a: Any, b: Any, trans: int | str = 0, lower: bool = False, **kwargs: Any
) -> Tensor:
    """``x`` with ``a x = b`` (``trans=0``) or ``aᵀ x = b`` (``trans=1`` or ``'T'``) for a
    triangular matrix ``a``, as ``scipy.linalg.solve_triangular``; only ``a``'s lower (or upper)
    triangle is read, and its gradient lies there.

    Args:
        a: The (M, M) triangular matrix: a Tensor, array or number list.
        b: The right-hand side, shape (M,) or (M, K).
        trans: 0 / 'N' for ``a``, 1 / 'T' for its transpose.
        lower: Whether ``a`` is lower triangular (else upper).
        **kwargs: SciPy's ``unit_diagonal``, ``overwrite_b``, ``check_finite`` are accepted
            when they keep their defaults (False, False, True).

    Returns:
        Tensor: The solution, recorded on every active tape.

    Raises:
        ValueError: For a non-square ``a``, a ``b`` whose first axis does not match, an
            unknown ``trans``, or ``unit_diagonal=True``.
    """
    if kwargs.get("unit_diagonal", False):
        raise ValueError("solve_triangular: unit_diagonal=True is not supported")
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 'N' or 'T', got {trans!r}")
    a, b = as_operand("solve_triangular", a), as_operand("solve_triangular", b)
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) != 2 or sa[0] != sa[1] or len(sb) not in (1, 2) or sb[0] != sa[0]:
        raise ValueError(
            f"solve_triangular: a must be (M, M) and b (M,) or (M, K); got shapes {sa} and {sb}"
        )
    return as_tensor(solve_triangular_p.bind(a, b, trans=_TRANS[trans], lower=bool(lower)))
