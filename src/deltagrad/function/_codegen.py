"""From equations to a Python function: names, dead code, buffers, source text.

The same equations are written twice: readably (what ``step.source()`` shows: one line per
NumPy call, the user's tensor names, a comment naming each derivative rule) and for speed (the
same calls writing into preallocated arrays, an array reused once the value it held is dead).
Both compute the tape's numbers bit for bit: ``out=`` changes where a ufunc writes, not what.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltagrad.function import _numba
from deltagrad.function._ir import UNARY, Eqn, Src, Var, call_op, literal
from deltagrad.function._trace import Trace

_HEADERS = {
    "forward": "# forward pass",
    "backward": "# backward pass: the tape's derivative rules, last op first",
    "update": "# update",
}
_RESERVED = {"np", "math", "ops", "softmax", "sigmoid", "index_gradient", "unbroadcast", "self"}


@dataclass
class Program:
    """A generated function: its source, the names its parameters take, and its namespace."""

    name: str
    source: str
    params: list[Var]
    namespace: dict[str, Any] = field(default_factory=dict)

    def compile(self) -> Any:
        """The function, compiled from :attr:`source` in :attr:`namespace`."""
        code = compile(self.source, f"<dg.function {self.name}>", "exec")
        scope = dict(self.namespace)
        exec(code, scope)  # noqa: S102 - our own generated code
        return scope[self.name]


def live(trace: Trace, outputs: Sequence[Var]) -> list[Eqn]:
    """The equations the outputs and the updates of state need, in order."""
    needed = {v.n for v in outputs}
    keep: list[Eqn] = []
    for eqn in reversed(trace.eqns):
        if eqn.out is None or eqn.out.n in needed:
            keep.append(eqn)
            needed.update(x.n for x in eqn.ins if isinstance(x, Var))
    keep.reverse()
    return keep


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text.replace("∂", "d")).strip("_") or "v"
    if name[0].isdigit():
        name = f"v{name}"
    if keyword.iskeyword(name) or name in _RESERVED:
        name += "_"
    return name


class _Names:
    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.of: dict[int, str] = {}
        self.level: dict[int, int] = {}  # precedence of an inlined expression (see _LEVEL)

    def fresh(self, text: str) -> str:
        base = _identifier(text)
        name, k = base, 2
        while name in self.taken:
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name


def _hint(trace: Trace, var: Var) -> str:
    tensor = trace.tensor_of.get(var.n)
    name = tensor.name if tensor is not None else None
    if name and var.kind in ("temp", "input", "state", "const"):
        return name
    return var.hint or f"v{var.n}"


# Given the parameters and their names, an entry returns the parameters the function takes
# instead, the lines that define the others first, and what those lines read (see generate).
Entry = Callable[[list[Var], dict[int, str]], tuple[list[str], list[str], dict[str, Any]]]


def generate(
    trace: Trace,
    outputs: Sequence[Var],
    name: str,
    fast: bool,
    entry: Entry | None = None,
    backend: str = "numpy",
) -> Program:
    """The trace as the function ``name``; with ``fast``, writing into preallocated arrays.

    With ``entry``, the function takes fewer parameters (the inputs) and reads the others itself
    (Variables' arrays, learning rates, optimiser state) in lines that ``entry`` writes."""
    eqns = live(trace, outputs)
    used = {x.n for e in eqns for x in e.ins if isinstance(x, Var)} | {v.n for v in outputs}
    names = _Names()
    namespace: dict[str, Any] = {"np": np, "math": math}
    params: list[Var] = []
    for var in [*trace.inputs, *(v for _, v in trace.states)]:
        names.of[var.n] = names.fresh(_hint(trace, var))
        params.append(var)
    for var, value in trace.consts:
        if var.n not in used:
            continue
        written = _inline(value)
        if written is not None:
            names.of[var.n] = written
        else:
            names.of[var.n] = names.fresh(_hint(trace, var) if var.hint else "const")
            params.append(var)
    for var, _hyper in trace.hypers:
        names.of[var.n] = names.fresh(var.hint)
        params.append(var)
    for update in trace.updates:  # optimiser state: buffers and step counts, read per call
        for var in update.vars:
            names.of[var.n] = names.fresh(var.hint)
            params.append(var)
    if fast:  # results computed from constants alone: computed once, here
        static = _static(trace, eqns, outputs)
        for eqn in eqns:
            if eqn.out is not None and eqn.out.n in static:
                names.of[eqn.out.n] = "_" + names.fresh(_hint(trace, eqn.out))
                namespace[names.of[eqn.out.n]] = trace.values[eqn.out.n]
        eqns = [e for e in eqns if e.out is None or e.out.n not in static]
    buffers = _plan(eqns, outputs) if fast else {}
    lines: list[str] = []
    section = ""
    imports: set[str] = set()
    inline = _inlinable(eqns, outputs, buffers)
    items: list[Any] = list(eqns)
    if fast and backend == "numba":
        items = _numba.runs(eqns)
    queue = list(items)
    while queue:
        item = queue.pop(0)
        if isinstance(item, _numba.Run):
            fused = _fused(trace, item, queue, outputs, names, buffers, namespace)
            if fused is None:  # Numba could not compile it: NumPy's calls instead
                queue[:0] = item.eqns
            else:
                lines.extend(fused)
            continue
        eqn = item
        if eqn.section != section:
            section = eqn.section
            if lines:
                lines.append("")
            lines.append(_HEADERS[section])
        if eqn.comment:
            lines.append(f"# {eqn.comment}")
        lines.extend(_statement(trace, eqn, names, buffers, namespace, imports, inline))
    result = ", ".join(names.of[v.n] for v in outputs)
    lines.append(f"return ({result}{',' if len(outputs) == 1 else ''})")
    for b in sorted(set(buffers.values())):
        var = next(v for v, name_ in buffers.items() if name_ == b)
        namespace[b] = np.empty(var.shape, var.dtype)
    # Buffers and results computed once: bound as defaults (local names, fast to read).
    taken = [names.of[v.n] for v in params]
    if entry is not None:
        taken, prologue, extra = entry(params, names.of)
        namespace.update(extra)
        lines = [*prologue, *lines]
    if fast:  # NumPy's functions as local names (bound below): no global lookups per call
        lines = [_NP_CALL.sub(lambda m: _bind_np(m.group(1), namespace), x) for x in lines]
    bound = sorted(k for k in namespace if k.startswith("_"))
    signature = ", ".join([*taken, *(["*"] if bound else [])])
    signature += "".join(f", {k}={k}" for k in bound)
    body = "\n".join(f"    {line}" if line else "" for line in lines)
    header = "import numpy as np\n" + "".join(f"{line}\n" for line in sorted(imports))
    source = f"{header}\n\ndef {name}({signature}):\n{body}\n"
    return Program(name, source, params, namespace)


_NP_CALL = re.compile(r"(?<![\w.])np\.([A-Za-z_][\w.]*)\(")


def _bind_np(path: str, namespace: dict[str, Any]) -> str:
    name = "__np_" + path.replace(".", "_")
    if name not in namespace:
        value: Any = np
        for part in path.split("."):
            value = getattr(value, part)
        namespace[name] = value
    return name + "("


def _fused(
    trace: Trace,
    run: Any,
    rest: Sequence[Any],
    outputs: Sequence[Var],
    names: _Names,
    buffers: dict[Var, str],
    namespace: dict[str, Any],
) -> list[str] | None:
    """A call of the kernel of ``run``, writing the results read after it; None when Numba
    cannot compile it (tried now, on copies of the trace's values)."""
    needed = {v.n for v in outputs}
    for item in rest:
        for eqn in item.eqns if isinstance(item, _numba.Run) else [item]:
            needed.update(x.n for x in eqn.ins if isinstance(x, Var))
    source, args, writes = _numba.kernel_source(run, needed, literal)
    try:
        compiled = _numba.compile_kernel(source)
        trial = [np.array(trace.values[x.n]) if isinstance(x, Var) else x for x in args]
        trial = [t[()] if isinstance(x, Var) and x.scalar else t for x, t in zip(args, trial)]
        compiled(*trial, *(np.empty(v.shape, v.dtype) for v in writes))
    except Exception:  # a typing or lowering error of Numba's: this run stays NumPy's
        return None
    kernel = f"__kernel{sum(k.startswith('__kernel') for k in namespace)}"
    namespace[kernel] = compiled
    lines = []
    outs = []
    for var in writes:
        if var in buffers:
            names.of[var.n] = buffers[var]
        else:  # returned: a new array on every call
            names.of[var.n] = names.fresh(var.hint or "out")
            lines.append(f"{names.of[var.n]} = np.empty({var.shape!r}, np.{var.dtype.name})")
        outs.append(names.of[var.n])
    operands = [names.of[x.n] if isinstance(x, Var) else literal(x) for x in args]
    lines.append(f"{kernel}({', '.join([*operands, *outs])})")
    return lines


def _static(trace: Trace, eqns: Sequence[Eqn], outputs: Sequence[Var]) -> set[int]:
    """The results computed from constants alone, that nothing writes into afterwards."""
    static: set[int] = set()
    written = {
        e.ins[0].n for e in eqns if (e.op.inplace or e.out is None) and isinstance(e.ins[0], Var)
    }
    returned = {v.n for v in outputs}
    for eqn in eqns:
        out = eqn.out
        if out is None or eqn.op.inplace or out.n in written or out.n in returned:
            continue
        if all(not isinstance(x, Var) or x.kind == "const" or x.n in static for x in eqn.ins):
            static.add(out.n)
    return static


def _inline(value: Any) -> str | None:
    """A constant written in the code itself: a number, or one number broadcast to a shape."""
    if isinstance(value, np.generic) or np.ndim(value) == 0:
        try:
            return literal(value if isinstance(value, np.generic) else np.asarray(value)[()])
        except ValueError:
            return None
    if isinstance(value, np.ndarray) and value.size and not any(value.strides):
        first = value.reshape(-1)[0]
        return f"np.broadcast_to({literal(first)}, {literal(value.shape)})"
    return None


def _statement(
    trace: Trace,
    eqn: Eqn,
    names: _Names,
    buffers: dict[Var, str],
    namespace: dict[str, Any],
    imports: set[str],
    inline: set[int],
) -> list[str]:
    op = eqn.op
    args = [
        _operand(names, x, op, k) if isinstance(x, Var) else literal(x)
        for k, x in enumerate(eqn.ins)
    ]
    params = {k: _param(v, names, namespace) for k, v in eqn.params.items()}
    if op.name.startswith("call:"):
        label = op.name[5:]
        root = label.split(".")[0]
        if root == "ops":
            imports.add("from deltagrad import ops")
        elif root in ("softmax", "sigmoid"):
            imports.add(f"from deltagrad.functional import {root}")
        elif root in ("index_gradient", "unbroadcast"):
            imports.add(f"from deltagrad.function.runtime import {root}")
        else:  # an op of the user's own (dg.extend): its function, under a name of its own
            name = base = re.sub(r"\W+", "_", label).strip("_")
            k = 1
            while namespace.get(name, op.run) is not op.run:
                k += 1
                name = f"{base}_{k}"
            namespace[name] = op.run
            op = call_op(op.run, name)
    if op.name == "math_sqrt":
        imports.add("import math")
    out = eqn.out
    if out is None:  # an update of state in place (one or more lines)
        return op.expr(args, params).split("\n")
    if op.name == "alias" or op.inplace:
        names.of[out.n] = args[0]
        return [op.expr(args, params)] if op.inplace else []
    buffer = buffers.get(out)
    if buffer is not None and op.into is not None:
        namespace.update(op.scope)
        names.of[out.n] = buffer
        return [op.into(args, params, buffer)]
    if out.n in inline:  # used once, right below: written into that line
        names.of[out.n] = op.expr(args, params)
        names.level[out.n] = _LEVEL.get(op.name, _ATOM)
        return []
    names.of[out.n] = names.fresh(_hint(trace, out))
    return [f"{names.of[out.n]} = {op.expr(args, params)}"]


def _inlinable(eqns: Sequence[Eqn], outputs: Sequence[Var], buffers: dict[Var, str]) -> set[int]:
    """Results read once, by a later line of the same rule: written into that line, as a person
    would (``dz2 @ W2.T``, ``dh1 * (z1 > 0)``, ``W1 -= lr * dW1``)."""
    uses: dict[int, list[int]] = {}
    for i, eqn in enumerate(eqns):
        for x in eqn.ins:
            if isinstance(x, Var):
                uses.setdefault(x.n, []).append(i)
    returned = {v.n for v in outputs}
    inline: set[int] = set()
    for i, eqn in enumerate(eqns):
        out = eqn.out
        if (
            out is None
            or out.n in returned
            or out in buffers
            or eqn.op.name.startswith("call:")
            or eqn.op.inplace
            or eqn.op.name == "alias"
            or len(uses.get(out.n, ())) != 1
        ):
            continue
        j = uses[out.n][0]
        if (
            all(not eqns[k].comment for k in range(i + 1, j + 1))
            and eqns[j].op.name != "alias"
            and not (eqns[j].op.inplace and eqns[j].ins[0] is out)
        ):
            inline.add(out.n)
    return inline


# Python's precedence of the ops written with operators (higher binds tighter).
_ATOM = 100
_LEVEL = {
    "power": 90,
    "negative": 80,
    "multiply": 70,
    "divide": 70,
    "matmul": 70,
    "add": 60,
    "subtract": 60,
    "greater": 40,
    "greater_equal": 40,
}
_ARGUMENT = {
    "call",
    "full",
    "broadcast_to",
    "sub_into",
    "add_into",
    "mul_into",
    "copy_into",
    "arange",
    "math_sqrt",
    "relu",
    "maximum",
    *UNARY,  # np.exp(...) and the like: an argument of a call
}


def _operand(names: _Names, x: Var, op: Any, position: int) -> str:
    """``x``'s name or inlined expression as operand ``position`` of ``op``, in parentheses
    when Python's precedence needs them."""
    text = names.of[x.n]
    level = names.level.get(x.n, _ATOM)
    if level == _ATOM or op.name.split(":")[0] in _ARGUMENT:
        return text
    if op.name in _LEVEL:
        mine = _LEVEL[op.name]
        left_ok = level >= mine if position == 0 and op.name != "power" else level > mine
        if op.name == "negative":
            left_ok = level > mine
        return text if left_ok else f"({text})"
    return f"({text})"  # a method, attribute or index on it


def _param(value: Any, names: _Names, namespace: dict[str, Any]) -> Any:
    """A parameter as :func:`literal` can write it (arrays become names in the namespace)."""
    if isinstance(value, np.ndarray):
        name = names.fresh("index")
        namespace[name] = value
        return Src(name)
    if isinstance(value, tuple):
        return tuple(_param(v, names, namespace) for v in value)
    if isinstance(value, list):
        return [_param(v, names, namespace) for v in value]
    return value


def _plan(eqns: Sequence[Eqn], outputs: Sequence[Var]) -> dict[Var, str]:
    """Preallocated arrays for the results that can be written with ``out=``: one per result,
    reused once every value living in it (the result and its views) is dead."""
    roots: dict[int, set[Var]] = {}
    last: dict[int, int] = {}  # Var.n of a root -> index of the last equation reading it
    never = len(eqns) + 1
    for i, eqn in enumerate(eqns):
        for x in eqn.ins:
            if isinstance(x, Var):
                for r in roots.get(x.n, {x}):
                    last[r.n] = max(last.get(r.n, -1), i)
        if eqn.out is not None:
            if eqn.op.view or eqn.op.inplace:
                roots[eqn.out.n] = set().union(
                    *(roots.get(x.n, {x}) for x in eqn.ins if isinstance(x, Var))
                )
            else:
                roots[eqn.out.n] = {eqn.out}
    for v in outputs:
        for r in roots.get(v.n, {v}):
            last[r.n] = never
    buffers: dict[Var, str] = {}
    free: dict[tuple[Any, ...], list[str]] = {}
    count = 0

    def release(i: int, eqn: Eqn) -> None:
        for x in {x for x in eqn.ins if isinstance(x, Var)}:
            for r in roots.get(x.n, {x}):
                if last.get(r.n) == i and r in buffers:
                    free.setdefault((r.shape, r.dtype.str), []).append(buffers[r])
                    last[r.n] = -1  # released once

    for i, eqn in enumerate(eqns):
        out = eqn.out
        if eqn.op.elementwise:
            release(i, eqn)
        if (
            out is not None
            and eqn.op.into is not None
            and not out.scalar
            and out.kind == "temp"
            and last.get(out.n, -1) != never
        ):
            pool = free.get((out.shape, out.dtype.str))
            if pool:
                buffers[out] = pool.pop()
            else:
                buffers[out] = f"_buf{count}"
                count += 1
            if out.n not in last:  # written and never read: free again at once
                free.setdefault((out.shape, out.dtype.str), []).append(buffers[out])
        if not eqn.op.elementwise:
            release(i, eqn)
    return buffers
