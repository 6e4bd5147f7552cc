"""Element-wise functions of one tensor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from deltagrad import functional as F
from deltagrad.ops.core import Primitive
from deltagrad.ops.public import TensorLike, public
from deltagrad.tensor import Tensor, as_tensor

__all__ = [
    "exp",
    "log",
    "sqrt",
    "abs",
    "square",
    "tanh",
    "sigmoid",
    "cast",
    "stop_gradient",
    "absolute",
]

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike, NDArray

exp_p = Primitive("exp", np.exp)
exp_p.defvjp(lambda g, out, x: g * out)


@public
def exp(x: TensorLike) -> Tensor:
    """e**x, element-wise."""
    return exp_p(x)


log_p = Primitive("log", np.log)
log_p.defvjp(lambda g, out, x: g / x)


@public
def log(x: TensorLike) -> Tensor:
    """Natural logarithm, element-wise."""
    return log_p(x)


sqrt_p = Primitive("sqrt", np.sqrt)
sqrt_p.defvjp(lambda g, out, x: g / (2 * out))


@public
def sqrt(x: TensorLike) -> Tensor:
    """Square root, element-wise."""
    return sqrt_p(x)


square_p = Primitive("square", np.square)
square_p.defvjp(lambda g, out, x: g * (2 * x))


@public
def square(x: TensorLike) -> Tensor:
    """x², element-wise."""
    return square_p(x)


abs_p = Primitive("abs", np.abs)
abs_p.defvjp(lambda g, out, x: g * _sign_p.bind(x))


@public
def abs(x: TensorLike) -> Tensor:  # noqa: A001 - mirrors NumPy's name
    """|x|, element-wise (derivative sign(x); 0 at x = 0)."""
    return abs_p(x)


@public
def absolute(x: TensorLike) -> Tensor:
    """|x|, element-wise: the same as :func:`abs` (NumPy's name); derivative sign(x), 0 at 0."""
    return abs(x)


_sign_p: Primitive = Primitive("sign", np.sign, differentiable=False)

tanh_p = Primitive("tanh", np.tanh)


def _sech2(x: Any) -> Any:
    with np.errstate(over="ignore"):  # cosh overflows past |x| = 710: sech² is 0 there
        return 1.0 / np.cosh(x) ** 2


# sech²(x) as one op, for tanh's higher derivatives: its derivative −2·sech²(x)·tanh(x) is
# finite everywhere, where differentiating 1 / cosh²(x) as ops would give inf / inf far out.
sech2_p = Primitive("sech2", _sech2)
sech2_p.defvjp(lambda g, out, x: g * (-2.0 * out * tanh_p.bind(x)))


def _tanh_vjp(g: Any, out: Any, x: Any) -> Any:
    # 1 − tanh²(x) = 1 / cosh²(x), computed as the latter: to a few ulps everywhere, where
    # 1 − tanh² cancels (relative error 1e-9 at |x| = 10, and 0 instead of 4e-18 at |x| = 20).
    # On arrays it is g / cosh(x)², digit for digit HIPS autograd's; on Tensors (a higher
    # derivative is being recorded) it is the op sech², which stays finite at every order.
    if isinstance(x, Tensor):
        return g * sech2_p.bind(x)
    with np.errstate(over="ignore"):
        return g / np.cosh(x) ** 2


tanh_p.defvjp(_tanh_vjp)


@public
def tanh(x: TensorLike) -> Tensor:
    """Hyperbolic tangent; derivative 1 − tanh²(x) = 1 / cosh²(x), computed as the latter (the
    former loses all digits as tanh(x) nears ±1)."""
    return tanh_p(x)


# The forward formula is functional's (stable for any x); the VJP below is this engine's own.
sigmoid_p = Primitive("sigmoid", F.sigmoid)
sigmoid_p.defvjp(lambda g, out, x: g * (out * (1 - out)))


@public
def sigmoid(x: TensorLike) -> Tensor:
    """σ(x) = 1 / (1 + e^−x), stable for any x; derivative σ(x)(1 − σ(x))."""
    return sigmoid_p(x)


def _cast(x: ArrayLike, dtype: DTypeLike) -> NDArray[Any]:
    return np.asarray(x).astype(dtype)


# A cast to a floating-point dtype passes the gradient back (cast to the input's dtype); a cast
# to an integer or boolean dtype gives a result that carries no gradient (as in TensorFlow).
cast_p = Primitive("cast", _cast)
cast_p.defvjp(lambda g, out, x, dtype: cast_p.bind(g, dtype=x.dtype))


@public
def cast(x: TensorLike, dtype: DTypeLike) -> Tensor:
    """``x`` converted to ``dtype``.

    To a floating-point dtype the gradient flows back (cast to ``x``'s dtype). An integer or
    boolean result carries no gradient: a gradient through it is None (or zeros with
    ``unconnected_gradients="zero"``), as in TensorFlow.

    Args:
        dtype: The NumPy dtype (or its name) to cast to.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return cast_p(x, dtype=dtype)
    return cast_to_discrete(x, dtype=dtype)


cast_to_discrete = Primitive("cast", _cast, differentiable=False)

stop_gradient_p = Primitive("stop_gradient", lambda x: x, differentiable=False)


@public
def stop_gradient(x: TensorLike) -> Tensor:
    """``x`` as a constant: no gradient flows through it."""
    return stop_gradient_p(as_tensor(x))


# A new tensor with the same value, recorded: gives an argument its own identity on the tape.
identity = Primitive("identity", lambda x: x)
identity.defvjp(lambda g, out, x: g)

# NumPy's ufuncs of these ops: np.<ufunc>(tensor) runs the primitive (see deltagrad._operators).
UFUNCS: dict[np.ufunc, Primitive] = {
    np.exp: exp_p,
    np.sqrt: sqrt_p,
    np.square: square_p,
    np.absolute: abs_p,
    np.tanh: tanh_p,
}
