"""Which tapes are recording, and how an op is appended to them.

The ops (:mod:`deltagrad.ops.core`) call :func:`record` after each forward run on Tensors;
:class:`~deltagrad.tape.GradientTape` opens and closes its place in :data:`ACTIVE`. Keeping this
small state apart lets the ops know nothing of the tape's backward pass, and the tape use the ops
(its Jacobians stack gradients with them) without an import circle.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from deltagrad.tensor import Tensor, Variable

if TYPE_CHECKING:
    from deltagrad.ops.core import Primitive
    from deltagrad.tape import GradientTape

# The tapes currently recording, innermost last. Not random state: just which `with` blocks are
# open.
ACTIVE: list[GradientTape] = []

# The traces of :func:`deltagrad.function` being taken, innermost last (empty outside a trace).
# While one is open, every op run on Tensors is reported to it (``forward``) and a tape's
# backward pass is handed to it (``backward``), so that the trace sees the whole step.
TRACING: list[Any] = []


# Python's cyclic garbage collector is off while any tape records or a backward pass runs: a
# recording allocates a few tuples and Tensors per op, and without this the collector would walk
# the growing tape again and again (the entries hold no reference cycles, so nothing is lost;
# reference counting frees everything as before). ``_GC[0]`` counts the pauses open, ``_GC[1]``
# whether the collector was on when the first began; the last to end restores that state.
_GC: list[int] = [0, 0]
_isenabled, _disable, _enable = gc.isenabled, gc.disable, gc.enable


def pause_gc() -> None:
    """Switch the cyclic collector off until the matching :func:`resume_gc` (pauses nest)."""
    if _GC[0] == 0:
        _GC[1] = _isenabled()
        _disable()
    _GC[0] += 1


def resume_gc() -> None:
    """End one :func:`pause_gc`; the last one switches the collector back on if it was on."""
    if _GC[0] > 0:
        _GC[0] -= 1
        if _GC[0] == 0 and _GC[1]:
            _enable()


def record(
    prim: Primitive,
    args: Sequence[Any],
    vals: Sequence[Any],
    out: Tensor,
    params: Mapping[str, Any],
) -> None:
    """Append the op to every active tape on which one of ``args`` is watched.

    An entry keeps the op, its arguments and their values, the output, and which arguments
    carry gradient (``idxs``), so that the backward pass visits only those.
    """
    n = len(args)
    for tape in ACTIVE:
        watched = tape._watched
        if n == 2:  # the binary operators, unrolled: most ops on a tape
            x, y = args
            if id(x) in watched or (x.__class__ is Variable and _auto_watch(tape, x)):
                if id(y) in watched or (y.__class__ is Variable and _auto_watch(tape, y)):
                    idxs: tuple[int, ...] = _BOTH
                else:
                    idxs = _FIRST
            elif id(y) in watched or (y.__class__ is Variable and _auto_watch(tape, y)):
                idxs = _SECOND
            else:
                continue
        elif n == 1:
            x = args[0]
            if id(x) in watched or (x.__class__ is Variable and _auto_watch(tape, x)):
                idxs = _FIRST
            else:
                continue
        else:
            idxs = tuple(
                i
                for i, a in enumerate(args)
                if id(a) in watched or (a.__class__ is Variable and _auto_watch(tape, a))
            )
            if not idxs:
                continue
        tape._entries.append((id(out), prim, args, vals, out, params, idxs))
        watched.add(id(out))


_FIRST, _SECOND, _BOTH = (0,), (1,), (0, 1)


def _would_watch(tape: GradientTape, v: Variable) -> bool:
    """Whether ``tape`` watches Variable ``v`` when an op reads it: the tape watches what it
    reads and ``v`` is a trainable float."""
    return tape._auto_watch and v.trainable and v._value.dtype.kind == "f"


def _auto_watch(tape: GradientTape, v: Variable) -> bool:
    """Watch Variable ``v`` on ``tape`` if :func:`_would_watch`; whether it did."""
    if _would_watch(tape, v):
        tape._watch_one(v)
        return True
    return False


def records(t: Tensor) -> bool:
    """Whether an active tape records ``t``: it is watched, or a Variable a tape would watch
    when an op reads it (what :func:`record` checks for each argument)."""
    return any(
        id(t) in tape._watched or (t.__class__ is Variable and _would_watch(tape, t))
        for tape in ACTIVE
    )
