"""GradientTape: records ops on watched tensors, then walks them backwards (reverse mode).

The tape stores one entry per recorded op, in execution order. ``gradient`` walks the entries
backwards, iteratively, keeping pending gradients in a dict keyed by tensor identity and popping
each one when the op that produced it is reached. When another tape is recording while
``gradient`` runs, the backward pass is itself made of recorded ops, so nested tapes give
second (and higher) derivatives.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from deltagrad import ops as _ops
from deltagrad._recording import ACTIVE as _ACTIVE
from deltagrad._recording import TRACING as _TRACING
from deltagrad._recording import pause_gc as _pause_gc
from deltagrad._recording import resume_gc as _resume_gc
from deltagrad.tensor import Tensor, Variable, _checked_array, _wrap

if TYPE_CHECKING:
    from typing import Self, TypeAlias

    from deltagrad.ops.core import Primitive

    # Rebuilds a structure (Tensor / list / tuple / dict) from its flattened leaves.
    _Rebuild: TypeAlias = Callable[[list[Any]], Any]
    # One recorded op: (id(out), prim, args, vals, out, params, indices of watched args).
    _Entry: TypeAlias = tuple[
        int, Primitive, Sequence[Any], Sequence[Any], Tensor, Mapping[str, Any], tuple[int, ...]
    ]

_UNCONNECTED = ("none", "zero")
_GC_PAUSE_MIN_ENTRIES = 500  # about the collector's first threshold (700 new objects)

# A non-persistent tape's one backward pass lets go of each entry once walked, so that arrays only
# the record held are freed while the pass allocates gradients of the same sizes, and the
# allocator hands them out again. Freed all at once when a step drops its tape, they left the top
# of glibc's heap free beyond its trim threshold (twice its mmap threshold: 256 KB, rising with
# the largest array freed); it gave the memory back, and the next step's forward pass faulted
# the pages in again: a 64-128-64-10 step at batch 256 in float64 took 1.39 ms (448 page faults)
# instead of 0.63 ms. Results of this size or more stay with the tape until it is dropped, as
# before: freed during the pass, such arrays were returned and faulted in again at once (the
# (2, 10⁶) descent of benchmarks/tape_vectorized.py: 4,561 faults a step instead of 845).
_KEEP_FROM_BYTES = 1 << 20


def _flatten(structure: Any, what: str, method: str = "gradient") -> tuple[list[Tensor], _Rebuild]:
    """Flatten a Tensor / list / tuple / dict of Tensors; return (leaves, rebuild)."""
    if isinstance(structure, Tensor):
        return [structure], lambda leaves: leaves[0]
    if isinstance(structure, (list, tuple)):
        parts = [_flatten(s, what, method) for s in structure]
        kind = type(structure)

        def rebuild(leaves: list[Any]) -> Any:
            out: list[Any] = []
            i = 0
            for flat, rb in parts:
                out.append(rb(leaves[i : i + len(flat)]))
                i += len(flat)
            return kind(out) if kind in (list, tuple) else kind(*out)

        return [leaf for flat, _ in parts for leaf in flat], rebuild
    if isinstance(structure, dict):
        keys = list(structure)
        flat, rb = _flatten([structure[k] for k in keys], what, method)
        return flat, lambda leaves: dict(zip(keys, rb(leaves)))
    raise TypeError(
        f"GradientTape.{method}: {what} must be Tensors or Variables (or lists, "
        f"tuples or dicts of them), got {type(structure).__name__}"
    )


def _check_float(t: Tensor, what: str) -> None:
    if t._value.dtype.kind != "f":
        raise TypeError(
            f"GradientTape.{what}: cannot differentiate with respect to a tensor of "
            f"dtype {t._value.dtype}; gradients need floating-point tensors "
            "(use a float value, e.g. dg.constant(3.0) or "
            "dg.constant(x, dtype='float64'))"
        )


class GradientTape:
    """Record operations for reverse-mode differentiation.

    >>> x = dg.constant(3.0)
    >>> with dg.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    Tensor(6.0, shape=(), dtype=float64)

    ``persistent=True`` allows several ``gradient`` calls; a non-persistent tape releases its
    record after its one ``gradient`` (or ``jacobian``) call, as TensorFlow's does, so draw it
    with :mod:`deltagrad.viz` first. While any tape records, Python's cyclic garbage collector is
    paused (restored when the outermost ``with`` block ends, also on an exception). With
    ``watch_accessed_variables``
    (the default) trainable Variables are watched as soon as an op reads them; other tensors
    must be watched with :meth:`watch`.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = persistent
        self._auto_watch = watch_accessed_variables
        self._entries: list[_Entry] = []
        self._watched: set[int] = set()
        self._keep: list[Tensor] = []  # watched leaves, kept alive so their ids stay unique
        self._used = False
        self._results: list[Tensor] = []  # a released record's results (see _release)

    def __enter__(self) -> Self:
        if self in _ACTIVE:
            raise RuntimeError(
                "GradientTape: this tape is already recording; a tape cannot be "
                "entered again inside its own `with` block (use a second tape "
                "for higher derivatives)"
            )
        _ACTIVE.append(self)
        _pause_gc()  # the collector is off while tapes record (see deltagrad._recording)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        self._stop()
        _resume_gc()  # also when the block raised: every __enter__ is matched here
        return False

    def _stop(self) -> None:
        for i in range(len(_ACTIVE) - 1, -1, -1):
            if _ACTIVE[i] is self:
                del _ACTIVE[i]
                return

    def _watch_one(self, t: Tensor) -> None:
        if id(t) not in self._watched:
            self._watched.add(id(t))
            self._keep.append(t)

    def watch(self, tensor: Any) -> None:
        """Watch a tensor (or a list/tuple/dict of tensors) so that gradients flow to it."""
        leaves, _ = _flatten(tensor, "watched values", "watch")
        for t in leaves:
            _check_float(t, "watch")
            self._watch_one(t)

    def watched_variables(self) -> list[Variable]:
        """The Variables this tape watches, in the order they were first watched."""
        return [t for t in self._keep if isinstance(t, Variable)]

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """A context in which ops are not recorded on this tape (it records again afterwards).

        Raises RuntimeError when the tape is not recording (outside its ``with`` block).
        """
        if self not in _ACTIVE:
            raise RuntimeError(
                "GradientTape.stop_recording: the tape is not recording (use it "
                "inside the tape's `with` block)"
            )
        position = _ACTIVE.index(self)
        self._stop()
        try:
            yield
        finally:
            _ACTIVE.insert(min(position, len(_ACTIVE)), self)

    def reset(self) -> None:
        """Forget everything recorded so far (the tape keeps recording if it is active)."""
        self._entries.clear()
        self._watched.clear()
        self._keep.clear()
        self._results = []
        self._used = False

    def __repr__(self) -> str:
        return (
            f"GradientTape(persistent={self.persistent}, entries={len(self._entries)}, "
            f"watched={len(self._keep)})"
        )

    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: str = "none",
    ) -> Any:
        """Gradients of ``target`` (summed if several) with respect to ``sources``.

        Returns the structure of ``sources``: one tensor gives one gradient, a list gives a list.
        ``output_gradients`` seeds the backward pass (default: ones, i.e. the gradient of the sum
        of ``target``). A source that ``target`` does not depend on gives None, or zeros when
        ``unconnected_gradients="zero"``. Sources may be intermediate tensors.
        """
        if unconnected_gradients not in _UNCONNECTED:
            raise ValueError(
                f"GradientTape.gradient: unconnected_gradients must be 'none' or "
                f"'zero', got {unconnected_gradients!r}"
            )
        if self._used and not self.persistent:
            raise RuntimeError(
                "GradientTape.gradient can only be called once on a "
                "non-persistent tape; create the tape with "
                "GradientTape(persistent=True) to compute several gradients"
            )
        self._used = True
        rebuild: _Rebuild | None
        if isinstance(sources, Tensor):  # the common cases, without the structure machinery
            sources_flat, rebuild = [sources], None
        elif (sources.__class__ is list or sources.__class__ is tuple) and _all_tensors(sources):
            sources_flat, rebuild = list(sources), sources.__class__
        else:
            sources_flat, rebuild = _flatten(sources, "sources")
        for s in sources_flat:
            _check_float(s, "gradient")
        target_rebuild: _Rebuild | None
        if isinstance(target, Tensor):
            targets, target_rebuild = [target], None
        else:
            targets, target_rebuild = _flatten(target, "targets")
        seeds = self._seeds(targets, output_gradients, target_rebuild is not None)
        found = self._run_backward(targets, seeds, sources_flat, consume=not self.persistent)
        # (A non-persistent tape's pass has released its record already: see _backward.)
        grads = [self._result(s, found.get(id(s)), unconnected_gradients) for s in sources_flat]
        return grads[0] if rebuild is None else rebuild(grads)

    def _release(self) -> None:
        """A non-persistent tape is done after its one jacobian: drop the recorded values (as
        TensorFlow does), so that the arrays it held (a Variable's value among them) are free
        for an optimiser to update in place. (gradient's one pass releases the record as it
        walks it: see _backward.)"""
        if not self.persistent:
            # The results stay alive as long as the tape: freeing them all here hands large
            # arrays back to the system just before the caller allocates again (50 steps on a
            # (2, 10⁶) tensor ran 25 % slower).
            self._results += [entry[4] for entry in self._entries]
            self._entries = []

    def _run_backward(
        self,
        targets: Sequence[Tensor],
        seeds: Sequence[Any],
        sources_flat: Iterable[Tensor],
        consume: bool = False,
    ) -> dict[int, Any]:
        """``_backward`` with this tape paused: its own backward pass is not recorded on it."""
        if _TRACING:  # dg.function is tracing: the trace derives the pass (deltagrad.function)
            found: dict[int, Any] | None = _TRACING[-1].backward(
                self, targets, seeds, sources_flat, consume
            )
            if found is not None:  # (None: an outer tape records it, its rules run as ops)
                return found
        was_active = self in _ACTIVE
        if was_active:
            position = _ACTIVE.index(self)
            self._stop()
        # A long backward pass allocates as many objects as its recording: the collector is off
        # for it too (a short one would not trigger a collection anyway).
        pause = len(self._entries) > _GC_PAUSE_MIN_ENTRIES
        if pause:
            _pause_gc()
        try:
            return self._backward(targets, seeds, {id(s) for s in sources_flat}, consume)
        finally:
            if pause:
                _resume_gc()
            if was_active:
                _ACTIVE.insert(position, self)

    def _seeds(
        self, targets: Sequence[Tensor], output_gradients: Any, structured: bool
    ) -> list[Any]:
        if output_gradients is None:
            # A read-only broadcast 1 costs nothing, whatever the target's size.
            return [
                t._value.dtype.type(1)
                if t._value.ndim == 0
                else np.broadcast_to(t._value.dtype.type(1), t._value.shape)
                for t in targets
            ]
        # One target: output_gradients is one array-like (a Tensor, an array, a number, a
        # nested list). Several: a list or tuple with one array-like per target.
        if not structured:
            given = [output_gradients]
        elif isinstance(output_gradients, (list, tuple)):
            given = list(output_gradients)
        else:
            raise TypeError(
                "GradientTape.gradient: with several targets, output_gradients must "
                "be a list with one entry per target, "
                f"got {type(output_gradients).__name__}"
            )
        if len(given) != len(targets):
            raise ValueError(
                f"GradientTape.gradient: {len(given)} output_gradients for {len(targets)} targets"
            )
        seeds = []
        for g, t in zip(given, targets):
            if not isinstance(g, Tensor):
                g = _wrap(
                    _checked_array(
                        g, t._value.dtype, what="GradientTape.gradient: output_gradients"
                    )
                )
            if g.shape != t.shape:
                raise ValueError(
                    f"GradientTape.gradient: output_gradients shape {g.shape} does "
                    f"not match target shape {t.shape}"
                )
            seeds.append(g)
        return seeds

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: str = "none") -> Any:
        """The Jacobian of ``target`` with respect to each source: shape
        target.shape + source.shape.

        One backward pass per element of ``target`` (reverse mode). Returns the structure of
        ``sources``; an unconnected source gives None (or zeros with
        ``unconnected_gradients="zero"``). As in TensorFlow, a non-persistent tape allows one
        call of ``gradient`` or ``jacobian``.
        """
        return self._jacobian(target, sources, unconnected_gradients, batch=False)

    def batch_jacobian(self, target: Any, source: Any, unconnected_gradients: str = "none") -> Any:
        """Per-example Jacobians: ``result[i] = d target[i] / d source[i]``.

        ``target`` and ``source`` share their first (batch) axis; the result has shape
        ``(batch,) + target.shape[1:] + source.shape[1:]``. As in TensorFlow, each target row
        must depend only on the same row of ``source`` (rows that mix examples give their sum).
        """
        if not isinstance(target, Tensor) or not isinstance(source, Tensor):
            raise TypeError("GradientTape.batch_jacobian: target and source must be Tensors")
        if target.ndim < 1 or source.ndim < 1 or target.shape[0] != source.shape[0]:
            raise ValueError(
                f"GradientTape.batch_jacobian: target of shape {target.shape} and "
                f"source of shape {source.shape} need the same first (batch) axis"
            )
        return self._jacobian(target, source, unconnected_gradients, batch=True)

    def _jacobian(self, target: Any, sources: Any, unconnected_gradients: str, batch: bool) -> Any:
        what = "batch_jacobian" if batch else "jacobian"
        if unconnected_gradients not in _UNCONNECTED:
            raise ValueError(
                f"GradientTape.{what}: unconnected_gradients must be 'none' or "
                f"'zero', got {unconnected_gradients!r}"
            )
        if not isinstance(target, Tensor):
            raise TypeError(
                f"GradientTape.{what}: target must be a Tensor, got {type(target).__name__}"
            )
        if self._used and not self.persistent:
            raise RuntimeError(
                f"GradientTape.{what} can only be called once on a non-persistent "
                "tape; create the tape with GradientTape(persistent=True)"
            )
        self._used = True
        sources_flat, rebuild = _flatten(sources, "sources", what)
        for s in sources_flat:
            _check_float(s, what)
        dtype = target._value.dtype
        inner = target.shape[1:] if batch else target.shape
        rows: list[list[Any]] = [[] for _ in sources_flat]
        connected = [False] * len(sources_flat)
        for index in np.ndindex(*inner):
            seed = np.zeros(target.shape, dtype)
            seed[(slice(None),) + index if batch else index] = 1
            found = self._run_backward([target], [seed], sources_flat)
            for k, s in enumerate(sources_flat):
                g = found.get(id(s))
                connected[k] |= g is not None
                rows[k].append(self._result(s, g, "zero"))
        results: list[Tensor | None] = []
        for k, s in enumerate(sources_flat):
            if not connected[k] and unconnected_gradients == "none":
                results.append(None)
                continue
            if batch:  # rows[k][j]: (batch,) + source.shape[1:] for target element j
                stacked = _ops.stack_p.bind(*rows[k], axis=1) if rows[k] else None
                shape = target.shape[:1] + inner + s.shape[1:]
            else:
                stacked = _ops.stack_p.bind(*rows[k], axis=0) if rows[k] else None
                shape = inner + s.shape
            if stacked is None:
                results.append(_wrap(np.zeros(shape, s._value.dtype)))
            else:
                out = _ops.reshape_p.bind(stacked, shape=shape)
                results.append(out if isinstance(out, Tensor) else _wrap(out))
        self._release()
        return results[0] if isinstance(sources, Tensor) else rebuild(results)

    def _backward(
        self,
        targets: Sequence[Tensor],
        seeds: Sequence[Any],
        source_ids: set[int],
        consume: bool = False,
    ) -> dict[int, Any]:
        """Walk the entries backwards from ``targets``: each op's pending gradient goes through its
        rules into its arguments' pending gradients. Returns the gradients of ``source_ids``."""
        higher = bool(_ACTIVE)  # another tape is recording: make the backward pass differentiable
        pending: dict[int, Any] = {}  # ndarrays (or Tensors when higher)
        # Pending arrays allocated here and not yet handed out: safe to add into.
        owned: set[int] = set()
        for t, g in zip(targets, seeds):
            if higher and not isinstance(g, Tensor):
                g = _wrap(g)
            elif not higher and isinstance(g, Tensor):
                g = g._value
            _accumulate_into(pending, id(t), g, owned)
        found: dict[int, Any] = {}
        pop = pending.pop
        # The entries are walked from the last by popping them off a list: a copy, or, for a
        # non-persistent tape's one pass, the record itself, so that each entry is let go once
        # walked (see _KEEP_FROM_BYTES).
        if consume:
            entries, self._entries = self._entries, []
            keep = self._results.append
        else:
            entries = list(self._entries)
        next_entry = entries.pop
        while entries:
            oid, prim, args, vals, out, params, idxs = next_entry()
            if consume:
                value = out._value
                if value.__class__ is np.ndarray and value.nbytes >= _KEEP_FROM_BYTES:
                    keep(out)
            g = pop(oid, None)
            if g is None:
                continue
            owned.discard(id(g))  # from now on rules may alias g
            if oid in source_ids:
                found[oid] = g
            if not higher and prim.vjp_into is not None:
                _vjp_into_buffer(pending, owned, prim.vjp_into, g, args, vals, params, idxs)
                continue
            rules = prim.vjps
            for i in idxs:
                rule = rules[i] if i < len(rules) else None
                if rule is None:
                    rule = prim.vjp(i)  # raises, naming the op and the argument, if there is none
                if higher:  # on the Tensors, recorded by the outer tape
                    gi = rule(g, out, *args, **params)
                elif params:
                    gi = rule(g, out._value, *vals, **params)
                else:  # no empty **params unpacking for parameter-free ops
                    gi = rule(g, out._value, *vals)
                shape = vals[i].shape
                if gi.shape != shape:
                    gi = _ops.unbroadcast(gi, shape)
                k = id(args[i])
                if k in pending:
                    _accumulate_into(pending, k, gi, owned)
                else:
                    pending[k] = gi
        for k in source_ids:
            if k not in found and k in pending:
                found[k] = pending[k]
        return found

    @staticmethod
    def _result(source: Tensor, g: Any, unconnected: str) -> Tensor | None:
        if g.__class__ is np.ndarray and g.dtype == source._value.dtype:
            return _wrap(g)  # the usual case
        if g is None:
            return _wrap(np.zeros_like(source._value)) if unconnected == "zero" else None
        if isinstance(g, Tensor):
            return g
        dtype = source._value.dtype
        if g.dtype != dtype:
            g = g.astype(dtype)
        return _wrap(g)


def _all_tensors(items: Sequence[Any]) -> bool:
    """Whether every item is a Tensor (a loop: a third of ``all()`` over a generator)."""
    for item in items:
        if not isinstance(item, Tensor):
            return False
    return True


def _accumulate_into(pending: dict[int, Any], key: int, g: Any, owned: set[int]) -> None:
    """Add ``g`` to the pending gradient of ``key``: in place when this pass owns that array."""
    prev = pending.get(key)
    if prev is None:
        pending[key] = g
    elif id(prev) in owned and prev.dtype == g.dtype:
        prev += g
    else:
        prev = prev + g
        if isinstance(prev, np.ndarray):
            owned.add(id(prev))
        pending[key] = prev


def _vjp_into_buffer(
    pending: dict[int, Any],
    owned: set[int],
    vjp_into: Callable[..., Any],
    g: Any,
    args: Sequence[Any],
    vals: Sequence[Any],
    params: Mapping[str, Any],
    idxs: tuple[int, ...],
) -> None:
    """Index-like ops add their gradient into one buffer per argument instead of scattering into
    fresh zeros for every use (first derivatives only)."""
    for i in idxs:
        k = id(args[i])
        prev = pending.get(k)
        buf = _owned_buffer(prev, vals[i], g, owned)
        vjp_into(buf, g, *vals, fresh=prev is None, **params)
        pending[k] = buf


def _owned_buffer(prev: Any, x: Any, g: Any, owned: set[int]) -> Any:
    """An array of ``x``'s shape holding ``prev`` (or zeros) that this backward pass may write
    into."""
    if prev is None:
        dtype = x.dtype if g.dtype == x.dtype else np.result_type(g.dtype, x.dtype)
        buf = np.zeros(x.shape, dtype)
    elif id(prev) in owned:
        return prev
    else:
        buf = np.array(prev, dtype=np.result_type(prev, g))
    owned.add(id(buf))
    return buf
