"""deltagrad.linalg (solve, inv, det, slogdet, cholesky, eigh, svd, pinv; norm is the
engine's): values against numpy.linalg for single and stacked matrices, first and second
derivatives against central finite differences in float64, value, gradient and Hessian-vector
product against HIPS autograd's ``autograd.numpy.linalg``, and errors that name the shapes."""

import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import deltagrad as dg
import deltagrad.linalg as la
import finite_differences as fd
from deltagrad.gradcheck import check_grads


def _mT(x):
    return np.swapaxes(x, -1, -2)


def well_conditioned(rng, shape):
    """Random matrices comfortably far from singular (diagonal shifted by their size)."""
    n = shape[-1]
    return rng.uniform(-1.0, 1.0, size=shape) + n * np.eye(n)


def spd(x):
    """A symmetric positive-definite matrix built from ``x`` (a Tensor or an array): the
    symmetric parametrisation under which cholesky and eigh are checked."""
    n = x.shape[-1]
    return x @ _mT(x) + n * np.eye(n)


def sym(x):
    return 0.5 * (x + _mT(x))


# --- values ---------------------------------------------------------------------------------

SHAPES = [(3, 3), (2, 3, 3), (2, 1, 2, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_values_match_numpy(rng, shape):
    a = well_conditioned(rng, shape)
    s = spd(a)
    np.testing.assert_allclose(la.inv(a).numpy(), np.linalg.inv(a), rtol=1e-12)
    np.testing.assert_allclose(la.det(a).numpy(), np.linalg.det(a), rtol=1e-12)
    sign, logdet = la.slogdet(a)
    np.testing.assert_array_equal(sign.numpy(), np.linalg.slogdet(a).sign)
    np.testing.assert_allclose(logdet.numpy(), np.linalg.slogdet(a).logabsdet, rtol=1e-12)
    np.testing.assert_allclose(la.cholesky(s).numpy(), np.linalg.cholesky(s), rtol=1e-12)
    np.testing.assert_allclose(
        la.cholesky(s, upper=True).numpy(), np.linalg.cholesky(s, upper=True), rtol=1e-12
    )
    w, v = la.eigh(s)
    ref = np.linalg.eigh(s)
    np.testing.assert_allclose(w.numpy(), ref.eigenvalues, rtol=1e-12)
    np.testing.assert_allclose(v.numpy(), ref.eigenvectors, rtol=1e-10, atol=1e-12)
    assert la.eigh(s).eigenvectors.shape == shape


SOLVE_SHAPES = [
    ((3, 3), (3,)),  # a vector
    ((3, 3), (3, 2)),
    ((2, 3, 3), (3,)),  # one vector for every matrix of a stack
    ((2, 3, 3), (2, 3, 1)),
    ((3, 3), (4, 3, 2)),  # one matrix for a stack of right-hand sides
    ((2, 1, 3, 3), (5, 3, 2)),  # stacks broadcast
]


@pytest.mark.parametrize(("sa", "sb"), SOLVE_SHAPES, ids=str)
def test_solve_matches_numpy_and_its_gradients_finite_differences(rng, sa, sb):
    a, b = well_conditioned(rng, sa), rng.uniform(-1.0, 1.0, size=sb)
    np.testing.assert_allclose(la.solve(a, b).numpy(), np.linalg.solve(a, b), rtol=1e-12)
    check_grads(la.solve, a, b, order=2)


def test_float32_stays_float32(rng):
    a = well_conditioned(rng, (3, 3)).astype(np.float32)
    assert la.solve(a, a[0]).dtype == np.float32
    assert la.inv(a).dtype == la.det(a).dtype == np.float32
    s = spd(a).astype(np.float32)
    assert la.cholesky(s).dtype == la.eigh(s)[1].dtype == la.slogdet(s)[1].dtype == np.float32


def test_the_namespace_mirrors_numpy_linalg():
    for name in la.__all__:
        if name[0].islower():
            assert hasattr(np.linalg, name), name
    assert la.norm is dg.norm
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(la.norm(x).numpy(), np.linalg.norm(x))


def test_numpy_linalg_on_a_tensor_runs_deltagrad_linalg(rng):
    # @public(namespace="linalg"): np.linalg.<name>(tensor) is recorded like la.<name>(tensor)
    a = well_conditioned(rng, (3, 3))
    g = dg.grad(lambda a: np.linalg.slogdet(a).logabsdet + np.sum(np.linalg.solve(a, a[0])))(a)
    expected = dg.grad(lambda a: la.slogdet(a).logabsdet + dg.sum(la.solve(a, a[0])))(a)
    np.testing.assert_allclose(np.asarray(g), np.asarray(expected), rtol=1e-14)


# --- derivatives against finite differences (first and second order) ------------------------

FD_CASES = {
    "inv": (la.inv, well_conditioned),
    "det": (la.det, well_conditioned),
    "slogdet": (lambda a: la.slogdet(a).logabsdet, well_conditioned),
    "slogdet-negative": (lambda a: la.slogdet(-a).logabsdet, well_conditioned),
    "cholesky": (lambda x: la.cholesky(spd(x)), well_conditioned),
    "cholesky-upper": (lambda x: la.cholesky(spd(x), upper=True), well_conditioned),
    "eigh-values": (lambda x: la.eigh(sym(x)).eigenvalues, well_conditioned),
    # the eigenvectors' signs are arbitrary: check functions that do not depend on them
    "eigh-vectors": (lambda x: la.eigh(spd(x)).eigenvectors ** 2, well_conditioned),
    "eigh-both": (lambda x: _eigh_both(la.eigh(sym(x), UPLO="U")), well_conditioned),
}


def _eigh_both(wv):
    w, v = wv
    return (v * w[..., None, :]) @ _mT(v) + w[..., :1, None] * v**2


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)], ids=str)
@pytest.mark.parametrize("name", list(FD_CASES))
def test_gradients_match_finite_differences(rng, name, shape):
    fn, sample = FD_CASES[name]
    check_grads(fn, sample(rng, shape), order=2)


def test_slogdet_sign_carries_no_gradient(rng):
    a = dg.constant(well_conditioned(rng, (3, 3)))
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(a)
        sign, logdet = la.slogdet(a)
        y = sign * logdet
    assert tape.gradient(sign, a) is None
    np.testing.assert_allclose(
        np.asarray(tape.gradient(y, a)), sign.numpy() * np.linalg.inv(a.numpy()).T, rtol=1e-12
    )


def test_eigenvalue_gradient_is_finite_at_repeated_eigenvalues():
    # Only the eigenvector part divides by differences of eigenvalues.
    a = np.eye(3)
    g = dg.grad(lambda a: dg.sum(la.eigh(a).eigenvalues ** 2))(a)
    np.testing.assert_allclose(np.asarray(g), 2 * np.eye(3), atol=1e-12)


def test_cholesky_gradient_is_symmetric(rng):
    s = spd(well_conditioned(rng, (3, 3)))
    g = np.asarray(dg.grad(lambda s: dg.sum(la.cholesky(s) ** 3))(s))
    np.testing.assert_allclose(g, g.T, rtol=1e-12)


# --- against autograd -----------------------------------------------------------------------


def _ag():
    pytest.importorskip("autograd")
    import autograd.numpy as anp

    return anp


def _crosscheck(dg_fn, ag_fn, arrays, hvp=True):
    """Value, gradient of ⟨w, f⟩ and its Hessian-vector product against autograd."""
    import autograd
    import autograd.numpy as anp

    rng = np.random.default_rng(1)
    n = len(arrays)
    expected = ag_fn(*arrays)
    np.testing.assert_allclose(np.asarray(dg_fn(*arrays)), expected, rtol=1e-12, atol=1e-14)
    w = rng.standard_normal(np.shape(expected))
    vs = [rng.standard_normal(a.shape) for a in arrays]

    def dg_proj(*xs):
        return dg.sum(dg_fn(*xs) * w)

    def ag_proj(*xs):
        return anp.sum(ag_fn(*xs) * w)

    def ag_grad_dot_v(*xs):
        return sum(anp.sum(autograd.grad(ag_proj, i)(*xs) * v) for i, v in enumerate(vs))

    grads = dg.grad(dg_proj, argnums=tuple(range(n)))(*arrays)
    hvs = dg.hvp(dg_proj, arrays, vs) if hvp else None
    hvs = hvs if n > 1 or hvs is None else (hvs,)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
        for i in range(n):
            ref = autograd.grad(ag_proj, i)(*arrays)
            np.testing.assert_allclose(np.asarray(grads[i]), ref, rtol=1e-10, atol=1e-12)
            if hvp:
                ref = autograd.grad(ag_grad_dot_v, i)(*arrays)
                np.testing.assert_allclose(np.asarray(hvs[i]), ref, rtol=1e-9, atol=1e-11)


def _ag_cases(anp):
    def ag_sym(x):
        return 0.5 * (x + anp.swapaxes(x, -1, -2))

    def ag_spd(x):
        return x @ anp.swapaxes(x, -1, -2) + x.shape[-1] * anp.eye(x.shape[-1])

    return {
        "solve": (la.solve, anp.linalg.solve, 2),
        "inv": (la.inv, anp.linalg.inv, 1),
        "det": (la.det, anp.linalg.det, 1),
        "slogdet": (lambda a: la.slogdet(a)[1], lambda a: anp.linalg.slogdet(a)[1], 1),
        "cholesky": (lambda x: la.cholesky(spd(x)), lambda x: anp.linalg.cholesky(ag_spd(x)), 1),
        # the same LAPACK call on the same matrix: the same signs of eigenvectors
        "eigh": (
            lambda x: _eigh_both(la.eigh(sym(x))),
            lambda x: _eigh_both(anp.linalg.eigh(ag_sym(x))),
            1,
        ),
        "eigh-vectors": (
            lambda x: la.eigh(sym(x))[1],
            lambda x: anp.linalg.eigh(ag_sym(x))[1],
            1,
        ),
    }


AG_NAMES = ["solve", "inv", "det", "slogdet", "cholesky", "eigh", "eigh-vectors"]


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)], ids=str)
@pytest.mark.parametrize("name", AG_NAMES)
def test_matches_autograd(rng, name, shape):
    dg_fn, ag_fn, n = _ag_cases(_ag())[name]
    arrays = [well_conditioned(rng, shape) for _ in range(n)]
    if name == "solve":
        arrays[1] = rng.uniform(-1.0, 1.0, size=shape[:-1] + (2,))
    _crosscheck(dg_fn, ag_fn, arrays)


def test_cholesky_gradient_matches_autograd_on_a_symmetric_matrix(rng):
    anp = _ag()
    s = spd(well_conditioned(rng, (3, 3)))
    _crosscheck(la.cholesky, anp.linalg.cholesky, [s], hvp=False)


# --- errors ---------------------------------------------------------------------------------


def test_solve_names_both_shapes():
    with pytest.raises(ValueError, match=r"solve: a must be a square.*\(3, 4\).*\(3,\)"):
        la.solve(np.ones((3, 4)), np.ones(3))
    with pytest.raises(ValueError, match=r"solve: b must have shape \(3,\) or.*\(3, 3\).*\(4,\)"):
        la.solve(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match=r"solve: b must have shape.*\(4, 2\)"):
        la.solve(np.eye(3), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"solve: the stacks.*\(2, 3, 3\).*\(4, 3, 1\)"):
        la.solve(np.ones((2, 3, 3)), np.ones((4, 3, 1)))


@pytest.mark.parametrize("fn", [la.inv, la.det, la.slogdet, la.cholesky, la.eigh])
@pytest.mark.parametrize("shape", [(3, 4), (3,), ()], ids=str)
def test_non_square_input_is_refused_naming_the_shape(fn, shape):
    with pytest.raises(
        ValueError, match=r"\w+: a must be a square matrix.*" + re.escape(str(shape))
    ):
        fn(np.ones(shape))


def test_numerical_failures_name_the_op():
    with pytest.raises(ValueError, match="solve.*[Ss]ingular"):
        la.solve(np.zeros((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="cholesky.*positive definite"):
        la.cholesky(-np.eye(2))
    with pytest.raises(ValueError, match="eigh: UPLO must be 'L' or 'U'"):
        la.eigh(np.eye(2), UPLO="X")
    with pytest.raises(TypeError, match="inv"):
        la.inv(np.eye(2) * 1j)


# --- svd and pinv ---------------------------------------------------------------------------
#
# Test matrices have prescribed, well-separated singular values (the singular-vector gradient
# divides by s[j]² − s[i]² and, off square, by s). Singular vectors are defined up to a common
# sign per pair, so the losses checked by finite differences do not depend on the signs:
# singular values, U², Vh², U·diag(f(S))·Vh. Against autograd, the same LAPACK call gives the
# same signs, so U and Vh themselves are compared.

SVD_SHAPES = [(3, 3), (4, 3), (3, 5), (2, 4, 3), (2, 3, 4)]


def with_singular_values(rng, shape):
    """A random matrix (or stack) of ``shape`` with singular values about 3, 2.2, 1.5, 1, …"""
    *batch, m, n = shape
    k = min(m, n)
    s = 3.0 * 0.72 ** np.arange(k) + rng.uniform(-0.05, 0.05, size=(*batch, k))
    q1 = np.linalg.qr(rng.standard_normal((*batch, m, m)))[0][..., :k]
    q2 = np.linalg.qr(rng.standard_normal((*batch, n, n)))[0][..., :k]
    return (q1 * s[..., None, :]) @ _mT(q2)


def symmetric_with_distinct_abs_eigenvalues(rng, shape):
    """x with sym(x) symmetric of eigenvalues 3, −2.1, 1.3, … (distinct in absolute value),
    plus an antisymmetric part that sym() removes."""
    *batch, n, _ = shape
    w = np.array([3.0, -2.1, 1.3, -0.7, 0.4])[:n]
    q = np.linalg.qr(rng.standard_normal((*batch, n, n)))[0]
    noise = rng.uniform(-1.0, 1.0, size=shape)
    return (q * w) @ _mT(q) + 0.5 * (noise - _mT(noise))


NP = SimpleNamespace(svd=np.linalg.svd, pinv=np.linalg.pinv, sum=np.sum, tanh=np.tanh)
DG = SimpleNamespace(  # looked up at each call, so a missing name fails its tests only
    svd=lambda *args, **kwargs: la.svd(*args, **kwargs),
    pinv=lambda *args, **kwargs: la.pinv(*args, **kwargs),
    sum=dg.sum,
    tanh=dg.tanh,
)


def _weights(shape, seed=7):
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=shape)


def _w(x):
    return _weights(x.shape)


def svd_values(xp, a):
    s = xp.svd(a, compute_uv=False)
    return xp.sum(_w(s) * s**2) + xp.sum(s)


def svd_values_of_the_full_svd(xp, a):
    # full_matrices=True (NumPy's default): S alone is differentiable on any shape
    s = xp.svd(a).S
    return xp.sum(_w(s) * xp.tanh(s))


def svd_vectors(xp, a):
    u, s, vh = xp.svd(a, full_matrices=False)
    return xp.sum(_w(u) * u**2) + xp.sum(_w(vh) * vh**2) + xp.sum(_w(s) * s)


def svd_reconstruction(xp, a):
    u, s, vh = xp.svd(a, full_matrices=False)
    b = (u * xp.tanh(s)[..., None, :]) @ vh
    return xp.sum(_w(b) * b) + xp.sum(_w(u) * u**2)


def svd_full_leading(xp, a):
    # full_matrices=True: the leading K columns of U and rows of Vh are differentiable
    u, s, vh = xp.svd(a)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    return xp.sum(_w(u) * u**2) + xp.sum(_w(vh) * vh**4) + xp.sum(s**3)


def svd_hermitian(xp, x):
    a = 0.5 * (x + _mT(x))
    u, s, vh = xp.svd(a, hermitian=True)
    vals = xp.svd(a, compute_uv=False, hermitian=True)
    return xp.sum(_w(u) * u**2) + xp.sum(_w(vh) * (vh * s[..., :, None]) ** 2) + xp.sum(vals**3)


def pinv_weighted(xp, a):
    p = xp.pinv(a)
    return xp.sum(_w(p) * p) + xp.sum(p**2)


def pinv_hermitian(xp, x):
    p = xp.pinv(0.5 * (x + _mT(x)), hermitian=True)
    return xp.sum(_w(p) * p**3)


SVD_LOSSES = {
    "svd-values": (svd_values, with_singular_values),
    "svd-values-full": (svd_values_of_the_full_svd, with_singular_values),
    "svd-vectors": (svd_vectors, with_singular_values),
    "svd-reconstruction": (svd_reconstruction, with_singular_values),
    "svd-full-leading": (svd_full_leading, with_singular_values),
    "pinv": (pinv_weighted, with_singular_values),
}


def check_first_and_second_derivatives(loss, x):
    """∇loss against central differences of the NumPy loss, and the Hessian against central
    differences of that (checked) gradient."""
    grad = dg.grad(lambda t: loss(DG, t))
    g = np.asarray(grad(x))
    numeric = fd.gradient(lambda v: float(loss(NP, v)), x)
    scale = np.max(np.abs(numeric))
    assert scale > 1e-3  # the loss depends on x
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-7 * scale)
    hess = np.asarray(dg.hessian(lambda t: loss(DG, t))(x))
    numeric = fd.jacobian(lambda v: np.asarray(grad(v)), x)
    scale = np.max(np.abs(numeric))
    assert scale > 1e-3
    np.testing.assert_allclose(hess, numeric, rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("shape", SVD_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(SVD_LOSSES))
def test_svd_and_pinv_derivatives_match_finite_differences(rng, name, shape):
    loss, sample = SVD_LOSSES[name]
    check_first_and_second_derivatives(loss, sample(rng, shape))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)], ids=str)
@pytest.mark.parametrize("loss", [svd_hermitian, pinv_hermitian], ids=["svd", "pinv"])
def test_hermitian_derivatives_match_finite_differences_through_a_symmetric_matrix(
    rng, loss, shape
):
    check_first_and_second_derivatives(loss, symmetric_with_distinct_abs_eigenvalues(rng, shape))


def test_hermitian_gradients_are_symmetric(rng):
    a = symmetric_with_distinct_abs_eigenvalues(rng, (3, 3))
    a = 0.5 * (a + a.T)
    w = _weights((3, 3))
    for fn in (
        lambda a: dg.sum(w * la.svd(a, hermitian=True).U ** 2),
        lambda a: dg.sum(w * la.svd(a, compute_uv=False, hermitian=True)),
        lambda a: dg.sum(w * la.pinv(a, hermitian=True)),
    ):
        g = np.asarray(dg.grad(fn)(a))
        assert np.max(np.abs(g - g.T)) < 1e-12 * np.max(np.abs(g))
        assert np.max(np.abs(g)) > 1e-3


def test_pinv_derivatives_at_a_rank_deficient_matrix_keep_the_rank(rng):
    # a = b c has rank 2: perturbing b and c keeps it, where the formula holds (the singular
    # values that the cutoff drops are zero up to rounding).
    b, c = rng.standard_normal((4, 2)), rng.standard_normal((2, 3))
    w = _weights((3, 4))

    def loss(xp, b, c):
        return xp.sum(w * xp.pinv(b @ c, rtol=1e-10) ** 2)

    grads = dg.grad(lambda b, c: loss(DG, b, c), argnums=(0, 1))(b, c)
    numeric = fd.gradients(lambda b, c: float(loss(NP, b, c)), b, c)
    for got, want in zip(grads, numeric):
        assert np.max(np.abs(want)) > 1e-3
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-8)
    grad_b = dg.grad(lambda b: loss(DG, b, c))
    hess = np.asarray(dg.hessian(lambda b: loss(DG, b, c))(b))
    np.testing.assert_allclose(
        hess, fd.jacobian(lambda v: np.asarray(grad_b(v)), b), rtol=1e-5, atol=1e-7
    )


def test_singular_value_gradient_is_finite_where_they_repeat():
    # Only the singular-vector part divides by differences of singular values.
    a = np.diag([2.0, 2.0, 1.0])[:, :2]  # 3 × 2, singular values 2, 2
    for fn in (
        lambda a: dg.sum(la.svd(a, compute_uv=False) ** 2),
        lambda a: dg.sum(la.svd(a).S ** 2),
        lambda a: dg.sum(la.svd(a, full_matrices=False).S ** 2),
    ):
        np.testing.assert_allclose(np.asarray(dg.grad(fn)(a)), 2 * a, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 4)], ids=str)
def test_full_matrices_complement_has_no_derivative_and_says_so(rng, shape):
    a = with_singular_values(rng, shape)
    m, n = shape[-2:]
    k = min(m, n)

    def extra(a):
        u, _, vh = la.svd(a)  # full_matrices=True
        return dg.sum(u[..., k:] ** 2) if m > n else dg.sum(vh[..., k:, :] ** 2)

    what = "columns of U" if m > n else "rows of Vh"
    with pytest.raises(
        NotImplementedError, match=rf"svd: no derivative for the {what}.*{m}×{n}.*full_matrices"
    ):
        dg.grad(extra)(a)
    # the leading part of the full SVD has the thin SVD's gradient
    w = _weights((m, k))

    def leading(full):
        return lambda a: dg.sum(w * la.svd(a, full_matrices=full)[0][..., :k] ** 2)

    np.testing.assert_allclose(
        np.asarray(dg.grad(leading(True))(a)), np.asarray(dg.grad(leading(False))(a)), rtol=1e-13
    )


SVD_VALUE_SHAPES = [(3, 3), (4, 3), (3, 5), (2, 4, 3), (2, 1, 3, 5), (1, 4)]


@pytest.mark.parametrize("shape", SVD_VALUE_SHAPES, ids=str)
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_values_match_numpy(rng, shape, full_matrices):
    a = rng.standard_normal(shape)
    out = la.svd(a, full_matrices=full_matrices)
    ref = np.linalg.svd(a, full_matrices=full_matrices)
    assert isinstance(out, la.SVDResult) and isinstance(out, tuple) and len(out) == 3
    for got, want, field in zip(out, ref, ("U", "S", "Vh")):
        assert isinstance(got, dg.Tensor) and got.shape == want.shape
        assert getattr(out, field) is got
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-14)
    s = la.svd(a, full_matrices=full_matrices, compute_uv=False)
    assert isinstance(s, dg.Tensor)
    np.testing.assert_array_equal(s.numpy(), np.linalg.svd(a, compute_uv=False))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)], ids=str)
def test_hermitian_svd_and_pinv_match_numpy_reading_the_lower_triangle(rng, shape):
    a = rng.standard_normal(shape)  # not symmetric: NumPy reads the lower triangle
    for got, want in zip(la.svd(a, hermitian=True), np.linalg.svd(a, hermitian=True)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        la.svd(a, compute_uv=False, hermitian=True).numpy(),
        np.linalg.svd(a, compute_uv=False, hermitian=True),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        la.pinv(a, hermitian=True).numpy(), np.linalg.pinv(a, hermitian=True), rtol=1e-12
    )


@pytest.mark.parametrize("shape", SVD_VALUE_SHAPES, ids=str)
def test_pinv_values_match_numpy(rng, shape):
    a = rng.standard_normal(shape)
    out = la.pinv(a)
    assert isinstance(out, dg.Tensor)
    np.testing.assert_allclose(out.numpy(), np.linalg.pinv(a), rtol=1e-12, atol=1e-14)


def test_pinv_cutoffs_are_numpys():
    # singular values 1, 1e-3, 1e-9: which are dropped depends on rcond / rtol
    q = np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))[0]
    a = (q * [1.0, 1e-3, 1e-9]) @ q.T
    for kwargs in ({}, {"rcond": 1e-6}, {"rtol": 1e-2}, {"rtol": None}, {"rcond": 1e-12}):
        np.testing.assert_allclose(
            la.pinv(a, **kwargs).numpy(), np.linalg.pinv(a, **kwargs), rtol=1e-9, err_msg=kwargs
        )
    assert np.max(np.abs(la.pinv(a, rcond=1e-6).numpy())) < 2e3  # 1e-9 dropped
    assert np.max(np.abs(la.pinv(a).numpy())) > 1e8  # kept
    stack = np.stack([a, a])
    np.testing.assert_allclose(
        la.pinv(stack, rcond=[1e-12, 1e-6]).numpy(),
        np.linalg.pinv(stack, rcond=[1e-12, 1e-6]),
        rtol=1e-9,
    )
    with pytest.raises(ValueError, match="pinv: give rcond or rtol, not both"):
        la.pinv(a, rcond=1e-3, rtol=1e-3)


def test_svd_and_pinv_keep_float32(rng):
    a = rng.standard_normal((4, 3)).astype(np.float32)
    assert all(t.dtype == np.float32 for t in la.svd(a))
    assert la.svd(a, compute_uv=False).dtype == np.float32
    assert la.pinv(a).dtype == np.float32


def test_svd_and_pinv_of_a_number_or_vector_name_the_op():
    for fn in (la.svd, la.pinv):
        for shape in [(), (3,)]:
            name = fn.__name__
            with pytest.raises(
                ValueError, match=rf"{name}: a must be a matrix.*{re.escape(str(shape))}"
            ):
                fn(np.ones(shape))
        with pytest.raises(ValueError, match=rf"{name}: a must be a square matrix.*\(3, 4\)"):
            fn(np.ones((3, 4)), hermitian=True)
        with pytest.raises(TypeError, match=name):
            fn(np.eye(2) * 1j)


def test_numpy_linalg_svd_and_pinv_on_a_tensor_run_deltagrads(rng):
    a = with_singular_values(rng, (4, 3))
    w = _weights((3, 4))
    for np_fn, dg_fn in (
        (lambda a: svd_vectors(NP, a), lambda a: svd_vectors(DG, a)),
        (lambda a: np.sum(w * np.linalg.pinv(a)), lambda a: dg.sum(w * la.pinv(a))),
        (lambda a: np.sum(np.linalg.svd(a, compute_uv=False)), lambda a: dg.sum(la.svd(a)[1])),
    ):
        t = dg.constant(a)
        with dg.GradientTape() as tape:
            tape.watch(t)
            y = np_fn(t)  # np.linalg.svd / pinv on a Tensor: recorded
        assert isinstance(y, dg.Tensor)
        np.testing.assert_allclose(y.numpy(), np_fn(a), rtol=1e-12)
        np.testing.assert_allclose(
            np.asarray(tape.gradient(y, t)), np.asarray(dg.grad(dg_fn)(a)), rtol=1e-12
        )
    assert type(np.linalg.svd(dg.constant(a))).__name__ == "SVDResult"


AG_SVD_CASES = {
    "svd-u": (
        lambda a: la.svd(a, full_matrices=False).U,
        lambda anp, a: anp.linalg.svd(a, full_matrices=False)[0],
    ),
    "svd-s": (
        lambda a: la.svd(a, full_matrices=False).S,
        lambda anp, a: anp.linalg.svd(a, full_matrices=False)[1],
    ),
    "svd-vh": (
        lambda a: la.svd(a, full_matrices=False).Vh,
        lambda anp, a: anp.linalg.svd(a, full_matrices=False)[2],
    ),
    "svd-values": (
        lambda a: la.svd(a, compute_uv=False),
        lambda anp, a: anp.linalg.svd(a, compute_uv=False),
    ),
    "pinv": (lambda a: la.pinv(a), lambda anp, a: anp.linalg.pinv(a)),
}


@pytest.mark.parametrize("shape", SVD_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(AG_SVD_CASES))
def test_svd_and_pinv_match_autograd(rng, name, shape):
    anp = _ag()
    dg_fn, ag_fn = AG_SVD_CASES[name]
    _crosscheck(dg_fn, lambda a: ag_fn(anp, a), [with_singular_values(rng, shape)])
