"""Linear algebra (einsum, dot, tensordot, inner, outer, trace, diagonal, diag, tril, triu) and
shape manipulation (squeeze, expand_dims, swapaxes, moveaxis, flip, roll, repeat, tile, pad,
split, array_split, take, sort): values against NumPy on the same inputs, gradients against
central finite differences in float64 (first and second order), the same recorded gradient
through ``np.<name>(tensor)`` as through ``dg.<name>``, float32 in → float32 out, and errors
that name the op, the shapes and the dtypes."""

import numpy as np
import pytest

import deltagrad as dg
from deltagrad.gradcheck import check_grads


def anywhere(rng, shape):
    return rng.uniform(-2.0, 2.0, size=shape)


def unit(rng, shape):
    """Milder values for contractions: their sums of products stay small enough for finite
    differences to resolve every entry of the gradient."""
    return rng.uniform(-1.0, 1.0, size=shape)


def distinct(rng, shape):
    """Values at least 0.1 apart, so that sorting has no ties within eps."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.4 + rng.uniform(0, 0.01, size=n)).reshape(shape)


def tape_grad(f, *xs):
    """``f`` at the given arrays and its gradients, via one tape."""
    ts = [dg.constant(x) for x in xs]
    with dg.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return y, tape.gradient(y, ts)


def case(id_, dg_fn, np_fn, *shapes, sample=unit):
    """One op call: ``dg_fn`` and ``np_fn`` take the same positional operands (``np_fn`` is also
    run on Tensors, through NumPy's dispatch)."""
    return pytest.param(dg_fn, np_fn, shapes, sample, id=id_)


def _weighted(pieces):
    """Join the pieces of a split, each scaled differently, so that a mix-up shows."""
    return [p * (k + 1.0) for k, p in enumerate(pieces)]


def E(subs, *shapes, optimize=False):
    return case(
        f"einsum[{subs}]-"
        + "-".join("x".join(map(str, s)) or "scalar" for s in shapes)
        + ("-optimize" if optimize else ""),
        lambda *ts: dg.einsum(subs, *ts, optimize=optimize),
        lambda *ts: np.einsum(subs, *ts, optimize=optimize),
        *shapes,
    )


EINSUM = [
    E("ij,jk->ik", (3, 4), (4, 2)),
    E("ij,jk", (3, 4), (4, 2)),
    E("ij,jk->ik", (3, 4), (4, 2), optimize=True),
    E("i,i->", (4,), (4,)),
    E("i,i", (4,), (4,)),
    E("i,j->ij", (3,), (4,)),
    E("ij->ji", (3, 4)),
    E("ij->", (3, 4)),
    E("ij", (3, 4)),
    E("ji", (3, 4)),
    E("ijk->kji", (2, 3, 4)),
    E("ii->i", (3, 3)),
    E("ii", (3, 3)),
    E("ii->", (4, 4)),
    E("iji->j", (3, 2, 3)),
    E("iij->ji", (3, 3, 2)),
    E("ii,i->i", (3, 3), (3,)),
    E("ij,k->ik", (3, 4), (2,)),
    E("ij,ij->ij", (1, 4), (3, 4)),
    E("ij,j->i", (3, 4), (1,)),
    E("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    E("...ij,...jk->...ik", (2, 1, 3, 4), (5, 4, 2)),
    E("...ij,jk->...ik", (3, 4), (4, 2)),
    E("...i,...i->...", (3, 4), (4,)),
    E("i...->...", (3, 2, 4)),
    E("...", (2, 3)),
    E("i...,i...", (2, 3), (2, 3)),
    E("...ii->...i", (2, 3, 3)),
    E("i,i,i->", (4,), (4,), (4,)),
    E("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    E(",ij->ij", (), (3, 4)),
    E(",", (), ()),
    E("Ab,bA", (3, 4), (4, 3)),
    E("bA,cd", (2, 3), (4, 2)),
    E(" i j , j k -> i k ", (3, 4), (4, 2)),
]


def _interleaved(dg_or_np):
    return lambda a, b: dg_or_np.einsum(a, [0, 1], b, [1, 2], [0, 2])


LINALG = EINSUM + [
    case("einsum-interleaved", _interleaved(dg), _interleaved(np), (3, 4), (4, 2)),
    case(
        "einsum-interleaved-ellipsis",
        lambda a, b: dg.einsum(a, [Ellipsis, 0], b, [0]),
        lambda a, b: np.einsum(a, [Ellipsis, 0], b, [0]),
        (2, 3, 4),
        (4,),
    ),
    *[
        case(f"dot-{sa}-{sb}", dg.dot, np.dot, sa, sb)
        for sa, sb in [
            ((), (4,)),
            ((4,), ()),
            ((), ()),
            ((4,), (4,)),
            ((3, 4), (4,)),
            ((4,), (4, 2)),
            ((3, 4), (4, 2)),
            ((1, 4), (4, 2)),
            ((2, 3, 4), (4,)),
            ((2, 3, 4), (4, 5)),
            ((2, 3, 4), (3, 4, 2)),
            ((4,), (2, 4, 3)),
        ]
    ],
    *[
        case(
            f"tensordot-{sa}-{sb}-axes{axes}",
            lambda a, b, axes=axes: dg.tensordot(a, b, axes),
            lambda a, b, axes=axes: np.tensordot(a, b, axes),
            sa,
            sb,
        )
        for sa, sb, axes in [
            ((3, 4), (4, 2), 1),
            ((2, 3, 4), (3, 4, 5), 2),
            ((3,), (4,), 0),
            ((3, 4), (3, 4), 2),
            ((3, 4), (4, 3), ((1, 0), (0, 1))),
            ((2, 3, 4), (4, 2, 5), ([2, 0], [0, 1])),
            ((3, 4), (2, 4, 5), ((-1,), (-2,))),
            ((3, 4), (4, 3), (1, 0)),
            ((1, 4), (4, 1), 1),
        ]
    ],
    *[
        case(f"inner-{sa}-{sb}", dg.inner, np.inner, sa, sb)
        for sa, sb in [
            ((), (3,)),
            ((4,), (4,)),
            ((3, 4), (4,)),
            ((3, 4), (2, 4)),
            ((2, 3, 4), (5, 4)),
            ((1, 4), (4,)),
        ]
    ],
    *[
        case(f"outer-{sa}-{sb}", dg.outer, np.outer, sa, sb)
        for sa, sb in [((3,), (4,)), ((2, 3), (4,)), ((), (3,)), ((3, 4), (1, 4))]
    ],
    *[
        case(
            f"{name}-{s}-off{o}-ax{a1}{a2}",
            lambda x, f=name, o=o, a1=a1, a2=a2: getattr(dg, f)(x, o, a1, a2),
            lambda x, f=name, o=o, a1=a1, a2=a2: getattr(np, f)(x, offset=o, axis1=a1, axis2=a2),
            s,
        )
        for name in ("trace", "diagonal")
        for s, o, a1, a2 in [
            ((3, 3), 0, 0, 1),
            ((3, 4), 1, 0, 1),
            ((3, 4), -1, 0, 1),
            ((4, 3), 2, 1, 0),
            ((2, 3, 4), 0, 1, 2),
            ((2, 3, 4), 1, -1, 0),
            ((1, 4), 0, 0, 1),
            ((3, 4), 5, 0, 1),
        ]
    ],
    *[
        case(f"diag-{s}-k{k}", lambda x, k=k: dg.diag(x, k), lambda x, k=k: np.diag(x, k=k), s)
        for s, k in [
            ((4,), 0),
            ((4,), 1),
            ((4,), -2),
            ((3, 4), 0),
            ((3, 4), 1),
            ((3, 4), -1),
            ((1, 4), 0),
            ((4, 3), -3),
        ]
    ],
    *[
        case(
            f"{name}-{s}-k{k}",
            lambda x, f=name, k=k: getattr(dg, f)(x, k),
            lambda x, f=name, k=k: getattr(np, f)(x, k=k),
            s,
        )
        for name in ("tril", "triu")
        for s, k in [
            ((3, 4), 0),
            ((3, 4), 1),
            ((3, 4), -1),
            ((2, 3, 4), 0),
            ((4,), 0),
            ((4,), -1),
            ((1, 4), 0),
        ]
    ],
]


def S(name, shape, *args, sample=anywhere, **kwargs):
    text = ",".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())]).replace(" ", "")
    shape_id = "x".join(map(str, shape)) or "scalar"
    return case(
        f"{name}-{shape_id}-{text}",
        lambda x: getattr(dg, name)(x, *args, **kwargs),
        lambda x: getattr(np, name)(x, *args, **kwargs),
        shape,
        sample=sample,
    )


def SPLIT(name, shape, *args, **kwargs):
    shape_id = "x".join(map(str, shape))
    axis = kwargs.get("axis", 0)
    return case(
        f"{name}-{shape_id}-{args}-{kwargs}".replace(" ", ""),
        lambda x: dg.concatenate(_weighted(getattr(dg, name)(x, *args, **kwargs)), axis),
        lambda x: np.concatenate(_weighted(getattr(np, name)(x, *args, **kwargs)), axis),
        shape,
    )


SHAPE = [
    S("squeeze", (1, 4)),
    S("squeeze", (1, 4), 0),
    S("squeeze", (1, 4), axis=-2),
    S("squeeze", (1, 4), axis=(0,)),
    S("squeeze", (3, 1, 4, 1)),
    S("squeeze", (3, 1, 4, 1), axis=(1, 3)),
    S("squeeze", (3, 1, 4, 1), axis=-1),
    S("squeeze", (4,)),
    S("squeeze", ()),
    S("squeeze", (1, 1), axis=(1, 0)),
    S("expand_dims", (), 0),
    S("expand_dims", (4,), 0),
    S("expand_dims", (4,), -1),
    S("expand_dims", (4,), 1),
    S("expand_dims", (4,), (0, 2)),
    S("expand_dims", (3, 4), 1),
    S("expand_dims", (3, 4), (0, -1)),
    S("expand_dims", (2, 3, 4), (1,)),
    S("expand_dims", (3, 4), [-1, -3]),
    S("swapaxes", (3, 4), 0, 1),
    S("swapaxes", (2, 3, 4), 0, 2),
    S("swapaxes", (2, 3, 4), -1, 0),
    S("swapaxes", (4,), 0, 0),
    S("swapaxes", (1, 4), 1, 0),
    S("moveaxis", (2, 3, 4), 0, -1),
    S("moveaxis", (2, 3, 4), [0, 1], [-1, -2]),
    S("moveaxis", (3, 4), 0, 1),
    S("moveaxis", (2, 3, 4), (2, 0), (0, 1)),
    S("flip", (4,)),
    S("flip", (3, 4)),
    S("flip", (3, 4), 0),
    S("flip", (3, 4), axis=1),
    S("flip", (3, 4), axis=(0, 1)),
    S("flip", (3, 4), axis=-1),
    S("flip", (2, 3, 4), axis=(0, 2)),
    S("flip", ()),
    S("flip", (1, 4), axis=0),
    S("roll", (4,), 1),
    S("roll", (3, 4), 2),
    S("roll", (3, 4), 1, axis=0),
    S("roll", (3, 4), -1, axis=-1),
    S("roll", (3, 4), (1, 2), axis=(0, 1)),
    S("roll", (2, 3, 4), 5, axis=2),
    S("roll", (3, 4), (2, 3), axis=(1, 1)),
    S("roll", (3, 4), (1, 2)),
    S("roll", (), 3),
    S("roll", (1, 4), 7, axis=1),
    S("repeat", (4,), 2),
    S("repeat", (3, 4), 2, axis=0),
    S("repeat", (3, 4), [1, 0, 2, 3], axis=1),
    S("repeat", (3, 4), 3),
    S("repeat", (), 3),
    S("repeat", (1, 4), [2], axis=0),
    S("repeat", (2, 3, 4), [0, 0, 2], axis=1),
    S("repeat", (2, 3, 4), 2, axis=-1),
    S("repeat", (3, 4), np.array([1, 2, 0, 1]), axis=-1),
    S("repeat", (3, 4), 0, axis=0),
    S("repeat", (4,), [3, 0, 0, 1]),
    S("tile", (4,), 2),
    S("tile", (3, 4), (2, 1)),
    S("tile", (4,), (2, 3)),
    S("tile", (2, 3, 4), 2),
    S("tile", (), (2, 3)),
    S("tile", (1, 4), (3, 1, 2)),
    S("tile", (3, 4), [1, 1]),
    S("tile", (3, 4), (0, 2)),
    S("pad", (4,), 2),
    S("pad", (3, 4), ((1, 2), (0, 3))),
    S("pad", (3, 4), (1, 2)),
    S("pad", (2, 3, 4), ((0, 1), (2, 0), (1, 1)), constant_values=1.5),
    S("pad", (3, 4), 1, constant_values=((1.0, 2.0), (3.0, 4.0))),
    S("pad", (3, 4), ((1, 2), (2, 1)), mode="edge"),
    S("pad", (3, 4), 2, mode="reflect"),
    S("pad", (3, 4), ((3, 1), (1, 4)), mode="symmetric"),
    S("pad", (3, 4), 5, mode="wrap"),
    S("pad", (4,), (3, 2), mode="reflect"),
    S("pad", (1, 4), 2, mode="edge"),
    S("pad", (), 0),
    S("pad", (2, 3, 4), 1, mode="wrap"),
    SPLIT("split", (6,), 3),
    SPLIT("split", (3, 4), 2, axis=1),
    SPLIT("split", (3, 4), [1, 3], axis=1),
    SPLIT("split", (2, 3, 4), [1], axis=0),
    SPLIT("split", (3, 4), [-1], axis=0),
    SPLIT("split", (3, 4), [0, 2, 2, 9], axis=-1),
    SPLIT("split", (1, 4), 1),
    SPLIT("array_split", (5,), 3),
    SPLIT("array_split", (3, 4), 3, axis=1),
    SPLIT("array_split", (2, 3, 4), [2], axis=-2),
    SPLIT("array_split", (4,), 6),
    S("take", (4,), [0, 0, 2]),
    S("take", (3, 4), [[0, 2], [1, 1]], axis=1),
    S("take", (3, 4), [3, -1, 11]),
    S("take", (3, 4), 2, axis=0),
    S("take", (2, 3, 4), [1, 0, 1], axis=-2),
    S("take", (3, 4), [5, -7], axis=1, mode="wrap"),
    S("take", (3, 4), [10, -3, 1], mode="clip"),
    S("take", (), [0, 0]),
    S("take", (1, 4), np.array([3, 3, 3]), axis=1),
    S("take", (4,), np.zeros(0, int)),
    *[
        S("sort", s, *a, sample=distinct, **kw)
        for s, a, kw in [
            ((4,), (), {}),
            ((3, 4), (0,), {}),
            ((3, 4), (1,), {}),
            ((3, 4), (), {"axis": -1}),
            ((3, 4), (), {"axis": None}),
            ((2, 3, 4), (1,), {}),
            ((1, 4), (0,), {}),
            ((3, 4), (), {"kind": "quicksort"}),
            ((3, 4), (), {"axis": 0, "stable": True}),
        ]
    ],
]

CASES = LINALG + SHAPE


def _inputs(rng, shapes, sample, dtype=np.float64):
    return [sample(rng, s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("dg_fn, np_fn, shapes, sample", CASES)
def test_value_matches_numpy(dg_fn, np_fn, shapes, sample, rng):
    xs = _inputs(rng, shapes, sample)
    out = dg_fn(*xs)
    expected = np_fn(*xs)
    assert isinstance(out, dg.Tensor)
    assert out.shape == np.shape(expected)
    assert out.dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)
    # and on Tensors
    np.testing.assert_allclose(
        dg_fn(*map(dg.constant, xs)).numpy(), expected, rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("dg_fn, np_fn, shapes, sample", CASES)
def test_first_order(dg_fn, np_fn, shapes, sample, rng):
    check_grads(dg_fn, *_inputs(rng, shapes, sample))


def _squared(f):
    def g(*ts):
        y = f(*ts)
        return y * y

    return g


@pytest.mark.parametrize("dg_fn, np_fn, shapes, sample", CASES)
def test_second_order(dg_fn, np_fn, shapes, sample, rng):
    # Squared, so that even a linear op has a nonzero second derivative that runs its rule's rule.
    check_grads(_squared(dg_fn), *_inputs(rng, shapes, sample), order=2)


@pytest.mark.parametrize("dg_fn, np_fn, shapes, sample", CASES)
def test_numpy_function_records_the_same_gradient(dg_fn, np_fn, shapes, sample, rng):
    xs = _inputs(rng, shapes, sample)
    y_dg, g_dg = tape_grad(lambda *ts: _weigh(dg_fn(*ts)), *xs)
    y_np, g_np = tape_grad(lambda *ts: _weigh(np_fn(*ts)), *xs)
    assert isinstance(y_np, dg.Tensor)
    np.testing.assert_allclose(y_np.numpy(), y_dg.numpy(), rtol=1e-13)
    for a, b in zip(g_dg, g_np):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-13, atol=1e-15)


def _weigh(y):
    """A fixed, position-dependent weighting, so that the gradient shows where each element went."""
    return y * np.arange(1, 1 + y.size, dtype=y.dtype).reshape(y.shape) if y.ndim else y * 3.0


@pytest.mark.parametrize("dg_fn, np_fn, shapes, sample", CASES)
def test_float32_in_float32_out(dg_fn, np_fn, shapes, sample, rng):
    xs = _inputs(rng, shapes, sample, np.float32)
    y, grads = tape_grad(lambda *ts: _weigh(dg_fn(*ts)), *xs)
    assert dg_fn(*xs).dtype == np.float32
    assert y.dtype == np.float32
    assert [g.dtype for g in grads] == [np.float32] * len(xs)
    assert [g.shape for g in grads] == [np.shape(x) for x in xs]


FLOAT32_SECOND_ORDER = (
    "einsum[ij,jk->ik]-3x4-4x2",
    "einsum[ii->i]-3x3",
    "dot-(3, 4)-(4, 2)",
    "trace-(2, 3, 4)-off1-ax-10",
    "pad-3x4-((1,2),(2,1)),mode='edge'",
    "sort-3x4-0",
    "take-4-[0,0,2]",
    "repeat-3x4-[1,0,2,3],axis=1",
)


@pytest.mark.parametrize(
    "dg_fn, np_fn, shapes, sample", [p for p in CASES if p.id in FLOAT32_SECOND_ORDER]
)
def test_float32_second_derivative_stays_float32(dg_fn, np_fn, shapes, sample, rng):
    xs = [dg.constant(x) for x in _inputs(rng, shapes, sample, np.float32)]
    with dg.GradientTape() as outer:
        outer.watch(xs)
        with dg.GradientTape() as inner:
            inner.watch(xs)
            y = _squared(dg_fn)(*xs)
        gs = inner.gradient(y, xs)
        s = dg.sum(gs[0] * gs[0])
    h = outer.gradient(s, xs[0])
    assert gs[0].dtype == np.float32 and h.dtype == np.float32


def test_float32_second_order_cases_exist():
    assert set(FLOAT32_SECOND_ORDER) <= {p.id for p in CASES}


# --- conventions ---------------------------------------------------------------------------------


def test_sort_ties_follow_the_stable_order():
    # sorted: [0 (from 3), 1 (from 1), 2 (from 0), 2 (from 2)]: the first 2 in x gets slot 2's
    # gradient, the second 2 slot 3's. No sharing between tied elements.
    x = dg.constant([2.0, 1.0, 2.0, 0.0])
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = dg.sort(x)
    np.testing.assert_array_equal(y.numpy(), [0.0, 1.0, 2.0, 2.0])
    g = tape.gradient(y, x, output_gradients=np.array([10.0, 20.0, 30.0, 40.0]))
    np.testing.assert_array_equal(g.numpy(), [30.0, 20.0, 40.0, 10.0])


def test_sort_ties_along_an_axis_and_flattened():
    x = np.array([[1.0, 1.0, 0.0], [3.0, 3.0, 3.0]])
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    _, (g,) = tape_grad(lambda t: dg.sort(t, axis=1) * w, x)
    np.testing.assert_array_equal(g.numpy(), [[2.0, 3.0, 1.0], [4.0, 5.0, 6.0]])
    _, (g,) = tape_grad(lambda t: dg.sort(t, axis=None) * w.reshape(-1), x)
    # flattened order: 0 (idx 2), 1 (idx 0), 1 (idx 1), 3, 3, 3
    np.testing.assert_array_equal(g.numpy(), [[2.0, 3.0, 1.0], [4.0, 5.0, 6.0]])


def test_take_repeated_indices_accumulate():
    _, (g,) = tape_grad(lambda t: dg.take(t, [0, 0, 2, 0]), np.arange(4.0))
    np.testing.assert_array_equal(g.numpy(), [3.0, 0.0, 1.0, 0.0])
    _, (g,) = tape_grad(lambda t: dg.take(t, [[1, 1], [1, 0]], axis=1), np.ones((2, 3)))
    np.testing.assert_array_equal(g.numpy(), [[1.0, 3.0, 0.0], [1.0, 3.0, 0.0]])


def test_take_with_tensor_indices():
    idx = dg.constant([2, 2, 1])
    _, (g,) = tape_grad(lambda t: dg.take(t, idx), np.arange(3.0))
    np.testing.assert_array_equal(g.numpy(), [0.0, 1.0, 2.0])


def test_pad_edge_accumulates_on_the_border():
    _, (g,) = tape_grad(lambda t: dg.pad(t, (2, 1), mode="edge"), np.arange(3.0))
    np.testing.assert_array_equal(g.numpy(), [3.0, 1.0, 2.0])


def test_pad_constant_gradient_is_the_interior():
    _, (g,) = tape_grad(
        lambda t: dg.pad(t, 1, constant_values=7.0) * np.arange(16.0).reshape(4, 4), np.ones((2, 2))
    )
    np.testing.assert_array_equal(g.numpy(), [[5.0, 6.0], [9.0, 10.0]])


def test_pad_with_a_tensor_constant_is_differentiable(rng):
    x = anywhere(rng, (2, 3))
    f = lambda t, c: dg.pad(t, ((1, 0), (2, 1)), constant_values=c)  # noqa: E731
    np.testing.assert_array_equal(
        f(x, dg.constant(4.0)).numpy(), np.pad(x, ((1, 0), (2, 1)), constant_values=4.0)
    )
    check_grads(f, x, np.float64(0.5))
    check_grads(_squared(f), x, np.float64(0.5), order=2)
    _, (_, gc) = tape_grad(f, x, np.float64(0.5))
    assert float(gc) == 3 * 6 - 6  # one per border element


def test_repeat_and_split_gradients_sum_copies():
    _, (g,) = tape_grad(lambda t: dg.repeat(t, [2, 0, 3]), np.ones(3))
    np.testing.assert_array_equal(g.numpy(), [2.0, 0.0, 3.0])
    _, (g,) = tape_grad(lambda t: dg.tile(t, (2, 3)), np.ones((2, 2)))
    np.testing.assert_array_equal(g.numpy(), np.full((2, 2), 6.0))


def test_split_returns_differentiable_tensors(rng):
    x = dg.constant(anywhere(rng, (6,)))
    with dg.GradientTape() as tape:
        tape.watch(x)
        pieces = dg.split(x, 3)
        y = pieces[1] * 2.0
    assert isinstance(pieces, list) and all(isinstance(p, dg.Tensor) for p in pieces)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0, 0, 2.0, 2.0, 0, 0])
    np_pieces = np.split(x, [1, 4])
    assert [p.shape for p in np_pieces] == [(1,), (3,), (2,)]
    assert all(isinstance(p, dg.Tensor) for p in np_pieces)


def test_split_of_a_plain_array_gives_tensors():
    pieces = dg.array_split(np.arange(5.0), 2)
    assert [type(p) for p in pieces] == [dg.Tensor, dg.Tensor]
    assert [p.numpy().tolist() for p in pieces] == [[0.0, 1.0, 2.0], [3.0, 4.0]]


def test_einsum_repeated_index_gradient_is_diagonal():
    _, (g,) = tape_grad(lambda t: dg.einsum("ii", t), np.arange(9.0).reshape(3, 3))
    np.testing.assert_array_equal(g.numpy(), np.eye(3))
    _, (g,) = tape_grad(
        lambda t: dg.einsum("ii->i", t) * np.array([1.0, 2.0, 3.0]), np.ones((3, 3))
    )
    np.testing.assert_array_equal(g.numpy(), np.diag([1.0, 2.0, 3.0]))


def test_einsum_broadcast_ellipsis_gradient_is_summed():
    a, b = np.ones((1, 3, 4)), np.ones((5, 4, 2))
    _, (ga, gb) = tape_grad(lambda x, y: dg.einsum("...ij,...jk->...ik", x, y), a, b)
    assert ga.shape == (1, 3, 4) and gb.shape == (5, 4, 2)
    np.testing.assert_array_equal(ga.numpy(), np.full((1, 3, 4), 10.0))  # 5 batches × 2 columns


def test_einsum_with_a_constant_operand(rng):
    w = anywhere(rng, (4, 2))
    check_grads(lambda t: dg.einsum("ij,jk->ik", t, w), anywhere(rng, (3, 4)), order=2)
    check_grads(lambda t: dg.einsum("ij,jk->ik", w.T, t), anywhere(rng, (4, 5)), order=2)


def test_einsum_same_tensor_twice(rng):
    check_grads(lambda t: dg.einsum("ij,ij->", t, t), anywhere(rng, (3, 4)), order=2)
    check_grads(lambda t: dg.einsum("ij,jk->ik", t, t), anywhere(rng, (3, 3)), order=2)


def test_trace_equals_einsum_and_diag_roundtrip(rng):
    x = anywhere(rng, (4, 4))
    _, (g1,) = tape_grad(dg.trace, x)
    _, (g2,) = tape_grad(lambda t: dg.einsum("ii", t), x)
    np.testing.assert_array_equal(g1.numpy(), g2.numpy())
    check_grads(lambda t: dg.diag(dg.diag(t) * dg.diag(t)), x, order=2)


def test_linear_algebra_chain_second_order(rng):
    a, b = anywhere(rng, (3, 4)), anywhere(rng, (4, 3))

    def f(x, y):
        return dg.trace(dg.dot(x, y) @ dg.tril(dg.outer(dg.diag(x @ y), dg.diagonal(y @ x))))

    check_grads(f, a, b, order=2)


def test_internal_expand_dims_helper_still_works():
    from deltagrad.ops.shape import expand_dims_p

    assert expand_dims_p(np.ones((3, 4)), -1).shape == (3, 4, 1)
    assert expand_dims_p(np.ones((3, 4)), 0).shape == (1, 3, 4)
    assert expand_dims_p(np.ones(3), (0, 2)).shape == (1, 3, 1)


# --- bad input ------------------------------------------------------------------------------------

M, V = np.ones((3, 4)), np.ones(5)
T = dg.constant(M)
BAD = [
    # einsum subscripts
    (lambda: dg.einsum("ij,jk->il", T, M.T), ValueError, "einsum", ["'l'", "(3, 4)"]),
    (lambda: dg.einsum("ij->ii", T), ValueError, "einsum", ["more than once"]),
    (lambda: dg.einsum("i2", T), ValueError, "einsum", ["'2'"]),
    (lambda: dg.einsum("ij,jk", T), ValueError, "einsum", ["2 operand", "1 were given"]),
    (lambda: dg.einsum("ijk", T), ValueError, "einsum", ["(3, 4)", "'ijk'"]),
    (lambda: dg.einsum("i", T), ValueError, "einsum", ["(3, 4)"]),
    (lambda: dg.einsum("ij->j->i", T), ValueError, "einsum", ["'->'"]),
    (lambda: dg.einsum(".i.j", T), ValueError, "einsum", ["'...'"]),
    (lambda: dg.einsum("...i->i", np.ones((2, 3)), T), ValueError, "einsum", []),
    (lambda: dg.einsum("...->i", T), ValueError, "einsum", ["'i'"]),
    (lambda: dg.einsum("...j->j", np.ones((2, 3))), ValueError, "einsum", ["'...'"]),
    (
        lambda: dg.einsum("ij,jk->ik", T, np.ones((5, 2))),
        ValueError,
        "einsum",
        ["(3, 4)", "(5, 2)", "'j'"],
    ),
    (lambda: dg.einsum("ii", np.ones((3, 4))), ValueError, "einsum", ["(3, 4)", "'i'"]),
    (lambda: dg.einsum("ij", np.ones((3, 4), complex)), TypeError, "einsum", ["complex"]),
    (lambda: dg.einsum("i", np.array(["a", "b"])), TypeError, "einsum", ["<U1"]),
    (lambda: dg.einsum(T, [0, 99]), ValueError, "einsum", ["[0, 52)"]),
    # contractions
    (lambda: dg.dot(T, V), ValueError, "dot", ["(3, 4)", "(5,)"]),
    (lambda: np.dot(T, V), ValueError, "dot", ["(3, 4)", "(5,)"]),
    (lambda: dg.dot(T, np.ones((3, 4), complex)), TypeError, "dot", ["complex"]),
    (lambda: dg.tensordot(T, np.ones((3, 4)), axes=1), ValueError, "tensordot", ["(3, 4)", "size"]),
    (lambda: dg.tensordot(T, M, axes=3), ValueError, "tensordot", ["axes=3"]),
    (lambda: dg.tensordot(T, M, axes=((0, 1), (0,))), ValueError, "tensordot", ["(3, 4)"]),
    (lambda: dg.tensordot(T, M, axes=((0,), (2,))), ValueError, "tensordot", ["axis 2"]),
    (lambda: dg.tensordot(T, M, axes=((0, 0), (0, 0))), ValueError, "tensordot", ["repeated"]),
    (lambda: dg.tensordot(T, M, axes="x"), TypeError, "tensordot", ["axes"]),
    (lambda: dg.inner(T, V), ValueError, "inner", ["(3, 4)", "(5,)"]),
    (lambda: dg.outer(T, np.ones(2, complex)), TypeError, "outer", ["complex"]),
    # diagonals
    (lambda: dg.trace(dg.constant(V)), ValueError, "trace", ["(5,)", "2 dimensions"]),
    (lambda: dg.trace(T, axis1=0, axis2=2), ValueError, "trace", ["(3, 4)", "axis 2"]),
    (lambda: dg.trace(T, axis1=1, axis2=-1), ValueError, "trace", ["different"]),
    (lambda: dg.trace(T, offset=1.5), TypeError, "trace", ["offset"]),
    (lambda: dg.diagonal(T, axis1=0, axis2=0), ValueError, "diagonal", ["(3, 4)"]),
    (lambda: dg.diag(np.ones((2, 3, 4))), ValueError, "diag", ["(2, 3, 4)"]),
    (lambda: dg.diag(dg.constant(2.0)), ValueError, "diag", ["()"]),
    (lambda: dg.diag(T, k=0.5), TypeError, "diag", ["k"]),
    (lambda: dg.tril(dg.constant(2.0)), ValueError, "tril", ["0-d"]),
    (lambda: dg.triu(T, k="1"), TypeError, "triu", ["k"]),
    # shape manipulation
    (lambda: dg.squeeze(T, 0), ValueError, "squeeze", ["(3, 4)", "axis 0", "not 1"]),
    (lambda: dg.squeeze(T, 2), ValueError, "squeeze", ["(3, 4)", "axis 2"]),
    (lambda: dg.squeeze(np.ones((1, 3)), 0.0), TypeError, "squeeze", ["integer"]),
    (lambda: dg.expand_dims(T, 3), ValueError, "expand_dims", ["(3, 4)", "axis 3"]),
    (lambda: dg.expand_dims(T, -4), ValueError, "expand_dims", ["(3, 4)"]),
    (lambda: dg.expand_dims(T, (0, 0)), ValueError, "expand_dims", ["repeated"]),
    (lambda: np.expand_dims(T, 5), ValueError, "expand_dims", ["(3, 4)"]),
    (lambda: dg.swapaxes(T, 0, 2), ValueError, "swapaxes", ["(3, 4)", "axis 2"]),
    (lambda: dg.moveaxis(T, (0, 1), 0), ValueError, "moveaxis", ["same number"]),
    (lambda: dg.moveaxis(T, 0, -3), ValueError, "moveaxis", ["(3, 4)", "axis -3"]),
    (lambda: dg.flip(T, 2), ValueError, "flip", ["(3, 4)"]),
    (lambda: dg.flip(np.ones(3, complex)), TypeError, "flip", ["complex"]),
    (lambda: dg.roll(T, 1.5), TypeError, "roll", ["shift"]),
    (lambda: dg.roll(T, 1, axis=2), ValueError, "roll", ["(3, 4)", "axis 2"]),
    (lambda: dg.roll(T, (1, 2), axis=(0, 1, 1)), ValueError, "roll", ["(3, 4)"]),
    (lambda: dg.repeat(T, -1), ValueError, "repeat", ["(3, 4)"]),
    (lambda: dg.repeat(T, [1, 2], axis=1), ValueError, "repeat", ["(3, 4)"]),
    (lambda: dg.repeat(T, 1.5), TypeError, "repeat", ["(3, 4)", "integers"]),
    (lambda: dg.repeat(T, 2, axis=2), ValueError, "repeat", ["axis 2"]),
    (lambda: dg.tile(T, -1), ValueError, "tile", ["(3, 4)", "non-negative"]),
    (lambda: dg.tile(T, 1.5), TypeError, "tile", ["reps"]),
    (lambda: dg.pad(T, 1, mode="median"), NotImplementedError, "pad", ["'median'"]),
    (lambda: dg.pad(T, 1, mode="bogus"), ValueError, "pad", ["'bogus'", "(3, 4)"]),
    (lambda: dg.pad(T, -1), ValueError, "pad", ["(3, 4)", "non-negative"]),
    (lambda: dg.pad(T, ((1, 2), (3, 4), (5, 6))), ValueError, "pad", ["(3, 4)", "rank 2"]),
    (lambda: dg.pad(T, 1.5), TypeError, "pad", ["pad_width"]),
    (
        lambda: dg.pad(T, 1, mode="edge", constant_values=3.0),
        ValueError,
        "pad",
        ["constant_values"],
    ),
    (lambda: dg.pad(T, 1, constant_values=dg.constant([1.0, 2.0])), TypeError, "pad", ["scalar"]),
    (lambda: dg.pad(np.ones((0, 3)), 1, mode="reflect"), ValueError, "pad", ["(0, 3)"]),
    (lambda: dg.split(T, 3, axis=1), ValueError, "split", ["(3, 4)", "equal division"]),
    (lambda: dg.split(T, 0), ValueError, "split", ["positive"]),
    (lambda: dg.split(T, 2, axis=2), ValueError, "split", ["axis 2"]),
    (lambda: dg.split(dg.constant(1.0), 1), ValueError, "split", ["0-d"]),
    (lambda: dg.array_split(T, [1.5]), TypeError, "array_split", ["indices_or_sections"]),
    (lambda: dg.take(T, [12]), IndexError, "take", ["(3, 4)", "12", "size 12"]),
    (lambda: dg.take(T, [-5], axis=1), IndexError, "take", ["-5", "size 4"]),
    (lambda: dg.take(T, [0.5]), TypeError, "take", ["float64"]),
    (lambda: dg.take(T, [0], axis=2), ValueError, "take", ["axis 2"]),
    (lambda: dg.take(T, [0], mode="nearest"), ValueError, "take", ["'nearest'"]),
    (lambda: np.take(T, [7], axis=0), IndexError, "take", ["7"]),
    (lambda: dg.sort(T, axis=2), ValueError, "sort", ["(3, 4)"]),
    (lambda: dg.sort(T, kind="bogo"), ValueError, "sort", ["(3, 4)"]),
    (lambda: dg.sort(T, order="f"), TypeError, "sort", ["order"]),
    (lambda: dg.sort(np.ones(3, complex)), TypeError, "sort", ["complex"]),
    (lambda: dg.sort(np.array([object()])), TypeError, "sort", ["object"]),
]


@pytest.mark.parametrize(
    "call, exc, op, parts", [pytest.param(*b, id=f"{b[2]}-{k}") for k, b in enumerate(BAD)]
)
def test_bad_input_names_the_op(call, exc, op, parts):
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(op + ":"), msg
    for part in parts:
        assert part in msg, (part, msg)


def test_numpy_refuses_arguments_deltagrad_does_not_take():
    with pytest.raises(TypeError, match="np.einsum"):
        np.einsum("ij", T, dtype=np.float32)
    with pytest.raises(TypeError, match="np.dot"):
        np.dot(T, M.T, out=np.empty((3, 3)))
    with pytest.raises(TypeError, match="np.pad"):
        np.pad(T, 1, mode="reflect", reflect_type="odd")
