"""NumPy's other element-wise functions (deltagrad.ops.elementwise_extra: logaddexp, logaddexp2,
hypot, fmax, fmin, fabs, sinc, deg2rad, rad2deg, mod/remainder, nan_to_num, and complex NumPy's
real, imag, conjugate, real_if_close, angle on real tensors) and array functions
(deltagrad.ops.arrays: ravel, the stacks and splits, atleast_nd, flips, rot90, rollaxis,
broadcast_to, diff, gradient, append, kron, cross, cumprod, partition, astype, linspace, the *_like
constants).

Values against NumPy on the same inputs (shapes, broadcasting, dtypes); gradients against
central finite differences in float64 (first and second order) and against HIPS autograd
(gradient and Hessian-vector product) where autograd has the function; the edge cases of each
convention (−inf, NaN, ties, zeros, negative operands); errors that name the op.

The modules are imported when a test runs, not at collection: importing them registers their
public ops (deltagrad.ops.public.PUBLIC), and until ``import deltagrad`` gathers them too, a
registered op that is no ``dg.<name>`` fails the docstring suite's one-home check.
"""

import importlib
import inspect
import math
import warnings

import numpy as np
import pytest

import deltagrad as dg
import finite_differences as fd
from deltagrad.gradcheck import check_grads

ELEMENTWISE = "deltagrad.ops.elementwise_extra"
ARRAYS = "deltagrad.ops.arrays"


def module(name):
    return importlib.import_module(name)


def op(name):
    """The public function ``name`` of either module."""
    for m in (ELEMENTWISE, ARRAYS):
        if name in module(m).__all__:
            return getattr(module(m), name)
    raise LookupError(name)


def tape_grads(f, *arrays):
    """``f`` at the arrays and the gradients of sum(f) with respect to each, via one tape."""
    ts = [dg.constant(a) for a in arrays]
    with dg.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return y, [np.asarray(g) for g in tape.gradient(y, ts)]  # (seeded with ones: sum(f))


# --- element-wise: values -----------------------------------------------------------------------

BINARY = ["logaddexp", "logaddexp2", "hypot", "fmax", "fmin", "mod", "remainder"]
UNARY = ["fabs", "sinc", "deg2rad", "rad2deg", "nan_to_num"]
SHAPES = [(), (4,), (3, 4), (1, 4)]
PAIRS = [((), ()), ((4,), (4,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((1, 4), (3, 1)), ((), (3, 4))]


def _np(name):
    return {"remainder": np.remainder}.get(name, getattr(np, name))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("sa,sb", PAIRS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_values_equal_numpy(name, sa, sb, dtype, rng):
    x1 = (rng.uniform(-5, 5, sa) * 1.7).astype(dtype)
    x2 = (rng.uniform(1, 4, sb) * rng.choice([-1, 1], sb)).astype(dtype)
    out = op(name)(x1, x2)
    want = _np(name)(x1, x2)
    assert isinstance(out, dg.Tensor) and out.dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(out.numpy(), want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_values_equal_numpy(name, shape, dtype, rng):
    x = (rng.uniform(-5, 5, shape) * 1.7).astype(dtype)
    out = op(name)(x)
    want = _np(name)(x)
    assert out.dtype == np.asarray(want).dtype and out.shape == np.shape(want)
    np.testing.assert_array_equal(out.numpy(), want)


@pytest.mark.parametrize("name", BINARY + UNARY)
def test_float32_gradients_stay_float32(name, rng):
    xs = [rng.uniform(0.5, 2, 4).astype(np.float32) for _ in range(2 if name in BINARY else 1)]
    y, grads = tape_grads(op(name), *xs)
    assert y.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


def test_the_ufunc_table_maps_each_ufunc_to_a_recording_primitive(rng):
    table = module(ELEMENTWISE).UFUNCS
    assert {np.radians, np.degrees, np.remainder, np.mod} <= set(table)
    a, b = rng.uniform(0.5, 2, (2, 3)), rng.uniform(0.5, 2, (2, 3))
    for ufunc, prim in table.items():
        args = (a, b)[: ufunc.nin]
        ts = [dg.constant(v) for v in args]
        with dg.GradientTape() as tape:
            tape.watch(ts)
            out = prim.bind(*ts)  # as Tensor.__array_ufunc__ calls it
        assert isinstance(out, dg.Tensor), ufunc
        np.testing.assert_array_equal(out.numpy(), ufunc(*args))
        assert all(g is not None for g in tape.gradient(out, ts)), ufunc


# --- element-wise: gradients --------------------------------------------------------------------

# Inputs away from every kink: |x| ≥ 0.3 (fabs), x1 − x2 ≠ 0 (fmax, fmin), x1 / x2 at least
# 0.05 from an integer (mod).
X1 = np.array([[0.7, -1.3, 2.1, -0.45], [1.6, -2.4, 0.35, 3.3], [-0.9, 0.55, -3.1, 1.2]])
X2 = np.array([[1.1, 0.8, -1.4, 0.95], [-0.75, 2.7, 1.3, -1.7], [0.65, -1.6, 1.9, 2.6]])


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradients_match_finite_differences_to_second_order(name):
    check_grads(op(name), X1, X2, order=2)
    check_grads(op(name), X1, X2[1], order=2)  # broadcast: the gradient is summed back


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradients_match_finite_differences_to_second_order(name):
    check_grads(op(name), X1, order=2)


def _ag(fn, *args):
    """Run an autograd computation, without its warning that a derivative is identically 0
    (the second derivative of a piecewise-linear op: that is the expected answer)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Output seems independent of input")
        return fn(*args)


def crosscheck(dg_fn, ag_fn, *arrays, seed=0):
    """deltagrad and autograd agree on f, ∇⟨w, f⟩ and the Hessian-vector product ∇²⟨w, f⟩·v."""
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    expected = ag_fn(*arrays)
    np.testing.assert_allclose(np.asarray(dg_fn(*arrays)), expected, rtol=1e-13, atol=1e-14)
    w = rng.standard_normal(np.shape(expected))
    vs = [rng.standard_normal(a.shape) for a in arrays]
    argnums = tuple(range(len(arrays)))

    def dg_proj(*xs):
        return dg.sum(dg_fn(*xs) * w)

    def ag_proj(*xs):
        return anp.sum(ag_fn(*xs) * w)

    def ag_grad_dot_v(*xs):  # ⟨∇⟨w, f⟩, v⟩: its gradient is the Hessian-vector product
        return sum(anp.sum(ag.grad(ag_proj, i)(*xs) * v) for i, v in enumerate(vs))

    grads = dg.grad(dg_proj, argnums=argnums)(*arrays)
    hvps = dg.hvp(dg_proj, arrays, vs)
    hvps = hvps if len(arrays) > 1 else (hvps,)
    for i in argnums:
        want = _ag(ag.grad(ag_proj, i), *arrays)
        np.testing.assert_allclose(np.asarray(grads[i]), want, rtol=1e-10, atol=1e-12)
        want = _ag(ag.grad(ag_grad_dot_v, i), *arrays)
        np.testing.assert_allclose(np.asarray(hvps[i]), want, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_match_autograd(name):
    anp = pytest.importorskip("autograd.numpy")
    crosscheck(op(name), getattr(anp, name), X1, X2)
    crosscheck(op(name), getattr(anp, name), X1, X2[:, :1])


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_match_autograd(name):
    anp = pytest.importorskip("autograd.numpy")
    crosscheck(op(name), getattr(anp, name), X1)


@pytest.mark.parametrize("name", ["deg2rad", "rad2deg"])
def test_degree_conversions_have_the_constant_derivative(name):
    _, (g,) = tape_grads(op(name), X1)
    want = math.pi / 180 if name == "deg2rad" else 180 / math.pi
    np.testing.assert_allclose(g, np.full_like(X1, want), rtol=1e-15)


# --- element-wise: edge cases ------------------------------------------------------------------


@pytest.mark.parametrize("name,scale", [("logaddexp", 1.0), ("logaddexp2", math.log(2))])
def test_logaddexp_at_infinities_and_large_values(name, scale):
    inf = np.inf
    x1 = np.array([-inf, -inf, inf, -inf, 3.0, 1000.0, -1000.0])
    x2 = np.array([-inf, 2.0, inf, inf, -inf, 1000.0, -1000.0])
    y, (g1, g2) = tape_grads(op(name), x1, x2)
    np.testing.assert_array_equal(y.numpy(), getattr(np, name)(x1, x2))
    # −inf beside a finite value gets nothing; equal infinities share ½ (the limit along x1 = x2);
    # huge equal values ½ each (no overflow, no NaN).
    np.testing.assert_array_equal(g1, [0.5, 0.0, 0.5, 0.0, 1.0, 0.5, 0.5])
    np.testing.assert_array_equal(g2, [0.5, 1.0, 0.5, 1.0, 0.0, 0.5, 0.5])
    # Far apart: the small weight is σ(−d) itself, not 1 − σ(d) rounded to 0.
    small = 1 / (1 + np.exp(40.0 * scale))
    _, (g1, g2) = tape_grads(op(name), np.array([0.0, 40.0]), np.array([40.0, 0.0]))
    np.testing.assert_allclose(g1, [small, 1.0], rtol=1e-12)
    np.testing.assert_allclose(g2, [1.0, small], rtol=1e-12)


def test_hypot_at_the_origin_and_without_overflow():
    x1, x2 = np.array([0.0, 3e200, -3.0]), np.array([0.0, 4e200, 4.0])
    y, (g1, g2) = tape_grads(op("hypot"), x1, x2)
    np.testing.assert_array_equal(y.numpy(), np.hypot(x1, x2))
    np.testing.assert_allclose(g1, [0.0, 0.6, -0.6], rtol=1e-15)
    np.testing.assert_allclose(g2, [0.0, 0.8, 0.8], rtol=1e-15)


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_skip_nans_and_give_ties_to_the_first_argument(name):
    nan = np.nan
    x1 = np.array([nan, 2.0, nan, 1.5, 1.0, 3.0])
    x2 = np.array([1.0, nan, nan, 1.5, 2.0, -1.0])
    y, (g1, g2) = tape_grads(op(name), x1, x2)
    np.testing.assert_array_equal(y.numpy(), getattr(np, name)(x1, x2))
    larger = name == "fmax"
    first = [0, 1, 1, 1, 0 if larger else 1, 1 if larger else 0]
    np.testing.assert_array_equal(g1, first)
    np.testing.assert_array_equal(g2, 1 - np.array(first))


def test_fabs_derivative_is_the_sign_and_zero_at_zero():
    _, (g,) = tape_grads(op("fabs"), np.array([-2.0, 0.0, 3.0, -0.0]))
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0, 0.0])
    assert op("fabs")(np.array([-3, 2])).dtype == np.float64  # integers give floats


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_mod_with_negative_operands(dtype):
    x1 = np.array([-7, 7, -7, 7, -5.5, 5.5, 0, -9]).astype(dtype)
    x2 = np.array([3, -3, -3, 3, 2, -2, 4, 3]).astype(dtype)
    for name in ("mod", "remainder"):
        y = op(name)(x1, x2)
        np.testing.assert_array_equal(y.numpy(), np.mod(x1, x2))
        assert y.dtype == np.mod(x1, x2).dtype  # integers stay integers
        _, (g1, g2) = tape_grads(op(name), x1.astype(float), x2.astype(float))
        np.testing.assert_array_equal(g1, np.ones(8))
        np.testing.assert_array_equal(g2, -np.floor_divide(x1, x2))
    check_grads(op("mod"), [-7.3, 7.3, -5.5, 2.2], [3.0, -3.0, -2.0, -0.7], order=2)


def test_nan_to_num_replaces_and_stops_the_gradient_there():
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0], dtype=np.float32)
    y, (g,) = tape_grads(op("nan_to_num"), x)
    np.testing.assert_array_equal(y.numpy(), np.nan_to_num(x))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(g, [0, 0, 0, 1, 1])
    out = op("nan_to_num")(x, nan=-1.0, posinf=9.0, neginf=-9.0)
    np.testing.assert_array_equal(out.numpy(), [-1, 9, -9, 1.5, -2])
    np.testing.assert_array_equal(op("nan_to_num")(x, copy=False).numpy(), np.nan_to_num(x))


def test_sinc_is_smooth_at_zero_and_across_the_series_threshold():
    x = np.array([0.0, 1e-9, -0.004, 0.0099999, 0.0100001, -0.5, 2.5])
    y, (g,) = tape_grads(op("sinc"), x)
    np.testing.assert_array_equal(y.numpy(), np.sinc(x))
    # The derivative's closed form, and near 0 (where it cancels) its leading term −π²x/3.
    with np.errstate(invalid="ignore", divide="ignore"):
        closed = (np.cos(np.pi * x) - np.sinc(x)) / x
    want = np.where(np.abs(x) < 1e-6, -(np.pi**2) * x / 3, closed)
    np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-300)
    check_grads(op("sinc"), x, order=2)
    # sinc''(0) = −π²/3, from the tape of the tape.
    h = dg.grad(dg.grad(lambda t: dg.sum(op("sinc")(t))))(np.array([0.0]))
    np.testing.assert_allclose(np.asarray(h), [-(math.pi**2) / 3], rtol=1e-12)


# --- array functions: values, gradients, autograd -----------------------------------------------


def A(*shape, seed=0):
    return np.random.default_rng(seed + len(shape)).uniform(-1.5, 1.5, shape)


def _joined(name, **kw):
    return lambda *xs: op(name)(list(xs), **kw)


# (id, deltagrad function, NumPy function, autograd function or None, inputs)
ARRAY_CASES = [
    ("ravel", lambda a: op("ravel")(a), np.ravel, "ravel", [A(2, 3, 4)]),
    ("ravel-F", lambda a: op("ravel")(a, "F"), lambda a: np.ravel(a, "F"), None, [A(2, 3)]),
    ("ravel-0d", lambda a: op("ravel")(a), np.ravel, "ravel", [A()]),
    *[
        (
            f"{name}-{'-'.join(map(str, shapes))}",
            _joined(name),
            lambda *xs, name=name: getattr(np, name)(list(xs)),
            ("joined", name),
            [A(*s, seed=i) for i, s in enumerate(shapes)],
        )
        for name, shapes in [
            ("hstack", [(3,), (4,)]),
            ("hstack", [(2, 3), (2, 1)]),
            ("hstack", [(), (3,)]),
            ("vstack", [(3,), (2, 3)]),
            ("vstack", [(2, 3, 2), (1, 3, 2)]),
            ("dstack", [(3,), (3,)]),
            ("dstack", [(2, 3), (2, 3, 2)]),
            ("column_stack", [(3,), (3, 2)]),
            ("column_stack", [(3,), (3,), (3,)]),
        ]
    ],
    ("append", lambda a, b: op("append")(a, b), np.append, "append", [A(2, 3), A(4)]),
    (
        "append-axis",
        lambda a, b: op("append")(a, b, axis=0),
        lambda a, b: np.append(a, b, axis=0),
        None,
        [A(2, 3), A(1, 3)],
    ),
    *[
        (f"{name}-{s}", op_, getattr(np, name), name, [A(*s)])
        for name in ("atleast_1d", "atleast_2d", "atleast_3d")
        for s in [(), (3,), (2, 3), (2, 1, 3)]
        for op_ in [lambda a, name=name: op(name)(a)]
    ],
    ("fliplr", lambda a: op("fliplr")(a), np.fliplr, "fliplr", [A(2, 3, 2)]),
    ("flipud", lambda a: op("flipud")(a), np.flipud, "flipud", [A(3, 2)]),
    *[
        (
            f"rot90-k{k}-axes{axes}",
            lambda a, k=k, axes=axes: op("rot90")(a, k, axes),
            lambda a, k=k, axes=axes: np.rot90(a, k, axes),
            ("rot90", k) if axes == (0, 1) else None,  # autograd's rule ignores axes
            [A(2, 3, 4)],
        )
        for k, axes in [
            (1, (0, 1)),
            (2, (0, 1)),
            (3, (0, 1)),
            (0, (0, 1)),
            (-1, (2, 0)),
            (5, (1, 2)),
        ]
    ],
    (
        "broadcast_to-same-ndim",
        lambda a: op("broadcast_to")(a, (4, 3)),
        lambda a: np.broadcast_to(a, (4, 3)),
        ("broadcast_to", (4, 3)),
        [A(1, 3)],
    ),
    (
        "broadcast_to-new-axes",
        lambda a: op("broadcast_to")(a, [2, 4, 3]),
        lambda a: np.broadcast_to(a, (2, 4, 3)),
        None,
        [A(4, 1)],
    ),
    (
        "broadcast_to-int",
        lambda a: op("broadcast_to")(a, 5),
        lambda a: np.broadcast_to(a, 5),
        None,
        [A()],
    ),
    *[
        (
            f"diff-n{n}-axis{axis}",
            lambda a, n=n, axis=axis: op("diff")(a, n, axis),
            lambda a, n=n, axis=axis: np.diff(a, n, axis),
            ("diff", n, axis),
            [A(4, 5)],
        )
        for n, axis in [(1, -1), (2, 0), (3, 1), (0, 0), (5, 1)]
    ],
    (
        "diff-prepend-append",
        lambda a, p: op("diff")(a, axis=0, prepend=p, append=0.5),
        lambda a, p: np.diff(a, axis=0, prepend=p, append=0.5),
        None,
        [A(3, 2), A(1, 2)],
    ),
    *[
        (
            f"kron-{sa}-{sb}",
            lambda a, b: op("kron")(a, b),
            np.kron,
            "kron",
            [A(*sa), A(*sb, seed=1)],
        )
        for sa, sb in [
            ((2, 3), (3, 2)),
            ((3,), (2,)),
            ((2, 2), (3,)),
            ((), (2, 3)),
            ((2, 1, 2), (2, 2)),
        ]
    ],
    *[
        (
            f"cross-{sa}-{sb}-{kw}",
            lambda a, b, kw=kw: op("cross")(a, b, **kw),
            lambda a, b, kw=kw: np.cross(a, b, **kw),
            ("cross", kw) if sa[:-1] == sb[:-1] or kw else None,  # autograd: no unbroadcast
            [A(*sa), A(*sb, seed=1)],
        )
        for sa, sb, kw in [
            ((3,), (3,), {}),
            ((4, 3), (4, 3), {}),
            ((2, 1, 3), (4, 3), {}),
            ((3, 4), (4, 3), {"axisa": 0}),
            ((3, 2), (3, 2), {"axis": 0}),
            ((2, 3), (3, 2), {"axisa": 1, "axisb": 0, "axisc": 0}),
        ]
    ],
    *[
        (
            f"rollaxis-{axis}-{start}",
            lambda a, axis=axis, start=start: op("rollaxis")(a, axis, start),
            lambda a, axis=axis, start=start: np.rollaxis(a, axis, start),
            ("rollaxis", axis, start) if axis >= 0 and start >= 0 else None,  # autograd: ≥ 0
            [A(2, 3, 4)],
        )
        for axis, start in [(2, 0), (0, 3), (1, 1), (0, 2), (-1, 1), (1, -3)]
    ],
    *[
        (
            f"gradient-{shape}-{kw}",
            lambda a, kw=kw: op("gradient")(a, **kw),
            lambda a, kw=kw: np.gradient(a, **kw),
            # autograd's rule: no options, and at least 5 points
            "gradient" if len(shape) == 1 and shape[0] >= 5 and not kw else None,
            [A(*shape)],
        )
        for shape, kw in [
            ((6,), {}),
            ((5,), {"edge_order": 2}),
            ((2,), {}),
            ((3,), {"edge_order": 2}),
            ((4, 5), {"axis": 1}),
            ((4, 5), {"axis": 0, "edge_order": 2}),
        ]
    ],
    (
        "gradient-spacing",
        lambda a: op("gradient")(a, 0.3, edge_order=2),
        lambda a: np.gradient(a, 0.3, edge_order=2),
        None,
        [A(7)],
    ),
    (
        "gradient-coordinates",
        lambda a: op("gradient")(a, COORDS, axis=0, edge_order=2),
        lambda a: np.gradient(a, COORDS, axis=0, edge_order=2),
        None,
        [A(5, 2)],
    ),
    *[
        (
            f"partition-{shape}-{kth}-{axis}",
            lambda a, kth=kth, axis=axis: op("partition")(a, kth, axis=axis),
            lambda a, kth=kth, axis=axis: np.partition(a, kth, axis=axis),
            ("partition", kth) if len(shape) == 1 and axis == -1 else None,  # autograd: 1-D
            [A(*shape)],
        )
        for shape, kth, axis in [
            ((7,), 3, -1),
            ((7,), [1, 5], -1),
            ((3, 5), 2, 0),
            ((3, 5), -1, 1),
            ((2, 3), 4, None),
        ]
    ],
    *[
        (
            f"linspace-{'-'.join(map(str, shapes))}-{kw}",
            lambda lo, hi, kw=kw: op("linspace")(lo, hi, **kw),
            lambda lo, hi, kw=kw: np.linspace(lo, hi, **kw),
            None,  # autograd's linspace: scalars, num only (tests/engine/test_autograd_crosscheck)
            [A(*shapes[0]), A(*shapes[1], seed=1) + 3.0],
        )
        for shapes, kw in [
            (((), ()), {"num": 7}),
            (((), ()), {"num": 6, "endpoint": False}),
            (((), ()), {"num": 1}),
            (((3,), (2, 3)), {"num": 4, "axis": -1}),
            (((2,), ()), {"num": 5, "axis": 1, "endpoint": False}),
        ]
    ],
    ("cumprod-flat", lambda a: op("cumprod")(a), np.cumprod, None, [A(2, 3)]),
    *[
        (
            f"cumprod-axis{axis}",
            lambda a, axis=axis: op("cumprod")(a, axis=axis),
            lambda a, axis=axis: np.cumprod(a, axis=axis),
            None,
            [A(3, 4, 2)],
        )
        for axis in (0, 1, -1)
    ],
]


COORDS = np.array([0.0, 0.4, 1.1, 1.3, 2.2])  # uneven: NumPy's non-uniform formulas


def _autograd_ref(spec):
    anp = pytest.importorskip("autograd.numpy")
    if isinstance(spec, str):
        return getattr(anp, spec)
    name, *args = spec
    if name == "joined":
        return lambda *xs: getattr(anp, args[0])(list(xs))
    if name == "cross":
        return lambda a, b: anp.cross(a, b, **args[0])
    return lambda a: getattr(anp, name)(a, *args)


@pytest.mark.parametrize(
    "dg_fn,np_fn,inputs", [pytest.param(c[1], c[2], c[4], id=c[0]) for c in ARRAY_CASES]
)
def test_array_function_values_equal_numpy(dg_fn, np_fn, inputs):
    out = dg_fn(*inputs)
    want = np_fn(*inputs)
    assert isinstance(out, dg.Tensor) and out.shape == np.shape(want)
    np.testing.assert_array_equal(out.numpy(), want)
    # On tensors too, with NumPy's dtype (float32 stays float32).
    want32 = np_fn(*[x.astype(np.float32) for x in inputs])
    out32 = dg_fn(*[dg.constant(x.astype(np.float32)) for x in inputs])
    assert out32.dtype == want32.dtype
    np.testing.assert_array_equal(out32.numpy(), want32)


@pytest.mark.parametrize("dg_fn,inputs", [pytest.param(c[1], c[4], id=c[0]) for c in ARRAY_CASES])
def test_array_function_gradients_match_finite_differences(dg_fn, inputs):
    check_grads(dg_fn, *inputs, order=2)


AUTOGRAD_CASES = [c for c in ARRAY_CASES if c[3] is not None]


@pytest.mark.parametrize(
    "dg_fn,spec,inputs", [pytest.param(c[1], c[3], c[4], id=c[0]) for c in AUTOGRAD_CASES]
)
def test_array_function_matches_autograd(dg_fn, spec, inputs):
    crosscheck(dg_fn, _autograd_ref(spec), *inputs)


def test_atleast_nd_of_several_inputs_gives_a_tuple():
    out = op("atleast_2d")(1.0, np.ones(3), np.ones((2, 2)))
    assert isinstance(out, tuple) and [t.shape for t in out] == [(1, 1), (1, 3), (2, 2)]
    assert op("atleast_1d")() == ()
    t = dg.constant(np.ones((2, 3)))
    assert op("atleast_2d")(t) is t  # enough axes already: the Tensor itself, as NumPy


# --- cumprod with zeros -------------------------------------------------------------------------


def cumprod_jacobian(a):
    """J[i, k] = ∂(a[0]···a[i]) / ∂a[k] = Π_{j ≤ i, j ≠ k} a[j] for k ≤ i, else 0: from the
    definition, one product per entry."""
    n = len(a)
    jac = np.zeros((n, n))
    for i in range(n):
        for k in range(i + 1):
            jac[i, k] = np.prod([a[j] for j in range(i + 1) if j != k])
    return jac


@pytest.mark.parametrize(
    "a",
    [
        [2.0, 0.0, 3.0, -1.5, 0.5],  # one zero
        [0.0, 1.5, 2.0, -1.0],  # at the start
        [1.5, 2.0, -1.0, 0.0],  # at the end
        [2.0, 0.0, 3.0, 0.0, 0.5, 1.2],  # two zeros
        [0.0, 0.0, 0.0],  # only zeros
        [1.3, -0.7, 2.0, 0.9, -1.1, 0.8, 1.6, -0.5, 1.4],  # no zero, n not a power of 2
    ],
)
def test_cumprod_gradient_is_exact_with_zeros(a):
    a = np.array(a)
    jac = cumprod_jacobian(a)
    w = np.random.default_rng(len(a)).standard_normal(len(a))
    x = dg.constant(a)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = op("cumprod")(x)
    np.testing.assert_allclose(tape.gradient(y, x, output_gradients=w).numpy(), w @ jac, rtol=1e-14)
    # cumprod is linear in each entry, so central differences are exact up to round-off, and so
    # are those of its gradient: the second derivatives at the zeros are checked too.
    check_grads(op("cumprod"), a, order=2)


def test_cumprod_of_a_stack_with_zeros_along_a_middle_axis():
    a = A(2, 5, 3)
    a[0, 1, :] = 0.0
    a[1, 3, 1] = 0.0
    a[1, 0, 2] = 0.0
    check_grads(lambda t: op("cumprod")(t, axis=1), a, order=2)


def test_cumprod_of_integers_and_empty_axes():
    a = np.array([[3, -2, 0], [1, 4, 5]])
    np.testing.assert_array_equal(op("cumprod")(a, axis=1).numpy(), np.cumprod(a, axis=1))
    assert op("cumprod")(a).dtype == np.cumprod(a).dtype
    y, (g,) = tape_grads(lambda t: op("cumprod")(t, axis=0), np.ones((0, 3)))
    assert y.shape == (0, 3) and g.shape == (0, 3)


# --- constants ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "full_like"])
def test_like_functions_return_constants(name):
    t = dg.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    args = (t, 2.5) if name == "full_like" else (t,)
    np_args = (t.numpy(), 2.5) if name == "full_like" else (t.numpy(),)
    with dg.GradientTape() as tape:
        tape.watch(t)
        out = op(name)(*args)
    np.testing.assert_array_equal(out.numpy(), getattr(np, name)(*np_args))
    assert out.dtype == np.float32
    assert tape.gradient(dg.sum(out), t) is None  # not connected: a constant
    shaped = op(name)(*args, dtype=np.int32, shape=(4,))
    assert shaped.shape == (4,) and shaped.dtype == np.int32


# --- errors name the op -------------------------------------------------------------------------

T3 = np.ones(3)
COMPLEX_NAMES = ["real", "imag", "conjugate", "real_if_close", "angle"]
ERRORS = [
    ("logaddexp", lambda: op("logaddexp")(np.ones(3), np.ones(4)), ValueError),
    ("hypot", lambda: op("hypot")(np.array(["a"]), 1.0), TypeError),
    ("fabs", lambda: op("fabs")(np.array([1 + 2j])), TypeError),
    ("fmax", lambda: op("fmax")(dg.constant(T3), np.ones((2, 2))), ValueError),
    ("mod", lambda: op("mod")(dg.constant(T3), "x"), TypeError),
    ("nan_to_num", lambda: op("nan_to_num")(T3, nan=dg.constant(1.0)), TypeError),
    ("ravel", lambda: op("ravel")(T3, "K"), ValueError),
    ("hstack", lambda: op("hstack")([]), ValueError),
    ("hstack", lambda: op("hstack")(dg.constant(T3)), TypeError),
    ("vstack", lambda: op("vstack")([np.ones(3), np.ones(4)]), ValueError),
    ("dstack", lambda: op("dstack")([np.ones((2, 2)), np.ones((3, 2))]), ValueError),
    ("column_stack", lambda: op("column_stack")([np.ones(3), np.ones(4)]), ValueError),
    ("append", lambda: op("append")(np.ones((2, 3)), np.ones((2, 2)), axis=0), ValueError),
    ("atleast_1d", lambda: op("atleast_1d")(np.array(["a"])), TypeError),
    ("fliplr", lambda: op("fliplr")(T3), ValueError),
    ("flipud", lambda: op("flipud")(1.0), ValueError),
    ("rot90", lambda: op("rot90")(np.ones((2, 3)), axes=(1, 1)), ValueError),
    ("rot90", lambda: op("rot90")(T3), ValueError),
    ("rot90", lambda: op("rot90")(np.ones((2, 3)), k=1.5), TypeError),
    ("broadcast_to", lambda: op("broadcast_to")(np.ones(3), (2, 4)), ValueError),
    ("broadcast_to", lambda: op("broadcast_to")(np.ones(3), (2.5, 3)), TypeError),
    ("diff", lambda: op("diff")(T3, n=-1), ValueError),
    ("diff", lambda: op("diff")(1.0), ValueError),
    ("diff", lambda: op("diff")(T3, axis=1), ValueError),
    ("kron", lambda: op("kron")(np.array([1j]), T3), TypeError),
    ("cross", lambda: op("cross")(np.ones(2), np.ones(2)), ValueError),
    ("cross", lambda: op("cross")(T3, T3, axisa=1), ValueError),
    ("cross", lambda: op("cross")(np.ones((2, 3)), np.ones((4, 3))), ValueError),
    ("cumprod", lambda: op("cumprod")(np.ones((2, 3)), axis=2), ValueError),
    ("cumprod", lambda: op("cumprod")(1.0, axis=0), ValueError),
    ("full_like", lambda: op("full_like")(T3, dg.constant(1.0)), TypeError),
    ("zeros_like", lambda: op("zeros_like")(T3, dtype=complex), TypeError),
    *[(n, lambda n=n: op(n)(np.array([1 + 2j])), TypeError) for n in COMPLEX_NAMES],
    ("angle", lambda: op("angle")(np.array(["a"])), TypeError),
    ("hsplit", lambda: op("hsplit")(1.0, 1), ValueError),
    ("hsplit", lambda: op("hsplit")(np.ones((2, 3)), 2), ValueError),
    ("vsplit", lambda: op("vsplit")(T3, 1), ValueError),
    ("dsplit", lambda: op("dsplit")(np.ones((2, 2)), 1), ValueError),
    ("dsplit", lambda: op("dsplit")(np.ones((2, 2, 2), complex), 1), TypeError),
    ("rollaxis", lambda: op("rollaxis")(np.ones((2, 3)), 2), ValueError),
    ("rollaxis", lambda: op("rollaxis")(np.ones((2, 3)), 0, 4), ValueError),
    ("rollaxis", lambda: op("rollaxis")(np.ones((2, 3)), 0.5), TypeError),
    ("astype", lambda: op("astype")(T3, complex), TypeError),
    ("astype", lambda: op("astype")(np.array([1j]), float), TypeError),
    ("astype", lambda: op("astype")(T3, float, device="gpu"), ValueError),
    ("linspace", lambda: op("linspace")(0.0, 1.0, -1), ValueError),
    ("linspace", lambda: op("linspace")(0.0, 1.0, 2.5), TypeError),
    ("linspace", lambda: op("linspace")(0.0, 1j), TypeError),
    ("linspace", lambda: op("linspace")(0.0, 1.0, 3, dtype=complex), TypeError),
    ("linspace", lambda: op("linspace")(T3, 1.0, 3, axis=2), ValueError),
    ("gradient", lambda: op("gradient")(np.ones(2), edge_order=2), ValueError),
    ("gradient", lambda: op("gradient")(T3, edge_order=3), ValueError),
    ("gradient", lambda: op("gradient")(T3, np.ones(4)), ValueError),
    ("gradient", lambda: op("gradient")(np.ones((3, 3)), 1.0, 2.0, 3.0), TypeError),
    ("gradient", lambda: op("gradient")(T3, dg.constant(1.0)), TypeError),
    ("gradient", lambda: op("gradient")(T3, axis=1), ValueError),
    ("gradient", lambda: op("gradient")(np.array([1j, 2, 3])), TypeError),
    ("partition", lambda: op("partition")(T3, 3), ValueError),
    ("partition", lambda: op("partition")(T3, 1, axis=1), ValueError),
    ("partition", lambda: op("partition")(T3, 1, order="f"), TypeError),
    ("partition", lambda: op("partition")(np.array([1j, 2]), 0), TypeError),
]


@pytest.mark.parametrize(
    "name,call,error", [pytest.param(*e, id=f"{e[0]}-{i}") for i, e in enumerate(ERRORS)]
)
def test_bad_input_errors_name_the_op(name, call, error):
    with pytest.raises(error, match=rf"^{name}:"):
        call()


# --- one home: listed, documented -------------------------------------------------------------


@pytest.mark.parametrize("name", [ELEMENTWISE, ARRAYS])
def test_each_module_lists_exactly_its_public_ops_with_complete_docstrings(name):
    from deltagrad.ops.public import PUBLIC

    m = module(name)
    defined = {n for n, fn in PUBLIC.items() if fn.__module__ == name}
    assert set(m.__all__) == defined
    for n in m.__all__:
        fn = getattr(m, n)
        assert PUBLIC[n] is fn
        doc = fn.__doc__
        for p in inspect.signature(fn).parameters:
            assert f"\n    {p}:" in doc, f"{n}: parameter {p} not documented"
        assert "\nReturns:\n" in doc, n


# --- array and full: arrays built out of tensors, on the tape ----------------------------------


def test_array_of_tensors_is_recorded_and_matches_numpy():
    x = dg.constant(np.array([0.5, -1.0]))
    with dg.GradientTape() as tape:
        tape.watch(x)
        built = dg.array([[x, 2.0 * x], [x * x, np.ones(2)]])
        loss = dg.sum(built * np.arange(8.0).reshape(2, 2, 2))
    np.testing.assert_array_equal(
        built.numpy(), np.array([[[0.5, -1.0], [1.0, -2.0]], [[0.25, 1.0], [1.0, 1.0]]])
    )
    w = np.arange(8.0).reshape(2, 2, 2)
    numeric = fd.gradient(
        lambda v: float(np.sum(np.array([[v, 2 * v], [v * v, np.ones(2)]]) * w)), x.numpy()
    )
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), numeric, rtol=1e-7)


def test_array_without_tensors_is_a_constant_like_numpy():
    out = dg.array([[1, 2], [3, 4]])
    assert isinstance(out, dg.Tensor) and out.dtype == np.array([1]).dtype
    assert dg.array([1.0, 2.0], dtype=np.float32).dtype == np.float32


def test_array_refuses_ragged_tensors_and_integer_dtypes():
    x = dg.constant(np.ones(2))
    with pytest.raises(ValueError, match="array: the elements have different shapes"):
        dg.array([x, np.ones(3)])
    with pytest.raises(TypeError, match="array: dtype int64"):
        dg.array([x, x], dtype=np.int64)


def test_full_with_a_tensor_fill_sums_the_gradient_over_the_copies():
    x = dg.constant(2.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        loss = dg.sum(dg.full(3, x) * x)  # the example: 3·x², derivative 12 at 2
    assert tape.gradient(loss, x).numpy() == pytest.approx(12.0)
    assert dg.full((2, 2), 1.5).numpy().tolist() == [[1.5, 1.5], [1.5, 1.5]]
    with pytest.raises(ValueError, match="full:"):
        dg.full((2, 3), dg.constant(np.ones(2)))


# --- complex NumPy's functions on real tensors: real, imag, conjugate, real_if_close, angle ----

# name → (NumPy's function of the same real input, derivative: 1 or 0)
COMPLEX_FUNCTIONS = {
    "real": (np.real, 1.0),
    "imag": (np.imag, 0.0),
    "conjugate": (np.conjugate, 1.0),
    "real_if_close": (np.real_if_close, 1.0),
    "angle": (np.angle, 0.0),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", COMPLEX_NAMES)
def test_complex_functions_values_equal_numpy_on_real_input(name, shape, dtype, rng):
    x = (rng.uniform(-5, 5, shape) * 1.7).astype(dtype)
    out = op(name)(x)
    want = COMPLEX_FUNCTIONS[name][0](x)
    assert isinstance(out, dg.Tensor)
    assert out.dtype == np.asarray(want).dtype and out.shape == np.shape(want)
    np.testing.assert_array_equal(out.numpy(), want)


@pytest.mark.parametrize("name", COMPLEX_NAMES)
def test_complex_functions_have_derivative_one_or_zero_to_second_order(name):
    y, (g,) = tape_grads(op(name), X1)
    assert y.shape == X1.shape
    # Recorded, with a gradient (zeros for imag and angle, not None: as autograd's).
    np.testing.assert_array_equal(g, np.full_like(X1, COMPLEX_FUNCTIONS[name][1]))
    check_grads(op(name), X1, order=2)


@pytest.mark.parametrize("name", COMPLEX_NAMES)
def test_complex_functions_match_autograd(name):
    anp = pytest.importorskip("autograd.numpy")
    crosscheck(op(name), getattr(anp, name), X1)


def test_angle_at_zero_nan_and_in_degrees():
    x = np.array([2.0, -3.0, 0.0, -0.0, np.nan, -np.inf])
    np.testing.assert_array_equal(op("angle")(x).numpy(), np.angle(x))
    np.testing.assert_array_equal(op("angle")(x, deg=True).numpy(), np.angle(x, deg=True))
    assert op("angle")(np.float32(-1.5), deg=True).dtype == np.angle(np.float32(-1.5)).dtype
    _, (g,) = tape_grads(lambda t: op("angle")(t, deg=True), x)
    np.testing.assert_array_equal(g, np.zeros(6))


def test_conj_is_conjugate_s_ufunc_and_dispatches():
    assert np.conj is np.conjugate
    assert module(ELEMENTWISE).UFUNCS[np.conj] is module(ELEMENTWISE).conjugate_p


# --- hsplit, vsplit, dsplit ---------------------------------------------------------------------

SPLITS = [
    ("hsplit", (6,), 3, 0),
    ("hsplit", (2, 6, 2), [1, 4], 1),
    ("hsplit", (3, 4), [], 1),
    ("vsplit", (4, 3), 2, 0),
    ("vsplit", (5, 2, 2), [2, 3], 0),
    ("dsplit", (2, 3, 4), 2, 2),
    ("dsplit", (1, 2, 5, 2), [1, 7], 2),  # an index past the end: an empty last piece
]


@pytest.mark.parametrize("name,shape,sections,axis", SPLITS)
def test_splits_equal_numpy_and_differentiate_to_second_order(name, shape, sections, axis):
    a = A(*shape)
    pieces = op(name)(a, sections)
    want = getattr(np, name)(a, sections)
    assert isinstance(pieces, list) and len(pieces) == len(want)
    for p, w in zip(pieces, want):
        assert isinstance(p, dg.Tensor) and p.shape == w.shape
        np.testing.assert_array_equal(p.numpy(), w)

    def joined(t):  # every piece matters, each differently
        parts = op(name)(t, sections)
        return dg.concatenate([(k + 1.0) * p + p * p for k, p in enumerate(parts)], axis=axis)

    check_grads(joined, a, order=2)


# --- rollaxis, astype ---------------------------------------------------------------------------


def test_astype_is_numpy_2_s_astype_and_tensor_astype():
    a = A(2, 3)
    for dtype in (np.float32, np.float64, np.int32, np.bool_, "float16"):
        out = op("astype")(a, dtype)
        want = np.astype(a, dtype)
        assert out.dtype == want.dtype
        np.testing.assert_array_equal(out.numpy(), want)
        np.testing.assert_array_equal(dg.constant(a).astype(dtype).numpy(), want)
    t = dg.constant(a)
    assert op("astype")(t, np.float64, copy=False) is t  # NumPy: no copy when not needed
    assert op("astype")(t, np.float64) is not t
    assert op("astype")(t, np.float32, copy=False, device="cpu").dtype == np.float32
    # Floating dtypes carry the gradient back (in the input's dtype); integers drop it.
    _, (g,) = tape_grads(lambda t: op("astype")(t, np.float32) * 2.0, a)
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, np.full_like(a, 2.0))
    check_grads(lambda t: op("astype")(t * t, np.float64), a, order=2)
    x = dg.constant(a)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = op("astype")(x, np.int64)
    assert tape.gradient(dg.sum(y), x) is None


# --- linspace -----------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", [True, False])
@pytest.mark.parametrize(
    "start,stop", [(0.1, 0.3), (-1.7, 2.9), (1e5, 1e5 + 1), (0.0, np.pi), (3, 11), (2.5, -0.5)]
)
def test_linspace_values_equal_numpy_s_to_the_last_bit(start, stop, endpoint):
    for num in range(0, 40):
        want = np.linspace(start, stop, num, endpoint=endpoint)
        out = op("linspace")(start, stop, num, endpoint=endpoint)
        assert out.dtype == want.dtype
        np.testing.assert_array_equal(out.numpy(), want)
        out = op("linspace")(dg.constant(np.float64(start)), stop, num, endpoint=endpoint)
        np.testing.assert_array_equal(
            out.numpy(), np.linspace(np.float64(start), stop, num, endpoint=endpoint)
        )


@pytest.mark.parametrize(
    "start,stop,kw",
    [
        (np.float32(0.1), np.float32(0.9), {"num": 11}),  # float32 stays float32
        (np.float32(1.0), 2.5, {"num": 7}),  # a Python number does not widen it
        (1, 10, {"num": 7, "dtype": np.int64}),  # integers: rounded down
        (0.3, 0.9, {"num": 6, "dtype": np.float32}),
        (0.0, 1e-320, {"num": 5}),  # a subnormal step: NumPy's k / div · delta
        (np.array([0.1, 2.0]), np.array([[1.3, -2.2], [0.7, 5.0]]), {"num": 9, "axis": -1}),
        (np.array([0.1, 2.0]), 1.0, {"num": 0}),
    ],
)
def test_linspace_dtypes_and_array_bounds_equal_numpy(start, stop, kw):
    want = np.linspace(start, stop, **kw)
    out = op("linspace")(start, stop, **kw)
    assert out.dtype == want.dtype and out.shape == want.shape
    np.testing.assert_array_equal(out.numpy(), want)


def test_linspace_retstep_and_derivatives_in_start_and_stop():
    out, step = op("linspace")(0.2, 1.7, 8, retstep=True)
    want, want_step = np.linspace(0.2, 1.7, 8, retstep=True)
    np.testing.assert_array_equal(out.numpy(), want)
    assert isinstance(step, dg.Tensor) and step.numpy() == want_step
    assert math.isnan(op("linspace")(0.0, 1.0, 1, retstep=True)[1])
    for num, endpoint in [(7, True), (5, False)]:
        div = num - 1 if endpoint else num
        k = np.arange(num)
        w = np.random.default_rng(num).standard_normal(num)
        lo, hi = dg.constant(0.4), dg.constant(-1.3)
        with dg.GradientTape() as tape:
            tape.watch([lo, hi])
            y = op("linspace")(lo, hi, num, endpoint=endpoint)
        g_lo, g_hi = tape.gradient(y, [lo, hi], output_gradients=w)
        np.testing.assert_allclose(g_lo.numpy(), w @ (1 - k / div), rtol=1e-14)
        np.testing.assert_allclose(g_hi.numpy(), w @ (k / div), rtol=1e-14)


def test_linspace_matches_autograd():
    anp = pytest.importorskip("autograd.numpy")
    crosscheck(lambda a, b: op("linspace")(a, b, 6), lambda a, b: anp.linspace(a, b, 6), 0.3, 1.9)


# --- gradient -----------------------------------------------------------------------------------


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("shape", [(5,), (4, 6), (3, 4, 5)])
@pytest.mark.parametrize("spacing", ["none", "scalar", "per-axis", "coordinates"])
def test_gradient_values_equal_numpy_s_to_the_last_bit(shape, edge_order, spacing, rng):
    f = rng.standard_normal(shape)
    args = {
        "none": (),
        "scalar": (0.3,),
        "per-axis": tuple(0.5 + k for k in range(len(shape))),
        "coordinates": tuple(np.cumsum(rng.uniform(0.5, 1.5, n)) for n in shape),
    }[spacing]
    for x in (f, f.astype(np.float32), np.round(f * 10).astype(np.int64)):
        want = np.gradient(x, *args, edge_order=edge_order)
        out = op("gradient")(x, *args, edge_order=edge_order)
        want, out = (want, out) if isinstance(want, tuple) else ((want,), (out,))
        assert len(out) == len(want)
        for o, w in zip(out, want):
            assert o.dtype == w.dtype
            np.testing.assert_array_equal(o.numpy(), w)
    # One axis of several: a Tensor alone, as NumPy.
    out = op("gradient")(f, axis=-1, edge_order=edge_order)
    np.testing.assert_array_equal(out.numpy(), np.gradient(f, axis=-1, edge_order=edge_order))


def test_gradient_of_several_axes_differentiates_to_second_order():
    def both(t):
        gx, gy = op("gradient")(t, 0.5, COORDS[:4], edge_order=2)
        return gx * gy

    check_grads(both, A(5, 4), order=2)
    assert op("gradient")(np.float64(2.0)) == ()  # 0-d: no axes, as NumPy


# --- partition ----------------------------------------------------------------------------------


def test_partition_gradient_goes_back_where_each_entry_came_from():
    a = np.array([0.7, -1.2, 2.5, 0.1, -0.4, 1.9, 0.3])
    w = np.arange(1.0, 8.0)
    x = dg.constant(a)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = op("partition")(x, 3)
    np.testing.assert_array_equal(y.numpy(), np.partition(a, 3))
    perm = np.argpartition(a, 3)
    want = np.empty(7)
    want[perm] = w
    np.testing.assert_array_equal(tape.gradient(y, x, output_gradients=w).numpy(), want)


# --- np.<name>(tensor) runs the op, on the tape -------------------------------------------------

DISPATCH = [
    ("real", lambda t: np.real(t)),
    ("imag", lambda t: np.imag(t) + t),
    ("conjugate", lambda t: np.conjugate(t)),
    ("conjugate", lambda t: np.conj(t)),
    ("real_if_close", lambda t: np.real_if_close(t, tol=1000)),
    ("angle", lambda t: np.angle(t, deg=True) + t),
    ("hsplit", lambda t: np.hsplit(t, 2)[1]),
    ("vsplit", lambda t: np.vsplit(t, [1])[1]),
    ("dsplit", lambda t: np.dsplit(t[..., None], 1)[0]),
    ("rollaxis", lambda t: np.rollaxis(t, 1)),
    ("astype", lambda t: np.astype(t, np.float32)),
    ("linspace", lambda t: np.linspace(t, 2.0, num=5, axis=1)),
    ("gradient", lambda t: np.gradient(t, 0.5, axis=1, edge_order=2)),
    ("partition", lambda t: np.partition(t, 1, axis=0)),
]


@pytest.mark.parametrize(
    "name,call", [pytest.param(*d, id=f"{d[0]}-{i}") for i, d in enumerate(DISPATCH)]
)
def test_numpy_function_on_a_tensor_runs_the_op_and_records(name, call):
    a = A(4, 6)
    t = dg.constant(a)
    with dg.GradientTape() as tape:
        tape.watch(t)
        y = call(t)
        loss = dg.sum(y * y)
    assert isinstance(y, dg.Tensor)
    g = tape.gradient(loss, t)
    assert g is not None and g.shape == a.shape
    np.testing.assert_array_equal(y.numpy(), call(a))  # the same call on an array: NumPy's value
    assert module(ELEMENTWISE if name in COMPLEX_NAMES else ARRAYS).__all__.count(name) == 1
