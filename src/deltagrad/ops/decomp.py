"""Matrix solvers and decompositions: solve, inv, det, slogdet, cholesky, eigh, svd, pinv.

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
* svd's singular-vector gradient assumes distinct, nonzero singular values (it divides by
  s[j]² − s[i]² and, for a non-square matrix, by s). A function of the singular values alone
  has a finite gradient also where they repeat. The columns of U beyond min(M, N) (rows of Vh)
  that ``full_matrices=True`` adds for a non-square matrix are any orthonormal basis of the
  complement: they carry no gradient (NotImplementedError if a result depends on them).
* pinv's gradient is that of the Moore-Penrose inverse along perturbations that keep the rank
  (Golub and Pereyra's formula): exact for full-rank matrices, as autograd's.
* ``hermitian=True`` (svd, pinv) reads the lower triangle, as NumPy does: the gradient is then
  symmetric, as cholesky's and eigh's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltagrad.ops.core import Primitive, as_operand, shape_of, value_of
from deltagrad.ops.public import public
from deltagrad.tensor import Tensor

__all__ = ["solve", "inv", "det", "slogdet", "cholesky", "eigh", "svd", "pinv"]


def _mT(x: Any) -> Any:
    """The matrix transpose of each matrix of a stack (the last two axes swapped)."""
    return np.swapaxes(x, -1, -2)


def _check_square(name: str, shape: tuple[int, ...], arg: str = "a") -> None:
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(
            f"{name}: {arg} must be a square matrix or a stack of them (shape (..., M, M)), "
            f"got shape {shape}"
        )


def _matrix(name: str, a: Any, hermitian: bool) -> Any:
    """``a`` as an operand of op ``name``: a matrix or a stack of them (square if hermitian)."""
    a = as_operand(name, a)
    shape = shape_of(a)
    if len(shape) < 2:
        raise ValueError(
            f"{name}: a must be a matrix or a stack of them (shape (..., M, N)), got shape {shape}"
        )
    if hermitian:
        _check_square(name, shape)
    return a


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


# --- svd ------------------------------------------------------------------------------------


class SVDResult(NamedTuple):
    """The result of :func:`svd` with ``compute_uv=True``: a = U · diag(S) · Vh."""

    U: Tensor
    """The left singular vectors, one per column: shape (..., M, K) with K = min(M, N), or
    (..., M, M) with ``full_matrices=True``."""
    S: Tensor
    """The singular values in descending order, shape (..., K)."""
    Vh: Tensor
    """The right singular vectors, one per row: shape (..., K, N), or (..., N, N) with
    ``full_matrices=True``."""


def _svd_unpack(packed: Any, shape: tuple[int, ...], full_matrices: bool) -> tuple[Any, Any, Any]:
    """U, S and Vh of the packed result (or gradient) of ``svd_p`` for a matrix of ``shape``."""
    m, n = shape[-2:]
    k = min(m, n)
    ku, kv = (m, n) if full_matrices else (k, k)
    batch = shape_of(packed)[:-1]
    u = packed[..., : m * ku].reshape(batch + (m, ku))
    s = packed[..., m * ku : m * ku + k]
    vh = packed[..., m * ku + k :].reshape(batch + (kv, n))
    return u, s, vh


def _svd_fwd(a: Any, full_matrices: bool, hermitian: bool) -> Any:
    # One array, U, S and Vh flattened one after the other (their widths differ):
    # shape (..., M·KU + K + KV·N).
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices, hermitian=hermitian)
    batch = s.shape[:-1]
    flat_u = u.reshape(batch + (u.shape[-2] * u.shape[-1],))
    flat_vh = vh.reshape(batch + (vh.shape[-2] * vh.shape[-1],))
    return np.concatenate([flat_u, s, flat_vh], axis=-1)


def _svd_adjoint(u: Any, s: Any, vh: Any, gu: Any, gs: Any, gvh: Any) -> Any:
    """ā of the thin SVD a = U diag(s) Vh (U: M×K, Vh: K×N, K = min(M, N)) for the
    cotangents gu, gs, gvh: U [(F∘(UᵀŪ − ŪᵀU)) S + diag(s̄) + S (F∘(VᵀV̄ − V̄ᵀV))] Vᵀ
    + (I − UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I − VVᵀ), F[i, j] = 1/(s[j]² − s[i]²) off the diagonal.
    """
    m, n = shape_of(u)[-2], shape_of(vh)[-1]
    k = min(m, n)
    eye = np.eye(k)
    if not (np.any(value_of(gu)) or np.any(value_of(gvh))):
        # The singular values alone: no division, finite also where they repeat.
        return (u * gs[..., None, :]) @ vh
    s_row, s_col = s[..., None, :], s[..., :, None]
    f = (1.0 - eye) / (s_row**2 - s_col**2 + eye)
    utgu = _mT(u) @ gu
    vtgv = vh @ _mT(gvh)
    inner = (f * (utgu - _mT(utgu))) * s_row + s_col * (f * (vtgv - _mT(vtgv)))
    inner = inner + gs[..., None, :] * eye  # diag(s̄)
    ga = u @ inner @ vh
    if m > k:  # tall: the part of Ū outside the span of U
        ga = ga + ((gu - u @ utgu) / s_row) @ vh
    if n > k:  # wide: the part of V̄ outside the span of V
        ga = ga + (u / s_row) @ (gvh - _mT(vtgv) @ vh)
    return ga


def _svd_vjp(g: Any, out: Any, a: Any, full_matrices: bool, hermitian: bool) -> Any:
    shape = shape_of(a)
    m, n = shape[-2:]
    k = min(m, n)
    u, s, vh = _svd_unpack(out, shape, full_matrices)
    gu, gs, gvh = _svd_unpack(g, shape, full_matrices)
    if full_matrices and m > n:
        if np.any(value_of(gu)[..., k:]):
            raise NotImplementedError(_svd_complement_message("columns of U", m, n))
        u, gu = u[..., :k], gu[..., :k]
    elif full_matrices and m < n:
        if np.any(value_of(gvh)[..., k:, :]):
            raise NotImplementedError(_svd_complement_message("rows of Vh", m, n))
        vh, gvh = vh[..., :k, :], gvh[..., :k, :]
    ga = _svd_adjoint(u, s, vh, gu, gs, gvh)
    return 0.5 * (ga + _mT(ga)) if hermitian else ga


def _svd_complement_message(what: str, m: int, n: int) -> str:
    k = min(m, n)
    return (
        f"svd: no derivative for the {what} beyond min(M, N) = {k} that full_matrices=True "
        f"adds for a {m}×{n} matrix: they are any orthonormal basis of the complement, not a "
        f"differentiable function of a; use full_matrices=False (or only U[..., :{k}] and "
        f"Vh[..., :{k}, :])"
    )


svd_p = Primitive("svd", _svd_fwd)
svd_p.defvjp(_svd_vjp)


def _singular_values_vjp(g: Any, out: Any, a: Any, hermitian: bool) -> Any:
    # ā = U diag(ḡ) Vh, with U and Vh of the thin SVD (found again: compute_uv=False has none).
    packed = svd_p.bind(a, full_matrices=False, hermitian=hermitian)
    u, _, vh = _svd_unpack(packed, shape_of(a), False)
    ga = (u * g[..., None, :]) @ vh
    return 0.5 * (ga + _mT(ga)) if hermitian else ga


singular_values_p = Primitive(
    "svd", lambda a, hermitian: np.linalg.svd(a, compute_uv=False, hermitian=hermitian)
)
singular_values_p.defvjp(_singular_values_vjp)


@public(namespace="linalg")
def svd(
    a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> SVDResult | Tensor:
    """The singular value decomposition a = U · diag(S) · Vh of a matrix (or of each matrix of a
    stack), as ``np.linalg.svd``.

    Gradients (Townsend's formulas, as autograd's): S̄ contributes U·diag(S̄)·Vh; Ū and V̄
    contribute U[(F∘(UᵀŪ − ŪᵀU))S + S(F∘(VᵀV̄ − V̄ᵀV))]Vᵀ with F[i, j] = 1/(S[j]² − S[i]²),
    plus, for a non-square matrix, the part of Ū (V̄) outside the span of U (V) divided by S.
    The singular-vector gradient assumes distinct, nonzero singular values (it is infinite or
    NaN where two are equal); a function of the singular values alone has a finite gradient
    also where they repeat. Each pair of singular vectors is defined up to a common sign, so
    only functions that do not depend on the signs (U·diag(f(S))·Vh, U², …) have a gradient that
    finite differences reproduce. Unlike autograd's, ``full_matrices=True`` (NumPy's default)
    is differentiable: for a square matrix it is the thin SVD, and for a non-square one the
    extra columns of U (rows of Vh) carry no gradient (NotImplementedError, naming svd, if the
    result depends on them: they are any orthonormal basis of the complement).

    Args:
        a: The matrix or stack of matrices, shape (..., M, N): a Tensor, array or number.
        full_matrices: U of shape (..., M, M) and Vh of shape (..., N, N), as NumPy's default;
            False gives (..., M, K) and (..., K, N) with K = min(M, N).
        compute_uv: Compute U and Vh; False returns the singular values alone (their gradient
            is U·diag(S̄)·Vh).
        hermitian: ``a`` is symmetric: NumPy's eigenvalue-based path, which reads its lower
            triangle only; the gradient is then symmetric (for perturbations that keep ``a``
            symmetric), as eigh's.

    Returns:
        SVDResult | Tensor: the triple ``(U, S, Vh)`` of Tensors (S in descending order, U's
        columns and Vh's rows the singular vectors), or S alone, shape (..., K), with
        ``compute_uv=False``.

    Raises:
        ValueError: when ``a`` has fewer than two axes, or with ``hermitian=True`` is not square
            (naming its shape).
        NotImplementedError: from the gradient, for a result that depends on the columns of U
            or rows of Vh beyond min(M, N) (``full_matrices=True`` on a non-square matrix).
    """
    a = _matrix("svd", a, hermitian)
    if not compute_uv:
        return singular_values_p(a, hermitian=bool(hermitian))
    full = bool(full_matrices)
    packed = svd_p(a, full_matrices=full, hermitian=bool(hermitian))
    return SVDResult(*_svd_unpack(packed, shape_of(a), full))


# --- pinv -----------------------------------------------------------------------------------


def _pinv_vjp(g: Any, out: Any, a: Any, hermitian: bool, **_: Any) -> Any:
    # dP = −P dA P + P Pᵀ dAᵀ (I − A P) + (I − P A) dAᵀ Pᵀ P (P = a⁺, the rank kept), so
    # ā = −Pᵀ ḡ Pᵀ + (I − A P) ḡᵀ P Pᵀ + Pᵀ P ḡᵀ (I − P A).
    p, pt, gt = out, _mT(out), _mT(g)
    x = gt @ (p @ pt)
    y = (pt @ p) @ gt
    ga = (x - a @ (p @ x)) + (y - (y @ p) @ a) - pt @ g @ pt
    return 0.5 * (ga + _mT(ga)) if hermitian else ga


pinv_p = Primitive("pinv", lambda a, **params: np.linalg.pinv(a, **params))
pinv_p.defvjp(_pinv_vjp)


@public(namespace="linalg")
def pinv(a, rcond=None, hermitian: bool = False, *, rtol=np._NoValue) -> Tensor:
    """The (Moore-Penrose) pseudo-inverse of a matrix (or of each matrix of a stack), as
    ``np.linalg.pinv``: singular values below the cutoff count as zero.

    Gradient (Golub and Pereyra's formula, as autograd's): with P = a⁺,
    ā = −Pᵀ·ḡ·Pᵀ + (I − aP)·ḡᵀ·P·Pᵀ + Pᵀ·P·ḡᵀ·(I − Pa). It is the derivative along
    perturbations that keep the rank of ``a``: exact for full-rank matrices and for
    rank-deficient ones whose dropped singular values are zero; it ignores the cutoff (a
    singular value that the cutoff drops although it is not zero counts as zero).

    Args:
        a: The matrix or stack of matrices, shape (..., M, N): a Tensor, array or number.
        rcond: NumPy's cutoff relative to the largest singular value (default 1e-15); not
            with ``rtol``.
        hermitian: ``a`` is symmetric: NumPy's eigenvalue-based path, which reads its lower
            triangle only; the gradient is then symmetric, as eigh's.
        rtol: The cutoff relative to the largest singular value, as ``rcond`` (NumPy 2's name);
            None means max(M, N)·eps.

    Returns:
        Tensor: a⁺, of shape (..., N, M).

    Raises:
        ValueError: when ``a`` has fewer than two axes, or with ``hermitian=True`` is not square
            (naming its shape); when both ``rcond`` and ``rtol`` are given.
    """
    a = _matrix("pinv", a, hermitian)
    params: dict[str, Any] = {"hermitian": bool(hermitian)}
    if rcond is not None and rtol is not np._NoValue:
        raise ValueError("pinv: give rcond or rtol, not both")
    if rcond is not None:
        params["rcond"] = _cutoff(rcond)
    elif rtol is not np._NoValue:
        params["rtol"] = None if rtol is None else _cutoff(rtol)
    return pinv_p(a, **params)


def _cutoff(value: Any) -> Any:
    """A cutoff as NumPy takes it: a float, or an array broadcast against the stack."""
    arr = value_of(value)
    return float(arr) if arr.ndim == 0 else arr
