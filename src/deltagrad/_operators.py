"""What a Tensor does: its operators, NumPy protocols and NumPy-like methods, from the ops.

:mod:`deltagrad.tensor` defines what a Tensor *is* (a value with a shape and a dtype, and its
conversions to Python numbers and arrays); this module gives it what it *does*. ``a + b``,
``a @ b``, ``a < b``, ``a[i]``, ``np.exp(a)``, ``np.reshape(a, …)``, ``a.sum()``, ``a.T``, … each
run a primitive of :mod:`deltagrad.ops`, recorded on the active tapes. The methods are attached
to the class when the package is imported (as HIPS autograd attaches its array box's operators),
so that the engine's modules import each other in one direction only:
``tensor`` ← ``_recording`` ← ``ops`` ← ``tape`` ← ``transforms``, and ``_operators`` on top.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import FunctionType
from typing import TYPE_CHECKING, Any

import numpy as np

from deltagrad import _numpy_dispatch
from deltagrad import api as _api
from deltagrad import ops as _ops
from deltagrad.ops.core import as_operand as _as_operand
from deltagrad.tensor import Tensor

if TYPE_CHECKING:
    from deltagrad.ops.core import Primitive
    from deltagrad.tensor import Operand

    # For type checkers the methods are Tensor's own (``self`` is a Tensor), and each must match
    # its declaration in tensor.py's TYPE_CHECKING block (checked as an override).
    _Methods = Tensor
else:
    _Methods = object


class _TensorMethods(_Methods):
    """Attached to :class:`~deltagrad.tensor.Tensor` below (every function and property)."""

    def __add__(self, other: Operand) -> Tensor:
        return _binary(_ops.add, self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return _binary(_ops.add, other, self)

    def __sub__(self, other: Operand) -> Tensor:
        return _binary(_ops.subtract, self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return _binary(_ops.subtract, other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return _binary(_ops.multiply, self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return _binary(_ops.multiply, other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        return _binary(_ops.divide, self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _binary(_ops.divide, other, self)

    def __pow__(self, other: Operand) -> Tensor:
        return _binary(_ops.power, self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return _binary(_ops.power, other, self)

    def __matmul__(self, other: Operand) -> Tensor:
        return _binary(_ops.matmul_p, self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _binary(_ops.matmul_p, other, self)

    def __neg__(self) -> Tensor:
        return _ops.negative.apply((self,), (self._value,), _NO_PARAMS)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs_p.bind(self)

    # Comparisons give boolean tensors and carry no gradient.
    def __lt__(self, other: Operand) -> Tensor:
        return _binary(_ops.less, self, other)

    def __le__(self, other: Operand) -> Tensor:
        return _binary(_ops.less_equal, self, other)

    def __gt__(self, other: Operand) -> Tensor:
        return _binary(_ops.greater, self, other)

    def __ge__(self, other: Operand) -> Tensor:
        return _binary(_ops.greater_equal, self, other)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return _binary(_ops.equal, self, other)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return _binary(_ops.not_equal, self, other)

    def __getitem__(self, key: Any) -> Tensor:
        if key.__class__ is not int and key.__class__ is not slice:
            key = _plain_key(key)
        return _ops.getitem.apply((self,), (self._value,), {"key": key})

    # NumPy ufuncs on tensors go through deltagrad's ops, so that ``ndarray + tensor`` and
    # ``np.exp(tensor)`` are recorded like ``tensor + ndarray``. A ufunc deltagrad has no op for
    # would silently drop off the tape, so it is refused with a hint instead.
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        op = _ops.UFUNCS.get(ufunc)
        if method == "__call__" and op is not None and not kwargs:
            return op.bind(*inputs)
        if (
            method == "__call__"
            and ufunc in _numpy_dispatch.VALUE_ONLY_UFUNCS
            and "out" not in kwargs
        ):
            # Tests of the values (NaN, infinity, signs, logic): no gradient to carry.
            return ufunc(*(x._value if isinstance(x, Tensor) else x for x in inputs), **kwargs)
        name = ufunc.__name__ + ("" if method == "__call__" else f".{method}")
        raise TypeError(
            f"np.{name} on a deltagrad Tensor has no derivative rule in deltagrad "
            f"(and would drop off the tape); use deltagrad's ops, or t.numpy() "
            f"to compute on the values without a gradient"
        )

    # NumPy functions that are not ufuncs (np.reshape, np.concatenate, np.einsum, …) call this.
    # Each runs the deltagrad op of the same name (recorded on the tape) or is refused: nothing
    # computed from a Tensor may silently leave the tape.
    def __array_function__(
        self,
        func: Callable[..., Any],
        types: object,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> Any:
        return _numpy_dispatch.call(func, args, kwargs)

    # Conveniences mirroring NumPy.
    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed), on the tape: ``dg.transpose(t)``."""
        return _ops.transpose_p.bind(self, axes=None)

    def reshape(self, *shape: Any) -> Tensor:
        """``dg.reshape(t, shape)``; the shape as one tuple or as separate integers."""
        dims = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _ops.reshape_p.bind(self, shape=tuple(dims))

    # ``dtype=None, out=None`` let np.sum(t), np.mean(t), np.max(t) call these methods.
    def sum(
        self, axis: Any = None, keepdims: bool = False, dtype: None = None, out: None = None
    ) -> Tensor:
        """``dg.sum(t, axis, keepdims)``; NumPy's ``dtype`` and ``out`` must stay None."""
        _no_numpy_extras("sum", dtype, out)
        return _ops.sum_p.bind(self, axis=axis, keepdims=keepdims)

    def mean(
        self, axis: Any = None, keepdims: bool = False, dtype: None = None, out: None = None
    ) -> Tensor:
        """``dg.mean(t, axis, keepdims)``; NumPy's ``dtype`` and ``out`` must stay None."""
        _no_numpy_extras("mean", dtype, out)
        return _ops.mean_p.bind(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False, out: None = None) -> Tensor:
        """``dg.max(t, axis, keepdims)``; NumPy's ``out`` must stay None."""
        _no_numpy_extras("max", None, out)
        return _ops.max_p.bind(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False, out: None = None) -> Tensor:
        """``dg.min(t, axis, keepdims)``; NumPy's ``out`` must stay None."""
        _no_numpy_extras("min", None, out)
        return _ops.min_p.bind(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """``dg.prod(t, axis, keepdims)``."""
        return _api.prod(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        """``dg.var(t, axis, ddof, keepdims)``."""
        return _api.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        """``dg.std(t, axis, ddof, keepdims)``."""
        return _api.std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def argmax(self, axis: Any = None) -> Tensor:
        """``dg.argmax(t, axis)``: integer indices, no gradient."""
        return _api.argmax(self, axis=axis)

    def argmin(self, axis: Any = None) -> Tensor:
        """``dg.argmin(t, axis)``: integer indices, no gradient."""
        return _api.argmin(self, axis=axis)

    def cumsum(self, axis: Any = None) -> Tensor:
        """``dg.cumsum(t, axis)``."""
        return _api.cumsum(self, axis=axis)

    def ravel(self, order: str = "C") -> Tensor:
        """``dg.ravel(t)``: the tensor as 1-D, on the tape."""
        return _api.ravel(self, order=order)

    def flatten(self, order: str = "C") -> Tensor:
        """As :meth:`ravel` (tensors are immutable, so a copy and a view are the same)."""
        return _api.ravel(self, order=order)

    def squeeze(self, axis: Any = None) -> Tensor:
        """``dg.squeeze(t, axis)``."""
        return _api.squeeze(self, axis=axis)

    def transpose(self, *axes: Any) -> Tensor:
        """``dg.transpose(t, axes)``; the axes as one tuple or as separate integers."""
        order = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return _ops.transpose_p.bind(self, axes=tuple(order) if order else None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """``dg.swapaxes(t, axis1, axis2)``."""
        return _api.swapaxes(self, axis1, axis2)

    def dot(self, other: Operand) -> Tensor:
        """``dg.dot(t, other)``."""
        return _api.dot(self, other)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - NumPy's names
        """``dg.clip(t, min, max)``."""
        return _api.clip(self, min, max)

    def astype(self, dtype: Any) -> Tensor:
        """``dg.cast(t, dtype)``: a float dtype keeps the gradient, an integer one drops it."""
        return _api.cast(self, dtype)

    def __round__(self, ndigits: int | None = None) -> Any:
        if self.ndim == 0:
            value = self._value.item()
            return round(value) if ndigits is None else round(value, ndigits)
        # A recorded op (zero gradient) for arrays, like np.round.
        return _api.round(self, decimals=0 if ndigits is None else ndigits)


_NO_PARAMS: dict[str, Any] = {}  # shared, never mutated


def _no_numpy_extras(name: str, dtype: object, out: object) -> None:
    if dtype is not None or out is not None:
        raise TypeError(
            f"Tensor.{name}: dtype= and out= are not supported (tensors are "
            f"immutable); use dg.cast for another dtype"
        )


def _binary(prim: Primitive, x: Any, y: Any) -> Tensor:
    """``prim`` on two operands, at least one a Tensor: the operators' path into
    Primitive.apply, with the operand check done while unwrapping."""
    if isinstance(x, Tensor):
        xv = x._value
    else:
        xv = x
        if x.__class__ is not float and x.__class__ is not int:
            _as_operand(prim.name, x)
    if isinstance(y, Tensor):
        yv = y._value
    else:
        yv = y
        if y.__class__ is not float and y.__class__ is not int:
            _as_operand(prim.name, y)
    return prim.apply((x, y), (xv, yv), _NO_PARAMS, True)


def _plain_key(key: Any) -> Any:
    if isinstance(key, Tensor):
        return np.asarray(key._value)
    if isinstance(key, tuple):
        return tuple(np.asarray(k._value) if isinstance(k, Tensor) else k for k in key)
    return key


for _name, _member in vars(_TensorMethods).items():
    if isinstance(_member, (FunctionType, property)):
        setattr(Tensor, _name, _member)
