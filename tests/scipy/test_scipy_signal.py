"""deltagrad.scipy.signal.convolve: values against scipy.signal.convolve (1-D and 2-D, every
mode, either operand the larger) and against autograd.scipy.signal.convolve with axes and
dot_axes; first and second derivatives against central finite differences in float64; gradients
and Hessian-vector products against autograd; errors that name the shapes."""

import numpy as np
import pytest
import scipy.signal

from deltagrad.gradcheck import check_grads
from deltagrad.scipy.signal import convolve

MODES = ["full", "valid", "same"]
PAIRS = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((4, 5), (2, 3)), ((2, 3), (4, 5)),
         ((4, 5), (4, 2))]  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("sa", "sb"), PAIRS, ids=str)
def test_matches_scipy_and_finite_differences(rng, sa, sb, mode):
    a, b = rng.uniform(-1, 1, sa), rng.uniform(-1, 1, sb)
    np.testing.assert_allclose(
        convolve(a, b, mode=mode).numpy(), scipy.signal.convolve(a, b, mode=mode), atol=1e-13
    )
    check_grads(lambda a, b: convolve(a, b, mode=mode), a, b, order=2)


# (shape of A, shape of B, axes, dot_axes): a convolutional layer (images × channels against
# filters × channels), convolution along other axes, several summed pairs.
AXES_CASES = [
    ((2, 3, 5, 6), (4, 3, 2, 3), ([2, 3], [2, 3]), ([1], [1])),
    ((5, 3, 2), (3, 2, 4), ([0], [2]), ([1, 2], [0, 1])),
    ((6, 2), (3, 2, 3), ([0], [0]), ([], [])),
    ((3, 4), (2, 3), ([1], [0]), ([0], [1])),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", AXES_CASES, ids=lambda c: f"{c[0]}*{c[1]}")
def test_axes_and_dot_axes_match_autograd(rng, case, mode):
    pytest.importorskip("autograd")
    import _agcheck
    import autograd.scipy.signal as asig

    sa, sb, axes, dots = case
    a, b = rng.uniform(-1, 1, sa), rng.uniform(-1, 1, sb)
    _agcheck.crosscheck(
        lambda a, b: convolve(a, b, axes=axes, dot_axes=dots, mode=mode),
        lambda a, b: asig.convolve(a, b, axes=axes, dot_axes=dots, mode=mode),
        [a, b],
    )


def test_summed_axes_paired_out_of_order(rng):
    # A's summed axes (1, 2) against B's (1, 0): autograd's gradient transposes these wrongly,
    # so this one is checked against finite differences and a loop.
    a, b = rng.uniform(-1, 1, (5, 3, 2)), rng.uniform(-1, 1, (2, 3, 4))
    out = convolve(a, b, axes=([0], [2]), dot_axes=([1, 2], [1, 0]), mode="valid").numpy()
    expected = sum(
        np.convolve(a[:, i, j], b[j, i, :], mode="valid") for i in range(3) for j in range(2)
    )
    np.testing.assert_allclose(out, expected, atol=1e-13)
    check_grads(
        lambda a, b: convolve(a, b, axes=([0], [2]), dot_axes=([1, 2], [1, 0]), mode="full"),
        a,
        b,
        order=2,
    )


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="mode must be 'full', 'valid' or 'same', got 'wrap'"):
        convolve(np.ones(3), np.ones(2), mode="wrap")
    with pytest.raises(ValueError, match=r"mode 'valid' needs one operand.*\(4, 2\).*\(2, 4\)"):
        convolve(np.ones((4, 2)), np.ones((2, 4)), mode="valid")
    with pytest.raises(ValueError, match=r"dot_axes pair axis 1 of A \(size 3\) with axis 1 of B"):
        convolve(np.ones((4, 3)), np.ones((2, 2)), axes=([0], [0]), dot_axes=([1], [1]))
    with pytest.raises(ValueError, match="axes pairs 2 axes of A with 1 of B"):
        convolve(np.ones((4, 3)), np.ones((2, 2)), axes=([0, 1], [0]))
    with pytest.raises(
        ValueError, match=r"axis 2 is out of range for an operand of shape \(4, 3\)"
    ):
        convolve(np.ones((4, 3)), np.ones((2, 2)), axes=([2], [0]))
    with pytest.raises(ValueError, match=r"B needs at least as many axes.*\(4, 3\).*\(2,\)"):
        convolve(np.ones((4, 3)), np.ones(2))
    with pytest.raises(ValueError, match="an axis of A .* is used twice"):
        convolve(np.ones((4, 4)), np.ones((2, 4)), axes=([0], [0]), dot_axes=([0], [1]))
