"""Tensors and Variables: NumPy arrays that the tape can follow.

A :class:`Tensor` wraps a NumPy array (or NumPy scalar) and is immutable. A :class:`Variable` is a
Tensor whose value can be replaced with ``assign``/``assign_add``/``assign_sub``; trainable
Variables are watched by a :class:`~deltagrad.tape.GradientTape` as soon as an op reads them.
Python floats become float64; NumPy dtypes are kept.
"""

from __future__ import annotations

import dis
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from typing import Self, TypeAlias

    from numpy.typing import ArrayLike, DTypeLike, NDArray

    Operand: TypeAlias = "Tensor | ArrayLike"

_SUPPORTED_KINDS = "biuf"  # bool, signed and unsigned integers, floats


def _checked_array(
    value: Any, dtype: DTypeLike | None = None, what: str = "constant"
) -> NDArray[Any]:
    if isinstance(value, Tensor):
        value = value._value
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{what}: cannot convert {type(value).__name__} to a tensor"
            f"{'' if dtype is None else f' of dtype {np.dtype(dtype)}'}: "
            f"{err}"
        ) from None
    if arr.dtype.kind not in _SUPPORTED_KINDS:
        raise TypeError(
            f"{what}: unsupported dtype {arr.dtype}; deltagrad supports bool, "
            "integer and floating-point tensors"
        )
    return arr


class Tensor:
    """An immutable n-dimensional array that records the ops applied to it on active tapes.

    Build one with :func:`constant`. ``t.numpy()`` returns its value; ``np.asarray(t)`` works too.

    Off the tape: ``float(t)``, ``int(t)``, ``round(t)``, ``t.item()``, ``f"{t:.4f}"``,
    ``t.numpy()`` and ``np.asarray(t)`` give plain Python numbers or ndarrays, and whatever is
    computed from those carries no gradient. NumPy's own conversions of a tensor a tape is
    recording raise a TypeError instead (``np.asarray(t)``, ``np.array([t1, t2])``,
    ``array[i] = t``): they would drop its gradient unseen. NumPy functions called on the
    tensor itself (``np.exp(t)``, ``np.reshape(t, …)``) stay on the tape, or raise a TypeError
    when deltagrad has no derivative for them.

    The operators, NumPy protocols and ``sum``/``mean``/``max``/``reshape``/``T`` are attached
    by :mod:`deltagrad._operators`; each runs an op of :mod:`deltagrad.ops`.
    """

    __slots__ = ("_value", "_name", "__weakref__")
    __array_priority__ = 100

    # An ndarray, or a NumPy scalar (np.generic) as the ops' forward functions may return.
    _value: NDArray[Any] | np.generic[Any]

    def __init__(self, value: Any, dtype: DTypeLike | None = None, name: str | None = None) -> None:
        self._value = _checked_array(value, dtype, what=type(self).__name__)
        if name is not None:
            self.name = name

    @property
    def name(self) -> str | None:
        """The tensor's name, or None. Shown by ``repr`` and by :mod:`deltagrad.viz`'s drawings;
        a result of an op has none until one is given (``y.name = "y"``)."""
        return getattr(self, "_name", None)  # an unset slot: no name (ops never set one)

    @name.setter
    def name(self, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"a tensor's name must be a str or None, got {type(value).__name__}")
        self._name = value

    # --- NumPy-like attributes -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, as NumPy's ``shape``."""
        return np.shape(self._value)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype of the value."""
        return self._value.dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return np.ndim(self._value)

    @property
    def size(self) -> int:
        """The number of entries."""
        return int(np.size(self._value))

    def numpy(self) -> Any:
        """The value as a NumPy array (a NumPy scalar for 0-d tensors). Shares memory: don't write
        to it."""
        v = self._value
        return v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> NDArray[Any]:
        # NumPy converts a Tensor with this wherever no protocol dispatches to deltagrad: a list
        # of tensors (np.array([t1, t2])), a fill value (np.full(3, t)), np.asarray(t). For a
        # tensor a tape is recording, that would drop the gradient silently, so it is refused.
        if _recording_tapes_follow(self):
            raise TypeError(
                f"a {type(self).__name__} of shape {self.shape} that a GradientTape is "
                "recording was converted to a NumPy array (np.array or np.asarray of it or of "
                "a list holding it, np.full(shape, tensor), a tensor in out= or where=, …): "
                "its gradient would be lost. Build arrays of tensors with dg.stack, "
                "dg.concatenate or dg.broadcast_to, or take t.numpy() for the values "
                "without a gradient"
            )
        arr = np.asarray(self._value, dtype=dtype)
        return arr.copy() if copy else arr

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]  # len() of the ndarray: the ndim check above excludes scalars

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    # Python numbers from scalar tensors, as NumPy scalars give them. A Python number (or an
    # ndarray from np.asarray / .numpy()) is a plain value: it is off the tape, and what is
    # computed from it carries no gradient.
    # Refused: ``array[i] = t`` of a tensor a tape records. NumPy stores it into the element
    # with float() (or int()), which would drop the gradient as silently as np.asarray would.
    def __float__(self) -> float:
        if _recording_tapes_follow(self) and _storing_an_element():
            raise _stored_error(self, "float")
        return float(self._value)

    def __int__(self) -> int:
        if _recording_tapes_follow(self) and _storing_an_element():
            raise _stored_error(self, "int")
        return int(self._value)

    def __index__(self) -> int:
        if self._value.dtype.kind not in "biu" or self.ndim != 0:
            raise TypeError(
                f"only 0-d integer tensors can be used as an index, got shape "
                f"{self.shape} {self.dtype}"
            )
        return int(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number (off the tape)."""
        if self.size != 1:
            raise ValueError(
                f"Tensor.item: only one-element tensors convert to a Python number, "
                f"got shape {self.shape}"
            )
        return self._value.item()

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        if self.ndim != 0:
            raise TypeError(
                f"format spec {spec!r} needs a 0-d tensor, got shape {self.shape}; "
                "format t.numpy() element by element"
            )
        return format(self._value.item(), spec)

    def _body(self) -> str:
        arr = np.asarray(self._value)
        return str(arr[()]) if arr.ndim == 0 else np.array2string(arr, separator=", ")

    def __repr__(self) -> str:
        name = f"name={self.name!r}, " if self.name else ""
        return (
            f"{type(self).__name__}({self._body()}, {name}shape={self.shape}, dtype={self.dtype})"
        )

    __hash__ = object.__hash__

    if TYPE_CHECKING:  # attached by deltagrad._operators; declared here for type checkers

        def __add__(self, other: Operand) -> Tensor: ...
        def __radd__(self, other: Operand) -> Tensor: ...
        def __sub__(self, other: Operand) -> Tensor: ...
        def __rsub__(self, other: Operand) -> Tensor: ...
        def __mul__(self, other: Operand) -> Tensor: ...
        def __rmul__(self, other: Operand) -> Tensor: ...
        def __truediv__(self, other: Operand) -> Tensor: ...
        def __rtruediv__(self, other: Operand) -> Tensor: ...
        def __pow__(self, other: Operand) -> Tensor: ...
        def __rpow__(self, other: Operand) -> Tensor: ...
        def __matmul__(self, other: Operand) -> Tensor: ...
        def __rmatmul__(self, other: Operand) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __lt__(self, other: Operand) -> Tensor: ...
        def __le__(self, other: Operand) -> Tensor: ...
        def __gt__(self, other: Operand) -> Tensor: ...
        def __ge__(self, other: Operand) -> Tensor: ...
        def __eq__(self, other: object) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: object) -> Tensor: ...  # type: ignore[override]
        def __getitem__(self, key: Any) -> Tensor: ...
        def __round__(self, ndigits: int | None = None) -> Any: ...
        @property
        def T(self) -> Tensor: ...
        def reshape(self, *shape: Any) -> Tensor: ...
        def sum(
            self, axis: Any = None, keepdims: bool = False, dtype: None = None, out: None = None
        ) -> Tensor: ...
        def mean(
            self, axis: Any = None, keepdims: bool = False, dtype: None = None, out: None = None
        ) -> Tensor: ...
        def max(self, axis: Any = None, keepdims: bool = False, out: None = None) -> Tensor: ...
        def min(self, axis: Any = None, keepdims: bool = False, out: None = None) -> Tensor: ...
        def prod(self, axis: Any = None, keepdims: bool = False) -> Tensor: ...
        def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor: ...
        def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor: ...
        def argmax(self, axis: Any = None) -> Tensor: ...
        def argmin(self, axis: Any = None) -> Tensor: ...
        def cumsum(self, axis: Any = None) -> Tensor: ...
        def ravel(self, order: str = "C") -> Tensor: ...
        def flatten(self, order: str = "C") -> Tensor: ...
        def squeeze(self, axis: Any = None) -> Tensor: ...
        def transpose(self, *axes: Any) -> Tensor: ...
        def swapaxes(self, axis1: int, axis2: int) -> Tensor: ...
        def dot(self, other: Operand) -> Tensor: ...
        def clip(self, min: Any = None, max: Any = None) -> Tensor: ...  # noqa: A002
        def astype(self, dtype: Any) -> Tensor: ...


def _recording_tapes_follow(t: Tensor) -> bool:
    """Whether an active tape records ``t`` (:func:`deltagrad._recording.records`; looked up
    at call time: that module imports this one)."""
    tapes = sys.modules.get("deltagrad._recording")
    return tapes is not None and bool(tapes.ACTIVE) and tapes.records(t)


def _stored_error(t: Tensor, kind: str) -> TypeError:
    return TypeError(
        f"a {type(t).__name__} that a GradientTape is recording was stored into an element of "
        "a NumPy array (array[i] = tensor): its gradient would be lost. Build the array with "
        f"dg.stack or dg.array, or store {kind}(tensor) to keep the value without a gradient"
    )


_STORE_SUBSCR = dis.opmap.get("STORE_SUBSCR")


def _storing_an_element() -> bool:
    """Whether the Python code that made NumPy ask for a Tensor's float is ``array[i] = t``.

    NumPy converts the value stored into one element of a float array with ``float()``, so
    that store and an explicit ``float(t)`` reach ``__float__`` alike; only the instruction
    the calling frame is executing tells them apart (a store, not a call)."""
    if _STORE_SUBSCR is None:
        return False
    frame = sys._getframe(2)  # 0: this function, 1: __float__/__int__, 2: NumPy's caller
    return frame.f_code.co_code[frame.f_lasti] == _STORE_SUBSCR


def _wrap(value: Any) -> Tensor:
    """The fast path used by ops: ``value`` is already a NumPy array or scalar."""
    t = _new(Tensor)
    t._value = value
    return t


_new = object.__new__


class Variable(Tensor):
    """A trainable tensor whose value can change: ``assign``, ``assign_add``, ``assign_sub``.

    Tapes watch trainable floating-point Variables automatically when an op reads them.
    The shape and dtype are fixed at creation; assignments are cast to that dtype.
    """

    __slots__ = ("trainable",)

    def __init__(
        self,
        value: Any,
        trainable: bool = True,
        name: str | None = None,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__(value, dtype, name)
        if trainable and self._value.dtype.kind != "f":
            raise TypeError(
                f"Variable: a trainable Variable needs a floating-point dtype, got "
                f"{self._value.dtype}; pass a float value or trainable=False"
            )
        self.trainable = trainable

    def _checked_update(self, value: Any, op: str) -> NDArray[Any]:
        new = _checked_array(value, what=f"Variable.{op}")
        if new.shape != self.shape and not (op != "assign" and new.ndim == 0):
            raise ValueError(
                f"Variable.{op}: value of shape {new.shape} does not match the "
                f"variable's shape {self.shape}"
            )
        return new

    def _sole_owner(self) -> bool:
        """Whether the value is an array nothing else can see: it owns its memory (not a view),
        is writable, and no other object (a user's name for it, a view of it, a tape's record,
        another Tensor) holds a reference. Only then may it be updated in place unobserved."""
        value = self._value
        return (
            value.__class__ is np.ndarray
            and value.base is None
            and value.flags.writeable
            and 0 < _getrefcount(value) <= _SOLE_REFS
        )

    def assign(self, value: Any) -> Self:
        """Replace the value (same shape; cast to the variable's dtype). Returns the variable."""
        new = self._checked_update(value, "assign")
        self._value = np.array(new, dtype=self._value.dtype)
        return self

    def assign_add(self, delta: Any) -> Self:
        """``self ← self + delta``. Returns the variable."""
        new = self._checked_update(delta, "assign_add")
        self._value = np.asarray(self._value + new, dtype=self._value.dtype)
        return self

    def assign_sub(self, delta: Any) -> Self:
        """``self ← self − delta``. Returns the variable."""
        new = self._checked_update(delta, "assign_sub")
        self._value = np.asarray(self._value - new, dtype=self._value.dtype)
        return self


# Without reference counts (not CPython) every count reads 0: never the sole owner.
_getrefcount: Callable[[Any], int] = getattr(sys, "getrefcount", lambda obj: 0)


def _sole_refs() -> int:
    """The reference count :meth:`Variable._sole_owner` sees for an array that only its Variable
    holds, measured the same way on this interpreter."""
    probe = Variable(np.zeros(1))
    value = probe._value
    return int(_getrefcount(value))


_SOLE_REFS = _sole_refs()


def constant(value: Any, dtype: DTypeLike | None = None, name: str | None = None) -> Tensor:
    """A tensor holding ``value`` (array-like). Python floats become float64; NumPy dtypes are
    kept. ``name`` labels it in its repr and in :mod:`deltagrad.viz`'s drawings
    (``dg.constant(2.0, name="w1")``)."""
    if isinstance(value, Tensor) and (dtype is None or np.dtype(dtype) == value.dtype):
        if name is None:
            return value if type(value) is Tensor else _wrap(value._value)
        value = value._value
    return Tensor(value, dtype, name)


def as_tensor(value: Any) -> Tensor:
    """``value`` itself if it is a Tensor, else ``constant(value)``."""
    return value if isinstance(value, Tensor) else Tensor(value)
