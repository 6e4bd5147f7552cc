"""Your backward pass against the truth: which parameter is wrong first, and which mistake it is.

:func:`check_backprop` takes a loss, your hand-written gradients and the parameters;
:func:`check_network` takes a network shaped like chapter 7.9's and runs one of its
``backpropagation`` steps. Both return a :class:`BackpropReport`.

The truth is the tape's gradient of the loss, confirmed by central differences in float64
(:mod:`deltagrad.gradcheck`'s step and error). Where the loss is a chain of dense layers
(``z = x @ W + b``, ``o = f(z)``), the recorded tape also gives each layer's input, ``z``, ``o``,
activation and the true ∂L/∂o and ∂L/∂z, so every classic mistake of chapter 7.7 can be
*tested*: the gradient it would produce is computed and compared with yours. Layers are walked
from the output down, as backpropagation walks them; a mistake in one layer's δ flows into every
layer below it, and those layers are reported as following from it.

Mistake kinds (:data:`KINDS`): ``sign``, ``scale``, ``transpose``,
``missing_activation_derivative``, ``wrong_activation_derivative``, ``batch_reduction``,
``zero``, ``shape`` and ``other``. Nothing here prints.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltagrad.gradcheck import EPS, central_difference, plain_index, relative_error
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, constant

__all__ = ["KINDS", "Finding", "BackpropReport", "check_backprop", "check_network"]

KINDS = (
    "sign",
    "scale",
    "transpose",
    "missing_activation_derivative",
    "wrong_activation_derivative",
    "batch_reduction",
    "zero",
    "shape",
    "other",
)
"""Every ``Finding.kind``, from the most specific diagnosis to none (``other``)."""

MAX_DIFFERENCED = 4000
"""Above this many parameter entries the finite-difference confirmation of the truth nudges a
seeded random sample of this many entries instead of every one."""

_DERIVATIVE = {
    "sigmoid": "σ′(z) = o(1 − o)",
    "tanh": "tanh′(z) = 1 − o²",
    "relu": "ReLU′(z) = 1 where z > 0, else 0",
    "leaky_relu": "LeakyReLU′(z) = 1 where z > 0, else α",
}


@dataclass
class Finding:
    """One wrong parameter: what is wrong, in words and in numbers.

    Attributes:
        param: the parameter's name (``W2``, ``b1``, a dict key, or ``params[0]``).
        kind: one of :data:`KINDS`.
        message: a sentence for a student, with a few expected-vs-got numbers and indices.
        expected: the true gradient (from the tape).
        got: your gradient (None when it was not given).
        detail: what the diagnosis found, e.g. ``{"factor": 2.0}``, ``{"activation":
            "sigmoid"}``, ``{"layer": 3}``, ``{"follows_from": "W3"}``.
    """

    param: str
    kind: str
    message: str
    expected: np.ndarray
    got: np.ndarray | None
    detail: dict = field(default_factory=dict)


@dataclass
class BackpropReport:
    """The result of :func:`check_backprop` / :func:`check_network`.

    Attributes:
        findings: one :class:`Finding` per wrong parameter, the first where backpropagation
            first goes wrong (from the output layer down).
        params: every parameter checked, in the order given.
        truth_error: the largest error between the tape and the finite differences (the
            truth's own check, relative as in :func:`deltagrad.gradcheck.relative_error`).
        layers: the dense layers found in the loss, as ``"W1, b1: sigmoid"`` lines.
        notes: what limited the diagnosis (e.g. an activation the checker does not know).
    """

    findings: list[Finding]
    params: list[str]
    truth_error: float
    layers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every gradient you gave is right."""
        return not self.findings

    def __str__(self) -> str:
        notes = [f"Note: {n}." for n in self.notes]
        n = len(self.params)
        if self.ok:
            every = "The 1 gradient is" if n == 1 else f"All {n} gradients are"
            return "\n".join(
                [
                    f"{every} right ({', '.join(self.params)}), checked against the tape "
                    f"(which agrees with finite differences to {self.truth_error:.1e}).",
                    *notes,
                ]
            )
        first = self.findings[0]
        lines = [
            f"{len(self.findings)} of {n} gradient{'s' * (n != 1)} "
            f"{'is' if len(self.findings) == 1 and n == 1 else 'are'} wrong. Backpropagation "
            f"first goes wrong at {first.param} ({first.kind.replace('_', ' ')}):"
        ]
        for f in self.findings:
            lines.append(f"  {f.param} [{f.kind}] {f.message}")
        return "\n".join(lines + notes)

    def _repr_html_(self) -> str:
        if self.ok:
            return f"<p>✓ {html.escape(str(self))}</p>"
        rows = "".join(
            f"<tr><td><code>{html.escape(f.param)}</code></td><td>{html.escape(f.kind)}</td>"
            f"<td>{html.escape(f.message)}</td></tr>"
            for f in self.findings
        )
        head = html.escape(str(self).splitlines()[0])
        return (
            f"<p>✗ {head}</p><table><thead><tr><th>parameter</th><th>kind</th>"
            f"<th>what is wrong</th></tr></thead><tbody>{rows}</tbody></table>"
        )


# --- parameters in, truth out ------------------------------------------------------------


def _named(params) -> tuple[list[str], list[np.ndarray], bool]:
    if isinstance(params, Mapping):
        names = [str(k) for k in params]
        values = list(params.values())
        keyed = True
    elif isinstance(params, (list, tuple)):
        names = [f"params[{i}]" for i in range(len(params))]
        values = list(params)
        keyed = False
    else:
        raise TypeError(
            "check_backprop: params must be a dict name → array, or a list/tuple of arrays, "
            f"got {type(params).__name__}"
        )
    if not names:
        raise ValueError("check_backprop: params is empty: nothing to check")
    arrays = []
    for name, v in zip(names, values):
        raw = np.asarray(v._value if isinstance(v, Tensor) else v)
        if raw.dtype.kind not in "biuf":
            raise TypeError(
                f"check_backprop: parameter {name} must be real numbers, got {raw.dtype} "
                f"({type(v).__name__})"
            )
        a = raw.astype(np.float64)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"check_backprop: parameter {name} holds NaN or infinity")
        arrays.append(a)
    return names, arrays, keyed


def _call(fn, names, values, keyed, what: str = "loss"):
    if not callable(fn):
        raise TypeError(
            f"check_backprop: {what} must be a function, called as {what}(**params) for a dict "
            f"of parameters ({what}(*params) for a list), got {type(fn).__name__}"
        )
    try:
        return fn(**dict(zip(names, values))) if keyed else fn(*values)
    except TypeError as err:
        if "argument" not in str(err):
            raise
        how = f"{what}({', '.join(names)})" if keyed else f"{what}(*params)"
        raise TypeError(
            f"check_backprop: {what} is called as {how}, one argument per parameter: {err}"
        ) from err


@dataclass
class _Layer:
    """A dense layer found on the tape: z = x @ W (+ b), o = f(z)."""

    W: str
    b: str | None
    x: np.ndarray
    z: np.ndarray
    o: np.ndarray
    activation: str | None
    alpha: float
    delta_o: np.ndarray  # the true ∂L/∂o
    x_from: int | None  # the index of the layer whose output is x, if any
    number: int = 0
    unrecognised: bool = False  # z feeds an operation that is not a known activation


_ACTIVATIONS = {"sigmoid", "tanh", "relu", "leaky_relu"}


def _truth(loss, names, arrays, keyed) -> tuple[list[np.ndarray], list[_Layer]]:
    """The tape's gradients of ``loss`` and the dense layers its tape holds."""
    xs = [constant(a) for a in arrays]
    with GradientTape(persistent=True) as tape:
        tape.watch(xs)
        out = _call(loss, names, xs, keyed)
        if isinstance(out, Tensor) and out.size == 1 and out.shape:
            out = out.reshape(())  # recorded, so that the tape differentiates through it
    if not isinstance(out, Tensor):
        raise ValueError(
            f"check_backprop: loss returned a plain {type(out).__name__}, not a value the tape "
            "recorded: write it with NumPy or dg operations on its arguments and return the "
            "result (no float(), .item() or .numpy() inside)"
        )
    if out.size != 1 or out.dtype.kind != "f":
        raise ValueError(
            "check_backprop: loss must return one real number computed from the parameters, "
            f"got a {out.dtype} Tensor of shape {out.shape}"
        )
    grads = tape.gradient(out, xs, unconnected_gradients="zero")
    truth = [np.asarray(g, dtype=np.float64) for g in grads]
    layers = _find_layers(tape, out, xs, names)
    return truth, layers


def _find_layers(tape, out, xs, names) -> list[_Layer]:
    entries = list(tape._entries)
    by_param = {id(x): n for x, n in zip(xs, names)}
    found: list[tuple[_Layer, Any, Any, Any]] = []
    for i, (_, prim, args, vals, res, _, _) in enumerate(entries):
        if prim.name != "matmul" or len(args) != 2 or id(args[1]) not in by_param:
            continue
        W = by_param[id(args[1])]
        if np.ndim(args[1]) != 2 or np.ndim(vals[0]) not in (1, 2):
            continue
        z_t, b = res, None
        after = entries[i + 1 :]
        for _, p2, a2, _, r2, _, _ in after:
            if p2.name == "add" and any(a is res for a in a2):
                other = a2[1] if a2[0] is res else a2[0]
                if id(other) in by_param and np.ndim(other) == 1:
                    z_t, b = r2, by_param[id(other)]
                break
        o_t, activation, alpha, unknown = z_t, None, 0.0, False
        for _, p3, a3, _, r3, par3, _ in after:
            if any(a is z_t for a in a3):
                if p3.name in _ACTIVATIONS and len(a3) == 1:
                    o_t, activation = r3, p3.name
                    alpha = float(par3.get("alpha", 0.01)) if p3.name == "leaky_relu" else 0.0
                else:
                    unknown = p3.name not in ("matmul", "sum", "subtract", "softmax_cross_entropy")
                break
        # One sample as a vector is a batch of one row (the algebra below is in rows).
        layer = _Layer(W, b, _rows(vals[0]), _rows(z_t._value), _rows(o_t._value), activation,
                       alpha, np.empty(0), None)  # fmt: skip
        layer.unrecognised = unknown
        found.append((layer, args[0], z_t, o_t))
    if not found:
        return []
    delta_o = tape.gradient(out, [f[3] for f in found], unconnected_gradients="zero")
    layers = []
    for k, ((layer, x_t, _, _), d) in enumerate(zip(found, delta_o)):
        layer.delta_o = _rows(d)
        layer.number = k + 1
        layer.x_from = next((j for j, f in enumerate(found[:k]) if f[3] is x_t), None)
        layers.append(layer)
    return layers


def _rows(a) -> np.ndarray:
    return np.atleast_2d(np.asarray(a, dtype=np.float64))


def _confirm(loss, names, arrays, keyed, truth, seed: int = 0) -> float:
    """The largest error between the tape and central differences, over every entry (or a
    seeded sample of :data:`MAX_DIFFERENCED` entries for large parameters)."""
    total = sum(a.size for a in arrays)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for k, a in enumerate(arrays):
        take = a.size if total <= MAX_DIFFERENCED else max(1, a.size * MAX_DIFFERENCED // total)
        flat = np.sort(rng.choice(a.size, size=min(take, a.size), replace=False))
        work = [x.copy() for x in arrays]

        def value(_, k=k, work=work):  # work[k] is nudged in place by central_difference
            out = _call(loss, names, [constant(x) for x in work], keyed)
            return float(np.asarray(out).reshape(-1)[0])

        numeric = np.empty(len(flat))
        view = work[k].reshape(-1)  # a view: nudging one entry of it nudges work[k]
        for j, i in enumerate(flat):
            numeric[j] = central_difference(lambda v, i=i: value(v), view[i : i + 1], EPS)[0]
        # Differences resolve a derivative only to ~1e-10·|L|: a gradient that is zero (at a
        # minimum, say) is compared at that scale, not by its own size.
        floor = 1e-4 * max(1.0, abs(float(value(None))))
        err = relative_error(truth[k].reshape(-1)[flat], numeric, floor=floor)
        worst = max(worst, float(np.max(err, initial=0.0)))
    return worst


# --- the diagnosis ---------------------------------------------------------------------------


def _close(got, want, rtol) -> bool:
    return (
        got is not None
        and got.shape == np.shape(want)
        and bool(np.all(relative_error(got, want) <= rtol))
    )


def _examples(want, got, n: int = 2) -> str:
    """'at [0, 1] expected 0.25, got 1.25; …' for the entries that differ most."""
    diff = np.abs(np.asarray(got) - np.asarray(want)).reshape(-1)
    parts = []
    for i in np.argsort(-diff, kind="stable")[:n]:
        idx = np.unravel_index(int(i), np.shape(want))
        where = plain_index(idx)
        parts.append(f"{where}: expected {want[idx]:.4g}, got {np.asarray(got)[idx]:.4g}")
    return "At " + "; at ".join(parts) if np.ndim(want) else parts[0][2:].capitalize()


def _factor_words(c: float, batch: int | None, lr: float | None) -> str | None:
    """What a constant factor between your gradient and the truth usually means, or None when
    it is no factor with a usual cause."""

    def near(v):
        return math.isclose(c, v, rel_tol=1e-6)

    if near(2.0):
        also = ", or summed over the batch of 2 where the loss averages" if batch == 2 else ""
        return (
            "twice the truth: the ½ of L = ½ Σ (o − t)² was dropped (its derivative is o − t)"
            + also
        )
    if near(0.5):
        also = ", or averaged over the batch of 2 where the loss sums" if batch == 2 else ""
        return (
            "half the truth: a ½ too many (the derivative of ½ (o − t)² is o − t, not "
            "½ (o − t))" + also
        )
    if batch and batch > 1 and near(1 / batch):
        return f"1/{batch} of the truth: averaged over the batch of {batch} where the loss sums"
    if batch and batch > 1 and near(batch):
        return f"{batch} times the truth: summed over the batch of {batch} where the loss averages"
    if lr and near(lr):
        return f"the truth times the learning rate {lr:g}: the step, not the gradient"
    if lr and near(1 / lr):
        return f"the truth divided by the learning rate {lr:g}"
    return None


@dataclass
class _Mistake:
    """A hypothesis: at layer ``layer``, the student's δ (∂L/∂z) is ``delta_z(d_o)`` instead
    of the truth, or the error passed down is computed without transposing the weights."""

    layer: int
    kind: str
    what: str
    delta_z: Callable[[np.ndarray], np.ndarray] | None = None
    untransposed: bool = False
    detail: dict = field(default_factory=dict)


def _f_prime(layer: _Layer) -> np.ndarray:
    z, o = layer.z, layer.o
    if layer.activation == "sigmoid":
        return o * (1 - o)
    if layer.activation == "tanh":
        return 1 - o**2
    if layer.activation == "relu":
        return (z > 0).astype(float)
    if layer.activation == "leaky_relu":
        return np.where(z > 0, 1.0, layer.alpha)
    return np.ones_like(z)


def _wrong_derivatives(layer: _Layer) -> list[tuple[str, np.ndarray]]:
    z, o, a = layer.z, layer.o, layer.activation
    if a == "sigmoid":
        s = 1 / (1 + np.exp(-o))
        return [
            ("σ′ at z: z(1 − z) where it should be o(1 − o)", z * (1 - z)),
            ("σ′ applied to o: σ(o)(1 − σ(o)) where it should be o(1 − o)", s * (1 - s)),
            ("σ instead of σ′: o where it should be o(1 − o)", o),
        ]
    if a == "tanh":
        return [
            ("tanh′ at z: 1 − z² where it should be 1 − o²", 1 - z**2),
            ("tanh′ applied to o: 1 − tanh(o)² where it should be 1 − o²", 1 - np.tanh(o) ** 2),
            ("tanh instead of tanh′: o where it should be 1 − o²", o),
            ("the sigmoid's derivative o(1 − o) in a tanh layer, where it should be 1 − o²",
             o * (1 - o)),
        ]  # fmt: skip
    if a == "relu":
        return [
            ("ReLU instead of ReLU′: o where it should be 1 (z > 0) or 0", o),
            ("the sigmoid's derivative o(1 − o) in a ReLU layer, where it should be 1 (z > 0) "
             "or 0", o * (1 - o)),
        ]  # fmt: skip
    if a == "leaky_relu":
        return [
            ("ReLU′ (0 for z < 0) where LeakyReLU′ is α for z < 0", (z > 0).astype(float)),
            ("LeakyReLU instead of its derivative: o", o),
        ]
    return []


def _times(f_prime: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    return lambda d: d * f_prime


def _delta_mistakes(layers: list[_Layer], k: int) -> list[_Mistake]:
    """Every δ-level mistake that can be tested at layer ``k`` (index in ``layers``)."""
    layer = layers[k]
    name = f"layer {layer.number}"
    out: list[_Mistake] = []
    if layer.activation is not None:
        out.append(
            _Mistake(k, "missing_activation_derivative",
                     f"the δ of {name} is missing f′: {_DERIVATIVE[layer.activation]}",
                     lambda d: d, detail={"activation": layer.activation})
        )  # fmt: skip
        for what, wrong in _wrong_derivatives(layer):
            out.append(
                _Mistake(k, "wrong_activation_derivative", f"the δ of {name} uses {what}",
                         _times(wrong), detail={"activation": layer.activation})
            )  # fmt: skip
    above = k + 1
    if above < len(layers) and layers[above].x_from == k:
        out.append(
            _Mistake(k, "transpose",
                     f"the error of {name} multiplies by W{layers[above].number} where it "
                     f"should be W{layers[above].number}ᵀ (δ_{layer.number} = (δ_"
                     f"{layers[above].number} · W{layers[above].number}ᵀ) ⊙ f′)",
                     untransposed=True, detail={"weights": f"W{layers[above].number}"})
        )  # fmt: skip
    return out


def _deltas(layers, weights, mistakes: dict[int, _Mistake]) -> list[np.ndarray] | None:
    """Every layer's δ (∂L/∂z) in a student's pass with ``mistakes`` (one per layer at most),
    walking from the output down. Where a layer does not feed the next, its true ∂L/∂o is
    used. None when a mistake cannot happen (unless square, W cannot be used untransposed)."""
    d_z: list[Any] = [None] * len(layers)
    for k in reversed(range(len(layers))):
        layer, m, above = layers[k], mistakes.get(k), k + 1
        if above < len(layers) and layers[above].x_from == k:
            W = weights[layers[above].W]
            if m is not None and m.untransposed:
                if W.shape[0] != W.shape[1]:
                    return None
                d_o = d_z[above] @ W
            else:
                d_o = d_z[above] @ W.T
        else:
            d_o = layer.delta_o
        d_z[k] = m.delta_z(d_o) if m is not None and m.delta_z else d_o * _f_prime(layer)
    return d_z


def _simulate(layers, weights, mistakes: dict[int, _Mistake]) -> dict[str, np.ndarray] | None:
    """The gradients (name → array) of a student's pass with ``mistakes``."""
    deltas = _deltas(layers, weights, mistakes)
    if deltas is None:
        return None
    grads = {}
    for layer, d in zip(layers, deltas):
        grads[layer.W] = layer.x.T @ d
        if layer.b is not None:
            grads[layer.b] = d.sum(axis=0)
    return grads


def _scale_mistake(layer_index: int, layer: _Layer, c: float, words: str) -> _Mistake:
    kind = "sign" if math.isclose(c, -1.0, rel_tol=1e-6) else "scale"
    what = (
        f"the δ of layer {layer.number} has the wrong sign (the negative of the truth)"
        if kind == "sign"
        else f"the δ of layer {layer.number} is {words}"
    )
    fp = _f_prime(layer)
    return _Mistake(layer_index, kind, what, lambda d: c * d * fp, detail={"factor": c})


def _factor(got, want) -> float | None:
    """The constant c with got ≈ c·want (least squares), or None."""
    den = float(np.sum(want * want))
    if got is None or got.shape != want.shape or den == 0.0:
        return None
    c = float(np.sum(got * want)) / den
    return c if c != 0.0 and not math.isclose(c, 1.0, rel_tol=1e-9) else None


class _Diagnosis:
    """Walks the parameters from the output down and explains each wrong gradient."""

    def __init__(self, names, truth, got, layers, values, rtols, batch, lr):
        self.names, self.rtols, self.batch, self.lr = names, rtols, batch, lr
        self.truth = dict(zip(names, truth))
        self.got = dict(zip(names, got))
        self.values = dict(zip(names, values))
        self.layers = layers
        self.mistakes: dict[int, _Mistake] = {}
        self.origin: dict[int, str] = {}  # layer index of a δ mistake -> the param it was seen at
        self.findings: list[Finding] = []

    def words(self, c: float) -> str:
        return _factor_words(c, self.batch, self.lr) or f"{c:.4g} times the truth"

    def close(self, param: str, got, want) -> bool:
        return _close(got, want, self.rtols[param])

    def informative(self, param: str | None) -> bool:
        """Whether your gradient of ``param`` can confirm or refute a δ hypothesis."""
        g = None if param is None else self.got[param]
        return g is not None and g.shape == self.truth[param].shape and bool(np.any(g))

    def add(self, param, kind, message, **detail):
        if not any(message.startswith(n) for n in self.names):
            message = message[:1].upper() + message[1:]
        self.findings.append(
            Finding(param, kind, message, self.truth[param], self.got[param], detail)
        )

    def run(self) -> list[Finding]:
        in_layers = set()
        for k in reversed(range(len(self.layers))):
            layer = self.layers[k]
            for param in (layer.W, layer.b):
                if param is None:
                    continue
                in_layers.add(param)
                self.layer_param(k, param)
        for param in self.names:
            if param not in in_layers and not self.right(param):
                self.generic(param, self.truth[param])
        return self.findings

    def right(self, param) -> bool:
        return self.close(param, self.got[param], self.truth[param])

    def simulate(self, mistakes) -> dict | None:
        return _simulate(self.layers, self.values, mistakes)

    def layer_param(self, k: int, param: str) -> None:
        if self.right(param):
            return
        g, layer = self.got[param], self.layers[k]
        base = self.simulate(self.mistakes)
        assert base is not None
        if self.mistakes and self.close(param, g, base[param]):
            self.inherited(k, param)
            return
        if (
            g is None
            or g.shape != self.truth[param].shape
            or not np.all(np.isfinite(g))
            or not np.any(g)
        ):
            self.generic(param, base[param], layer=k)  # missing, shape, NaN or zero
            return
        other = layer.b if param == layer.W else layer.W
        for m in self.candidates(k, g, base[param]):
            sim = self.simulate({**self.mistakes, k: m})
            if sim is None or not self.close(param, g, sim[param]):
                continue
            # A mistake in δ changes W and b alike: the layer's other gradient must agree.
            if self.informative(other) and not self.close(other, self.got[other], sim[other]):
                continue
            self.mistakes[k] = m
            self.origin[k] = param
            self.add(param, m.kind, f"{m.what}. {_examples(self.truth[param], g)}.",
                     layer=layer.number, **m.detail)  # fmt: skip
            return
        if param == layer.W and self.wrong_input(k, g):
            return
        if param == layer.b and self.bias_rows(k, g):
            return
        self.generic(param, base[param], layer=k)

    def candidates(self, k, g, base_p) -> list[_Mistake]:
        layer = self.layers[k]
        if k in self.mistakes:  # the other parameter of this layer already showed the mistake
            return [self.mistakes[k]]
        found = _delta_mistakes(self.layers, k)
        c = _factor(g, base_p)
        if c is not None:
            found.append(_scale_mistake(k, layer, c, self.words(c)))
        return found

    def inherited(self, k: int, param: str) -> None:
        source = min(j for j in self.mistakes if j >= k)  # the nearest mistake at or above
        first, m = self.origin[source], self.mistakes[source]
        if source == k:
            text = f"the same mistake as {first}: {m.what}"
        else:
            text = (
                f"follows from the mistake at {first} ({m.what}): its δ flows down into this "
                f"layer; fix {first} first"
            )
        self.add(param, m.kind, f"{text}. {_examples(self.truth[param], self.got[param])}.",
                 layer=self.layers[k].number, follows_from=first)  # fmt: skip

    def wrong_input(self, k: int, g) -> bool:
        """∂L/∂W built from the wrong array as the layer's input (z instead of o, the wrong
        layer's output)."""
        layer = self.layers[k]
        d_z = self._delta_z(k)
        for name, arr in self.arrays():
            if arr is layer.x or arr.shape != layer.x.shape or np.array_equal(arr, layer.x):
                continue
            if self.close(layer.W, g, arr.T @ d_z):
                right = "x" if layer.x_from is None else f"o{self.layers[layer.x_from].number}"
                self.add(
                    layer.W,
                    "other",
                    f"∂L/∂W{layer.number} = inputᵀ · δ{layer.number} uses {name} as the "
                    f"layer's input where it should be {right}. "
                    f"{_examples(self.truth[layer.W], g)}.",
                    layer=layer.number,
                    used=name,
                )
                return True
        return False

    def _delta_z(self, k: int) -> np.ndarray:
        """Layer ``k``'s δ rows in the student's pass as diagnosed so far."""
        deltas = _deltas(self.layers, self.values, self.mistakes)
        assert deltas is not None  # every recorded mistake was possible
        return deltas[k]

    def arrays(self):
        for k, layer in enumerate(self.layers):
            n = layer.number
            if k == 0:
                yield "x", layer.x
            yield f"z{n} (before the activation)", layer.z
            yield f"o{n}", layer.o

    def bias_rows(self, k: int, g) -> bool:
        layer = self.layers[k]
        d_z = self._delta_z(k)
        if d_z.shape[0] < 2:
            return False
        for row, which in ((0, "first"), (-1, "last")):
            if self.close(layer.b, g, d_z[row]):
                self.add(
                    layer.b,
                    "batch_reduction",
                    f"∂L/∂b{layer.number} is the {which} sample's δ only; it should be the sum "
                    f"of δ{layer.number} over the batch's {d_z.shape[0]} rows. "
                    f"{_examples(self.truth[layer.b], g)}.",
                    layer=layer.number,
                )
                return True
        return False

    def generic(self, param: str, want, layer: int | None = None) -> None:
        """Zero, shape, transpose, sign, scale — or other — against ``want``."""
        g, truth = self.got[param], self.truth[param]
        where = {} if layer is None else {"layer": self.layers[layer].number}
        if g is None:
            self.add(param, "zero", f"no gradient was given for {param}.", **where)
            return
        bad = ~np.isfinite(g)
        if np.any(bad):
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            where_text = f" at {plain_index(idx)}" if idx else ""
            self.add(param, "other", f"the gradient of {param} contains NaN or infinity "
                     f"({int(bad.sum())} of {g.size} entries, first{where_text}).",
                     **where)  # fmt: skip
            return
        if g.size and not np.any(g):
            if self.lr is None:
                why = (
                    f"the gradient of {param} is all zeros, but the truth is not (never "
                    "computed, or never applied)"
                )
            else:
                why = (
                    f"{param} was never updated: backpropagation left it exactly as it was, but "
                    "its gradient is not zero"
                )
                if g.ndim == 1:
                    why += " (chapter 7.9's listing updates only the weights, never the biases)"
            self.add(param, "zero", f"{why}. {_examples(truth, g)}.", **where)
            return
            self.add(param, "zero", f"{why}. {_examples(truth, g)}.", **where)
            return
        if g.shape != truth.shape:
            self.shape(param, g, truth, want, where)
            return
        square = truth.ndim == 2 and truth.shape[0] == truth.shape[1]
        if square and self.close(param, g, want.T):
            self.add(param, "transpose", f"the gradient of {param} is transposed. "
                     f"{_examples(truth, g)}.", **where)  # fmt: skip
            return
        c = _factor(g, want)
        sign = c is not None and math.isclose(c, -1.0, rel_tol=1e-6)
        # One number is always some multiple of another: only a factor with a cause says much.
        telling = sign or g.size > 1 or _factor_words(c or 1.0, self.batch, self.lr) is not None
        if c is not None and telling and self.close(param, g, c * want):
            kind = "sign" if sign else "scale"
            text = (
                f"the gradient of {param} has the wrong sign (it is the negative of the truth: "
                "a step along it climbs the loss)"
                if kind == "sign"
                else f"the gradient of {param} is {self.words(c)}"
            )
            self.add(param, kind, f"{text}. {_examples(truth, g)}.", factor=c, **where)
            return
        self.add(
            param,
            "other",
            f"the gradient of {param} is wrong, and not by a sign, a factor, a transpose or a "
            f"classic δ mistake. {_examples(truth, g)}.",
            **where,
        )

    def shape(self, param, g, truth, want, where) -> None:
        if g.shape == truth.T.shape and self.close(param, g.T, want):
            self.add(param, "transpose", f"the gradient of {param} has shape {g.shape}, the "
                     f"transpose of the parameter's {truth.shape}; transposed, it is right.",
                     **where)  # fmt: skip
            return
        if g.size == truth.size and self.close(param, g.reshape(truth.shape), want):
            self.add(param, "shape", f"the gradient of {param} has shape {g.shape}, the "
                     f"parameter {truth.shape}; the numbers are right.", **where)  # fmt: skip
            return
        if g.ndim == truth.ndim + 1 and self.close(param, g.sum(axis=0), want):
            self.add(param, "batch_reduction", f"the gradient of {param} has shape {g.shape}: "
                     f"one row per sample, not summed over the batch (the parameter has shape "
                     f"{truth.shape}); its sum over the first axis is right.", **where)  # fmt: skip
            return
        self.add(param, "shape", f"the gradient of {param} has shape {g.shape}, but the "
                 f"parameter has shape {truth.shape}.", **where)  # fmt: skip


# --- the two entry points ------------------------------------------------------------------


def _student(grads, names, arrays, keyed, rtol) -> tuple[list[np.ndarray | None], dict]:
    """Your gradients as float64 arrays, and the tolerance of each (wider for float32)."""
    given = _call(grads, names, [a.copy() for a in arrays], keyed, "grads")
    if keyed:
        if not isinstance(given, Mapping):
            raise TypeError(
                "check_backprop: grads must return a dict name → gradient like params, got "
                f"{type(given).__name__}"
            )
        unknown = sorted(set(map(str, given)) - set(names))
        if unknown:
            raise ValueError(
                f"check_backprop: grads returned gradients for {unknown}, which are not "
                f"parameters (parameters: {names})"
            )
        values = [given.get(n) for n in names]
    else:
        if not isinstance(given, (list, tuple)) or len(given) != len(names):
            raise TypeError(
                f"check_backprop: grads must return a list or tuple of {len(names)} gradients "
                f"(one per parameter), got {type(given).__name__}"
                + (f" of length {len(given)}" if isinstance(given, (list, tuple)) else "")
            )
        values = list(given)
    out: list[np.ndarray | None] = []
    rtols = {}
    for name, v in zip(names, values):
        rtols[name] = rtol
        if v is None:
            out.append(None)
            continue
        a = np.asarray(v._value if isinstance(v, Tensor) else v)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"check_backprop: the gradient of {name} is not numeric ({a.dtype})")
        if a.dtype.kind == "f":
            rtols[name] = max(rtol, 100 * float(np.finfo(a.dtype).eps))
        out.append(a.astype(np.float64))
    return out, rtols


def _check_rtol(rtol) -> float:
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not 0 < rtol < 1:
        raise ValueError(f"check_backprop: rtol must be a number between 0 and 1, got {rtol!r}")
    return float(rtol)


def _run(loss, names, arrays, keyed, got, rtols, lr=None, floors=None) -> BackpropReport:
    truth, layers = _truth(loss, names, arrays, keyed)
    for name, t in zip(names, truth):  # what the update's rounding leaves of your gradient
        floor = (floors or {}).get(name, 0.0)
        scale = float(np.max(np.abs(t), initial=0.0))
        if floor and scale and floor / scale > 0.01:
            raise ValueError(
                f"check_network: learning_rate {lr:g} is too small to read the gradient of "
                f"{name} from the update at the network's precision; use a larger one"
            )
        if floor and scale:
            rtols[name] = max(rtols[name], floor / scale)
    truth_error = _confirm(loss, names, arrays, keyed, truth)
    if truth_error > 1e-4:
        raise ValueError(
            f"check_backprop: the tape's gradient of the loss and finite differences disagree "
            f"(relative error {truth_error:.2g}): is the loss smooth at these parameters, and "
            "written with NumPy or deltagrad operations only (no float() or .numpy() inside)?"
        )
    values = dict(zip(names, arrays))
    sim = _simulate(layers, values, {})
    if sim is None or not all(_close(sim[k], t, 1e-8) for k, t in zip(names, truth) if k in sim):
        layers = []  # the layers found do not explain the tape's gradient: check generically
    batch = layers[0].x.shape[0] if layers else None
    with np.errstate(all="ignore"):  # NaN in your gradient is reported, not warned about
        findings = _Diagnosis(names, truth, got, layers, arrays, rtols, batch, lr).run()
    described = [
        f"{layer.W}{', ' + layer.b if layer.b else ''}: {layer.activation or 'no activation'}"
        for layer in layers
    ]
    notes = [
        f"{layer.W}: the operation after z = x @ {layer.W} + b is not one the checker knows; "
        "write the activation with dg.sigmoid, dg.tanh, dg.relu or dg.leaky_relu to have f′ "
        "mistakes diagnosed in this layer"
        for layer in layers
        if layer.unrecognised
    ]
    return BackpropReport(findings, list(names), truth_error, described, notes)


def check_backprop(loss, grads, params, *, rtol: float = 1e-6) -> BackpropReport:
    """Check hand-written gradients against the truth, and say where and which mistake.

    Args:
        loss: called as ``loss(**params)`` for a dict (``loss(*params)`` for a list or
            tuple), with Tensors; written with NumPy or ``dg`` operations; returns a scalar.
        grads: your gradients, called the same way with plain NumPy arrays; returns the same
            structure as ``params`` (a dict with the same keys, or a list/tuple in order).
            ``None`` for a parameter means "not computed".
        params: a dict name → array, or a list/tuple of arrays (named ``params[0]``, …).
        rtol: the tolerance of :func:`deltagrad.gradcheck.relative_error` for your gradients.

    Returns:
        A :class:`BackpropReport`: ``report.ok``, ``report.findings`` (the first is where
        backpropagation first goes wrong, from the output down) and a readable ``str``.

    Raises:
        TypeError, ValueError: for malformed params or grads (naming the parameter), a loss
            that is not a scalar, or a loss whose tape gradient disagrees with finite
            differences (not differentiable as written).
    """
    rtol = _check_rtol(rtol)
    names, arrays, keyed = _named(params)
    got, rtols = _student(grads, names, arrays, keyed, rtol)
    return _run(loss, names, arrays, keyed, got, rtols)


def _layers_of(net) -> list:
    layers = getattr(net, "layers", None)
    if layers is None:
        layers = getattr(net, "_layers", None)
    if isinstance(layers, (list, tuple)) and not layers:
        raise ValueError("check_network: the network has no layers yet (add_layer first)")
    if not isinstance(layers, (list, tuple)):
        raise TypeError(
            "check_network: net must have a list of layers (.layers or ._layers, as chapter "
            f"7.9's NeuralNetwork), got {type(net).__name__}"
        )
    for i, layer in enumerate(layers, 1):
        for attr in ("weights", "bias"):
            if not isinstance(getattr(layer, attr, None), np.ndarray):
                raise TypeError(f"check_network: layer {i} has no NumPy array .{attr}")
        act = getattr(layer, "activation", None)
        if act not in (None, "sigmoid", "tanh", "relu", "leaky_relu"):
            raise ValueError(
                f"check_network: layer {i}'s activation {act!r} is not one of None, "
                "'sigmoid', 'tanh', 'relu', 'leaky_relu'"
            )
    return list(layers)


def _forward(layers, x, params):
    from deltagrad import leaky_relu, relu, sigmoid, tanh

    funcs = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "leaky_relu": leaky_relu}
    o = x
    for i, layer in enumerate(layers, 1):
        z = np.matmul(o, params[f"W{i}"]) + params[f"b{i}"]
        o = funcs[layer.activation](z) if layer.activation else z
    return o


def check_network(
    net, x, y, learning_rate: float = 0.01, *, loss: str | None = None, rtol: float = 1e-6
) -> BackpropReport:
    """Check a chapter-7.9-style network's ``backpropagation`` step, as written.

    Runs ``net.backpropagation(x, y, learning_rate)`` once, reads your gradient from the
    update, ``(W_before − W_after) / learning_rate`` — chapter 7.9 computes ``error = t − o``
    and adds ``δ·oᵀ·η``, which is gradient descent on ``L = ½ Σ (o − t)²`` — compares it with
    the tape's, and puts every weight and bias back exactly as it was.

    Args:
        net: an object with ``.layers`` (or ``._layers``): each with ``.weights`` (n_in,
            n_out), ``.bias`` (n_out,) and ``.activation`` (None, 'sigmoid', 'tanh', 'relu' or
            'leaky_relu'), and ``backpropagation(x, y, learning_rate)`` updating them in place.
        x: one sample (or a batch, if your network takes one).
        y: its target (one-hot for classes).
        learning_rate: the step passed to ``backpropagation`` (> 0).
        loss: ``"mse"`` — ½ Σ (o − t)² per sample, averaged over samples — or
            ``"softmax_cross_entropy"`` (softmax of the last layer's output). Default: the
            network's own ``.loss`` if it names one of these (``deltagrad.backprop``'s
            networks do), else ``"mse"`` (the chapter's).
        rtol: the tolerance for your gradients.

    Returns:
        A :class:`BackpropReport` naming parameters as the chapter numbers layers from the
        input side: ``W1, b1, W2, …``.
    """
    layers = _layers_of(net)
    if loss is None:
        own = getattr(net, "loss", None)
        loss = own if own in ("mse", "softmax_cross_entropy") else "mse"
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
        raise ValueError(f"check_network: learning_rate must be > 0, got {learning_rate!r}")
    if loss not in ("mse", "mse_sum", "softmax_cross_entropy"):
        raise ValueError(
            f"check_network: loss must be 'mse', 'mse_sum' or 'softmax_cross_entropy', got {loss!r}"
        )
    X = np.atleast_2d(np.asarray(x, dtype=np.float64))
    T = np.atleast_2d(np.asarray(y, dtype=np.float64))
    for name, a in (("x", X), ("y", T)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"check_network: {name} holds NaN or infinity")
    params: dict[str, np.ndarray] = {}
    for i, layer in enumerate(layers, 1):
        params[f"W{i}"] = np.array(layer.weights, dtype=np.float64)
        params[f"b{i}"] = np.array(layer.bias, dtype=np.float64)

    def network_loss(**p):
        from deltagrad import mean, softmax_cross_entropy
        from deltagrad import sum as dg_sum

        o = _forward(layers, X, p)
        if o.shape != T.shape:
            raise ValueError(f"check_network: the output has shape {o.shape}, y has {T.shape}")
        if loss in ("mse", "mse_sum"):
            n = T.shape[0] if loss == "mse" else 1
            return dg_sum((o - T) ** 2) * (0.5 / n)
        return mean(softmax_cross_entropy(labels=T, logits=o))

    saved = [
        (layer.weights, layer.weights.copy(), layer.bias, layer.bias.copy()) for layer in layers
    ]
    try:
        net.backpropagation(x, y, learning_rate)
        after = {}
        for i, layer in enumerate(layers, 1):
            after[f"W{i}"] = np.array(layer.weights, dtype=np.float64)
            after[f"b{i}"] = np.array(layer.bias, dtype=np.float64)
    finally:
        for layer, (W, W0, b, b0) in zip(layers, saved):
            W[...] = W0
            b[...] = b0
            layer.weights, layer.bias = W, b
    names = list(params)
    got: list[np.ndarray | None] = []
    floors = {}  # the rounding of W_before − W_after, divided by the learning rate
    for i, layer in enumerate(layers, 1):
        for n, arr in ((f"W{i}", layer.weights), (f"b{i}", layer.bias)):
            eps = float(np.finfo(arr.dtype).eps) if arr.dtype.kind == "f" else 0.0
            size = max(float(np.max(np.abs(params[n]), initial=0.0)), 1e-300)
            floors[n] = 8 * eps * size / learning_rate
    for n in names:
        if after[n].shape != params[n].shape:
            got.append(after[n])  # the update changed the shape: reported as such
        else:
            got.append((params[n] - after[n]) / learning_rate)
    rtols = dict.fromkeys(names, _check_rtol(rtol))
    report = _run(network_loss, names, [params[n] for n in names], True, got, rtols,
                  learning_rate, floors)  # fmt: skip
    return _network_wording(report)


def _never_updated(f: Finding) -> bool:
    return f.kind == "zero" and f.param.startswith("b")


def _network_wording(report: BackpropReport) -> BackpropReport:
    """Biases that were never updated (the chapter's listing) come after the mistakes in δ,
    and a wrong sign says which way the update went."""
    for f in report.findings:
        if f.kind == "sign" and "follows_from" not in f.detail:
            f.message += (
                " Your update climbs the loss: with error = t − o the chapter adds "
                "(weights += …), with error = o − t it must subtract."
            )
    report.findings.sort(key=_never_updated)  # stable: the order from the output down stays
    return report
