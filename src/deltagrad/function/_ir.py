"""The trace's small IR: variables, NumPy-level ops and equations.

An :class:`Eqn` is one NumPy call: an :class:`Op` (what to run, and how to write it as Python),
its inputs (:class:`Var` or plain Python values), its parameters and the :class:`Var` it
defines. A trace is a straight list of them; :mod:`deltagrad.function._codegen` writes that
list out as a Python function, which is both what ``step.source()`` shows and what runs.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltagrad.function.runtime import row_max
from deltagrad.functional import _max_keepdims


@dataclass(eq=False)
class Var:
    """One array of the trace: an input, a piece of state, a constant or a temporary."""

    n: int
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    kind: str  # "input", "state", "const", "temp"
    hint: str = ""  # the name the user gave, or one derived from the op
    scalar: bool = False  # the trace-time value was a NumPy scalar, not an ndarray

    def __repr__(self) -> str:
        return f"Var({self.n}, {self.hint or '?'}, {self.shape}, {self.dtype})"


@dataclass(frozen=True, eq=False)
class Op:
    """A NumPy-level operation.

    ``run(*inputs, **params)`` computes it; ``expr(names, params)`` writes it as a Python
    expression; ``into(names, params, out)``, when given, writes it as a statement storing the
    result in the preallocated array ``out`` (bit for bit the same numbers). ``view``: the
    result may share memory with an input; ``elementwise``: ``out`` may be one of the inputs.
    """

    name: str
    run: Callable[..., Any]
    expr: Callable[[Sequence[str], Mapping[str, Any]], str]
    into: Callable[[Sequence[str], Mapping[str, Any], str], str] | None = None
    view: bool = False
    elementwise: bool = False
    inplace: bool = False  # a statement changing ``ins[0]``, whose result is ``ins[0]`` itself
    scope: Mapping[str, Any] = field(default_factory=dict)  # names ``into`` uses besides np


@dataclass(eq=False)
class Eqn:
    """``out = op(*ins, **params)``, with a comment naming the rule it comes from."""

    op: Op
    ins: tuple[Any, ...]
    params: dict[str, Any]
    out: Var | None  # None: an update of state (``ins[0]``) in place
    comment: str = ""
    section: str = "forward"  # "forward", "backward" or "update"
    fn_name: str = ""  # for opaque calls: the name the callable has in the generated code
    extra: dict[str, Any] = field(default_factory=dict)


# --- rendering Python values ------------------------------------------------------------------


class Src(str):
    """Python source standing for a value (a constant's name): :func:`literal` keeps it as is."""


def literal(value: Any) -> str:
    """``value`` written as Python source (numbers, None, tuples, slices, dtypes, NumPy
    scalars); a ValueError for anything else (arrays become constants of the trace instead)."""
    if isinstance(value, Src):
        return str(value)
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return _float_literal(value)
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return f"np.{value.dtype.name}({literal(value.item())})"
    if isinstance(value, np.dtype):
        return f"np.{value.name}"
    if isinstance(value, slice):
        parts = [literal(value.start), literal(value.stop), literal(value.step)]
        return f"slice({', '.join(parts)})"
    if value is Ellipsis:
        return "..."
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise ValueError(f"no literal for {type(value).__name__}")


def _float_literal(value: float) -> str:
    """A float as Python source: its repr, or ``(1 - 0.9)`` for 0.09999999999999998 when that
    is shorter and gives the same float (optimisers' ``1 - β`` reads as the reader wrote it)."""
    if not np.isfinite(value):
        return f"float({str(value)!r})"
    text = repr(value)
    if len(text) > 12:
        other = 1 - value
        if len(repr(other)) <= 8 and 1 - float(repr(other)) == value:
            return f"(1 - {other!r})"
    return text


def _kw(params: Mapping[str, Any], skip: Sequence[str] = ()) -> str:
    return "".join(f", {k}={literal(v)}" for k, v in params.items() if k not in skip)


# --- the ops ----------------------------------------------------------------------------------


def _binary(name: str, symbol: str, ufunc: Any, fn: Callable[[Any, Any], Any]) -> Op:
    return Op(
        name,
        fn,
        lambda a, p: f"{a[0]} {symbol} {a[1]}",
        lambda a, p, o: f"np.{ufunc.__name__}({a[0]}, {a[1]}, {o})",
        elementwise=True,
    )


def _ufunc(name: str, ufunc: Any, extra: str = "") -> Op:
    return Op(
        name,
        (lambda x: ufunc(x, 0)) if extra else ufunc,
        lambda a, p: f"np.{ufunc.__name__}({a[0]}{extra})",
        lambda a, p, o: f"np.{ufunc.__name__}({a[0]}{extra}, out={o})",
        elementwise=True,
    )


ADD = _binary("add", "+", np.add, operator.add)
SUBTRACT = _binary("subtract", "-", np.subtract, operator.sub)
MULTIPLY = _binary("multiply", "*", np.multiply, operator.mul)
DIVIDE = _binary("divide", "/", np.divide, operator.truediv)
POWER = Op(
    "power",
    operator.pow,
    lambda a, p: f"{a[0]} ** {a[1]}",
    lambda a, p, o: _power_into(a[0], a[1], o),
    elementwise=True,
)


def _power_into(x: str, y: str, o: str) -> str:
    # ``x ** 2`` on an array is NumPy's np.square (and ** 0.5 np.sqrt, ** -1 np.reciprocal):
    # the same function into ``o``, not the slower general np.power.
    fast = {"2": "square", "2.0": "square", "0.5": "sqrt", "-1": "reciprocal", "-1.0": "reciprocal"}
    if y in fast:
        return f"np.{fast[y]}({x}, {o})"
    return f"np.power({x}, {y}, {o})"


GREATER = _binary("greater", ">", np.greater, operator.gt)
GREATER_EQUAL = _binary("greater_equal", ">=", np.greater_equal, operator.ge)
MAXIMUM = Op(
    "maximum",
    np.maximum,
    lambda a, p: f"np.maximum({a[0]}, {a[1]})",
    lambda a, p, o: f"np.maximum({a[0]}, {a[1]}, out={o})",
    elementwise=True,
)
NEGATIVE = Op(
    "negative",
    operator.neg,
    lambda a, p: f"-{a[0]}",
    lambda a, p, o: f"np.negative({a[0]}, {o})",
    elementwise=True,
)
MATMUL = Op(
    "matmul",
    np.matmul,
    lambda a, p: f"{a[0]} @ {a[1]}",
    lambda a, p, o: f"np.matmul({a[0]}, {a[1]}, {o})",
)
RELU = _ufunc("relu", np.maximum, extra=", 0")
UNARY = {
    name: _ufunc(name, getattr(np, name))
    for name in ("exp", "log", "sqrt", "square", "tanh", "cosh", "sin", "cos", "abs")
}
# (np.add.reduce is what ndarray.sum and np.sum call: the same numbers, less Python.)
SUM = Op(
    "sum",
    lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    lambda a, p: f"{a[0]}.sum({_reduce_args(p)})",
    lambda a, p, o: (
        f"np.add.reduce({a[0]}, {literal(p['axis'])}, None, {o}, {literal(p['keepdims'])})"
    ),
)
# The maximum of each row, as deltagrad.functional.softmax takes it (exact in any order).
ROW_MAX = Op(
    "row_max",
    lambda z: _max_keepdims(z, -1),
    lambda a, p: f"{a[0]}.max(axis=-1, keepdims=True)",
    lambda a, p, o: f"__row_max({a[0]}, {o})",
    scope={"__row_max": row_max},
)
MEAN = Op("mean", lambda x, **p: x.mean(**p), lambda a, p: f"{a[0]}.mean({_reduce_args(p)})")
FULL = Op(
    "full",
    lambda fill, shape: np.full(shape, fill),
    lambda a, p: f"np.full({literal(p['shape'])}, {a[0]})",
)
BROADCAST = Op(
    "broadcast_to",
    lambda x, shape: np.broadcast_to(x, shape),
    lambda a, p: f"np.broadcast_to({a[0]}, {literal(p['shape'])})",
    view=True,
)
TRANSPOSE = Op("T", lambda x: x.T, lambda a, p: f"{a[0]}.T", view=True)
MT = Op("mT", lambda x: x.swapaxes(-1, -2), lambda a, p: f"{a[0]}.swapaxes(-1, -2)", view=True)
GETITEM = Op("getitem", lambda x, key: x[key], lambda a, p: f"{a[0]}[{_key(p['key'])}]", view=True)
RESHAPE = Op(
    "reshape",
    lambda x, shape: np.reshape(x, shape),
    lambda a, p: f"{a[0]}.reshape({literal(p['shape'])})",
    view=True,
)
NEW_AXIS = Op("new_axis", lambda x: x[:, None], lambda a, p: f"{a[0]}[:, None]", view=True)
# ``p[rows, labels] -= 1``: written into ``p`` itself (a fresh array of the rule's own).
SUB_ONE_AT = Op(
    "sub_one_at",
    lambda p, labels, rows: _sub_one_at(p, labels, rows),
    lambda a, p: f"{a[0]}[{a[2]}, {a[1]}] -= 1",
    view=True,
    inplace=True,
)
ARANGE = Op("arange", lambda n: np.arange(n), lambda a, p: f"np.arange({a[0]})")
ASTYPE = Op(
    "astype",
    lambda x, dtype: np.asarray(x, dtype=dtype),
    lambda a, p: f"np.asarray({a[0]}, dtype={literal(p['dtype'])})",
)


def _sub_one_at(p: Any, labels: Any, rows: Any) -> Any:
    p[rows, labels] -= 1
    return p


# ``x`` under another name: the rule passes its gradient on unchanged (no line is written).
ALIAS = Op("alias", lambda x: x, lambda a, p: a[0], view=True)


def _reduce_args(params: Mapping[str, Any]) -> str:
    parts = []
    if params.get("axis") is not None:
        parts.append(f"axis={literal(params['axis'])}")
    if params.get("keepdims"):
        parts.append("keepdims=True")
    return ", ".join(parts)


def _key(key: Any) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    parts = []
    for k in keys:
        if isinstance(k, slice):
            parts.append(
                ":".join("" if v is None else literal(v) for v in (k.start, k.stop))
                + ("" if k.step is None else f":{literal(k.step)}")
            )
        elif k is None:
            parts.append("None")
        else:
            parts.append(literal(k))
    return ", ".join(parts)


def call_op(fn: Callable[..., Any], label: str) -> Op:
    """An op that calls ``fn`` as it is (no lowering): written as ``label(args, **params)``."""
    return Op(
        f"call:{label}",
        fn,
        lambda a, p: f"{label}({', '.join(a)}{_kw(p)})",
        view=True,  # what it returns may be (a view of) an argument
    )


# Updates of state, written in place: ``out`` is None and ``ins[0]`` is the state's array.
SUB_INTO = Op(
    "sub_into",
    lambda theta, step: np.subtract(theta, step, out=theta),
    lambda a, p: f"{a[0]} -= {a[1]}",
)
ADD_INTO = Op(
    "add_into",
    lambda theta, step: np.add(theta, step, out=theta),
    lambda a, p: f"{a[0]} += {a[1]}",
)
MUL_INTO = Op(
    "mul_into",
    lambda theta, factor: np.multiply(theta, factor, out=theta),
    lambda a, p: f"{a[0]} *= {a[1]}",
)
MAX_INTO = Op(
    "max_into",
    lambda theta, other: np.maximum(theta, other, out=theta),
    lambda a, p: f"np.maximum({a[0]}, {a[1]}, out={a[0]})",
)


def _momentum(b: Any, g: Any, first: Any, momentum: float, keep: float) -> None:
    if first:
        np.copyto(b, g)
    else:
        b *= momentum
        b += keep * g


def _momentum_source(a: Sequence[str], p: Mapping[str, Any]) -> str:
    b, g, first = a
    keep = p["keep"]
    add = f"{b} += {g}" if keep == 1 else f"{b} += {literal(keep)} * {g}"
    return f"if {first}:\n    {b}[...] = {g}\nelse:\n    {b} *= {literal(p['momentum'])}\n    {add}"


# SGD's momentum buffer: a copy of the gradient on its first step, μ·b + (1 − τ)·g after.
MOMENTUM_INTO = Op("momentum_into", _momentum, _momentum_source)
MATH_SQRT = Op("math_sqrt", math.sqrt, lambda a, p: f"math.sqrt({a[0]})")
COPY_INTO = Op(
    "copy_into",
    lambda theta, new: np.copyto(theta, new),
    lambda a, p: f"{a[0]}[...] = {a[1]}",
)
