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

Every op raises TypeError for an operand that is not numeric and ValueError for shapes or
settings that do not fit, naming the op, the shapes and the dtypes.
"""

__version__ = "0.1.0"

from deltagrad import (
    _operators,  # attaches Tensor's operators and NumPy protocols
    descent,
    exercises,
    extend,
    linalg,
    optim,
    tree,
)
from deltagrad.api import *  # noqa: F403 - every public op (see deltagrad.api)
from deltagrad.api import __all__ as _ops_all
from deltagrad.checking import check_backprop, check_network
from deltagrad.function import function
from deltagrad.ops.core import Primitive
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, Variable, as_tensor, constant
from deltagrad.transforms import (
    checkpoint,
    custom_gradient,
    elementwise_grad,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
    vmap,
)

__all__ = [
    "Tensor",
    "Variable",
    "constant",
    "as_tensor",
    "GradientTape",
    "grad",
    "value_and_grad",
    "jacobian",
    "hessian",
    "hvp",
    "jvp",
    "custom_gradient",
    "vjp",
    "elementwise_grad",
    "checkpoint",
    "vmap",
    "function",
    "Primitive",
    "optim",
    "linalg",
    "tree",
    "descent",
    "extend",
    "check_backprop",
    "check_network",
]
__all__ += _ops_all


def __getattr__(name: str):
    # dg.viz is imported on first use: drawing needs matplotlib and igraph, which
    # `import deltagrad` does not load.
    if name == "viz":
        import importlib

        return importlib.import_module("deltagrad.viz")
    raise AttributeError(f"module 'deltagrad' has no attribute {name!r}")
