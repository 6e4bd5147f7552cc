"""deltagrad's ops: the primitives, their derivative rules and the public functions.

Each op has one home, its module here: ``exp_p`` is the engine-level op (a
:class:`~deltagrad.ops.core.Primitive`, or a composite of primitives: arrays in give arrays out,
Tensors in give recorded Tensors out) with its rule registered right under it, and ``exp`` is the
public function ``dg.exp`` (decorated with :func:`~deltagrad.ops.public.public`, listed in the
module's ``__all__``). Rules use the ``_p`` ops, so they run on arrays and on Tensors alike. This
package imports the engine-level ops explicitly. ``UFUNCS`` maps NumPy ufuncs to primitives so
``np.exp(tensor)`` is recorded.
"""

import numpy as np

from deltagrad.ops import arith, elementwise, elementwise_extra, unary
from deltagrad.ops.arith import (
    add,
    divide,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    matmul_p,
    maximum_p,
    minimum_p,
    multiply,
    negative,
    not_equal,
    power,
    subtract,
    where_p,
)
from deltagrad.ops.core import Primitive, broadcast_to_p, shape_of, sum_to_shape, unbroadcast
from deltagrad.ops.elementwise import (
    arccos_p,
    arccosh_p,
    arcsin_p,
    arcsinh_p,
    arctan2_p,
    arctan_p,
    arctanh_p,
    ceil_p,
    clip_p,
    cos_p,
    cosh_p,
    erf_p,
    exp2_p,
    expm1_p,
    floor_p,
    leaky_relu_p,
    log1p_p,
    log2_p,
    log10_p,
    reciprocal_p,
    relu_p,
    round_p,
    sign_p,
    sin_p,
    sinh_p,
    softplus_p,
    tan_p,
    zeros_like_p,
)
from deltagrad.ops.linalg import (
    diag_p,
    diagonal_p,
    dot_p,
    einsum_p,
    inner_p,
    outer_p,
    tensordot_p,
    trace_p,
    tril_p,
    triu_p,
)
from deltagrad.ops.nn import (
    log_softmax_p,
    softmax_cross_entropy_p,
    softmax_p,
    sparse_softmax_cross_entropy_p,
)
from deltagrad.ops.reduce import (
    argmax_p,
    argmin_p,
    cumsum_p,
    logsumexp_p,
    max_p,
    mean_p,
    min_p,
    norm_p,
    prod_p,
    std_p,
    sum_p,
    var_p,
)
from deltagrad.ops.shape import concatenate_p, getitem, reshape_p, scatter, stack_p, transpose_p
from deltagrad.ops.unary import (
    abs_p,
    cast_p,
    cast_to_discrete,
    exp_p,
    identity,
    log_p,
    sech2_p,
    sigmoid_p,
    sqrt_p,
    square_p,
    stop_gradient_p,
    tanh_p,
)

UFUNCS: dict[np.ufunc, Primitive] = {
    **arith.UFUNCS,
    **unary.UFUNCS,
    **elementwise.UFUNCS,
    **elementwise_extra.UFUNCS,
}
"""NumPy ufunc → primitive, gathered from the op modules that define ufuncs."""
