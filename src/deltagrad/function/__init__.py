"""``dg.function``: trace a training step once, replay it as straight-line NumPy, read it as code.

    step = dg.function(step)     # or @dg.function
    step(x, y)                   # the first call per signature traces, every call replays
    print(step.source())         # the forward pass, the derived backward pass, the update

Calling the wrapped function runs it once on its real values with every op, every derivative
rule of a ``GradientTape.gradient`` and every ``dg.optim`` update written down (the *trace*),
then runs the trace written out as a Python function of NumPy calls into preallocated arrays.
Later calls with the same *signature* — the shape, dtype and memory layout of each array or
Tensor argument and the value of every other argument — only run that function; a new signature
traces again. The numbers are the tape's, bit for bit.

Semantics (as TensorFlow's ``tf.function``):

* Python runs only while tracing: a ``print``, a list append or a counter in the function
  happen on the first call of each signature, not on the calls that replay.
* Array and Tensor arguments arrive inside the function as Tensors whose values cannot be read
  in Python (``float(t)``, ``bool(t)``, ``t.numpy()``, f-strings raise :class:`TraceError`):
  return such values instead. Everything else the function reads — globals, closures, arrays
  and constant Tensors — is frozen at trace time; Variables are read afresh on every call.
* Variables are updated in place when nothing else holds their array; an array you took with
  ``v.numpy()`` before a step keeps its old values (the Variable gets a new array), as with the
  tape.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from deltagrad.function import _codegen, _lower
from deltagrad.function._ir import Var
from deltagrad.function._trace import Trace, TraceError, trace_error, tracing
from deltagrad.tensor import Tensor, Variable, _wrap

__all__ = ["function", "Function", "TraceError", "RetraceWarning", "lowerings", "MAX_TRACES"]

MAX_TRACES = 8  # traces of one function before RetraceWarning (tf.function warns similarly)
BACKENDS = ("numpy",)


class RetraceWarning(UserWarning):
    """A function traced more than :data:`MAX_TRACES` times: its signature keeps changing."""


def lowerings() -> dict[str, list[str]]:
    """Which primitives, derivative rules and updates have a lowering to NumPy code.

    Others still work: on replay they call the engine's own function (shown as such in
    ``source()``).

    Returns:
        dict: ``"forward"`` (primitive names), ``"rules"`` (``"name/argument"``) and
        ``"updates"`` (optimisers).
    """
    return _lower.lowerings()


def function(fn: Callable[..., Any] | None = None, *, backend: str = "numpy") -> Any:
    """Trace ``fn`` on its first call per signature and replay the trace afterwards.

    Usable as ``dg.function(step)``, ``@dg.function`` or ``@dg.function(backend="numpy")``.

    Args:
        fn: The function: a training step (forward pass, ``GradientTape.gradient``, optimiser
            update) or any computation with deltagrad's ops.
        backend: ``"numpy"`` (straight-line NumPy calls into preallocated arrays, bit for bit
            the tape's numbers). ``"numba"`` is not implemented yet.

    Returns:
        Function: The wrapped function (``.source()`` shows the generated code).

    Raises:
        NotImplementedError: For ``backend="numba"``.
        ValueError: For an unknown backend.
    """
    if backend == "numba":
        raise NotImplementedError(
            "dg.function: the 'numba' backend is not implemented yet; backend='numpy' is "
            "(straight-line NumPy with preallocated arrays). For compiled per-sample training "
            "of the chapter's network see NeuralNetwork.train(engine='compiled')."
        )
    if backend not in BACKENDS:
        raise ValueError(f"dg.function: unknown backend {backend!r}; choose one of {BACKENDS}")
    if fn is None:
        return lambda f: Function(f, backend)
    return Function(fn, backend)


function.lowerings = lowerings  # type: ignore[attr-defined]
function.TraceError = TraceError  # type: ignore[attr-defined]
function.RetraceWarning = RetraceWarning  # type: ignore[attr-defined]


class Function:
    """A traced function (made by :func:`function`); call it like the function it wraps."""

    def __init__(self, fn: Callable[..., Any], backend: str = "numpy") -> None:
        if not callable(fn):
            raise TypeError(f"dg.function: expected a function, got {type(fn).__name__}")
        self._fn = fn
        self.backend = backend
        self._cache: dict[Any, _Concrete] = {}
        self._last: _Concrete | None = None
        self.traces = 0  # how many times it was traced
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = _signature(args) if not kwargs else (_signature(args), _signature(kwargs))
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._trace(args, kwargs)
            self._cache[key] = concrete
        self._last = concrete
        return concrete.run(args, kwargs)

    def source(self) -> str:
        """The Python source of the most recent trace: forward, backward, update.

        Returns:
            str: A module (imports and one function) that runs as it is, given the inputs, the
            Variables' arrays and the optimisers' learning rates as arguments.

        Raises:
            RuntimeError: When the function was never called (nothing is traced yet).
        """
        if self._last is None:
            raise RuntimeError("dg.function: source() needs a trace; call the function first")
        return self._last.readable.source

    def __repr__(self) -> str:
        return f"<dg.function {getattr(self._fn, '__name__', '?')}: {self.traces} trace(s)>"

    def _trace(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Concrete:
        self.traces += 1
        if self.traces > MAX_TRACES:
            warnings.warn(
                f"dg.function: {getattr(self._fn, '__name__', 'function')} was traced "
                f"{self.traces} times: each new shape, dtype, memory layout or Python argument "
                "value traces again. Pass values that change as arrays, and keep shapes fixed "
                "(e.g. drop or pad the last short batch).",
                RetraceWarning,
                stacklevel=3,
            )
        names = _parameter_names(self._fn, args, kwargs)
        trace = Trace()
        with tracing(trace):
            t_args, t_kwargs = _inputs(trace, (args, kwargs), names)
            result = self._fn(*t_args, **t_kwargs)
            outputs, rebuild = _outputs(trace, result)
        name = _identifier_of(self._fn)
        readable = _codegen.generate(trace, outputs, name, fast=False)
        fast = _codegen.generate(trace, outputs, name, fast=True)
        return _Concrete(trace, readable, fast, rebuild)


class _Concrete:
    """One trace of a Function: the compiled replay and what it reads on every call."""

    def __init__(
        self,
        trace: Trace,
        readable: _codegen.Program,
        fast: _codegen.Program,
        rebuild: Callable[[list[Any]], Any],
    ) -> None:
        self.readable = readable
        self.compiled = fast.compile()
        self.rebuild = rebuild
        updated = {id(e.ins[0]) for e in trace.eqns if e.out is None}
        state_of = {id(var): v for v, var in trace.states}
        consts = {id(var): value for var, value in trace.consts}
        hypers = {id(var): h for var, h in trace.hypers}
        n_inputs = len(trace.inputs)
        # What each parameter of the generated function is read from, in order.
        self.readers: list[tuple[str, Any]] = []
        n_slots = sum(len(u.vars) for u in trace.updates)
        for var in fast.params[n_inputs : len(fast.params) - n_slots]:
            if id(var) in state_of:
                kind = "own" if id(var) in updated else "state"
                self.readers.append((kind, state_of[id(var)]))
            elif id(var) in consts:
                self.readers.append(("const", consts[id(var)]))
            else:
                self.readers.append(("hyper", hypers[id(var)].read))
        self.updates = [(u.opt, u.v, u.prepare) for u in trace.updates]

    def run(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        values: list[Any] = []
        for a in args:
            if a.__class__ is np.ndarray:
                values.append(a)
            else:
                _leaves(a, values)
        if kwargs:
            _leaves(kwargs, values)
        slots: list[Any] = []
        for opt, v, prepare in self.updates:  # one optimiser step, as apply_gradients counts
            entry = opt._state.get(id(v))
            if entry is None:
                entry = opt._state[id(v)] = (v, {"step": 0, **opt._init_state(v._value)})
            entry[1]["step"] += 1
            if prepare is not None:
                slots += prepare(opt, entry[1], v)
        for kind, source in self.readers:
            if kind == "own":
                values.append(_own(source))
            elif kind == "state":
                values.append(source._value)
            elif kind == "const":
                values.append(source)
            else:
                values.append(source())
        outs = self.compiled(*values, *slots)
        return self.rebuild(list(outs))


def _own(v: Variable) -> Any:
    """``v``'s array, made its own first if anything else holds it (then it is copied: whoever
    holds the old array keeps the old values, as with the tape's updates)."""
    if not v._sole_owner():
        v._value = np.array(v._value)
    return v._value


# --- signatures, inputs and outputs -----------------------------------------------------------


def _signature(x: Any) -> Any:
    """What decides whether a call can replay a trace (see the module doc)."""
    if x.__class__ is tuple:  # the positional arguments: arrays first, the usual case
        return tuple(
            (a.shape, a.dtype, a.flags.c_contiguous) if a.__class__ is np.ndarray else _signature(a)
            for a in x
        )
    if isinstance(x, Variable):
        return ("variable", id(x))
    if isinstance(x, (Tensor, np.ndarray, np.generic)):
        value = x._value if isinstance(x, Tensor) else x
        contiguous = value.flags.c_contiguous if isinstance(value, np.ndarray) else True
        return ("array", np.shape(value), np.asarray(value).dtype.str, contiguous)
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_signature(v) for v in x))
    if isinstance(x, dict):
        return ("dict", tuple((k, _signature(v)) for k, v in x.items()))
    try:
        hash(x)
    except TypeError:
        return ("object", id(x))
    return ("value", type(x), x)


def _leaves(x: Any, out: list[Any]) -> None:
    """The arrays of the array and Tensor arguments, in the order the trace numbered them."""
    if isinstance(x, Variable):
        return
    if isinstance(x, Tensor):
        out.append(x._value)
    elif isinstance(x, (np.ndarray, np.generic)):
        out.append(x)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _leaves(v, out)
    elif isinstance(x, dict):
        for v in x.values():
            _leaves(v, out)


def _inputs(trace: Trace, x: Any, name: Any) -> Any:
    if isinstance(x, Variable):
        return x
    if isinstance(x, (Tensor, np.ndarray, np.generic)):
        return trace.input(x._value if isinstance(x, Tensor) else x, str(name))
    if isinstance(x, tuple) and isinstance(name, tuple):  # (args, kwargs) at the top
        return tuple(_inputs(trace, v, n) for v, n in zip(x, name))
    if isinstance(x, (list, tuple)):
        return type(x)(_inputs(trace, v, f"{name}_{i}") for i, v in enumerate(x))
    if isinstance(x, dict):
        names = name if isinstance(name, dict) else {k: f"{name}_{k}" for k in x}
        return {k: _inputs(trace, v, names.get(k, k)) for k, v in x.items()}
    return x


def _parameter_names(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    arg_names = tuple(positional[i] if i < len(positional) else f"arg{i}" for i in range(len(args)))
    return (arg_names, {k: k for k in kwargs})


def _outputs(trace: Trace, result: Any) -> tuple[list[Var], Callable[[list[Any]], Any]]:
    """The returned Tensors as Vars, and how to rebuild the returned structure around them."""
    outputs: list[Var] = []

    def walk(x: Any) -> Callable[[list[Any]], Any]:
        if isinstance(x, Variable):
            return lambda values: x
        if isinstance(x, Tensor):
            var = trace.operand(x)
            k = len(outputs)
            outputs.append(var)
            return lambda values: _wrap(values[k])
        if isinstance(x, (list, tuple)) and type(x) in (list, tuple):
            parts = [walk(v) for v in x]
            kind = type(x)
            return lambda values: kind(p(values) for p in parts)
        if isinstance(x, dict):
            items = [(k, walk(v)) for k, v in x.items()]
            return lambda values: {k: p(values) for k, p in items}
        return lambda values: x

    rebuild = walk(result)
    return outputs, rebuild


def _identifier_of(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", "step")
    return name if name.isidentifier() and name != "<lambda>" else "step"


# trace_error is part of the package's vocabulary for lowerings written elsewhere.
_ = trace_error
