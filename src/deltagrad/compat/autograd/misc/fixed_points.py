"""``autograd.misc.fixed_points.fixed_point``: a fixed point whose gradient is found by a second
fixed-point iteration (implicit differentiation), not by differentiating every iteration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltagrad import transforms as _t
from deltagrad.extend import defvjp, primitive
from deltagrad.ops.core import value_of

__all__ = ["fixed_point"]


@primitive
def fixed_point(
    f: Callable[[Any], Callable[[Any], Any]],
    a: Any,
    x0: Any,
    distance: Callable[[Any, Any], Any],
    tol: float,
) -> Any:
    """Iterate ``x ← f(a)(x)`` from ``x0`` until ``distance(x, x_new) < tol``; differentiable
    with respect to ``a`` (the derivative at the fixed point, by implicit differentiation).

    Args:
        f: ``f(a)`` returns the map to iterate.
        a: The parameters.
        x0: The starting point.
        distance: ``distance(x, y)``, a number.
        tol: Stop when the distance falls below this.

    Returns:
        The fixed point.
    """
    step = f(a)
    x, x_prev = step(x0), x0
    while distance(x, x_prev) > tol:
        x, x_prev = step(x), x
    return x


def _vjp_a(ans: Any, f: Any, a: Any, x0: Any, distance: Any, tol: float) -> Callable[[Any], Any]:
    # With x* = f(a)(x*): ∂L/∂a = (∂f/∂a)ᵀ w for w = g + (∂f/∂x)ᵀ w, itself a fixed point.
    _, vjp_x = _t.vjp(lambda x: f(a)(x), ans)
    _, vjp_a = _t.vjp(lambda p: f(p)(ans), a)

    def vjp(g: Any) -> Any:
        w_step = lambda w: g + vjp_x(w)[0]  # noqa: E731
        w_prev = np.zeros_like(value_of(g))  # from zero, as autograd's: the same iterates
        w = w_step(w_prev)
        while distance(w, w_prev) > tol:
            w, w_prev = w_step(w), w
        return vjp_a(w)[0]

    return vjp


defvjp(fixed_point, None, _vjp_a, argnums=(0, 1))
