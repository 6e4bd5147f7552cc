"""deltagrad: backpropagation, from the chapter to tested, fast software.

``import deltagrad as dg`` gives the reverse-mode engine: :func:`constant`, :class:`Variable`,
:class:`Tensor`, :class:`GradientTape`, :func:`grad`, :func:`value_and_grad` and the ops
(``dg.exp``, ``dg.sigmoid``, ``dg.sum``, ``@``, indexing, …).
"""
__version__ = "0.1.0"

from deltagrad.tensor import Tensor, Variable, as_tensor, constant
from deltagrad.tape import GradientTape
from deltagrad.transforms import grad, value_and_grad
from deltagrad.api import (abs, cast, concatenate, exp, leaky_relu, log, log_softmax, matmul,
                           max, maximum, mean, minimum, relu, reshape, sigmoid, softmax,
                           softmax_cross_entropy, sqrt, square, stack, stop_gradient, sum, tanh,
                           transpose, where)
from deltagrad import optim

__all__ = [
    "Tensor", "Variable", "constant", "as_tensor", "GradientTape", "grad", "value_and_grad",
    "abs", "cast", "concatenate", "exp", "leaky_relu", "log", "log_softmax", "matmul", "max",
    "maximum", "mean", "minimum", "relu", "reshape", "sigmoid", "softmax",
    "softmax_cross_entropy", "sqrt", "square", "stack", "stop_gradient", "sum", "tanh",
    "transpose", "where", "optim",
]
