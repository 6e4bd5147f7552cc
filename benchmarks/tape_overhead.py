"""One gradient-descent step on Himmelblau's function (a 2-element float64 tensor):
forward, gradient, update — deltagrad's tape against HIPS autograd and PyTorch eager, in one run.

    python benchmarks/tape_overhead.py

Targets: deltagrad's step at most 1/5 of autograd's and at most 1/4 of PyTorch eager's.
Frameworks that are not installed are skipped.
"""

from __future__ import annotations

import numpy as np
from _timing import best_time, print_table

import deltagrad as dg

LR = 0.01
START = np.array([4.0, 0.0])
NUMBER = 2000


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def deltagrad_step():
    v = dg.Variable(START.copy())

    def step():
        with dg.GradientTape() as tape:
            y = himmelblau(v)
        v.assign_sub(LR * tape.gradient(y, v)._value)

    return step


def autograd_step():
    import autograd

    g = autograd.grad(himmelblau)
    state = {"x": START.copy()}

    def step():
        state["x"] = state["x"] - LR * g(state["x"])

    return step


def torch_step():
    import torch

    x = torch.tensor(START.copy(), dtype=torch.float64, requires_grad=True)

    def step():
        y = himmelblau(x)
        (gx,) = torch.autograd.grad(y, x)
        with torch.no_grad():
            x.sub_(LR * gx)

    return step


def main():
    rows = [("deltagrad (GradientTape)", best_time(deltagrad_step(), NUMBER))]
    for name, make in [("HIPS autograd", autograd_step), ("PyTorch eager (float64)", torch_step)]:
        try:
            rows.append((name, best_time(make(), NUMBER)))
        except ImportError:
            print(f"{name}: not installed, skipped")
    print("One descent step on Himmelblau's function (2-element float64), time per step")
    print_table(
        rows,
        "deltagrad (GradientTape)",
        "targets: deltagrad <= 1/5 of autograd (ratio >= 5) and <= 1/4 of PyTorch (ratio >= 4)",
    )


if __name__ == "__main__":
    main()
