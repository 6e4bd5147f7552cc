"""Every public op's gradient and Hessian-vector product against HIPS autograd, in float64.

autograd is an independent engine: for each op deltagrad's value, the gradient of a random
projection ⟨w, f(x)⟩ and the Hessian-vector product of that projection must agree with
autograd's to round-off. One-argument ops with an autograd namesake (or an entry of
``AG_ALIASES``) are found automatically; ops with more arguments or options are in the explicit
``CASES`` table; ``test_every_public_op_is_cross_checked`` fails for a public op that is in
neither and not excused in ``NOT_CROSS_CHECKED``, so a new op cannot slip through unchecked.

Inputs avoid kinks and poles (see ``_opdiscovery.INTERVALS``): there the engines' conventions
may legitimately differ, and those conventions are tested elsewhere (test_ops, test_trust).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import _opdiscovery as disc
import numpy as np
import pytest

import deltagrad as dg

autograd = pytest.importorskip("autograd")
import autograd.numpy as anp  # noqa: E402
import autograd.scipy.special as asp  # noqa: E402
from autograd.tracer import getval  # noqa: E402

VALUE_RTOL = 1e-12
GRAD_RTOL = 1e-10
HVP_RTOL = 1e-9


# --- the comparison -------------------------------------------------------------------------


def _ag(fn, *args):
    """Run an autograd computation. autograd warns "Output seems independent of input" when a
    derivative is identically zero (floor, or the HVP of a linear op); that is the expected
    answer here, so only that warning is silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Output seems independent of input", category=UserWarning
        )
        return fn(*args)


def _assert_close(actual, expected, rtol, what):
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape}, autograd {expected.shape}"
    )
    # Entries that cancel to ~0 are compared at the scale of the largest one.
    atol = rtol * 1e-2 * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(
        actual, expected, rtol=rtol, atol=atol, err_msg=f"{what}: deltagrad vs autograd"
    )


def crosscheck(dg_fn, ag_fn, arrays, seed=0):
    """Assert that deltagrad and autograd agree on f(*arrays), ∇⟨w, f⟩ and ∇²⟨w, f⟩·v.

    Every argument of ``dg_fn``/``ag_fn`` is a float64 array and is differentiated; constants
    (indices, masks) belong in the closures.
    """
    rng = np.random.default_rng(seed)
    arrays = tuple(np.asarray(a, dtype=np.float64) for a in arrays)
    n = len(arrays)

    value = dg_fn(*[dg.constant(a) for a in arrays])
    expected = ag_fn(*arrays)
    _assert_close(value.numpy(), expected, VALUE_RTOL, "value")

    w = rng.standard_normal(np.shape(expected))
    vs = tuple(rng.standard_normal(a.shape) for a in arrays)

    def dg_proj(*xs):
        return dg.sum(dg_fn(*xs) * w)

    def ag_proj(*xs):
        return anp.sum(ag_fn(*xs) * w)

    grads = dg.grad(dg_proj, argnums=tuple(range(n)))(*arrays)
    for i in range(n):
        _assert_close(
            np.asarray(grads[i]),
            _ag(autograd.grad(ag_proj, i), *arrays),
            GRAD_RTOL,
            f"gradient w.r.t. argument {i}",
        )

    hvs = dg.hvp(dg_proj, arrays, vs)
    hvs = hvs if n > 1 else (hvs,)

    def ag_grad_dot_v(*xs):  # ⟨∇⟨w, f⟩, v⟩: its gradient is the Hessian-vector product
        return sum(anp.sum(autograd.grad(ag_proj, i)(*xs) * v) for i, v in enumerate(vs))

    for j in range(n):
        _assert_close(
            hvs[j].numpy(),
            _ag(autograd.grad(ag_grad_dot_v, j), *arrays),
            HVP_RTOL,
            f"Hessian-vector product, component {j}",
        )


# --- inputs ---------------------------------------------------------------------------------

A, B, C = disc.INTERVALS  # (0.55, 0.95), (-0.95, -0.55), (1.1, 1.45): no kinks, no poles
DOMAINS = {
    "mixed": (A, B),  # either sign, |x| in (0.55, 0.95): inside arcsin's domain
    "pos": (A,),  # log, sqrt, division, labels
    "wide": (A, B, C, (-C[1], -C[0])),  # for clip: entries inside and outside the bounds
}


def draw(shape, intervals, rng):
    """Entries of ``shape``, each uniform in one of ``intervals`` (chosen at random)."""
    lo_hi = np.array(intervals)[rng.integers(0, len(intervals), size=shape)]
    return lo_hi[..., 0] + (lo_hi[..., 1] - lo_hi[..., 0]) * rng.uniform(size=shape)


# --- one-argument ops, found by name --------------------------------------------------------


def _softmax(x, axis=-1):
    return anp.exp(x - asp.logsumexp(x, axis=axis, keepdims=True))


def _log_softmax(x, axis=-1):
    return x - asp.logsumexp(x, axis=axis, keepdims=True)


def _flip(x, axis=None):
    axes = range(x.ndim) if axis is None else np.atleast_1d(axis) % x.ndim
    return x[tuple(slice(None, None, -1) if k in axes else slice(None) for k in range(x.ndim))]


def _sort(x, axis=-1):  # autograd sorts 1-D arrays only: sort each lane
    x = anp.moveaxis(x, axis, -1)
    lanes = anp.reshape(x, (-1, x.shape[-1]))
    out = anp.reshape(anp.stack([anp.sort(lanes[k]) for k in range(lanes.shape[0])]), x.shape)
    return anp.moveaxis(out, -1, axis)


def _diagonal(x, offset=0, axis1=0, axis2=1):  # autograd's diagonal VJP: last two axes only
    axis1, axis2 = axis1 % x.ndim, axis2 % x.ndim
    x = anp.transpose(x, [k for k in range(x.ndim) if k not in (axis1, axis2)] + [axis1, axis2])
    n = max(0, min(x.shape[-2] - max(0, -offset), x.shape[-1] - max(0, offset)))
    rows = np.arange(n) + max(0, -offset)
    return x[..., rows, rows + offset]


def _tril(x, k=0):
    # autograd's tril/triu VJPs get the shape of a 1-D input (a row of the matrix) wrong, and its
    # where does not undo broadcasting: broadcast by hand.
    mask = np.tri(*x.shape[-2:], k=k, dtype=bool)
    return anp.where(mask, x + np.zeros(mask.shape), 0.0)


def _triu(x, k=0):
    mask = np.tri(*x.shape[-2:], k=k - 1, dtype=bool)
    return anp.where(mask, 0.0, x + np.zeros(mask.shape))


def _diag(x, k=0):  # autograd's diag VJP assumes a square matrix
    if x.ndim not in (1, 2):
        raise ValueError("diag: input must be 1-D or 2-D")  # as NumPy
    return anp.diag(x, k) if x.ndim == 1 else _diagonal(x, offset=k)


# Reference functions for ops whose autograd namesake is missing, has no (second) derivative or
# a wrong one for some shapes (each noted).
AG_ALIASES = {
    "sigmoid": lambda x: 1.0 / (1.0 + anp.exp(-x)),
    "softplus": lambda x: anp.logaddexp(0.0, x),
    "erf": asp.erf,
    "logsumexp": asp.logsumexp,
    "relu": lambda x: anp.maximum(x, 0.0),
    "leaky_relu": lambda x: anp.where(x > 0, x, 0.01 * x),  # documented default alpha = 0.01
    "norm": anp.linalg.norm,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "flip": _flip,
    "sort": _sort,
    "diagonal": _diagonal,
    "diag": _diag,
    "tril": _tril,
    "triu": _triu,
    "clip": lambda x: x,  # no bounds: the identity (autograd's clip VJP needs both bounds)
}


def _reference(name):
    ref = AG_ALIASES.get(name, getattr(anp, name, None))
    return ref if callable(ref) else None


# Public ops deliberately not compared with autograd, and why.
NOT_CROSS_CHECKED = {
    # Integer results: no gradient to compare (they are not recorded; see test_ops).
    "argmax": "integer index, carries no gradient",
    "argmin": "integer index, carries no gradient",
    # Constants: their result does not depend on the input's values.
    "full_like": "a constant (no gradient), as autograd's",
    "cumprod": "autograd has no rule for it; tests/engine/test_numpy_extra.py checks it against "
    "its Jacobian and finite differences, with zeros in the input",
}


def discover_one_argument_ops():
    """``{name: intervals}``: ops called as ``dg.name(x)`` with an autograd reference ``ref(x)``
    of the same float result shape, with the input intervals on which they are finite."""
    found = {}
    for name in disc.op_names():
        ref = _reference(name)
        if ref is None or name in NOT_CROSS_CHECKED:
            continue
        fn = getattr(dg, name)
        intervals = disc.valid_intervals(fn)
        if not intervals:
            continue
        sample = draw((2, 3), intervals, np.random.default_rng(1))
        out = disc.quiet_call(fn, dg.constant(sample))
        expected = disc.quiet_call(ref, sample)
        if (
            isinstance(out, dg.Tensor)
            and out.dtype.kind == "f"
            and expected is not None
            and np.shape(expected) == out.shape
        ):
            found[name] = intervals
    return found


ONE_ARGUMENT = discover_one_argument_ops()


@pytest.mark.parametrize("name", sorted(ONE_ARGUMENT))
def test_one_argument_op_matches_autograd(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    for shape in ((2, 3), (4,), (2, 2, 3)):  # (2, 3) always works: the discovery used it
        x = draw(shape, ONE_ARGUMENT[name], rng)
        if shape != (2, 3) and disc.quiet_call(_reference(name), x) is None:
            continue  # not defined for this rank in NumPy either (trace of a vector, …)
        crosscheck(getattr(dg, name), _reference(name), (x,), seed=len(shape))


# --- ops with more arguments or options: an explicit table ----------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    covers: tuple  # the public dg names this case exercises
    dg_fn: object
    ag_fn: object
    inputs: tuple  # one (shape, domain) per differentiated argument; a bare shape: "mixed"


def case(id, covers, dg_fn, ag_fn, *inputs):
    covers = (covers,) if isinstance(covers, str) else tuple(covers)
    return Case(
        id,
        covers,
        dg_fn,
        ag_fn,
        tuple(i if isinstance(i[0], tuple) else (i, "mixed") for i in inputs),
    )


def P(shape):
    return (shape, "pos")


def W(shape):
    return (shape, "wide")


COND = np.array([[True, False, True], [False, False, True]])
MASK = np.array([[True, False, True, True], [False, True, False, True], [True, True, False, False]])
IDX = [2, 0, 2, 3]
LABELS_INT = np.array([2, 0, 3])


def _pad_ref(x, widths, value=0.0):
    for ax, (before, after) in enumerate(widths):
        shape = list(x.shape)
        parts = []
        if before:
            shape[ax] = before
            parts.append(np.full(shape, value))
        parts.append(x)
        if after:
            shape[ax] = after
            parts.append(np.full(shape, value))
        x = anp.concatenate(parts, axis=ax)
    return x


def _split_join(parts):
    """A function of every piece of a split, so each piece's gradient matters."""
    return [p * (k + 1.0) + p**2 for k, p in enumerate(parts)]


def _split_case(name, axis, shape):
    """hsplit, vsplit or dsplit into 2 sections, the pieces joined again along ``axis``."""
    return case(
        name,
        name,
        lambda x: dg.concatenate(_split_join(getattr(dg, name)(x, 2)), axis=axis),
        lambda x: anp.concatenate(_split_join(getattr(anp, name)(x, 2)), axis=axis),
        shape,
    )


CASES = [
    # arithmetic operators (Tensor methods, not in dg.__all__) with broadcasting
    case(
        "add-sub-broadcast",
        (),
        lambda x, y: (x + y) - (y - 2.0 * x),
        lambda x, y: (x + y) - (y - 2.0 * x),
        (2, 3),
        (3,),
    ),
    case(
        "mul-div-broadcast",
        (),
        lambda x, y: x * y / (1.0 + y * y),
        lambda x, y: x * y / (1.0 + y * y),
        (2, 3),
        (2, 1),
    ),
    case(
        "div-by-tensor",
        (),
        lambda x, y: x / y - 1.0 / y,
        lambda x, y: x / y - 1.0 / y,
        (2, 3),
        P((3,)),
    ),
    case("negative", (), lambda x: -x * x, lambda x: -x * x, (2, 3)),
    case(
        "pow-constant",
        (),
        lambda x: x**3 + x**2.5 + x**-1,
        lambda x: x**3 + x**2.5 + x**-1,
        P((2, 3)),
    ),
    case("pow-tensor", (), lambda x, y: x**y, lambda x, y: x**y, P((2, 3)), (3,)),
    case("rpow", (), lambda x: 2.0**x, lambda x: 2.0**x, (2, 3)),
    case("matmul-operator", (), lambda x, y: x @ y, lambda x, y: x @ y, (3, 4), (4, 2)),
    # matmul
    case("matmul-2d", "matmul", dg.matmul, anp.matmul, (3, 4), (4, 2)),
    case("matmul-vec-right", "matmul", dg.matmul, anp.matmul, (2, 3, 4), (4,)),
    case("matmul-vec-left", "matmul", dg.matmul, anp.matmul, (4,), (4, 3)),
    case("matmul-batched", "matmul", dg.matmul, anp.matmul, (2, 3, 4), (2, 4, 2)),
    case("matmul-broadcast-batch", "matmul", dg.matmul, anp.matmul, (2, 1, 3, 4), (3, 4, 2)),
    # indexing (Tensor.__getitem__)
    case("getitem-int", (), lambda x: x[1], lambda x: x[1], (3, 4)),
    case("getitem-slices", (), lambda x: x[::-1, 1:3], lambda x: x[::-1, 1:3], (3, 4)),
    case(
        "getitem-fancy-repeated",
        (),
        lambda x: x[[0, 0, 2]] * x[:, IDX],
        lambda x: x[[0, 0, 2]] * x[:, IDX],
        (3, 4),
    ),
    case("getitem-mask", (), lambda x: x[MASK], lambda x: x[MASK], (3, 4)),
    case(
        "getitem-newaxis-ellipsis",
        (),
        lambda x: x[..., None, 1],
        lambda x: x[..., None, 1],
        (2, 3, 4),
    ),
    # linear algebra
    case(
        "einsum-matmul",
        "einsum",
        lambda x, y: dg.einsum("ij,jk->ik", x, y),
        lambda x, y: anp.einsum("ij,jk->ik", x, y),
        (3, 4),
        (4, 2),
    ),
    case(
        "einsum-implicit",
        "einsum",
        lambda x, y: dg.einsum("ij,jk", x, y),
        lambda x, y: anp.einsum("ij,jk", x, y),
        (3, 4),
        (4, 2),
    ),
    case(
        "einsum-diagonal", "einsum", lambda x: dg.einsum("ii->i", x), lambda x: _diagonal(x), (3, 3)
    ),  # autograd's einsum has no 2nd derivative here
    case(
        "einsum-batched-trace-outer",
        "einsum",
        lambda x, y: dg.einsum("bij,bjk->bik", x, y) + dg.einsum("bii->b", x)[:, None, None],
        lambda x, y: (
            anp.einsum("bij,bjk->bik", x, y)
            + anp.sum(_diagonal(x, axis1=1, axis2=2), axis=-1)[:, None, None]
        ),
        (2, 3, 3),
        (2, 3, 2),
    ),
    case(
        "einsum-three-operands",
        "einsum",
        lambda x, y, z: dg.einsum("i,ij,j->", x, y, z),
        lambda x, y, z: anp.einsum("i,ij,j->", x, y, z),
        (3,),
        (3, 4),
        (4,),
    ),
    case(
        "einsum-same-operand-twice",
        "einsum",
        lambda x: dg.einsum("ij,ij->i", x, x),
        lambda x: anp.einsum("ij,ij->i", x, x),
        (3, 4),
    ),
    case("dot-matrix-vector", "dot", dg.dot, anp.dot, (3, 4), (4,)),
    case("dot-vector-vector", "dot", dg.dot, anp.dot, (4,), (4,)),
    case("dot-matrix-matrix", "dot", dg.dot, anp.dot, (2, 3), (3, 4)),
    case("dot-nd", "dot", dg.dot, anp.dot, (2, 3, 4), (4, 2)),
    case(
        "tensordot-1",
        "tensordot",
        lambda x, y: dg.tensordot(x, y, axes=1),
        lambda x, y: anp.tensordot(x, y, axes=1),
        (2, 3),
        (3, 4),
    ),
    case("tensordot-2", "tensordot", dg.tensordot, anp.tensordot, (2, 3, 4), (3, 4, 2)),
    case(
        "tensordot-pairs",
        "tensordot",
        lambda x, y: dg.tensordot(x, y, axes=([1, 0], [0, 2])),
        lambda x, y: anp.tensordot(x, y, axes=([1, 0], [0, 2])),
        (2, 3),
        (3, 4, 2),
    ),
    case(
        "tensordot-0",
        "tensordot",
        lambda x, y: dg.tensordot(x, y, axes=0),
        lambda x, y: anp.tensordot(x, y, axes=0),
        (2,),
        (3,),
    ),
    case("outer", "outer", dg.outer, anp.outer, (3,), (4,)),
    case("inner-vectors", "inner", dg.inner, anp.inner, (3,), (3,)),
    case("inner-matrices", "inner", dg.inner, anp.inner, (2, 3), (4, 3)),
    case("trace", "trace", dg.trace, anp.trace, (3, 3)),
    case(
        "trace-offset-rect",
        "trace",
        lambda x: dg.trace(x, offset=1),
        lambda x: anp.trace(x, offset=1),
        (3, 4),
    ),
    case("diag-vector-to-matrix", "diag", dg.diag, anp.diag, (3,)),
    case("diag-vector-k", "diag", lambda x: dg.diag(x, k=1), lambda x: anp.diag(x, k=1), (3,)),
    case(
        "diag-matrix-to-vector-k",
        "diag",
        lambda x: dg.diag(x, k=-1),
        lambda x: _diagonal(x, offset=-1),
        (3, 4),
    ),
    case(
        "diagonal-offset",
        "diagonal",
        lambda x: dg.diagonal(x, offset=1),
        lambda x: _diagonal(x, offset=1),
        (3, 4),
    ),
    case(
        "diagonal-axes",
        "diagonal",
        lambda x: dg.diagonal(x, offset=-1, axis1=1, axis2=2),
        lambda x: _diagonal(x, offset=-1, axis1=1, axis2=2),
        (2, 3, 4),
    ),
    case("tril-k", "tril", lambda x: dg.tril(x, k=-1), lambda x: anp.tril(x, k=-1), (3, 4)),
    case("tril-vector", "tril", lambda x: dg.tril(x, k=1), lambda x: _tril(x, k=1), (4,)),
    case("triu-k", "triu", lambda x: dg.triu(x, k=1), lambda x: anp.triu(x, k=1), (3, 4)),
    case("triu-batched", "triu", dg.triu, anp.triu, (2, 3, 3)),
    # selection and element-wise binary ops
    case(
        "where",
        "where",
        lambda x, y: dg.where(COND, x, y),
        lambda x, y: anp.where(COND, x, y + np.zeros(COND.shape)),  # autograd: no unbroadcast
        (2, 3),
        (3,),
    ),
    case(
        "where-same-tensor",
        "where",
        lambda x: dg.where(COND, x * x, x),
        lambda x: anp.where(COND, x * x, x),
        (2, 3),
    ),
    case(
        "select",
        "select",
        lambda x, y: dg.select([COND, COND[::-1]], [x * x, y], default=x),
        lambda x, y: anp.select([COND, COND[::-1]], [x * x, y], default=x),
        (2, 3),
        (2, 3),
    ),
    case("maximum", "maximum", dg.maximum, anp.maximum, (2, 3), (3,)),
    case("minimum", "minimum", dg.minimum, anp.minimum, (2, 1), (2, 3)),
    case("arctan2", "arctan2", dg.arctan2, anp.arctan2, (2, 3), (3,)),
    case(
        "clip-constant-bounds",
        "clip",
        lambda x: dg.clip(x, -0.7, 0.8),
        lambda x: anp.clip(x, -0.7, 0.8),
        W((3, 4)),
    ),
    case(
        "clip-tensor-bounds",
        "clip",
        lambda x, lo, hi: dg.clip(x, lo, hi),
        lambda x, lo, hi: anp.minimum(anp.maximum(x, lo), hi),
        W((3, 4)),
        ((4,), "mixed"),
        P((3, 1)),
    ),
    case(
        "clip-min-keyword",
        "clip",
        lambda x, lo: dg.clip(x, min=lo),
        lambda x, lo: anp.maximum(x, lo),
        W((3, 4)),
        (4,),
    ),
    case(
        "leaky_relu-alpha",
        "leaky_relu",
        lambda x: dg.leaky_relu(x, alpha=0.2),
        lambda x: anp.where(x > 0, x, 0.2 * x),
        (3, 4),
    ),
    case(
        "round-decimals",
        "round",
        lambda x: dg.round(x, decimals=1) * x,
        lambda x: anp.round(x, 1) * x,
        (3, 4),
    ),
    case("cast-float64", "cast", lambda x: dg.cast(x * x, np.float64), lambda x: x * x, (3, 4)),
    case(
        "stop_gradient",
        "stop_gradient",
        lambda x: dg.stop_gradient(x * x) * x,
        lambda x: getval(x * x) * x,
        (3, 4),
    ),
    # joining and reshaping
    case(
        "concatenate-0",
        "concatenate",
        lambda x, y, z: dg.concatenate([x, y, z]),
        lambda x, y, z: anp.concatenate([x, y, z]),
        (2, 3),
        (1, 3),
        (3, 3),
    ),
    case(
        "concatenate-last",
        "concatenate",
        lambda x, y: dg.concatenate([x, y, x], axis=-1),
        lambda x, y: anp.concatenate([x, y, x], axis=-1),
        (2, 3),
        (2, 1),
    ),
    case(
        "stack-0",
        "stack",
        lambda x, y: dg.stack([x, y]),
        lambda x, y: anp.stack([x, y]),
        (2, 3),
        (2, 3),
    ),
    case(
        "stack-last",
        "stack",
        lambda x, y: dg.stack([x, y, x], axis=-1),
        lambda x, y: anp.stack([x, y, x], axis=-1),
        (2, 3),
        (2, 3),
    ),
    case(
        "reshape",
        "reshape",
        lambda x: dg.reshape(x, (4, 3)),
        lambda x: anp.reshape(x, (4, 3)),
        (2, 3, 2),
    ),
    case(
        "reshape-infer",
        "reshape",
        lambda x: dg.reshape(x, (-1, 2)),
        lambda x: anp.reshape(x, (-1, 2)),
        (2, 3, 2),
    ),
    case("transpose", "transpose", dg.transpose, anp.transpose, (2, 3, 4)),
    case(
        "transpose-axes",
        "transpose",
        lambda x: dg.transpose(x, (1, 2, 0)),
        lambda x: anp.transpose(x, (1, 2, 0)),
        (2, 3, 4),
    ),
    case(
        "squeeze-axis",
        "squeeze",
        lambda x: dg.squeeze(x, axis=1),
        lambda x: anp.squeeze(x, axis=1),
        (2, 1, 3, 1),
    ),
    case("squeeze-all", "squeeze", dg.squeeze, anp.squeeze, (2, 1, 3, 1)),
    case(
        "expand_dims",
        "expand_dims",
        lambda x: dg.expand_dims(x, 1),
        lambda x: anp.expand_dims(x, 1),
        (2, 3),
    ),
    case(
        "expand_dims-negative",
        "expand_dims",
        lambda x: dg.expand_dims(x, -1),
        lambda x: anp.expand_dims(x, -1),
        (2, 3),
    ),
    case(
        "swapaxes",
        "swapaxes",
        lambda x: dg.swapaxes(x, 0, 2),
        lambda x: anp.swapaxes(x, 0, 2),
        (2, 3, 4),
    ),
    case(
        "moveaxis",
        "moveaxis",
        lambda x: dg.moveaxis(x, 0, -1),
        lambda x: anp.moveaxis(x, 0, -1),
        (2, 3, 4),
    ),
    case(
        "moveaxis-several",
        "moveaxis",
        lambda x: dg.moveaxis(x, [0, 1], [2, 0]),
        lambda x: anp.moveaxis(x, [0, 1], [2, 0]),
        (2, 3, 4),
    ),
    case("flip-axis", "flip", lambda x: dg.flip(x, axis=1), lambda x: _flip(x, axis=1), (2, 3, 4)),
    case(
        "flip-axes",
        "flip",
        lambda x: dg.flip(x, axis=(0, 2)),
        lambda x: _flip(x, axis=(0, 2)),
        (2, 3, 4),
    ),
    case(
        "roll-axis",
        "roll",
        lambda x: dg.roll(x, 2, axis=1),
        lambda x: anp.roll(x, 2, axis=1),
        (2, 4),
    ),
    case("roll-flat", "roll", lambda x: dg.roll(x, -1), lambda x: anp.roll(x, -1), (2, 3)),
    case(
        "roll-several",
        "roll",
        lambda x: dg.roll(x, (1, -2), axis=(0, 1)),
        lambda x: anp.roll(anp.roll(x, 1, axis=0), -2, axis=1),
        (2, 3),
    ),
    case(
        "repeat-axis",
        "repeat",
        lambda x: dg.repeat(x, 2, axis=0),
        lambda x: anp.repeat(x, 2, axis=0),
        (2, 3),
    ),
    case(
        "repeat-counts",
        "repeat",
        lambda x: dg.repeat(x, [1, 0, 3], axis=1),
        lambda x: x[:, [0, 2, 2, 2]],
        (2, 3),
    ),
    case("repeat-flat", "repeat", lambda x: dg.repeat(x, 2), lambda x: anp.repeat(x, 2), (2, 3)),
    case(
        "tile", "tile", lambda x: dg.tile(x, 2), lambda x: anp.concatenate([x, x], axis=-1), (2, 3)
    ),  # autograd's VJP is wrong here
    case(
        "tile-more-dims",
        "tile",
        lambda x: dg.tile(x, (2, 1, 2)),
        lambda x: anp.tile(x, (2, 1, 2)),
        (2, 3),
    ),
    case(
        "pad",
        "pad",
        lambda x: dg.pad(x, ((1, 0), (0, 2))),
        lambda x: _pad_ref(x, ((1, 0), (0, 2))),
        (2, 3),
    ),
    case(
        "pad-scalar-value",
        "pad",
        lambda x: dg.pad(x, 1, constant_values=0.5),
        lambda x: _pad_ref(x, ((1, 1), (1, 1)), 0.5),
        (2, 3),
    ),
    case("take-axis", "take", lambda x: dg.take(x, IDX, axis=1), lambda x: x[:, IDX], (3, 4)),
    case(
        "take-flat",
        "take",
        lambda x: dg.take(x, [5, 0, 5, 7]),
        lambda x: anp.ravel(x)[[5, 0, 5, 7]],
        (3, 4),
    ),
    case("sort-last", "sort", dg.sort, _sort, (3, 4)),
    case("sort-axis0", "sort", lambda x: dg.sort(x, axis=0), lambda x: _sort(x, axis=0), (3, 4)),
    case(
        "split-sections",
        "split",
        lambda x: dg.concatenate(_split_join(dg.split(x, 2, axis=1))),
        lambda x: anp.concatenate(_split_join(anp.split(x, 2, axis=1))),
        (2, 4),
    ),
    case(
        "split-indices",
        "split",
        lambda x: dg.concatenate(_split_join(dg.split(x, [1, 3])), axis=0),
        lambda x: anp.concatenate(_split_join([x[:1], x[1:3], x[3:]]), axis=0),
        (5, 2),
    ),
    case(
        "array_split-uneven",
        "array_split",
        lambda x: dg.concatenate(_split_join(dg.array_split(x, 3, axis=1)), axis=1),
        lambda x: anp.concatenate(_split_join([x[:, :2], x[:, 2:4], x[:, 4:]]), axis=1),
        (2, 5),
    ),
    _split_case("hsplit", 1, (2, 4)),
    _split_case("vsplit", 0, (4, 3)),
    _split_case("dsplit", 2, (2, 1, 4)),
    case(
        "rollaxis",
        "rollaxis",
        lambda x: dg.rollaxis(x, 2, 1),
        lambda x: anp.rollaxis(x, 2, 1),
        (2, 3, 4),
    ),
    case(
        "rollaxis-to-end",
        "rollaxis",
        lambda x: dg.rollaxis(x, 0, 3),
        lambda x: anp.rollaxis(x, 0, 3),
        (2, 3, 4),
    ),
    case(
        "astype",
        "astype",
        lambda x: dg.astype(x * x, np.float64),
        lambda x: anp.astype(x * x, np.float64),
        (2, 3),
    ),
    case(
        "linspace",
        "linspace",
        lambda a, b: dg.linspace(a, b, 7),
        lambda a, b: anp.linspace(a, b, 7),  # autograd's rule: scalar start and stop, num only
        ((), "mixed"),
        W(()),
    ),
    case("gradient", "gradient", dg.gradient, anp.gradient, (7,)),  # autograd: ≥ 5 points
    case(
        "gradient-2d",
        "gradient",
        lambda x: dg.stack(dg.gradient(x)),
        lambda x: anp.stack(anp.gradient(x)),
        (5, 6),
    ),
    case(
        "partition",
        "partition",
        lambda x: dg.partition(x, 3),
        lambda x: anp.partition(x, 3),  # autograd's rule: 1-D only
        (8,),
    ),
    # reductions over axes
    *[
        case(
            f"{name}-axis{axis}{'-keepdims' if keep else ''}",
            name,
            # The outer lambdas are called at once, so each case binds its own values.
            (lambda name, axis, keep: lambda x: getattr(dg, name)(x, axis=axis, keepdims=keep))(  # noqa: B023
                name, axis, keep
            ),
            (lambda ref, axis, keep: lambda x: ref(x, axis=axis, keepdims=keep))(ref, axis, keep),  # noqa: B023
            (2, 3, 4),
        )
        for name, ref in [
            ("sum", anp.sum),
            ("mean", anp.mean),
            ("max", anp.max),
            ("min", anp.min),
            ("prod", anp.prod),
            ("var", anp.var),
            ("std", anp.std),
            ("logsumexp", asp.logsumexp),
        ]
        for axis, keep in [(0, False), (-1, True), ((0, 2), False)]
    ],
    case(
        "var-ddof",
        "var",
        lambda x: dg.var(x, axis=1, ddof=1),
        lambda x: anp.var(x, axis=1, ddof=1),
        (3, 4),
    ),
    case(
        "std-ddof",
        "std",
        lambda x: dg.std(x, axis=0, ddof=1),
        lambda x: anp.std(x, axis=0, ddof=1),
        (3, 4),
    ),
    case(
        "cumsum-axis0",
        "cumsum",
        lambda x: dg.cumsum(x, axis=0),
        lambda x: anp.cumsum(x, axis=0),
        (3, 4),
    ),
    case(
        "cumsum-axis-last",
        "cumsum",
        lambda x: dg.cumsum(x, axis=-1),
        lambda x: anp.cumsum(x, axis=-1),
        (2, 3, 4),
    ),
    case(
        "norm-vector-2",
        "norm",
        lambda x: dg.norm(x, axis=1),
        lambda x: anp.sqrt(anp.sum(x * x, axis=1)),
        (3, 4),
    ),
    case(
        "norm-vector-1",
        "norm",
        lambda x: dg.norm(x, ord=1, axis=0),
        lambda x: anp.sum(anp.abs(x), axis=0),
        (3, 4),
    ),
    case(
        "norm-vector-inf",
        "norm",
        lambda x: dg.norm(x, ord=np.inf, axis=1, keepdims=True),
        lambda x: anp.max(anp.abs(x), axis=1, keepdims=True),
        (3, 4),
    ),
    case(
        "norm-vector-minus-inf",
        "norm",
        lambda x: dg.norm(x, ord=-np.inf, axis=-1),
        lambda x: anp.min(anp.abs(x), axis=-1),
        (3, 4),
    ),
    case(
        "norm-fro",
        "norm",
        lambda x: dg.norm(x, ord="fro"),
        lambda x: anp.sqrt(anp.sum(x * x)),
        (3, 4),
    ),
    case(
        "norm-matrix-1",
        "norm",
        lambda x: dg.norm(x, ord=1),
        lambda x: anp.max(anp.sum(anp.abs(x), axis=0)),
        (3, 4),
    ),
    case(
        "norm-matrix-minus-1",
        "norm",
        lambda x: dg.norm(x, ord=-1),
        lambda x: anp.min(anp.sum(anp.abs(x), axis=0)),
        (3, 4),
    ),
    case(
        "norm-matrix-inf-axes",
        "norm",
        lambda x: dg.norm(x, ord=np.inf, axis=(2, 1)),
        lambda x: anp.max(anp.sum(anp.abs(x), axis=1), axis=-1),
        (2, 3, 4),
    ),
    case(
        "norm-matrix-minus-inf",
        "norm",
        lambda x: dg.norm(x, ord=-np.inf),
        lambda x: anp.min(anp.sum(anp.abs(x), axis=1)),
        (3, 4),
    ),
    # softmax family
    case(
        "softmax-axis0",
        "softmax",
        lambda x: dg.softmax(x, axis=0),
        lambda x: _softmax(x, axis=0),
        (3, 4),
    ),
    case(
        "softmax-3d",
        "softmax",
        lambda x: dg.softmax(x, axis=1),
        lambda x: _softmax(x, axis=1),
        (2, 3, 4),
    ),
    case(
        "log_softmax-axis0",
        "log_softmax",
        lambda x: dg.log_softmax(x, axis=0),
        lambda x: _log_softmax(x, axis=0),
        (3, 4),
    ),
    case(
        "softmax_cross_entropy",
        "softmax_cross_entropy",
        lambda y, z: dg.softmax_cross_entropy(labels=y, logits=z),
        lambda y, z: -anp.sum(y * _log_softmax(z), axis=-1),
        P((3, 4)),
        (3, 4),
    ),
    case(
        "softmax_cross_entropy-axis0",
        "softmax_cross_entropy",
        lambda y, z: dg.softmax_cross_entropy(labels=y, logits=z, axis=0),
        lambda y, z: -anp.sum(y * _log_softmax(z, axis=0), axis=0),
        P((3, 4)),
        (3, 4),
    ),
    case(
        "sparse_softmax_cross_entropy",
        "sparse_softmax_cross_entropy",
        lambda z: dg.sparse_softmax_cross_entropy(labels=LABELS_INT, logits=z),
        lambda z: -_log_softmax(z)[np.arange(3), LABELS_INT],
        (3, 4),
    ),
    # NumPy's other functions (deltagrad.ops.elementwise_extra, deltagrad.ops.arrays)
    case("logaddexp", "logaddexp", dg.logaddexp, anp.logaddexp, (2, 3), (3,)),
    case("logaddexp2", "logaddexp2", dg.logaddexp2, anp.logaddexp2, (2, 3), (2, 3)),
    case("hypot", "hypot", dg.hypot, anp.hypot, (2, 3), (2, 3)),
    case("fmax", "fmax", dg.fmax, anp.fmax, (2, 3), (2, 3)),
    case("fmin", "fmin", dg.fmin, anp.fmin, (2, 3), (3,)),
    case("mod", "mod", lambda x, y: dg.mod(x, y), anp.mod, W((2, 3)), P((2, 3))),
    case("remainder", "remainder", dg.remainder, anp.remainder, W((2, 3)), P((3,))),
    case(
        "hstack",
        "hstack",
        lambda x, y: dg.hstack([x, y]),
        lambda x, y: anp.hstack([x, y]),
        (2, 3),
        (2, 2),
    ),
    case(
        "vstack",
        "vstack",
        lambda x, y: dg.vstack([x, y]),
        lambda x, y: anp.vstack([x, y]),
        (2, 3),
        (1, 3),
    ),
    case(
        "dstack",
        "dstack",
        lambda x, y: dg.dstack([x, y]),
        lambda x, y: anp.dstack([x, y]),
        (2, 3),
        (2, 3),
    ),
    case(
        "column_stack",
        "column_stack",
        lambda x, y: dg.column_stack([x, y]),
        lambda x, y: anp.column_stack([x, y]),
        (3,),
        (3, 2),
    ),
    case(
        "append",
        "append",
        lambda x, y: dg.append(x, y, axis=0),
        lambda x, y: anp.append(x, y, axis=0),
        (2, 3),
        (1, 3),
    ),
    case("kron", "kron", dg.kron, anp.kron, (2, 3), (3, 2)),
    case("cross", "cross", dg.cross, anp.cross, (4, 3), (4, 3)),
    case(
        "broadcast_to",
        "broadcast_to",
        lambda x: dg.broadcast_to(x, (3, 4)),
        lambda x: anp.broadcast_to(x, (3, 4)),
        (1, 4),  # autograd's rule handles the same number of axes only
    ),
    case(
        "array-of-tensors",
        "array",
        lambda x, y: dg.array([[x, 2.0 * y], [y, x * y]]),
        lambda x, y: anp.array([[x, 2.0 * y], [y, x * y]]),
        (3,),
        (3,),
    ),
    case(
        "full-tensor-fill",
        "full",
        lambda x: dg.full((2, 3), x),
        lambda x: anp.broadcast_to(x, (2, 3)),  # autograd's full has no rule for its fill
        (1, 3),
    ),
]


def _missing(names):
    return [n for n in names if getattr(dg, n, None) is None]


def _case_params():
    params = []
    for c in CASES:
        missing = _missing(c.covers)
        marks = (
            [pytest.mark.skip(reason=f"dg.{', dg.'.join(missing)} not in deltagrad (yet)")]
            if missing
            else []
        )
        params.append(pytest.param(c, id=c.id, marks=marks))
    return params


@pytest.mark.parametrize("c", _case_params())
def test_op_matches_autograd(c):
    rng = np.random.default_rng(sum(map(ord, c.id)))
    arrays = [draw(shape, DOMAINS[domain], rng) for shape, domain in c.inputs]
    crosscheck(c.dg_fn, c.ag_fn, arrays)


# --- no public op unchecked ---------------------------------------------------------------------


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_public_op_is_cross_checked():
    """Each op in dg.__all__ is found automatically, is in CASES, or is excused with a reason."""
    covered = set(ONE_ARGUMENT) | {name for c in CASES for name in c.covers}
    unchecked = [
        name for name in disc.op_names() if name not in covered and name not in NOT_CROSS_CHECKED
    ]
    assert not unchecked, (
        f"public ops not compared with autograd: {unchecked}. Add a case to CASES (or an "
        "AG_ALIASES entry for a one-argument op), or list the op in NOT_CROSS_CHECKED with the "
        "reason; a non-op name belongs in _opdiscovery.NOT_OPS"
    )
    excused_but_checked = sorted(covered & set(NOT_CROSS_CHECKED))
    assert not excused_but_checked, f"in NOT_CROSS_CHECKED but cross-checked: {excused_but_checked}"


def test_a_new_op_without_a_check_fails_the_coverage_test(monkeypatch):
    monkeypatch.setattr(dg, "frobnicate", lambda x: x, raising=False)
    monkeypatch.setattr(dg, "__all__", [*dg.__all__, "frobnicate"])
    with pytest.raises(AssertionError, match="frobnicate"):
        test_every_public_op_is_cross_checked()


def test_discovery_finds_the_element_wise_ops():
    # Guards the discovery itself: if it silently found nothing, coverage would rest on CASES.
    for name in ("exp", "log", "tanh", "sigmoid", "sqrt", "abs"):
        assert name in ONE_ARGUMENT, name
    assert ONE_ARGUMENT["log"] == (A, C)  # log is used where it is finite: positive intervals
    assert "argmax" not in ONE_ARGUMENT  # integer result


# --- the checker catches planted bugs ---------------------------------------------------------


def test_a_planted_wrong_first_derivative_is_caught(monkeypatch):
    from deltagrad import ops

    x = draw((2, 3), DOMAINS["mixed"], np.random.default_rng(0))
    crosscheck(dg.tanh, anp.tanh, (x,))  # the real rule passes
    # 1 − tanh² off by 1e-7 relative: far above round-off, far below any plotting error.
    monkeypatch.setattr(ops.tanh_p, "vjps", (lambda g, out, x: g * (1 - out * out) * (1 + 1e-7),))
    with pytest.raises(AssertionError, match="gradient w.r.t. argument 0"):
        crosscheck(dg.tanh, anp.tanh, (x,))


def test_a_planted_wrong_second_derivative_is_caught(monkeypatch):
    # A rule that is right as a first derivative but treats tanh(x) as a constant when
    # differentiated again: only the Hessian-vector product can see it.
    from deltagrad import ops

    x = draw((2, 3), DOMAINS["mixed"], np.random.default_rng(0))
    monkeypatch.setattr(
        ops.tanh_p, "vjps", (lambda g, out, x: g * (1 - ops.stop_gradient_p.bind(out) ** 2),)
    )
    with pytest.raises(AssertionError, match="Hessian-vector product"):
        crosscheck(dg.tanh, anp.tanh, (x,))


# --- digit for digit ---------------------------------------------------------------------------
# Where deltagrad's formula is as accurate as autograd's, it is autograd's own, so a program
# moved from autograd computes the same numbers to the last bit (an Adam run amplifies a 1-ulp
# difference until the printed losses differ). Sizes large enough for BLAS to block the
# products.
BITWISE = {
    "dot 2-D · 2-D": (lambda np_, sp: lambda a, b: np_.dot(a, b), [(50, 169), (169, 40)]),
    "dot 3-D · 1-D": (lambda np_, sp: lambda a, b: np_.dot(a, b), [(4, 30, 60), (60,)]),
    "dot 1-D · 3-D": (lambda np_, sp: lambda a, b: np_.dot(a, b), [(60,), (3, 60, 20)]),
    "tanh": (lambda np_, sp: lambda a: np_.tanh(a), [(40, 30)]),
    "logsumexp": (
        lambda np_, sp: lambda a: a - sp.logsumexp(a, axis=1, keepdims=True),
        [(50, 128)],
    ),
}


@pytest.mark.parametrize("name", sorted(BITWISE))
def test_value_and_gradients_are_autograd_s_to_the_last_bit(name):
    import deltagrad.compat.autograd as dga
    import deltagrad.compat.autograd.numpy as dnp
    import deltagrad.compat.autograd.scipy.special as dsp

    make, shapes = BITWISE[name]
    rng = np.random.default_rng(7)
    args = [3 * rng.standard_normal(s) for s in shapes]
    f_ag, f_dg = make(anp, asp), make(dnp, dsp)
    out = f_ag(*args)
    np.testing.assert_array_equal(f_dg(*args), out)
    g = rng.standard_normal(np.shape(out))
    for k in range(len(args)):
        expected = autograd.make_vjp(f_ag, k)(*args)[0](g)
        actual = dga.make_vjp(f_dg, k)(*args)[0](g)
        np.testing.assert_array_equal(actual, expected, err_msg=f"argument {k}")
