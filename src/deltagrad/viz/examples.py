"""The chapter's small computations, recorded on a tape with the book's names.

Each function returns ``(tape, target)``, ready for :func:`deltagrad.viz.graph` and
:func:`deltagrad.viz.step_through`. ``EXAMPLES`` maps their names to them.
"""

from __future__ import annotations

from collections.abc import Callable

import deltagrad as dg
from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor


def chain_rule(x=1.0, w1=2.0, b1=1.0, w2=2.0, b2=1.0) -> tuple[GradientTape, Tensor]:
    """Chapter 7.6's tape demonstration: y1 = x·w1 + b1, y2 = y1·w2 + b2 (with the chapter's
    numbers, dy2/dw1 = 2)."""
    x_ = dg.constant(x, name="x")
    params = [dg.constant(v, name=n) for v, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    w1_, b1_, w2_, b2_ = params
    with dg.GradientTape(persistent=True) as tape:
        tape.watch(params)
        xw = x_ * w1_
        xw.name = "x·w1"
        y1 = xw + b1_
        y1.name = "y1"
        yw = y1 * w2_
        yw.name = "y1·w2"
        y2 = yw + b2_
        y2.name = "y2"
    return tape, y2


def neuron(x=(0.5, -1.0), w=(0.8, 0.3), b=0.1, t=1.0) -> tuple[GradientTape, Tensor]:
    """Chapter 7.5's single neuron: z = b + w1·x1 + w2·x2, o = σ(z), e = o − t, L = ½e²; then
    ∂L/∂wj = (o − t)·o(1 − o)·xj."""
    xs = [dg.constant(v, name=f"x{j + 1}") for j, v in enumerate(x)]
    ws = [dg.constant(v, name=f"w{j + 1}") for j, v in enumerate(w)]
    b_ = dg.constant(b, name="b")
    t_ = dg.constant(t, name="t")
    with dg.GradientTape(persistent=True) as tape:
        tape.watch([*ws, b_])
        z = b_
        for j, (xj, wj) in enumerate(zip(xs, ws)):
            term = wj * xj
            term.name = f"w{j + 1}·x{j + 1}"
            z = z + term
            z.name = f"{z.name if j else 'b'} + {term.name}"
        z.name = "z"
        o = dg.sigmoid(z)
        o.name = "o"
        e = o - t_
        e.name = "e"
        e2 = e**2
        e2.name = "e²"
        loss = 0.5 * e2
        loss.name = "L"
    return tape, loss


def himmelblau(x=1.0, y=1.0) -> tuple[GradientTape, Tensor]:
    """Chapter 7.8's Himmelblau function f = p² + q² with p = x² + y − 11 and q = x + y² − 7, at
    a point; x and y are each used twice, so their gradients add two contributions."""
    x_ = dg.constant(x, name="x")
    y_ = dg.constant(y, name="y")
    with dg.GradientTape(persistent=True) as tape:
        tape.watch([x_, y_])
        p = x_**2 + y_ - 11
        p.name = "p"
        q = x_ + y_**2 - 7
        q.name = "q"
        f = p**2 + q**2
        f.name = "f"
    return tape, f


EXAMPLES: dict[str, Callable[[], tuple[GradientTape, Tensor]]] = {
    "chain_rule": chain_rule,
    "neuron": neuron,
    "himmelblau": himmelblau,
}
