"""Arithmetic: + − × ÷ **, negation, matmul, maximum, where, select, comparisons.

Forward functions are Python's operators rather than ufunc calls: on NumPy scalars they are about
ten times faster (no ufunc dispatch), and on arrays they are the same ufuncs.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from deltagrad.ops import shape as _shape
from deltagrad.ops.core import Primitive, as_operand, as_result, shape_of
from deltagrad.ops.public import TensorLike, public
from deltagrad.ops.unary import log_p
from deltagrad.tensor import Tensor

__all__ = [
    "maximum",
    "minimum",
    "where",
    "select",
    "matmul",
]

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

add = Primitive("add", operator.add)
add.defvjp(lambda g, out, x, y: g, lambda g, out, x, y: g)

subtract = Primitive("subtract", operator.sub)
subtract.defvjp(lambda g, out, x, y: g, lambda g, out, x, y: -g)

multiply = Primitive("multiply", operator.mul)
multiply.defvjp(lambda g, out, x, y: g * y, lambda g, out, x, y: g * x)

divide = Primitive("divide", operator.truediv)
divide.defvjp(lambda g, out, x, y: g / y, lambda g, out, x, y: -g * out / y)

negative = Primitive("negative", operator.neg)
negative.defvjp(lambda g, out, x: -g)


def _power_dx(g: Any, out: Any, x: Any, y: Any) -> Any:
    # d/dx x**y = y·x**(y−1), and exactly 0 where y = 0 (also at x = 0, where x**(y−1) is inf):
    # the limit PyTorch, JAX and autograd give, at every order.
    if y.__class__ is int or y.__class__ is float or isinstance(y, np.generic):  # constant
        if y == 0:
            return g * 0
        if y == 2:
            dx = 2 * x  # a fresh array (or a Tensor, where *= means * ): one temporary, not two
            dx *= g
            return dx
        # NumPy's stubs give the abstract np.generic no arithmetic (only its subclasses).
        return g * (y * x ** (y - 1))  # type: ignore[operator]
    y_is_0 = equal.bind(y, 0)
    return g * (y * x ** where_p.bind(y_is_0, 1, y - 1))


def _power_dy(g: Any, out: Any, x: Any, y: Any) -> Any:
    safe_x = where_p.bind(greater.bind(x, 0), x, 1)  # d/dy x**y = x**y log x, defined for x > 0
    return g * out * log_p.bind(safe_x)


power = Primitive("power", operator.pow)
power.defvjp(_power_dx, _power_dy)


# --- matmul: 1-D operands are promoted to matrices, as NumPy does ---------------------------


def _mT(a: Any) -> Any:
    if a.__class__ is np.ndarray:  # a first derivative: the same view, without the op's layers
        return a.swapaxes(-1, -2)
    axes = tuple(range(len(shape_of(a)) - 2)) + (-1, -2)
    return _shape.transpose_p.bind(a, axes=axes)


def _matrices(g: Any, x: Any, y: Any) -> bool:
    """A first derivative of matrices (or stacks of them) on arrays: the rules then call
    np.matmul directly, the same product as their general last line without its layers."""
    return (
        g.__class__ is np.ndarray
        and x.__class__ is np.ndarray
        and y.__class__ is np.ndarray
        and x.ndim >= 2
        and y.ndim >= 2
    )


def _matmul_dx(g: Any, out: Any, x: Any, y: Any) -> Any:
    if _matrices(g, x, y):
        return np.matmul(g, y.swapaxes(-1, -2))
    xs, ys = shape_of(x), shape_of(y)
    if len(ys) == 1:  # (…, n) @ (n,) -> (…): outer product with y
        return _shape.expand_dims_p(g, -1) * y
    if len(xs) == 1:  # (n,) @ (…, n, m) -> (…, m)
        return _shape.squeeze_last(matmul_p.bind(y, _shape.expand_dims_p(g, -1)))
    return matmul_p.bind(g, _mT(y))


def _matmul_dy(g: Any, out: Any, x: Any, y: Any) -> Any:
    if _matrices(g, x, y):
        return np.matmul(x.swapaxes(-1, -2), g)
    xs, ys = shape_of(x), shape_of(y)
    if len(xs) == 1 and len(ys) == 1:
        return g * x
    if len(xs) == 1:  # (n,) @ (…, n, m): outer(x, g)
        return _shape.expand_dims_p(x, -1) * _shape.expand_dims_p(g, -2)
    if len(ys) == 1:  # (…, k, n) @ (n,) -> (…, k)
        return _shape.squeeze_last(matmul_p.bind(_mT(x), _shape.expand_dims_p(g, -1)))
    return matmul_p.bind(_mT(x), g)


def _matmul_fwd(x: ArrayLike, y: ArrayLike) -> Any:
    try:
        return np.matmul(x, y)
    except ValueError:
        if np.ndim(x) == 0 or np.ndim(y) == 0:
            raise ValueError(
                f"matmul needs at least 1-D operands, got shapes {np.shape(x)} and "
                f"{np.shape(y)}; use * for scalars"
            ) from None
        raise ValueError(
            f"shapes {np.shape(x)} and {np.shape(y)} are not aligned: "
            f"{np.shape(x)[-1]} (last axis of the first) != "
            f"{np.shape(y)[-2 if np.ndim(y) > 1 else 0]} "
            f"({'second-to-last' if np.ndim(y) > 1 else 'only'} "
            "axis of the second)"
        ) from None


matmul_p = Primitive("matmul", _matmul_fwd)
matmul_p.defvjp(_matmul_dx, _matmul_dy)


@public
def matmul(x: TensorLike, y: TensorLike) -> Tensor:
    """Matrix product, as ``x @ y`` (NumPy's rules for 1-D and batched operands)."""
    return matmul_p(x, y)


# --- comparisons: boolean results, no gradient ----------------------------------------------
less = Primitive("less", operator.lt, differentiable=False)
less_equal = Primitive("less_equal", operator.le, differentiable=False)
greater: Primitive = Primitive("greater", operator.gt, differentiable=False)
greater_equal = Primitive("greater_equal", operator.ge, differentiable=False)
equal = Primitive("equal", operator.eq, differentiable=False)
not_equal = Primitive("not_equal", operator.ne, differentiable=False)


# --- selection ------------------------------------------------------------------------------
where_p: Primitive = Primitive("where", np.where)
where_p.defvjp(
    None,
    lambda g, out, c, x, y: where_p.bind(c, g, 0),
    lambda g, out, c, x, y: where_p.bind(c, 0, g),
)


@public
def where(
    condition: TensorLike, x: TensorLike | None = None, y: TensorLike | None = None
) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (gradient flows to the chosen one).

    The unselected entries get a gradient of exactly 0, but a branch computed from values at
    which it is undefined still poisons the gradient: in ``where(x > 0, sqrt(x), 0)`` the rule of
    ``sqrt`` at x = −1 multiplies that 0 by 1/√−1 = NaN. Make the unselected branch's *input*
    harmless too (the "double where" pattern)::

        positive = x > 0
        dg.where(positive, dg.sqrt(dg.where(positive, x, 1.0)), 0.0)

    Conditions carry no gradient. Both ``x`` and ``y`` are required (NumPy's one-argument form
    ``where(condition)`` gives indices: use ``np.nonzero``).

    Args:
        condition: Boolean array (or Tensor) choosing ``x`` where True and ``y`` where False.
    """
    if x is None or y is None:
        raise TypeError(
            "where: both x and y are required (for the indices of the true entries "
            "use np.nonzero(condition))"
        )
    return where_p(condition, x, y)


@public
def select(
    condlist: Sequence[TensorLike], choicelist: Sequence[TensorLike], default: TensorLike = 0
) -> Tensor:
    """Element by element, the entry of the first choice whose condition holds, else
    ``default``, as ``np.select``.

    A chain of :func:`where` from the last condition to the first: the gradient flows to the
    choice (or ``default``) selected at each entry, the others get exactly 0 there (the
    double-where advice of :func:`where` applies to each choice). Conditions carry no
    gradient. The result's dtype is NumPy's: that of the choices and ``default`` together, with
    Python numbers taking the arrays' precision.

    Args:
        condlist: The conditions: boolean arrays (or Tensors), one per choice, broadcast
            together with the choices.
        choicelist: The choices: Tensors, arrays or numbers.
        default: The value where no condition holds: a Tensor, array or number.

    Raises:
        ValueError: when ``condlist`` and ``choicelist`` differ in length or are empty, or their
            shapes do not broadcast together (naming them).
        TypeError: when a condition is not boolean (naming its position and dtype).
    """
    conds, choices = list(condlist), list(choicelist)
    if len(conds) != len(choices):
        raise ValueError(
            f"select: condlist and choicelist must have the same length, got {len(conds)} "
            f"conditions and {len(choices)} choices"
        )
    if not conds:
        raise ValueError("select: condlist is empty (give at least one condition and choice)")
    conditions = [as_operand("select", c) for c in conds]
    for i, c in enumerate(conditions):
        if c.dtype != np.bool_:
            raise TypeError(f"select: condition {i} must be boolean, got dtype {c.dtype}")
    # Python numbers stay "weak" in the result's dtype, as in np.select (NEP 50).
    operands: list[Any] = [
        x if type(x) in (int, float) else as_operand("select", x) for x in (*choices, default)
    ]
    dtype = np.result_type(*(x if type(x) in (int, float) else x.dtype for x in operands))
    operands = [x if isinstance(x, Tensor) else np.asarray(x, dtype=dtype) for x in operands]
    shapes = [shape_of(x) for x in (*conditions, *operands)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        n = len(conditions)
        raise ValueError(
            f"select: the conditions (shapes {shapes[:n]}) and the choices and default (shapes "
            f"{shapes[n:]}) do not broadcast together"
        ) from None
    out = operands[-1]
    for c, x in zip(conditions[::-1], operands[-2::-1]):
        out = where_p.bind(c, x, out)
    return as_result(out)


# Ties go to the first argument (as TensorFlow does).
maximum_p = Primitive("maximum", np.maximum)
maximum_p.defvjp(
    lambda g, out, x, y: where_p.bind(greater_equal.bind(x, y), g, 0),
    lambda g, out, x, y: where_p.bind(greater_equal.bind(x, y), 0, g),
)


@public
def maximum(x: TensorLike, y: TensorLike) -> Tensor:
    """Element-wise maximum; at ties the gradient goes to ``x``."""
    return maximum_p(x, y)


minimum_p = Primitive("minimum", np.minimum)
minimum_p.defvjp(
    lambda g, out, x, y: where_p.bind(less_equal.bind(x, y), g, 0),
    lambda g, out, x, y: where_p.bind(less_equal.bind(x, y), 0, g),
)


@public
def minimum(x: TensorLike, y: TensorLike) -> Tensor:
    """Element-wise minimum; at ties the gradient goes to ``x``."""
    return minimum_p(x, y)


# NumPy's ufuncs of these ops: np.<ufunc>(tensor) runs the primitive (see deltagrad._operators).
UFUNCS: dict[np.ufunc, Primitive] = {
    np.add: add,
    np.subtract: subtract,
    np.multiply: multiply,
    np.divide: divide,
    np.power: power,
    np.negative: negative,
    np.matmul: matmul_p,
    np.maximum: maximum_p,
    np.minimum: minimum_p,
    np.log: log_p,
    np.less: less,
    np.less_equal: less_equal,
    np.greater: greater,
    np.greater_equal: greater_equal,
    np.equal: equal,
    np.not_equal: not_equal,
}
