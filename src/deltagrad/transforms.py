"""Function transforms built on the tape.

``grad``, ``value_and_grad`` (reverse mode, ``argnums``, ``has_aux``), ``jacobian``,
``hessian``, ``hvp`` (Hessian-vector products without forming the Hessian), ``jvp``
(Jacobian-vector products) and ``custom_gradient`` (a function with a derivative of your own).
All of them nest: a transform applied inside another one's computation is recorded by it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deltagrad import _recording
from deltagrad import ops as _ops
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, _checked_array, _wrap, constant


def _argnums(argnums: Any, what: str) -> tuple[bool, tuple[int, ...]]:
    single = isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)
    nums = (
        (int(argnums),)
        if single
        else tuple(argnums)
        if isinstance(argnums, (tuple, list))
        else None
    )
    if not nums or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in nums
    ):
        raise TypeError(
            f"{what}: argnums must be a non-negative int or a non-empty tuple of them, "
            f"got {argnums!r}"
        )
    return single, nums


def _watched_args(args: Sequence[Any], nums: tuple[int, ...], what: str) -> list[Any]:
    """The arguments with each differentiated one replaced by a fresh tensor of its own.

    A fresh identity per position (recorded on any outer tape, so transforms nest) makes the
    same tensor passed in two positions give each position's partial derivative.
    """
    if max(nums) >= len(args):
        raise TypeError(
            f"{what}: argnums={nums if len(nums) > 1 else nums[0]} but the function "
            f"was called with {len(args)} positional arguments"
        )
    watched = list(args)
    for i in nums:
        a = watched[i] if isinstance(watched[i], Tensor) else constant(watched[i])
        if a._value.dtype.kind != "f":
            raise TypeError(
                f"{what}: argument {i} has dtype {a._value.dtype}; gradients need "
                "floating-point values (e.g. 3.0 rather than 3)"
            )
        watched[i] = _ops.identity.bind(a)
    return watched


def _split_aux(result: Any, has_aux: bool, what: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(
            f"{what}: with has_aux=True the function must return a pair "
            f"(output, auxiliary data), got {type(result).__name__}"
        )
    return result[0], result[1]


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """Return a function computing ``(f(*args), gradient of f's output w.r.t. args[argnums])``.

    ``argnums`` is an int (one gradient) or a tuple of ints (a tuple of gradients, one partial
    derivative per position, even when the same tensor is passed twice). Non-scalar outputs are
    summed. Arguments may be tensors or array-likes (converted with ``constant``); gradients with
    respect to arguments the output does not depend on are zeros. With ``has_aux=True``, ``f``
    returns ``(output, aux)`` and the result is ``((output, aux), gradients)``. Nesting
    (``grad(grad(f))``) gives higher derivatives.
    """
    single, nums = _argnums(argnums, "value_and_grad")

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        watched = _watched_args(args, nums, "value_and_grad")
        sources = [watched[i] for i in nums]
        with GradientTape() as tape:
            tape.watch(sources)
            result = f(*watched, **kwargs)
        value, aux = _split_aux(result, has_aux, "value_and_grad")
        if not isinstance(value, Tensor):
            raise TypeError(
                f"value_and_grad: the function must return a Tensor, got {type(value).__name__}"
            )
        grads = tape.gradient(value, sources, unconnected_gradients="zero")
        grads = grads[0] if single else tuple(grads)
        return ((value, aux) if has_aux else value), grads

    return wrapper


def grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the gradient of ``f`` (see :func:`value_and_grad`).

    With ``has_aux=True`` it returns ``(gradients, aux)``.
    """
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value, grads = vg(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function computing the Jacobian of ``f`` at its arguments (reverse mode).

    For an output of shape ``out`` and an argument of shape ``in`` the Jacobian has shape
    ``out + in``: ``J[i…, j…] = d f(x)[i…] / d x[j…]``. With a tuple ``argnums`` the result is a
    tuple, one Jacobian per argument; an output that is a tuple or list of tensors gives one
    entry per output. One backward pass per output element.
    """
    single, nums = _argnums(argnums, "jacobian")

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        watched = _watched_args(args, nums, "jacobian")
        sources = [watched[i] for i in nums]
        with GradientTape(persistent=True) as tape:
            tape.watch(sources)
            out = f(*watched, **kwargs)
        outputs = out if isinstance(out, (tuple, list)) else [out]
        for o in outputs:
            if not isinstance(o, Tensor):
                raise TypeError(
                    f"jacobian: the function must return a Tensor (or a tuple of "
                    f"them), got {type(o).__name__}"
                )
        result: list[Any] = []
        for o in outputs:
            jac = tape.jacobian(o, sources, unconnected_gradients="zero")
            result.append(jac[0] if single else tuple(jac))
        return type(out)(result) if isinstance(out, (tuple, list)) else result[0]

    return wrapper


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function computing the Hessian of scalar ``f``: shape ``in + in``.

    The Jacobian of the gradient (reverse over reverse). With a tuple ``argnums`` the result is
    a tuple of tuples: ``H[i][j] = d² f / d args[i] d args[j]``.
    """
    return jacobian(grad(f, argnums), argnums)


def _as_tangent(v: Any, like: Tensor, what: str) -> Tensor:
    arr = _checked_array(v._value if isinstance(v, Tensor) else v, like._value.dtype, what=what)
    if arr.shape != like.shape:
        raise ValueError(
            f"{what}: tangent of shape {arr.shape} for an argument of shape {like.shape}"
        )
    return _wrap(arr)


def _pairs(
    primals: Sequence[Any], tangents: Sequence[Any], what: str
) -> tuple[list[Tensor], list[Tensor]]:
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            f"{what}: primals and tangents must be tuples (one entry per argument of "
            f"the function), e.g. {what}(f, (x,), (v,))"
        )
    if len(primals) != len(tangents):
        raise ValueError(f"{what}: {len(primals)} primals but {len(tangents)} tangents")
    xs = [p if isinstance(p, Tensor) else constant(p) for p in primals]
    xs = _watched_args(xs, tuple(range(len(xs))), what) if xs else xs
    vs = [_as_tangent(v, x, what) for v, x in zip(tangents, xs)]
    return xs, vs


def _inner(gs: Sequence[Any], vs: Sequence[Any]) -> Tensor | None:
    """Σ_i ⟨gs[i], vs[i]⟩ as a recorded scalar (None when there are no pairs)."""
    dot: Tensor | None = None
    for g, v in zip(gs, vs):
        term = _ops.sum_p.bind(g * v, axis=None, keepdims=False)
        dot = term if dot is None else dot + term
    return dot


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Hessian-vector products of scalar ``f`` without forming the Hessian.

    ``primals`` and ``tangents`` are tuples with one entry per argument of ``f``. Returns a
    tuple with ``Σ_j H[i][j] · tangents[j]`` for each argument ``i`` (one entry when ``f`` takes
    one argument), from two reverse passes: the gradient recorded on an outer tape, then the
    gradient of ⟨∇f, v⟩. Costs a few evaluations of ``f`` whatever the number of parameters.
    """
    xs, vs = _pairs(primals, tangents, "hvp")
    with GradientTape() as outer:
        outer.watch(xs)
        with GradientTape() as inner:
            inner.watch(xs)
            y = f(*xs)
        if not isinstance(y, Tensor) or y.ndim != 0:
            raise TypeError("hvp: the function must return a scalar Tensor")
        gs = inner.gradient(y, xs, unconnected_gradients="zero")
        dot = _inner(gs, vs)
    hv = outer.gradient(dot, xs, unconnected_gradients="zero")
    return tuple(hv) if len(hv) > 1 else hv[0]


def jvp(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Tensor, Tensor]:
    """Jacobian-vector product: ``(f(*primals), J · tangents)``, exact.

    ``primals`` and ``tangents`` are tuples with one entry per argument of ``f`` (which returns
    one Tensor). The product is computed without forming J, by transposing a reverse pass (the
    gradient of the linear map u ↦ Jᵀu, recorded on a second tape): exact to round-off like the
    reverse-mode Jacobian, at a cost of about three evaluations of ``f``.
    """
    xs, vs = _pairs(primals, tangents, "jvp")
    with GradientTape() as inner:
        inner.watch(xs)
        y = f(*xs)
    if not isinstance(y, Tensor):
        raise TypeError(f"jvp: the function must return a Tensor, got {type(y).__name__}")
    if y._value.dtype.kind != "f":
        return y, _wrap(np.zeros_like(y._value))
    u = _wrap(np.zeros(y.shape, y._value.dtype))  # any value: Jᵀu is linear in u
    with GradientTape() as outer:
        outer.watch(u)
        jtu = inner.gradient(y, xs, output_gradients=u, unconnected_gradients="zero")
        dot = _inner(jtu, vs)
    tangent_out = outer.gradient(dot, u, unconnected_gradients="zero") if dot is not None else None
    return y, tangent_out if tangent_out is not None else _wrap(np.zeros_like(y._value))


def custom_gradient(f: Callable[..., Any]) -> Callable[..., Tensor]:
    """Decorator: give a function a derivative of your own, in TensorFlow's form.

    ``f(*args)`` returns ``(y, grad_fn)``: ``y`` one Tensor, and ``grad_fn(upstream)`` the
    gradient with respect to each Tensor argument (one value, or a list/tuple with one entry per
    Tensor argument in order; None for "no gradient"). The forward computation inside ``f`` is
    not recorded; the tape records one op whose derivative is ``grad_fn``. Written with
    deltagrad ops, ``grad_fn`` is itself recorded by an outer tape, so second derivatives work
    — they follow the inputs ``grad_fn`` reads, so compute what it needs from the arguments
    inside ``grad_fn`` rather than capturing intermediate results.

    >>> @dg.custom_gradient
    ... def log1pexp(x):
    ...     e = dg.exp(x)
    ...     return dg.log(1 + e), lambda g: g * dg.sigmoid(x)
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Tensor:
        saved = list(_recording.ACTIVE)
        _recording.ACTIVE.clear()  # the forward computation is not recorded
        try:
            result = f(*args, **kwargs)
        finally:
            _recording.ACTIVE[:] = saved
        if not (isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[1])):
            raise TypeError(
                f"custom_gradient: {f.__name__} must return (output, grad_fn), got "
                f"{type(result).__name__}"
            )
        y, grad_fn = result
        y = y if isinstance(y, Tensor) else constant(y)
        inputs = tuple(a for a in args if isinstance(a, Tensor))
        if not inputs or not _recording.ACTIVE:
            return _wrap(y._value)
        prim = _ops.Primitive(f"custom_gradient({f.__name__})", lambda *vals: y._value)
        cache: dict[int, tuple[Any, list[Any]]] = {}

        def rule(i: int, g: Any, out: Any, *vals: Any) -> Any:
            key = id(g)
            if key not in cache:
                cache.clear()
                grads = grad_fn(g)
                grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
                if len(grads) != len(inputs):
                    raise ValueError(
                        f"custom_gradient: {f.__name__}'s grad_fn returned "
                        f"{len(grads)} gradients for {len(inputs)} Tensor arguments"
                    )
                cache[key] = (g, grads)  # g kept alive so its id is not reused
            gi = cache[key][1][i]
            if gi is None:
                zeros = np.zeros_like(vals[i])
                return _wrap(zeros) if isinstance(g, Tensor) else zeros
            if isinstance(g, Tensor):
                return gi if isinstance(gi, Tensor) else _wrap(np.asarray(gi))
            return gi._value if isinstance(gi, Tensor) else np.asarray(gi)

        prim.defvjp_argnum(rule)
        return prim.apply(inputs, [t._value for t in inputs], {})

    return wrapper
