"""dg.optim: SGD, Adam, AdamW, RMSprop and Adagrad against their published update rules.

Each optimiser is checked step by step against the rule as PyTorch's documentation writes it,
transcribed below in plain NumPy (``ref_*``), for every option; a few cases are also worked out
by hand as literal numbers. Then: minimising Himmelblau's function through a GradientTape,
None gradients, shapes, dtypes, per-variable state, validation, and (if PyTorch is installed)
a cross-check against torch.optim.
"""

import math

import numpy as np
import pytest

import deltagrad as dg
from deltagrad import optim

THETA0 = np.array([1.0, -0.5, 0.25])
# Five gradients with sign changes and one large entry followed by small ones, so that AMSGrad's
# running maximum, centring, momentum and lr decay all change the result.
GRADS = np.array(
    [[0.5, -1.2, 2.0], [3.0, 0.1, -0.4], [-0.2, 0.05, 0.3], [0.1, -2.5, 0.01], [1.0, 0.2, -0.7]]
)


# --- the published rules, in plain NumPy --------------------------------------------------------
# maximize negates the gradient first, as torch.optim does.


def ref_sgd(
    theta, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False
):
    theta, out, b = theta.copy(), [], None
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            if t > 1:
                b = momentum * b + (1 - dampening) * g
            else:
                b = g
            if nesterov:
                g = g + momentum * b
            else:
                g = b
        theta = theta - lr * g
        out.append(theta)
    return out


def ref_adam(
    theta,
    grads,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled=False,
):
    b1, b2 = betas
    theta, out = theta.copy(), []
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    v_max = np.zeros_like(theta)
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        if decoupled:  # AdamW
            theta = theta - lr * weight_decay * theta
        elif weight_decay != 0:  # Adam
            g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - b2**t)
        else:
            v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def ref_adamw(
    theta,
    grads,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=1e-2,
    amsgrad=False,
    maximize=False,
):
    return ref_adam(theta, grads, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled=True)


def ref_rmsprop(
    theta,
    grads,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    maximize=False,
):
    theta, out = theta.copy(), []
    v = np.zeros_like(theta)
    g_ave = np.zeros_like(theta)
    b = np.zeros_like(theta)
    for grad in grads:
        g = -grad if maximize else grad
        if weight_decay != 0:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_ave = g_ave * alpha + (1 - alpha) * g
            v_tilde = v_tilde - g_ave**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


def ref_adagrad(
    theta,
    grads,
    lr=1e-2,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
    maximize=False,
):
    theta, out = theta.copy(), []
    state_sum = np.full_like(theta, initial_accumulator_value)
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        clr = lr / (1 + (t - 1) * lr_decay)
        if weight_decay != 0:
            g = g + weight_decay * theta
        state_sum = state_sum + g**2
        theta = theta - clr * g / (np.sqrt(state_sum) + eps)
        out.append(theta)
    return out


REFERENCES = {
    "SGD": ref_sgd,
    "Adam": ref_adam,
    "AdamW": ref_adamw,
    "RMSprop": ref_rmsprop,
    "Adagrad": ref_adagrad,
}

# (optimiser, options): every option of every optimiser, alone and combined.
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.3)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.3, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.7, dampening=0.2, weight_decay=0.1)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, betas=(0.8, 0.9))),
    ("Adam", dict(lr=0.1, eps=0.5)),
    ("Adam", dict(lr=0.1, weight_decay=0.3)),
    ("Adam", dict(lr=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.1, maximize=True)),
    ("Adam", dict(lr=0.1, betas=(0.5, 0.7), weight_decay=0.2, amsgrad=True, maximize=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, weight_decay=0.3)),
    ("AdamW", dict(lr=0.1, weight_decay=0.0)),
    ("AdamW", dict(lr=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.1, betas=(0.8, 0.9), eps=0.5)),
    ("AdamW", dict(lr=0.1, maximize=True)),
    ("AdamW", dict(lr=0.1, betas=(0.5, 0.7), weight_decay=0.2, amsgrad=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.1, alpha=0.9)),
    ("RMSprop", dict(lr=0.1, eps=0.5)),
    ("RMSprop", dict(lr=0.1, weight_decay=0.3)),
    ("RMSprop", dict(lr=0.1, momentum=0.6)),
    ("RMSprop", dict(lr=0.1, centered=True)),
    ("RMSprop", dict(lr=0.1, maximize=True)),
    (
        "RMSprop",
        dict(lr=0.05, alpha=0.8, weight_decay=0.2, momentum=0.5, centered=True, maximize=True),
    ),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.3)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.7)),
    ("Adagrad", dict(lr=0.1, eps=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    (
        "Adagrad",
        dict(
            lr=0.1,
            lr_decay=0.3,
            weight_decay=0.2,
            initial_accumulator_value=0.4,
            eps=1e-3,
            maximize=True,
        ),
    ),
]


def case_id(case):
    name, kw = case
    return name + ("-" + "-".join(f"{k}={v}" for k, v in kw.items()) if kw else "-defaults")


def run(name, kw, theta0=THETA0, grads=GRADS, dtype=np.float64):
    """The value after each step of ``dg.optim.<name>(**kw)`` fed ``grads``."""
    v = dg.Variable(np.array(theta0, dtype=dtype))
    opt = getattr(optim, name)(**kw)
    out = []
    for g in grads:
        opt.apply_gradients([(dg.constant(np.array(g, dtype=dtype)), v)])
        assert v.dtype == dtype
        out.append(v.numpy().copy())
    return out


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_every_step_matches_the_published_rule(case):
    name, kw = case
    expected = REFERENCES[name](THETA0, GRADS, **kw)
    got = run(name, kw)
    for t, (a, b) in enumerate(zip(got, expected), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=f"{name}{kw} step {t}")


@pytest.mark.parametrize("case", [c for c in CASES if c[1] and set(c[1]) != {"lr"}], ids=case_id)
def test_every_option_changes_the_result(case):
    """Guards the reference tests against an option that is silently ignored."""
    name, kw = case
    plain = {k: v for k, v in kw.items() if k == "lr"}
    assert not np.allclose(run(name, kw)[-1], run(name, plain)[-1], rtol=1e-6, atol=0)


# --- a few steps worked out by hand ---------------------------------------------------------


def steps(opt, grads, theta0=0.0):
    v = dg.Variable(float(theta0))
    out = []
    for g in grads:
        opt.apply_gradients([(g, v)])
        out.append(float(v))
    return out


def test_sgd_momentum_by_hand():
    # lr 0.1, μ 0.9, g = 1: b = 1, 1.9, 2.71 and θ = −0.1, −0.29, −0.561.
    assert steps(optim.SGD(0.1, momentum=0.9), [1.0] * 3) == pytest.approx(
        [-0.1, -0.29, -0.561], rel=1e-12
    )
    # dampening 0.5: b = 1 (first step undamped), 0.9 + 0.5 = 1.4, 1.26 + 0.5 = 1.76.
    assert steps(optim.SGD(0.1, momentum=0.9, dampening=0.5), [1.0] * 3) == pytest.approx(
        [-0.1, -0.24, -0.416], rel=1e-12
    )
    # nesterov: step with g + μb = 1.9, then b = 1.9 and g + μb = 2.71.
    assert steps(optim.SGD(0.1, momentum=0.9, nesterov=True), [1.0] * 2) == pytest.approx(
        [-0.19, -0.461], rel=1e-12
    )
    # weight decay 0.5 from θ = 2, g = 0: g ← 0 + 0.5·2 = 1, θ = 1.9; then g = 0.95, θ = 1.805.
    assert steps(optim.SGD(0.1, weight_decay=0.5), [0.0] * 2, 2.0) == pytest.approx(
        [1.9, 1.805], rel=1e-12
    )
    # maximize climbs along the momentum: θ = +0.1, +0.29.
    assert steps(optim.SGD(0.1, True, 0.9), [1.0] * 2) == pytest.approx([0.1, 0.29], rel=1e-12)


def test_adam_by_hand():
    # Step 1: m̂ = g, v̂ = g², so θ moves by lr·g/(|g| + ε) whatever g is.
    for g in (3.0, -0.002):
        assert steps(optim.Adam(lr=0.1), [g]) == pytest.approx(
            [-0.1 * g / (abs(g) + 1e-8)], rel=1e-12
        )
    # Step 2 with g = 1 then 3, β = (0.5, 0.5), ε = 0: m = 0.5, 1.75; v = 0.5, 4.75;
    # m̂ = 1.75/0.75, v̂ = 4.75/0.75, so θ₂ = −0.1 − 0.1·(1.75/0.75)/√(4.75/0.75).
    theta2 = -0.1 - 0.1 * (1.75 / 0.75) / math.sqrt(4.75 / 0.75)
    assert steps(optim.Adam(0.1, (0.5, 0.5), eps=0.0), [1.0, 3.0]) == pytest.approx(
        [-0.1, theta2], rel=1e-12
    )
    # AMSGrad, g = 2 then 0: m = 1, 0.5; v = 2, 1 but v_max stays 2:
    # θ₂ = θ₁ − 0.1·(0.5/0.75)/√(2/0.75)  (without AMSGrad the denominator would be √(1/0.75)).
    theta2 = -0.1 - 0.1 * (0.5 / 0.75) / math.sqrt(2 / 0.75)
    assert steps(optim.Adam(0.1, (0.5, 0.5), 0.0, amsgrad=True), [2.0, 0.0]) == pytest.approx(
        [-0.1, theta2], rel=1e-12
    )


def test_adamw_decay_is_decoupled_by_hand():
    # θ = 2, g = 0, lr 0.1, λ = 0.5: θ ← 2 − 0.1·0.5·2 = 1.9 and the Adam step is 0 (m = 0).
    assert steps(optim.AdamW(0.1, weight_decay=0.5), [0.0, 0.0], 2.0) == pytest.approx(
        [1.9, 1.805], rel=1e-12
    )
    # Adam's L2 decay instead feeds λθ = 1 into the moments: a full lr-sized step.
    assert steps(optim.Adam(0.1, weight_decay=0.5), [0.0], 2.0) == pytest.approx(
        [2.0 - 0.1 / (1 + 1e-8)], rel=1e-12
    )


def test_rmsprop_by_hand():
    # α = 0.5, ε = 0, g = 2 then 4: v = 2, 9; θ = −0.1·2/√2, then − 0.1·4/3.
    t1 = -0.1 * 2 / math.sqrt(2)
    assert steps(optim.RMSprop(0.1, 0.5, eps=0.0), [2.0, 4.0]) == pytest.approx(
        [t1, t1 - 0.1 * 4 / 3], rel=1e-12
    )
    # centered: g_ave = 1, 2.5; ṽ = 2 − 1 = 1, 9 − 6.25 = 2.75.
    t1 = -0.1 * 2 / 1
    assert steps(optim.RMSprop(0.1, 0.5, 0.0, centered=True), [2.0, 4.0]) == pytest.approx(
        [t1, t1 - 0.1 * 4 / math.sqrt(2.75)], rel=1e-12
    )
    # momentum 0.5: b = 2/√2, then 0.5·b + 4/3.
    b1 = 2 / math.sqrt(2)
    assert steps(optim.RMSprop(0.1, 0.5, 0.0, momentum=0.5), [2.0, 4.0]) == pytest.approx(
        [-0.1 * b1, -0.1 * b1 - 0.1 * (0.5 * b1 + 4 / 3)], rel=1e-12
    )


def test_adagrad_by_hand():
    # lr 1, lr_decay 1, ε = 0, g = 2: s = 4, θ = −1; then clr = 1/2, s = 8, θ = −1 − 0.5·2/√8.
    assert steps(optim.Adagrad(1.0, lr_decay=1.0, eps=0.0), [2.0, 2.0]) == pytest.approx(
        [-1.0, -1.0 - 1 / math.sqrt(8)], rel=1e-12
    )
    # initial_accumulator_value 5: s = 5 + 4 = 9, θ = −0.1·2/3.
    assert steps(
        optim.Adagrad(0.1, initial_accumulator_value=5.0, eps=0.0), [2.0]
    ) == pytest.approx([-0.2 / 3], rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_maximize_is_minimising_the_negated_gradient(case):
    name, kw = case
    up = run(name, {**kw, "maximize": True})
    down = run(name, {**kw, "maximize": False}, grads=-GRADS)
    for a, b in zip(up, down):
        np.testing.assert_array_equal(a, b)


# --- minimising through a GradientTape ------------------------------------------------------


def himmelblau(t):
    x, y = t[0], t[1]
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


MINIMUM_NEAR_4_0 = np.array([3.584428340330492, -1.848126526964404])  # SPEC 7.8, refined

DESCENTS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.005, momentum=0.9)),
    ("SGD", dict(lr=0.005, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.005, momentum=0.9, dampening=0.5)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.05, weight_decay=0.0)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.5)),
]


@pytest.mark.parametrize("case", DESCENTS, ids=[case_id(c) for c in DESCENTS])
def test_each_optimiser_minimises_himmelblau_from_4_0(case):
    name, kw = case
    v = dg.Variable(np.array([4.0, 0.0]))
    opt = getattr(optim, name)(**kw)
    for _ in range(1500):
        with dg.GradientTape() as tape:
            f = himmelblau(v)
        opt.apply_gradients([(tape.gradient(f, v), v)])
    np.testing.assert_allclose(v.numpy(), MINIMUM_NEAR_4_0, atol=1e-8)
    assert float(himmelblau(v)) < 1e-14


@pytest.mark.parametrize("name", list(REFERENCES))
def test_each_optimiser_climbs_with_maximize(name):
    lr = {"SGD": 0.1, "Adagrad": 0.5}.get(name, 0.05)
    kw = {"weight_decay": 0.0} if name == "AdamW" else {}
    c = np.array([3.0, -1.0])
    v = dg.Variable(np.array([0.0, 0.0]))
    opt = getattr(optim, name)(lr, maximize=True, **kw)
    for _ in range(1500):
        with dg.GradientTape() as tape:
            f = -dg.sum((v - c) ** 2)
        opt.step([v], [tape.gradient(f, v)])
    np.testing.assert_allclose(v.numpy(), c, atol=1e-6)


def test_adamw_with_zero_gradient_only_decays():
    # m stays 0, so every step is θ ← (1 − lr·λ)·θ: after 100 steps θ₀·(1 − lr·λ)¹⁰⁰.
    v = dg.Variable(np.array([2.0, -3.0]))
    opt = optim.AdamW(0.01, weight_decay=0.5)
    for _ in range(100):
        opt.apply_gradients([(np.zeros(2), v)])
    np.testing.assert_allclose(v.numpy(), np.array([2.0, -3.0]) * (1 - 0.005) ** 100, rtol=1e-12)


# --- None gradients, shapes, dtypes, state --------------------------------------------------


@pytest.mark.parametrize("name", list(REFERENCES))
def test_none_gradient_skips_the_variable_and_its_state(name):
    a, b = dg.Variable(THETA0.copy()), dg.Variable(THETA0.copy())
    opt = getattr(optim, name)(0.1)
    opt.apply_gradients([(None, a), (GRADS[0], b)])
    np.testing.assert_array_equal(a.numpy(), THETA0)
    opt.step([a, b], [GRADS[1], None])
    # a's first real step is a first step (t = 1): the None did not advance its state.
    np.testing.assert_array_equal(a.numpy(), run(name, {"lr": 0.1}, grads=GRADS[1:2])[0])
    np.testing.assert_array_equal(b.numpy(), run(name, {"lr": 0.1}, grads=GRADS[0:1])[0])


@pytest.mark.parametrize("name", list(REFERENCES))
def test_shape_mismatch_names_both_shapes_and_changes_nothing(name):
    a, b = dg.Variable(THETA0.copy()), dg.Variable(np.zeros((2, 2)))
    opt = getattr(optim, name)(0.1)
    with pytest.raises(
        ValueError,
        match=rf"{name}: gradient of shape \(3,\) for a variable of "
        rf"shape \(2, 2\)",
    ):
        opt.apply_gradients([(GRADS[0], a), (GRADS[0], b)])
    np.testing.assert_array_equal(a.numpy(), THETA0)  # checked before anything was updated
    np.testing.assert_array_equal(b.numpy(), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"shape \(\) for a variable of shape \(3,\)"):
        opt.apply_gradients([(1.0, a)])


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_float32_variables_stay_float32(case):
    name, kw = case
    got = run(name, kw, dtype=np.float32)
    assert all(x.dtype == np.float32 for x in got)
    np.testing.assert_allclose(got[-1], run(name, kw)[-1], rtol=1e-5, atol=1e-6)
    # a float64 gradient for a float32 variable does not promote it either
    v = dg.Variable(np.float32([1.0, 2.0]))
    getattr(optim, name)(**kw).apply_gradients([(np.array([0.5, -0.5]), v)])
    assert v.dtype == np.float32


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_two_variables_keep_separate_state(case):
    name, kw = case
    a, b = dg.Variable(THETA0.copy()), dg.Variable(-THETA0)
    opt = getattr(optim, name)(**kw)
    for g in GRADS:
        # the same gradient array for both, and b also gets a second, different one
        opt.apply_gradients([(g, a), (2 * g, b)])
    np.testing.assert_array_equal(a.numpy(), run(name, kw)[-1])
    np.testing.assert_array_equal(b.numpy(), run(name, kw, theta0=-THETA0, grads=2 * GRADS)[-1])


def test_state_does_not_alias_the_callers_gradient():
    v = dg.Variable(np.zeros(3))
    opt = optim.SGD(0.1, momentum=0.9)
    g = np.ones(3)
    opt.apply_gradients([(g, v)])
    g[:] = 100.0  # reusing the array must not reach the momentum buffer
    opt.apply_gradients([(np.ones(3), v)])
    np.testing.assert_allclose(v.numpy(), [-0.29] * 3, rtol=1e-12)


def test_reset_forgets_the_state():
    v = dg.Variable(np.zeros(3))
    opt = optim.Adam(0.1)
    opt.apply_gradients([(GRADS[0], v)])
    opt.reset()
    w = dg.Variable(v.numpy().copy())
    opt.apply_gradients([(GRADS[1], v)])
    optim.Adam(0.1).apply_gradients([(GRADS[1], w)])
    np.testing.assert_array_equal(v.numpy(), w.numpy())


def test_zero_d_variable_and_scalar_gradient():
    v = dg.Variable(1.0)
    optim.Adam(0.1, amsgrad=True).apply_gradients([(dg.constant(2.0), v)])
    assert v.shape == () and float(v) == pytest.approx(1 - 0.1 * 2 / (2 + 1e-8), rel=1e-12)


def test_non_variables_and_bad_arguments_are_refused():
    opt = optim.RMSprop()
    with pytest.raises(TypeError, match="RMSprop: can only update Variables, got Tensor"):
        opt.apply_gradients([(1.0, dg.constant(1.0))])
    with pytest.raises(TypeError, match="floating-point"):
        opt.apply_gradients([(1, dg.Variable(1, trainable=False))])
    with pytest.raises(TypeError, match="pairs"):
        opt.apply_gradients([1.0])
    with pytest.raises(ValueError, match="RMSprop.step: 2 variables but 1 gradients"):
        opt.step([dg.Variable(1.0), dg.Variable(2.0)], [1.0])


# --- validation and settings ----------------------------------------------------------------

BAD = [
    ("SGD", dict(lr=0.0), "lr", "0.0"),
    ("SGD", dict(lr=-1.0), "lr", "-1.0"),
    ("SGD", dict(lr=float("nan")), "lr", "nan"),
    ("SGD", dict(lr="0.1"), "lr", "'0.1'"),
    ("SGD", dict(momentum=-0.1), "momentum", "-0.1"),
    ("SGD", dict(momentum=1.0), "momentum", "1.0"),
    ("SGD", dict(momentum=0.9, dampening=1.5), "dampening", "1.5"),
    ("SGD", dict(weight_decay=-1e-3), "weight_decay", "-0.001"),
    ("SGD", dict(maximize="yes"), "maximize", "'yes'"),
    ("Adam", dict(lr=float("inf")), "lr", "inf"),
    ("Adam", dict(betas=(1.0, 0.999)), r"betas\[0\]", "1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), r"betas\[1\]", "-0.1"),
    ("Adam", dict(betas=0.9), "betas", "0.9"),
    ("Adam", dict(eps=-1e-8), "eps", "-1e-08"),
    ("Adam", dict(weight_decay=-0.1), "weight_decay", "-0.1"),
    ("Adam", dict(amsgrad=1), "amsgrad", "1"),
    ("AdamW", dict(weight_decay=-0.01), "weight_decay", "-0.01"),
    ("AdamW", dict(betas=(0.9, 1.5)), r"betas\[1\]", "1.5"),
    ("RMSprop", dict(alpha=1.0), "alpha", "1.0"),
    ("RMSprop", dict(alpha=-0.5), "alpha", "-0.5"),
    ("RMSprop", dict(eps=float("nan")), "eps", "nan"),
    ("RMSprop", dict(momentum=-1.0), "momentum", "-1.0"),
    ("RMSprop", dict(weight_decay=-1.0), "weight_decay", "-1.0"),
    ("Adagrad", dict(lr_decay=-0.1), "lr_decay", "-0.1"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "initial_accumulator_value", "-1.0"),
    ("Adagrad", dict(eps=-1.0), "eps", "-1.0"),
    ("Adagrad", dict(weight_decay=True), "weight_decay", "True"),
]


@pytest.mark.parametrize("name, kw, param, shown", BAD, ids=[f"{n}-{p}={s}" for n, _, p, s in BAD])
def test_bad_settings_raise_value_error_naming_optimiser_parameter_and_value(
    name, kw, param, shown
):
    with pytest.raises(ValueError, match=rf"^{name}: {param} .*got \(?{shown}"):
        getattr(optim, name)(**kw)


@pytest.mark.parametrize(
    "kw", [dict(nesterov=True), dict(momentum=0.9, dampening=0.1, nesterov=True)]
)
def test_nesterov_needs_momentum_and_no_dampening(kw):
    with pytest.raises(ValueError, match="SGD: nesterov=True needs momentum > 0 and dampening = 0"):
        optim.SGD(0.1, **kw)


def test_defaults_are_pytorchs():
    a = optim.Adam()
    assert (a.lr, a.betas, a.eps, a.weight_decay, a.amsgrad, a.maximize) == (
        1e-3,
        (0.9, 0.999),
        1e-8,
        0.0,
        False,
        False,
    )
    w = optim.AdamW()
    assert (w.lr, w.betas, w.eps, w.weight_decay, w.amsgrad) == (
        1e-3,
        (0.9, 0.999),
        1e-8,
        1e-2,
        False,
    )
    r = optim.RMSprop()
    assert (r.lr, r.alpha, r.eps, r.weight_decay, r.momentum, r.centered) == (
        1e-2,
        0.99,
        1e-8,
        0.0,
        0.0,
        False,
    )
    g = optim.Adagrad()
    assert (g.lr, g.lr_decay, g.weight_decay, g.initial_accumulator_value, g.eps) == (
        1e-2,
        0.0,
        0.0,
        0.0,
        1e-10,
    )
    s = optim.SGD()
    assert (s.lr, s.momentum, s.dampening, s.weight_decay, s.nesterov, s.maximize) == (
        0.01,
        0.0,
        0.0,
        0.0,
        False,
        False,
    )  # lr: deltagrad's historical default


def test_repr_lists_the_settings():
    assert repr(optim.SGD(0.1, True, 0.9, nesterov=True)) == (
        "SGD(lr=0.1, maximize=True, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True)"
    )
    assert repr(optim.Adam()) == (
        "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, "
        "weight_decay=0.0, amsgrad=False, maximize=False)"
    )
    assert repr(optim.AdamW(amsgrad=True)).startswith(
        "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=True"
    )
    assert repr(optim.RMSprop(centered=True)) == (
        "RMSprop(lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0.0, momentum=0.0, "
        "centered=True, maximize=False)"
    )
    assert repr(optim.Adagrad(lr_decay=0.1)) == (
        "Adagrad(lr=0.01, lr_decay=0.1, weight_decay=0.0, initial_accumulator_value=0.0, "
        "eps=1e-10, maximize=False)"
    )


def test_every_optimiser_documents_its_rule_and_parameters():
    for name in REFERENCES:
        doc = getattr(optim, name).__doc__
        assert "θ ←" in doc and "Parameters:" in doc and "maximize" in doc


# --- cross-check against PyTorch ------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_matches_torch_optim(case):
    torch = pytest.importorskip("torch")
    name, kw = case
    p = torch.tensor(THETA0.copy(), dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([p], foreach=False, **kw)
    ours = run(name, kw)
    for g, mine in zip(GRADS, ours):
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        # atol: a component that passes near 0 keeps only its absolute (≈1e-17) rounding error
        np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-12, atol=1e-15)
