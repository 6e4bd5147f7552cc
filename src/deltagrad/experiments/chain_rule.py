"""Chapter 7.6: the chain rule, checked on the tape.

``tape_demo()`` is the chapter's GradientTape demonstration (y1 = x·w1 + b1, y2 = y1·w2 + b2);
``dz_dt(t)`` the worked example z = (2t + 1)² + e^(t²), on the tape and by hand.
"""

from __future__ import annotations

import math

import deltagrad as dg


def tape_demo(x=1.0, w1=2.0, b1=1.0, w2=2.0, b2=1.0) -> dict:
    """dy2/dy1, dy1/dw1, their product and dy2/dw1 from one persistent tape."""
    x, w1, b1, w2, b2 = (dg.constant(v) for v in (x, w1, b1, w2, b2))
    with dg.GradientTape(persistent=True) as tape:
        tape.watch([w1, b1, w2, b2])
        y1 = x * w1 + b1
        y2 = y1 * w2 + b2
    dy2_dy1 = float(tape.gradient(y2, y1))
    dy1_dw1 = float(tape.gradient(y1, w1))
    dy2_dw1 = float(tape.gradient(y2, w1))
    return {
        "y1": float(y1),
        "y2": float(y2),
        "dy2_dy1": dy2_dy1,
        "dy1_dw1": dy1_dw1,
        "chain_product": dy2_dy1 * dy1_dw1,
        "dy2_dw1": dy2_dw1,
    }


def dz_dt(t: float) -> dict:
    """z = (2t + 1)² + e^(t²): dz/dt on the tape and by the chain rule, 4(2t + 1) + 2t·e^(t²)."""
    tt = dg.constant(float(t))
    with dg.GradientTape() as tape:
        tape.watch(tt)
        z = (2 * tt + 1) ** 2 + dg.exp(tt**2)
    return {
        "t": float(t),
        "z": float(z),
        "tape": float(tape.gradient(z, tt)),
        "analytic": 4 * (2 * t + 1) + 2 * t * math.exp(t * t),
    }
