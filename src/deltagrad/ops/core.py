"""Primitives and the derivative-rule registry.

A :class:`Primitive` is a name, a NumPy forward function and one vector-Jacobian product (VJP)
rule per argument, registered with :meth:`Primitive.defvjp` right under the forward definition.

``prim.bind(*args, **params)`` is the one way ops run: given plain arrays it returns a plain
array; given any Tensor it returns a Tensor and records the op on the active tapes. Rules are
written with ``bind``-based ops and operators only, so the same rule runs on arrays (a first
derivative, fast) or on Tensors (recorded by an outer tape, giving higher derivatives).

A rule is called as ``rule(g, out, *args, **params)``: ``g`` the upstream gradient, ``out``
the op's result. It may return a gradient of the broadcast shape; :func:`unbroadcast` (the one
place broadcasting is undone) sums it back to the argument's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from deltagrad._recording import ACTIVE as _ACTIVE
from deltagrad._recording import TRACING as _TRACING
from deltagrad._recording import record as _record
from deltagrad.tensor import _SUPPORTED_KINDS, Tensor, _new, _wrap, as_tensor

if TYPE_CHECKING:
    from typing import TypeAlias

    from numpy.typing import ArrayLike, NDArray

    # A derivative rule: ``rule(g, out, *args, **params)`` (see the module doc).
    Rule: TypeAlias = Callable[..., Any]


class Primitive:
    """A named op: a NumPy forward function plus derivative rules, one per argument."""

    __slots__ = ("name", "fwd", "vjps", "_vjp_any", "vjp_into", "differentiable")

    def __init__(self, name: str, fwd: Callable[..., Any], differentiable: bool = True) -> None:
        self.name = name
        self.fwd = fwd
        self.differentiable = differentiable
        self.vjps: tuple[Rule | None, ...] = ()  # one rule per argument (None: not differentiable)
        self._vjp_any: Callable[..., Any] | None = None
        # Optional: vjp_into(buf, g, *args, fresh, **params) adds argument 0's gradient into
        # ``buf`` in place (``fresh``: buf is all zeros). Used for first derivatives of
        # index-like ops; ``vjps`` still serves higher derivatives.
        self.vjp_into: Callable[..., Any] | None = None

    def defvjp(self, *rules: Rule | None) -> None:
        """Register the VJP rule of each positional argument (None: not differentiable)."""
        self.vjps = rules

    def defvjp_argnum(self, rule: Callable[..., Any]) -> None:
        """Register one rule for all arguments: ``rule(argnum, g, out, *args, **params)``."""
        self._vjp_any = rule

    def vjp(self, argnum: int) -> Rule:
        """The VJP rule of argument ``argnum``; NotImplementedError naming the op and the argument
        when none is registered."""
        if self._vjp_any is not None:
            rule_any = self._vjp_any
            return lambda g, out, *args, **params: rule_any(argnum, g, out, *args, **params)
        rule = self.vjps[argnum] if argnum < len(self.vjps) else None
        if rule is None:
            raise NotImplementedError(f"{self.name}: no derivative rule for argument {argnum}")
        return rule

    @overload
    def bind(self, x: Tensor, /, *args: Any, **params: Any) -> Tensor: ...
    @overload
    def bind(self, *args: Any, **params: Any) -> Any: ...

    def bind(self, *args: Any, **params: Any) -> Any:
        """Run the op: arrays in give an array out; any Tensor in gives a recorded Tensor out."""
        for a in args:
            if isinstance(a, Tensor):
                return self.apply(
                    args, [b._value if isinstance(b, Tensor) else b for b in args], params
                )
        try:
            return self.fwd(*args, **params)
        except (ValueError, TypeError, IndexError) as err:
            raise self.error(args, params, err) from None

    def apply(
        self,
        args: Sequence[Any],
        vals: Sequence[Any],
        params: Mapping[str, Any],
        checked: bool = False,
    ) -> Tensor:
        """The one Tensor path (``vals`` are the values of ``args``): check the operands (unless
        ``checked``), run the forward, name the op in its errors, wrap the result and record it on
        the active tapes."""
        if not checked and len(args) > 1:  # a Tensor is real: only other operands are checked
            for a in args:
                if (
                    not isinstance(a, Tensor)
                    and a.__class__ is not float
                    and a.__class__ is not int
                    and a is not None  # an optional operand left out (clip's a_min or a_max)
                ):
                    as_operand(self.name, a)
        try:
            value = self.fwd(*vals, **params) if params else self.fwd(*vals)
        except (ValueError, TypeError, IndexError) as err:
            raise self.error(vals, params, err) from None
        out = _new(Tensor)
        out._value = value
        if _TRACING:  # dg.function is tracing: it records the op (see deltagrad.function)
            _TRACING[-1].forward(self, args, vals, out, params)
        if _ACTIVE and self.differentiable:
            _record(self, args, vals, out, params)
        return out

    def error(self, vals: Iterable[Any], params: Mapping[str, Any], err: Exception) -> Exception:
        """A ValueError/TypeError naming this op, the shapes and dtypes, and the reason."""
        return _op_error(self.name, vals, params, err)

    def __call__(self, *args: Any, **params: Any) -> Tensor:
        """Apply the op; always returns a Tensor (plain arrays in are fine).

        The public path: operands of complex, string or object dtype are refused here, before the
        forward runs (NumPy would reduce or cast complex values silently), naming the op.
        """
        for a in args:
            if isinstance(a, Tensor):
                recorded: Tensor = self.bind(*args, **params)  # apply checks the other operands
                return recorded
        for a in args:
            if a.__class__ is not float and a.__class__ is not int and a is not None:
                as_operand(self.name, a)
        out = self.bind(*args, **params)
        return _wrap(out if isinstance(out, (np.ndarray, np.generic)) else np.asarray(out))

    def __repr__(self) -> str:
        return f"<deltagrad primitive {self.name}>"


def as_operand(name: str, x: Any) -> Tensor | NDArray[Any]:
    """``x`` as a Tensor or an ndarray of a real dtype; else a TypeError naming op ``name``.

    The one check of operands that are not Tensors (a Tensor is always real): the public path
    of every op (:meth:`Primitive.__call__`), the operators and composite functions use it.
    """
    if isinstance(x, Tensor):
        return x
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: cannot convert {type(x).__name__} to an array: {err}") from None
    if arr.dtype.kind not in _SUPPORTED_KINDS:
        raise TypeError(
            f"{name}: unsupported dtype {arr.dtype} (shape {arr.shape}); deltagrad computes on "
            "bool, integer and real floating-point numbers"
        )
    return arr


def value_of(x: Any) -> NDArray[Any]:
    """The NumPy value of ``x``: a Tensor's own array, anything else through ``np.asarray``.

    The engine reads values with this, never with ``np.asarray(tensor)``: NumPy's conversion of
    a tensor a tape is recording is refused (it would drop the gradient; see
    ``Tensor.__array__``), and rules run on such tensors when they compute higher derivatives.
    """
    return x._value if isinstance(x, Tensor) else np.asarray(x)  # type: ignore[return-value]


def as_result(out: Any) -> Tensor:
    """An op's result as a Tensor: a Tensor as it is, anything else wrapped as a constant."""
    return out if isinstance(out, Tensor) else as_tensor(np.asarray(out))


def int_tuple(v: Any) -> Any:
    """Lists and integer arrays (axes, shifts, repeats) as tuples or ints, hashable and as NumPy
    takes them; anything else as given."""
    if isinstance(v, (list, np.ndarray)):
        arr = np.asarray(v)
        return int(arr) if arr.ndim == 0 and arr.dtype.kind in "iu" else tuple(arr.tolist())
    return v


def _describe(v: object) -> str:
    if isinstance(v, (np.ndarray, np.generic)):
        return f"shape {v.shape} {v.dtype}"
    if (
        isinstance(v, (list, tuple))
        and v
        and all(isinstance(x, (np.ndarray, np.generic)) for x in v)
    ):
        return "[" + ", ".join(_describe(x) for x in v) + "]"
    return type(v).__name__


def _op_error(
    name: str, vals: Iterable[Any], params: Mapping[str, Any], err: Exception
) -> Exception:
    args = ", ".join(_describe(v) for v in vals)
    extra = "".join(f", {k}={v!r}" for k, v in params.items() if k != "key")
    cls: type[Exception]
    if isinstance(err, np.linalg.LinAlgError):  # a ValueError that callers catch by name
        cls = np.linalg.LinAlgError
    elif isinstance(err, TypeError):
        cls = TypeError
    elif isinstance(err, IndexError) and not isinstance(err, ValueError):  # AxisError is both
        cls = IndexError
    else:
        cls = ValueError
    reason = str(err).split("\n")[0]
    if "broadcast" in reason:
        reason = "shapes cannot be broadcast together"
    return cls(f"{name}: invalid arguments ({args}{extra}): {reason}")


def shape_of(x: Any) -> tuple[int, ...]:
    """Shape of an array, scalar or Tensor."""
    return x.shape if isinstance(x, (Tensor, np.ndarray, np.generic)) else np.shape(x)


# --- the one place broadcasting is undone --------------------------------------------------


def _sum_to_shape_fwd(x: ArrayLike, shape: tuple[int, ...]) -> NDArray[Any]:
    arr = np.asarray(x)
    if arr.shape == shape:
        return arr
    lead = arr.ndim - len(shape)
    if lead > 0:
        arr = arr.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, (n, m) in enumerate(zip(shape, arr.shape)) if n == 1 and m != 1)
    if axes:
        arr = arr.sum(axis=axes, keepdims=True)
    return arr if arr.shape == shape else np.broadcast_to(arr, shape)


sum_to_shape = Primitive("sum_to_shape", _sum_to_shape_fwd)
broadcast_to_p = Primitive("broadcast_to", lambda x, shape: np.broadcast_to(x, shape))
sum_to_shape.defvjp(lambda g, out, x, shape: broadcast_to_p.bind(g, shape=shape_of(x)))
broadcast_to_p.defvjp(lambda g, out, x, shape: sum_to_shape.bind(g, shape=shape_of(x)))


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum (or broadcast) gradient ``g`` to ``shape``: undoes NumPy broadcasting."""
    if g.__class__ is np.ndarray:  # a first derivative: sum_to_shape's forward, without bind
        return _sum_to_shape_fwd(g, shape)
    if shape_of(g) == shape:
        return g
    return sum_to_shape.bind(g, shape=shape)
