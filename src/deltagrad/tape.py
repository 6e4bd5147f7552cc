"""GradientTape: records ops on watched tensors, then walks them backwards (reverse mode).

The tape stores one entry per recorded op, in execution order. ``gradient`` walks the entries
backwards, iteratively, keeping pending gradients in a dict keyed by tensor identity and popping
each one when the op that produced it is reached. When another tape is recording while
``gradient`` runs, the backward pass is itself made of recorded ops, so nested tapes give
second (and higher) derivatives.
"""
from __future__ import annotations

import numpy as np

from deltagrad.tensor import Tensor, Variable, _wrap

# The tapes currently recording, innermost last. Not random state: just which `with` blocks are open.
_ACTIVE: list["GradientTape"] = []

_UNCONNECTED = ("none", "zero")


def record(prim, args, vals, out, params) -> None:
    """Append the op to every active tape on which one of ``args`` is watched.

    An entry keeps the op, its arguments and their values, the output, and which arguments
    carry gradient (``idxs``), so that the backward pass visits only those.
    """
    for tape in _ACTIVE:
        watched = tape._watched
        idxs = ()
        i = 0
        for a in args:
            if id(a) in watched:
                idxs += (i,)
            elif (a.__class__ is Variable and tape._auto_watch and a.trainable
                  and a._value.dtype.kind == "f"):
                tape._watch_one(a)
                idxs += (i,)
            i += 1
        if idxs:
            tape._entries.append((id(out), prim, args, vals, out, params, idxs))
            watched.add(id(out))


def _flatten(structure, what, method="gradient"):
    """Flatten a Tensor / list / tuple / dict of Tensors; return (leaves, rebuild)."""
    if isinstance(structure, Tensor):
        return [structure], lambda leaves: leaves[0]
    if isinstance(structure, (list, tuple)):
        parts = [_flatten(s, what, method) for s in structure]
        kind = type(structure)

        def rebuild(leaves):
            out, i = [], 0
            for flat, rb in parts:
                out.append(rb(leaves[i:i + len(flat)]))
                i += len(flat)
            return kind(out) if kind in (list, tuple) else kind(*out)
        return [leaf for flat, _ in parts for leaf in flat], rebuild
    if isinstance(structure, dict):
        keys = list(structure)
        flat, rb = _flatten([structure[k] for k in keys], what, method)
        return flat, lambda leaves: dict(zip(keys, rb(leaves)))
    raise TypeError(f"GradientTape.{method}: {what} must be Tensors or Variables (or lists, "
                    f"tuples or dicts of them), got {type(structure).__name__}")


def _check_float(t, what):
    if t._value.dtype.kind != "f":
        raise TypeError(f"GradientTape.{what}: cannot differentiate with respect to a tensor of "
                        f"dtype {t._value.dtype}; gradients need floating-point tensors "
                        "(use a float value, e.g. dg.constant(3.0) or dg.constant(x, dtype='float64'))")


class GradientTape:
    """Record operations for reverse-mode differentiation.

    >>> x = dg.constant(3.0)
    >>> with dg.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    Tensor(6.0, shape=(), dtype=float64)

    ``persistent=True`` allows several ``gradient`` calls. With ``watch_accessed_variables``
    (the default) trainable Variables are watched as soon as an op reads them; other tensors
    must be watched with :meth:`watch`.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self._auto_watch = watch_accessed_variables
        self._entries: list = []
        self._watched: set[int] = set()
        self._keep: list[Tensor] = []  # watched leaves, kept alive so their ids stay unique
        self._used = False

    def __enter__(self):
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc):
        self._stop()
        return False

    def _stop(self):
        for i in range(len(_ACTIVE) - 1, -1, -1):
            if _ACTIVE[i] is self:
                del _ACTIVE[i]
                return

    def _watch_one(self, t):
        if id(t) not in self._watched:
            self._watched.add(id(t))
            self._keep.append(t)

    def watch(self, tensor) -> None:
        """Watch a tensor (or a list/tuple/dict of tensors) so that gradients flow to it."""
        leaves, _ = _flatten(tensor, "watched values", "watch")
        for t in leaves:
            _check_float(t, "watch")
            self._watch_one(t)

    def watched_variables(self) -> list:
        """The Variables this tape watches, in the order they were first watched."""
        return [t for t in self._keep if isinstance(t, Variable)]

    def reset(self) -> None:
        """Forget everything recorded so far (the tape keeps recording if it is active)."""
        self._entries.clear()
        self._watched.clear()
        self._keep.clear()
        self._used = False

    def __repr__(self):
        return (f"GradientTape(persistent={self.persistent}, entries={len(self._entries)}, "
                f"watched={len(self._keep)})")

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of ``target`` (summed if several) with respect to ``sources``.

        Returns the structure of ``sources``: one tensor gives one gradient, a list gives a list.
        ``output_gradients`` seeds the backward pass (default: ones, i.e. the gradient of the sum
        of ``target``). A source that ``target`` does not depend on gives None, or zeros when
        ``unconnected_gradients="zero"``. Sources may be intermediate tensors.
        """
        if unconnected_gradients not in _UNCONNECTED:
            raise ValueError(f"GradientTape.gradient: unconnected_gradients must be 'none' or "
                             f"'zero', got {unconnected_gradients!r}")
        if self._used and not self.persistent:
            raise RuntimeError("GradientTape.gradient can only be called once on a non-persistent "
                               "tape; create the tape with GradientTape(persistent=True) to compute "
                               "several gradients")
        self._used = True
        if isinstance(sources, Tensor):  # the common case, without the structure machinery
            sources_flat, rebuild = [sources], None
        else:
            sources_flat, rebuild = _flatten(sources, "sources")
        for s in sources_flat:
            _check_float(s, "gradient")
        targets = [target] if isinstance(target, Tensor) else _flatten(target, "targets")[0]
        seeds = self._seeds(targets, output_gradients)
        was_active = self in _ACTIVE
        if was_active:
            self._stop()  # the backward pass is not recorded on the tape being differentiated
        try:
            found = self._backward(targets, seeds, {id(s) for s in sources_flat})
        finally:
            if was_active:
                _ACTIVE.append(self)
        grads = [self._result(s, found.get(id(s)), unconnected_gradients) for s in sources_flat]
        return grads[0] if rebuild is None else rebuild(grads)

    def _seeds(self, targets, output_gradients):
        if output_gradients is None:
            # A read-only broadcast 1 costs nothing, whatever the target's size.
            return [t._value.dtype.type(1) if t.ndim == 0
                    else np.broadcast_to(t._value.dtype.type(1), t.shape) for t in targets]
        given, _ = _flatten(output_gradients if not isinstance(output_gradients, np.ndarray)
                            else Tensor(output_gradients), "output_gradients")
        if len(given) != len(targets):
            raise ValueError(f"GradientTape.gradient: {len(given)} output_gradients for "
                             f"{len(targets)} targets")
        for g, t in zip(given, targets):
            if g.shape != t.shape:
                raise ValueError(f"GradientTape.gradient: output_gradients shape {g.shape} does "
                                 f"not match target shape {t.shape}")
        return given

    def _backward(self, targets, seeds, source_ids):
        higher = bool(_ACTIVE)  # another tape is recording: make the backward pass differentiable
        pending: dict[int, object] = {}
        for t, g in zip(targets, seeds):
            if higher and not isinstance(g, Tensor):
                g = _wrap(g)
            elif not higher and isinstance(g, Tensor):
                g = g._value
            _accumulate(pending, id(t), g)
        found = {}
        pop, get = pending.pop, pending.get
        owned: set[int] = set()  # pending arrays allocated here and not yet handed out: safe to add into
        for oid, prim, args, vals, out, params, idxs in reversed(self._entries):
            g = pop(oid, None)
            if g is None:
                continue
            owned.discard(id(g))  # from now on rules may alias g
            if oid in source_ids:
                found[oid] = g
            rules = prim.vjps
            for i in idxs:
                k = id(args[i])
                if not higher and prim.vjp_into is not None:
                    # Index-like ops add their gradient into one buffer instead of scattering
                    # into fresh zeros for every use.
                    prev = get(k)
                    buf = _owned_buffer(prev, vals[i], g, owned)
                    prim.vjp_into(buf, g, *vals, fresh=prev is None, **params)
                    pending[k] = buf
                    continue
                rule = rules[i] if i < len(rules) else None
                if rule is None:
                    rule = prim.vjp(i)  # raises, naming the op and the argument, if there is none
                if higher:
                    gi = rule(g, out, *args, **params)
                else:
                    gi = rule(g, out._value, *vals, **params)
                shape = vals[i].shape
                if gi.shape != shape:
                    gi = _ops.unbroadcast(gi, shape)
                prev = get(k)
                if prev is None:
                    pending[k] = gi
                elif id(prev) in owned and prev.dtype == gi.dtype:
                    prev += gi
                else:
                    prev = prev + gi
                    if isinstance(prev, np.ndarray):
                        owned.add(id(prev))
                    pending[k] = prev
        for k in source_ids:
            if k not in found and k in pending:
                found[k] = pending[k]
        return found

    @staticmethod
    def _result(source, g, unconnected):
        if g is None:
            return _wrap(np.zeros_like(source._value)) if unconnected == "zero" else None
        if isinstance(g, Tensor):
            return g
        dtype = source._value.dtype
        if g.dtype != dtype:
            g = g.astype(dtype)
        return _wrap(g)


def _owned_buffer(prev, x, g, owned):
    """An array of ``x``'s shape holding ``prev`` (or zeros) that this backward pass may write into."""
    if prev is not None and id(prev) in owned:
        return prev
    dtype = np.result_type(g.dtype, x.dtype) if prev is None else np.result_type(prev, g)
    buf = np.zeros(x.shape, dtype) if prev is None else np.array(prev, dtype=dtype)
    owned.add(id(buf))
    return buf


def _accumulate(pending, key, g):
    prev = pending.get(key)
    pending[key] = g if prev is None else prev + g


from deltagrad import ops as _ops  # noqa: E402
