"""``deltagrad.scipy.integrate``: :func:`odeint`, differentiated by the adjoint method.

The forward pass is ``scipy.integrate.odeint``. The backward pass integrates the adjoint system
backwards in time, from each output time to the one before, with the same solver: the state y
again (from the stored solution), the adjoint a = ∂L/∂y with da/dt = −aᵀ∂f/∂y, and the
parameter gradient λ with dλ/dt = −aᵀ∂f/∂args. The vector-Jacobian products aᵀ∂f come from a
:class:`~deltagrad.tape.GradientTape` around ``func``, so ``func`` is written with deltagrad ops
(or NumPy functions, which run them on Tensors). The gradient with respect to each output time
tᵢ (i ≥ 1) is ḡᵢ·f(yᵢ, tᵢ); the start time's is −a(t₀)·f(y₀, t₀) (shifting t₀ shifts the whole
solution), with a(t₀) the adjoint before the gradient of y(t₀) itself is added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.integrate

from deltagrad import tree as _tree
from deltagrad.ops.core import Primitive, as_operand, shape_of
from deltagrad.scipy._common import value
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, constant

__all__ = ["odeint"]

# (y0's shape, the number of times, each extra argument's shape): how theta is packed.
_Layout = tuple[tuple[int, ...], int, tuple[tuple[int, ...], ...]]


def _unpack(theta: Any, layout: _Layout) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    y_shape, n_t, arg_shapes = layout
    theta = np.asarray(theta, dtype=np.float64)
    d = int(np.prod(y_shape))
    y0, t, rest = theta[:d].reshape(y_shape), theta[d : d + n_t], theta[d + n_t :]
    args, k = [], 0
    for s in arg_shapes:
        n = int(np.prod(s))
        args.append(rest[k : k + n].reshape(s))
        k += n
    return y0, t, args


def _flat_rhs(func: Callable[..., Any], y_shape: tuple[int, ...], args: list[np.ndarray]):
    """f(y, t) on flat float64 arrays, as SciPy calls it."""

    def rhs(y: np.ndarray, s: float) -> np.ndarray:
        out = np.asarray(value(func(y.reshape(y_shape), s, *args)), dtype=np.float64)
        return np.broadcast_to(out, y_shape).ravel()

    return rhs


def _odeint_fwd(theta: Any, func: Callable[..., Any], layout: _Layout, options: Any) -> Any:
    y0, t, args = _unpack(theta, layout)
    ys = scipy.integrate.odeint(_flat_rhs(func, y0.shape, args), y0.ravel(), t, **dict(options))
    return ys.reshape((len(t),) + y0.shape)


def _vjp_of_func(func, y_shape: tuple[int, ...], y: np.ndarray, s: float, args: list, cot):
    """(cotᵀ ∂f/∂y, cotᵀ ∂f/∂args), flat, at the flat state ``y`` and time ``s``: a tape
    around ``func``."""
    y_t, args_t = constant(y.reshape(y_shape)), [constant(a) for a in args]
    with GradientTape() as tape:
        tape.watch([y_t, *args_t])
        f = func(y_t, s, *args_t)
        if isinstance(f, Tensor):
            f = f + np.zeros(y_shape)  # as the forward pass broadcasts it
    if not isinstance(f, Tensor):  # f does not depend on y or args
        return np.zeros(y.size), np.zeros(sum(a.size for a in args))
    grads = tape.gradient(f, [y_t, *args_t], output_gradients=cot.reshape(y_shape))
    flat = [
        np.zeros(x.size) if gx is None else value(gx).ravel() for gx, x in zip(grads, [y, *args])
    ]
    return flat[0], np.concatenate([np.zeros(0), *flat[1:]])


def _odeint_gradient(g: Any, out: Any, theta: Any, func, layout: _Layout, options: Any):
    """The gradient of ⟨g, odeint(...)⟩ with respect to theta (y0, t, args packed)."""
    y0, t, args = _unpack(theta, layout)
    y_shape, n_t, _ = layout
    d, p = y0.size, sum(a.size for a in args)
    ys = np.asarray(out, dtype=np.float64).reshape(n_t, d)
    g = np.asarray(g, dtype=np.float64).reshape(n_t, d)
    rhs = _flat_rhs(func, y_shape, args)

    def augmented(state: np.ndarray, s: float) -> np.ndarray:
        y, a = state[:d], state[d : 2 * d]
        da, dlam = _vjp_of_func(func, y_shape, y, s, args, -a)
        return np.concatenate([rhs(y, s), da, dlam])

    a, lam, g_t = g[-1].copy(), np.zeros(p), np.zeros(n_t)
    a_start = np.zeros(d)  # the adjoint at t[0] before g[0] is added
    for i in range(n_t - 1, 0, -1):
        g_t[i] = g[i] @ rhs(ys[i], t[i])
        state = np.concatenate([ys[i], a, lam])
        back = scipy.integrate.odeint(augmented, state, [t[i], t[i - 1]], **dict(options))[1]
        a_start, lam = back[d : 2 * d], back[2 * d :]
        a = a_start + g[i - 1]
    g_t[0] = -(a_start @ rhs(ys[0], t[0]))
    return np.concatenate([a, g_t, lam])


def _no_second_derivative(argnum: int, g: Any, out: Any, *args: Any, **params: Any) -> Any:
    raise NotImplementedError(
        "odeint: no second derivatives (the adjoint solve of the first derivative is not "
        "itself differentiated)"
    )


odeint_vjp_p = Primitive(
    "odeint_vjp", lambda g, out, theta, **params: _odeint_gradient(g, out, theta, **params)
)
odeint_vjp_p.defvjp_argnum(_no_second_derivative)


def _odeint_vjp(g: Any, out: Any, theta: Any, func, layout: _Layout, options: Any) -> Any:
    params = {"func": func, "layout": layout, "options": options}
    if isinstance(g, Tensor) or isinstance(out, Tensor) or isinstance(theta, Tensor):
        return odeint_vjp_p.bind(g, out, theta, **params)  # recorded: refuses a 2nd derivative
    return _odeint_gradient(g, out, theta, **params)


odeint_p = Primitive("odeint", _odeint_fwd)
odeint_p.defvjp(_odeint_vjp)


def odeint(
    func: Callable[..., Any],
    y0,
    t,
    args: tuple = (),
    rtol: float | None = None,
    atol: float | None = None,
    mxstep: int = 0,
    hmax: float = 0.0,
) -> Tensor:
    """Integrate dy/dt = func(y, t, *args) from y(t[0]) = y0, as ``scipy.integrate.odeint``
    (and ``autograd.scipy.integrate.odeint``); differentiable in ``y0``, ``t`` and ``args``.

    ``func`` receives ``y`` of ``y0``'s shape, the time (a float) and the extra arguments, and
    returns dy/dt of ``y``'s shape; written with deltagrad ops or NumPy functions, it runs on
    arrays in the forward pass and on Tensors under a tape in the backward pass. Quantities to
    differentiate must reach ``func`` through ``args``, not a closure. The gradient is
    computed by the adjoint method (see the module doc) with the same tolerances; there are
    no second derivatives (NotImplementedError).

    Args:
        func: The right-hand side f(y, t, *args).
        y0: The initial state, any shape: a Tensor, array or number.
        t: The times, 1-D and monotonic, starting at the initial time.
        args: Extra arguments of ``func`` (Tensors, arrays or numbers), each differentiable.
        rtol: The solver's relative tolerance (SciPy's default when None).
        atol: The solver's absolute tolerance (SciPy's default when None).
        mxstep: The solver's maximum number of steps per output time (0: SciPy's default).
        hmax: The largest step (0: unbounded).

    Returns:
        Tensor: y at each time, shape ``(len(t),) + y0.shape``, recorded on every active tape.

    Raises:
        ValueError: when ``t`` is not 1-D or is empty.
        TypeError: when ``func`` is not callable or ``args`` is not a tuple or list.
    """
    if not callable(func):
        raise TypeError(f"odeint: func must be callable, got {type(func).__name__}")
    if not isinstance(args, (tuple, list)):
        raise TypeError(
            f"odeint: args must be a tuple of extra arguments, got {type(args).__name__}"
        )
    y0, t = as_operand("odeint", y0), as_operand("odeint", t)
    # The extra arguments may be trees (a list of (W, b) pairs): their leaves are integrated
    # over and differentiated, and func receives the trees rebuilt.
    leaves, treedef = _tree.flatten(tuple(args))
    extra = [as_operand("odeint", a) for a in leaves]
    if treedef != _tree.flatten(tuple(range(len(args))))[1]:
        tree_func = func

        def func(y: Any, s: Any, *leaf_args: Any) -> Any:
            return tree_func(y, s, *_tree.unflatten(treedef, leaf_args))

    if len(shape_of(t)) != 1 or shape_of(t)[0] == 0:
        raise ValueError(
            f"odeint: t must be a non-empty 1-D array of times, got shape {shape_of(t)}"
        )
    layout: _Layout = (shape_of(y0), shape_of(t)[0], tuple(shape_of(a) for a in extra))
    parts = [np.reshape(x, (-1,)) for x in (y0, t, *extra)]
    theta = np.concatenate(
        [np.asarray(p, dtype=np.float64) if not isinstance(p, Tensor) else p for p in parts]
    )
    options = {"rtol": rtol, "atol": atol, "mxstep": mxstep, "hmax": hmax}
    return odeint_p(theta, func=func, layout=layout, options=tuple(options.items()))
