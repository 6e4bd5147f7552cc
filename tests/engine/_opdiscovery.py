"""Find deltagrad's public ops by how they behave, so that gradient tests include a new op
without new test code (shared by test_autograd_crosscheck.py and test_properties.py).

Nothing here knows a derivative: it only sorts the names of ``dg.__all__`` into "not an op",
"one tensor in, a float tensor of the same shape out" (element-wise shaped), "reduces over
``axis`` with ``keepdims``", and finds the input intervals on which each op is finite.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

import deltagrad as dg

# Public names that are not ops on tensors: classes and modules are recognised by type; these
# are the transforms, constructors and the tape. A new public name is an op unless listed here,
# so the cross-check's coverage test makes whoever adds a non-op say so.
NOT_OPS = frozenset(
    {
        "GradientTape",
        "grad",
        "value_and_grad",
        "jacobian",
        "hessian",
        "hvp",
        "jvp",
        "custom_gradient",
        "vjp",  # transforms (tests/engine/test_transforms_trees.py), not ops
        "elementwise_grad",
        "checkpoint",
        "vmap",
        "constant",
        "as_tensor",
        "check_backprop",  # learning tools, not ops
        "check_network",
        "function",  # dg.function: a tracer, not an op
    }
)

# Input intervals on which gradients are compared, away from every kink and pole of the
# element-wise ops: not 0 (abs, relu, sign), not ±0.5 (round), not ±1 (arcsin, arccos,
# arctanh, floor, ceil), not π/2 (tan), and C is inside arccosh's domain (> 1). An op is used
# on those intervals where it is finite (see :func:`valid_intervals`).
INTERVALS = ((0.55, 0.95), (-0.95, -0.55), (1.1, 1.45))
POSITIVE = INTERVALS[0]
# Shapes of (3,) and (2, 3) inputs and of their reductions with keepdims=True.
SHAPES = ((3,), (2, 3), (1,), (1, 3), (2, 1), (1, 1))


def public_names() -> list[str]:
    return sorted(set(dg.__all__))


def op_names() -> list[str]:
    """The names in ``dg.__all__`` that are ops (not a transform, class, module or constructor)."""
    names = []
    for name in public_names():
        obj = getattr(dg, name, None)
        if name in NOT_OPS or obj is None or inspect.isclass(obj) or inspect.ismodule(obj):
            continue
        names.append(name)
    return names


def quiet_call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or None if it raises or warns (NumPy domain warnings included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            try:
                return fn(*args, **kwargs)
            except Exception:  # discovery: any failure just means "not this kind of op"
                return None


def _float_tensor(out, shape) -> bool:
    return (
        isinstance(out, dg.Tensor)
        and out.shape == shape
        and out.dtype.kind == "f"
        and bool(np.all(np.isfinite(out.numpy())))
    )


def _sample(shape, interval):
    lo, hi = interval
    n = int(np.prod(shape))
    # Distinct, irregular values spread over the interval (ties would be kinks of max/sort).
    return (lo + (hi - lo) * (np.arange(1, n + 1) * 0.618034 % 1.0)).reshape(shape)


def valid_intervals(fn) -> tuple:
    """The intervals of :data:`INTERVALS` on which ``fn`` is finite and warning-free."""
    found = []
    for lo, hi in INTERVALS:
        grid = np.linspace(lo, hi, 42).reshape(6, 7)  # 2-D: trace and diagonal need a matrix
        out = quiet_call(fn, dg.constant(grid))
        if isinstance(out, dg.Tensor) and bool(np.all(np.isfinite(out.numpy()))):
            found.append((lo, hi))
    return tuple(found)


def unary_same_shape_ops() -> dict[str, tuple]:
    """``{name: valid intervals}`` of the ops that take one tensor and return a float tensor of
    the same shape, for every shape (3,), (2, 3) and the reduced (1,), (1, 3), (2, 1), (1, 1),
    e.g. sin, relu, softmax, sort (not squeeze, which drops the axes of length 1).

    ``stop_gradient`` is left out: its gradient is zero on purpose, not that of its value.
    """
    found = {}
    for name in op_names():
        if name == "stop_gradient":
            continue
        fn = getattr(dg, name)
        intervals = valid_intervals(fn)
        if not intervals:
            continue
        if all(
            _float_tensor(quiet_call(fn, dg.constant(_sample(shape, intervals[0]))), shape)
            for shape in SHAPES
        ):
            found[name] = intervals
    return found


def reduction_ops() -> list[str]:
    """Ops called as ``f(x, axis=k, keepdims=True)`` that reduce over ``axis`` to a float tensor
    (sum, mean, max, logsumexp, …; not argmax, whose result is an integer)."""
    found = []
    x = dg.constant(_sample((2, 3), POSITIVE))
    for name in op_names():
        fn = getattr(dg, name)
        if all(
            _float_tensor(quiet_call(fn, x, axis=axis, keepdims=True), shape)
            for axis, shape in ((0, (1, 3)), (1, (2, 1)), (-1, (2, 1)))
        ):
            found.append(name)
    return found
