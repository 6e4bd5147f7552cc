"""A minibatch MLP training step — ReLU hidden layers, softmax cross-entropy, plain SGD — in
deltagrad's tape, traced by dg.function (numpy and numba backends), against hand-written NumPy,
PyTorch eager and JAX jit, in one run.

    python benchmarks/mlp_tape.py                 # about a minute
    python benchmarks/mlp_tape.py --repeats 9
    python benchmarks/mlp_tape.py --only deltagrad   # NumPy and deltagrad alone in the process
    python benchmarks/mlp_tape.py --only function,numba --rows b32   # dg.function, batch 32
    python benchmarks/mlp_tape.py --chapter       # the chapter's NeuralNetwork instead (below)

One step is: forward through ReLU layers, the mean softmax cross-entropy of the batch, the
gradient of every weight and bias, and an SGD update (lr 0.05). deltagrad records it on a
GradientTape (dg.Variable parameters, dg.sparse_softmax_cross_entropy, optim.SGD); "function"
and "numba" are that step wrapped in dg.function (backend "numpy" and "numba"); the NumPy
baseline writes the forward, the backward and the update out by hand; PyTorch runs eager
autograd with torch.optim.SGD on one thread; JAX jits the whole step (``jax.grad`` and the
update). All start from the same weights and see the same batches; each row is timed
round-robin (a block of steps of each implementation in turn, best block of ``--repeats``), so
machine noise hits them alike. Every implementation's weights after the first step are checked
against the NumPy baseline's.

Rows: the digits data (scikit-learn's load_digits, 64 features, 10 classes) on 64-128-64-10 at
batch 32 and 256; random data on 784-256-256-10 at batch 64 and 512; each in float32 and
float64. BLAS runs on one thread for every implementation.

Targets: deltagrad at most 1.25× the hand-written NumPy step (``dg / np`` ≤ 1.25) and faster
than PyTorch eager (``torch / dg`` > 1) in every row; dg.function at most 1.0× the NumPy step.

``--chapter`` times an epoch of the chapter's 2-25-50-25-2 sigmoid network (MSE, SGD lr 0.5, its
1,400 training points in order) by ``NeuralNetwork``'s NumPy engine and by the same network
written with the tape and traced by dg.function (both backends), at batch 1, 28, 200 and 1400,
and compares the parameters after one epoch from the same weights.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np  # noqa: E402  (the thread limits must be set before NumPy loads its BLAS)
from _timing import max_diff  # noqa: E402

import deltagrad as dg  # noqa: E402

LR = 0.05
ROWS = [  # (data, sizes, batch)
    ("digits", (64, 128, 64, 10), 32),
    ("digits", (64, 128, 64, 10), 256),
    ("random", (784, 256, 256, 10), 64),
    ("random", (784, 256, 256, 10), 512),
]
MIN_BLOCK_SECONDS = 0.05  # each timed block runs at least this long


def load_data(kind: str, n_in: int, rng: np.random.Generator):
    if kind == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return X / 16.0, y.astype(np.int64)
    X = rng.standard_normal((8192, n_in))
    return X, rng.integers(0, 10, len(X))


def start_weights(sizes, rng):
    """He-initialised weights (n_in, n_out) and zero biases, float64."""
    return [
        (rng.standard_normal((m, n)) * np.sqrt(2.0 / m), np.zeros(n))
        for m, n in zip(sizes[:-1], sizes[1:])
    ]


# --- the implementations: make(weights, dtype) -> (step(x, y), current weights) ---------------


def numpy_step(weights, dtype):
    params = [(W.astype(dtype), b.astype(dtype)) for W, b in weights]
    lr = dtype.type(LR)

    def step(x, y):
        hs = [x]  # the input of each layer
        for W, b in params[:-1]:
            hs.append(np.maximum(hs[-1] @ W + b, 0))
        W, b = params[-1]
        z = hs[-1] @ W + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        delta = p / dtype.type(len(y))  # d mean-loss / d logits
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            dW = hs[i].T @ delta
            db = delta.sum(axis=0)
            if i:
                delta = delta @ W.T
                delta *= hs[i] > 0
            W -= lr * dW
            b -= lr * db

    return step, lambda: params


def deltagrad_step(weights, dtype):
    params = [(dg.Variable(W.astype(dtype)), dg.Variable(b.astype(dtype))) for W, b in weights]
    flat = [v for pair in params for v in pair]
    opt = dg.optim.SGD(lr=LR)

    def step(x, y):
        with dg.GradientTape() as tape:
            h = x
            for W, b in params[:-1]:
                h = dg.relu(h @ W + b)
            W, b = params[-1]
            logits = h @ W + b
            loss = dg.mean(dg.sparse_softmax_cross_entropy(labels=y, logits=logits))
        opt.apply_gradients(zip(tape.gradient(loss, flat), flat))

    return step, lambda: [(W.numpy(), b.numpy()) for W, b in params]


def function_step(weights, dtype):
    """deltagrad_step's step traced once by dg.function and replayed as generated NumPy."""
    step, current = deltagrad_step(weights, dtype)
    return dg.function(step), current


def numba_step(weights, dtype):
    """function_step with the numba backend (element-wise runs as compiled kernels)."""
    step, current = deltagrad_step(weights, dtype)
    return dg.function(step, backend="numba"), current


def torch_step(weights, dtype):
    import torch

    torch.set_num_threads(1)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    params = [
        (
            torch.tensor(W, dtype=tdtype, requires_grad=True),
            torch.tensor(b, dtype=tdtype, requires_grad=True),
        )
        for W, b in weights
    ]
    opt = torch.optim.SGD([p for pair in params for p in pair], lr=LR)
    cache: dict[int, tuple] = {}  # the batches as tensors, made once (not timed)

    def step(x, y):
        key = id(x)
        if key not in cache:
            cache[key] = (torch.from_numpy(x), torch.from_numpy(y))
        tx, ty = cache[key]
        h = tx
        for W, b in params[:-1]:
            h = torch.relu(h @ W + b)
        W, b = params[-1]
        loss = torch.nn.functional.cross_entropy(h @ W + b, ty)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step, lambda: [(W.detach().numpy(), b.detach().numpy()) for W, b in params]


def jax_step(weights, dtype):
    import jax

    if dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def loss_fn(params, x, y):
        h = x
        for W, b in params[:-1]:
            h = jax.nn.relu(h @ W + b)
        W, b = params[-1]
        logp = jax.nn.log_softmax(h @ W + b)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def update(params, x, y):
        grads = jax.grad(loss_fn)(params, x, y)
        return [(W - LR * gW, b - LR * gb) for (W, b), (gW, gb) in zip(params, grads)]

    state = {"params": [(jnp.asarray(W, dtype), jnp.asarray(b, dtype)) for W, b in weights]}
    cache: dict[int, tuple] = {}

    def step(x, y):
        key = id(x)
        if key not in cache:
            cache[key] = (jnp.asarray(x), jnp.asarray(y))
        state["params"] = update(state["params"], *cache[key])
        jax.block_until_ready(state["params"])

    return step, lambda: [(np.asarray(W), np.asarray(b)) for W, b in state["params"]]


IMPLEMENTATIONS = [
    ("numpy", numpy_step),
    ("deltagrad", deltagrad_step),
    ("function", function_step),
    ("numba", numba_step),
    ("torch", torch_step),
    ("jax", jax_step),
]


# --- timing -----------------------------------------------------------------------------------


def batches(X, y, batch, dtype, rng):
    """A fixed list of batches (a shuffled pass over the data), as contiguous arrays."""
    order = rng.permutation(len(X))
    n = max(1, len(X) // batch)
    return [
        (
            np.ascontiguousarray(X[order[i * batch : (i + 1) * batch]], dtype=dtype),
            y[order[i * batch : (i + 1) * batch]].copy(),
        )
        for i in range(n)
    ]


def time_row(kind, sizes, batch, dtype, repeats, rng):
    X, y = load_data(kind, sizes[0], rng)
    weights = start_weights(sizes, rng)
    data = batches(X, y, batch, dtype, rng)
    made = {}
    for name, make in IMPLEMENTATIONS:
        try:
            made[name] = make(weights, dtype)
        except ImportError:
            continue
    # Correctness: one step on the first batch from the same weights.
    ref = None
    diffs = {}
    for name, (step, current) in made.items():
        step(*data[0])
        if ref is None:
            ref = [(W.copy(), b.copy()) for W, b in current()]
        diffs[name] = max_diff(current(), ref)
    # Steps per block: enough for MIN_BLOCK_SECONDS of the NumPy baseline.
    step = made["numpy"][0]
    start = time.perf_counter()
    count = 0
    while time.perf_counter() - start < MIN_BLOCK_SECONDS / 4 or count < 3:
        step(*data[count % len(data)])
        count += 1
    per = (time.perf_counter() - start) / count
    number = max(3, int(MIN_BLOCK_SECONDS / per))
    best = dict.fromkeys(made, float("inf"))
    faults = dict.fromkeys(made, 0)  # minor page faults: memory the allocator had given back
    for _ in range(repeats):
        for name, (step, _current) in made.items():
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = time.perf_counter()
            for k in range(number):
                step(*data[k % len(data)])
            best[name] = min(best[name], (time.perf_counter() - t0) / number)
            faults[name] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    return best, diffs, {name: f / (repeats * number) for name, f in faults.items()}


# --- the chapter's network: NeuralNetwork's NumPy engine against its step through dg.function --


CHAPTER_BATCHES = (1, 28, 200, 1400)  # 1400 training points: every batch the same size
CHAPTER_LR = 0.5


def chapter_function_epoch(net, backend="numpy"):
    """One epoch of the chapter's network (sigmoid, MSE, SGD) as a dg.function step per batch,
    from ``net``'s current weights (copied into Variables); returns (epoch(X, Y, batch), params)."""
    params = []
    for k, (W, b) in enumerate(zip(net.weights, net.biases), 1):
        params += [dg.Variable(W.copy(), name=f"W{k}"), dg.Variable(b.copy(), name=f"b{k}")]
    opt = dg.optim.SGD(lr=CHAPTER_LR)

    @dg.function(backend=backend)
    def step(x, y):
        with dg.GradientTape() as tape:
            o = x
            for k in range(0, len(params), 2):
                o = dg.sigmoid(o @ params[k] + params[k + 1])
            loss = dg.sum((o - y) ** 2) / (2 * len(x))  # the chapter's ½‖o − y‖², averaged
        opt.apply_gradients(zip(tape.gradient(loss, params), params))

    def epoch(X, Y, batch):
        for start in range(0, len(X), batch):
            step(X[start : start + batch], Y[start : start + batch])

    return epoch, params


def chapter_rows(repeats):
    """Time an epoch of the chapter's 2-25-50-25-2 network on its 1,400 training points: the
    NumPy engine (what ``NeuralNetwork.train(engine="numpy", batch_size=B)`` runs each epoch)
    against the same SGD written with the tape and traced by dg.function."""
    from deltagrad.backprop import NeuralNetwork, _train_epoch_numpy
    from deltagrad.data import chapter_data, one_hot

    X_train, _, y_train, _ = chapter_data()
    Y_train = one_hot(y_train, 2)
    print(
        "The chapter's 2-25-50-25-2 sigmoid network, MSE, SGD lr 0.5, one epoch of 1,400 points "
        f"in order; best of {repeats} round-robin epochs"
    )
    try:
        import numba  # noqa: F401

        backends = ["numpy", "numba"]
    except ImportError:
        backends = ["numpy"]
    header = f"{'batch':>6}{'NumPy engine':>15}{'dg.function':>15}"
    header += f"{'numba':>12}" if "numba" in backends else ""
    header += f"{'fn / np':>9}" + (f"{'nb / np':>9}" if "numba" in backends else "")
    print(header + "   after 1 epoch (dg.function against the engine)")
    for batch in CHAPTER_BATCHES:
        net = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
        runs = {b: chapter_function_epoch(net, b) for b in backends}
        _train_epoch_numpy(net, X_train, Y_train, CHAPTER_LR, batch)  # one epoch of each from
        for epoch, _params in runs.values():  # the same weights (this also traces): compare
            epoch(X_train, Y_train, batch)
        after = [a for W, b in zip(net.weights, net.biases) for a in (W, b)]
        diffs = {
            b: max(float(np.max(np.abs(p.numpy() - a))) for p, a in zip(params, after))
            for b, (_epoch, params) in runs.items()
        }
        same = " ".join(
            f"{b} " + ("bit-identical" if d == 0 else f"max |Δθ| {d:.1e}") for b, d in diffs.items()
        )
        best = dict.fromkeys(["engine", *backends], float("inf"))
        for _ in range(repeats):
            t0 = time.perf_counter()
            _train_epoch_numpy(net, X_train, Y_train, CHAPTER_LR, batch)
            best["engine"] = min(best["engine"], time.perf_counter() - t0)
            for b, (epoch, _params) in runs.items():
                t0 = time.perf_counter()
                epoch(X_train, Y_train, batch)
                best[b] = min(best[b], time.perf_counter() - t0)
        line = f"{batch:>6}{best['engine'] * 1e3:>12.2f} ms{best['numpy'] * 1e3:>12.2f} ms"
        line += f"{best['numba'] * 1e3:>9.2f} ms" if "numba" in best else ""
        line += "".join(f"{best[b] / best['engine']:>8.2f}x" for b in backends)
        print(f"{line}   {same}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated implementations to run besides numpy (e.g. deltagrad): the "
        "others' allocations change what glibc's malloc keeps, see the README",
    )
    parser.add_argument(
        "--rows", default=None, help="only the rows whose label contains this text (e.g. b32)"
    )
    parser.add_argument(
        "--chapter",
        action="store_true",
        help="instead: the chapter's NeuralNetwork, its NumPy engine against dg.function",
    )
    args = parser.parse_args()
    if args.chapter:
        chapter_rows(args.repeats)
        return
    if args.only is not None:
        wanted = {"numpy", *args.only.split(",")}
        IMPLEMENTATIONS[:] = [(n, make) for n, make in IMPLEMENTATIONS if n in wanted]
    rng = np.random.default_rng(0)
    names = []
    for name, _make in IMPLEMENTATIONS:
        try:
            __import__({"function": "deltagrad"}.get(name, name))
            names.append(name)
        except ImportError:
            print(f"{name}: not installed, skipped")
    print(
        "Minibatch MLP step (ReLU, softmax cross-entropy, SGD), time per step; "
        f"best of {args.repeats} round-robin blocks; BLAS on one thread"
    )
    header = f"{'row':<34}" + "".join(f"{n:>11}" for n in names)
    header += f"{'dg / np':>9}" if "deltagrad" in names else ""
    header += f"{'fn / np':>9}" if "function" in names else ""
    header += f"{'nb / np':>9}{'nb / fn':>9}" if "numba" in names and "function" in names else ""
    header += f"{'torch / dg':>12}" if "torch" in names else ""
    header += "  jax / dg" if "jax" in names and "deltagrad" in names else ""
    header += "  nb / jax" if "jax" in names and "numba" in names else ""
    print(header + "   faults/step np dg   max |w - w_np| after 1 step")
    worst_np, worst_fn, worst_nb, worst_torch = 0.0, 0.0, 0.0, float("inf")
    worst_jax: dict[int, float] = {}  # batch size -> the largest numba / jax.jit
    for kind, sizes, batch in ROWS:
        for dtype in (np.dtype(np.float32), np.dtype(np.float64)):
            label = f"{kind} {'-'.join(map(str, sizes))} b{batch} {dtype.name}"
            if args.rows is not None and args.rows not in label:
                continue
            best, diffs, faults = time_row(kind, sizes, batch, dtype, args.repeats, rng)
            line = f"{label:<34}" + "".join(f"{best[n] * 1e6:>8.1f} µs" for n in names)
            if "deltagrad" in best:
                r_np = best["deltagrad"] / best["numpy"]
                line += f"{r_np:>8.2f}x"
                worst_np = max(worst_np, r_np)
            if "function" in best:
                r_fn = best["function"] / best["numpy"]
                worst_fn = max(worst_fn, r_fn)
                line += f"{r_fn:>8.2f}x"
            if "numba" in best and "function" in best:
                r_nb = best["numba"] / best["numpy"]
                worst_nb = max(worst_nb, r_nb)
                line += f"{r_nb:>8.2f}x{best['numba'] / best['function']:>8.2f}x"
            if "torch" in best:
                r_t = best["torch"] / best["deltagrad"]
                worst_torch = min(worst_torch, r_t)
                line += f"{r_t:>11.2f}x"
            if "jax" in best and "deltagrad" in best:
                line += f"{best['jax'] / best['deltagrad']:>9.2f}x"
            if "jax" in best and "numba" in best:
                r_j = best["numba"] / best["jax"]
                worst_jax[batch] = max(worst_jax.get(batch, 0.0), r_j)
                line += f"{r_j:>9.2f}x"
            line += f"{faults['numpy']:>10.0f} {faults.get('deltagrad', 0):>3.0f}"
            line += "   " + " ".join(f"{n} {d:.0e}" for n, d in diffs.items() if n != "numpy")
            print(line, flush=True)
    if worst_np:
        met_np = "met" if worst_np <= 1.25 else "NOT met"
        print(f"target dg / np <= 1.25 in every row: {met_np} (worst {worst_np:.2f}x)")
    if worst_fn:
        met_fn = "met" if worst_fn <= 1.0 else "NOT met"
        print(f"target dg.function / np <= 1.0 in every row: {met_fn} (worst {worst_fn:.2f}x)")
    for batch, worst in sorted(worst_jax.items()):
        goal = 1.0 if batch <= 32 else 1.05
        met_j = "met" if worst <= goal else "NOT met"
        print(f"target numba / jax.jit <= {goal:g} at batch {batch}: {met_j} (worst {worst:.2f}x)")
    if worst_torch < float("inf"):
        met_t = "met" if worst_torch > 1 else "NOT met"
        print(f"target torch / dg > 1 in every row: {met_t} (worst {worst_torch:.2f}x)")


if __name__ == "__main__":
    main()
