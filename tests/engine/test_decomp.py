"""deltagrad.linalg (solve, inv, det, slogdet, cholesky, eigh; norm is the engine's): values
against numpy.linalg for single and stacked matrices, first and second derivatives against
central finite differences in float64, value, gradient and Hessian-vector product against
HIPS autograd's ``autograd.numpy.linalg``, and errors that name the shapes."""

import re
import warnings

import numpy as np
import pytest

import deltagrad as dg
import deltagrad.linalg as la
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
