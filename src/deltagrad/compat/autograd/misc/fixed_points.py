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
    # With x* = f(a)(x*): ∂L/∂a = (∂f/∂a)ᵀ w for w = g + (∂f/∂x)ᵀ w, itself a fixed point,
    # found by this primitive again (from zero), as autograd does: a second derivative then
    # differentiates that fixed point implicitly too, with (a, x*, g) as its parameters.
    def adjoint_step(params: tuple[Any, Any, Any]) -> Callable[[Any], Any]:
        p, x_star, x_star_bar = params
        _, vjp_x = _t.vjp(f(p), x_star)
        return lambda w: vjp_x(w)[0] + x_star_bar

    _, vjp_a = _t.vjp(lambda p, x: f(p)(x), a, ans)
    zero = np.zeros_like(value_of(x0))
    return lambda g: vjp_a(fixed_point(adjoint_step, (a, ans, g), zero, distance, tol))[0]


defvjp(fixed_point, None, _vjp_a, argnums=(0, 1))
