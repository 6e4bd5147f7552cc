"""Property: for random compositions of public ops, the tape's first derivatives and its
Hessian-vector products agree with finite differences in float64.

The ops are found by behaviour (tests/engine/_opdiscovery.py), so a new op joins without new
test code: every public op that takes one tensor and returns a float tensor of its shape (sin,
relu, softmax, sort, …, not stop_gradient, whose zero gradient is deliberate), every reduction
``f(x, axis=…, keepdims=True)`` (sum, logsumexp, var, norm, …), plus the binary operators
+ − × ÷ ** and maximum/minimum/arctan2.

Every op's input first goes through a smooth squash into one interval of
``_opdiscovery.INTERVALS`` on which the op is finite, chosen per step: no domain error, no pole,
and no kink (0, ±0.5, ±1, integers are outside the intervals), so the piecewise-constant ops
(floor, round, sign, …) are kept: away from their jumps their zero gradient is the truth.
Input entries are distinct, 1/150 apart or more (a tie in max or sort is a kink too), and the
difference steps are far smaller.

The finite differences are Richardson-extrapolated central differences with a measured error
(see ``numeric_derivatives``) rather than check_grads' plain ones: deep compositions of
squashes have partial derivatives 1e-4…1e-12 times their value, where plain differences
(eps = 1e-6, round-off ~1e-10 of the value) cannot reach rtol = 1e-6, and a fixed looser
tolerance would check every other example less.
"""

from __future__ import annotations

import operator

import _opdiscovery as disc
import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import deltagrad as dg
import finite_differences as fd
from deltagrad.gradcheck import check_grads

UNARY = disc.unary_same_shape_ops()  # {name: intervals where the op is finite}
REDUCTIONS = disc.reduction_ops()  # ["sum", "mean", "max", "logsumexp", ...]
A = disc.POSITIVE  # (0.55, 0.95)

# name: (function, intervals for the left operand, intervals for the right one)
BINARY = {
    "+": (operator.add, disc.INTERVALS, disc.INTERVALS),
    "-": (operator.sub, disc.INTERVALS, disc.INTERVALS),
    "*": (operator.mul, disc.INTERVALS, disc.INTERVALS),
    "/": (operator.truediv, disc.INTERVALS, (A,)),  # denominators ≥ 0.55
    "**": (operator.pow, (A, disc.INTERVALS[2]), disc.INTERVALS),  # positive bases
    **{
        name: (getattr(dg, name), disc.INTERVALS, disc.INTERVALS)
        for name in ("maximum", "minimum", "arctan2")
        if hasattr(dg, name)
    },
}

SHIFT = 0.3137  # an irregular offset, so that no simple input lands on a squash's midpoint

# Plain central differences in float64 (eps = 1e-6) are accurate to ~1e-7 relative for
# well-conditioned compositions; the extrapolated ones below to ~1e-10. The tape must match to
# 1e-6, first and second derivatives alike.
RTOL = 1e-6


def squash(t, interval):
    """A smooth increasing map of the reals into the open ``interval`` (slope ≤ half its width)."""
    lo, hi = interval
    return (lo + hi) / 2 + (hi - lo) / 2 * dg.tanh(t - SHIFT)


# --- expressions: nested tuples, evaluated on tensors --------------------------------------------
#   ("x", k)                                    input k
#   ("unary", name, interval, child)            dg.name(squash(child))
#   ("binary", name, int_l, int_r, left, right) squash(left) op squash(right)
#   ("reduce", name, interval, axis, child)     dg.name(squash(child), axis=axis, keepdims=True)


def evaluate(expr, xs):
    kind = expr[0]
    if kind == "x":
        return xs[expr[1]]
    if kind == "unary":
        _, name, interval, child = expr
        return getattr(dg, name)(squash(evaluate(child, xs), interval))
    if kind == "binary":
        _, name, int_l, int_r, left, right = expr
        fn = BINARY[name][0]
        return fn(squash(evaluate(left, xs), int_l), squash(evaluate(right, xs), int_r))
    _, name, interval, axis, child = expr
    return getattr(dg, name)(squash(evaluate(child, xs), interval), axis=axis, keepdims=True)


def describe(expr) -> str:
    kind = expr[0]
    if kind == "x":
        return f"x{expr[1]}"
    if kind == "unary":
        _, name, interval, child = expr
        return f"{name}(s{interval}({describe(child)}))"
    if kind == "binary":
        _, name, int_l, int_r, left, right = expr
        left, right = f"s{int_l}({describe(left)})", f"s{int_r}({describe(right)})"
        return f"{name}({left}, {right})" if name.isalpha() else f"({left} {name} {right})"
    _, name, interval, axis, child = expr
    return f"{name}(s{interval}({describe(child)}), axis={axis}, keepdims=True)"


@st.composite
def expressions(draw, depth, n_inputs):
    """An expression of nesting depth ≤ ``depth``; the outermost node is an op, not an input."""
    kinds = ["unary", "unary", "unary", "binary", "binary"] + (["reduce"] if REDUCTIONS else [])
    return draw(_nodes(depth, n_inputs, kinds))


@st.composite
def _subexpressions(draw, depth, n_inputs):
    leaf = ("x", draw(st.integers(0, n_inputs - 1)))
    if depth == 0:
        return leaf
    kinds = ["leaf", "unary", "unary", "unary", "binary", "binary"]
    kinds += ["reduce"] if REDUCTIONS else []
    return draw(_nodes(depth, n_inputs, kinds))


@st.composite
def _nodes(draw, depth, n_inputs, kinds):
    leaf = ("x", draw(st.integers(0, n_inputs - 1)))
    kind = draw(st.sampled_from(kinds))
    if kind == "leaf":
        return leaf
    if kind == "unary":
        name = draw(st.sampled_from(sorted(UNARY)))
        return (
            "unary",
            name,
            draw(st.sampled_from(UNARY[name])),
            draw(_subexpressions(depth - 1, n_inputs)),
        )
    if kind == "binary":
        name = draw(st.sampled_from(sorted(BINARY)))
        _, int_l, int_r = BINARY[name]
        return (
            "binary",
            name,
            draw(st.sampled_from(int_l)),
            draw(st.sampled_from(int_r)),
            draw(_subexpressions(depth - 1, n_inputs)),
            draw(_subexpressions(depth - 1, n_inputs)),
        )
    name = draw(st.sampled_from(REDUCTIONS))
    return (
        "reduce",
        name,
        draw(st.sampled_from(disc.INTERVALS)),
        draw(st.sampled_from([None, 0, -1])),
        draw(_subexpressions(depth - 1, n_inputs)),
    )


@st.composite
def problems(draw, max_depth):
    """(expression, inputs): one or two inputs of shape (3,) or (2, 3) (they broadcast), with
    distinct entries at least 1/150 apart."""
    shapes = draw(st.lists(st.sampled_from([(3,), (2, 3)]), min_size=1, max_size=2))
    sizes = [int(np.prod(s)) for s in shapes]
    ks = draw(
        st.lists(st.integers(-300, 300), min_size=sum(sizes), max_size=sum(sizes), unique=True)
    )
    values = np.array(ks, dtype=np.float64) / 150.0
    splits = np.split(values, np.cumsum(sizes)[:-1])
    inputs = [v.reshape(s) for v, s in zip(splits, shapes)]
    expr = draw(expressions(draw(st.integers(1, max_depth)), len(inputs)))
    return expr, inputs


# Steps (the widest difference reaches 4h: 4e-4 and 1.2e-3, inside the 1/150 input spacing).
H1 = 1e-4  # for first derivatives (differences of the value)
H2 = 3e-4  # for second derivatives (differences of the tape's gradient)
ULP = np.finfo(np.float64).eps
# Central differences D(h) = (f(x + h) − f(x − h)) / 2h, Richardson-extrapolated:
# E(h) = (4·D(h) − D(2h)) / 3 errs by ~h⁴ (truncation) plus ~ULP·|f|/h (round-off), ~1e-12
# relative here, a hundred times better than a plain difference with h = 1e-6. E(2h) errs
# ~16 times more: |E(h) − E(2h)| measures the error of E(h), including the round-off that
# cancellation in f (var of nearly equal values, a difference of close numbers) inflates. The
# tape must match E(h) to rtol, or to NOISE_FACTOR times that measured error where it is larger
# (a partial derivative far smaller than the function's terms: no fixed rtol is honest there).
NOISE_FACTOR = 4
# Nor below the round-off of one evaluation, ~ULP·scale/h, scale being Σ|terms| of what is
# differenced (at least 1 per term: the intermediate values are of order 1).
ROUNDOFF_ULPS = 4


class FiniteDifferenceMismatch(AssertionError):
    pass


def numeric_derivatives(fun, arrays, h):
    """Richardson-extrapolated central differences E(h) and E(2h) (see above)."""
    d1, d2, d4 = (fd.gradients(fun, *arrays, h=s * h) for s in (1, 2, 4))
    fine = [(4 * a - b) / 3 for a, b in zip(d1, d2)]
    coarse = [(4 * b - c) / 3 for b, c in zip(d2, d4)]
    return fine, coarse


def _compare(analytic, fun, arrays, h, scale, rtol, what):
    """Assert the tape's ``analytic`` derivatives match finite differences of ``fun``."""
    numeric, coarse = numeric_derivatives(fun, arrays, h)
    for k, (a, n, n2) in enumerate(zip(analytic, numeric, coarse)):
        a = np.asarray(a, dtype=np.float64)
        tol = np.maximum.reduce(
            [
                rtol * np.maximum(np.abs(a), np.abs(n)),
                NOISE_FACTOR * np.abs(n - n2),
                np.full(a.shape, ROUNDOFF_ULPS * ULP * scale / h),
            ]
        )
        bad = np.abs(a - n) > tol
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise FiniteDifferenceMismatch(
                f"{what} w.r.t. input {k}{list(idx)}: tape {a[idx]:.12g}, finite differences "
                f"{n[idx]:.12g} (with step 2h: {n2[idx]:.12g}), difference "
                f"{abs(a[idx] - n[idx]):.3g} > tolerance {tol[idx]:.3g}"
            )


def check(expr, inputs, order, rtol=RTOL):
    """Check the derivatives of the expression ``expr`` at ``inputs`` (see check_function)."""
    check_function(lambda *xs: evaluate(expr, xs), inputs, order, rtol)


def check_function(f, inputs, order, rtol=RTOL):
    """The tape's gradient (order 1) or Hessian-vector product (order 2) of ⟨u, f(x)⟩, u random,
    against central differences of f (order 1) or of the tape's gradient (order 2)."""
    rng = np.random.default_rng(0)
    arrays = [np.asarray(x, dtype=np.float64) for x in inputs]
    argnums = tuple(range(len(arrays)))
    u = rng.standard_normal(f(*[dg.constant(a) for a in arrays]).shape)

    def fu(*xs):
        return dg.sum(f(*xs) * u)

    def terms(arrs):  # Σ|u|·max(|f|, 1): the size of the terms summed into ⟨u, f⟩
        out = f(*[dg.constant(a) for a in arrs]).numpy()
        return float(np.sum(np.abs(u) * np.maximum(np.abs(out), 1.0)))

    grad = dg.grad(fu, argnums=argnums)
    if order == 1:
        analytic = [np.asarray(g) for g in grad(*arrays)]
        _compare(analytic, lambda *xs: float(fu(*xs)), arrays, H1, terms(arrays), rtol, "gradient")
        return
    ws = [rng.standard_normal(a.shape) for a in arrays]

    def grad_dot_w(*xs):  # ⟨w, ∇⟨u, f⟩⟩ from the tape: its gradient is H·w
        return float(sum(np.sum(np.asarray(g) * w) for g, w in zip(grad(*xs), ws)))

    hw = dg.hvp(fu, tuple(arrays), tuple(ws))
    analytic = [h.numpy() for h in (hw if len(arrays) > 1 else (hw,))]
    scale = float(
        sum(
            np.sum(np.abs(w) * np.maximum(np.abs(np.asarray(g)), 1.0))
            for g, w in zip(grad(*arrays), ws)
        )
    )
    _compare(analytic, grad_dot_w, arrays, H2, scale, rtol, "Hessian-vector product")


def check_noted(expr, inputs, order):
    note(f"f = {describe(expr)}")
    note(f"inputs = {[x.tolist() for x in inputs]}")
    check(expr, inputs, order)


# --- the properties ------------------------------------------------------------------------------


@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems(max_depth=4))
def test_gradient_of_random_compositions_matches_finite_differences(problem):
    check_noted(*problem, order=1)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems(max_depth=3))
def test_second_derivatives_of_random_compositions_match_finite_differences(problem):
    check_noted(*problem, order=2)


# Every discovered op also in one fixed composition, on each of its intervals, so that none
# depends on the random draws above to be checked (first and second derivatives).
X0 = np.array([[0.42, -1.3, 0.9], [1.7, -0.25, -0.8]])
X1 = np.array([-0.6, 1.1, 0.15])


def _each_op():
    cases = []
    for name, intervals in sorted(UNARY.items()):
        for interval in intervals:
            inner = ("binary", "*", A, interval, ("x", 0), ("unary", name, interval, ("x", 1)))
            cases.append(pytest.param(("unary", name, interval, inner), id=f"{name}{interval}"))
    for name in sorted(REDUCTIONS):
        for interval in disc.INTERVALS:
            for axis in (None, 0, -1):
                inner = (
                    "binary",
                    "+",
                    A,
                    interval,
                    ("x", 1),
                    ("reduce", name, interval, axis, ("x", 0)),
                )
                cases.append(
                    pytest.param(
                        ("reduce", name, interval, axis, inner), id=f"{name}{interval}-axis{axis}"
                    )
                )
    for name, (_, ints_l, ints_r) in sorted(BINARY.items()):
        for int_l in ints_l:
            for int_r in ints_r:
                inner = ("binary", name, int_l, int_r, ("x", 1), ("x", 0))
                cases.append(
                    pytest.param(
                        ("binary", name, int_l, int_r, ("x", 0), inner), id=f"{name}{int_l}{int_r}"
                    )
                )
    return cases


@pytest.mark.parametrize("expr", _each_op())
@pytest.mark.parametrize("order", [1, 2])
def test_each_discovered_op_in_a_composition(expr, order):
    check(expr, [X0, X1], order)


# Reductions of equal entries: x ↦ R(x·1). Ties (max, min) and a zero spread (var, std) are
# kinks of R, but along this line R is smooth (sum: 6x, max: x, std: 0), so the tape must give
# the line's derivative: ties shared, std's "0 where all entries are equal" convention.
# Reductions whose gradient at equal entries is a known bug (strict xfail: a fix fails the run
# until the entry is removed). std was one: np.std([0.1] * 3) is 1.4e-17, not 0.
KNOWN_BUGS: dict[str, str] = {}


def _reduction_params():
    params = []
    for name in REDUCTIONS:
        marks = (
            [
                pytest.mark.xfail(
                    strict=True, raises=FiniteDifferenceMismatch, reason=KNOWN_BUGS[name]
                )
            ]
            if name in KNOWN_BUGS
            else []
        )
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.parametrize("name", _reduction_params())
@settings(max_examples=12, deadline=None, derandomize=True, print_blob=False)
@given(
    x=st.sampled_from(disc.INTERVALS).flatmap(lambda i: st.floats(*i)),
    axis=st.sampled_from([None, 0, -1]),
)
def test_reduction_of_equal_entries(name, x, axis):
    def f(t):
        return getattr(dg, name)(t * np.ones((2, 3)), axis=axis, keepdims=True)

    check_function(f, [np.array([x])], order=1)
    check_function(f, [np.array([x])], order=2)


# --- the discovery and the checker ---------------------------------------------------------------


def test_discovery_finds_the_ops_and_their_domains():
    # If discovery silently found nothing, the properties above would test almost nothing.
    for name in ("exp", "log", "tanh", "sigmoid", "relu", "softmax"):
        assert name in UNARY, name
    assert "stop_gradient" not in UNARY
    assert "argmax" not in REDUCTIONS and "sum" in REDUCTIONS
    assert UNARY["log"] == (disc.INTERVALS[0], disc.INTERVALS[2])  # positive intervals only
    if "arccosh" in UNARY:
        assert UNARY["arccosh"] == (disc.INTERVALS[2],)  # > 1 only


def test_squash_stays_inside_its_interval_and_is_smooth():
    t = dg.constant(np.linspace(-50.0, 50.0, 1001))
    for lo, hi in disc.INTERVALS:
        y = squash(t, (lo, hi)).numpy()
        assert np.all((lo <= y) & (y <= hi)) and np.all(np.diff(y) >= 0)
    check_grads(lambda x: squash(x, A), np.array([-1.0, 0.3, 2.0]), order=2)


PLANTED = ("binary", "*", A, A, ("unary", "sin", A, ("x", 0)), ("x", 1))


def test_a_planted_wrong_first_derivative_is_caught(monkeypatch):
    from deltagrad import ops

    check(PLANTED, [X0, X1], order=1)  # the real rule passes
    # cos(x)·(1 + 1e-5): a 1e-5 relative error, ten times the tolerance.
    monkeypatch.setattr(ops.sin_p, "vjps", (lambda g, out, x: g * ops.cos_p.bind(x) * (1 + 1e-5),))
    with pytest.raises(FiniteDifferenceMismatch, match="gradient w.r.t. input 0"):
        check(PLANTED, [X0, X1], order=1)


def test_a_planted_wrong_second_derivative_is_caught(monkeypatch):
    # Right as a first derivative, but cos(x) is a constant to an outer tape: only the
    # second-order check can see it.
    from deltagrad import ops

    check(PLANTED, [X0, X1], order=2)
    monkeypatch.setattr(
        ops.sin_p, "vjps", (lambda g, out, x: g * ops.cos_p.bind(ops.stop_gradient_p.bind(x)),)
    )
    check(PLANTED, [X0, X1], order=1)
    with pytest.raises(FiniteDifferenceMismatch, match="Hessian-vector product"):
        check(PLANTED, [X0, X1], order=2)
