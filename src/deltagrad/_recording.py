"""Which tapes are recording, and how an op is appended to them.

The ops (:mod:`deltagrad.ops.core`) call :func:`record` after each forward run on Tensors;
:class:`~deltagrad.tape.GradientTape` opens and closes its place in :data:`ACTIVE`. Keeping this
small state apart lets the ops know nothing of the tape's backward pass, and the tape use the ops
(its Jacobians stack gradients with them) without an import circle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from deltagrad.tensor import Tensor, Variable

if TYPE_CHECKING:
    from deltagrad.ops.core import Primitive
    from deltagrad.tape import GradientTape

# The tapes currently recording, innermost last. Not random state: just which `with` blocks are
# open.
ACTIVE: list[GradientTape] = []


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
    for tape in ACTIVE:
        watched = tape._watched
        idxs: tuple[int, ...] = ()
        i = 0
        for a in args:
            if id(a) in watched:
                idxs += (i,)
            elif (
                a.__class__ is Variable
                and tape._auto_watch
                and a.trainable
                and a._value.dtype.kind == "f"
            ):
                tape._watch_one(a)
                idxs += (i,)
            i += 1
        if idxs:
            tape._entries.append((id(out), prim, args, vals, out, params, idxs))
            watched.add(id(out))
