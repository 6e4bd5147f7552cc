"""The delta rule of the chapter's network for one sample, with its numbers (chapter 7.7).

:func:`explain` runs a :class:`~deltagrad.backprop.NeuralNetwork`'s own delta rule
(:meth:`~deltagrad.backprop.NeuralNetwork.gradients`) on one sample and collects, layer by
layer, what 7.7 writes as formulas: the forward pass (``z = o_prev·W + b`` and ``o = f(z)``),
the output layer's δ, each hidden layer's δ from the layer above (``δj = f′(oj)·Σk δk·wjk``),
and ``∂L/∂W = o_prev·δᵀ``, ``∂L/∂b = δ``. Every δ, ∂L/∂W and ∂L/∂b is checked on the spot
against deltagrad's GradientTape (the same network written with deltagrad ops, differentiated
in reverse mode with respect to every ``z``, ``W`` and ``b``) and against central finite
differences of the network's NumPy loss in float64
(:func:`deltagrad.experiments.gradcheck.numeric_network_gradients`, i.e.
:func:`deltagrad.gradcheck.central_difference`). For one sample ``∂L/∂z = ∂L/∂b`` exactly
(``z = o_prev·W + b``: nudging ``b_k`` nudges ``z_k`` by the same step), so the finite
difference of δ is that of the bias.

Errors are :func:`deltagrad.gradcheck.relative_error` relative to the largest |value| of the
same array (δ of a layer, its ∂L/∂W, its ∂L/∂b), as ``deltagrad gradcheck`` measures them.

Layers are numbered from 1 as in Figure 7-13 (``o0`` is the input ``x``). Nothing here prints.
"""

from __future__ import annotations

import copy

import numpy as np

import deltagrad as dg
from deltagrad.backprop import NeuralNetwork
from deltagrad.data import chapter_data, one_hot
from deltagrad.experiments.gradcheck import (
    _TAPE_ACTIVATIONS,
    CHAPTER_SIZES,
    FD_EPS,
    numeric_network_gradients,
)
from deltagrad.functional import LEAKY_ALPHA
from deltagrad.gradcheck import relative_error

__all__ = [
    "CHAPTER_SIZES",
    "QUANTITIES",
    "chapter_sample",
    "check_network",
    "derivative_formula",
    "output_formula",
    "hidden_formula",
    "loss_formula",
    "delta_rule_rows",
    "explain",
    "worked_example",
    "weighted_sum",
    "largest_steps",
    "LEARNING_RATE",
]

LEARNING_RATE = 0.01
"""The step of the update :func:`explain` shows: the chapter's learning rate (7.9)."""

QUANTITIES = ("delta", "dW", "db")
"""The numbers checked three ways, per layer."""

# f′ written in terms of the layer's output o, as the chapter (and the delta rule) does.
_DERIVATIVE_TEXT = {
    "sigmoid": "o{i}(1 − o{i})",
    "tanh": "(1 − o{i}²)",
    "relu": "[o{i} > 0]",
    "leaky_relu": f"(1 if o{{i}} > 0 else {LEAKY_ALPHA:g})",
    None: "1",
}


def chapter_sample(index: int):
    """``(x, label, n_train)``: training point ``index`` of the chapter's data (make_moons
    2000, noise 0.2, the 70/30 split ``deltagrad moons`` trains on); ValueError naming the
    range when ``index`` is outside it."""
    X_train, _, y_train, _ = chapter_data()
    n = len(X_train)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise ValueError(
            f"sample must be an index of the chapter's training set, 0..{n - 1}, got {index!r}"
        )
    return X_train[index].copy(), int(y_train[index]), n


def check_network(net: NeuralNetwork, hidden=None) -> None:
    """ValueError unless ``net`` takes 2 inputs (a point of the plane), has at least 2
    outputs (classes) and, when ``hidden`` is given, has exactly those hidden sizes."""
    sizes = net.sizes
    if sizes[0] != 2:
        raise ValueError(
            f"the network takes {sizes[0]} inputs ({_sizes(sizes)}), but a sample is a "
            "point of the plane: 2 inputs"
        )
    if sizes[-1] < 2:
        raise ValueError(
            f"the network has {sizes[-1]} output ({_sizes(sizes)}); the labels are "
            "one-hot over at least 2 classes"
        )
    if hidden is not None and tuple(sizes[1:-1]) != tuple(hidden):
        raise ValueError(
            f"the network's hidden layers are {','.join(map(str, sizes[1:-1])) or 'none'} "
            f"({_sizes(sizes)}), not the asked-for hidden sizes {','.join(map(str, hidden))}"
        )


def _sizes(sizes) -> str:
    return "-".join(str(s) for s in sizes)


def derivative_formula(activation, index: str = "j") -> str:
    """f′ in terms of the layer's output, e.g. ``oj(1 − oj)`` for the sigmoid."""
    return _DERIVATIVE_TEXT[activation].format(i=index)


def loss_formula(loss: str) -> str:
    """The per-sample loss the delta rule differentiates."""
    if loss == "mse":
        return "L = ½ Σk (ok − tk)²"
    return "L = −Σk tk·log pk,  pk = softmax(z)k"


def output_formula(activation, loss: str) -> str:
    """The output layer's δ as the library computes it (error times f′ of the output)."""
    if loss == "mse":
        error = "(ok − tk)"
        if activation is None:
            return "δk = ok − tk"
    else:
        error = "(pk − tk)"
        if activation is None:
            return "δk = pk − tk"
    return f"δk = {error}·{derivative_formula(activation, 'k')}"


def hidden_formula(activation) -> str:
    """A hidden layer's δ from the layer above."""
    if activation is None:
        return "δj = Σk δk·wjk"
    return f"δj = {derivative_formula(activation, 'j')}·Σk δk·wjk"


def _tape(net: NeuralNetwork, x: np.ndarray, t: np.ndarray):
    """``(deltas, dWs, dbs)`` by deltagrad's tape: ∂L/∂z, ∂L/∂W, ∂L/∂b of every layer."""
    params = [(dg.Variable(W), dg.Variable(b)) for W, b in zip(net.weights, net.biases)]
    zs = []
    with dg.GradientTape() as tape:
        o = dg.constant(x[None, :])
        for (W, b), activation in zip(params, net.activations):
            z = o @ W + b
            zs.append(z)
            o = _TAPE_ACTIVATIONS[activation](z)
        if net.loss == "mse":
            loss = 0.5 * dg.sum(dg.square(o - dg.constant(t[None, :])))
        else:
            loss = -dg.sum(dg.constant(t[None, :]) * dg.log_softmax(o, axis=-1))
    grads = tape.gradient(loss, [*zs, *(v for pair in params for v in pair)])
    grads = [np.asarray(g, dtype=np.float64) for g in grads]
    n = len(zs)
    deltas = [g[0] for g in grads[:n]]
    return deltas, grads[n::2], grads[n + 1 :: 2], float(loss)


def _target(net: NeuralNetwork, label) -> np.ndarray:
    K = net.sizes[-1]
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < K:
        raise ValueError(
            f"label must be a class of the network's {K} outputs, 0..{K - 1}, got {label!r}"
        )
    return one_hot(np.array([label]), K)[0]


def delta_rule_rows(net: NeuralNetwork, x: np.ndarray, t: np.ndarray):
    """``(rows, grads)``: the delta rule of ``net`` on the one sample ``x`` (d,) with target
    ``t`` (K,), one :func:`explain` row per layer without its checks (``index`` …
    ``formula``), and ``net.gradients``' ``[(dW, db)]`` per layer.

    One function for :func:`explain` and the playground's ``step_sample``, so the page shows
    exactly the numbers ``deltagrad explain`` prints."""
    grads = net.gradients(x[None, :], t[None, :])  # caches o, error, delta in the layers
    rows = []
    o_prev = x
    for i, (layer, (dW, db)) in enumerate(zip(net.layers, grads)):
        o = np.array(layer.last_activation[0])
        rows.append(
            {
                "index": i + 1,
                "n_input": layer.n_input,
                "n_neurons": layer.n_neurons,
                "activation": layer.activation,
                "o_prev": o_prev,
                "weights": layer.weights.copy(),
                "bias": layer.bias.copy(),
                "z": o_prev @ layer.weights + layer.bias,
                "o": o,
                "derivative": np.array(layer.apply_activation_derivative(o)),
                "error": np.array(layer.error[0]),
                "delta": np.array(layer.delta[0]),
                "dW": np.array(dW),
                "db": np.array(db),
            }
        )
        o_prev = o
    for row in rows[:-1]:
        row["formula"] = hidden_formula(row["activation"])
    rows[-1]["formula"] = output_formula(rows[-1]["activation"], net.loss)
    return rows, grads


def explain(
    net: NeuralNetwork, x, label: int, eps: float = FD_EPS, learning_rate: float = LEARNING_RATE
) -> dict:
    """The delta rule of ``net`` for the sample ``x`` (2 numbers) with class ``label``.

    Returns plain data (NumPy arrays and numbers):

    * ``x``, ``label``, ``target`` (one-hot), ``loss`` (the value), ``loss_name``,
      ``loss_formula``, ``sizes``, ``activations``, ``output`` (what ``predict`` returns:
      probabilities for cross-entropy);
    * ``layers``: one dict per layer, from layer 1 (after the input) to the output, with
      ``index``, ``n_input``, ``n_neurons``, ``activation``, ``formula`` (its δ),
      ``o_prev`` (its input), ``weights``, ``bias``, ``z``, ``o``, ``derivative`` (f′ from
      ``o``), ``error`` (∂L/∂o: ``o − t`` or ``p − t`` for the output layer, ``Σk δk·wjk``
      below it), ``delta``, ``dW``, ``db`` (the delta rule's), ``tape`` and ``numeric``
      (``{"delta", "dW", "db"}`` by the tape and by finite differences; NaN where a finite
      difference straddles a ReLU kink) and ``rel_error`` (``{"tape": {...}, "numeric":
      {...}}``: the largest relative error of each quantity against the delta rule);
    * ``max_rel_error`` (over every number and both checks), ``worst`` (where: layer,
      quantity, check, index), ``kinks`` (finite differences skipped) and ``eps``;
    * ``update``: the gradient-descent step θ ← θ − η·∂L/∂θ that follows, with η =
      ``learning_rate``: ``learning_rate``, ``loss_before`` and ``loss_after`` (the loss on
      this sample), per layer ``weights_after`` and ``bias_after``, and ``steps``
      (:func:`largest_steps`). ``net`` itself is not changed.
    """
    x = np.array(x, dtype=np.float64)
    if x.shape != (2,) or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be two finite numbers, got {np.asarray(x).tolist()!r}")
    check_network(net)
    t = _target(net, label)
    X, T = x[None, :], t[None, :]

    rows, _ = delta_rule_rows(net, x, t)

    t_delta, t_dW, t_db, _ = _tape(net, x, t)
    numeric, kinks = numeric_network_gradients(net, X, T, eps)
    loss = net.loss_value(X, T)
    output = np.array(net.feed_forward(x))

    worst: dict = {"rel_error": 0.0}
    n_kinks = 0
    for k, row in enumerate(rows):
        n_dW, n_db = numeric[2 * k], numeric[2 * k + 1]
        k_dW, k_db = kinks[2 * k], kinks[2 * k + 1]
        n_kinks += int(k_dW.sum() + k_db.sum())
        row["tape"] = {"delta": t_delta[k], "dW": t_dW[k], "db": t_db[k]}
        row["numeric"] = {"delta": n_db.copy(), "dW": n_dW, "db": n_db}
        kink = {"delta": k_db, "dW": k_dW, "db": k_db}
        row["rel_error"] = {"tape": {}, "numeric": {}}
        for check in ("tape", "numeric"):
            for q in QUANTITIES:
                ours, theirs = row[q], row[check][q]
                theirs = np.where(kink[q], ours, theirs) if check == "numeric" else theirs
                err = relative_error(ours, theirs)
                j = int(np.argmax(err))
                row["rel_error"][check][q] = float(err.flat[j])
                if err.flat[j] > worst["rel_error"]:
                    worst = {
                        "rel_error": float(err.flat[j]),
                        "layer": row["index"],
                        "quantity": q,
                        "check": check,
                        "index": [int(v) for v in np.unravel_index(j, err.shape)],
                    }
    if "layer" not in worst:  # every number agrees exactly: name the first
        worst.update(layer=rows[-1]["index"], quantity="delta", check="tape", index=[0])
    stepped = copy.deepcopy(net)
    stepped._apply([(row["dW"], row["db"]) for row in rows], learning_rate)
    update = {
        "learning_rate": float(learning_rate),
        "loss_before": float(loss),
        "loss_after": float(stepped.loss_value(X, T)),
        "layers": [{"weights_after": W, "bias_after": b}
                   for W, b in zip(stepped.weights, stepped.biases)],
        "steps": largest_steps(rows, stepped.weights, stepped.biases),
    }  # fmt: skip
    return {
        "x": x,
        "label": int(label),
        "target": t,
        "output": output,
        "loss": float(loss),
        "loss_name": net.loss,
        "loss_formula": loss_formula(net.loss),
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "layers": rows,
        "max_rel_error": worst["rel_error"],
        "worst": worst,
        "kinks": n_kinks,
        "eps": eps,
        "update": update,
    }


def _v(value: float) -> str:
    """A number for a substituted formula; negative ones in parentheses."""
    text = f"{value:.5g}"
    return f"({text})" if value < 0 else text


def _derivative_numbers(activation, o: float) -> str:
    if activation == "sigmoid":
        return f"{_v(o)}·(1 − {_v(o)})"
    if activation == "tanh":
        return f"(1 − {_v(o)}²)"
    if activation == "relu":
        return "1" if o > 0 else "0"
    if activation == "leaky_relu":
        return "1" if o > 0 else f"{LEAKY_ALPHA:g}"
    return ""


def worked_example(result: dict, layer: int, neuron: int) -> str:
    """One neuron's δ with its numbers in the layer's formula, e.g.
    ``δ0 = (o0 − t0)·o0(1 − o0) = (0.75348 − 1)·0.75348·(1 − 0.75348) = -0.045791``;
    ``layer`` counts from 1 as in Figure 7-13."""
    row = result["layers"][layer - 1]
    act, j = row["activation"], neuron
    o = float(row["o"][j])
    f_prime = _derivative_numbers(act, o)
    if layer == len(result["layers"]):
        t = float(result["target"][j])
        if result["loss_name"] == "mse":
            name, value = f"(o{j} − t{j})", f"({_v(o)} − {t:g})"
        else:
            p = float(result["output"][j])
            name, value = f"(p{j} − t{j})", f"({_v(p)} − {t:g})"
        symbolic = name if act is None else f"{name}·{derivative_formula(act, str(j))}"
        numbers = value if act is None else f"{value}·{f_prime}"
    else:
        error = float(row["error"][j])
        symbolic = f"Σk δk·w{j},k"
        numbers = f"{error:.5g}"
        if act is not None:
            symbolic = f"{derivative_formula(act, str(j))}·{symbolic}"
            numbers = f"{f_prime}·{_v(error)}"
    return f"δ{j} = {symbolic} = {numbers} = {float(row['delta'][j]):.5g}"


def largest_steps(rows, weights_after, biases_after) -> list[dict]:
    """Per layer, the weight and the bias with the largest |derivative| and their step:
    ``{"weight": {"j", "k", "before", "gradient", "after"}, "bias": {"k", "before",
    "gradient", "after"}}`` (Python numbers), from :func:`delta_rule_rows`' rows (the values
    before the step) and the weights and biases after it. What ``deltagrad explain``,
    ``explain.html`` and the playground show of the update."""
    steps = []
    for row, W, b in zip(rows, weights_after, biases_after):
        dW, db = np.asarray(row["dW"]), np.asarray(row["db"])
        j, k = (int(v) for v in np.unravel_index(int(np.argmax(np.abs(dW))), dW.shape))
        kb = int(np.argmax(np.abs(db)))
        steps.append(
            {
                "weight": {
                    "j": j,
                    "k": k,
                    "before": float(row["weights"][j, k]),
                    "gradient": float(dW[j, k]),
                    "after": float(np.asarray(W)[j, k]),
                },
                "bias": {
                    "k": kb,
                    "before": float(row["bias"][kb]),
                    "gradient": float(db[kb]),
                    "after": float(np.asarray(b)[kb]),
                },
            }
        )
    return steps


def weighted_sum(result: dict, layer: int, neuron: int, max_terms: int = 6) -> str:
    """A hidden neuron's Σk δk·wjk written out term by term, e.g.
    ``Σk δk·w21,k = δ0·w21,0 + δ1·w21,1 = (-0.04579)·0.2531 + 0.007486·(-0.1102) = -0.0599``.

    ``layer`` counts from 1 and must be below the output layer; the sum runs over the layer
    above. With more than ``max_terms`` neurons above, the first terms and the last are
    written out and the rest elided (the total is still the whole sum)."""
    rows = result["layers"]
    if not 1 <= layer < len(rows):
        raise ValueError(f"layer must be a hidden layer, 1..{len(rows) - 1}, got {layer!r}")
    j = neuron
    above = rows[layer]  # the next layer up (rows count from 0)
    delta, w = np.asarray(above["delta"]), np.asarray(above["weights"])[j]
    ks = list(range(len(delta)))
    shown = ks if len(ks) <= max_terms else [*ks[: max_terms - 2], ks[-1]]
    names, values = [], []
    for n, k in enumerate(shown):
        if len(shown) < len(ks) and n == len(shown) - 1:
            names.append("…")
            values.append("…")
        names.append(f"δ{k}·w{j},{k}")
        values.append(f"{_v(float(delta[k]))}·{_v(float(w[k]))}")
    total = float(delta @ w)
    more = f" ({len(ks)} terms)" if len(shown) < len(ks) else ""
    return f"Σk δk·w{j},k = {' + '.join(names)} = {' + '.join(values)} = {total:.5g}{more}"
