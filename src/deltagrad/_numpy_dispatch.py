"""NumPy's ``__array_function__`` protocol for Tensors: ``np.f(tensor, …)`` runs ``dg.f``.

NumPy calls :meth:`Tensor.__array_function__` for every non-ufunc function that receives a
Tensor (``np.reshape``, ``np.concatenate``, ``np.einsum``, ``np.var``, …). The call is bound to
NumPy's own signature and handed to the deltagrad function registered for it (by default the one
of the same name in :mod:`deltagrad.api`), so it is recorded on the active tapes. A function
deltagrad has no op for is refused with a TypeError naming it: a result computed from a Tensor
never silently leaves the tape. Functions whose results carry no gradient (shapes, booleans,
indices) run on the values.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from deltagrad.ops.public import numpy_functions
from deltagrad.tensor import Tensor

# Functions that only read values and return things with no gradient (shapes, booleans,
# integer indices, text, files): safe to run on the plain values.
_VALUE_ONLY = {
    np.shape,
    np.ndim,
    np.size,
    np.allclose,
    np.isclose,
    np.array_equal,
    np.array_equiv,
    np.any,
    np.all,
    np.count_nonzero,
    np.nonzero,
    np.argwhere,
    np.flatnonzero,
    np.argsort,
    np.result_type,
    np.can_cast,
    np.iscomplexobj,
    np.isrealobj,
    np.array_repr,
    np.array_str,
    np.array2string,
    np.save,
    np.savez,
    np.savez_compressed,
    np.savetxt,
    np.searchsorted,
}
# Ufuncs whose results are booleans about the values (NaN, infinity, signs, logic): they run
# on a Tensor's values too (see Tensor.__array_ufunc__) and return plain arrays.
VALUE_ONLY_UFUNCS = frozenset(
    {
        np.isfinite,
        np.isnan,
        np.isinf,
        np.isnat,
        np.signbit,
        np.logical_and,
        np.logical_or,
        np.logical_xor,
        np.logical_not,
    }
)
# np.testing's assertions too; named, not imported: importing numpy.testing takes 30 ms, and
# they can only be called once the caller has imported it.
_TESTING_VALUE_ONLY = (
    "assert_allclose",
    "assert_array_equal",
    "assert_array_almost_equal",
    "assert_equal",
)


@functools.cache  # (a numpy.testing function exists only once numpy.testing is imported)
def _value_only(func: Callable[..., Any]) -> bool:
    if func in _VALUE_ONLY:
        return True
    testing = sys.modules.get("numpy.testing")
    return testing is not None and any(
        func is getattr(testing, name, None) for name in _TESTING_VALUE_ONLY
    )


@functools.cache
def _table() -> dict[Callable[..., Any], Callable[..., Any]]:
    return numpy_functions()


@functools.cache
def _signature(func: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def _plain(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x._value
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(v) for v in x)
    return x


def _split(
    func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    """Bind a NumPy call to NumPy's signature: required arguments positionally, the rest by
    keyword, dropping those given at their default."""
    sig = _signature(func)
    if sig is None:
        return list(args), dict(kwargs)
    bound = sig.bind(*args, **kwargs)
    call_args: list[Any] = []
    call_kw: dict[str, Any] = {}
    for name, value in bound.arguments.items():
        p = sig.parameters[name]
        if p.kind is p.VAR_POSITIONAL:
            call_args.extend(value)
        elif p.kind is p.VAR_KEYWORD:
            call_kw.update(value)
        elif p.kind is p.POSITIONAL_ONLY or p.default is p.empty:
            call_args.append(value)
        elif value is not p.default:
            call_kw[name] = value
    return call_args, call_kw


def _numpy_name(func: object) -> str:
    parts = [
        p for p in (getattr(func, "__module__", "") or "numpy").split(".") if not p.startswith("_")
    ]
    parts[0] = "np"  # numpy.linalg → np.linalg
    return ".".join(parts + [getattr(func, "__name__", repr(func))])


def call(func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
    """Run NumPy function ``func`` on arguments that include a Tensor (see the module doc)."""
    if _value_only(func):
        return func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})
    name = _numpy_name(func)
    impl = _table().get(func)
    if impl is None:
        raise TypeError(
            f"{name} on a deltagrad Tensor has no derivative rule in deltagrad (and "
            f"would drop off the tape); use deltagrad's ops (dg.*), or "
            f"t.numpy() to compute on the values without a gradient"
        )
    try:
        call_args, call_kw = _split(func, args, kwargs)
    except TypeError as err:
        raise TypeError(f"{name}: {err}") from None
    impl_sig = _signature(impl)
    if impl_sig is not None:
        try:
            impl_sig.bind(*call_args, **call_kw)
        except TypeError:
            given = ", ".join(sorted(call_kw)) or "these arguments"
            raise TypeError(
                f"{name} on a deltagrad Tensor runs dg.{impl.__name__}{impl_sig}, "
                f"which does not take {given}"
            ) from None
    return impl(*call_args, **call_kw)
