"""Optional cross-checks against PyTorch's autograd in float64 (skipped without torch)."""

import numpy as np
import pytest

import deltagrad as dg

torch = pytest.importorskip("torch")


def dg_grads(f, *arrays):
    ts = [dg.constant(a) for a in arrays]
    with dg.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return y.numpy(), [g.numpy() for g in tape.gradient(y, ts)]


def torch_grads(f, *arrays):
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    y = f(*ts)
    grads = torch.autograd.grad(y, ts)
    return y.detach().numpy(), [g.numpy() for g in grads]


CASES = [
    pytest.param(
        lambda x, w: dg.sum(dg.tanh(x @ w)),
        lambda x, w: torch.tanh(x @ w).sum(),
        [(3, 4), (4, 2)],
        id="tanh-matmul",
    ),
    pytest.param(
        lambda x, w: dg.mean(dg.sigmoid(x * w)),
        lambda x, w: torch.sigmoid(x * w).mean(),
        [(3, 4), (4,)],
        id="sigmoid-broadcast",
    ),
    pytest.param(
        lambda z, c: dg.sum(dg.softmax(z, axis=0) * c),
        lambda z, c: (torch.softmax(z, dim=0) * c).sum(),
        [(3, 4), (3, 4)],
        id="softmax",
    ),
    pytest.param(
        lambda z, c: dg.sum(dg.log_softmax(z) * c),
        lambda z, c: (torch.log_softmax(z, dim=-1) * c).sum(),
        [(3, 4), (3, 4)],
        id="log_softmax",
    ),
    pytest.param(
        lambda x, y: dg.sum(dg.maximum(x, y) ** 2 / (1 + dg.exp(y))),
        lambda x, y: (torch.maximum(x, y) ** 2 / (1 + torch.exp(y))).sum(),
        [(3, 4), (1, 4)],
        id="maximum-div-exp",
    ),
    pytest.param(
        lambda x, y: dg.sum(dg.max(x, axis=1) * dg.sqrt(dg.abs(y))),
        lambda x, y: (torch.amax(x, dim=1) * torch.sqrt(torch.abs(y))).sum(),
        [(3, 4), (3,)],
        id="max-sqrt",
    ),
    pytest.param(
        lambda x, y: dg.sum(dg.relu(x)[[0, 0, 2]] * dg.leaky_relu(y, alpha=0.1)),
        lambda x, y: (torch.relu(x)[[0, 0, 2]] * torch.nn.functional.leaky_relu(y, 0.1)).sum(),
        [(3, 4), (4,)],
        id="relu-index-leaky",
    ),
    pytest.param(
        lambda x, y: dg.sum(dg.abs(x) ** y),
        lambda x, y: (torch.abs(x) ** y).sum(),
        [(4,), (4,)],
        id="abs-pow",
    ),
]


@pytest.mark.parametrize("f_dg, f_torch, shapes", CASES)
def test_gradients_match_torch(f_dg, f_torch, shapes, rng):
    arrays = [rng.uniform(0.2, 1.5, size=s) * rng.choice([-1.0, 1.0], size=s) for s in shapes]
    v1, g1 = dg_grads(f_dg, *arrays)
    v2, g2 = torch_grads(f_torch, *arrays)
    np.testing.assert_allclose(v1, v2, rtol=1e-12)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_softmax_cross_entropy_matches_torch(rng):
    logits = rng.normal(size=(5, 4))
    labels = np.eye(4)[rng.integers(0, 4, size=5)]
    z = dg.constant(logits)
    with dg.GradientTape() as tape:
        tape.watch(z)
        loss = dg.mean(dg.softmax_cross_entropy(labels=labels, logits=z))
    zt = torch.tensor(logits, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor(labels.argmax(axis=1)))
    (gt,) = torch.autograd.grad(lt, zt)
    assert float(loss) == pytest.approx(lt.item(), rel=1e-12)
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), gt.numpy(), rtol=1e-10, atol=1e-15)


def test_himmelblau_hessian_matches_torch():
    def f_dg(v):
        return (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2

    point = np.array([-1.3, 2.1])
    v = dg.constant(point)
    with dg.GradientTape(persistent=True) as outer:
        outer.watch(v)
        with dg.GradientTape() as inner:
            inner.watch(v)
            y = f_dg(v)
        g = inner.gradient(y, v)
        rows = [g[0], g[1]]
    hessian = np.array([outer.gradient(r, v).numpy() for r in rows])
    expected = torch.autograd.functional.hessian(
        lambda t: (t[0] ** 2 + t[1] - 11) ** 2 + (t[0] + t[1] ** 2 - 7) ** 2, torch.tensor(point)
    )
    np.testing.assert_allclose(hessian, expected.numpy(), rtol=1e-12)
