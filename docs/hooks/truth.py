"""MkDocs hooks: what the pages claim about the chapter and about the site, computed.

``docs/hooks/build.py`` computes the chapter's figures and checks; this module computes the
statements around them that were once typed and drifted: what the chapter's own listings give
for ReLU′(0), the chapter's network trained with and without its bias update, the chapter's
printed Himmelblau value against ours, why a learning rate of 0.02 loses two minima, and the
lists that must follow the site and the code (the how-to guides from ``mkdocs.yml``'s nav, the
folders ``deltagrad reproduce`` writes, the figures of each chapter page).

Each fills a ``<!-- build: NAME -->`` marker, like build.py's. This module is registered in
``mkdocs.yml`` *before* build.py, so its ``on_page_markdown`` replaces its own markers first and
build.py (which refuses a marker it does not know) never sees them.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import time
from pathlib import Path

import numpy as np

MARKER = re.compile(r"<!-- build: ([\w.-]+) -->")
DOCS = Path(__file__).resolve().parents[1]

# Markdown of each marker this module fills, computed in on_files (names -> markdown).
_blocks: dict[str, str] = {}

# The epochs of the two training runs of "The biases, in numbers": the chapter's 1,000.
BIAS_EPOCHS = 1000


def _pct(v: float) -> str:
    return f"{100 * v:.2f} %"


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --- 7.3: ReLU′(0) in the chapter's two listings -------------------------------------------

# The chapter's 7.3 listing, verbatim: the derivative of ReLU on the input x.
CHAPTER_7_3_RELU = """
def derivative(x):  # Derivative of ReLU
    d = np.array(x, copy=True)
    d[x < 0] = 0
    d[x >= 0] = 1
    return d
"""


def relu_at_zero() -> dict[str, str]:
    """Run the chapter's 7.3 listing (above) and its 7.9 ``Layer`` (kept verbatim in
    ``benchmarks/chapter_listing.py``) at x = 0, and deltagrad's engines."""
    import deltagrad as dg
    from deltagrad import functional as F

    namespace: dict = {"np": np}
    exec(CHAPTER_7_3_RELU, namespace)
    listing_7_3 = float(namespace["derivative"](np.array([0.0]))[0])
    listing = _chapter_listing()
    layer = listing.Layer(1, 1, "relu", weights=np.ones((1, 1)), bias=np.zeros(1))
    out = layer.activate(np.array([0.0]))  # the 7.9 code takes the derivative from o = relu(0)
    layer_7_9 = float(layer.apply_activation_derivative(out)[0])
    tape = float(dg.grad(dg.relu)(0.0))
    formula = float(F.relu_derivative(np.array([0.0]))[0])
    rows = [
        ["the chapter's formula (7.3.2)", "1 for x ≥ 0, 0 for x < 0", "1"],
        ["the chapter's 7.3 listing", "`d[x < 0] = 0; d[x >= 0] = 1`", f"{listing_7_3:g}"],
        ["the chapter's 7.9 `Layer`", "`grad[r > 0] = 1.; grad[r <= 0] = 0.`", f"{layer_7_9:g}"],
        ["deltagrad (`functional`, the tape, both engines)", "left-hand slope", f"{tape:g}"],
    ]
    if formula != tape:
        raise AssertionError(f"relu′(0): functional gives {formula}, the tape {tape}")
    return {
        "truth.relu0": table(["where", "what it says", "ReLU′(0)"], rows)
        + "\n\nThe three values of the chapter's code were computed while this page was built, "
        "by running its two listings at x = 0.",
        "truth.relu0.short": f"the chapter's formula and its 7.3 listing give {listing_7_3:g}, "
        f"its 7.9 `Layer` code gives {layer_7_9:g}",
    }


# The chapter's 7.3.3 and 7.3.4 listings, verbatim.
CHAPTER_7_3_LEAKY = """
def derivative(x, p): # p is the slope of negative part of LeakyReLU
    dx = np.ones_like(x)  # initialize a vector with 1
    dx[x < 0] = p  # set negative part to p
    return dx
"""
CHAPTER_7_3_TANH = """
def sigmoid(x):  # sigmoid function
    return 1 / (1 + np.exp(-x))

def tanh(x):  # tanh function
    return 2*sigmoid(2*x) - 1
"""


def chapter_code() -> dict[str, str]:
    """What the chapter's own listings do, run while the site builds: one line each for the
    table of the fixes page."""
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    ns: dict = {"np": np}
    exec(CHAPTER_7_3_LEAKY, ns)
    ints = np.array([-2, -1, 0, 1, 2])
    leaky = ns["derivative"](ints, 0.02).tolist()
    ns = {"np": np}
    exec(CHAPTER_7_3_TANH, ns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(ns["tanh"](np.array([-1000.0]))[0])
    warned = "; ".join(sorted({str(w.message) for w in caught})) or "no warning"
    fig = plt.figure()
    try:
        fig.gca(projection="3d")
        gca = f"runs on matplotlib {matplotlib.__version__}"
    except TypeError as err:
        gca = f"raises `TypeError: {err}` (matplotlib {matplotlib.__version__})"
    finally:
        plt.close(fig)
    return {
        "truth.leaky": f"`derivative(np.array({ints.tolist()}), 0.02)` returns `{leaky}`",
        "truth.tanh": f"`tanh(np.array([-1000.0]))` gives {value:g} with a RuntimeWarning "
        f"(“{warned}”)",
        "truth.gca": gca,
    }


@functools.cache
def _chapter_listing():
    """benchmarks/chapter_listing.py: the chapter's 7.9 Layer and NeuralNetwork, as printed."""
    import importlib.util

    path = DOCS.parent / "benchmarks" / "chapter_listing.py"
    spec = importlib.util.spec_from_file_location("chapter_listing", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- 7.9: the chapter's network with and without its bias update --------------------------


@functools.cache
def _frozen_bias_epoch():
    """One epoch of the chapter's per-sample SGD with the biases never updated, built from the
    compiled engine's own kernels: each sample's forward pass, output δ and backward step
    (which also moves the biases), then the biases put back. The weights' updates are the
    engine's, bit for bit; only the bias update is undone, as in the chapter's listing."""
    import numba

    from deltagrad import fast

    k = fast._require()
    forward, output_delta, backward = k._forward, k._output_delta, k._backward_layer

    @numba.njit(nogil=True, cache=False)
    def epoch(params, layout, loss, alpha, X, Y, lr, acts, deltas, bias_at, bias_values):
        for s in range(X.shape[0]):
            start = forward(params, layout, alpha, X[s], acts)
            output_delta(layout, loss, alpha, Y[s], acts, deltas, start)
            for layer in range(layout.shape[0] - 1, -1, -1):
                backward(params, layout, layer, acts, deltas, lr, alpha)
            for i in range(bias_at.shape[0]):
                params[bias_at[i]] = bias_values[i]

    return epoch


def train_frozen_biases(net, X, Y, learning_rate: float, epochs: int) -> None:
    """Train ``net`` (a deltagrad ``NeuralNetwork``) in place like the chapter's listing:
    per-sample SGD in the samples' order, weights updated, biases never."""
    from deltagrad import fast
    from deltagrad import functional as F

    trainer = fast.Trainer(
        net.weights, net.biases, net.activations, net.loss, X, Y, learning_rate, batch_size=1
    )
    p = trainer.packed
    bias_at = np.concatenate([np.arange(b, b + n) for _, n, _, b, _, _ in p.layout])
    bias_values = p.params[bias_at].copy()
    epoch = _frozen_bias_epoch()
    for _ in range(epochs):
        epoch(
            p.params,
            p.layout,
            p.loss,
            F.LEAKY_ALPHA,
            trainer.X,
            trainer.Y,
            trainer.learning_rate,
            trainer.acts,
            trainer.deltas,
            bias_at,
            bias_values,
        )
    p.store_to(net.weights, net.biases)


def biases_in_numbers() -> dict[str, str]:
    """The chapter's network, seed 0, trained for the chapter's 1,000 epochs twice from the same
    initial weights: with the bias update (deltagrad) and without it (the chapter's listing)."""
    from deltagrad.backprop import NeuralNetwork
    from deltagrad.data import chapter_data, one_hot

    X_train, X_test, y_train, y_test = chapter_data()
    Y_train = one_hot(y_train, 2)
    t0 = time.perf_counter()
    fixed = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
    frozen = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
    start_biases = [b.copy() for b in frozen.biases]
    fixed.train(
        X_train,
        X_test,
        y_train,
        y_test,
        0.01,
        BIAS_EPOCHS,
        log_every=BIAS_EPOCHS,
        engine="compiled",
    )
    train_frozen_biases(frozen, X_train, Y_train, 0.01, BIAS_EPOCHS)
    if not all(np.array_equal(a, b) for a, b in zip(start_biases, frozen.biases)):
        raise AssertionError("the frozen-bias run moved a bias")
    seconds = time.perf_counter() - t0

    def row(name, net):
        return [
            name,
            f"{net.loss_value(X_train, Y_train):.6f}",
            _pct(net.accuracy(net.predict(X_train), y_train)),
            _pct(net.accuracy(net.predict(X_test), y_test)),
        ]

    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(fixed.biases, start_biases))
    rows = [
        row("biases trained (deltagrad)", fixed),
        row("biases never updated (the chapter's `backpropagation`)", frozen),
    ]
    mse = [net.loss_value(X_train, Y_train) for net in (fixed, frozen)]
    test = [net.accuracy(net.predict(X_test), y_test) for net in (fixed, frozen)]
    points = 100 * (test[1] - test[0])
    small = abs(points) < 1 and abs(mse[1] - mse[0]) < 0.1 * mse[0]
    verdict = (
        f"Without the bias update the training MSE is {mse[1] / mse[0] - 1:+.1%} and the test "
        f"accuracy {points:+.2f} points against the fixed code: "
        + (
            "on the chapter's two moons the bug costs little — the trained weights do the work. "
            "It is still a bug: every layer's ∂L/∂b = δ is computed and never applied, so no "
            "neuron's threshold ever moves from its random start."
            if small
            else "the bias update matters on this task."
        )
    )
    return {
        "truth.biases": table(
            [
                "2-25-50-25-2, seed 0, 1,000 epochs",
                "training MSE",
                "train accuracy",
                "test accuracy",
            ],
            rows,
        )
        + f"\n\n{verdict}\n\nBoth runs start from the same weights and biases (seed 0) and "
        "see the samples in the same order, per-sample SGD with learning rate 0.01 for "
        f"{BIAS_EPOCHS:,} epochs, the chapter's settings; the only difference is the bias "
        f"update. Trained while this page was built ({seconds:.1f} s for both, with the "
        "compiled engine's kernels; the frozen run puts the biases back after every step). "
        f"With the update, the largest bias moves by {moved:.2f} from its start value; the "
        "chapter's stay at their random values in [0, 0.1)."
    }


# --- 7.8: the chapter's printed value, and the learning rate that loses two minima ----------

CHAPTER_PRINTED_X = (3.584428, -1.8481264)  # "step 199: x = [ 3.584428  -1.8481264]"
CHAPTER_PRINTED_F = 1.1368684856363775e-12  # "f(x) = 1.1368684856363775e-12"


def _point32(p) -> str:
    """A float32 point as NumPy prints it (shortest repr), as in the chapter's printout."""
    return "(" + ", ".join(np.format_float_positional(np.float32(v)) for v in p) + ")"


def _steps(n: int) -> str:
    return {0: "no float32 step", 1: "one float32 step"}.get(n, f"{n} float32 steps")


def himmelblau_printed() -> dict[str, str]:
    """Our float32 descent from (4, 0) against the chapter's printed last line, measured."""
    from deltagrad.experiments import himmelblau as hb

    run = hb.descend((4.0, 0.0), 0.01, 200, "float32")
    before, after = float(run.f[-2]), float(run.f[-1])  # f at step 199 before / after its update
    still = int(np.sum(np.all(run.trajectory[-21:] == run.trajectory[-1], axis=1))) - 1
    ours = run.trajectory[-1].astype(np.float32)
    theirs = np.array(CHAPTER_PRINTED_X, dtype=np.float32)
    ulps = [
        int(abs(np.int64(a.view(np.int32)) - np.int64(b.view(np.int32))))
        for a, b in zip(ours, theirs)
    ]
    quantum = 2.0**-42  # (2^-21)²: one last bit of x + y² − 7 ≈ 0 near y² + x ≈ 7, squared
    exact = {
        "ours": float(hb.himmelblau(ours.astype(np.float64))),
        "theirs": float(hb.himmelblau(theirs.astype(np.float64))),
    }
    f32_theirs = float(hb.himmelblau(theirs))
    rows = [
        [
            "the chapter (TensorFlow, float32)",
            _point32(theirs),
            f"{CHAPTER_PRINTED_F:.3g} = {CHAPTER_PRINTED_F / quantum:.0f} · 2⁻⁴²",
            f"{exact['theirs']:.2g}",
        ],
        [
            "deltagrad (float32)",
            _point32(ours),
            f"{after:.3g} = {after / quantum:.0f} · 2⁻⁴²",
            f"{exact['ours']:.2g}",
        ],
    ]
    text = (
        table(["after 200 steps from (4, 0)", "x", "f(x) printed", "f(x) in float64"], rows)
        + "\n\nMeasured while this page was built. It is not the print-before-update bug: our "
        f"descent stopped moving {still} steps before the end, so f before the last update "
        f"({before:.3g}) and after it ({after:.3g}) are the same. It is float32: next to a "
        "minimum, x² + y − 11 and x + y² − 7 are rounded to their last bit (2⁻²⁰ and 2⁻²¹ "
        "there), so f computed in float32 can only be a small whole multiple of 2⁻⁴² ≈ "
        f"{quantum:.3g} — the chapter's {CHAPTER_PRINTED_F:.3g} is 5 of them, ours 1. The "
        f"chapter's last point is {_steps(ulps[0])} from ours in x and {_steps(ulps[1])} in y "
        "(TensorFlow's float32 arithmetic and NumPy's part somewhere along the 200 steps); at "
        "its point, "
        f"deltagrad's float32 f gives {f32_theirs:.3g} and the exact f is "
        f"{exact['theirs']:.2g}. Both runs found the same minimum, (3.584428, −1.848127), to "
        "float32's precision."
    )
    return {"truth.himmelblau.printed": text}


def himmelblau_stability() -> dict[str, str]:
    """η·λmax at each minimum for the two learning rates of the basin maps."""
    from deltagrad.commands.himmelblau import DEFAULT_BASIN_LR
    from deltagrad.experiments import himmelblau as hb

    rows = hb.stability(hb.critical_points(), (0.01, DEFAULT_BASIN_LR))
    lrs = (0.01, DEFAULT_BASIN_LR)
    body = [
        [
            f"({r['point'][0]:.6f}, {r['point'][1]:.6f})",
            f"{r['eigenvalues'][0]:.1f}, {r['eigenvalues'][1]:.1f}",
            f"{r['limit']:.4f}",
            *[
                f"{r['products'][lr]:.2f} ({'attracts' if r['stable'][lr] else 'repels'})"
                for lr in lrs
            ],
        ]
        for r in rows
    ]
    return {
        "truth.himmelblau.stability": table(
            [
                "minimum",
                "Hessian eigenvalues λ",
                "2/λmax",
                *[f"η·λmax at η = {lr:g}" for lr in lrs],
            ],
            body,
        )
        + f"\n\n{hb.stability_text(rows, lrs)}"
    }


# --- lists that follow one source ------------------------------------------------------------


def _nav_section(config, title: str) -> list[tuple[str, str]]:
    for entry in config["nav"]:
        if isinstance(entry, dict) and title in entry:
            return [next(iter(item.items())) for item in entry[title] if isinstance(item, dict)]
    raise KeyError(f"mkdocs.yml's nav has no section {title!r}")


def howto_list(config) -> dict[str, str]:
    """The home page's how-to guides: every entry of the nav's How-to section, in its order."""
    guides = _nav_section(config, "How-to")
    lines = ["- **How-to guides**:"]
    lines += [f"    - [{title}]({path})" for title, path in guides]
    return {"truth.home.howto": "\n".join(lines)}


def outputs_table() -> dict[str, str]:
    """Getting started's table: the folders ``deltagrad reproduce`` writes, from its plan."""
    from deltagrad.commands import reproduce, reproduce_steps

    plan = reproduce_steps.plan(Path("out"), 0, reproduce._settings(quick=True))
    rows = [
        ["`out/report.html`", "every figure and table of the run on one page"],
        ["`out/metrics.json`", "the run in numbers (written last: its presence means it finished)"],
        *[[f"`out/{key}/`", title] for key, title, _ in plan],
    ]
    return {"truth.start.outputs": table(["path", "what it holds"], rows)}


FIGURE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
GRAPH = re.compile(r"<!-- build: [\d.]+\.graph -->")


def figures_of(markdown: str) -> str:
    """What a chapter page draws: the chapter's figure numbers (runs as "7-2 to 7-5"), then
    its other drawings by name, then the tape graph and Table 7-1 if it has them."""
    numbers, others = [], []
    for alt in FIGURE.findall(markdown):
        m = re.match(r"Figure 7-(\d+)", alt)
        if m:
            numbers.append(int(m.group(1)))
        else:
            name = re.split(r":| at | while ", alt)[0].strip()
            others.append(name[:1].lower() + name[1:])
    parts = []
    for run in _runs(sorted(set(numbers))):
        parts += [f"7-{run[0]} to 7-{run[-1]}"] if len(run) > 2 else [f"7-{n}" for n in run]
    if "Table 7-1" in markdown:
        parts.append("Table 7-1")
    parts += others
    if GRAPH.search(markdown):
        parts.append("the tape as a graph")
    return ", ".join(parts) or "—"


def _runs(numbers: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def chapter_index(config) -> dict[str, str]:
    """The chapter index's table: every section page of the nav with the figures it draws."""
    rows = []
    for title, path in _nav_section(config, "The chapter"):
        m = re.match(r"(7\.\d) (.+)", title)
        if not m:
            continue
        source = (DOCS / path).read_text(encoding="utf-8")
        name = path.removeprefix("chapter/")
        rows.append([f"[{m.group(1)}]({name})", m.group(2), figures_of(source)])
    return {"truth.chapter.figures": table(["section", "page", "figures"], rows)}


# --- MkDocs events --------------------------------------------------------------------------


def on_files(files, config):
    """Compute every block (the pages are filled in on_page_markdown)."""
    import matplotlib

    matplotlib.use("Agg")
    _blocks.clear()
    timings = []
    for compute in (
        relu_at_zero,
        chapter_code,
        biases_in_numbers,
        himmelblau_printed,
        himmelblau_stability,
        outputs_table,
        functools.partial(howto_list, config),
        functools.partial(chapter_index, config),
    ):
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            _blocks.update(compute())
        name = getattr(compute, "__name__", None) or compute.func.__name__
        timings.append(f"{name} {time.perf_counter() - t0:.1f} s")
    print("deltagrad docs (truth): computed " + ", ".join(timings))
    return files


def on_page_markdown(markdown, page, config, files):
    """Fill this module's markers; leave the others to build.py."""
    return MARKER.sub(lambda m: _blocks.get(m.group(1), m.group(0)), markdown)
