"""Show the delta rule (chapter 7.7) of the chapter's network for one sample, with its numbers:
the forward pass (z and o of every layer), the output layer's δ and the formula it follows,
each hidden layer's δ from the layer above (δj = f′(oj)·Σk δk·wjk), and ∂L/∂W = o_prev·δᵀ,
∂L/∂b = δ.

The sample is --sample N, point N of the chapter's training set (make_moons(2000, noise 0.2),
the 70/30 split deltagrad moons trains on; 0..1399), or --point X,Y with --label K. The network
is the chapter's 2 -> 25 -> 50 -> 25 -> 2 (sigmoid, MSE) freshly initialised from --seed, or
any --hidden/--activation/--loss, or a trained model (--model model.npz, e.g. the one
deltagrad moons writes). With MSE, L = ½ Σk (ok − tk)² per sample, so the output δ is
(ok − tk)·f′(ok) with no factor 2/K; with softmax_cross_entropy it is pk − tk.

Every number is checked on the spot three ways: the network's own delta rule, deltagrad's
GradientTape, and central finite differences in float64; the largest relative disagreement is
printed. Layers of up to 8 neurons are printed in full, larger ones as the norm of δ and the
neurons with the largest |δ|. Writes explain.html (the network coloured by δ and ∂L/∂w, the
recursion layer by layer; Back / Next or the arrow keys step from the output layer down; one
self-contained file) and results.json (every number) to --out.
"""

from __future__ import annotations

import argparse
import html
from pathlib import Path

import numpy as np

from deltagrad.commands import common, flags
from deltagrad.experiments.gradcheck import TOLERANCE  # the largest relative error that passes

NAME = "explain"
HELP = "the delta rule (7.7) for one sample, with every number checked, as a page"

PAGE_NAME = "explain.html"
FULL_LAYER = 8  # layers up to this many neurons are printed in full
TOP_NEURONS = 3  # otherwise: the neurons with the largest |δ|


def add_arguments(parser: argparse.ArgumentParser) -> None:
    flags.allow_negative_values(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--sample",
        type=flags.int_at_least(0),
        metavar="N",
        help="training point N of the chapter's moons data (0..1399; the default: 0)",
    )
    which.add_argument(
        "--point",
        type=flags.point,
        metavar="X,Y",
        help="your own point instead (with --label)",
    )
    parser.add_argument(
        "--label",
        type=flags.int_at_least(0),
        metavar="K",
        help="the class of --point, 0..(outputs - 1)",
    )
    parser.add_argument(
        "--hidden",
        type=flags.layer_sizes,
        metavar="SIZES",
        help="hidden layer sizes, comma-separated (default: 25,50,25, the chapter's); "
        "with --model, the sizes the model must have",
    )
    flags.add_network_arguments(parser)
    parser.add_argument(
        "--lr",
        type=flags.positive_float,
        default=0.01,
        metavar="RATE",
        help="learning rate of the update shown at the end (default: 0.01, the chapter's)",
    )
    parser.add_argument(
        "--model",
        metavar="FILE.npz",
        help="a trained network (as deltagrad moons writes model.npz) instead of a "
        "fresh one; it must take 2 inputs",
    )
    common.add_common_arguments(parser, default_out="out/explain")
    # None: not given, to tell an explicit flag from its default (checked against --model)
    parser.set_defaults(activation=None, loss=None)


def run(args) -> int:
    common.check_seed(args.seed)
    if (args.point is None) != (args.label is None):
        given, missing = ("--point", "--label") if args.label is None else ("--label", "--point")
        raise common.UsageError(f"{given} needs {missing} (a point and its class go together)")
    net, source = _network(args)
    sample = None if args.point is not None else (args.sample or 0)  # default: sample 0
    x, label, described = _sample(net, sample, args.point, args.label)
    out = common.output_dir(args.out, records=RECORDS)  # claimed (locked) for this run
    result = compute(
        net, x, label, described, source, config=_config(args, sample), learning_rate=args.lr
    )
    write(out, result)
    return 0


def _network(args):
    """``(network, description)`` from the flags; UsageError for a model that does not fit."""
    from deltagrad.backprop import NeuralNetwork
    from deltagrad.experiments import explain as experiment

    if args.model is None:
        hidden = args.hidden if args.hidden is not None else experiment.CHAPTER_SIZES[1:-1]
        activation = "sigmoid" if args.activation is None else args.activation
        loss = "mse" if args.loss is None else args.loss
        net = NeuralNetwork.build(
            (2, *hidden, 2), flags.ACTIVATION_FLAGS[activation], loss, rng=args.seed
        )
        return net, _fresh_source(args.seed)
    try:
        net = NeuralNetwork.load(args.model)
    except ValueError as err:
        raise common.UsageError(f"--model: {err}") from None
    except OSError as err:
        raise common.UsageError(f"--model {args.model!r}: cannot read it: {err.strerror}") from None
    try:
        experiment.check_network(net, args.hidden)
    except ValueError as err:
        raise common.UsageError(f"--model {args.model}: {_flag_names(err)}") from None
    last = net.activations[-2] if len(net.activations) > 1 else net.activations[-1]
    if args.activation is not None and flags.ACTIVATION_FLAGS[args.activation] != last:
        raise common.UsageError(
            f"--model {args.model}: its hidden layers use {last or 'none'}, but --activation "
            f"{args.activation} was given"
        )
    if args.loss is not None and args.loss != net.loss:
        raise common.UsageError(
            f"--model {args.model}: it was trained with loss {net.loss}, but --loss "
            f"{args.loss} was given"
        )
    return net, f"trained model {args.model}"


def _flag_names(err: ValueError) -> str:
    return str(err).replace("the asked-for hidden sizes", "--hidden")


def _sample(net, sample, point, label):
    """``(x, label, description)``; UsageError for a sample or label out of range."""
    from deltagrad.experiments import explain as experiment

    K = net.sizes[-1]
    if point is not None:
        if label >= K:
            raise common.UsageError(
                f"--label must be a class of the network's {K} outputs, 0..{K - 1}, got {label}"
            )
        return np.array(point, dtype=float), label, "a point of your own (--point)"
    try:
        x, y, n = experiment.chapter_sample(sample)
    except ValueError as err:
        raise common.UsageError(str(err).replace("sample must", "--sample must")) from None
    return x, y, _training_sample(sample, n)


def _fresh_source(seed: int) -> str:
    return f"freshly initialised from seed {seed} (the chapter's initialisation)"


def _training_sample(sample: int, n: int) -> str:
    return f"training sample {sample} of {n} (the chapter's moons data, 70/30 split)"


def _config(args, sample) -> dict:
    return {
        "sample": sample,
        "point": list(args.point) if args.point is not None else None,
        "label": args.label,
        "seed": args.seed if args.model is None else None,
        "model": args.model,
        "learning_rate": args.lr,
    }


# --- compute, write, describe: the command's parts, which ``reproduce`` composes too -------

RECORDS = ("results.json",)  # the run's record: removed when a run starts, written last


def compute(
    net,
    x,
    label,
    sample: str,
    source: str,
    config: dict | None = None,
    learning_rate: float = 0.01,
) -> dict:
    """The delta rule of ``net`` at ``x``/``label``, checked three ways, and the update that
    follows, printed: ``{"explanation": ..., "context": [...], "config": {...}}``."""
    from deltagrad.experiments import explain as experiment

    try:
        explanation = experiment.explain(net, x, label, learning_rate=learning_rate)
    except ValueError as err:
        raise common.UsageError(str(err)) from None
    context = [
        f"Network {'-'.join(map(str, explanation['sizes']))}, activation "
        f"{_activation_text(explanation)}, loss {explanation['loss_name']}, {source}.",
        f"Sample: {sample}: x = ({explanation['x'][0]:.6g}, {explanation['x'][1]:.6g}), "
        f"label {explanation['label']}.",
    ]
    result = {"explanation": explanation, "context": context, "config": config or {}}
    print("\n".join(report_lines(result)))
    return result


def seeded(seed: int = 0, sample: int = 0) -> dict:
    """``compute`` for the chapter's network from ``seed`` and training sample ``sample``
    (reproduce's step)."""
    from deltagrad.backprop import NeuralNetwork
    from deltagrad.experiments import explain as experiment

    net = NeuralNetwork.build(experiment.CHAPTER_SIZES, "sigmoid", "mse", rng=seed)
    x, label, n = experiment.chapter_sample(sample)
    return compute(
        net,
        x,
        label,
        _training_sample(sample, n),
        _fresh_source(seed),
        config={"sample": sample, "point": None, "label": None, "seed": seed, "model": None},
    )


def results(result: dict) -> dict:
    """What results.json holds: every number, the settings and the files beside it."""
    e = result["explanation"]
    return {
        "config": result["config"],
        "context": result["context"],
        "max_rel_error": e["max_rel_error"],
        "passed": e["max_rel_error"] <= TOLERANCE,
        "tolerance": TOLERANCE,
        **{k: v for k, v in e.items() if k != "max_rel_error"},
        "files": [PAGE_NAME],
    }


def write(out: Path, result: dict) -> list[Path]:
    """explain.html and results.json (last) in ``out`` (a claimed folder)."""
    from deltagrad.viz import network_page

    paths = [
        network_page.write(
            common.output_file(out, PAGE_NAME), result["explanation"], result["context"]
        ),
        common.write_json(out, "results.json", results(result)),
    ]
    print(f"\nwrote {PAGE_NAME} (open it in a browser) and results.json to {out}")
    return paths


def describe(result: dict, folder: Path) -> list:
    """The report's 7.7 section: the output δ worked out, each layer's numbers, the check."""
    from deltagrad import report as rp
    from deltagrad.experiments import explain as experiment

    e = result["explanation"]
    layers = e["layers"]
    last = len(layers)
    j0 = int(np.argmax(np.abs(layers[-1]["delta"])))
    error = "o − t" if e["loss_name"] == "mse" else "p − t"
    worked = html.escape(experiment.worked_example(e, last, j0))
    output = rp.Table(
        f"Output layer {last}: {layers[-1]['formula']}",
        ["neuron", "o", "t", error, "f′(o)", "δ", "tape", "finite difference"],
        [
            [
                str(k),
                *(
                    float(v)
                    for v in (
                        layers[-1]["o"][k],
                        e["target"][k],
                        layers[-1]["error"][k],
                        layers[-1]["derivative"][k],
                        layers[-1]["delta"][k],
                        layers[-1]["tape"]["delta"][k],
                        layers[-1]["numeric"]["delta"][k],
                    )
                ),
            ]
            for k in range(layers[-1]["n_neurons"])
        ],
        digits=8,
    )
    summary = rp.Table(
        "Layer by layer, from the output down: δ and ∂L/∂W = o_prev·δᵀ",
        ["layer", "δ formula", "|δ|", "largest |δ|", "|∂L/∂W|", "rel. error (tape, FD)"],
        [
            [
                str(row["index"]),
                row["formula"],
                float(np.linalg.norm(row["delta"])),
                float(np.max(np.abs(row["delta"]))),
                float(np.linalg.norm(row["dW"])),
                f"{max(row['rel_error']['tape'].values()):.1e}, "
                f"{max(row['rel_error']['numeric'].values()):.1e}",
            ]
            for row in reversed(layers)
        ],
        digits=4,
    )
    ok = e["max_rel_error"] <= TOLERANCE
    verdict = '<span class="ok">pass</span>' if ok else '<span class="bad">FAIL</span>'
    return [
        rp.Section(
            "7.7 The delta rule, one sample with its numbers",
            [
                html.escape(" ".join(result["context"])),
                f"Loss {e['loss_formula']} = {e['loss']:.6g}. Worked out for the output neuron "
                f"with the largest |δ|: <code>{worked}</code>.",
                f"Every δ, ∂L/∂W and ∂L/∂b checked three ways (delta rule, tape, finite "
                f"differences in float64): largest relative disagreement "
                f"{e['max_rel_error']:.2e} (threshold {TOLERANCE:g}): {verdict}. Step through "
                f'the layers in <a href="{folder.name}/{PAGE_NAME}"><code>{folder.name}/'
                f"{PAGE_NAME}</code></a>; every number is in "
                f"<code>{folder.name}/results.json</code>.",
            ],
            [output, summary],
            anchor="explain",
            nav="7.7 The delta rule, one sample",
        )
    ]


# --- the terminal ---------------------------------------------------------------------------


def _activation_text(e: dict) -> str:
    """ "sigmoid", or "relu (output: linear)" when the output layer differs."""
    acts = [a or "linear" for a in e["activations"]]
    hidden = sorted(set(acts[:-1]))
    if not hidden or hidden == [acts[-1]]:
        return acts[-1]
    return f"{', '.join(hidden)} (output: {acts[-1]})"


def _f(value) -> str:
    return f"{float(value):>13.6g}" if np.isfinite(value) else f"{'—':>13}"


def _p(value) -> str:
    """A factor in a product: negative numbers in parentheses."""
    text = f"{float(value):.4g}"
    return f"({text})" if value < 0 else text


def _neuron_table(e: dict, row: dict, neurons, output: bool) -> list[str]:
    head = f"  {'j':>4}{'z':>13}{'o':>13}"
    if output:
        head += f"{'t':>13}{'o − t' if e['loss_name'] == 'mse' else 'p − t':>13}"
    else:
        head += f"{'Σk δk·wjk':>13}"
    head += f"{'f′(o)':>13}{'δ':>13}"
    lines = [head]
    for j in neurons:
        line = f"  {j:>4}{_f(row['z'][j])}{_f(row['o'][j])}"
        if output:
            line += _f(e["target"][j])
        line += f"{_f(row['error'][j])}{_f(row['derivative'][j])}{_f(row['delta'][j])}"
        lines.append(line)
    return lines


def report_lines(result: dict) -> list[str]:
    """What the command prints: the setting, the forward pass, every layer's δ from the
    output down with ∂L/∂W, and the three-way check."""
    from deltagrad.experiments import explain as experiment

    e = result["explanation"]
    layers = e["layers"]
    lines = [
        *result["context"],
        "Layers count from 1 (as in Figure 7-13), neurons j, k from 0 (array indices; the "
        "chapter's formulas count them from 1).",
        f"{e['loss_formula']} = {e['loss']:.6g}",
        "",
        "forward pass:",
    ]
    for row in layers:
        n = row["n_neurons"]
        if n <= FULL_LAYER:
            z = ", ".join(f"{v:.4g}" for v in row["z"])
            o = ", ".join(f"{v:.4g}" for v in row["o"])
            lines.append(f"  layer {row['index']} ({n}): z = ({z})  o = ({o})")
        else:
            lines.append(
                f"  layer {row['index']} ({n}): z in [{np.min(row['z']):.4g}, "
                f"{np.max(row['z']):.4g}], o in [{np.min(row['o']):.4g}, {np.max(row['o']):.4g}]"
            )
    out = ", ".join(f"{v:.6g}" for v in e["output"])
    lines.append(f"  output ({'probabilities p' if e['loss_name'] != 'mse' else 'o'}) = ({out})")
    for row in reversed(layers):
        i, n = row["index"], row["n_neurons"]
        output = i == len(layers)
        name = "output layer" if output else "layer"
        lines += [
            "",
            f"{name} {i} ({row['n_input']} -> {n}, {row['activation'] or 'linear'}): "
            f"{row['formula']}",
        ]
        delta = np.asarray(row["delta"])
        neurons: list[int]
        if n <= FULL_LAYER:
            neurons = list(range(n))
        else:
            neurons = [int(j) for j in np.argsort(-np.abs(delta), kind="stable")[:TOP_NEURONS]]
            lines.append(
                f"  |δ| = {np.linalg.norm(delta):.4g}; the {TOP_NEURONS} neurons with the "
                f"largest |δ| of {n}:"
            )
        lines += _neuron_table(e, row, neurons, output)
        worked = int(np.argmax(np.abs(delta)))
        lines.append(f"  e.g. {experiment.worked_example(e, i, worked)}")
        if not output:
            lines.append(f"    where {experiment.weighted_sum(e, i, worked, max_terms=4)}")
        dW = np.asarray(row["dW"])
        prev = "x" if i == 1 else f"o{i - 1}"
        j, k = np.unravel_index(int(np.argmax(np.abs(dW))), dW.shape)
        product = f"{_p(row['o_prev'][j])}·{_p(delta[k])} = {dW[j, k]:.4g}"
        lines.append(
            f"  ∂L/∂W{i} = {prev}·δ{i}ᵀ ({dW.shape[0]}×{dW.shape[1]}, "
            f"norm {np.linalg.norm(dW):.4g}; largest: w{j},{k} = {product}), ∂L/∂b{i} = δ{i}"
        )
    worst = e["worst"]
    quantity = "δ" if worst["quantity"] == "delta" else "∂L/∂" + worst["quantity"][1:]
    against = "the tape" if worst["check"] == "tape" else "finite differences"
    tape = max(max(r["rel_error"]["tape"].values()) for r in layers)
    numeric = max(max(r["rel_error"]["numeric"].values()) for r in layers)
    n_numbers = sum(r["delta"].size + r["dW"].size + r["db"].size for r in layers)
    lines += [
        "",
        f"checked three ways, {n_numbers:,} numbers (δ, ∂L/∂W, ∂L/∂b; errors relative to the "
        "largest |value| of each array):",
        f"  delta rule vs tape:                                {tape:.2e}",
        f"  delta rule vs finite differences (float64, h={e['eps']:g}): {numeric:.2e}",
        f"largest relative disagreement: {e['max_rel_error']:.2e} ({quantity}{worst['layer']}"
        f"[{','.join(map(str, worst['index']))}], against {against})"
        + (" PASS" if e["max_rel_error"] <= TOLERANCE else f" FAIL (above {TOLERANCE:g})"),
    ]
    if e["kinks"]:
        lines.append(f"  ({e['kinks']} finite differences at ReLU kinks skipped)")
    return lines + _update_lines(e)


def _update_lines(e: dict) -> list[str]:
    """The step that follows: one weight and one bias of each layer before and after, and the
    loss on the sample before and after."""
    u = e["update"]
    lr = u["learning_rate"]
    lines = ["", f"the update, gradient descent with η = {lr:g}: θ ← θ − η·∂L/∂θ"]
    for row, step in zip(reversed(e["layers"]), reversed(u["steps"])):
        w, b = step["weight"], step["bias"]
        lines.append(
            f"  layer {row['index']}: w{w['j']},{w['k']} = {w['before']:.6g} − "
            f"{lr:g}·{_p(w['gradient'])} = {w['after']:.6g};  b{b['k']} = {b['before']:.6g} − "
            f"{lr:g}·{_p(b['gradient'])} = {b['after']:.6g}"
        )
    before, now = u["loss_before"], u["loss_after"]
    change = f"{100 * (now - before) / before:+.3g}%" if before else "from 0"
    lines.append(
        f"  (each layer: the weight and the bias with the largest gradient; every parameter "
        f"moves the same way)\n  loss on this sample: {before:.6g} before, {now:.6g} after "
        f"({change})"
    )
    return lines
