"""The computation a tape recorded, as plain data: tensors, ops, and every gradient.

:func:`trace` reads a :class:`~deltagrad.tape.GradientTape`'s entries back from ``target``:
the ops ``target`` depends on, in execution order, each with its inputs and output, and the
tensors between them (watched inputs, constants, intermediates, the target) with their values.
It then walks the ops backwards once more, as :meth:`GradientTape.gradient` does, calling the
same derivative rules, and keeps what the tape's own walk throws away: the gradient of *every*
tensor and, for each op, what it sent to each input. :mod:`deltagrad.viz.graph` draws the
result and :mod:`deltagrad.viz.step_through` narrates it; tests check it against
``tape.gradient``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from deltagrad import ops as _ops
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor


@dataclass
class Node:
    """A tensor of the computation.

    ``kind``: "input" (watched: a gradient is wanted), "constant" (an operand that carries no
    gradient), "intermediate" or "target". ``grad`` is ∂target/∂tensor (None for constants and
    tensors the target does not depend on through a differentiable path).
    """

    index: int
    label: str
    kind: str
    value: np.ndarray
    grad: np.ndarray | None = None
    named: bool = False  # the label is the tensor's own name (not one made up here)


@dataclass
class Op:
    """One recorded op: ``output = name(inputs…)``; ``params`` are its keyword settings."""

    index: int
    name: str
    inputs: list[int]  # node indices, in argument order
    output: int
    params: dict
    differentiable: list[bool]  # per input: does the gradient flow into it
    # Filled by the backward walk: the upstream gradient ∂target/∂output, and what the op's
    # rule sent to each input (None where nothing flows).
    upstream: np.ndarray | None = None
    contributions: list[np.ndarray | None] = field(default_factory=list)


@dataclass
class Trace:
    nodes: list[Node]
    ops: list[Op]  # in execution order
    target: int  # node index
    # Backward order: the ops the gradient passed through, last op first.
    backward: list[int] = field(default_factory=list)

    def consumers(self, node: int) -> list[int]:
        """The ops that read ``node``, in execution order."""
        return [op.index for op in self.ops if node in op.inputs]


def trace(tape: GradientTape, target: Tensor) -> Trace:
    """The computation of ``target`` recorded on ``tape``, with every tensor's gradient.

    Raises ValueError when the tape recorded nothing, or when ``target`` was not computed on it
    (it must be the result of a recorded op, e.g. the ``y`` of ``with tape: y = f(x)``).
    """
    if not isinstance(tape, GradientTape):
        raise TypeError(f"expected a GradientTape, got {type(tape).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(
            f"target must be a Tensor computed on the tape, got {type(target).__name__}"
        )
    entries = tape._entries
    if not entries and tape._used and not tape.persistent:
        raise ValueError(
            "the tape's record was released by its gradient call (a non-persistent tape "
            "computes one gradient); draw it before calling gradient, or record with "
            "GradientTape(persistent=True)"
        )
    if not entries:
        raise ValueError(
            "the tape recorded nothing: watch a tensor (tape.watch(x)) or use a trainable "
            "Variable, and compute the target inside the tape's `with` block"
        )
    produced = {entry[0]: k for k, entry in enumerate(entries)}
    if id(target) not in produced:
        raise ValueError(
            f"the target (shape {target.shape}) is not on this tape: pass the tensor the "
            "tape's `with` block computed, e.g. y in `with tape: y = f(x)`"
        )
    # The entries the target depends on (walking its inputs back).
    needed, stack = set(), [produced[id(target)]]
    while stack:
        k = stack.pop()
        if k in needed:
            continue
        needed.add(k)
        stack.extend(produced[id(a)] for a in entries[k][2] if id(a) in produced)
    nodes: list[Node] = []
    node_of: dict[int, int] = {}  # id(tensor) -> node index (the entries keep them alive)
    watched = tape._watched
    ops: list[Op] = []
    for k in sorted(needed):
        oid, prim, args, vals, out, params, idxs = entries[k]
        inputs = []
        for i, a in enumerate(args):
            if not isinstance(a, Tensor):  # a number or an array: a constant of its own
                inputs.append(_add_node(nodes, a, vals[i], "constant"))
                continue
            if id(a) not in node_of:
                kind = "input" if (i in idxs and id(a) in watched) else "constant"
                node_of[id(a)] = _add_node(nodes, a, vals[i], kind)
            inputs.append(node_of[id(a)])
        out_kind = "target" if out is target else "intermediate"
        node_of[oid] = _add_node(nodes, out, out._value, out_kind)
        ops.append(
            Op(
                index=len(ops),
                name=prim.name,
                inputs=inputs,
                output=node_of[oid],
                params=dict(params),
                differentiable=[i in idxs for i in range(len(args))],
            )
        )
    _name_nodes(nodes, ops)
    result = Trace(nodes=nodes, ops=ops, target=node_of[id(target)])
    _backward(result, entries, sorted(needed))
    return result


def _add_node(nodes: list[Node], obj, value, kind: str) -> int:
    name = getattr(obj, "name", None) if isinstance(obj, Tensor) else None
    nodes.append(
        Node(
            index=len(nodes),
            label=str(name) if name else "",
            kind=kind,
            value=np.asarray(value),
            named=bool(name),
        )
    )
    return len(nodes) - 1


def _name_nodes(nodes: list[Node], ops: list[Op]) -> None:
    """Labels for unnamed tensors: x, x1, … for inputs, c… for constants, v1, v2, … for
    intermediates, and the target is L (when the learner gave no names)."""
    taken = {n.label for n in nodes if n.named}
    counters = {"input": 0, "constant": 0, "intermediate": 0}
    prefix = {"input": "x", "constant": "c", "intermediate": "v"}
    for n in nodes:
        if n.named:
            continue
        if n.kind == "target":
            n.label = "L" if "L" not in taken else "target"
            continue
        if n.kind == "constant" and n.value.ndim == 0:
            n.label = _number(n.value)  # a literal: its value is its name
            continue
        while True:
            counters[n.kind] += 1
            label = f"{prefix[n.kind]}{counters[n.kind]}"
            if label not in taken:
                break
        n.label = label
        taken.add(label)


def _backward(result: Trace, entries, order: list[int]) -> None:
    """Every tensor's gradient, and each op's upstream gradient and contributions.

    The same walk as the tape's (reverse order, each op's rules, broadcasting undone, gradients
    of a tensor used twice added), over plain arrays, keeping every intermediate result.
    """
    target = result.nodes[result.target]
    grads: dict[int, np.ndarray] = {result.target: np.ones_like(target.value)}
    for op, k in zip(reversed(result.ops), reversed(order)):
        g = grads.get(op.output)
        if g is None:
            continue
        _, prim, args, vals, out, params, idxs = entries[k]
        op.upstream = g
        op.contributions = [None] * len(args)
        for i in idxs:
            gi = prim.vjp(i)(g, out._value, *vals, **params)
            gi = np.asarray(gi)
            if gi.shape != np.shape(vals[i]):
                gi = np.asarray(_ops.unbroadcast(gi, np.shape(vals[i])))
            op.contributions[i] = gi
            node = op.inputs[i]
            grads[node] = gi if node not in grads else grads[node] + gi
        result.backward.append(op.index)
    for n in result.nodes:
        if n.index in grads and n.kind != "constant":
            n.grad = grads[n.index]


def _number(value) -> str:
    v = np.asarray(value)
    if v.dtype.kind == "b":
        return str(bool(v))
    if v.dtype.kind in "iu":
        return str(int(v))
    return f"{float(v):.4g}"


def summary(value, limit: int = 4) -> str:
    """A short text for a value: the number for a scalar, the entries of a small array, else
    shape and range."""
    v = np.asarray(value)
    if v.ndim == 0:
        return _number(v)
    if v.size <= limit:
        return "[" + ", ".join(_number(x) for x in v.ravel()) + "]"
    shape = "×".join(str(s) for s in v.shape)
    if v.dtype.kind == "b":
        return f"{shape} bool"
    return f"{shape} in [{_number(v.min())}, {_number(v.max())}]"
