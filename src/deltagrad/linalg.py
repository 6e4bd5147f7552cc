"""``deltagrad.linalg``: the names of ``numpy.linalg`` on Tensors, differentiable.

``import deltagrad.linalg as la`` gives :func:`solve`, :func:`inv`, :func:`det`,
:func:`slogdet`, :func:`cholesky`, :func:`eigh`, :func:`svd`, :func:`pinv` (from
:mod:`deltagrad.ops.decomp`, where their derivative rules are) and :func:`norm` (the engine's
``dg.norm``). Each takes a matrix or a stack of matrices (the last two axes), a Tensor, array or
number, and returns Tensors recorded on every active tape; every rule is written with
differentiable ops, so second derivatives work.

>>> import deltagrad as dg, deltagrad.linalg as la
>>> a = dg.constant([[2.0, 1.0], [1.0, 3.0]])
>>> dg.grad(lambda a: la.slogdet(a).logabsdet)(a)  # a⁻ᵀ
Tensor([[ 0.6, -0.2],
 [-0.2,  0.4]], shape=(2, 2), dtype=float64)
"""

from deltagrad.api import norm
from deltagrad.ops.decomp import (
    EighResult,
    SlogdetResult,
    SVDResult,
    cholesky,
    det,
    eigh,
    inv,
    pinv,
    slogdet,
    solve,
    svd,
)

__all__ = [
    "solve",
    "inv",
    "det",
    "slogdet",
    "cholesky",
    "eigh",
    "svd",
    "pinv",
    "norm",
    "SlogdetResult",
    "EighResult",
    "SVDResult",
]
