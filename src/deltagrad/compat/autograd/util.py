"""``autograd.util``'s helpers that programs use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["func", "subval", "subvals"]


def func(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` itself (autograd's ``util.func``)."""
    return f


def subvals(x: tuple[Any, ...], ivs: Any) -> tuple[Any, ...]:
    """``x`` with each ``(i, v)`` of ``ivs`` put at position ``i``."""
    out = list(x)
    for i, v in ivs:
        out[i] = v
    return tuple(out)


def subval(x: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    """``x`` with ``v`` at position ``i``."""
    return subvals(x, [(i, v)])
