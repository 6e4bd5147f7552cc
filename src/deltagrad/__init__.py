"""deltagrad: backpropagation, from the chapter to tested, fast software.

``import deltagrad as dg`` gives the reverse-mode engine: :func:`constant`, :class:`Variable`,
:class:`Tensor`, :class:`GradientTape`, :func:`grad`, :func:`value_and_grad` and the ops
(``dg.exp``, ``dg.sigmoid``, ``dg.sum``, ``@``, indexing, …).

Each forward formula has one home, :mod:`deltagrad.functional` (the stable sigmoid, softmax,
log-softmax, the chapter's MSE, the LeakyReLU slope ``LEAKY_ALPHA``). The *derivatives* are
written four times on purpose, sharing no code: analytically (:mod:`deltagrad.functional`),
as VJP rules (:mod:`deltagrad.ops`), as the chapter's delta rule (:mod:`deltagrad.backprop`)
and as compiled kernels (:mod:`deltagrad.fast`). The tests check them against each other,
which would prove nothing if they shared code.
"""
__version__ = "0.1.0"

from deltagrad.tensor import Tensor, Variable, as_tensor, constant
from deltagrad.tape import GradientTape
from deltagrad.transforms import (custom_gradient, grad, hessian, hvp, jacobian, jvp,
                                  value_and_grad)
from deltagrad.ops.core import Primitive
from deltagrad.api import sparse_softmax_cross_entropy
from deltagrad.api import (abs, cast, concatenate, exp, leaky_relu, log, log_softmax, matmul,
                           max, maximum, mean, minimum, relu, reshape, sigmoid, softmax,
                           softmax_cross_entropy, sqrt, square, stack, stop_gradient, sum, tanh,
                           transpose, where)
from deltagrad.api import (absolute, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,
                           arctanh, argmax, argmin, ceil, clip, cos, cosh, cumsum, erf, exp2,
                           expm1, floor, log1p, log2, log10, logsumexp, min, norm, prod,
                           reciprocal, round, sign, sin, sinh, softplus, std, tan, var)
from deltagrad.api import (array_split, diag, diagonal, dot, einsum, expand_dims, flip, inner,
                           moveaxis, outer, pad, repeat, roll, sort, split, squeeze, swapaxes,
                           take, tensordot, tile, trace, tril, triu)
from deltagrad import optim

__all__ = [
    "Tensor", "Variable", "constant", "as_tensor", "GradientTape", "grad", "value_and_grad",
    "jacobian", "hessian", "hvp", "jvp", "custom_gradient", "Primitive",
    "sparse_softmax_cross_entropy",
    "abs", "cast", "concatenate", "exp", "leaky_relu", "log", "log_softmax", "matmul", "max",
    "maximum", "mean", "minimum", "relu", "reshape", "sigmoid", "softmax",
    "softmax_cross_entropy", "sqrt", "square", "stack", "stop_gradient", "sum", "tanh",
    "transpose", "where", "optim",
    "absolute", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "argmax", "argmin", "ceil", "clip", "cos", "cosh", "cumsum", "erf", "exp2", "expm1", "floor",
    "log1p", "log2", "log10", "logsumexp", "min", "norm", "prod", "reciprocal", "round", "sign",
    "sin", "sinh", "softplus", "std", "tan", "var",
    "array_split", "diag", "diagonal", "dot", "einsum", "expand_dims", "flip", "inner",
    "moveaxis", "outer", "pad", "repeat", "roll", "sort", "split", "squeeze", "swapaxes", "take",
    "tensordot", "tile", "trace", "tril", "triu",
]
