"""``autograd.extend`` on deltagrad: :mod:`deltagrad.extend`'s ``primitive``, ``defvjp``,
``defvjp_argnum`` and ``defjvp``, and ``notrace_primitive``.

autograd's ``Box``, ``VSpace`` and ``vspace`` (its tracing machinery) have no counterpart:
deltagrad records ops on a tape instead of boxing values; asking for them raises an
AttributeError that says so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from deltagrad.extend import defjvp, defvjp, defvjp_argnum, primitive

__all__ = ["primitive", "defvjp", "defvjp_argnum", "defjvp", "notrace_primitive"]


def notrace_primitive(f: Callable[..., Any]) -> Callable[..., Any]:
    """A function whose result carries no gradient: it runs on the plain values."""
    from deltagrad.tensor import Tensor

    @functools.wraps(f)
    def plain(*args: Any, **kwargs: Any) -> Any:
        return f(*(a.numpy() if isinstance(a, Tensor) else a for a in args), **kwargs)

    return plain


def __getattr__(name: str) -> Any:
    if name in ("Box", "VSpace", "vspace", "SparseObject", "JVPNode", "VJPNode", "def_linear"):
        raise AttributeError(
            f"autograd.extend.{name} has no counterpart in deltagrad, which records ops on a "
            "tape instead of boxing values; define an op with primitive and defvjp"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
