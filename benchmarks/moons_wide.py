"""A wide network on many points: when the compiled engine pays and when BLAS does.

    python benchmarks/moons_wide.py               # the 2-256-256-2 table, about a minute
    python benchmarks/moons_wide.py --crossover   # the grid behind engine="auto"'s rule

The table: the 2 → 256 → 256 → 2 sigmoid network (MSE, lr 0.01) on 20,000 moons points, one
epoch of SGD at batch 1, 32 and 128, in deltagrad's NumPy engine (one BLAS matrix product per
layer and batch), its compiled engine (Numba, one sample at a time inside the kernel), what
``engine="auto"`` picks, and PyTorch eager (float64, one thread) and JAX (jit of lax.scan over
the batches, float64) when installed. Everything starts from the same weights and is timed on
whole epochs round-robin, best of ``--repeats``; the last column is each one's largest weight
difference from the NumPy engine after one epoch.

The grid (``--crossover``): compiled / NumPy time per epoch on 4,000 points for networks from
2-16-2 to 2-512-512-2 and batches from 1 to 512, beside batch · sqrt(multiply-adds per
sample), the quantity :func:`deltagrad.backprop.resolve_engine` compares with
:data:`deltagrad.backprop.AUTO_NUMPY_FROM`. BLAS runs on one thread throughout.
"""

from __future__ import annotations

import argparse
import math
import os
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np  # noqa: E402  (the thread limits must be set before NumPy loads its BLAS)
from _timing import max_diff  # noqa: E402

from deltagrad import fast  # noqa: E402
from deltagrad.backprop import (  # noqa: E402
    AUTO_NUMPY_FROM,
    NeuralNetwork,
    _train_epoch_numpy,
    multiply_adds,
    resolve_engine,
)
from deltagrad.data import moons, one_hot  # noqa: E402

LR = 0.01


def data(n: int):
    X, y = moons(n, 0.2, 100)
    return np.ascontiguousarray(X, dtype=np.float64), one_hot(y, 2)


def network(sizes):
    return NeuralNetwork.build(sizes, "sigmoid", "mse", rng=0)


# --- implementations: make(sizes, X, Y, batch) -> (run one epoch, current [(W, b), ...]) ------


def numpy_engine(sizes, X, Y, batch):
    net = network(sizes)
    return (
        lambda: _train_epoch_numpy(net, X, Y, LR, batch),
        lambda: list(zip(net.weights, net.biases)),
    )


def compiled_engine(sizes, X, Y, batch):
    fast.warm_up()
    net = network(sizes)
    trainer = fast.Trainer(net.weights, net.biases, net.activations, "mse", X, Y, LR, batch)
    return trainer.epoch, lambda: list(zip(net.weights, net.biases))


def torch_eager(sizes, X, Y, batch):
    import torch

    torch.set_num_threads(1)
    net = network(sizes)
    params = [
        torch.tensor(a, requires_grad=True) for W, b in zip(net.weights, net.biases) for a in (W, b)
    ]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def epoch():
        for start in range(0, len(Xt), batch):
            o, t = Xt[start : start + batch], Yt[start : start + batch]
            for W, b in zip(params[::2], params[1::2]):
                o = torch.sigmoid(o @ W + b)
            loss = 0.5 * torch.sum((o - t) ** 2) / len(t)  # the mean of the samples' losses
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= LR * g

    return epoch, lambda: [
        (W.detach().numpy(), b.detach().numpy()) for W, b in zip(params[::2], params[1::2])
    ]


def jax_scan(sizes, X, Y, batch):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    net = network(sizes)
    n = len(X) // batch * batch  # whole batches in the scan; the rest as one last step

    def loss(params, x, t):
        for W, b in params:
            x = jax.nn.sigmoid(x @ W + b)
        return 0.5 * jnp.sum((x - t) ** 2) / x.shape[0]

    grad = jax.grad(loss)

    def step(params, xt):
        g = grad(params, *xt)
        return jax.tree_util.tree_map(lambda p, dp: p - LR * dp, params, g), None

    @jax.jit
    def run_epoch(params, Xb, Yb, Xr, Yr):
        params = jax.lax.scan(step, params, (Xb, Yb))[0]
        return step(params, (Xr, Yr))[0] if Xr.shape[0] else params

    state = {"params": [(jnp.asarray(W), jnp.asarray(b)) for W, b in zip(net.weights, net.biases)]}
    Xb = jnp.asarray(X[:n].reshape(-1, batch, X.shape[1]))
    Yb = jnp.asarray(Y[:n].reshape(-1, batch, Y.shape[1]))
    Xr, Yr = jnp.asarray(X[n:]), jnp.asarray(Y[n:])

    def epoch():
        state["params"] = jax.block_until_ready(run_epoch(state["params"], Xb, Yb, Xr, Yr))

    return epoch, lambda: [(np.asarray(W), np.asarray(b)) for W, b in state["params"]]


IMPLEMENTATIONS = [
    ("deltagrad NumPy engine", numpy_engine),
    ("deltagrad compiled engine", compiled_engine),
    ("PyTorch eager, float64", torch_eager),
    ("JAX jit + lax.scan, float64", jax_scan),
]


def _epoch_seconds(epoch) -> float:
    start = time.perf_counter()
    epoch()
    return time.perf_counter() - start


def table(repeats: int) -> None:
    sizes = [2, 256, 256, 2]
    X, Y = data(20_000)
    print(
        f"2-256-256-2 sigmoid, MSE, lr {LR}, 20,000 moons points: one epoch, best of {repeats}, "
        f"round-robin; {multiply_adds(sizes):,} multiply-adds per sample"
    )
    names = []
    for batch in (1, 32, 128):
        made = []
        for name, make in IMPLEMENTATIONS:
            try:
                made.append((name, *make(sizes, X, Y, batch)))
            except ImportError:
                if batch == 1:
                    print(f"{name}: not installed, skipped")
        if not names:
            names = [m[0] for m in made]
            print(f"{'batch':>5}{'auto picks':>12}" + "".join(f"{n[:26]:>28}" for n in names))
        diffs = {}
        for name, epoch, params in made:
            epoch()  # warm-up (JAX compiles here) and the agreement check after one epoch
            diffs[name] = [(np.array(W), np.array(b)) for W, b in params()]  # copies
        ref = diffs[names[0]]
        best = {name: math.inf for name, *_ in made}
        for _ in range(repeats):
            for name, epoch, _params in made:
                best[name] = min(best[name], _epoch_seconds(epoch))
        auto = resolve_engine("auto", sizes, batch)
        line = f"{batch:>5}{auto:>12}"
        for name, *_ in made:
            ratio = best[name] / best[names[0]]
            line += f"{best[name]:>9.3f} s {ratio:>5.2f}x {max_diff(diffs[name], ref):>7.0e}"
        print(line, flush=True)
    print("(each cell: seconds per epoch, time / NumPy engine, max |w − w_numpy| after 1 epoch)")


def crossover(repeats: int) -> None:
    X, Y = data(4000)
    fast.warm_up()
    print(
        "compiled / NumPy engine, seconds per epoch on 4,000 points (sigmoid, MSE); "
        f"auto picks NumPy from batch·sqrt(MACs) >= {AUTO_NUMPY_FROM:g}"
    )
    print(
        f"{'network':>16}{'MACs':>8}{'batch':>6}{'b*sqrt(MACs)':>14}{'numpy':>10}"
        f"{'compiled':>10}{'c / np':>8}{'auto':>10}"
    )
    for hidden in [(16,), (25, 50, 25), (64, 64), (128, 128), (256, 256), (512, 512)]:
        sizes = [2, *hidden, 2]
        macs = multiply_adds(sizes)
        for batch in (1, 4, 8, 16, 32, 64, 128, 512):
            if batch == 1 and macs > 100_000:
                continue  # the NumPy engine is hopeless per sample on wide networks
            run_np, _ = numpy_engine(sizes, X, Y, batch)
            run_c, _ = compiled_engine(sizes, X, Y, batch)
            t_np = t_c = math.inf
            for _ in range(repeats):
                t_np = min(t_np, _epoch_seconds(run_np))
                t_c = min(t_c, _epoch_seconds(run_c))
            auto = resolve_engine("auto", sizes, batch)
            print(
                f"{'-'.join(map(str, sizes)):>16}{macs:>8}{batch:>6}"
                f"{batch * math.sqrt(macs):>14.0f}"
                f"{t_np * 1e3:>8.1f}ms{t_c * 1e3:>8.1f}ms{t_c / t_np:>8.2f}{auto:>10}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--crossover", action="store_true", help="the grid behind auto's rule")
    args = parser.parse_args()
    if args.crossover:
        crossover(args.repeats)
    else:
        table(args.repeats)


if __name__ == "__main__":
    main()
