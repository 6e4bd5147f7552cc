"""``autograd.test_util.check_grads`` on :func:`deltagrad.gradcheck.check_grads`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deltagrad.gradcheck import check_grads as _check_grads

__all__ = ["check_grads"]


def check_grads(
    f: Callable[..., Any], *args: Any, modes: Any = ("fwd", "rev"), order: int = 2
) -> Any:
    """autograd's ``check_grads(f, modes=…, order=…)(*args)`` (or with the arguments right
    away): the derivatives of ``f`` up to ``order`` (1 or 2; higher is checked to 2) against
    central finite differences. deltagrad checks reverse mode; ``modes`` is accepted as
    autograd's.

    Raises:
        GradientCheckError: Naming each derivative that disagrees.
    """

    def check(*xs: Any) -> None:
        _check_grads(f, *xs, order=min(max(order, 1), 2))

    if args:
        return check(*args)
    return check
