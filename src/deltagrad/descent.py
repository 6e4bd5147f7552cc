"""Optimisation loops over trees of parameters, in functional form: autograd's ``misc.optimizers``.

Each function runs a whole loop, ``num_iters`` steps from ``x0``, and returns the final
parameters; nothing is updated in place and no state outlives the call. ``x0`` is a tree (see
:mod:`deltagrad.tree`: an array, or nested lists, tuples and dicts of arrays and numbers) and
``grad_fn(params, i)`` returns the gradient at ``params`` on iteration ``i`` as a tree whose
leaves match the parameters' in order and shape — e.g. ``dg.grad(objective)`` for an
``objective(params, i)``. ``callback(params, i, gradient)``, if given, is called at the start of
every iteration, before the update, with the parameters and the gradient as trees of x0's
structure.

>>> def objective(params, i):
...     return dg.sum((params["w"] - 3.0) ** 2) + params["b"] ** 2
>>> x = dg.descent.adam(dg.grad(objective), {"w": np.zeros(2), "b": 1.0}, step_size=0.1,
...                     num_iters=500)
>>> np.round(x["w"], 3)
array([3., 3.])

The updates are autograd's, number for number (the tests compare the two to 1e-12): like
autograd, each loop works on one flat vector (:func:`deltagrad.tree.ravel` of the parameters)
and unravels it for ``grad_fn`` and ``callback``, so the result's leaves are NumPy arrays
(integer leaves come back as floats). With step size η and gradient g on iteration
i = 0, 1, …:

* :func:`sgd` — v ← mass·v − (1 − mass)·g;  x ← x + η·v  (v₀ = 0). This is PyTorch's momentum
  with dampening = mass and the buffer started at zero, not :class:`deltagrad.optim.SGD`'s
  (whose buffer starts at the first gradient).
* :func:`rmsprop` — a ← γ·a + (1 − γ)·g²;  x ← x − η·g / (√a + ε), with **a₀ = 1** (not 0 as
  in :class:`deltagrad.optim.RMSprop` and PyTorch).
* :func:`adam` — m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;
  m̂ = m / (1 − β₁ⁱ⁺¹);  v̂ = v / (1 − β₂ⁱ⁺¹);  x ← x − η·m̂ / (√v̂ + ε). The same formula as
  :class:`deltagrad.optim.Adam` and PyTorch (ε added to the bias-corrected √v̂; TensorFlow adds
  it to the uncorrected √v), evaluated in another order, so the two agree to round-off only.

To train :class:`~deltagrad.Variable` objects step by step, use :mod:`deltagrad.optim` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from deltagrad import tree as _tree
from deltagrad.ops.core import value_of

__all__ = ["sgd", "rmsprop", "adam"]


def _number(name: str, value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"descent.{what}: {name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"descent.{what}: {name} must be finite, got {value!r}")
    return float(value)


def _iterations(num_iters: Any, what: str) -> int:
    if isinstance(num_iters, bool) or not isinstance(num_iters, (int, np.integer)):
        raise TypeError(f"descent.{what}: num_iters must be an int, got {type(num_iters).__name__}")
    if num_iters < 0:
        raise ValueError(f"descent.{what}: num_iters must be >= 0, got {num_iters}")
    return int(num_iters)


class _Flat:
    """The loop's view of the problem: parameters as one vector, gradients raveled to match."""

    def __init__(self, grad_fn: Any, x0: Any, callback: Any, what: str) -> None:
        if not callable(grad_fn):
            raise TypeError(
                f"descent.{what}: grad_fn must be callable, got {type(grad_fn).__name__}"
            )
        if callback is not None and not callable(callback):
            raise TypeError(
                f"descent.{what}: callback must be callable or None, got {type(callback).__name__}"
            )
        values = _tree.map(value_of, x0)  # Tensors and numbers to arrays
        self.x, self.unravel = _tree.ravel(values)
        self.shapes = [np.shape(leaf) for leaf in _tree.flatten(values)[0]]
        self.grad_fn, self.callback, self.what = grad_fn, callback, what

    def gradient(self, x: np.ndarray, i: int) -> tuple[np.ndarray, Any]:
        """The gradient at ``x`` as a vector, and the parameters as a tree."""
        params = self.unravel(x)
        g_tree = self.grad_fn(params, i)
        leaves = [np.asarray(value_of(leaf)) for leaf in _tree.flatten(g_tree)[0]]
        shapes = [leaf.shape for leaf in leaves]
        if shapes != self.shapes:
            raise ValueError(
                f"descent.{self.what}: grad_fn returned leaves of shapes {shapes} for parameters "
                f"of shapes {self.shapes} (the gradient must match the parameters leaf by leaf)"
            )
        g = np.concatenate([leaf.ravel() for leaf in leaves]) if leaves else np.zeros(0)
        return g, params

    def report(self, params: Any, i: int, g: np.ndarray) -> None:
        if self.callback is not None:
            self.callback(params, i, self.unravel(g))


def sgd(
    grad_fn: Callable[[Any, int], Any],
    x0: Any,
    callback: Callable[[Any, int, Any], Any] | None = None,
    num_iters: int = 200,
    step_size: float = 0.1,
    mass: float = 0.9,
) -> Any:
    """Gradient descent with momentum (autograd's ``sgd``).

    Per iteration: v ← mass·v − (1 − mass)·g, then x ← x + step_size·v, starting from v = 0.

    Args:
        grad_fn: ``grad_fn(params, i)`` returns the gradient at ``params`` on iteration ``i``,
            a tree whose leaves match the parameters'.
        x0: The starting parameters: an array or a tree of arrays and numbers.
        callback: Optional ``callback(params, i, gradient)``, called on every iteration before
            the update.
        num_iters: The number of iterations (≥ 0).
        step_size: The step size η.
        mass: The momentum's decay, usually in [0, 1).

    Returns:
        The final parameters: a tree of ``x0``'s structure with NumPy arrays at the leaves.

    Raises:
        TypeError: ``grad_fn`` or ``callback`` is not callable, or a setting is not a number.
        ValueError: A setting is not finite, ``num_iters`` < 0, or a gradient's leaves do not
            match the parameters'.
    """
    n = _iterations(num_iters, "sgd")
    eta, mass = _number("step_size", step_size, "sgd"), _number("mass", mass, "sgd")
    flat = _Flat(grad_fn, x0, callback, "sgd")
    x = flat.x
    velocity = np.zeros_like(x)
    for i in range(n):
        g, params = flat.gradient(x, i)
        flat.report(params, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + eta * velocity
    return flat.unravel(x)


def rmsprop(
    grad_fn: Callable[[Any, int], Any],
    x0: Any,
    callback: Callable[[Any, int, Any], Any] | None = None,
    num_iters: int = 100,
    step_size: float = 0.1,
    gamma: float = 0.9,
    eps: float = 1e-8,
) -> Any:
    """RMSprop (autograd's ``rmsprop``): steps scaled by a running root mean square of gradients.

    Per iteration: a ← γ·a + (1 − γ)·g², then x ← x − step_size·g / (√a + ε), starting from
    a = 1 (autograd's choice; PyTorch and :class:`deltagrad.optim.RMSprop` start from 0).

    Args:
        grad_fn: ``grad_fn(params, i)`` returns the gradient at ``params`` on iteration ``i``.
        x0: The starting parameters: an array or a tree of arrays and numbers.
        callback: Optional ``callback(params, i, gradient)``, called before each update.
        num_iters: The number of iterations (≥ 0).
        step_size: The step size η.
        gamma: The running average's decay γ.
        eps: ε added to the denominator.

    Returns:
        The final parameters: a tree of ``x0``'s structure with NumPy arrays at the leaves.

    Raises:
        TypeError: As :func:`sgd`.
        ValueError: As :func:`sgd`.
    """
    n = _iterations(num_iters, "rmsprop")
    eta = _number("step_size", step_size, "rmsprop")
    gamma, eps = _number("gamma", gamma, "rmsprop"), _number("eps", eps, "rmsprop")
    flat = _Flat(grad_fn, x0, callback, "rmsprop")
    x = flat.x
    avg_sq = np.ones_like(x)
    for i in range(n):
        g, params = flat.gradient(x, i)
        flat.report(params, i, g)
        avg_sq = avg_sq * gamma + g**2 * (1 - gamma)
        x = x - eta * g / (np.sqrt(avg_sq) + eps)
    return flat.unravel(x)


def adam(
    grad_fn: Callable[[Any, int], Any],
    x0: Any,
    callback: Callable[[Any, int, Any], Any] | None = None,
    num_iters: int = 100,
    step_size: float = 0.001,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> Any:
    """Adam (autograd's ``adam``; Kingma & Ba, 2015).

    Per iteration i = 0, 1, …: m ← β₁·m + (1 − β₁)·g; v ← β₂·v + (1 − β₂)·g²;
    m̂ = m / (1 − β₁ⁱ⁺¹); v̂ = v / (1 − β₂ⁱ⁺¹); x ← x − step_size·m̂ / (√v̂ + ε), from m = v = 0.

    Args:
        grad_fn: ``grad_fn(params, i)`` returns the gradient at ``params`` on iteration ``i``.
        x0: The starting parameters: an array or a tree of arrays and numbers.
        callback: Optional ``callback(params, i, gradient)``, called before each update.
        num_iters: The number of iterations (≥ 0).
        step_size: The step size η.
        b1: β₁, the first moment's decay.
        b2: β₂, the second moment's decay.
        eps: ε added to the denominator.

    Returns:
        The final parameters: a tree of ``x0``'s structure with NumPy arrays at the leaves.

    Raises:
        TypeError: As :func:`sgd`.
        ValueError: As :func:`sgd`.
    """
    n = _iterations(num_iters, "adam")
    eta = _number("step_size", step_size, "adam")
    b1, b2 = _number("b1", b1, "adam"), _number("b2", b2, "adam")
    eps = _number("eps", eps, "adam")
    flat = _Flat(grad_fn, x0, callback, "adam")
    x = flat.x
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for i in range(n):
        g, params = flat.gradient(x, i)
        flat.report(params, i, g)
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * g**2 + b2 * v
        m_hat = m / (1 - b1 ** (i + 1))
        v_hat = v / (1 - b2 ** (i + 1))
        x = x - eta * m_hat / (np.sqrt(v_hat) + eps)
    return flat.unravel(x)
