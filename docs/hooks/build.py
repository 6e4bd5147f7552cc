"""MkDocs hooks: compute the chapter with deltagrad while the site builds.

Nothing on the chapter pages is pasted: every figure is drawn by deltagrad's own figure
functions into a temporary folder and added to the site as a generated file, and every number
of a check (analytic = tape = finite differences) is computed here and written into the page
where it says ``<!-- build: NAME -->``. The command-line reference is rendered from
``deltagrad.cli.build_parser()`` the same way, so it cannot drift from ``--help``.

Registered in mkdocs.yml (``hooks:``); ``exclude_docs`` keeps this folder out of the site.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html
import io
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

MARKER = re.compile(r"<!-- build: ([\w.-]+) -->")
FIGURES = "figures"  # folder of the generated images in the site

_blocks: dict[str, str] = {}  # marker name -> markdown
_tmp: tempfile.TemporaryDirectory | None = None


# --- small markdown helpers ------------------------------------------------------------------


def _g(value: float, digits: int = 10) -> str:
    return f"{value:.{digits}g}"


def _e(value: float) -> str:
    return f"{value:.1e}"


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table; numbers are right-aligned."""
    align = [
        "---:" if rows and isinstance(rows[0][i], int | float) else "---"
        for i in range(len(header))
    ]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    for row in rows:
        cells = [_g(c) if isinstance(c, float) else str(c).replace("|", "\\|") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def graph_block(g, out: Path, name: str, label: str) -> str:
    """A graph drawn by ``dg.viz.graph``, inline on the page as SVG (its words are text: they
    can be selected, found with Ctrl-F and read aloud; each box has a tooltip), in a box that
    shrinks it to fit but scrolls rather than make its text smaller than 10 px
    (``docs/stylesheets/graphs.css``), and a link to the file to open it at full size."""
    g.save(out / f"{name}.svg")
    narrowest, natural = g.widths_px()
    style = f"--dg-narrowest: {narrowest:.0f}px; --dg-natural: {natural:.0f}px"
    return (
        f'<div class="dg-graph" role="region" aria-label="{html.escape(label)}" tabindex="0" '
        f'style="{style}">\n{g.inline_svg()}\n</div>\n\n'
        f"[Open the graph at full size](../{FIGURES}/{name}.svg){{ .dg-graph-open }}"
    )


def _verdict(worst: float, tol: float = 1e-6) -> str:
    return f"**Largest relative error {_e(worst)}**" + (
        f" (below {tol:g}: the three agree)." if worst <= tol else f" — ABOVE {tol:g}!"
    )


# --- the chapter, section by section ------------------------------------------------------------
# Each function draws its figures into `out` and returns {marker name: markdown}.


@functools.cache
def _himmelblau_descents():
    """Himmelblau's surface and the four float32 descents from the chapter's starts (η = 0.01,
    200 steps): Figure 7-1 (section 7.1) and Figures 7-11/7-12 and Table 7-1 (section 7.8)
    draw the same runs, so they are computed once per build (cleared in ``on_post_build``)."""
    from deltagrad.experiments import himmelblau as hb

    return hb.surface(), [hb.descend(s, 0.01, 200, "float32") for s in hb.CHAPTER_STARTS]


def _himmelblau_gradient(p) -> np.ndarray:
    """∇f of Himmelblau's function at the point ``p``, written out by hand: the column the
    checks of 7.1 and 7.8 compare the tape and central differences against."""
    x, y = p
    return np.array(
        [
            4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
            2 * (x * x + y - 11) + 4 * y * (x + y * y - 7),
        ]
    )


def section_7_1(out: Path) -> dict[str, str]:
    import deltagrad as dg
    from deltagrad.experiments.himmelblau import himmelblau as f
    from deltagrad.figures import himmelblau as fig
    from deltagrad.gradcheck import central_difference, relative_error

    surf, runs = _himmelblau_descents()
    fig.nonconvex_fig7_1(surf, runs, out / "fig7_1_nonconvex.png")

    # One step of descent and one of ascent from (1, 1), by the tape and by hand.
    start, lr = np.array([1.0, 1.0]), 0.01
    by_hand = _himmelblau_gradient(start)
    down = dg.Variable(start.copy())
    up = dg.Variable(start.copy())
    for var, opt in ((down, dg.optim.SGD(lr)), (up, dg.optim.SGD(lr, maximize=True))):
        with dg.GradientTape() as tape:
            value = f(var)
        (g,) = [tape.gradient(value, var)]
        opt.apply_gradients([(g, var)])
    tape_grad = np.asarray(dg.grad(f)(start))
    numeric = central_difference(f, start.copy())
    worst = float(
        np.max(np.maximum(relative_error(by_hand, tape_grad), relative_error(by_hand, numeric)))
    )
    rows = [
        ["∇f by hand", *by_hand.tolist()],
        ["∇f by the tape", *tape_grad.tolist()],
        ["∇f by central differences", *numeric.tolist()],
        ["descent θ − η∇f (SGD)", *down.numpy().tolist()],
        ["ascent θ + η∇f (SGD, maximize=True)", *up.numpy().tolist()],
    ]
    ends = ", ".join(f"({r.final[0]:.2f}, {r.final[1]:.2f})" for r in runs)
    return {
        "7.1.check": table(["at θ = (1, 1), η = 0.01", "x", "y"], rows)
        + f"\n\n{_verdict(worst)} Descent lowers f from {f(start):.4f} to "
        f"{f(down.numpy()):.4f}; ascent raises it to {f(up.numpy()):.4f}.",
        "7.1.ends": f"The four descents of Figure 7-1 end at {ends}: four different minima.",
    }


def section_7_2(out: Path) -> dict[str, str]:
    import deltagrad as dg
    from deltagrad.experiments.derivatives import DEFAULT_POINTS, worked_examples

    rows = worked_examples()
    worst = max(r["rel_error"] for r in rows)
    shown = list({r["formula"]: r for r in reversed(rows)}.values())[::-1]  # first of each

    # The graph at the check's first point, the one the page's code uses: one point per page.
    point = DEFAULT_POINTS[0]
    x = dg.constant(point["x"], name="x")
    w = dg.constant(point["w"], name="w")
    b = dg.constant(point["b"], name="b")
    with dg.GradientTape() as tape:
        tape.watch([w, b])
        w2 = w**2
        w2.name = "w²"
        xw2 = x * w2
        xw2.name = "x·w²"
        b2 = b**2
        b2.name = "b²"
        loss = xw2 + b2
        loss.name = "L"
    graph = graph_block(
        dg.viz.graph(tape, loss),
        out,
        "graph_7_2",
        "The tape of L = x·w² + b²: inputs, ops, values and gradients",
    )
    return {
        "7.2.graph": graph,
        "7.2.check": table(
            ["formula", "at", "analytic", "tape", "finite difference", "rel. error"],
            [
                [
                    r["formula"],
                    ", ".join(f"{k} = {v:g}" for k, v in r["point"].items()),
                    r["analytic"],
                    r["tape"],
                    r["numeric"],
                    _e(r["rel_error"]),
                ]
                for r in shown
            ],
        )
        + f"\n\nEach formula at its first sample point; the build checked {len(rows)} rows "
        f"(every formula at {len(rows) // len(shown)} points or more). {_verdict(worst)}",
    }


def section_7_3(out: Path) -> dict[str, str]:
    import deltagrad as dg
    from deltagrad import functional as F
    from deltagrad.experiments.derivatives import activation_curves
    from deltagrad.figures import derivatives as fig

    curves = activation_curves()
    for name, curve in curves.items():
        fig.activation_figure(curve, out / fig.FILENAMES[name])
    rows = [
        [
            c["title"],
            c["derivative_formula"],
            len(c["x"]),
            _e(c["max_error_tape"]),
            len(c["fd_x"]),
            _e(c["max_error_fd"]),
        ]
        for c in curves.values()
    ]
    worst = max(max(c["max_error_tape"], c["max_error_fd"]) for c in curves.values())
    big = np.array([-1000.0, 0.0, 1000.0])
    with np.errstate(
        over="raise", invalid="raise", divide="raise"
    ):  # an overflow would raise here and fail the build
        stable = [
            ["σ(x)", *F.sigmoid(big).tolist()],
            [
                "σ′(x) by the tape",
                *np.asarray(dg.grad(lambda t: dg.sum(dg.sigmoid(t)))(big)).tolist(),
            ],
            ["tanh(x)", *F.tanh(big).tolist()],
            [
                "tanh′(x) by the tape",
                *np.asarray(dg.grad(lambda t: dg.sum(dg.tanh(t)))(big)).tolist(),
            ],
        ]
    ints = np.array([-2, -1, 0, 1, 2])
    leaky = F.leaky_relu_derivative(ints, alpha=0.02).tolist()
    return {
        "7.3.check": table(
            [
                "activation",
                "derivative",
                "points",
                "tape vs formula",
                "finite differences",
                "vs formula",
            ],
            rows,
        )
        + f"\n\n{_verdict(worst)}",
        "7.3.stable": table(["at x =", "−1000", "0", "1000"], stable)
        + "\n\nNo overflow warning and no NaN (the build runs these lines with NumPy's "
        "floating-point errors raised).",
        "7.3.leaky": f"`functional.leaky_relu_derivative(np.array({ints.tolist()}), alpha=0.02)` "
        f"returns `{leaky}` — the slope p on the integer inputs below zero, not 0.",
    }


JACOBIANS = ("jacobian", "jacobian_tape", "jacobian_numeric")


def section_7_4(out: Path) -> dict[str, str]:
    import deltagrad as dg
    from deltagrad import functional as F
    from deltagrad.experiments.derivatives import softmax_example
    from deltagrad.figures import derivatives as fig
    from deltagrad.gradcheck import central_difference, relative_error

    ex = softmax_example()
    fig.softmax_figure(ex, out / fig.FILENAMES["softmax"])
    z, y = np.array([2.0, 1.0, 0.1]), np.array([0.0, 1.0, 0.0])
    ce_formula = F.softmax_cross_entropy_grad(z[None], y[None])[0]
    ce_tape = np.asarray(dg.grad(lambda t: dg.softmax_cross_entropy(labels=y, logits=t))(z))
    ce_fd = central_difference(lambda t: F.softmax_cross_entropy(t[None], y[None]), z.copy())
    o, t = np.array([0.8, 0.3]), np.array([1.0, 0.0])
    mse_formula = o - t
    mse_tape = np.asarray(dg.grad(lambda v: 0.5 * dg.sum((t - v) ** 2))(o))
    mse_fd = central_difference(lambda v: 0.5 * float(np.sum((t - v) ** 2)), o.copy())
    worst = max(
        ex["max_error_tape"],
        ex["max_error_numeric"],
        *[
            float(np.max(relative_error(a, b)))
            for a, b in (
                (ce_formula, ce_tape),
                (ce_formula, ce_fd),
                (mse_formula, mse_tape),
                (mse_formula, mse_fd),
            )
        ],
    )
    p = ex["probabilities"]
    jac = table(
        ["∂p_i/∂z_j", "j = 1", "j = 2", "j = 3"],
        [
            [
                f"i = {i + 1} (formula / tape / finite diff.)",
                *[" / ".join(f"{ex[k][i, j]:.6f}" for k in JACOBIANS) for j in range(3)],
            ]
            for i in range(3)
        ],
    )
    return {
        "7.4.softmax": f"Logits z = (2, 1, 0.1) give p = ({', '.join(f'{v:.6f}' for v in p)}).\n\n"
        + jac,
        "7.4.check": table(
            ["gradient", "formula", "tape", "finite differences"],
            [
                [
                    "∂L/∂z, cross-entropy, y = (0, 1, 0)",
                    np.round(ce_formula, 8).tolist(),
                    np.round(ce_tape, 8).tolist(),
                    np.round(ce_fd, 8).tolist(),
                ],
                [
                    "∂L/∂o, MSE ½Σ(y − o)², o = (0.8, 0.3), y = (1, 0)",
                    np.round(mse_formula, 8).tolist(),
                    np.round(mse_tape, 8).tolist(),
                    np.round(mse_fd, 8).tolist(),
                ],
            ],
        )
        + f"\n\n{_verdict(worst)}",
    }


def section_7_5(out: Path) -> dict[str, str]:
    import deltagrad as dg
    from deltagrad import functional as F
    from deltagrad.gradcheck import central_difference, relative_error

    tape, loss = dg.viz.examples.neuron()
    graph = graph_block(
        dg.viz.graph(tape, loss),
        out,
        "graph_7_5_neuron",
        "The tape of one sigmoid neuron with the squared-error loss",
    )

    x, w, b, t = np.array([0.5, -1.0]), np.array([0.8, 0.3]), 0.1, 1.0
    o = F.sigmoid(w @ x + b)
    formula = (o - t) * o * (1 - o) * x
    tape_grad = np.asarray(dg.grad(lambda v: 0.5 * (dg.sigmoid(dg.sum(v * x) + b) - t) ** 2)(w))
    numeric = central_difference(lambda v: 0.5 * (F.sigmoid(v @ x + b) - t) ** 2, w.copy())

    # A layer of K = 3 outputs: ∂L/∂w_jk = δ_k·x_j.
    rng = np.random.default_rng(0)
    W, bias, tk = rng.normal(size=(2, 3)), rng.normal(size=3), np.array([1.0, 0.0, 0.0])
    ok = F.sigmoid(x @ W + bias)
    layer_formula = np.outer(x, (ok - tk) * ok * (1 - ok))
    layer_tape = np.asarray(
        dg.grad(lambda V: 0.5 * dg.sum((dg.sigmoid(x @ V + bias) - tk) ** 2))(W)
    )
    layer_fd = central_difference(
        lambda V: 0.5 * np.sum((F.sigmoid(x @ V + bias) - tk) ** 2), W.copy()
    )
    worst = float(
        max(
            np.max(relative_error(formula, tape_grad)),
            np.max(relative_error(formula, numeric)),
            np.max(relative_error(layer_formula, layer_tape)),
            np.max(relative_error(layer_formula, layer_fd)),
        )
    )
    return {
        "7.5.graph": graph,
        "7.5.check": table(
            ["∂L/∂w_j", "(o − t)·o(1 − o)·x_j", "tape", "finite differences"],
            [[f"j = {j + 1}", formula[j], tape_grad[j], numeric[j]] for j in range(2)],
        )
        + f"\n\nFor a layer of three sigmoid outputs (seeded random W), the 2 × 3 matrix "
        f"δ_k·x_j agrees with the tape and with finite differences too. {_verdict(worst)}",
    }


def section_7_6(out: Path) -> dict[str, str]:
    import deltagrad as dg
    from deltagrad.experiments.chain_rule import dz_dt, tape_demo
    from deltagrad.gradcheck import central_difference

    tape, y2 = dg.viz.examples.chain_rule()
    drawing = dg.viz.graph(tape, y2)
    graph = graph_block(
        drawing, out, "graph_7_6_chain_rule", "The 7.6 example as the tape recorded it"
    )
    demo = tape_demo()
    rows = []
    worst = 0.0
    for t in (-1.0, 0.0, 0.5, 1.0):
        r = dz_dt(t)
        fd = float(
            central_difference(
                lambda v: float(np.sum((2 * v + 1) ** 2 + np.exp(v**2))), np.array([t])
            )[0]
        )
        err = max(abs(r["tape"] - r["analytic"]), abs(fd - r["analytic"])) / max(
            abs(r["analytic"]), 1e-8
        )
        worst = max(worst, err)
        rows.append([t, r["analytic"], r["tape"], fd, _e(err)])
    return {
        "7.6.graph": graph,
        "7.6.demo": table(
            ["dy2/dy1", "dy1/dw1", "dy2/dy1 · dy1/dw1", "dy2/dw1"],
            [[demo["dy2_dy1"], demo["dy1_dw1"], demo["chain_product"], demo["dy2_dw1"]]],
        ),
        "7.6.check": table(
            ["t", "4(2t + 1) + 2t·e^(t²)", "tape", "finite differences", "rel. error"], rows
        )
        + f"\n\n{_verdict(worst)}",
    }


def section_7_7(out: Path) -> dict[str, str]:
    from deltagrad.backprop import NeuralNetwork
    from deltagrad.data import chapter_data
    from deltagrad.experiments import dynamics
    from deltagrad.experiments.explain import chapter_sample, explain
    from deltagrad.experiments.gradcheck import moons_gradient_table, summarize
    from deltagrad.figures.dynamics import gradient_norms_figure

    net = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
    x, label, _ = chapter_sample(0)
    e = explain(net, x, label)
    layer_rows = []
    for layer in e["layers"]:
        err = layer["rel_error"]
        layer_rows.append(
            [
                f"{layer['index']} ({layer['n_input']} → {layer['n_neurons']})",
                float(np.linalg.norm(layer["delta"])),
                float(np.linalg.norm(layer["dW"])),
                _e(max(err["tape"].values())),
                _e(max(err["numeric"].values())),
            ]
        )
    summary = summarize(moons_gradient_table(seed=0, n_samples=8))
    X_train, X_test, y_train, y_test = chapter_data()
    norms = dynamics.gradient_norms(X_train, X_test, y_train, y_test, epochs=60, seed=0, every=3)
    gradient_norms_figure(norms, out / "gradient_norms.png")
    return {
        "7.7.explain": table(
            ["layer", "‖δ‖", "‖∂L/∂W‖", "tape vs delta rule", "finite diff. vs delta rule"],
            layer_rows,
        )
        + f"\n\nSample 0 of the chapter's training set, x = ({x[0]:.4f}, {x[1]:.4f}), class "
        f"{label}, loss {e['loss']:.6f}. {_verdict(e['max_rel_error'])}",
        "7.7.gradcheck": f"All {summary['parameters']:,} parameters of the 2-25-50-25-2 network "
        f"(seed 0, loss over 8 training points): largest relative error of the delta rule "
        f"against the tape {_e(summary['max_rel_error_tape'])}, against finite differences "
        f"{_e(summary['max_rel_error_numeric'])}; "
        + ("every parameter passed." if summary["passed"] else f"{summary['failures']} FAILED."),
    }


def section_7_7_function(out: Path) -> dict[str, str]:
    """The chapter's network traced by dg.function: the backward pass autodiff derives, beside
    the hand-written delta rule, and one step of each from the same weights."""
    import inspect

    import deltagrad as dg
    from deltagrad.backprop import NeuralNetwork
    from deltagrad.data import chapter_data, one_hot

    net = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
    X_train, _, y_train, _ = chapter_data()
    x, y = X_train[:32], one_hot(y_train[:32], 2)
    params = []
    for k, (W, b) in enumerate(zip(net.weights, net.biases), 1):
        params += [dg.Variable(W.copy(), name=f"W{k}"), dg.Variable(b.copy(), name=f"b{k}")]
    opt = dg.optim.SGD(lr=0.5)

    @dg.function
    def step(x, y):
        with dg.GradientTape() as tape:
            o = x
            for k in range(4):
                z = o @ params[2 * k] + params[2 * k + 1]
                z.name = f"z{k + 1}"
                o = dg.sigmoid(z)
                o.name = f"o{k + 1}"
            diff = o - y
            diff.name = "diff"
            L = dg.sum(diff**2) / (2 * len(x))  # the chapter's ½‖o − y‖², averaged
            L.name = "L"
        opt.apply_gradients(zip(tape.gradient(L, params), params))
        return L

    step(x, y)
    source = step.source()
    backward = source[source.index("    # backward pass") :]
    net.backpropagation(x, y, 0.5)
    after = [a for W, b in zip(net.weights, net.biases) for a in (W, b)]
    diff = max(float(np.max(np.abs(p.numpy() - a))) for p, a in zip(params, after))
    scale = max(float(np.max(np.abs(a))) for a in after)
    lines = {line.strip() for line in source.splitlines()}
    pairs = [
        ("δ = error ⊙ o(1 − o)", "dz3 = do3 * (o3 * (1 - o3))",
         "delta = error * layer.apply_activation_derivative(layer.last_activation)"),
        ("∂L/∂W = o_inᵀ δ", "dW3 = o2.T @ dz3", "dW = o_in.T @ delta"),
        ("∂L/∂b = Σ over the batch of δ", "db3 = dz3.sum(axis=0)", "db = delta.sum(axis=0)"),
        ("error of the layer below: Σ_k δ_k w_jk", "do2 = dz3 @ W3.T",
         "error = delta @ layer.weights.T"),
        ("the update", "W3 -= lr * dW3", "layer.weights -= learning_rate * dW"),
    ]
    missing = [generated for _, generated, _ in pairs if generated not in lines]
    if missing:
        raise AssertionError(f"7.7: dg.function's source no longer has {missing}")
    rows = [[what, f"`{generated}`", f"`{chapter}`"] for what, generated, chapter in pairs]
    hand = "\n".join(inspect.getsource(f) for f in (NeuralNetwork._gradients, NeuralNetwork._apply))
    if diff == 0:
        agree = (
            "the parameters are the same, bit for bit (n = 32 is a power of two, so dividing"
            " by it first, as the traced loss does, or last, as the chapter does, is exact)"
        )
    else:
        agree = (
            f"the parameters differ by at most {_e(diff)} (their largest entry is {scale:.2f}):"
            " the same algorithm, rounded in another order"
        )
    header = ["step", "derived by dg.function (layer 3)", "the chapter's delta rule (layer i)"]
    return {
        "7.7.function": table(header, rows)
        + "\n\n**The backward pass and update `step.source()` shows** (generated now, for a batch of"
        " 32 training points; everything above it is the forward pass):\n\n```python\n"
        + "\n".join(line[4:] for line in backward.rstrip().splitlines())
        + "\n```\n\n**The chapter's delta rule, written by hand** (`deltagrad.backprop`, as it is"
        " in the package now):\n\n```python\n"
        + "\n".join(line[4:] for line in hand.rstrip().splitlines())
        + "\n```\n\nOne step of each (`step(x, y)` and `net.backpropagation(x, y, 0.5)`) from"
        f" the same weights on the same 32 points: {agree}.",
    }


def section_7_8(out: Path) -> dict[str, str]:
    import deltagrad as dg
    from deltagrad.experiments import himmelblau as hb
    from deltagrad.figures import himmelblau as fig
    from deltagrad.gradcheck import central_difference

    surf, runs = _himmelblau_descents()
    critical = hb.critical_points()
    mins = hb.minima(critical)
    fig.surface_fig7_11(surf, out / "fig7_11_surface.png")
    fig.contour_fig7_12(surf, runs, critical, out / "fig7_12_contour.png")
    maps = [
        hb.basins(lr, 200, n=200, dtype="float32", marks=hb.CHAPTER_STARTS, minima_points=mins)
        for lr in (0.01, 0.02)
    ]
    fig.basins_map(maps, out / "himmelblau_basins.png")
    tape, f = dg.viz.examples.himmelblau()
    graph = graph_block(
        dg.viz.graph(tape, f), out, "graph_7_8_himmelblau", "The tape of Himmelblau's function"
    )

    table_71 = hb.table_7_1(runs, mins)
    rows_71 = [
        [_cell(r["start"]), _cell(r["solution"]), f"{r['f']:.1e}", _cell(r["nearest_minimum"])]
        for r in table_71
    ]
    crit_rows = [[c.kind, f"({c.point[0]:.6f}, {c.point[1]:.6f})", f"{c.f:.6g}"] for c in critical]

    grads = []
    worst = 0.0
    for c in critical:
        p = np.asarray(c.point, dtype=np.float64)
        hand = _himmelblau_gradient(p)
        tape_g = np.asarray(dg.grad(hb.himmelblau)(p))
        grads.append(float(np.max(np.abs(tape_g))))
        fd = central_difference(hb.himmelblau, p.copy())
        worst = max(worst, float(np.max(np.abs(hand - tape_g))), float(np.max(np.abs(hand - fd))))
    last = runs[0]
    return {
        "7.8.graph": graph,
        "7.8.table": table(["start", "after 200 steps", "f", "nearest minimum"], rows_71),
        "7.8.run": f"From (4, 0), after 200 steps in float32: x = ({last.final[0]:.6f}, "
        f"{last.final[1]:.6f}), f(x) = {last.final_f:.1e}.",
        "7.8.critical": table(["kind", "point", "f"], crit_rows)
        + f"\n\nAt all nine points the tape's gradient is below {max(grads):.0e} in every "
        f"component, and hand formula, tape and central differences agree to "
        f"{worst:.0e} (absolute: the gradients are themselves zero there).",
        "7.8.basins": table(
            ["η", *[_cell(m) for m in mins], "not converged", "diverged"],
            [
                [f"{d['lr']:g}", *[f"{100 * v / d['n'] ** 2:.1f} %" for v in d["counts"].values()]]
                for d in maps
            ],
        )
        + f"\n\nShare of a {maps[0]['n']} × {maps[0]['n']} grid of starts over [−6, 6]² "
        "that ends at each minimum after 200 steps.",
    }


def _cell(v) -> str:
    if isinstance(v, list | tuple | np.ndarray):
        return "(" + ", ".join(f"{float(x):.6g}" for x in v) + ")"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def section_7_9(out: Path) -> dict[str, str]:
    from deltagrad.experiments.moons import MoonsConfig, run
    from deltagrad.figures import moons as fig

    t0 = time.perf_counter()
    result = run(MoonsConfig())
    seconds = time.perf_counter() - t0
    # Figures 7-13 to 7-16 and the decision boundary, as `deltagrad moons` writes them.
    fig.write_all(result, lambda name: out / name)
    m, h = result.metrics, result.history
    return {
        "7.9.result": table(
            ["", "epochs", "training MSE", "test accuracy"],
            [
                ["the chapter (epoch 990)", "1,000", "0.024335", "97.67 %"],
                [
                    "deltagrad, seed 0 (this build)",
                    f"{m['epochs']:,}",
                    f"{h['mse'][-1]:.6f}",
                    f"{m['test_accuracy']:.2%}".replace("%", " %"),
                ],
            ],
        )
        + f"\n\nTrained while this page was built, in {seconds:.1f} s "
        f"({m['engine']} engine); train accuracy {m['train_accuracy']:.2%}.",
    }


SECTIONS: list[Callable[[Path], dict[str, str]]] = [
    section_7_1,
    section_7_2,
    section_7_3,
    section_7_4,
    section_7_5,
    section_7_6,
    section_7_7,
    section_7_7_function,
    section_7_8,
    section_7_9,
]


# --- the command-line reference --------------------------------------------------------------


def _usage(parser: argparse.ArgumentParser) -> str:
    return parser.format_usage().strip().removeprefix("usage: ")


def cli_reference() -> str:
    """Markdown for every command, from the argparse parsers the command line uses."""
    from deltagrad import __version__
    from deltagrad.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in sub._choices_actions}
    parts = [
        "# Command line\n",
        "Generated while the site was built from the parsers of `deltagrad "
        f"{__version__}` (`deltagrad.cli.build_parser()`): this page is what `--help` "
        "prints. `python -m deltagrad …` works the same way.\n",
        "```text\n" + parser.format_help().strip() + "\n```\n",
    ]
    for name, p in sub.choices.items():
        parts.append(f"## `deltagrad {name}`\n")
        parts.append(f"{helps.get(name) or ''}\n")
        rows = []
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            flags = ", ".join(f"`{s}`" for s in action.option_strings) or f"`{action.dest}`"
            if action.metavar or (action.nargs != 0 and action.option_strings):
                flags += f" `{action.metavar or action.dest.upper()}`"
            default = action.default
            hidden = default is None or default is False or default == argparse.SUPPRESS
            shown = "" if hidden else f"`{default}`"
            text = (action.help or "").replace("%(default)s", str(default)).replace("%%", "%")
            rows.append([flags, shown, " ".join(text.split())])
        parts.append(table(["option", "default", "what it does"], rows) + "\n")
        parts.append(
            "<details><summary><code>--help</code></summary>\n\n```text\n"
            + p.format_help().strip()
            + "\n```\n\n</details>\n"
        )
    return "\n".join(parts)


# --- MkDocs events ----------------------------------------------------------------------------


def on_files(files, config):
    """Compute every section, draw its figures, and add them and the CLI page to the site."""
    from mkdocs.structure.files import File

    global _tmp
    import matplotlib

    matplotlib.use("Agg")
    _tmp = tempfile.TemporaryDirectory(prefix="deltagrad-docs-")
    out = Path(_tmp.name)
    _blocks.clear()
    timings = []
    for section in SECTIONS:
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # commands and experiments print
            _blocks.update(section(out))
        timings.append(f"{section.__name__} {time.perf_counter() - t0:.1f} s")
    print("deltagrad docs: computed " + ", ".join(timings))
    for image in sorted([*out.glob("*.png"), *out.glob("*.svg")]):
        files.append(File.generated(config, f"{FIGURES}/{image.name}", abs_src_path=str(image)))
    files.append(File.generated(config, "reference/cli.md", content=cli_reference()))
    return files


def on_page_markdown(markdown, page, config, files):
    """Replace each ``<!-- build: NAME -->`` with what the build computed for NAME."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in _blocks:
            raise KeyError(f"{page.file.src_uri}: no computed block named {name!r}")
        return _blocks[name]

    return MARKER.sub(fill, markdown)


def on_post_build(config):
    global _tmp
    _himmelblau_descents.cache_clear()
    if _tmp is not None:
        _tmp.cleanup()
        _tmp = None
