"""Taking a trace: the step runs once on its real values while every op, every derivative
rule of a tape's backward pass and every optimiser update is written down as equations.

The engine reports to the innermost open :class:`Trace` through two hooks (see
:data:`deltagrad._recording.TRACING`): :meth:`Primitive.apply` calls :meth:`Trace.forward` for
each op on Tensors, and a tape's backward pass is handed to :meth:`Trace.backward`, which walks
the tape's entries as the tape would (same order, same rules, same accumulation) and writes each
rule as NumPy equations. Each lowered op or rule is checked against the engine's own function on
the trace's values, bit for bit; where they differ, the equation calls the engine's function
instead, so the replay always computes what the tape computes.
"""

from __future__ import annotations

import contextlib
import os
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deltagrad import optim as _optim
from deltagrad._recording import ACTIVE as _ACTIVE
from deltagrad._recording import TRACING as _TRACING
from deltagrad.function import _ir
from deltagrad.function._ir import Eqn, Op, Var
from deltagrad.ops.core import Primitive
from deltagrad.tensor import Tensor, Variable, _wrap

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class TraceError(RuntimeError):
    """Something in a traced function cannot be replayed: says what, where, and the fix."""


def _where() -> str:
    """The innermost line of the user's code on the stack (outside deltagrad), as file:line."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE):
            line = f": {frame.line}" if frame.line else ""
            return f"{os.path.basename(frame.filename)}:{frame.lineno}{line}"
    return "?"


def trace_error(what: str, fix: str) -> TraceError:
    """A TraceError naming ``what`` happened, at the user's line, and ``fix``."""
    return TraceError(f"dg.function: {what} (at {_where()}). {fix}")


def _describe(t: Tensor) -> str:
    name = f" {t.name!r}" if t.name else ""
    return f"a traced Tensor{name} of shape {t.shape} {t.dtype}"


_READ_FIX = (
    "Its value is not known while the function is traced, and the replay would not run this "
    "Python again: return it from the function instead (and read it outside), or use dg.where "
    "for a branch on it."
)


class Traced(Tensor):
    """A Tensor computed inside a trace: shape and dtype are known, reading its value in Python
    is refused (the replay would not run that Python again)."""

    __slots__ = ()

    def _refuse(self, how: str) -> TraceError:
        return trace_error(f"`{how}` reads the value of {_describe(self)}", _READ_FIX)

    def __float__(self) -> float:
        raise self._refuse("float(x)")

    def __int__(self) -> int:
        raise self._refuse("int(x)")

    def __index__(self) -> int:
        raise self._refuse("x as an index")

    def __bool__(self) -> bool:
        raise self._refuse("bool(x)` (an `if` or `while` on a traced value")

    def item(self) -> Any:
        """Refused in a trace (see the class doc)."""
        raise self._refuse("x.item()")

    def numpy(self) -> Any:
        """Refused in a trace (see the class doc)."""
        raise self._refuse("x.numpy()")

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        raise self._refuse("np.asarray(x)")

    def __format__(self, spec: str) -> str:
        raise self._refuse(f"format(x, {spec!r})` (an f-string")

    def __repr__(self) -> str:
        name = f"name={self.name!r}, " if self.name else ""
        return f"Traced({name}shape={self.shape}, dtype={self.dtype})"


_HINTS = {"sparse_softmax_cross_entropy": "losses", "softmax_cross_entropy": "losses"}


def _as_traced(t: Tensor) -> None:
    if t.__class__ is Tensor:
        t.__class__ = Traced


class Hyper:
    """A number read afresh on every call (an optimiser's learning rate): not a retrace."""

    def __init__(self, name: str, read: Callable[[], float]) -> None:
        self.name = name
        self.read = read


# What an optimiser's update reads from its state for one Variable on every call, in the
# order of the Vars it was given: prepare(optimizer, state, variable) -> values.
Prepare = Callable[[Any, dict[str, Any], Variable], list[Any]]


@dataclass(eq=False)
class Update:
    """An optimiser's update of a Variable: ``state["step"]`` grows by one per call, and
    ``prepare`` (if any) gives the values of ``vars`` (buffers, t) for the call."""

    opt: Any
    v: Variable
    prepare: Prepare | None
    vars: list[Var]


def _describe_variable(v: Variable) -> str:
    name = f" {v.name!r}" if v.name else ""
    return f"the Variable{name} of shape {v.shape}"


class Trace:
    """The equations of one traced call, with the values they had while tracing."""

    def __init__(self) -> None:
        self.eqns: list[Eqn] = []
        self.values: dict[int, Any] = {}  # Var.n -> value while tracing
        self.vars: list[Var] = []
        self.by_tensor: dict[int, Var] = {}
        self.by_value: dict[int, Var] = {}
        self.keep: list[Any] = []  # keeps tensors and values alive: their ids stay unique
        self.tensor_of: dict[int, Tensor] = {}  # Var.n -> a Tensor holding it (for its name)
        self.inputs: list[Var] = []
        self.states: list[tuple[Variable, Var]] = []
        self.consts: list[tuple[Var, Any]] = []
        self.hypers: list[tuple[Var, Hyper]] = []
        self.updates: list[Update] = []  # each optimiser's update of a Variable, in order
        self.section = "forward"
        self.backward_passes = 0
        self.thread = threading.get_ident()  # the thread that traces (others are not traced)

    # --- variables ------------------------------------------------------------------------
    def new_var(self, value: Any, kind: str, hint: str = "") -> Var:
        """A Var for ``value``, remembered with it."""
        shape = np.shape(value)
        dtype = value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype
        var = Var(len(self.vars), shape, dtype, kind, hint, not isinstance(value, np.ndarray))
        self.vars.append(var)
        self.values[var.n] = value
        self.keep.append(value)
        if isinstance(value, np.ndarray):
            self.by_value.setdefault(id(value), var)
        return var

    def bind_tensor(self, t: Tensor, var: Var) -> None:
        """``t`` holds ``var`` from now on."""
        self.by_tensor[id(t)] = var
        self.tensor_of.setdefault(var.n, t)
        self.keep.append(t)

    def input(self, value: Any, hint: str) -> Traced:
        """An argument of the function: a traced Tensor of ``value``."""
        var = self.new_var(value, "input", hint)
        self.inputs.append(var)
        t = _wrap(value)
        _as_traced(t)
        self.bind_tensor(t, var)
        return t  # type: ignore[return-value]

    def state(self, v: Variable) -> Var:
        """The Var of Variable ``v``'s array (a copy while tracing: the trace updates nothing)."""
        var = self.by_tensor.get(id(v))
        if var is None:
            var = self.new_var(np.array(v._value), "state", v.name or "")
            self.states.append((v, var))
            self.bind_tensor(v, var)
        return var

    def const(self, value: Any) -> Var:
        """A constant of the trace: its value as it is now, frozen into the replay (a copy, so
        that writing into the array later changes nothing)."""
        if isinstance(value, np.ndarray) and value.strides and any(value.strides):
            self.keep.append(value)
            frozen = np.array(value)
            var = self.new_var(frozen, "const")
            self.by_value[id(value)] = var
            self.consts.append((var, frozen))
            return var
        var = self.new_var(value, "const")
        self.consts.append((var, value))
        return var

    def hyper(self, hyper: Hyper, value: float, hint: str) -> Var:
        """A number read on every call (see :class:`Hyper`)."""
        for var, h in self.hypers:
            if h.name == hyper.name:
                return var
        var = self.new_var(value, "hyper", hint)
        self.hypers.append((var, hyper))
        return var

    def update(
        self, opt: Any, v: Variable, prepare: Prepare | None, hints: Sequence[str] = ()
    ) -> list[Var]:
        """``opt`` updates ``v``: one more step in its state, and the Vars of what ``prepare``
        reads from that state on every call (its buffers, the step count ``t``), valued now as
        they would be (on copies: the trace changes no optimiser's state)."""
        if prepare is not None and any(u.opt is opt and u.v is v for u in self.updates):
            raise trace_error(
                f"{type(opt).__name__} updates {_describe_variable(v)} twice in one call",
                "Its state (moments, step count) would be read once per call: take one "
                "optimiser step per traced call, or apply the second one outside.",
            )
        found: list[Var] = []
        if prepare is not None:
            entry = opt._state.get(id(v))
            fresh = {"step": 0, **opt._init_state(v._value)}
            state = dict(entry[1]) if entry is not None else fresh
            state = {k: np.array(x) if isinstance(x, np.ndarray) else x for k, x in state.items()}
            state["step"] += 1
            for value, hint in zip(prepare(opt, state, v), hints):
                var = self.new_var(value, "slot", hint)
                found.append(var)
        self.updates.append(Update(opt, v, prepare, found))
        return found

    def operand(self, a: Any) -> Any:
        """The trace's view of an op's argument: a Var, or a plain Python value."""
        if isinstance(a, Tensor):
            var = self.by_tensor.get(id(a))
            if var is not None:
                return var
            if isinstance(a, Variable):
                return self.state(a)
            var = self.by_value.get(id(a._value))
            if var is not None:  # another Tensor of a traced array (dg.constant(t), ...)
                return var
            var = self.const(a._value)
            self.bind_tensor(a, var)
            return var
        if isinstance(a, np.ndarray):
            var = self.by_value.get(id(a))
            return var if var is not None else self.const(a)
        return a

    def value(self, x: Any) -> Any:
        """The trace-time value of an operand."""
        return self.values[x.n] if isinstance(x, Var) else x

    # --- equations ------------------------------------------------------------------------
    def emit(
        self,
        op: Op,
        ins: Sequence[Any],
        params: dict[str, Any] | None = None,
        hint: str = "",
        comment: str = "",
    ) -> Var:
        """Append ``op(*ins, **params)``, computed now on the trace's values; its Var."""
        params = params or {}
        value = op.run(*[self.value(x) for x in ins], **params)
        out = self.new_var(value, "temp", hint)
        self.eqns.append(Eqn(op, tuple(ins), params, out, comment, self.section))
        return out

    def effect(
        self, op: Op, ins: Sequence[Any], comment: str = "", params: dict[str, Any] | None = None
    ) -> None:
        """Append an update of ``ins[0]`` (state) in place, done now on the trace's copy."""
        params = params or {}
        op.run(*[self.value(x) for x in ins], **params)
        self.eqns.append(Eqn(op, tuple(ins), params, None, comment, self.section))

    def checked(self, lower: Callable[[], Var | None], reference: Any) -> Var | None:
        """Run a lowering; keep its equations only if its result is ``reference`` bit for bit."""
        start = len(self.eqns)
        try:
            var = lower()
        except (TypeError, ValueError, IndexError):
            var = None
        if var is not None and _same(self.values[var.n], reference):
            return var
        del self.eqns[start:]
        return None

    def call(
        self,
        fn: Callable[..., Any],
        label: str,
        ins: Sequence[Any],
        params: dict[str, Any],
        hint: str = "",
        comment: str = "",
    ) -> Var:
        """Append a call of ``fn`` as it is (no lowering)."""
        return self.emit(_ir.call_op(fn, label), ins, params, hint, comment)

    # --- the hooks --------------------------------------------------------------------------
    def forward(
        self,
        prim: Primitive,
        args: Sequence[Any],
        vals: Sequence[Any],
        out: Tensor,
        params: dict[str, Any],
    ) -> None:
        """An op ran on Tensors: write it down (called by :meth:`Primitive.apply`)."""
        from deltagrad.function import _lower

        if threading.get_ident() != self.thread:
            return  # another thread's op, not part of this function
        for value in _arrays(params):
            var = self.by_value.get(id(value))
            if var is not None and var.kind != "const":
                raise trace_error(
                    f"{prim.name} takes a traced value as a parameter (e.g. an index array "
                    "computed in the function or passed to it), fixed while tracing",
                    "Index with a constant array (made outside the function), or compute "
                    "the selection with ops such as dg.where or a one-hot product.",
                )
        ins = [self.operand(a) for a in args]
        if not any(isinstance(x, Var) and x.kind != "const" for x in ins):
            self.bind_tensor(out, self.const(out._value))  # computed from constants only
            return
        value = out._value
        lowering = _lower.FORWARD.get(prim.name)
        var = None
        if lowering is not None:
            var = self.checked(lambda: lowering(self, ins, params), value)
        if var is None:
            hint = _HINTS.get(prim.name, prim.name)
            var = self.call(prim.fwd, _lower.prim_label(prim) + ".fwd", ins, params, hint)
        self.values[var.n] = value  # the engine's own array: ops that follow read this one
        self.by_value[id(value)] = var
        self.keep.append(value)
        var.hint = var.hint or _HINTS.get(prim.name, prim.name)
        _as_traced(out)
        self.bind_tensor(out, var)

    def backward(
        self,
        tape: Any,
        targets: Sequence[Tensor],
        seeds: Sequence[Any],
        sources: Any,
        consume: bool,
    ) -> dict[int, Any] | None:
        """A tape's backward pass, derived as equations (called by the tape); None when
        another tape records it (the tape then runs it as ops, traced one by one)."""
        from deltagrad.function import _lower

        if threading.get_ident() != self.thread or any(t is not tape for t in _ACTIVE):
            # A gradient another tape records (a second derivative): the tape runs its rules
            # as ops on Tensors, which the outer tape records and this trace writes down as
            # forward equations; the outer tape's own gradient is then derived here. (Or
            # another thread's gradient, which the tape computes as usual.)
            return None
        self.backward_passes += 1
        section, self.section = self.section, "backward"
        try:
            found = _lower.walk(self, tape, targets, seeds, {id(s) for s in sources})
        finally:
            self.section = section
        if consume:
            tape._entries = []
        result: dict[int, Any] = {}
        for key, var in found.items():
            t = _wrap(self.values[var.n])
            _as_traced(t)
            self.bind_tensor(t, var)
            result[key] = t
        return result


def _arrays(x: Any) -> Iterator[Any]:
    if isinstance(x, np.ndarray):
        yield x
    elif isinstance(x, (tuple, list)):
        for v in x:
            yield from _arrays(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _arrays(v)


def _same(a: Any, b: Any) -> bool:
    """Bit for bit the same value, of the same type, shape and dtype."""
    if isinstance(a, np.ndarray) != isinstance(b, np.ndarray):
        return False
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.shape != b_arr.shape or a_arr.dtype != b_arr.dtype:
        return False
    if a_arr.dtype.kind == "f":
        return bool(
            np.array_equal(a_arr.view(f"u{a_arr.itemsize}"), b_arr.view(f"u{b_arr.itemsize}"))
        )
    return bool(np.array_equal(a_arr, b_arr))


# --- what the trace intercepts besides the ops -------------------------------------------------


@contextlib.contextmanager
def tracing(trace: Trace) -> Iterator[None]:
    """Open ``trace``: the engine reports to it, and while it is open, optimisers lower their
    updates into it, Variable assignments become updates of state, and creating a Variable or
    reading one's value in Python is refused. (These are class attributes swapped for the trace
    and restored after it: the optimisers and Variables know nothing of tracing. Other threads
    keep the originals: each swapped attribute checks which thread calls it, and the trace
    ignores the ops of other threads.)"""
    from deltagrad.function import _lower

    def apply_gradients(opt: Any, grads_and_vars: Any) -> None:
        _lower.optimizer_update(trace, opt, grads_and_vars)

    def new_variable(v: Variable, *args: Any, **kwargs: Any) -> None:
        raise trace_error(
            "a dg.Variable was created inside the traced function",
            "Each replay would need a new one, which a trace cannot make: create Variables "
            "once, outside the function, and use them inside it.",
        )

    def assign(how: str) -> Callable[..., Variable]:
        def update(v: Variable, value: Any) -> Variable:
            _lower.assign(trace, v, value, how)
            return v

        return update

    swaps: list[tuple[type, str, Callable[..., Any]]] = [
        (_optim.Optimizer, "apply_gradients", apply_gradients),
        (Variable, "__init__", new_variable),
        *((Variable, how, assign(how)) for how in ("assign", "assign_add", "assign_sub")),
        *((Variable, name, refuse) for name, refuse in _variable_read_refusals().items()),
    ]
    saved = [(owner, name, owner.__dict__.get(name, _ABSENT)) for owner, name, _ in swaps]
    for owner, name, traced in swaps:
        setattr(owner, name, _this_thread(trace.thread, traced, getattr(owner, name)))
    _TRACING.append(trace)
    try:
        yield
    finally:
        _TRACING.remove(trace)
        for owner, name, attr in saved:
            if attr is _ABSENT:
                delattr(owner, name)
            else:
                setattr(owner, name, attr)


def _this_thread(
    thread: int, traced: Callable[..., Any], original: Callable[..., Any]
) -> Callable[..., Any]:
    """``traced`` when called by the tracing thread, ``original`` by any other."""

    def method(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == thread:
            return traced(*args, **kwargs)
        return original(*args, **kwargs)

    return method


_ABSENT = object()  # an attribute the class did not define itself (it inherits it)

_VARIABLE_FIX = (
    "A Variable's value can change between calls, and the replay would keep the value it had "
    "while tracing: compute with the Variable itself (its ops are traced and read afresh on "
    "every call), or read it outside the function, before or after the call."
)


def _variable_read_refusals() -> dict[str, Callable[..., Any]]:
    """Variable methods that would read its value into Python, each refusing with the fix."""

    def refusal(how: str) -> Callable[..., Any]:
        def refuse(v: Variable, *args: Any, **kwargs: Any) -> Any:
            raise trace_error(f"`{how}` reads the value of {_describe_variable(v)}", _VARIABLE_FIX)

        return refuse

    return {
        "__float__": refusal("float(v)"),
        "__int__": refusal("int(v)"),
        "__index__": refusal("v as an index"),
        "__bool__": refusal("bool(v)` (an `if` or `while` on a Variable"),
        "item": refusal("v.item()"),
        "numpy": refusal("v.numpy()"),
        "__array__": refusal("np.asarray(v)"),
        "__format__": refusal("format(v)` (an f-string"),
    }
