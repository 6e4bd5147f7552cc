"""Function transforms built on the tape.

Reverse mode: :func:`grad`, :func:`value_and_grad` (``argnums``, ``has_aux``),
:func:`elementwise_grad`, :func:`vjp`, :func:`jacobian`, :func:`hessian` and :func:`hvp`
(Hessian-vector products without forming the Hessian); :func:`jvp` (Jacobian-vector products);
:func:`custom_gradient` (a function with a derivative of your own); :func:`checkpoint` (recompute
a function's intermediates in the backward pass instead of keeping them); :func:`vmap` (map a
function over an axis, as a loop).

**Trees.** The arguments being differentiated may be trees (nested lists, tuples and dicts of
arrays, numbers or Tensors; see :mod:`deltagrad.tree`); their gradients have the same structure.

**What comes back.** When a transformed function is called with plain values only (NumPy arrays,
numbers, trees of them: no Tensor among its arguments) and no tape is recording (and no
:func:`deltagrad.function` is tracing), :func:`grad`, :func:`value_and_grad`,
:func:`elementwise_grad`, :func:`vjp`, :func:`jacobian`, :func:`hessian` and :func:`vmap` return
plain NumPy values, as autograd does: ndarrays, and NumPy scalars (``np.float64``, …) for 0-d
results, never a view that aliases the engine's buffers. So ``W -= dg.grad(loss)(W)`` and
``scipy.optimize.minimize(f, x0, jac=dg.grad(f))`` work. Called with a Tensor among the
arguments, or while a tape records (inside another transform: ``dg.grad(dg.grad(f))``), they
return Tensors, recorded, so that transforms nest and give higher derivatives. :func:`hvp`,
:func:`jvp`, :func:`custom_gradient` and :func:`checkpoint` always return Tensors.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deltagrad import _recording
from deltagrad import api as _api
from deltagrad import ops as _ops
from deltagrad import tree as _tree
from deltagrad.ops.core import value_of
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, Variable, _checked_array, _wrap, constant

# --- shared helpers -----------------------------------------------------------------------------


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


def _has_tensor(x: Any) -> bool:
    """Whether a Tensor is anywhere in ``x`` (looking inside lists, tuples and dicts)."""
    if isinstance(x, Tensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_tensor(c) for c in x)
    if isinstance(x, dict):
        return any(_has_tensor(c) for c in x.values())
    return False


def _plain_call(args: Any, kwargs: Any) -> bool:
    """Whether a transform gives plain NumPy results: no Tensor among the arguments, no tape
    recording and no dg.function tracing (see the module documentation)."""
    return not _recording.ACTIVE and not _recording.TRACING and not _has_tensor((args, kwargs))


def _to_plain(x: Any) -> Any:
    """A Tensor's value as a NumPy scalar (0-d) or an ndarray the caller may keep and write to;
    anything else as it is."""
    if not isinstance(x, Tensor):
        return x
    v = x._value
    if isinstance(v, np.generic):
        return v
    if v.ndim == 0:
        return v[()]
    if not (v.flags.owndata and v.flags.writeable):  # e.g. the read-only broadcast seed
        return v.copy()
    return v


def _plain_tree(x: Any) -> Any:
    """``x`` with every Tensor inside lists, tuples and dicts made plain (:func:`_to_plain`);
    the containers are rebuilt as they are (no key sorting: ``aux`` may hold any dict)."""
    if isinstance(x, Tensor):
        return _to_plain(x)
    if isinstance(x, list):
        return [_plain_tree(c) for c in x]
    if isinstance(x, tuple):
        items = [_plain_tree(c) for c in x]
        return type(x)(*items) if hasattr(type(x), "_fields") else tuple(items)
    if isinstance(x, dict):
        pairs = [(k, _plain_tree(v)) for k, v in x.items()]
        return OrderedDict(pairs) if isinstance(x, OrderedDict) else dict(pairs)
    return x


def _where(position: int, treedef: _tree.TreeDef, k: int) -> str:
    """Leaf ``k`` of argument ``position`` for a message: ``argument 0['w'][1]``."""
    return f"argument {position}" + _tree._leaf_paths(treedef)[k]


def _watch_tree(arg: Any, position: int, what: str) -> tuple[Any, list[Tensor], _tree.TreeDef]:
    """``arg`` with each leaf replaced by a fresh tensor of its own (a recorded identity, so that
    outer tapes see it and transforms nest), the new leaves, and the structure.

    A fresh identity per leaf makes the same tensor passed in two places give each place's
    partial derivative.
    """
    leaves, treedef = _tree.flatten(arg)
    watched: list[Tensor] = []
    for k, leaf in enumerate(leaves):
        try:
            a = leaf if isinstance(leaf, Tensor) else constant(leaf)
        except TypeError as err:
            raise TypeError(
                f"{what}: {_where(position, treedef, k)} is not numeric: {err}"
            ) from None
        if a._value.dtype.kind != "f":
            raise TypeError(
                f"{what}: {_where(position, treedef, k)} has dtype {a._value.dtype}; gradients "
                "need floating-point values (e.g. 3.0 rather than 3)"
            )
        watched.append(_ops.identity.bind(a))
    return treedef.unflatten(watched), watched, treedef


_Groups = list[tuple[list[Tensor], _tree.TreeDef]]


def _watched_args(
    args: Sequence[Any], nums: tuple[int, ...], what: str
) -> tuple[list[Any], list[Tensor], _Groups]:
    """The arguments with those at ``nums`` watched (see :func:`_watch_tree`), all the watched
    leaves in order, and each differentiated argument's (leaves, structure)."""
    if max(nums) >= len(args):
        raise TypeError(
            f"{what}: argnums={nums if len(nums) > 1 else nums[0]} but the function "
            f"was called with {len(args)} positional arguments"
        )
    watched = list(args)
    groups: _Groups = []
    for i in nums:
        watched[i], leaves, treedef = _watch_tree(args[i], i, what)
        groups.append((leaves, treedef))
    return watched, [t for leaves, _ in groups for t in leaves], groups


def _regroup(flat: Sequence[Any], groups: _Groups) -> list[Any]:
    """Split a flat list of per-leaf results back into one tree per differentiated argument."""
    out: list[Any] = []
    start = 0
    for leaves, treedef in groups:
        out.append(treedef.unflatten(list(flat[start : start + len(leaves)])))
        start += len(leaves)
    return out


def _split_aux(result: Any, has_aux: bool, what: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(
            f"{what}: with has_aux=True the function must return a pair "
            f"(output, auxiliary data), got {type(result).__name__}"
        )
    return result[0], result[1]


def _tensor_leaves(out: Any, what: str) -> tuple[list[Tensor], _tree.TreeDef]:
    leaves, treedef = _tree.flatten(out)
    for o in leaves:
        if not isinstance(o, Tensor):
            raise TypeError(
                f"{what}: the function must return a Tensor (or a tuple, list or dict of "
                f"them), got {type(o).__name__}"
            )
    return leaves, treedef


# --- reverse mode -------------------------------------------------------------------------------


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """Return a function computing ``f(*args)`` and its gradient with respect to ``args[argnums]``.

    Non-scalar outputs are summed (the gradient of ``sum(f)``). Arguments may be Tensors,
    array-likes (converted with :func:`~deltagrad.constant`) or trees of them (lists, tuples,
    dicts: see :mod:`deltagrad.tree`); each gradient has the structure of its argument.
    Gradients with respect to arguments the output does not depend on are zeros. Each
    differentiated position (and each leaf of a tree) gets its own identity, so the same tensor
    passed twice gives one partial derivative per position. Nesting (``grad(grad(f))``) gives
    higher derivatives.

    Plain in, plain out: called with no Tensor among the arguments and no tape recording, the
    value, the gradients and the Tensors in ``aux`` come back as NumPy arrays (NumPy scalars
    for 0-d ones); otherwise as Tensors, recorded on the outer tapes (see the module
    documentation).

    Args:
        f: The function. It returns a Tensor (with ``has_aux``: a pair ``(Tensor, aux)``).
        argnums: Which positional argument to differentiate (an int), or several (a tuple of
            ints: the gradient is then a tuple, one entry per position, in that order).
        has_aux: ``f`` returns ``(output, aux)``; ``aux`` is passed through, not
            differentiated.

    Returns:
        A function of ``f``'s arguments returning ``(value, gradients)``, or
        ``((value, aux), gradients)`` with ``has_aux``.

    Raises:
        TypeError: ``argnums`` is not a non-negative int or tuple of them, or names a position
            the call does not have; a differentiated argument (or leaf) is not a floating-point
            number or array; ``f`` does not return a Tensor (or, with ``has_aux``, a pair).

    >>> value, g = dg.value_and_grad(lambda w: dg.sum(w * w))(np.array([1.0, 2.0]))
    >>> value, g
    (np.float64(5.0), array([2., 4.]))
    """
    single, nums = _argnums(argnums, "value_and_grad")

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        plain = _plain_call(args, kwargs)
        watched, sources, groups = _watched_args(args, nums, "value_and_grad")
        with GradientTape() as tape:
            tape.watch(sources)
            result = f(*watched, **kwargs)
        value, aux = _split_aux(result, has_aux, "value_and_grad")
        if not isinstance(value, Tensor):
            raise TypeError(
                f"value_and_grad: the function must return a Tensor, got {type(value).__name__}"
            )
        flat = tape.gradient(value, sources, unconnected_gradients="zero") if sources else []
        per_arg = _regroup(flat, groups)
        grads = per_arg[0] if single else tuple(per_arg)
        if plain:
            value, aux, grads = _to_plain(value), _plain_tree(aux), _plain_tree(grads)
        return ((value, aux) if has_aux else value), grads

    return wrapper


def grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the gradient of ``f`` (see :func:`value_and_grad`).

    Args:
        f: The function; it returns a Tensor (summed if it is not a scalar).
        argnums: The position to differentiate (an int), or a tuple of them (a tuple of
            gradients).
        has_aux: ``f`` returns ``(output, aux)``.

    Returns:
        A function of ``f``'s arguments returning the gradients (structured like the arguments
        they belong to), or ``(gradients, aux)`` with ``has_aux``. NumPy values when called with
        plain values outside any tape, Tensors otherwise (see the module documentation).

    Raises:
        TypeError: As :func:`value_and_grad`.

    >>> dg.grad(lambda p: dg.sum(p["w"] ** 2) + p["b"])({"w": np.array([1.0, 3.0]), "b": 0.5})
    {'w': array([2., 6.]), 'b': np.float64(1.0)}
    """
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value, grads = vg(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def elementwise_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function computing the gradient of ``sum(f(*args))``: one pass, any output shape.

    This is the vector-Jacobian product with a vector of ones, i.e. the sum of each column of
    the Jacobian. **Only when** ``f`` **acts elementwise** (each output entry depends on the
    matching input entry alone: ``dg.tanh``, ``x ** 3``, …) is that the elementwise derivative
    ``f'(x)`` at every entry; for a function that mixes entries (``dg.softmax``, a matrix
    product) it is not. As autograd's ``elementwise_grad``; the same as :func:`grad`, which
    sums non-scalar outputs too, under the name that says what it is for.

    Args:
        f: The function (returning a Tensor of any shape).
        argnums: The position(s) to differentiate, as for :func:`grad`.

    Returns:
        A function of ``f``'s arguments returning the gradient(s) of ``sum(f)``, plain or
        Tensors as :func:`grad` returns them.

    >>> dg.elementwise_grad(dg.tanh)(np.zeros(3))
    array([1., 1., 1.])
    """
    return grad(f, argnums)


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """Evaluate ``f(*primals)`` and return a function for its vector-Jacobian products (JAX's form).

    ``f`` is run once, recorded on a persistent tape; ``vjp_fn(cotangent)`` then walks that
    record backwards (as often as it is called) and returns ``cotangent · ∂f/∂primals``.

    Args:
        f: The function. It returns a Tensor, or a tuple, list or dict of Tensors (with
            ``has_aux``: a pair ``(that output, aux)``).
        *primals: The point: one value per positional argument of ``f`` (arrays, numbers,
            Tensors or trees of them; each must be floating-point).
        has_aux: ``f`` returns ``(output, aux)``; ``aux`` is returned as a third item.

    Returns:
        ``(value, vjp_fn)``, or ``(value, vjp_fn, aux)`` with ``has_aux``. ``vjp_fn(cotangent)``
        takes a cotangent of the output's structure (one array-like per output Tensor, of its
        shape) and returns a tuple with one cotangent per primal, each of that primal's tree
        structure. Plain NumPy values when ``vjp`` is called with plain primals outside any
        tape and ``vjp_fn`` with a plain cotangent outside any tape; Tensors otherwise.

    Raises:
        TypeError: A primal is not floating-point; ``f`` does not return Tensors; a cotangent
            does not match the output's structure.
        ValueError: A cotangent has another shape than its output.

    >>> y, vjp_fn = dg.vjp(lambda x: x * x, np.array([1.0, 2.0]))
    >>> vjp_fn(np.array([1.0, 10.0]))
    (array([ 2., 40.]),)
    """
    plain = _plain_call(primals, {})
    nums = tuple(range(len(primals)))
    watched, sources, groups = _watched_args(primals, nums, "vjp") if primals else ([], [], [])
    with GradientTape(persistent=True) as tape:
        tape.watch(sources)
        result = f(*watched)
    out, aux = _split_aux(result, has_aux, "vjp")
    outs, out_def = _tensor_leaves(out, "vjp")

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        """The cotangent of each primal for ``cotangent`` on the output (see :func:`vjp`)."""
        cots = _matching(
            cotangent, outs, out_def, "vjp's vjp_fn: cotangent", "the output", keep_tensors=True
        )
        flat = (
            tape.gradient(outs, sources, output_gradients=cots, unconnected_gradients="zero")
            if sources and outs
            else [_wrap(np.zeros_like(s._value)) for s in sources]
        )
        grads = tuple(_regroup(flat, groups))
        return _plain_tree(grads) if plain and _plain_call(cotangent, {}) else grads

    value = _plain_tree(out) if plain else out
    return (value, vjp_fn, _plain_tree(aux) if plain else aux) if has_aux else (value, vjp_fn)


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function computing the Jacobian of ``f`` at its arguments (reverse mode).

    For an output of shape ``out`` and an argument of shape ``in`` the Jacobian has shape
    ``out + in``: ``J[i…, j…] = d f(x)[i…] / d x[j…]``. One backward pass per output element.

    Structures nest as in JAX: an output that is a tuple, list or dict of Tensors gives that
    structure, holding at each output the Jacobian(s) with respect to the arguments; a tuple
    ``argnums`` gives a tuple there (one entry per argument); an argument that is a tree gives
    a tree of its structure, one Jacobian per leaf.

    Args:
        f: The function (returning a Tensor, or a tree of Tensors).
        argnums: The position(s) to differentiate, as for :func:`grad`.

    Returns:
        A function of ``f``'s arguments returning the Jacobian(s): NumPy arrays when called with
        plain values outside any tape, Tensors otherwise (see the module documentation).

    Raises:
        TypeError: As :func:`value_and_grad`.

    >>> dg.jacobian(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    single, nums = _argnums(argnums, "jacobian")

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        plain = _plain_call(args, kwargs)
        watched, sources, groups = _watched_args(args, nums, "jacobian")
        with GradientTape(persistent=True) as tape:
            tape.watch(sources)
            out = f(*watched, **kwargs)
        outs, out_def = _tensor_leaves(out, "jacobian")
        result: list[Any] = []
        for o in outs:
            jac = tape.jacobian(o, sources, unconnected_gradients="zero") if sources else []
            per_arg = _regroup(jac, groups)
            result.append(per_arg[0] if single else tuple(per_arg))
        jacobians = out_def.unflatten(result)
        return _plain_tree(jacobians) if plain else jacobians

    return wrapper


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function computing the Hessian of scalar ``f``: shape ``in + in``.

    The Jacobian of the gradient (reverse over reverse). With a tuple ``argnums`` the result is
    a tuple of tuples: ``H[i][j] = d² f / d args[i] d args[j]``. For an argument that is a tree
    the result nests twice in its structure: ``H[a][b]`` for leaves ``a`` and ``b`` (e.g.
    ``H["w"]["b"]`` of shape ``w.shape + b.shape`` for a dict of parameters).

    Args:
        f: The function (returning a scalar Tensor; a non-scalar one is summed).
        argnums: The position(s) to differentiate, as for :func:`grad`.

    Returns:
        A function of ``f``'s arguments returning the Hessian: NumPy arrays when called with
        plain values outside any tape, Tensors otherwise.

    Raises:
        TypeError: As :func:`value_and_grad`.
    """
    return jacobian(grad(f, argnums), argnums)


# --- products with a vector ---------------------------------------------------------------------


def _matching(
    given: Any,
    like: list[Tensor],
    treedef: _tree.TreeDef,
    what: str,
    where: str,
    keep_tensors: bool = False,
) -> list[Any]:
    """The leaves of ``given`` (tangents or cotangents) matched to the Tensors ``like`` of
    structure ``treedef``: one array-like of each one's shape, cast to its dtype.

    A structure that is one leaf takes ``given`` whole (a list of numbers is one array-like
    there). With ``keep_tensors`` a Tensor stays a Tensor (so that an outer tape can follow it).
    """
    if treedef == _tree._LEAF_DEF:
        leaves = [given]
    else:
        leaves, given_def = _tree.flatten(given)
        if given_def != treedef:
            raise TypeError(f"{what} for {where} has structure {given_def!r}, expected {treedef!r}")
    out: list[Any] = []
    for v, x in zip(leaves, like):
        if isinstance(v, Tensor) and keep_tensors:
            t = v
        else:
            t = _wrap(_checked_array(v, x._value.dtype, what=what))
        if t.shape != x.shape:
            raise ValueError(f"{what} of shape {t.shape} for {where} of shape {x.shape}")
        out.append(t)
    return out


def _pairs(
    primals: Sequence[Any], tangents: Sequence[Any], what: str
) -> tuple[list[Any], list[Tensor], list[Tensor], _Groups]:
    """The primals watched (trees of fresh tensors), their leaves, the tangents' leaves matched
    to them, and each primal's (leaves, structure)."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            f"{what}: primals and tangents must be tuples (one entry per argument of "
            f"the function), e.g. {what}(f, (x,), (v,))"
        )
    if len(primals) != len(tangents):
        raise ValueError(f"{what}: {len(primals)} primals but {len(tangents)} tangents")
    if not primals:
        return [], [], [], []
    xs, leaves, groups = _watched_args(primals, tuple(range(len(primals))), what)
    vs: list[Tensor] = []
    for i, (v, (group, treedef)) in enumerate(zip(tangents, groups)):
        vs += _matching(v, group, treedef, f"{what}: tangent", f"argument {i}")
    return xs, leaves, vs, groups


def _inner(gs: Sequence[Any], vs: Sequence[Any]) -> Tensor | None:
    """Σ_i ⟨gs[i], vs[i]⟩ as a recorded scalar (None when there are no pairs)."""
    dot: Tensor | None = None
    for g, v in zip(gs, vs):
        term = (g * v).sum()
        dot = term if dot is None else dot + term
    return dot


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Hessian-vector products of scalar ``f`` without forming the Hessian.

    Computed from two reverse passes: the gradient recorded on an outer tape, then the gradient
    of ⟨∇f, v⟩. Costs a few evaluations of ``f`` whatever the number of parameters.

    Args:
        f: The function; it returns a Tensor with one element (shape ``()``, ``(1,)``,
            ``(1, 1)``, …).
        primals: A tuple with one entry per argument of ``f`` (arrays, numbers, Tensors or trees
            of them).
        tangents: A tuple of the same length: each entry of its primal's structure and shapes.

    Returns:
        A tuple with ``Σ_j H[i][j] · tangents[j]`` for each argument ``i``, each of its primal's
        structure (the entry itself when ``f`` takes one argument). Tensors.

    Raises:
        TypeError: ``primals``/``tangents`` are not tuples, a tangent's structure differs from
            its primal's, or ``f`` does not return a Tensor with one element.
        ValueError: Their lengths differ, or a tangent's shape differs from its primal's.
    """
    xs, leaves, vs, groups = _pairs(primals, tangents, "hvp")
    with GradientTape() as outer:
        outer.watch(leaves)
        with GradientTape() as inner:
            inner.watch(leaves)
            y = f(*xs)
        if not isinstance(y, Tensor) or y.size != 1:
            got = f"shape {y.shape}" if isinstance(y, Tensor) else type(y).__name__
            raise TypeError(f"hvp: the function must return a Tensor with one element, got {got}")
        gs = inner.gradient(y, leaves, unconnected_gradients="zero")
        dot = _inner(gs, vs)
    if dot is None:
        return ()
    hv = _regroup(outer.gradient(dot, leaves, unconnected_gradients="zero"), groups)
    return tuple(hv) if len(hv) > 1 else hv[0]


def jvp(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Tensor, Tensor]:
    """Jacobian-vector product: ``(f(*primals), J · tangents)``, exact.

    The product is computed without forming J, by transposing a reverse pass (the gradient of
    the linear map u ↦ Jᵀu, recorded on a second tape): exact to round-off like the
    reverse-mode Jacobian, at a cost of about three evaluations of ``f``.

    Args:
        f: The function; it returns one Tensor.
        primals: A tuple with one entry per argument of ``f`` (arrays, numbers, Tensors or trees
            of them).
        tangents: A tuple of the same length: each entry of its primal's structure and shapes.

    Returns:
        ``(value, tangent_out)``, two Tensors of the output's shape.

    Raises:
        TypeError: As :func:`hvp`; ``f`` does not return a Tensor.
        ValueError: As :func:`hvp`.
    """
    xs, leaves, vs, _ = _pairs(primals, tangents, "jvp")
    with GradientTape() as inner:
        inner.watch(leaves)
        y = f(*xs)
    if not isinstance(y, Tensor):
        raise TypeError(f"jvp: the function must return a Tensor, got {type(y).__name__}")
    if y._value.dtype.kind != "f" or not leaves:
        return y, _wrap(np.zeros_like(y._value))
    u = _wrap(np.zeros(y.shape, y._value.dtype))  # any value: Jᵀu is linear in u
    with GradientTape() as outer:
        outer.watch(u)
        jtu = inner.gradient(y, leaves, output_gradients=u, unconnected_gradients="zero")
        dot = _inner(jtu, vs)
    tangent_out = outer.gradient(dot, u, unconnected_gradients="zero") if dot is not None else None
    return y, tangent_out if tangent_out is not None else _wrap(np.zeros_like(y._value))


# --- functions with a derivative of their own ---------------------------------------------------


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

    Args:
        f: The function returning ``(y, grad_fn)``.

    Returns:
        The decorated function: it returns ``y`` as a Tensor, recorded as one op.

    Raises:
        TypeError: ``f`` does not return ``(output, grad_fn)``.
        ValueError: ``grad_fn`` returns another number of gradients than there are Tensor
            arguments.
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


class _Discard(list[Any]):
    """A list that keeps nothing appended to it: the record of :class:`_VariableProbe`."""

    def append(self, item: Any) -> None:
        pass


class _VariableProbe(GradientTape):
    """A tape that only notes which trainable Variables are read: it keeps no record, so the
    intermediate results it sees are freed as usual."""

    def __init__(self) -> None:
        super().__init__(watch_accessed_variables=True)
        self._entries = _Discard()


def _run_unrecorded(f: Callable[..., Any], args: Any, kwargs: Any) -> tuple[Any, list[Variable]]:
    """``f(*args, **kwargs)`` with no tape recording it, and the trainable Variables it read."""
    saved = list(_recording.ACTIVE)
    _recording.ACTIVE.clear()
    probe = _VariableProbe()
    try:
        with probe:
            y = f(*args, **kwargs)
    finally:
        _recording.ACTIVE[:] = saved
    return y, probe.watched_variables()


def checkpoint(f: Callable[..., Any]) -> Callable[..., Tensor]:
    """Gradient checkpointing: ``f``'s intermediate results are recomputed, not kept.

    As TensorFlow's ``tf.recompute_grad``, ``jax.checkpoint`` and autograd's ``checkpoint``: the
    forward pass runs ``f`` without recording it, so the tape holds one op for the whole call
    (its inputs and its output) instead of every intermediate result; the backward pass runs
    ``f`` again on the same inputs under a tape of its own and takes the gradient there. The
    gradients are those of ``f`` itself; the price is one more forward evaluation of ``f`` per
    backward pass. Second and higher derivatives work (the recomputation is recorded by the
    outer tapes, as any backward pass is).

    The op's inputs are every Tensor among the arguments (looking inside lists, tuples and dicts,
    keyword arguments included) and every trainable Variable ``f`` reads (found while the forward
    pass runs, by a tape that keeps no record), so a layer that reads its weights gets their
    gradients. ``f`` must be a pure function of those: the recomputation reads the Variables'
    values at the time of the backward pass, so don't assign to them in between.

    With no tape recording, the wrapped function is ``f`` itself (nothing would be kept), and
    inside a :func:`deltagrad.function` trace too (a trace writes down the whole step).

    Args:
        f: The function; it returns one Tensor (or one array or number).

    Returns:
        The checkpointed function, with ``f``'s signature; it returns a Tensor.

    Raises:
        TypeError: ``f`` returns something other than one Tensor, array or number.

    >>> block = dg.checkpoint(lambda x: dg.tanh(dg.tanh(x) * 2.0) ** 2)
    >>> dg.grad(lambda x: dg.sum(block(x)))(np.array([0.5]))  # the same as without checkpoint
    array([1.07659636])
    """
    name = getattr(f, "__name__", type(f).__name__)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Tensor:
        if not _recording.ACTIVE or _recording.TRACING:
            return _as_output(f(*args, **kwargs), name)
        leaves, treedef = _tree.flatten((list(args), kwargs))
        y, variables = _run_unrecorded(f, args, kwargs)
        y = _as_output(y, name)
        positions = [k for k, leaf in enumerate(leaves) if isinstance(leaf, Tensor)]
        seen = {id(leaves[k]) for k in positions}
        extra = [v for v in variables if id(v) not in seen]
        inputs = tuple(leaves[k] for k in positions) + tuple(extra)
        if not inputs:
            return y
        y_value = y._value
        prim = _ops.Primitive(f"checkpoint({name})", lambda *vals: y_value)
        cache: dict[int, tuple[Any, list[Any]]] = {}

        def recompute(g: Any, vals: Sequence[Any]) -> list[Any]:
            """The gradients of ⟨g, f⟩ with respect to each input, f run again under a tape."""
            higher = isinstance(g, Tensor)  # an outer tape records this pass
            fresh = list(vals[: len(positions)]) if higher else [_wrap(v) for v in vals]
            new_leaves = list(leaves)
            for k, t in zip(positions, fresh):
                new_leaves[k] = t
            new_args, new_kwargs = treedef.unflatten(new_leaves)
            sources = fresh[: len(positions)] + extra
            floats = [s for s in sources if s._value.dtype.kind == "f"]
            with GradientTape() as tape:
                tape.watch(floats)
                y2 = _as_output(f(*new_args, **new_kwargs), name)
            found = tape.gradient(y2, floats, output_gradients=g, unconnected_gradients="zero")
            by_id = {id(s): gi for s, gi in zip(floats, found)}
            grads = [by_id.get(id(s)) for s in sources]
            return grads if higher else [None if gi is None else gi._value for gi in grads]

        def rule(i: int, g: Any, out: Any, *vals: Any) -> Any:
            key = id(g)
            if key not in cache:
                cache.clear()
                cache[key] = (g, recompute(g, vals))  # g kept alive so its id is not reused
            return cache[key][1][i]

        prim.defvjp_argnum(rule)
        return prim.apply(inputs, [t._value for t in inputs], {}, checked=True)

    return wrapper


def _as_output(y: Any, name: str) -> Tensor:
    if isinstance(y, Tensor):
        return y
    if isinstance(y, (list, tuple, dict)) or y is None:
        raise TypeError(
            f"checkpoint: {name} must return one Tensor, got {type(y).__name__} (checkpoint "
            "each output's computation separately, or stack the outputs into one Tensor)"
        )
    return constant(y)


# --- mapping over an axis -----------------------------------------------------------------------


def _axes(in_axes: Any, n: int) -> list[int | None]:
    def ok(a: Any) -> bool:
        return a is None or (isinstance(a, (int, np.integer)) and not isinstance(a, bool))

    if ok(in_axes):
        return [in_axes] * n
    if isinstance(in_axes, (tuple, list)) and all(ok(a) for a in in_axes):
        if len(in_axes) != n:
            raise ValueError(
                f"vmap: in_axes has {len(in_axes)} entries but the function was called with "
                f"{n} positional arguments"
            )
        return list(in_axes)
    raise TypeError(
        f"vmap: in_axes must be an int, None, or a tuple of them (one per positional "
        f"argument), got {in_axes!r}"
    )


def _normal_axis(axis: int, ndim: int, what: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what}: axis {axis} is out of range for {ndim} dimensions")
    return axis % ndim


def _take(leaf: Any, axis: int, i: int) -> Any:
    """Entry ``i`` of ``leaf`` along ``axis`` (a recorded op on a Tensor)."""
    axis = axis % len(_tree._shape(leaf))  # checked to be in range by the caller
    key = (slice(None),) * axis + (i,)
    return leaf[key] if isinstance(leaf, Tensor) else value_of(leaf)[key]


def vmap(f: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0) -> Callable[..., Any]:
    """Map ``f`` over an axis of its arguments and stack the results: **a Python loop**.

    ``vmap(f)(xs)`` is ``stack([f(xs[0]), f(xs[1]), …])``: ``f`` is called once per index of
    the mapped axis, on slices, and the results are stacked. This gives JAX's ``vmap`` results
    (and gradients through it: slicing and stacking are recorded ops) but not its speed: nothing
    is vectorised, so write ``f`` for a batch when speed matters.

    Args:
        f: The function of one example.
        in_axes: Which axis of each positional argument is mapped: an int (the same for every
            argument), ``None`` (not mapped: passed whole to every call), or a tuple with one int
            or ``None`` per positional argument. An argument that is a tree is mapped along that
            axis in every leaf. Keyword arguments are passed whole.
        out_axes: Where the mapped axis goes in the results: an int for every output leaf, or a
            tuple with one int per element when ``f`` returns a tuple.

    Returns:
        The mapped function. Its results have ``f``'s structure with the mapped axis inserted
        at ``out_axes`` in every leaf: NumPy arrays when called with plain values outside any
        tape, Tensors otherwise (see the module documentation).

    Raises:
        TypeError: ``in_axes`` or ``out_axes`` is not of a form above.
        ValueError: No argument is mapped, the mapped axes differ in length or have length 0
            (a loop cannot tell the results' shapes), an axis is out of range, or the calls of
            ``f`` return different structures.

    >>> dg.vmap(lambda row: dg.sum(row * row))(np.arange(6.0).reshape(3, 2))
    array([ 1., 13., 41.])
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        plain = _plain_call(args, kwargs)
        axes = _axes(in_axes, len(args))
        sizes: set[int] = set()
        for i, (arg, ax) in enumerate(zip(args, axes)):
            if ax is not None:
                for shape in (_tree._shape(leaf) for leaf in _tree.flatten(arg)[0]):
                    axis = _normal_axis(ax, len(shape), f"vmap: in_axes of argument {i}")
                    sizes.add(shape[axis])
        if not sizes:
            raise ValueError("vmap: no argument is mapped (in_axes is None for every argument)")
        if len(sizes) > 1:
            raise ValueError(f"vmap: the mapped axes have different lengths {sorted(sizes)}")
        n = sizes.pop()
        if n == 0:
            raise ValueError("vmap: the mapped axis has length 0; a loop cannot tell the shape")
        results = []
        for j in range(n):
            call = [
                arg if ax is None else _tree.map(functools.partial(_take, axis=ax, i=j), arg)
                for arg, ax in zip(args, axes)
            ]
            results.append(f(*call, **kwargs))
        return _stack_results(results, out_axes, plain)

    return wrapper


def _stack_results(results: list[Any], out_axes: Any, plain: bool) -> Any:
    flat = [_tree.flatten(r) for r in results]
    treedef = flat[0][1]
    for _, other in flat[1:]:
        if other != treedef:
            raise ValueError(
                f"vmap: the calls of the function returned different structures: {treedef!r} "
                f"and {other!r}"
            )
    axes = _out_axes(out_axes, results[0], treedef)
    stacked: list[Any] = []
    for k, axis in enumerate(axes):
        column = [leaves[k] for leaves, _ in flat]
        ndim = len(_tree._shape(column[0])) + 1
        ax = _normal_axis(axis, ndim, "vmap: out_axes")
        if plain:
            stacked.append(np.stack([value_of(c) for c in column], axis=ax))
        else:
            stacked.append(_api.stack(column, axis=ax))
    return treedef.unflatten(stacked)


def _out_axes(out_axes: Any, example: Any, treedef: _tree.TreeDef) -> list[int]:
    def ok(a: Any) -> bool:
        return isinstance(a, (int, np.integer)) and not isinstance(a, bool)

    if ok(out_axes):
        return [int(out_axes)] * treedef.num_leaves
    if isinstance(out_axes, (tuple, list)) and all(ok(a) for a in out_axes):
        if not isinstance(example, (tuple, list)) or len(example) != len(out_axes):
            raise ValueError(
                f"vmap: out_axes {out_axes!r} has one entry per output, but the function "
                f"returned {type(example).__name__}"
                + (f" of length {len(example)}" if isinstance(example, (tuple, list)) else "")
            )
        axes: list[int] = []
        for part, a in zip(example, out_axes):
            axes += [int(a)] * _tree.flatten(part)[1].num_leaves
        return axes
    raise TypeError(
        f"vmap: out_axes must be an int or a tuple of ints (one per output), got {out_axes!r}"
    )
