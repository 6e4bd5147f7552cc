"""``autograd.test_util.check_grads`` on :func:`deltagrad.gradcheck.check_grads`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deltagrad.gradcheck import check_grads as _check_grads

__all__ = ["check_grads", "check_vjp", "check_jvp"]


def check_grads(
    f: Callable[..., Any], argnum: int = 0, modes: Any = ("fwd", "rev"), order: int = 2
) -> Callable[..., None]:
    """autograd's ``check_grads(f, argnum=0, modes=…, order=…)(*args)``: the derivatives of
    ``f`` with respect to ``args[argnum]`` (the others held fixed), up to ``order`` (1 or 2;
    higher orders are checked to 2), against central finite differences. deltagrad checks
    reverse mode; ``modes`` is accepted as autograd's.

    Raises:
        GradientCheckError: Naming each derivative that disagrees.
    """

    def check(*args: Any, **kwargs: Any) -> None:
        def at(x: Any) -> Any:
            return f(*args[:argnum], x, *args[argnum + 1 :], **kwargs)

        _check_grads(at, args[argnum], order=min(max(order, 1), 2))

    return check


def check_vjp(f: Callable[..., Any], x: Any) -> None:
    """The reverse-mode derivative of ``f`` at ``x`` against finite differences."""
    _check_grads(f, x, order=1)


check_jvp = check_vjp
