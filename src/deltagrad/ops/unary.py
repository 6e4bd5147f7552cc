"""Element-wise functions of one tensor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from deltagrad import functional as F
from deltagrad.ops.core import Primitive

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike, NDArray

exp = Primitive("exp", np.exp)
exp.defvjp(lambda g, out, x: g * out)

log = Primitive("log", np.log)
log.defvjp(lambda g, out, x: g / x)

sqrt = Primitive("sqrt", np.sqrt)
sqrt.defvjp(lambda g, out, x: g / (2 * out))

square = Primitive("square", np.square)
square.defvjp(lambda g, out, x: g * (2 * x))

abs_ = Primitive("abs", np.abs)
abs_.defvjp(lambda g, out, x: g * sign.bind(x))

sign: Primitive = Primitive("sign", np.sign, differentiable=False)

tanh = Primitive("tanh", np.tanh)
tanh.defvjp(lambda g, out, x: g * (1 - out * out))


# The forward formula is functional's (stable for any x); the VJP below is this engine's own.
sigmoid = Primitive("sigmoid", F.sigmoid)
sigmoid.defvjp(lambda g, out, x: g * (out * (1 - out)))


def _cast(x: ArrayLike, dtype: DTypeLike) -> NDArray[Any]:
    return np.asarray(x).astype(dtype)


# A cast to a floating-point dtype passes the gradient back (cast to the input's dtype); a cast
# to an integer or boolean dtype gives a result that carries no gradient (as in TensorFlow).
cast = Primitive("cast", _cast)
cast.defvjp(lambda g, out, x, dtype: cast.bind(g, dtype=x.dtype))
cast_to_discrete = Primitive("cast", _cast, differentiable=False)

stop_gradient = Primitive("stop_gradient", lambda x: x, differentiable=False)

# A new tensor with the same value, recorded: gives an argument its own identity on the tape.
identity = Primitive("identity", lambda x: x)
identity.defvjp(lambda g, out, x: g)
