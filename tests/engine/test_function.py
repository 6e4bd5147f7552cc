"""dg.function: a traced step replays the tape's numbers bit for bit, retraces on a new
signature, refuses what it cannot replay, and its source() is Python that runs."""

import os
import sys
import warnings

import numpy as np
import pytest

import deltagrad as dg

fn_module = sys.modules["deltagrad.function"]
TraceError = fn_module.TraceError
RetraceWarning = fn_module.RetraceWarning


def mlp(sizes, dtype, seed):
    rng = np.random.default_rng(seed)
    params = []
    for k, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        params.append(dg.Variable(rng.standard_normal((m, n)).astype(dtype) * 0.5, name=f"W{k}"))
        params.append(dg.Variable(rng.standard_normal(n).astype(dtype) * 0.1, name=f"b{k}"))
    return params


def mlp_step(params, opt):
    def step(x, y):
        with dg.GradientTape() as tape:
            h = x
            for k in range(0, len(params), 2):
                z = h @ params[k] + params[k + 1]
                h = dg.relu(z) if k + 2 < len(params) else z
            loss = dg.mean(dg.sparse_softmax_cross_entropy(labels=y, logits=h))
        grads = tape.gradient(loss, params)
        opt.apply_gradients(zip(grads, params))
        return loss

    return step


def batches(n_in, n_classes, batch, dtype, count=5, seed=1):
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((batch, n_in)).astype(dtype), rng.integers(0, n_classes, batch))
        for _ in range(count)
    ]


def assert_same(a_params, b_params):
    for a, b in zip(a_params, b_params):
        assert a.dtype == b.dtype
        assert np.array_equal(a.numpy(), b.numpy()), a.name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes", [(4, 8, 3), (6, 16, 12, 5)])
def test_mlp_sgd_is_bit_identical_to_the_tape_after_5_steps(dtype, sizes):
    tape_params, fn_params = mlp(sizes, dtype, 0), mlp(sizes, dtype, 0)
    eager = mlp_step(tape_params, dg.optim.SGD(lr=0.1))
    traced = dg.function(mlp_step(fn_params, dg.optim.SGD(lr=0.1)))
    for x, y in batches(sizes[0], sizes[-1], 16, dtype):
        assert np.array_equal(eager(x, y).numpy(), traced(x, y).numpy())
    assert_same(tape_params, fn_params)
    assert traced.traces == 1


def test_sgd_with_weight_decay_and_maximize_is_bit_identical():
    for make in (
        lambda: dg.optim.SGD(lr=0.05, weight_decay=0.01),
        lambda: dg.optim.SGD(lr=0.05, maximize=True),
    ):
        a, b = mlp((4, 8, 3), np.float64, 2), mlp((4, 8, 3), np.float64, 2)
        eager, traced = mlp_step(a, make()), dg.function(mlp_step(b, make()))
        for x, y in batches(4, 3, 8, np.float64, count=3):
            eager(x, y)
            traced(x, y)
        assert_same(a, b)


def model_step(W, b, scale, opt):
    """Broadcasting (bias, a (1, n) scale), basic and fancy indexing with constant keys,
    reductions over axes and over everything, tanh, sigmoid, exp, log and a power."""
    picks = np.array([0, 2, 2, 1])

    def step(x, t):
        with dg.GradientTape() as tape:
            h = dg.tanh(x @ W + b) * scale
            first = h[:, :2]
            chosen = h[:, picks]
            r = dg.sum(first, axis=1) + dg.max(h, axis=1) + dg.mean(chosen, axis=1)
            r = r + dg.log(1.0 + dg.exp(dg.sigmoid(h).sum(axis=1) / 3.0))
            loss = dg.mean((r - t) ** 2)
        grads = tape.gradient(loss, [W, b, scale])
        opt.apply_gradients(zip(grads, [W, b, scale]))
        return loss, grads[2]

    return step


def model_params(seed):
    rng = np.random.default_rng(seed)
    return (
        dg.Variable(rng.standard_normal((5, 4)), name="W"),
        dg.Variable(rng.standard_normal(4), name="b"),
        dg.Variable(rng.standard_normal((1, 4)), name="scale"),
    )


def test_a_model_with_broadcasting_indexing_and_reductions_is_bit_identical():
    a, b = model_params(3), model_params(3)
    eager = model_step(*a, dg.optim.SGD(lr=0.01))
    traced = dg.function(model_step(*b, dg.optim.SGD(lr=0.01)))
    rng = np.random.default_rng(4)
    for _ in range(5):
        x, t = rng.standard_normal((7, 5)), rng.standard_normal(7)
        (l1, g1), (l2, g2) = eager(x, t), traced(x, t)
        assert np.array_equal(l1.numpy(), l2.numpy())
        assert np.array_equal(g1.numpy(), g2.numpy())
    assert_same(a, b)


def test_a_new_batch_size_retraces_and_a_new_learning_rate_does_not():
    a, b = mlp((4, 8, 3), np.float32, 5), mlp((4, 8, 3), np.float32, 5)
    opt_a, opt_b = dg.optim.SGD(lr=0.1), dg.optim.SGD(lr=0.1)
    eager, traced = mlp_step(a, opt_a), dg.function(mlp_step(b, opt_b))
    for batch in (16, 8, 16, 8):
        for x, y in batches(4, 3, batch, np.float32, count=2, seed=batch):
            eager(x, y)
            traced(x, y)
        opt_a.lr = opt_b.lr = opt_a.lr / 2
    assert traced.traces == 2
    assert_same(a, b)


def test_retracing_more_than_8_times_warns():
    w = dg.Variable(np.ones(3))

    @dg.function
    def f(x):
        return dg.sum(x * w)

    for n in range(1, 9):
        f(np.ones((n, 3)))
    with pytest.warns(RetraceWarning, match="traced 9 times"):
        f(np.ones((9, 3)))
    assert issubclass(RetraceWarning, UserWarning)


@pytest.mark.parametrize(
    "read, what",
    [
        (lambda loss: float(loss), "float"),
        (lambda loss: bool(loss > 0), "bool"),
        (lambda loss: loss.numpy(), "numpy"),
        (lambda loss: f"{loss:.3f}", "format"),
        (lambda loss: f"{loss}", "format"),
        (lambda loss: np.asarray(loss), "asarray"),
        (lambda loss: loss.item(), "item"),
    ],
)
def test_python_reads_of_traced_values_are_refused_with_the_fix(read, what):
    w = dg.Variable(np.ones(3))

    @dg.function
    def f(x):
        loss = dg.sum(x * w)
        read(loss)
        return loss

    with pytest.raises(TraceError) as err:
        f(np.ones(3))
    message = str(err.value)
    assert what in message
    assert "test_function.py" in message  # where: the user's line
    assert "return it from the function" in message and "dg.where" in message


def test_printing_a_traced_value_shows_it_symbolically():
    seen = []

    @dg.function
    def f(x):
        y = x * 2.0
        seen.append(repr(y))
        return y

    f(np.ones(2))
    assert seen == ["Traced(shape=(2,), dtype=float64)"]


def test_a_variable_created_inside_the_step_is_refused():
    @dg.function
    def f(x):
        v = dg.Variable(np.zeros(3))
        return x + v

    with pytest.raises(TraceError, match="Variable was created inside"):
        f(np.ones(3))
    dg.Variable(np.zeros(2))  # Variables work again after the failed trace


def test_indexing_with_a_traced_array_is_refused():
    @dg.function
    def f(x, i):
        return dg.sum(x[i])

    with pytest.raises(TraceError, match="traced value as a parameter"):
        f(np.ones(4), np.array([0, 1]))


@pytest.mark.parametrize("x", [2.0, -1.5, 0.25])
def test_second_order_dg_grad_of_dg_grad_is_traced(x):
    def f(x):
        return dg.grad(dg.grad(lambda t: dg.sin(t) * t * t))(x)

    traced = dg.function(f)
    traced(np.array(1.0))  # traced once, replayed on the others
    assert np.array_equal(np.asarray(traced(np.array(x))), np.asarray(f(np.array(x))))
    assert traced.traces == 1


def test_a_hessian_vector_product_with_nested_tapes_is_bit_identical():
    w = dg.Variable(np.array([0.5, -1.0, 2.0]), name="w")

    def hvp(x, v):
        with dg.GradientTape() as outer:
            with dg.GradientTape() as inner:
                loss = dg.sum(dg.tanh(w * x) ** 2)
            gv = dg.sum(inner.gradient(loss, w) * v)
        return outer.gradient(gv, w)

    traced = dg.function(hvp)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x, v = rng.standard_normal(3), rng.standard_normal(3)
        assert np.array_equal(traced(x, v).numpy(), hvp(x, v).numpy())
    scope = {}
    exec(compile(traced.source(), "<source>", "exec"), scope)  # the source runs too
    (again,) = scope["hvp"](x, v, w.numpy().copy())
    assert np.array_equal(again, hvp(x, v).numpy())


def test_first_order_dg_grad_inside_works():
    w = dg.Variable(np.array([1.0, -2.0, 0.5]))

    def g(x):
        return dg.grad(lambda v: dg.sum(dg.tanh(v * x) ** 2))(w)

    traced = dg.function(g)
    x = np.array([0.3, 0.7, -1.1])
    assert np.array_equal(g(x).numpy(), traced(x).numpy())
    assert np.array_equal(g(2 * x).numpy(), traced(2 * x).numpy())


def test_unlowered_primitives_run_as_calls_and_stay_exact():
    w = dg.Variable(np.linspace(-1, 1, 12).reshape(3, 4))

    def f(x):
        with dg.GradientTape() as tape:
            loss = dg.sum(dg.logsumexp(x @ w, axis=1) * dg.softmax(x @ w)[:, 0])
        return loss, tape.gradient(loss, w)

    traced = dg.function(f)
    x = np.random.default_rng(0).standard_normal((5, 3))
    (l1, g1), (l2, g2) = f(x), traced(x)
    assert np.array_equal(l1.numpy(), l2.numpy()) and np.array_equal(g1.numpy(), g2.numpy())
    assert "ops.logsumexp_p.fwd" in traced.source()
    assert "logsumexp" not in dg.function.lowerings()["forward"]
    assert "matmul" in dg.function.lowerings()["forward"]
    assert "matmul/0" in dg.function.lowerings()["rules"]


STATEFUL = {
    "adam": lambda lr: dg.optim.Adam(lr=lr),
    "adam-amsgrad-l2-maximize": lambda lr: dg.optim.Adam(
        lr=lr, amsgrad=True, weight_decay=0.1, maximize=True
    ),
    "adamw": lambda lr: dg.optim.AdamW(lr=lr, weight_decay=0.05),
    "momentum": lambda lr: dg.optim.SGD(lr=lr, momentum=0.9),
    "nesterov-decay": lambda lr: dg.optim.SGD(
        lr=lr, momentum=0.9, nesterov=True, weight_decay=0.01
    ),
    "momentum-dampening": lambda lr: dg.optim.SGD(lr=lr, momentum=0.5, dampening=0.3),
    "rmsprop": lambda lr: dg.optim.RMSprop(lr=lr),
    "rmsprop-momentum": lambda lr: dg.optim.RMSprop(lr=lr, momentum=0.9),
    "rmsprop-centered": lambda lr: dg.optim.RMSprop(lr=lr, alpha=0.9, centered=True),
    "rmsprop-centered-momentum-l2-maximize": lambda lr: dg.optim.RMSprop(
        lr=lr, momentum=0.5, centered=True, weight_decay=0.1, maximize=True
    ),
    "adagrad": lambda lr: dg.optim.Adagrad(lr=lr),
    "adagrad-lr-decay-l2-accumulator": lambda lr: dg.optim.Adagrad(
        lr=lr, lr_decay=0.3, weight_decay=0.01, initial_accumulator_value=0.1
    ),
    "adagrad-maximize": lambda lr: dg.optim.Adagrad(lr=lr, eps=1e-6, maximize=True),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", sorted(STATEFUL))
def test_stateful_optimisers_are_bit_identical_to_the_tape_after_5_steps(kind, dtype):
    a, b = mlp((4, 8, 3), dtype, 2), mlp((4, 8, 3), dtype, 2)
    opt_a, opt_b = STATEFUL[kind](0.01), STATEFUL[kind](0.01)
    eager, traced = mlp_step(a, opt_a), dg.function(mlp_step(b, opt_b))
    for x, y in batches(4, 3, 8, dtype, count=5):
        assert np.array_equal(eager(x, y).numpy(), traced(x, y).numpy())
    assert_same(a, b)
    assert traced.traces == 1
    for v_a, v_b in zip(a, b):  # the optimiser's state is the eager one's too
        state_a, state_b = opt_a._state[id(v_a)][1], opt_b._state[id(v_b)][1]
        assert state_a.keys() == state_b.keys() and state_b["step"] == 5
        for key in state_a:
            assert np.array_equal(state_a[key], state_b[key]), key


@pytest.mark.parametrize(
    "kind",
    [
        "adam",
        "momentum",
        "nesterov-decay",
        "adamw",
        "rmsprop",
        "rmsprop-centered-momentum-l2-maximize",
        "adagrad",
        "adagrad-lr-decay-l2-accumulator",
    ],
)
def test_a_new_learning_rate_does_not_retrace_stateful_optimisers(kind):
    a, b = mlp((4, 8, 3), np.float64, 3), mlp((4, 8, 3), np.float64, 3)
    opt_a, opt_b = STATEFUL[kind](0.05), STATEFUL[kind](0.05)
    eager, traced = mlp_step(a, opt_a), dg.function(mlp_step(b, opt_b))
    for x, y in batches(4, 3, 8, np.float64, count=5):
        eager(x, y)
        traced(x, y)
        opt_a.lr = opt_b.lr = opt_a.lr * 0.7  # a schedule
    assert traced.traces == 1
    assert_same(a, b)


def test_traced_and_eager_steps_of_one_optimiser_can_alternate():
    a, b = mlp((4, 8, 3), np.float32, 4), mlp((4, 8, 3), np.float32, 4)
    opt_a, opt_b = dg.optim.Adam(lr=0.02), dg.optim.Adam(lr=0.02)
    eager_a, eager_b = mlp_step(a, opt_a), mlp_step(b, opt_b)
    traced_b = dg.function(eager_b)
    for k, (x, y) in enumerate(batches(4, 3, 8, np.float32, count=6)):
        eager_a(x, y)
        (traced_b if k % 3 else eager_b)(x, y)  # eager on steps 1 and 4
    assert_same(a, b)
    momentum_a, momentum_b = mlp((4, 8, 3), np.float64, 4), mlp((4, 8, 3), np.float64, 4)
    opt_a, opt_b = dg.optim.SGD(lr=0.1, momentum=0.9), dg.optim.SGD(lr=0.1, momentum=0.9)
    eager_a, eager_b = mlp_step(momentum_a, opt_a), mlp_step(momentum_b, opt_b)
    traced_b = dg.function(eager_b)
    for k, (x, y) in enumerate(batches(4, 3, 8, np.float64, count=4)):
        eager_a(x, y)
        (eager_b if k == 0 else traced_b)(x, y)  # the buffer made eagerly, used traced
    assert_same(momentum_a, momentum_b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kind", ["rmsprop-centered-momentum-l2-maximize", "adagrad-lr-decay-l2-accumulator"]
)
def test_traced_and_eager_rmsprop_and_adagrad_steps_can_alternate(kind, dtype):
    a, b = mlp((4, 8, 3), dtype, 5), mlp((4, 8, 3), dtype, 5)
    opt_a, opt_b = STATEFUL[kind](0.02), STATEFUL[kind](0.02)
    eager_a, eager_b = mlp_step(a, opt_a), mlp_step(b, opt_b)
    traced_b = dg.function(eager_b)
    for k, (x, y) in enumerate(batches(4, 3, 8, dtype, count=7)):
        loss_a = eager_a(x, y)
        loss_b = (eager_b if k in (0, 3, 4) else traced_b)(x, y)  # the state made eagerly
        assert np.array_equal(loss_a.numpy(), loss_b.numpy())
    assert_same(a, b)
    assert traced_b.traces == 1
    for v_a, v_b in zip(a, b):
        state_a, state_b = opt_a._state[id(v_a)][1], opt_b._state[id(v_b)][1]
        assert state_b["step"] == 7
        for key in state_a:
            assert np.array_equal(state_a[key], state_b[key]), key


def test_the_update_reads_as_the_optimisers_rule():
    params = mlp((4, 8, 3), np.float32, 0)
    traced = dg.function(mlp_step(params, dg.optim.Adam(lr=0.01)))
    traced(*batches(4, 3, 8, np.float32, count=1)[0])
    update = traced.source().split("# update")[1]
    assert "m_W1 *= 0.9" in update and "m_W1 += (1 - 0.9) * dW1" in update
    assert "W1 -= lr / (1 - 0.9 ** t_W1) * m_W1 / (np.sqrt(v_W1)" in update
    params = mlp((4, 8, 3), np.float32, 0)
    traced = dg.function(mlp_step(params, dg.optim.SGD(lr=0.1, momentum=0.9)))
    traced(*batches(4, 3, 8, np.float32, count=1)[0])
    update = traced.source().split("# update")[1]
    assert "if first_W1:\n        b_W1[...] = dW1\n    else:\n        b_W1 *= 0.9" in update
    assert "W1 -= lr * b_W1" in update
    params = mlp((4, 8, 3), np.float32, 0)
    opt = dg.optim.RMSprop(lr=0.01, momentum=0.9, centered=True)
    traced = dg.function(mlp_step(params, opt))
    traced(*batches(4, 3, 8, np.float32, count=1)[0])
    update = traced.source().split("# update")[1]
    assert "v_W1 *= 0.99" in update and "v_W1 += (1 - 0.99) * (dW1 * dW1)" in update
    assert "gavg_W1 += (1 - 0.99) * dW1" in update
    assert "np.maximum(v_W1 - gavg_W1 * gavg_W1, 0)" in update
    assert "b_W1 *= 0.9" in update and "W1 -= lr * b_W1" in update
    params = mlp((4, 8, 3), np.float32, 0)
    traced = dg.function(mlp_step(params, dg.optim.Adagrad(lr=0.1, lr_decay=0.5)))
    traced(*batches(4, 3, 8, np.float32, count=1)[0])
    update = traced.source().split("# update")[1]
    assert "s_W1 += dW1 * dW1" in update
    assert "W1 -= lr / (1 + (t_W1 - 1) * 0.5) * dW1 / (np.sqrt(s_W1) + 1e-10)" in update


def test_unsupported_optimisers_are_refused():
    class Halving(dg.optim.Optimizer):  # an optimiser of the user's own
        def _update(self, theta, g, state):
            return theta - 0.5 * self.lr * g

    class MyAdam(dg.optim.Adam):  # a subclass may change the rule: not lowered either
        pass

    params = mlp((4, 8, 3), np.float32, 0)
    for opt in (Halving(lr=0.1), MyAdam()):
        traced = dg.function(mlp_step(params, opt))
        with pytest.raises(TraceError, match="no lowering yet.*RMSprop.*apply them outside"):
            traced(*batches(4, 3, 8, np.float32, count=1)[0])
    assert "RMSprop" in " ".join(dg.function.lowerings()["updates"])
    assert "Adagrad" in " ".join(dg.function.lowerings()["updates"])


def test_two_adam_steps_on_one_variable_in_one_call_are_refused():
    w = dg.Variable(np.ones(3), name="w")
    opt = dg.optim.Adam()

    @dg.function
    def f(x):
        for _ in range(2):
            with dg.GradientTape() as tape:
                loss = dg.sum(w * x)
            opt.apply_gradients([(tape.gradient(loss, w), w)])
        return loss

    with pytest.raises(TraceError, match="updates the Variable 'w'.*twice"):
        f(np.ones(3))
    assert opt._state == {}  # nothing stepped


def test_source_is_python_that_runs_and_gives_the_same_numbers():
    params = mlp((4, 8, 3), np.float32, 7)
    start = [p.numpy().copy() for p in params]
    traced = dg.function(mlp_step(params, dg.optim.SGD(lr=0.1)))
    x, y = batches(4, 3, 16, np.float32, count=1)[0]
    loss = traced(x, y)
    source = traced.source()
    for line in (
        "def step(x, y, W1, b1, W2, b2, lr):",
        "# ∂L/∂z = ∂L/∂out · Wᵀ",
    )[:1]:
        assert line in source
    assert "dW2 = h" not in source or "@" in source
    assert "W1 -= lr * dW1" in source and "# ∂" in source and "ᵀ" in source
    scope = {}
    exec(compile(source, "<source>", "exec"), scope)
    arrays = [a.copy() for a in start]
    (loss_again,) = scope["step"](x, y, *arrays, 0.1)
    assert np.array_equal(loss_again, loss.numpy())
    for a, p in zip(arrays, params):
        assert np.array_equal(a, p.numpy())


def test_python_side_effects_run_only_while_tracing_and_globals_are_frozen():
    calls = []
    offset = np.array([1.0, 2.0])
    w = dg.Variable(np.array([1.0, 1.0]))

    @dg.function
    def f(x):
        calls.append(1)
        return x * w + offset

    f(np.zeros(2))
    offset[:] = 100.0  # frozen: the trace keeps the array it saw
    w.assign([3.0, 3.0])  # a Variable is read afresh on every call
    out = f(np.ones(2))
    assert calls == [1]
    assert out.numpy().tolist() == [4.0, 5.0]


def test_an_array_the_user_holds_keeps_its_values_as_with_the_tape():
    params = mlp((4, 8, 3), np.float64, 0)
    traced = dg.function(mlp_step(params, dg.optim.SGD(lr=0.1)))
    batch = batches(4, 3, 8, np.float64, count=2)
    traced(*batch[0])
    held = params[0].numpy()
    before = held.copy()
    traced(*batch[1])
    assert np.array_equal(held, before)
    assert not np.array_equal(params[0].numpy(), before)


def test_assign_sub_inside_is_an_update():
    w = dg.Variable(np.array([1.0, 2.0]))

    @dg.function
    def f(x):
        with dg.GradientTape() as tape:
            loss = dg.sum((w * x) ** 2)
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    w_eager = dg.Variable(np.array([1.0, 2.0]))
    for x in (np.array([1.0, 0.5]), np.array([0.2, 0.3])):
        with dg.GradientTape() as tape:
            dg.sum((w_eager * x) ** 2)
            loss = dg.sum((w_eager * x) ** 2)
        w_eager.assign_sub(0.1 * tape.gradient(loss, w_eager))
        f(x)
    assert np.array_equal(w.numpy(), w_eager.numpy())


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend 'jax'"):
        dg.function(lambda x: x, backend="jax")


NUMBA_TOLERANCE = {np.float32: 1e-5, np.float64: 1e-13}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_numba_backend_stays_close_to_the_numpy_backend(dtype):
    pytest.importorskip("numba")
    a, b = mlp((6, 16, 12, 5), dtype, 0), mlp((6, 16, 12, 5), dtype, 0)
    numpy_step = dg.function(mlp_step(a, dg.optim.Adam(lr=0.01)))
    numba_step = dg.function(mlp_step(b, dg.optim.Adam(lr=0.01)), backend="numba")
    for x, y in batches(6, 5, 16, dtype):
        loss_a, loss_b = numpy_step(x, y), numba_step(x, y)
        assert loss_a.dtype == loss_b.dtype == dtype
    for p, q in zip(a, b):
        assert q.dtype == dtype
        scale = np.max(np.abs(p.numpy()))
        assert np.max(np.abs(p.numpy() - q.numpy())) <= NUMBA_TOLERANCE[dtype] * scale, p.name
    fast = numba_step._last.fast_source
    assert fast.count("__kernel") >= 5  # bias + ReLU, the ReLU rule, the updates: fused
    assert "__np_matmul(" in fast  # the matrix products stay NumPy's


def test_the_numba_backend_on_broadcasting_indexing_and_reductions():
    pytest.importorskip("numba")
    a, b = model_params(3), model_params(3)
    eager = model_step(*a, dg.optim.SGD(lr=0.01, momentum=0.9))
    traced = dg.function(model_step(*b, dg.optim.SGD(lr=0.01, momentum=0.9)), backend="numba")
    rng = np.random.default_rng(4)
    for _ in range(5):
        x, t = rng.standard_normal((7, 5)), rng.standard_normal(7)
        (l1, _), (l2, _) = eager(x, t), traced(x, t)
        assert abs(float(l1) - float(l2)) <= 1e-12 * abs(float(l1))
    for p, q in zip(a, b):
        assert np.allclose(p.numpy(), q.numpy(), rtol=1e-12, atol=1e-14)


def test_numba_kernels_are_files_in_a_private_cache_folder():
    pytest.importorskip("numba")
    numba_backend = sys.modules["deltagrad.function._numba"]
    w = dg.Variable(np.ones((3, 4)), name="w")

    @dg.function(backend="numba")
    def f(x):
        return dg.relu(x * w + 1.0) * 2.0

    x = np.linspace(-2, 2, 12).reshape(3, 4)
    assert np.array_equal(f(x).numpy(), dg.relu(x * w + 1.0).numpy() * 2.0)
    folder = numba_backend._folder()
    if folder is None:
        pytest.skip("no private folder for Numba's cache on this machine")
    assert (os.stat(folder).st_mode & 0o077) == 0  # nobody else may write the pickles
    kernels = [n for n in os.listdir(folder) if n.startswith("dgfn_") and n.endswith(".py")]
    assert kernels


def test_without_numba_the_numba_backend_says_so(monkeypatch):
    numba_backend = sys.modules["deltagrad.function._numba"]
    monkeypatch.setattr(numba_backend, "available", lambda: "ImportError: no numba here")
    with pytest.raises(ImportError, match="backend='numba' needs Numba.*no numba here"):
        dg.function(lambda x: x, backend="numba")


def test_source_before_a_call_and_the_repr():
    f = dg.function(lambda x: x * 2.0)
    with pytest.raises(RuntimeError, match="call the function first"):
        f.source()
    f(np.ones(2))
    assert "1 trace" in repr(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(np.ones(2))


def test_calls_that_differ_from_the_last_trace_take_the_right_trace():
    w = dg.Variable(np.arange(6.0).reshape(3, 2), name="w")

    def f(x):
        return dg.sum(dg.tanh(x @ w), axis=0)

    traced = dg.function(f)
    x = np.random.default_rng(0).standard_normal((4, 3))
    calls = [
        x,
        np.asfortranarray(x),  # another memory layout
        x.astype(np.float32),  # another dtype
        x[:3],  # another shape
        dg.constant(x),  # a Tensor
        x,  # back to the first signature
    ]
    for arg in calls:
        assert np.array_equal(traced(arg).numpy(), f(arg).numpy())
    assert traced.traces == 5


@pytest.mark.parametrize(
    "read, what",
    [
        (lambda w: w.numpy() * 2, "numpy"),
        (lambda w: float(w), "float(v)"),
        (lambda w: int(w), "int(v)"),
        (lambda w: bool(w), "bool(v)"),
        (lambda w: w.item(), "item"),
        (lambda w: np.asarray(w), "asarray"),
        (lambda w: f"{w:.2f}", "format"),
        (lambda w: [0.0, 1.0][w], "index"),
    ],
)
def test_python_reads_of_a_variable_inside_are_refused_with_the_fix(read, what):
    w = dg.Variable(np.array(1.0), name="W")

    @dg.function
    def f(x):
        scale = read(w)
        return x * scale

    with pytest.raises(TraceError) as err:
        f(np.ones(3))
    message = str(err.value)
    assert what in message and "the Variable 'W'" in message
    assert "test_function.py" in message
    assert "compute with the Variable itself" in message and "outside the function" in message
    # Outside a trace, reading a Variable works again (the refusals were put back).
    assert float(w) == 1.0 and w.numpy() == 1.0 and bool(w) and f"{w:.1f}" == "1.0"
    assert "__float__" not in vars(dg.Variable)


def test_variables_used_as_tensors_inside_are_fine_and_read_afresh():
    w = dg.Variable(np.array([1.0, 2.0]), name="w")

    @dg.function
    def f(x):
        return dg.sum(x * w) + w[0] * len(w)  # ops on it, its shape: not value reads

    assert f(np.ones(2)).numpy() == 5.0
    w.assign([3.0, 1.0])
    assert f(np.ones(2)).numpy() == 10.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_lowered_sigmoid_gives_the_engines_numbers_at_the_extremes(dtype):
    def f(x):
        return dg.sigmoid(x)

    traced = dg.function(f)
    traced(np.linspace(-3, 3, 8).astype(dtype))  # traced on ordinary values
    x = np.array([-1e4, -120.0, -0.0, 0.0, 1e-30, 90.0, 1e4, np.nan], dtype=dtype)
    assert np.array_equal(traced(x).numpy(), f(x).numpy(), equal_nan=True)
    assert "np.maximum(e, x >= 0) / (1.0 + e)" in traced.source()


def test_a_traced_function_called_inside_another_is_part_of_its_trace():
    params = mlp((4, 8, 3), np.float64, 1)
    eager_params = mlp((4, 8, 3), np.float64, 1)
    inner = dg.function(mlp_step(params, dg.optim.SGD(lr=0.1)))
    data = batches(4, 3, 8, np.float64, count=4)
    inner(*data[0])  # traced and replayed on its own first

    @dg.function
    def two_steps(x, y, x2, y2):
        inner(x, y)
        return inner(x2, y2)

    eager = mlp_step(eager_params, dg.optim.SGD(lr=0.1))
    eager(*data[0])
    for x, y in [data[1:3], data[2:4]]:
        loss = two_steps(*x, *y)
        eager(*x)
        assert np.array_equal(loss.numpy(), eager(*y).numpy())
    assert_same(eager_params, params)
    assert two_steps.traces == 1


def test_a_run_numba_cannot_compile_stays_numpys(monkeypatch):
    pytest.importorskip("numba")
    numba_backend = sys.modules["deltagrad.function._numba"]

    def broken(source):
        def kernel(*args):
            raise TypeError("numba could not type this")

        return kernel

    monkeypatch.setattr(numba_backend, "compile_kernel", broken)
    a, b = mlp((4, 8, 3), np.float64, 0), mlp((4, 8, 3), np.float64, 0)
    eager = mlp_step(a, dg.optim.SGD(lr=0.1))
    traced = dg.function(mlp_step(b, dg.optim.SGD(lr=0.1)), backend="numba")
    for x, y in batches(4, 3, 8, np.float64, count=3):
        eager(x, y)
        traced(x, y)
    assert_same(a, b)  # every run fell back to NumPy's calls: the tape's numbers
    assert "__kernel" not in traced._last.fast_source


def test_other_threads_use_variables_and_ops_as_usual_while_a_function_traces():
    import threading

    w = dg.Variable(np.array([1.0, 2.0]), name="w")
    other = dg.Variable(np.array(3.0), name="other")
    seen = {}

    def elsewhere():
        seen["float"] = float(other)
        seen["new"] = dg.Variable(np.zeros(2)).numpy().tolist()
        other.assign(4.0)
        with dg.GradientTape() as tape:
            y = dg.sum(other * other)
        seen["grad"] = float(tape.gradient(y, other))
        seen["value"] = float(y)

    @dg.function
    def f(x):
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        return dg.sum(x * w)

    assert f(np.ones(2)).numpy() == 3.0
    assert seen == {"float": 3.0, "new": [0.0, 0.0], "grad": 8.0, "value": 16.0}
    assert float(other) == 4.0
    assert f(np.ones(2)).numpy() == 3.0 and len(seen) == 4  # the replay runs no Python


def test_numba_runs_do_not_read_a_view_of_an_array_they_write():
    pytest.importorskip("numba")
    w = dg.constant(np.arange(6.0).reshape(6, 1))

    def f(x):
        h = dg.tanh(x * 1.5)
        y = dg.exp(h.T) + h
        z = dg.exp(h.T) * h  # its result may take h's array: h.T[i, j] is h[j, i]
        return y @ w, z @ w

    traced = dg.function(f, backend="numba")
    x = np.random.default_rng(0).standard_normal((6, 6))
    traced(x)
    for got, want in zip(traced(x + 0.5), f(x + 0.5)):
        assert np.allclose(got.numpy(), want.numpy(), rtol=1e-13, atol=0)
