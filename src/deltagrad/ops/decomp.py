"""Matrix solvers and decompositions: solve, inv, det, slogdet, cholesky, eigh.

Each op works on a matrix or a stack of matrices (the last two axes), as ``numpy.linalg`` does,
and is public as ``deltagrad.linalg.<name>`` (``@public(namespace="linalg")``, so
``np.linalg.<name>(tensor)`` runs it too). The rules are written with the operators, NumPy
functions (which run deltagrad's ops on Tensors) and these primitives' ``bind``, so a rule runs
on arrays (a first derivative) or on Tensors (recorded by an outer tape: higher derivatives).

Conventions:

* cholesky and eigh read one triangle of a symmetric matrix; their gradients are symmetric
  (as JAX's, and autograd's for cholesky): they are the derivatives for a perturbation of the
  matrix that keeps it symmetric. Check them against finite differences through a symmetric
  parametrisation, such as ``(x + x.T) / 2``.
* eigh's eigenvector gradient assumes distinct eigenvalues (it divides by their differences).
  A function of the eigenvalues alone has a finite gradient also at repeated eigenvalues.
* det's gradient det(a)·a⁻ᵀ needs an invertible matrix (as autograd's).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltagrad.ops.core import Primitive, as_operand, shape_of
from deltagrad.ops.public import public
from deltagrad.tensor import Tensor

__all__ = ["solve", "inv", "det", "slogdet", "cholesky", "eigh"]


def _mT(x: Any) -> Any:
    """The matrix transpose of each matrix of a stack (the last two axes swapped)."""
    return np.swapaxes(x, -1, -2)


def _check_square(name: str, shape: tuple[int, ...], arg: str = "a") -> None:
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(
            f"{name}: {arg} must be a square matrix or a stack of them (shape (..., M, M)), "
            f"got shape {shape}"
        )


def _square(name: str, a: Any) -> Any:
    a = as_operand(name, a)
    _check_square(name, shape_of(a))
    return a


# --- solve ----------------------------------------------------------------------------------


def _solve_fwd(a: Any, b: Any) -> Any:
    return np.linalg.solve(a, b)  # b is (..., M, K): solve() turns a vector into one column


solve_p = Primitive("solve", _solve_fwd)
# x = a⁻¹b: b̄ = a⁻ᵀḡ, ā = −b̄ xᵀ (broadcast batch axes are summed by the tape).
solve_p.defvjp(
    lambda g, out, a, b: -(solve_p.bind(_mT(a), g) @ _mT(out)),
    lambda g, out, a, b: solve_p.bind(_mT(a), g),
)


@public(namespace="linalg")
def solve(a, b) -> Tensor:
    """The solution ``x`` of ``a @ x = b``, as ``np.linalg.solve``.

    ``b`` is a vector only when it is 1-D (shape (M,)); otherwise it is a matrix (or a stack of
    them) of shape (..., M, K), and the stack axes of ``a`` and ``b`` broadcast (NumPy 2's
    rule). Gradients: b̄ = a⁻ᵀḡ and ā = −b̄xᵀ.

    Args:
        a: The coefficient matrix, shape (..., M, M): a Tensor, array or number.
        b: The right-hand side, shape (M,) or (..., M, K).

    Returns:
        Tensor: x, of shape (..., M) for a vector ``b``, else (..., M, K).

    Raises:
        ValueError: naming the shapes of ``a`` and ``b`` when ``a`` is not square, their sizes
            do not fit or their stacks do not broadcast; for a singular ``a``.
    """
    a, b = as_operand("solve", a), as_operand("solve", b)
    sa, sb = shape_of(a), shape_of(b)
    shapes = f"a of shape {sa} and b of shape {sb}"
    if len(sa) < 2 or sa[-1] != sa[-2]:
        raise ValueError(f"solve: a must be a square matrix or a stack of them, got {shapes}")
    if len(sb) == 0 or sb[-1 if len(sb) == 1 else -2] != sa[-1]:
        raise ValueError(
            f"solve: b must have shape ({sa[-1]},) or (..., {sa[-1]}, K) to fit a, got {shapes}"
        )
    if len(sb) == 1:
        return solve_p(a, b[:, None])[..., 0]
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ValueError(f"solve: the stacks of a and b do not broadcast: {shapes}") from None
    return solve_p(a, b)


# --- inv, det, slogdet ----------------------------------------------------------------------

inv_p = Primitive("inv", np.linalg.inv)
# d(a⁻¹) = −a⁻¹ da a⁻¹, so ā = −a⁻ᵀ ḡ a⁻ᵀ.
inv_p.defvjp(lambda g, out, a: -(_mT(out) @ g @ _mT(out)))


@public(namespace="linalg")
def inv(a) -> Tensor:
    """The inverse of a matrix (or of each matrix of a stack), as ``np.linalg.inv``.

    Gradient: ā = −a⁻ᵀḡa⁻ᵀ.

    Args:
        a: The matrix or stack of matrices, shape (..., M, M): a Tensor, array or number.

    Returns:
        Tensor: a⁻¹, of the shape of ``a``.

    Raises:
        ValueError: when ``a`` is not square (naming its shape) or is singular.
    """
    return inv_p(_square("inv", a))


det_p = Primitive("det", np.linalg.det)
det_p.defvjp(lambda g, out, a: (g * out)[..., None, None] * _mT(inv_p.bind(a)))


@public(namespace="linalg")
def det(a) -> Tensor:
    """The determinant of a matrix (or of each matrix of a stack), as ``np.linalg.det``.

    Gradient: ā = ḡ·det(a)·a⁻ᵀ, which needs an invertible ``a``; for a log-likelihood use
    :func:`slogdet`, which is also stable where det under- or overflows.

    Args:
        a: The matrix or stack of matrices, shape (..., M, M): a Tensor, array or number.

    Returns:
        Tensor: det(a), of shape ``a.shape[:-2]``.

    Raises:
        ValueError: when ``a`` is not square (naming its shape).
    """
    return det_p(_square("det", a))


class SlogdetResult(NamedTuple):
    """The result of :func:`slogdet`: det(a) = sign · exp(logabsdet)."""

    sign: Tensor
    """The sign of det(a): 1, −1, or 0 for a singular matrix (carries no gradient)."""
    logabsdet: Tensor
    """log |det(a)| (−inf for a singular matrix)."""


logabsdet_p = Primitive("slogdet", lambda a: np.linalg.slogdet(a)[1])
logabsdet_p.defvjp(lambda g, out, a: g[..., None, None] * _mT(inv_p.bind(a)))
slogdet_sign_p = Primitive("slogdet_sign", lambda a: np.linalg.slogdet(a)[0], differentiable=False)


@public(namespace="linalg")
def slogdet(a) -> SlogdetResult:
    """The sign and the logarithm of the absolute value of the determinant, as
    ``np.linalg.slogdet``.

    Gradient of ``logabsdet``: a⁻ᵀ (times ḡ); ``sign`` is piecewise constant and carries no
    gradient.

    Args:
        a: The matrix or stack of matrices, shape (..., M, M): a Tensor, array or number.

    Returns:
        SlogdetResult: the pair ``(sign, logabsdet)`` of Tensors of shape ``a.shape[:-2]``.

    Raises:
        ValueError: when ``a`` is not square (naming its shape).
    """
    a = _square("slogdet", a)
    return SlogdetResult(slogdet_sign_p(a), logabsdet_p(a))


# --- cholesky -------------------------------------------------------------------------------


def _lower_half_diagonal(n: int) -> Any:
    """1 below the diagonal, ½ on it, 0 above: the mask of Φ in cholesky's rule."""
    return np.tril(np.ones((n, n))) - 0.5 * np.eye(n)


def _cholesky_vjp(g: Any, out: Any, a: Any) -> Any:
    # a = L Lᵀ. With P = Φ(Lᵀḡ) (the lower triangle, diagonal halved), S = L⁻ᵀ P L⁻¹ and
    # ā = (S + Sᵀ)/2: the gradient for symmetric perturbations of a.
    lt = _mT(out)
    p = (lt @ g) * _lower_half_diagonal(shape_of(a)[-1])
    x = solve_p.bind(lt, p)  # L⁻ᵀ P
    s = _mT(solve_p.bind(lt, _mT(x)))  # L⁻ᵀ P L⁻¹
    return 0.5 * (s + _mT(s))


cholesky_p = Primitive("cholesky", np.linalg.cholesky)
cholesky_p.defvjp(_cholesky_vjp)


@public(namespace="linalg")
def cholesky(a, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix (or of each matrix of a
    stack), as ``np.linalg.cholesky``: the lower-triangular L with a = LLᵀ, or with
    ``upper=True`` its transpose U = Lᵀ (a = UᵀU).

    Only the lower triangle of ``a`` is read. The gradient is symmetric: it is the derivative
    for perturbations of ``a`` that keep it symmetric (as autograd's and JAX's), so a check by
    finite differences goes through a symmetric parametrisation such as ``(x + x.T) / 2``.

    Args:
        a: A symmetric positive-definite matrix or stack of them, shape (..., M, M).
        upper: Return the upper-triangular factor Lᵀ instead of L.

    Returns:
        Tensor: L (or Lᵀ), of the shape of ``a``.

    Raises:
        ValueError: when ``a`` is not square (naming its shape) or not positive definite.
    """
    factor = cholesky_p(_square("cholesky", a))
    return _mT(factor) if upper else factor


# --- eigh -----------------------------------------------------------------------------------


class EighResult(NamedTuple):
    """The result of :func:`eigh`: a = v · diag(w) · vᵀ."""

    eigenvalues: Tensor
    """The eigenvalues w in ascending order, shape (..., M)."""
    eigenvectors: Tensor
    """The orthonormal eigenvectors, one per column: shape (..., M, M)."""


def _eigh_fwd(a: Any, UPLO: Any) -> Any:  # noqa: N803 - NumPy's name
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return np.concatenate([w[..., None, :], v], axis=-2)  # one array: (..., M + 1, M)


def _eigh_vjp(g: Any, out: Any, a: Any, UPLO: str) -> Any:  # noqa: N803
    # ā = v (diag(w̄) + F ∘ (vᵀ v̄)) vᵀ with F[i, j] = 1 / (w[j] − w[i]) off the diagonal,
    # symmetrised. Without an eigenvector gradient F is left out: finite also for repeated w.
    n = shape_of(a)[-1]
    eye = np.eye(n)
    w, v = out[..., 0, :], out[..., 1:, :]
    gw, gv = g[..., 0, :], g[..., 1:, :]
    inner = gw[..., None, :] * eye
    if np.any(gv._value if isinstance(gv, Tensor) else gv):
        f = (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)
        inner = inner + f * (_mT(v) @ gv)
    ga = v @ inner @ _mT(v)
    return 0.5 * (ga + _mT(ga))


eigh_p = Primitive("eigh", _eigh_fwd)
eigh_p.defvjp(_eigh_vjp)


@public(namespace="linalg")
def eigh(a, UPLO: str = "L") -> EighResult:  # noqa: N803 - NumPy's name
    """The eigenvalues and eigenvectors of a symmetric matrix (or of each matrix of a stack),
    as ``np.linalg.eigh``.

    Only one triangle of ``a`` is read (``UPLO``). Gradients for both outputs, symmetric (as
    JAX's): w̄ contributes v·diag(w̄)·vᵀ, v̄ contributes v(F ∘ vᵀv̄)vᵀ with
    F[i, j] = 1/(w[j] − w[i]). The eigenvector gradient assumes distinct eigenvalues (it is
    infinite or NaN where two are equal); a function of the eigenvalues alone has a finite
    gradient also at repeated eigenvalues. Each eigenvector is defined up to its sign, so only
    functions that do not depend on the signs (v², v vᵀ, …) have a gradient that finite
    differences reproduce.

    Args:
        a: A symmetric matrix or stack of them, shape (..., M, M).
        UPLO: Read the lower ('L') or the upper ('U') triangle.

    Returns:
        EighResult: the pair ``(eigenvalues, eigenvectors)``: w of shape (..., M) in ascending
        order and v of shape (..., M, M) with the eigenvectors as columns.

    Raises:
        ValueError: when ``a`` is not square (naming its shape) or ``UPLO`` is not 'L' or 'U'.
    """
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    packed = eigh_p(_square("eigh", a), UPLO=UPLO)
    return EighResult(packed[..., 0, :], packed[..., 1:, :])
