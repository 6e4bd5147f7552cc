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
  return such values instead. Nor can a Variable's (``float(W)``, ``W.numpy()``, ...): compute
  with it instead. Everything else the function reads — globals, closures, arrays and constant
  Tensors — is frozen at trace time; Variables are read afresh on every call.
* ``dg.optim.SGD`` (with momentum), ``Adam``, ``AdamW``, ``RMSprop`` (centered, with
  momentum) and ``Adagrad`` (with lr decay) updates are traced; their state (moments, mean
  squares, sums of squares, momentum buffers, step counts) is the optimiser's own, updated in
  place; the learning rate is read on every call, the other settings while tracing. Other
  optimisers (subclasses included) raise :class:`TraceError`.
* Variables are updated in place when nothing else holds their array; an array you took with
  ``v.numpy()`` before a step keeps its old values (the Variable gets a new array), as with the
  tape.
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from deltagrad._recording import TRACING as _TRACING
from deltagrad.function import _codegen, _lower
from deltagrad.function._ir import Var
from deltagrad.function._trace import Trace, TraceError, trace_error, tracing
from deltagrad.tensor import _SOLE_REFS, Tensor, Variable, _wrap

__all__ = ["function", "Function", "TraceError", "RetraceWarning", "lowerings", "MAX_TRACES"]

MAX_TRACES = 8  # traces of one function before RetraceWarning (tf.function warns similarly)
BACKENDS = ("numpy", "numba")


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

    Usable as ``dg.function(step)``, ``@dg.function`` or ``@dg.function(backend="numba")``.

    Args:
        fn: The function: a training step (forward pass, ``GradientTape.gradient``, optimiser
            update) or any computation with deltagrad's ops.
        backend: ``"numpy"`` (straight-line NumPy calls into preallocated arrays, bit for bit
            the tape's numbers) or ``"numba"`` (the same, with each run of element-wise
            operations over one shape compiled by Numba into one loop; matrix products stay
            NumPy's; the numbers agree with the tape's to rounding, not bit for bit; the
            kernels are cached on disk, so only the first process compiles them).

    Returns:
        Function: The wrapped function (``.source()`` shows the generated code).

    Raises:
        ValueError: For an unknown backend.
        ImportError: For ``backend="numba"`` when Numba cannot be imported.
    """
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
        if backend == "numba":
            from deltagrad.function import _numba

            problem = _numba.available()
            if problem is not None:
                raise ImportError(f"dg.function: backend='numba' needs Numba ({problem})")
        self._fn = fn
        self.backend = backend
        self._cache: dict[Any, _Concrete] = {}
        self._last: _Concrete | None = None
        self.traces = 0  # how many times it was traced
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        last = self._last
        if last is not None and last.direct and not kwargs and len(args) == last.n_args:
            if not _TRACING:  # (inside another function's trace, see below)
                outs = last.entry(*args)  # checks the arrays against the last trace's signature
                if outs is not _MISS:
                    return last.rebuild(outs)
        if _TRACING:  # called while another dg.function traces: part of that trace
            return self._fn(*args, **kwargs)
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
        direct = not kwargs and all(a.__class__ is np.ndarray for a in args)
        return _Concrete(trace, _identifier_of(self._fn), outputs, rebuild, direct, self.backend)


class _Concrete:
    """One trace of a Function: its generated code, and an entry that runs it for a call.

    The entry is generated too: a function of the inputs' arrays that reads what else the code
    needs (each Variable's array, made its own first if anything else holds it; learning rates;
    the optimisers' state, one step more) and calls nothing but NumPy. When every argument was
    an array, it starts by checking the arrays against the trace's signature (``_MISS`` when
    they differ), so that a call repeating the last signature needs no other check."""

    def __init__(
        self,
        trace: Trace,
        name: str,
        outputs: list[Var],
        rebuild: Callable[[list[Any]], Any],
        direct: bool,
        backend: str = "numpy",
    ) -> None:
        self.readable = _codegen.generate(trace, outputs, name, fast=False)
        self.backend = backend
        self.rebuild = rebuild
        self.direct = direct  # every argument an array: calls may go straight to the entry
        self.n_args = len(trace.inputs)
        self._trace = trace
        fast = _codegen.generate(
            trace, outputs, name, fast=True, entry=self._entry, backend=backend
        )
        self.fast_source = fast.source
        self.entry = fast.compile()
        del self._trace

    def _entry(
        self, params: list[Var], names: dict[int, str]
    ) -> tuple[list[str], list[str], dict[str, Any]]:
        trace = self._trace
        ns: dict[str, Any] = {"__MISS": _MISS, "__ndarray": np.ndarray, "__np": np}
        inputs = [names[v.n] for v in trace.inputs]
        lines: list[str] = []
        if self.direct:
            checks = []
            for i, var in enumerate(trace.inputs):
                x = names[var.n]
                value = trace.values[var.n]
                ns[f"__shape{i}"], ns[f"__dtype{i}"] = var.shape, var.dtype
                checks.append(
                    f"{x}.__class__ is __ndarray and {x}.shape == __shape{i} and "
                    f"{x}.dtype == __dtype{i} and "
                    f"{x}.flags.c_contiguous is {bool(value.flags.c_contiguous)}"
                )
            lines += [f"if not ({' and '.join(checks) or 'True'}):", "    return __MISS"]
        for u, update in enumerate(trace.updates):  # one optimiser step, as apply_gradients counts
            ns[f"__opt{u}"], ns[f"__var{u}"], ns[f"__id{u}"] = update.opt, update.v, id(update.v)
            lines += [
                f"__e = __opt{u}._state.get(__id{u})",
                "if __e is None:",
                f"    __e = __new_state(__opt{u}, __var{u})",
                '__e[1]["step"] += 1',
            ]
            if update.prepare is not None:
                ns[f"__prepare{u}"] = update.prepare
                got = ", ".join(names[v.n] for v in update.vars)
                lines.append(f"{got}, = __prepare{u}(__opt{u}, __e[1], __var{u})")
        ns["__new_state"] = _new_state
        ns["__getrefcount"], ns["__SOLE"] = sys.getrefcount, _SOLE_REFS
        updated = {id(e.ins[0]) for e in trace.eqns if e.out is None}
        variables = {id(var): v for v, var in trace.states}
        consts = {id(var): value for var, value in trace.consts}
        hypers = {id(var): h for var, h in trace.hypers}
        for k, var in enumerate(params[len(inputs) :]):
            x = names[var.n]
            if id(var) in variables:
                ns[f"__v{k}"] = variables[id(var)]
                lines.append(f"{x} = __v{k}._value")
                if id(var) in updated:  # written in place: first made the Variable's own
                    lines += [
                        f"if not ({x}.__class__ is __ndarray and {x}.base is None and "
                        f"{x}.flags.writeable and __getrefcount({x}) <= __SOLE):",
                        f"    {x} = __v{k}._value = __np.array({x})",
                    ]
            elif id(var) in consts:
                ns[f"__c{k}"] = consts[id(var)]
                lines.append(f"{x} = __c{k}")
            elif id(var) in hypers:
                ns[f"__h{k}"] = hypers[id(var)].read
                lines.append(f"{x} = __h{k}()")
        return inputs, lines, ns

    def run(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        values: list[Any] = []
        for a in args:
            if a.__class__ is np.ndarray:
                values.append(a)
            else:
                _leaves(a, values)
        if kwargs:
            _leaves(kwargs, values)
        outs = self.entry(*values)
        if outs is _MISS:  # the signature matched: the arrays cannot differ from the trace's
            raise RuntimeError("dg.function: internal error, a call's arrays fit no trace")
        return self.rebuild(outs)


_MISS = object()  # what an entry returns for arrays that do not fit its trace


def _new_state(opt: Any, v: Variable) -> Any:
    """The state ``opt.apply_gradients`` gives a Variable it updates for the first time."""
    entry = opt._state[id(v)] = (v, {"step": 0, **opt._init_state(v._value)})
    return entry


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
