"""deltagrad's primitives and their derivative rules.

Each module registers its rules right under the forward functions; this package imports them
all explicitly. ``UFUNCS`` maps NumPy ufuncs to primitives so ``np.exp(tensor)`` is recorded.
"""
import numpy as np

from deltagrad.ops.core import Primitive, broadcast_to, shape_of, sum_to_shape, unbroadcast
from deltagrad.ops.shape import concatenate, getitem, reshape, scatter, stack, transpose
from deltagrad.ops.arith import (add, divide, equal, greater, greater_equal, less, less_equal,
                                 matmul, maximum, minimum, multiply, negative, not_equal, power,
                                 subtract, where)
from deltagrad.ops.unary import (abs_, cast, cast_to_discrete, exp, identity, leaky_relu, log,
                                 relu, sigmoid, sqrt, square, stop_gradient, tanh)
from deltagrad.ops.reduce import (argmax, argmin, cumsum, logsumexp, max_, mean, min_, norm,
                                  prod, std, sum_, var)
from deltagrad.ops.elementwise import (arccos, arccosh, arcsin, arcsinh, arctan, arctan2,
                                       arctanh, ceil, clip, cos, cosh, erf, exp2, expm1, floor,
                                       log1p, log2, log10, reciprocal, round_, sign, sin, sinh,
                                       softplus, tan, zeros_like)
from deltagrad.ops.nn import (log_softmax, softmax, softmax_cross_entropy,
                              sparse_softmax_cross_entropy)
from deltagrad.ops.linalg import (diag, diagonal, dot, einsum, inner, outer, tensordot, trace,
                                  tril, triu)

UFUNCS = {
    np.add: add, np.subtract: subtract, np.multiply: multiply, np.divide: divide,
    np.power: power, np.negative: negative, np.matmul: matmul, np.maximum: maximum,
    np.minimum: minimum, np.exp: exp, np.log: log, np.sqrt: sqrt, np.square: square,
    np.absolute: abs_, np.tanh: tanh, np.sign: sign, np.less: less, np.less_equal: less_equal,
    np.greater: greater, np.greater_equal: greater_equal, np.equal: equal,
    np.not_equal: not_equal,
    np.sin: sin, np.cos: cos, np.tan: tan, np.arcsin: arcsin, np.arccos: arccos,
    np.arctan: arctan, np.arctan2: arctan2, np.sinh: sinh, np.cosh: cosh, np.arcsinh: arcsinh,
    np.arccosh: arccosh, np.arctanh: arctanh, np.log1p: log1p, np.expm1: expm1, np.log2: log2,
    np.log10: log10, np.exp2: exp2, np.reciprocal: reciprocal, np.floor: floor, np.ceil: ceil,
}
