"""The derivative rules in words: what each op computes and what its rule sends back.

Templates name the op's arguments ``{a}``, ``{b}``, its result ``{y}`` and the upstream gradient
``{g}`` (∂L/∂y). Each template is filled twice: with the tensors' names (the formula) and with
their values (the numbers), and the engine's own result follows, so a step reads
"∂L/∂a = ∂L/∂y · b = 0.5 · 3 = 1.5". The numbers always come from the engine's rules (see
:mod:`deltagrad.viz.trace`); these texts only say which rule that was.
"""

from __future__ import annotations

import numpy as np

from deltagrad.viz.trace import Op, Trace, summary

FORWARD = {
    "add": "{a} + {b}",
    "subtract": "{a} − {b}",
    "multiply": "{a} · {b}",
    "divide": "{a} / {b}",
    "power": "{a}^{b}",
    "negative": "−{a}",
    "matmul": "{a} @ {b}",
    "exp": "exp({a})",
    "log": "ln({a})",
    "sigmoid": "σ({a})",
    "tanh": "tanh({a})",
    "relu": "relu({a})",
    "square": "{a}²",
    "sqrt": "√{a}",
    "sin": "sin({a})",
    "cos": "cos({a})",
    "sum": "Σ {a}",
    "mean": "mean({a})",
}

# Per argument: the rule, in terms of {g} = ∂L/∂y.
BACKWARD = {
    "add": ("{g}", "{g}"),
    "subtract": ("{g}", "−{g}"),
    "multiply": ("{g} · {b}", "{g} · {a}"),
    "divide": ("{g} / {b}", "−{g} · {a} / {b}²"),
    "power": ("{g} · {b} · {a}^({b} − 1)", "{g} · {y} · ln {a}"),
    "negative": ("−{g}",),
    "matmul": ("{g} @ {b}ᵀ", "{a}ᵀ @ {g}"),
    "exp": ("{g} · {y}",),
    "log": ("{g} / {a}",),
    "sigmoid": ("{g} · {y} · (1 − {y})",),
    "tanh": ("{g} · (1 − {y}²)",),
    "relu": ("{g} · [{a} > 0]",),
    "square": ("{g} · 2 · {a}",),
    "sqrt": ("{g} / (2 · {y})",),
    "sin": ("{g} · cos {a}",),
    "cos": ("−{g} · sin {a}",),
    "sum": ("{g} (copied to every element of {a})",),
    "mean": ("{g} / n (n = the number of elements of {a})",),
}


def d(target: str, label: str) -> str:
    """∂target/∂label, with parentheses around a label that is an expression (x·w1)."""

    def wrap(t: str) -> str:
        return t if t.replace("_", "").isalnum() else f"({t})"

    return f"∂{wrap(target)}/∂{wrap(label)}"


def _number(value) -> str:
    text = summary(value)
    return f"({text})" if text.startswith("-") else text


def _fill(template: str, tr: Trace, op: Op, g_name: str, numbers: bool) -> str:
    def term(i):
        node = tr.nodes[op.inputs[i]]
        return _number(node.value) if numbers else node.label

    out = tr.nodes[op.output]
    fields = {
        "a": term(0),
        "b": term(1) if len(op.inputs) > 1 else "",
        "y": _number(out.value) if numbers else out.label,
        "g": _number(op.upstream) if numbers and op.upstream is not None else g_name,
    }
    return template.format(**fields)


def _scalars(tr: Trace, op: Op) -> bool:
    """Whether every number in the op's rule is a scalar (then it is written out)."""
    values = [tr.nodes[i].value for i in op.inputs] + [tr.nodes[op.output].value]
    if op.upstream is not None:
        values.append(op.upstream)
    return all(np.ndim(v) == 0 for v in values)


def forward_text(tr: Trace, op: Op) -> str:
    """``y = a · b = 3 · 2 = 6`` (numbers written out when they are scalars)."""
    out = tr.nodes[op.output]
    template = FORWARD.get(op.name)
    if template is None:
        args = ", ".join(tr.nodes[i].label for i in op.inputs)
        return f"{out.label} = {op.name}({args}) = {summary(out.value)}"
    return _chain(
        f"{out.label} = {_fill(template, tr, op, '', numbers=False)}",
        _fill(template, tr, op, "", numbers=True) if _scalars(tr, op) else None,
        summary(out.value),
    )


def backward_text(tr: Trace, op: Op, i: int, target: str) -> str:
    """``∂L/∂a = ∂L/∂y · b = 0.5 · 3 = 1.5`` for argument ``i`` of ``op``."""
    node = tr.nodes[op.inputs[i]]
    out = tr.nodes[op.output]
    g_name = d(target, out.label)
    head = d(target, node.label)
    result = summary(op.contributions[i])
    rules = BACKWARD.get(op.name)
    if rules is None or i >= len(rules):
        return f"{head} gets {op.name}'s rule applied to {g_name}: {result}"
    return _chain(
        f"{head} = {_fill(rules[i], tr, op, g_name, numbers=False)}",
        _fill(rules[i], tr, op, g_name, numbers=True) if _scalars(tr, op) else None,
        result,
    )


def _chain(formula: str, numbers: str | None, result: str) -> str:
    """``formula = numbers = result``, leaving out a part that repeats the one before."""
    text = formula
    for part in (numbers, result):
        last = text.rpartition(" = ")[2]
        if part is not None and last.strip("()") != part.strip("()"):
            text += f" = {part}"
    return text
