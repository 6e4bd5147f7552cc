"""GradientTape: records ops on watched tensors, then walks them backwards (reverse mode).

The tape stores one entry per recorded op, in execution order. ``gradient`` walks the entries
backwards, iteratively, keeping pending gradients in a dict keyed by tensor identity and popping
each one when the op that produced it is reached. When another tape is recording while
``gradient`` runs, the backward pass is itself made of recorded ops, so nested tapes give
second (and higher) derivatives.
"""
from __future__ import annotations

import numpy as np

from deltagrad.tensor import Tensor, Variable

# The tapes currently recording, innermost last. Not random state: just which `with` blocks are open.
_ACTIVE: list["GradientTape"] = []

_UNCONNECTED = ("none", "zero")


def record(prim, args, vals, out, params) -> None:
    """Append the op to every active tape on which one of ``args`` is watched."""
    for tape in _ACTIVE:
        watched = tape._watched
        hit = False
        for a in args:
            if id(a) in watched:
                hit = True
            elif (a.__class__ is Variable and tape._auto_watch and a.trainable
                  and a._value.dtype.kind == "f"):
                tape._watch_one(a)
                hit = True
        if hit:
            tape._entries.append((prim, args, vals, out, params))
            watched.add(id(out))


def _flatten(structure, what):
    """Flatten a Tensor / list / tuple / dict of Tensors; return (leaves, rebuild)."""
    if isinstance(structure, Tensor):
        return [structure], lambda leaves: leaves[0]
    if isinstance(structure, (list, tuple)):
        parts = [_flatten(s, what) for s in structure]
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
        flat, rb = _flatten([structure[k] for k in keys], what)
        return flat, lambda leaves: dict(zip(keys, rb(leaves)))
    raise TypeError(f"GradientTape.gradient: {what} must be Tensors or Variables (or lists, "
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
        leaves, _ = _flatten(tensor, "watched values")
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
        sources_flat, rebuild = _flatten(sources, "sources")
        for s in sources_flat:
            _check_float(s, "gradient")
        targets, _ = _flatten(target, "targets")
        seeds = self._seeds(targets, output_gradients)
        was_active = self in _ACTIVE
        self._stop()  # the backward pass is not recorded on the tape being differentiated
        try:
            found = self._backward(targets, seeds, {id(s) for s in sources_flat})
        finally:
            if was_active:
                _ACTIVE.append(self)
        grads = [self._result(s, found.get(id(s)), unconnected_gradients) for s in sources_flat]
        return rebuild(grads)

    def _seeds(self, targets, output_gradients):
        if output_gradients is None:
            return [np.ones_like(t._value) for t in targets]
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
                g = Tensor._wrap(g)
            elif not higher and isinstance(g, Tensor):
                g = g._value
            _accumulate(pending, id(t), g)
        found = {}
        watched = self._watched
        for prim, args, vals, out, params in reversed(self._entries):
            g = pending.pop(id(out), None)
            if g is None:
                continue
            if id(out) in source_ids:
                found[id(out)] = g
            for i, a in enumerate(args):
                if id(a) not in watched:
                    continue
                rule = prim.vjp(i)
                if higher:
                    gi = rule(g, out, *args, **params)
                else:
                    gi = rule(g, out._value, *vals, **params)
                _accumulate(pending, id(a), _ops.unbroadcast(gi, np.shape(vals[i])))
        for k in source_ids:
            if k not in found and k in pending:
                found[k] = pending[k]
        return found

    @staticmethod
    def _result(source, g, unconnected):
        if g is None:
            return Tensor._wrap(np.zeros_like(source._value)) if unconnected == "zero" else None
        if isinstance(g, Tensor):
            return g
        g = np.asarray(g)
        if g.dtype != source._value.dtype:
            g = g.astype(source._value.dtype)
        return Tensor._wrap(g)


def _accumulate(pending, key, g):
    prev = pending.get(key)
    pending[key] = g if prev is None else prev + g


from deltagrad import ops as _ops  # noqa: E402
