"""Small helpers shared by the modules of :mod:`deltagrad.scipy`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltagrad.ops.core import as_operand
from deltagrad.tensor import Tensor, as_tensor


def tensor(name: str, x: Any) -> Tensor:
    """``x`` as a Tensor (a constant unless it already is one); TypeError naming ``name`` for a
    complex or non-numeric ``x``."""
    return as_tensor(as_operand(name, x))


def value(x: Any) -> Any:
    """The plain array of a Tensor (or ``x`` as an array): for masks, which carry no gradient."""
    return np.asarray(x._value if isinstance(x, Tensor) else x)


def no_derivative(name: str, arg: str, has: str) -> Callable[..., Any]:
    """A rule for an argument without a derivative: NotImplementedError naming the function,
    the argument and what is differentiable."""

    def rule(g: Any, out: Any, *args: Any, **params: Any) -> Any:
        raise NotImplementedError(
            f"{name}: no derivative with respect to {arg} (only with respect to {has})"
        )

    return rule
