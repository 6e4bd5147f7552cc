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
from deltagrad.ops.unary import (abs_, cast, exp, leaky_relu, log, relu, sigmoid, sign, sqrt,
                                 square, stop_gradient, tanh)
from deltagrad.ops.reduce import max_, mean, sum_
from deltagrad.ops.nn import log_softmax, softmax, softmax_cross_entropy

UFUNCS = {
    np.add: add, np.subtract: subtract, np.multiply: multiply, np.divide: divide,
    np.power: power, np.negative: negative, np.matmul: matmul, np.maximum: maximum,
    np.minimum: minimum, np.exp: exp, np.log: log, np.sqrt: sqrt, np.square: square,
    np.absolute: abs_, np.tanh: tanh, np.sign: sign, np.less: less, np.less_equal: less_equal,
    np.greater: greater, np.greater_equal: greater_equal, np.equal: equal,
    np.not_equal: not_equal,
}
