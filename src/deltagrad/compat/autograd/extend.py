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

__all__ = [
    "primitive",
    "defvjp",
    "defvjp_argnum",
    "defvjp_argnums",
    "defjvp",
    "defjvp_argnum",
    "defjvp_argnums",
    "notrace_primitive",
    "register_notrace",
]


def defvjp_argnums(op: Callable[..., Any], maker: Callable[..., Any]) -> None:
    """autograd's ``defvjp_argnums``: ``maker(argnums, ans, args, kwargs)`` returns ``g ↦``
    the tuple of cotangents of ``args[argnums]``; deltagrad asks for one argument at a time."""
    defvjp_argnum(op, lambda argnum, ans, args, kwargs: _first(maker((argnum,), ans, args, kwargs)))


def _first(vjp: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda g: vjp(g)[0]


def defjvp_argnum(op: Callable[..., Any], jvp: Callable[..., Any]) -> None:
    """Accepted for autograd's code; not run by deltagrad (see :func:`deltagrad.extend.defjvp`)."""
    defjvp(op)


defjvp_argnums = defjvp_argnum


def register_notrace(trace_type: Any, primitive_fun: Any) -> None:
    """Accepted for autograd's code; deltagrad has no trace types, so nothing to register."""


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
