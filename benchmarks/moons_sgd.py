"""The chapter's protocol (Section 7.9) step for step, in five implementations, side by side.

    python benchmarks/moons_sgd.py            # about ten seconds
    python benchmarks/moons_sgd.py --repeats 9

One step is one per-sample SGD update of the 2 → 25 → 50 → 25 → 2 sigmoid network (MSE
against one-hot targets, learning rate 0.01); an epoch is the 1,400 training points in order,
and the chapter trains 1,000 epochs (1.4 million steps). Every implementation starts from
the same weights and is timed on whole epochs, round-robin, so machine noise hits all of them
alike; the table gives the best epoch of each, per step, and what 1,000 epochs would take.

  (a) the chapter's listing in plain NumPy (benchmarks/chapter_listing.py, bias bug and all)
  (b) deltagrad, NumPy engine   (what NeuralNetwork.train(engine="numpy") runs per epoch)
  (c) deltagrad, compiled engine (what train(engine="compiled") runs: one kernel call)
  (d) JAX: jit of lax.scan over the epoch's samples, float64       (if JAX is installed)
  (e) PyTorch eager, float64, autograd and an in-place update      (if PyTorch is installed)

Targets: (c) at least 60 times faster than (a) and 1.5 times faster than (d). Every engine's
weights after one epoch are checked against (b) (the chapter's listing differs: it never
updates its biases). JAX and PyTorch are optional (``pip install -e .[bench]``) and run on
one CPU thread here, like the others.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np  # noqa: E402  (XLA_FLAGS must be set before JAX is imported)
from chapter_listing import Layer as ChapterLayer  # noqa: E402
from chapter_listing import NeuralNetwork as ChapterNetwork  # noqa: E402

from deltagrad import fast  # noqa: E402
from deltagrad.backprop import NeuralNetwork, _train_epoch_numpy  # noqa: E402
from deltagrad.data import chapter_data, one_hot  # noqa: E402

SIZES = [2, 25, 50, 25, 2]
LR = 0.01
EPOCHS = 1000
MIN_SECONDS = 0.2  # each timing runs whole epochs for at least this long


def start_weights(seed: int):
    net = NeuralNetwork.build(SIZES, "sigmoid", "mse", rng=seed)
    return [(W.copy(), b.copy()) for W, b in zip(net.weights, net.biases)]


# --- the five implementations: each returns (run one epoch, current [(W, b), ...]) ---------


def chapter(weights, X, Y):
    nn = ChapterNetwork()
    for W, b in weights:
        nn.add_layer(ChapterLayer(*W.shape, "sigmoid", weights=W.copy(), bias=b.copy()))

    def epoch():
        for j in range(len(X)):  # the chapter's inner loop, one sample per call
            nn.backpropagation(X[j], Y[j], LR)

    return epoch, lambda: [(layer.weights, layer.bias) for layer in nn._layers]


def deltagrad_network(weights):
    net = NeuralNetwork.build(SIZES, "sigmoid", "mse", rng=0)
    for layer, (W, b) in zip(net.layers, weights):
        layer.weights[...], layer.bias[...] = W, b
    return net


def deltagrad_numpy(weights, X, Y):
    net = deltagrad_network(weights)

    def epoch():
        _train_epoch_numpy(net, X, Y, LR, 1)

    return epoch, lambda: list(zip(net.weights, net.biases))


def deltagrad_compiled(weights, X, Y):
    fast.warm_up()
    net = deltagrad_network(weights)
    trainer = fast.Trainer(net.weights, net.biases, net.activations, "mse", X, Y, LR, 1)
    return trainer.epoch, lambda: list(zip(net.weights, net.biases))


def jax_scan(weights, X, Y):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def loss(params, x, t):
        for W, b in params:
            x = jax.nn.sigmoid(x @ W + b)
        return 0.5 * jnp.sum((x - t) ** 2)

    grad = jax.grad(loss)

    def step(params, sample):
        g = grad(params, *sample)
        return jax.tree_util.tree_map(lambda p, dp: p - LR * dp, params, g), None

    @jax.jit
    def run_epoch(params, X, Y):
        return jax.lax.scan(step, params, (X, Y))[0]

    state = {"params": [(jnp.asarray(W), jnp.asarray(b)) for W, b in weights]}
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def epoch():
        state["params"] = jax.block_until_ready(run_epoch(state["params"], Xj, Yj))

    return epoch, lambda: [(np.asarray(W), np.asarray(b)) for W, b in state["params"]]


def torch_eager(weights, X, Y):
    import torch

    torch.set_num_threads(1)
    params = [
        torch.tensor(a, dtype=torch.float64, requires_grad=True) for pair in weights for a in pair
    ]
    Xt, Yt = torch.tensor(X), torch.tensor(Y)

    def epoch():
        for j in range(len(Xt)):
            o = Xt[j]
            for W, b in zip(params[::2], params[1::2]):
                o = torch.sigmoid(o @ W + b)
            loss = 0.5 * torch.sum((o - Yt[j]) ** 2)
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= LR * g

    return epoch, lambda: [
        (W.detach().numpy(), b.detach().numpy()) for W, b in zip(params[::2], params[1::2])
    ]


IMPLEMENTATIONS = [
    ("(a) chapter listing, plain NumPy", chapter),
    ("(b) deltagrad, NumPy engine", deltagrad_numpy),
    ("(c) deltagrad, compiled engine", deltagrad_compiled),
    ("(d) JAX jit + lax.scan, float64", jax_scan),
    ("(e) PyTorch eager, float64", torch_eager),
]


# --- measuring -----------------------------------------------------------------------------


def relative_difference(params, reference) -> float:
    a = np.concatenate([np.ravel(x) for pair in params for x in pair])
    b = np.concatenate([np.ravel(x) for pair in reference for x in pair])
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def prepare(seed: int):
    """Every available implementation, built from the same weights and checked after one
    epoch against (b); returns [(name, epoch, epochs per timing, difference)]."""
    X_train, _, y_train, _ = chapter_data()
    X, Y = np.ascontiguousarray(X_train), one_hot(y_train, 2)
    weights = start_weights(seed)
    ready, reference = [], None
    for name, make in IMPLEMENTATIONS:
        try:
            epoch, params = make(weights, X, Y)
        except ImportError as err:
            print(f"{name}: skipped ({err})")
            continue
        epoch()  # the first epoch: warm-up (JAX compiles here) and the agreement check
        if reference is None and name.startswith("(b)"):
            reference = [(W.copy(), b.copy()) for W, b in params()]
        ready.append((name, epoch, params))
    rows = []
    for name, epoch, params in ready:
        diff = relative_difference(params(), reference) if reference else float("nan")
        t = _time_once(epoch, 1)
        rows.append((name, epoch, max(1, math.ceil(MIN_SECONDS / t)), diff))
    return rows, len(X)


def _time_once(epoch, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        epoch()
    return (time.perf_counter() - start) / n


def measure(rows, repeats: int) -> list[float]:
    """Best seconds per epoch of each implementation, timed round-robin."""
    best = [math.inf] * len(rows)
    for _ in range(repeats):
        for i, (_, epoch, n, _) in enumerate(rows):
            best[i] = min(best[i], _time_once(epoch, n))
    return best


def report(rows, best, steps: int) -> None:
    names = [r[0] for r in rows]
    per_step = [t / steps for t in best]
    ref_a = per_step[0] if names[0].startswith("(a)") else math.nan
    ref_c = dict(zip(names, per_step)).get("(c) deltagrad, compiled engine", math.nan)
    print(
        f"\nPer-sample SGD on {' → '.join(map(str, SIZES))} (sigmoid, MSE, lr {LR}), "
        f"{steps} steps per epoch; best epoch of each, timed round-robin."
    )
    print(_versions() + "\n")
    print(
        f"{'implementation':<36}{'per step':>11}{'1,000 epochs':>14}{'(a) / this':>12}"
        f"{'this / (c)':>12}{'vs (b) after 1 epoch':>22}"
    )
    for (name, _, _, diff), t in zip(rows, per_step):
        agree = "bias bug" if name.startswith("(a)") else f"{diff:.1e}"
        print(
            f"{name:<36}{t * 1e6:>8.2f} µs{t * steps * EPOCHS:>12.1f} s"
            f"{ref_a / t:>11.1f}x{t / ref_c:>11.2f}x{agree:>22}"
        )
    d = dict(zip(names, per_step))
    speedup_a = ref_a / ref_c
    line = [
        f"(c) is {speedup_a:.0f}x faster than (a) (target 60x: "
        f"{'met' if speedup_a >= 60 else 'NOT met'})"
    ]
    if "(d) JAX jit + lax.scan, float64" in d:
        speedup_d = d["(d) JAX jit + lax.scan, float64"] / ref_c
        line.append(
            f"{speedup_d:.1f}x faster than (d) (target 1.5x: "
            f"{'met' if speedup_d >= 1.5 else 'NOT met'})"
        )
    print("\n" + "; ".join(line) + ".")


def _versions() -> str:
    import platform

    import numba

    found = [
        f"Python {platform.python_version()}",
        f"NumPy {np.__version__}",
        f"Numba {numba.__version__}",
    ]
    for module in ("jax", "torch"):
        try:
            found.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            pass
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} CPUs; " + ", ".join(found)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timing rounds (default: 5)")
    parser.add_argument("--seed", type=int, default=0, help="initial weights (default: 0)")
    args = parser.parse_args(argv)
    rows, steps = prepare(args.seed)
    best = measure(rows, args.repeats)
    report(rows, best, steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
