"""Lowerings: each primitive, each derivative rule and each optimiser update written as NumPy
equations of the trace (:mod:`deltagrad.function._ir`).

A lowering writes what the engine computes on arrays (a first derivative), op for op, so that
the replay gives the tape's numbers bit for bit; :meth:`Trace.checked` verifies it on the
trace's values and falls back to calling the engine's function when it does not. A primitive or
rule without a lowering is such a call from the start: coverage can grow one op at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deltagrad import ops as _ops
from deltagrad import optim as _optim
from deltagrad.function import _ir
from deltagrad.function._ir import Var
from deltagrad.function._trace import Hyper, Trace, trace_error
from deltagrad.function.runtime import index_gradient
from deltagrad.ops.core import Primitive, unbroadcast
from deltagrad.tensor import Tensor, Variable

Lowering = Callable[[Trace, list[Any], dict[str, Any]], Var | None]

_PRIM_NAMES = {id(v): k for k, v in vars(_ops).items() if isinstance(v, Primitive)}


def prim_label(prim: Primitive) -> str:
    """How generated code names ``prim``: ``ops.<name>`` (deltagrad.ops's attribute)."""
    name = _PRIM_NAMES.get(id(prim))
    return f"ops.{name}" if name else f"ops_{prim.name}"


# --- forward ------------------------------------------------------------------------------------


def _binary(op: _ir.Op) -> Lowering:
    return lambda t, ins, p: t.emit(op, ins) if not p else None


def _unary(op: _ir.Op) -> Lowering:
    return lambda t, ins, p: t.emit(op, ins) if not p else None


def _transpose(t: Trace, ins: list[Any], p: dict[str, Any]) -> Var | None:
    if p.get("axes") is not None:
        return None
    return t.emit(_ir.TRANSPOSE, ins)


def _getitem(t: Trace, ins: list[Any], p: dict[str, Any]) -> Var | None:
    key = p["key"]
    keys = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, np.ndarray) for k in keys):
        return None  # an index array: the engine's call, with the array as a constant
    return t.emit(_ir.GETITEM, ins, {"key": key})


def _sigmoid(t: Trace, ins: list[Any], p: dict[str, Any]) -> Var | None:
    # deltagrad.functional.sigmoid, 1 / (1 + e^-x) by sign: where(x ≥ 0, 1, e) / (1 + e) with
    # e = exp(−|x|) ∈ [0, 1], the where written as max(e, x ≥ 0) (the same numbers, NaN too),
    # so that every step can write into an array of its own.
    (x,) = ins
    if p or not isinstance(x, Var) or x.dtype.kind != "f":
        return None
    e = t.emit(_ir.UNARY["exp"], [t.emit(_ir.NEGATIVE, [t.emit(_ir.UNARY["abs"], [x])])], hint="e")
    top = t.emit(_ir.MAXIMUM, [e, t.emit(_ir.GREATER_EQUAL, [x, 0])])
    return t.emit(_ir.DIVIDE, [top, t.emit(_ir.ADD, [1.0, e])])


FORWARD: dict[str, Lowering] = {
    "add": _binary(_ir.ADD),
    "subtract": _binary(_ir.SUBTRACT),
    "multiply": _binary(_ir.MULTIPLY),
    "divide": _binary(_ir.DIVIDE),
    "power": _binary(_ir.POWER),
    "greater": _binary(_ir.GREATER),
    "matmul": _binary(_ir.MATMUL),
    "negative": _unary(_ir.NEGATIVE),
    "relu": _unary(_ir.RELU),
    **{name: _unary(op) for name, op in _ir.UNARY.items()},
    "sum": lambda t, ins, p: t.emit(_ir.SUM, ins, p),
    "mean": lambda t, ins, p: t.emit(_ir.MEAN, ins, p),
    "transpose": _transpose,
    "reshape": lambda t, ins, p: t.emit(_ir.RESHAPE, ins, p),
    "getitem": _getitem,
    "sigmoid": _sigmoid,
}


# --- derivative rules: (primitive, argument) -> equations ----------------------------------------

# A rule lowering gets the trace, the upstream gradient g, the op's result, its arguments (Vars
# or plain values) and parameters, and the names used in comments; it returns the gradient.
RuleLowering = Callable[[Trace, Var, Var, list[Any], dict[str, Any]], Var | None]


def _d(name: str) -> str:
    return f"d{name}"


def _matmul_rule(i: int) -> RuleLowering:
    def lower(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
        x, y = args
        if not all(isinstance(v, Var) and len(v.shape) == 2 for v in (g, x, y)):
            return None
        if g.scalar:
            return None
        if i == 0:
            return t.emit(_ir.MATMUL, [g, t.emit(_ir.TRANSPOSE, [y])])
        return t.emit(_ir.MATMUL, [t.emit(_ir.TRANSPOSE, [x]), g])

    return lower


def _relu_rule(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
    mask = t.emit(_ir.GREATER, [args[0], 0], hint="mask")
    return t.emit(_ir.MULTIPLY, [g, mask])


def _tanh_rule(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
    cosh = t.emit(_ir.UNARY["cosh"], [args[0]], hint="cosh")  # the engine's g / cosh(x)²
    return t.emit(_ir.DIVIDE, [g, t.emit(_ir.MULTIPLY, [cosh, cosh])])


def _sigmoid_rule(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
    slope = t.emit(_ir.MULTIPLY, [out, t.emit(_ir.SUBTRACT, [1, out])])
    return t.emit(_ir.MULTIPLY, [g, slope])


def _sum_rule(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
    x = args[0]
    if p.get("axis") is not None or not isinstance(x, Var):
        return None
    return t.emit(_ir.BROADCAST, [g], {"shape": x.shape})


def _mean_rule(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
    x = args[0]
    if p.get("axis") is not None or not isinstance(x, Var):
        return None
    share = t.emit(_ir.DIVIDE, [g, int(np.prod(x.shape, dtype=np.int64))], hint="share")
    return t.emit(_ir.FULL, [share], {"shape": x.shape})


def _sparse_sce_rule(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
    labels, logits = args
    if g.scalar or not isinstance(logits, Var) or len(logits.shape) != 2:
        return None
    if g.dtype != logits.dtype:
        return None
    # deltagrad.functional.softmax, operation for operation
    shifted = t.emit(_ir.SUBTRACT, [logits, t.emit(_ir.ROW_MAX, [logits])])
    e = t.emit(_ir.UNARY["exp"], [shifted], hint="e")
    probs = t.emit(_ir.DIVIDE, [e, t.emit(_ir.SUM, [e], {"axis": -1, "keepdims": True})], hint="p")
    rows = t.emit(_ir.ARANGE, [logits.shape[0]], hint="rows")
    onehot = t.emit(_ir.SUB_ONE_AT, [probs, labels, rows])
    return t.emit(_ir.MULTIPLY, [onehot, t.emit(_ir.NEW_AXIS, [g])])


def _power_dx(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
    x, y = args
    if isinstance(y, Var) or isinstance(y, bool) or not isinstance(y, (int, float)) or y == 0:
        return None
    if y == 2:  # the engine's 2·x, then ·g
        return t.emit(_ir.MULTIPLY, [t.emit(_ir.MULTIPLY, [2, x]), g])
    return t.emit(_ir.MULTIPLY, [g, t.emit(_ir.MULTIPLY, [y, t.emit(_ir.POWER, [x, y - 1])])])


def _mul_rule(i: int) -> RuleLowering:
    return lambda t, g, out, a, p: t.emit(_ir.MULTIPLY, [g, a[1 - i]])


def _divide_dy(t: Trace, g: Var, out: Var, args: list[Any], p: dict[str, Any]) -> Var | None:
    return t.emit(_ir.DIVIDE, [t.emit(_ir.MULTIPLY, [t.emit(_ir.NEGATIVE, [g]), out]), args[1]])


RULES: dict[tuple[str, int], RuleLowering] = {
    ("add", 0): lambda t, g, out, a, p: t.emit(_ir.ALIAS, [g]),
    ("add", 1): lambda t, g, out, a, p: t.emit(_ir.ALIAS, [g]),
    ("subtract", 0): lambda t, g, out, a, p: t.emit(_ir.ALIAS, [g]),
    ("subtract", 1): lambda t, g, out, a, p: t.emit(_ir.NEGATIVE, [g]),
    ("multiply", 0): _mul_rule(0),
    ("multiply", 1): _mul_rule(1),
    ("divide", 0): lambda t, g, out, a, p: t.emit(_ir.DIVIDE, [g, a[1]]),
    ("divide", 1): _divide_dy,
    ("negative", 0): lambda t, g, out, a, p: t.emit(_ir.NEGATIVE, [g]),
    ("power", 0): _power_dx,
    ("matmul", 0): _matmul_rule(0),
    ("matmul", 1): _matmul_rule(1),
    ("relu", 0): _relu_rule,
    ("exp", 0): lambda t, g, out, a, p: t.emit(_ir.MULTIPLY, [g, out]),
    ("log", 0): lambda t, g, out, a, p: t.emit(_ir.DIVIDE, [g, a[0]]),
    ("tanh", 0): _tanh_rule,
    ("sigmoid", 0): _sigmoid_rule,
    ("sum", 0): _sum_rule,
    ("mean", 0): _mean_rule,
    ("sparse_softmax_cross_entropy", 1): _sparse_sce_rule,
}

# The comment written above each rule's lines: {g} is the upstream gradient's name, {x} the
# argument's, {y} the other argument's, {out} the result's, {L} the target's.
RULE_COMMENTS: dict[tuple[str, int], str] = {
    ("add", 0): "∂{L}/∂{x} = ∂{L}/∂{gout}",
    ("add", 1): "∂{L}/∂{x} = ∂{L}/∂{gout}",
    ("subtract", 0): "∂{L}/∂{x} = ∂{L}/∂{gout}",
    ("subtract", 1): "∂{L}/∂{x} = −∂{L}/∂{gout}",
    ("multiply", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} ⊙ {y}",
    ("multiply", 1): "∂{L}/∂{x} = ∂{L}/∂{gout} ⊙ {y}",
    ("divide", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} / {y}",
    ("divide", 1): "∂{L}/∂{x} = −∂{L}/∂{gout} ⊙ {out} / {x}",
    ("negative", 0): "∂{L}/∂{x} = −∂{L}/∂{gout}",
    ("power", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} ⊙ {y}·{x}^({y} − 1)",
    ("matmul", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} · {y}ᵀ",
    ("matmul", 1): "∂{L}/∂{x} = {y}ᵀ · ∂{L}/∂{gout}",
    ("relu", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} ⊙ [{x} > 0]",
    ("exp", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} ⊙ {out}",
    ("log", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} / {x}",
    ("tanh", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} / cosh²({x}) = ∂{L}/∂{gout} ⊙ (1 − {out}²)",
    ("sigmoid", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} ⊙ {out}(1 − {out})",
    ("sum", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} spread over the summed axes",
    ("mean", 0): "∂{L}/∂{x} = ∂{L}/∂{gout} / n on every entry",
    ("sparse_softmax_cross_entropy", 1): (
        "∂{L}/∂{x} = (softmax({x}) − onehot({y})) ⊙ ∂{L}/∂{gout}"
    ),
}


def lowerings() -> dict[str, list[str]]:
    """Which primitives have a lowering: ``{"forward": [...], "rules": ["matmul/0", ...]}``.
    Anything else runs as a call of the engine's own function on replay."""
    return {
        "forward": sorted(FORWARD),
        "rules": sorted(f"{name}/{i}" for name, i in RULES),
        "updates": [
            "SGD (lr, momentum, dampening, nesterov, weight_decay, maximize)",
            "Adam (lr, betas, eps, weight_decay, amsgrad, maximize)",
            "AdamW (as Adam, with decoupled weight decay)",
            "RMSprop (lr, alpha, eps, weight_decay, momentum, centered, maximize)",
            "Adagrad (lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize)",
        ],
    }


# --- the backward pass: a tape's entries walked as GradientTape._backward walks them -----------


def walk(
    t: Trace, tape: Any, targets: Sequence[Tensor], seeds: Sequence[Any], source_ids: set[int]
) -> dict[int, Var]:
    """Derive the backward pass of ``tape`` as equations; the gradient Var of each source."""
    pending: dict[int, Var] = {}
    for target, seed in zip(targets, seeds):
        if isinstance(seed, Tensor):
            g = t.operand(seed)
        else:
            g = t.const(seed)
        g.hint = g.hint or f"d{_name(t, t.operand(target))}"
        _accumulate(t, pending, id(target), g, _name(t, t.operand(target)))
    found: dict[int, Var] = {}
    target_name = _name(t, t.operand(targets[0])) if len(targets) == 1 else "L"
    for oid, prim, args, vals, out, params, idxs in reversed(list(tape._entries)):
        g = pending.pop(oid, None)
        if g is None:
            continue
        if oid in source_ids:
            found[oid] = g
        out_var = t.operand(out)
        arg_vars = [t.operand(a) for a in args]
        if prim.vjp_into is not None:
            for i in idxs:
                _index_rule(t, pending, g, args[i], arg_vars[i], params)
            continue
        for i in idxs:
            gi = _rule(t, prim, i, g, out_var, arg_vars, params, target_name)
            shape = np.shape(vals[i])
            if np.shape(t.values[gi.n]) != shape:
                gi = _unbroadcast(t, gi, shape, _name(t, arg_vars[i]), target_name)
            _accumulate(t, pending, id(args[i]), gi, _name(t, arg_vars[i]))
    for k in source_ids:
        if k not in found and k in pending:
            found[k] = pending[k]
    return found


def _name(t: Trace, x: Any) -> str:
    if isinstance(x, Var):
        tensor = t.tensor_of.get(x.n)
        name = tensor.name if tensor is not None else None
        return name or x.hint or f"v{x.n}"
    return repr(x)


def _rule(
    t: Trace,
    prim: Primitive,
    i: int,
    g: Var,
    out: Var,
    args: list[Any],
    params: dict[str, Any],
    target: str,
) -> Var:
    rules = prim.vjps
    rule = rules[i] if i < len(rules) else None
    if rule is None:
        rule = prim.vjp(i)  # as the tape does: raises, naming the op and argument, if none
    vals = [t.value(a) for a in args]
    gval, outval = t.values[g.n], t.values[out.n]
    reference = rule(gval, outval, *vals, **params) if params else rule(gval, outval, *vals)
    names = {
        "L": target,
        "x": _name(t, args[i]),
        "y": _name(t, args[1 - i]) if len(args) == 2 else "",
        "out": _name(t, out),
        "gout": g.hint[1:] if g.hint.startswith("d") else _name(t, out),
    }
    template = RULE_COMMENTS.get((prim.name, i), f"{prim.name}'s rule for argument {i}")
    comment = template.format(**names)
    lowering = RULES.get((prim.name, i))
    start = len(t.eqns)
    var = None
    if lowering is not None:
        var = t.checked(lambda: lowering(t, g, out, args, params), reference)
    if var is None:
        label = f"{prim_label(prim)}.vjp({i})"
        var = t.call(rule, label, [g, out, *args], params)
    t.values[var.n] = reference
    var.hint = f"d{names['x']}"
    if t.eqns[-1].out is var and t.eqns[-1].op is _ir.ALIAS:
        var.hint = g.hint  # the gradient passes through unchanged: it keeps its name (and the
        return var  # reader needs no comment for a line that is not there)
    t.eqns[start].comment = comment
    return var


def _unbroadcast(t: Trace, g: Var, shape: tuple[int, ...], name: str, target: str) -> Var:
    """The one place broadcasting is undone (ops.core.unbroadcast), as sums."""
    value = t.values[g.n]
    reference = unbroadcast(value, shape)

    def lower() -> Var | None:
        var = g
        lead = len(var.shape) - len(shape)
        if lead > 0:
            axis: Any = 0 if lead == 1 else tuple(range(lead))
            var = t.emit(_ir.SUM, [var], {"axis": axis, "keepdims": False})
        axes = tuple(i for i, (n, m) in enumerate(zip(shape, var.shape)) if n == 1 and m != 1)
        if axes:
            var = t.emit(_ir.SUM, [var], {"axis": axes, "keepdims": True})
        if var.shape != shape:
            return None
        return var

    start = len(t.eqns)
    var = t.checked(lower, reference)
    if var is None:
        var = t.call(unbroadcast, "unbroadcast", [g, shape], {})
    t.values[var.n] = reference
    var.hint = f"d{name}"
    source = g.hint[1:] if g.hint.startswith("d") else g.hint
    comment = f"∂{target}/∂{name} = ∂{target}/∂{source} summed over the broadcast axes"
    t.eqns[start].comment = comment
    return var


def _accumulate(t: Trace, pending: dict[int, Var], key: int, g: Var, name: str) -> None:
    prev = pending.get(key)
    if prev is None:
        pending[key] = g
        return
    var = t.emit(_ir.ADD, [prev, g], hint=f"d{name}", comment=f"∂/∂{name}: the paths add up")
    pending[key] = var


def _index_rule(
    t: Trace, pending: dict[int, Var], g: Var, arg: Any, x: Any, params: dict[str, Any]
) -> None:
    prev = pending.get(id(arg))
    value = t.value(x)
    var = t.call(
        index_gradient,
        "index_gradient",
        [prev, g],
        {"key": params["key"], "shape": np.shape(value), "dtype": np.dtype(value.dtype)},
        hint=f"d{_name(t, x)}",
        comment=f"∂/∂{_name(t, x)}: the gradient of the entries taken, scattered back",
    )
    pending[id(arg)] = var


# --- updates ---------------------------------------------------------------------------------


def optimizer_update(t: Trace, opt: Any, grads_and_vars: Any) -> None:
    """``opt.apply_gradients(grads_and_vars)`` inside a trace: lowered updates of state."""
    if type(opt) not in UPDATE_COMMENTS:
        raise trace_error(f"{type(opt).__name__}.apply_gradients has no lowering yet", _UPDATE_FIX)
    section, t.section = t.section, "update"
    start = len(t.eqns)
    try:
        pairs = []
        for pair in grads_and_vars:
            g, v = pair
            if g is None:
                continue
            if not isinstance(v, Variable) or v._value.dtype.kind != "f":
                raise TypeError(f"{type(opt).__name__}: can only update float Variables")
            pairs.append((t.operand(g), v))
        for g, v in pairs:
            _update_one(t, opt, g, v)
        if len(t.eqns) > start:
            t.eqns[start].comment = _update_comment(opt)
    finally:
        t.section = section


UPDATE_COMMENTS: dict[type, str] = {
    _optim.SGD: "SGD: θ ← θ − lr · ∂L/∂θ for every parameter θ",
    _optim.Adam: (
        "Adam: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², "
        "θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)"
    ),
    _optim.AdamW: (
        "AdamW: θ ← θ(1 − lr·λ), m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², "
        "θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)"
    ),
    _optim.RMSprop: "RMSprop: v ← αv + (1 − α)g², θ ← θ − lr · g / (√v + ε)",
    _optim.Adagrad: "Adagrad: s ← s + g², θ ← θ − lr/(1 + (t − 1)η) · g / (√s + ε)",
}


def _update_comment(opt: Any) -> str:
    if isinstance(opt, _optim.SGD) and opt.momentum:
        direction = "g + μb" if opt.nesterov else "b"
        return (
            "SGD with momentum: b ← g (first step), then b ← μb + (1 − τ)g; "
            f"θ ← θ − lr · {direction}"
        )
    if isinstance(opt, _optim.RMSprop) and (opt.centered or opt.momentum):
        parts = ["RMSprop: v ← αv + (1 − α)g²"]
        var = "v"
        if opt.centered:
            parts.append("ḡ ← αḡ + (1 − α)g")
            var = "max(v − ḡ², 0)"
        if opt.momentum:
            parts.append(f"b ← μb + g / (√{var} + ε), θ ← θ − lr · b")
        else:
            parts.append(f"θ ← θ − lr · g / (√{var} + ε)")
        return ", ".join(parts)
    if isinstance(opt, _optim.Adagrad) and not opt.lr_decay:
        return "Adagrad: s ← s + g², θ ← θ − lr · g / (√s + ε)"
    return UPDATE_COMMENTS[type(opt)]


def _update_one(t: Trace, opt: Any, g: Any, v: Variable) -> None:
    theta = t.state(v)
    name = _name(t, theta)
    if not isinstance(g, Var):
        g = t.const(np.asarray(g))
    if g.shape != theta.shape:
        raise ValueError(
            f"{type(opt).__name__}: gradient of shape {g.shape} for a variable of shape {v.shape}"
        )
    if g.dtype != theta.dtype:
        g = t.emit(_ir.ASTYPE, [g], {"dtype": theta.dtype}, hint=f"d{name}")
    who = f"{type(opt).__name__}_{id(opt) % 10007}"
    lr = t.hyper(Hyper(f"lr_{who}", lambda: opt.lr), opt.lr, "lr")
    if isinstance(opt, _optim.Adam):
        hints = [f"m_{name}", f"v_{name}", *([f"vmax_{name}"] if opt.amsgrad else []), f"t_{name}"]
        slots = t.update(opt, v, _adam_state, hints)
    elif isinstance(opt, _optim.RMSprop):
        hints = [f"v_{name}"]
        hints += [f"gavg_{name}"] if opt.centered else []
        hints += [f"b_{name}"] if opt.momentum else []
        slots = t.update(opt, v, _rmsprop_state, hints)
    elif isinstance(opt, _optim.Adagrad):
        hints = [f"s_{name}", *([f"t_{name}"] if opt.lr_decay else [])]
        slots = t.update(opt, v, _adagrad_state, hints)
    elif opt.momentum:
        slots = t.update(opt, v, _momentum_state, [f"b_{name}", f"first_{name}"])
    else:
        slots = t.update(opt, v, None)
    if opt.maximize:
        g = t.emit(_ir.NEGATIVE, [g], hint=f"d{name}", comment="maximize: climb instead")
    if isinstance(opt, _optim.Adam):
        _adam(t, opt, g, theta, lr, slots, name)
    elif isinstance(opt, _optim.RMSprop):
        _rmsprop(t, opt, g, theta, lr, slots, name)
    elif isinstance(opt, _optim.Adagrad):
        _adagrad(t, opt, g, theta, lr, slots, name)
    else:
        _sgd(t, opt, g, theta, lr, slots, name)


def _momentum_state(opt: Any, state: dict[str, Any], v: Variable) -> list[Any]:
    """SGD's buffer (made on the first step, as the eager update does) and whether it is new."""
    b = state.get("momentum_buffer")
    if b is None:
        b = state["momentum_buffer"] = np.empty_like(v._value)
        return [b, True]
    return [b, False]


def _sgd(t: Trace, opt: Any, g: Var, theta: Var, lr: Var, slots: list[Var], name: str) -> None:
    # optim.SGD._direction, operation for operation
    if opt.weight_decay:
        g = t.emit(_ir.ADD, [g, t.emit(_ir.MULTIPLY, [opt.weight_decay, theta])])
    if opt.momentum:
        b, first = slots
        keep = 1 - opt.dampening
        t.effect(_ir.MOMENTUM_INTO, [b, g, first], params={"momentum": opt.momentum, "keep": keep})
        if opt.nesterov:
            g = t.emit(_ir.ADD, [g, t.emit(_ir.MULTIPLY, [opt.momentum, b])])
        else:
            g = b
    step = t.emit(_ir.MULTIPLY, [lr, g], hint=f"step_{name}")
    t.effect(_ir.SUB_INTO, [theta, step])


def _adam_state(opt: Any, state: dict[str, Any], v: Variable) -> list[Any]:
    """Adam's moments (and AMSGrad's maximum), then t, the step count of this call."""
    found = [state["exp_avg"], state["exp_avg_sq"]]
    if opt.amsgrad:
        found.append(state["max_exp_avg_sq"])
    return [*found, state["step"]]


def _adam(t: Trace, opt: Any, g: Var, theta: Var, lr: Var, slots: list[Var], name: str) -> None:
    # optim.Adam._update, operation for operation, with the moments updated in place
    b1, b2 = opt.betas
    m, v, *vmax, step = slots
    if opt.weight_decay and opt._decoupled:
        decay = t.emit(_ir.SUBTRACT, [1, t.emit(_ir.MULTIPLY, [lr, opt.weight_decay])])
        t.effect(_ir.MUL_INTO, [theta, decay])
    elif opt.weight_decay:
        g = t.emit(_ir.ADD, [g, t.emit(_ir.MULTIPLY, [opt.weight_decay, theta])])
    t.effect(_ir.MUL_INTO, [m, b1])
    t.effect(_ir.ADD_INTO, [m, t.emit(_ir.MULTIPLY, [1 - b1, g])])
    t.effect(_ir.MUL_INTO, [v, b2])
    t.effect(_ir.ADD_INTO, [v, t.emit(_ir.MULTIPLY, [1 - b2, t.emit(_ir.MULTIPLY, [g, g])])])
    if vmax:
        t.effect(_ir.MAX_INTO, [vmax[0], v])
        v = vmax[0]
    root = t.emit(_ir.MATH_SQRT, [t.emit(_ir.SUBTRACT, [1, t.emit(_ir.POWER, [b2, step])])])
    denom = t.emit(_ir.ADD, [t.emit(_ir.DIVIDE, [t.emit(_ir.UNARY["sqrt"], [v]), root]), opt.eps])
    rate = t.emit(_ir.DIVIDE, [lr, t.emit(_ir.SUBTRACT, [1, t.emit(_ir.POWER, [b1, step])])])
    change = t.emit(_ir.DIVIDE, [t.emit(_ir.MULTIPLY, [rate, m]), denom], hint=f"step_{name}")
    t.effect(_ir.SUB_INTO, [theta, change])


def _rmsprop_state(opt: Any, state: dict[str, Any], v: Variable) -> list[Any]:
    """RMSprop's buffers: the mean square, then the mean gradient (centered) and the momentum
    buffer (momentum > 0), as its _init_state makes them."""
    found = [state["square_avg"]]
    if opt.centered:
        found.append(state["grad_avg"])
    if opt.momentum:
        found.append(state["momentum_buffer"])
    return found


def _rmsprop(t: Trace, opt: Any, g: Var, theta: Var, lr: Var, slots: list[Var], name: str) -> None:
    # optim.RMSprop._update, operation for operation, with the buffers updated in place
    a = opt.alpha
    square, *rest = slots
    if opt.weight_decay:
        g = t.emit(_ir.ADD, [g, t.emit(_ir.MULTIPLY, [opt.weight_decay, theta])])
    t.effect(_ir.MUL_INTO, [square, a])
    t.effect(_ir.ADD_INTO, [square, t.emit(_ir.MULTIPLY, [1 - a, t.emit(_ir.MULTIPLY, [g, g])])])
    var = square
    if opt.centered:
        gave = rest.pop(0)
        t.effect(_ir.MUL_INTO, [gave, a])
        t.effect(_ir.ADD_INTO, [gave, t.emit(_ir.MULTIPLY, [1 - a, g])])
        centred = t.emit(_ir.SUBTRACT, [square, t.emit(_ir.MULTIPLY, [gave, gave])])
        var = t.emit(_ir.MAXIMUM, [centred, 0], hint=f"var_{name}")
    denom = t.emit(_ir.ADD, [t.emit(_ir.UNARY["sqrt"], [var]), opt.eps])
    step = t.emit(_ir.DIVIDE, [g, denom], hint=f"step_{name}")
    if opt.momentum:
        (b,) = rest
        t.effect(_ir.MUL_INTO, [b, opt.momentum])
        t.effect(_ir.ADD_INTO, [b, step])
        step = b
    t.effect(_ir.SUB_INTO, [theta, t.emit(_ir.MULTIPLY, [lr, step])])


def _adagrad_state(opt: Any, state: dict[str, Any], v: Variable) -> list[Any]:
    """Adagrad's sum of squares, then t (only read with an lr decay)."""
    return [state["sum"], state["step"]] if opt.lr_decay else [state["sum"]]


def _adagrad(t: Trace, opt: Any, g: Var, theta: Var, lr: Var, slots: list[Var], name: str) -> None:
    # optim.Adagrad._update, operation for operation, with the sum updated in place. Without
    # a decay lr / (1 + (t − 1)·0) is lr / 1.0, which is lr exactly: no line for it.
    s, *step = slots
    rate: Any = lr
    if opt.lr_decay:
        decayed = t.emit(_ir.MULTIPLY, [t.emit(_ir.SUBTRACT, [step[0], 1]), opt.lr_decay])
        rate = t.emit(_ir.DIVIDE, [lr, t.emit(_ir.ADD, [1, decayed])], hint=f"lr_{name}")
    if opt.weight_decay:
        g = t.emit(_ir.ADD, [g, t.emit(_ir.MULTIPLY, [opt.weight_decay, theta])])
    t.effect(_ir.ADD_INTO, [s, t.emit(_ir.MULTIPLY, [g, g])])
    denom = t.emit(_ir.ADD, [t.emit(_ir.UNARY["sqrt"], [s]), opt.eps])
    change = t.emit(_ir.DIVIDE, [t.emit(_ir.MULTIPLY, [rate, g]), denom], hint=f"step_{name}")
    t.effect(_ir.SUB_INTO, [theta, change])


_UPDATE_FIX = (
    "dg.function lowers SGD (with momentum, Nesterov, dampening, weight decay, maximize), "
    "Adam, AdamW, RMSprop (centered, with momentum) and Adagrad (with lr decay), not other "
    "optimisers or subclasses of these: return the gradients from the function and apply them "
    "outside it (opt.apply_gradients(zip(grads, params)))."
)


def assign(t: Trace, v: Variable, value: Any, how: str) -> None:
    """``v.assign(value)`` (or ``assign_add``/``assign_sub``) inside a trace."""
    theta = t.state(v)
    x = t.operand(value)
    if not isinstance(x, Var):
        x = t.const(np.asarray(value, dtype=theta.dtype))
    if x.shape != theta.shape and not (how != "assign" and x.shape == ()):
        raise ValueError(
            f"Variable.{how}: value of shape {x.shape} does not match the variable's shape "
            f"{theta.shape}"
        )
    section, t.section = t.section, "update"
    op = {"assign": _ir.COPY_INTO, "assign_add": _ir.ADD_INTO, "assign_sub": _ir.SUB_INTO}[how]
    t.effect(op, [theta, x], comment=f"{_name(t, theta)}.{how}")
    t.section = section
