"""HIPS autograd's API on deltagrad's engine: replace ``autograd`` with
``deltagrad.compat.autograd`` in the import lines, and the program runs on deltagrad.

This layer only renames: every capability lives in deltagrad's own namespace (``dg.grad``,
``dg.elementwise_grad``, ``dg.vjp``, ``dg.hvp``, :mod:`deltagrad.tree`,
:mod:`deltagrad.descent`, :mod:`deltagrad.scipy`, :mod:`deltagrad.linalg`,
:mod:`deltagrad.extend`), and here it takes autograd's names and signatures (``argnum``,
``make_vjp(f)(x) → (vjp, ans)``, …). The modules mirror autograd's layout:

- ``.numpy`` (with ``.numpy.random``, ``.numpy.linalg``, ``.numpy.fft``): NumPy itself, whose
  functions run deltagrad's ops on Tensors, plus ``array``/``asarray``/``full``/… that build
  arrays out of tensors (:func:`deltagrad.array`, :func:`deltagrad.full`).
- ``.scipy`` (``special``, ``stats`` and its distributions, ``signal``, ``integrate``,
  ``linalg``, ``misc``): :mod:`deltagrad.scipy`.
- ``.misc`` (``flatten``, ``flatten_func``, ``optimizers``, ``fixed_points``), ``.extend``
  (``primitive``, ``defvjp``, ``defjvp``, …), ``.builtins``, ``.test_util``, ``.util``.

Functions called on plain arrays outside any tape return plain NumPy values, as autograd's do.
What differs from autograd is listed in the docs' "Coming from autograd" guide.
"""

from __future__ import annotations

import builtins as _builtins
import functools
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as _np

import deltagrad as _dg
from deltagrad import transforms as _t
from deltagrad.extend import primitive

__all__ = [
    "grad",
    "value_and_grad",
    "elementwise_grad",
    "jacobian",
    "hessian",
    "hessian_tensor_product",
    "hessian_vector_product",
    "tensor_jacobian_product",
    "vector_jacobian_product",
    "make_vjp",
    "make_jvp",
    "make_hvp",
    "grad_and_aux",
    "grad_named",
    "multigrad_dict",
    "deriv",
    "holomorphic_grad",
    "checkpoint",
    "make_ggnvp",
    "primitive",
    "isinstance",
    "type",
    "tuple",
    "list",
    "dict",
]


def _arrays(tree: Any) -> Any:
    """``tree`` with each NumPy scalar made a 0-d array, as autograd gives them."""
    return _dg.tree.map(
        lambda v: _np.asarray(v) if _builtins.isinstance(v, _np.generic) else v, tree
    )


def _in_container(args: Any, argnum: int | Sequence[int], grads: Any) -> Any:
    """autograd's gradient of a list, tuple or dict argument, or of several arguments (a tuple
    ``argnum``, which autograd differentiates as one tuple), holds arrays (0-d for numbers)
    where deltagrad gives NumPy scalars; the gradient of a lone number stays a scalar."""
    # (this module's isinstance, tuple, list and dict are autograd's builtins: Python's here)
    if _builtins.isinstance(argnum, Sequence):
        return _arrays(grads)
    container = (_builtins.list, _builtins.tuple, _builtins.dict)
    return _arrays(grads) if _builtins.isinstance(args[argnum], container) else grads


def grad(fun: Callable[..., Any], argnum: int | Sequence[int] = 0) -> Callable[..., Any]:
    """autograd's ``grad``: :func:`deltagrad.grad` with ``argnum`` for ``argnums``."""
    g = _dg.grad(fun, argnums=argnum)

    @functools.wraps(fun)
    def gradient(*args: Any, **kwargs: Any) -> Any:
        return _in_container(args, argnum, g(*args, **kwargs))

    return gradient


def value_and_grad(fun: Callable[..., Any], argnum: int | Sequence[int] = 0) -> Callable[..., Any]:
    """autograd's ``value_and_grad``: :func:`deltagrad.value_and_grad`."""
    vg = _dg.value_and_grad(fun, argnums=argnum)

    @functools.wraps(fun)
    def value_and_gradient(*args: Any, **kwargs: Any) -> Any:
        value, grads = vg(*args, **kwargs)
        return value, _in_container(args, argnum, grads)

    return value_and_gradient


def elementwise_grad(
    fun: Callable[..., Any], argnum: int | Sequence[int] = 0
) -> Callable[..., Any]:
    """autograd's ``elementwise_grad``: :func:`deltagrad.elementwise_grad`."""
    return _t.elementwise_grad(fun, argnums=argnum)


def jacobian(fun: Callable[..., Any], argnum: int | Sequence[int] = 0) -> Callable[..., Any]:
    """autograd's ``jacobian`` (shape ``out + in``; a 0-d array for a number):
    :func:`deltagrad.jacobian`."""
    jac = _dg.jacobian(fun, argnums=argnum)
    return functools.wraps(fun)(lambda *args, **kwargs: _arrays(jac(*args, **kwargs)))


def hessian(fun: Callable[..., Any], argnum: int | Sequence[int] = 0) -> Callable[..., Any]:
    """autograd's ``hessian`` (a 0-d array for a number): :func:`deltagrad.hessian`."""
    hess = _dg.hessian(fun, argnums=argnum)
    return functools.wraps(fun)(lambda *args, **kwargs: _arrays(hess(*args, **kwargs)))


def _plain(value: Any, args: Any) -> Any:
    """Tensors back to NumPy when the call was made on plain values outside any tape."""
    return _t._to_plain(value) if _t._plain_call(args, {}) else value


def hessian_tensor_product(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """autograd's ``hessian_tensor_product``: ``f(*args, v)`` is ``H(args[argnum]) · v``, by
    :func:`deltagrad.hvp` (no Hessian formed)."""

    @functools.wraps(fun)
    def product(*args: Any) -> Any:
        *primal, v = args

        def at(x: Any) -> Any:
            return fun(*primal[:argnum], x, *primal[argnum + 1 :])

        return _plain(_dg.hvp(at, (primal[argnum],), (v,)), args)

    return product


hessian_vector_product = hessian_tensor_product


def tensor_jacobian_product(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """autograd's ``tensor_jacobian_product``: ``f(*args, v)`` is ``vᵀ J``, by
    :func:`deltagrad.vjp`."""

    @functools.wraps(fun)
    def product(*args: Any) -> Any:
        *primal, v = args
        vjp_fn, _ = make_vjp(fun, argnum)(*primal)
        return vjp_fn(v)

    return product


vector_jacobian_product = tensor_jacobian_product


def make_vjp(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """autograd's ``make_vjp``: ``make_vjp(f)(*args)`` is ``(vjp, ans)`` (note the order,
    autograd's), ``vjp(g)`` the cotangent of ``args[argnum]``; :func:`deltagrad.vjp`."""

    def at(*args: Any) -> Any:
        primal = args[argnum]

        def f(x: Any) -> Any:
            return fun(*args[:argnum], x, *args[argnum + 1 :])

        ans, vjp_fn = _t.vjp(f, primal)
        return (lambda g: vjp_fn(g)[0]), ans

    return at


def make_jvp(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """autograd's ``make_jvp``: ``make_jvp(f)(*args)(v)`` is ``(ans, J · v)``;
    :func:`deltagrad.jvp`."""

    def at(*args: Any) -> Callable[[Any], Any]:
        def f(x: Any) -> Any:
            return fun(*args[:argnum], x, *args[argnum + 1 :])

        def jvp_fn(v: Any) -> Any:
            ans, tangent = _dg.jvp(f, (args[argnum],), (v,))
            return _plain(ans, args), _plain(tangent, args)

        return jvp_fn

    return at


def make_hvp(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """autograd's ``make_hvp``: ``make_hvp(f)(*args)`` is ``(hvp, gradient)`` with ``hvp(v)``
    the Hessian-vector product."""

    def at(*args: Any) -> Any:
        product = hessian_tensor_product(fun, argnum)
        return (lambda v: product(*args, v)), grad(fun, argnum)(*args)

    return at


def make_ggnvp(
    f: Callable[..., Any],
    g: Callable[[Any], Any] | None = None,
    f_argnum: int = 0,
) -> Callable[..., Any]:
    """autograd's ``make_ggnvp``: ``make_ggnvp(f, g)(*args)(v)`` is the generalized
    Gauss-Newton product Jᵀ H J v, J the Jacobian of ``f`` at ``args[f_argnum]`` and H the
    Hessian of ``g`` (default ½‖·‖² over the last axis) at ``f(*args)``."""
    if g is None:
        g = _half_square

    def at(*args: Any) -> Callable[[Any], Any]:
        f_vjp, f_x = make_vjp(f, f_argnum)(*args)
        f_jvp = make_jvp(f, f_argnum)(*args)
        g_hvp, _ = make_hvp(g)(f_x)

        def ggnvp(v: Any) -> Any:
            return f_vjp(g_hvp(f_jvp(v)[1]))

        return ggnvp

    return at


def _half_square(x: Any) -> Any:
    return 0.5 * _dg.sum(x**2, axis=-1)


def grad_and_aux(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """autograd's ``grad_and_aux``: ``fun`` returns ``(value, aux)``; the result is
    ``(gradient, aux)``."""
    return _dg.grad(fun, argnums=argnum, has_aux=True)


def grad_named(fun: Callable[..., Any], argname: str) -> Callable[..., Any]:
    """autograd's ``grad_named``: the gradient with respect to the argument called
    ``argname``."""
    import inspect

    names = _builtins.list(inspect.signature(fun).parameters)
    return grad(fun, names.index(argname))


def multigrad_dict(fun: Callable[..., Any]) -> Callable[..., Any]:
    """autograd's ``multigrad_dict``: the gradients with respect to every positional argument,
    as a dict by parameter name."""
    import inspect

    names = _builtins.list(inspect.signature(fun).parameters)

    def gradients(*args: Any) -> Any:
        nums = _builtins.tuple(range(len(args)))
        return _builtins.dict(zip(names, _dg.grad(fun, argnums=nums)(*args)))

    return gradients


def deriv(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """autograd's ``deriv``: the derivative of an element-wise function (``elementwise_grad``)."""
    return elementwise_grad(fun, argnum)


def holomorphic_grad(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """Not available: deltagrad computes on real numbers only.

    Raises:
        NotImplementedError: Always.
    """
    raise NotImplementedError(
        "holomorphic_grad: deltagrad computes on real numbers only (no complex dtypes)"
    )


def checkpoint(fun: Callable[..., Any]) -> Callable[..., Any]:
    """autograd's ``checkpoint``: :func:`deltagrad.checkpoint` (intermediates recomputed in the
    backward pass)."""
    return _t.checkpoint(fun)


def _alias(name: str, module: types.ModuleType) -> types.ModuleType:
    """Register ``module`` as ``deltagrad.compat.autograd.<name>`` too, so ``import
    deltagrad.compat.autograd.<name>`` finds deltagrad's own module (no second copy)."""
    sys.modules[f"{__name__}.{name}"] = module
    return module


# The submodules that are deltagrad's (or NumPy's) own modules under autograd's names.
from deltagrad.compat.autograd import builtins as builtins  # noqa: E402
from deltagrad.compat.autograd import extend as extend  # noqa: E402
from deltagrad.compat.autograd import misc as misc  # noqa: E402
from deltagrad.compat.autograd import numpy as numpy  # noqa: E402
from deltagrad.compat.autograd import scipy as scipy  # noqa: E402
from deltagrad.compat.autograd import test_util as test_util  # noqa: E402
from deltagrad.compat.autograd import util as util  # noqa: E402

# autograd boxes containers; deltagrad differentiates through Python's own, so these are Python's.
from deltagrad.compat.autograd.builtins import (  # noqa: E402
    dict,  # noqa: A004
    isinstance,  # noqa: A004
    list,  # noqa: A004
    tuple,  # noqa: A004
    type,  # noqa: A004
)
