"""Second derivatives through nested tapes: the Hessian of Himmelblau's function at a point,
deltagrad against PyTorch eager (``create_graph=True``) and HIPS autograd, in one run.

    python benchmarks/nested_tape.py

deltagrad records the inner tape's backward pass on an outer tape and takes its Jacobian (two
backward passes, one per row); PyTorch builds the gradient with ``create_graph=True`` and
differentiates each of its entries; autograd runs ``autograd.hessian``. All give the same
2 × 2 matrix (checked). Target: deltagrad faster than PyTorch's create_graph (ratio > 1).
Frameworks that are not installed are skipped.
"""

from __future__ import annotations

import numpy as np
from _timing import best_time, print_table

import deltagrad as dg

POINT = np.array([4.0, 0.0])
NUMBER = 1000


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def exact_hessian(x):
    a, b = x
    return np.array(
        [
            [12 * a**2 + 4 * b - 42, 4 * (a + b)],
            [4 * (a + b), 12 * b**2 + 4 * a - 26],
        ]
    )


def deltagrad_hessian():
    x = dg.Variable(POINT.copy())

    def hessian():
        with dg.GradientTape() as outer:
            with dg.GradientTape() as inner:
                y = himmelblau(x)
            g = inner.gradient(y, x)
        return outer.jacobian(g, x).numpy()

    return hessian


def torch_hessian():
    import torch

    torch.set_num_threads(1)
    x = torch.tensor(POINT.copy(), dtype=torch.float64, requires_grad=True)

    def hessian():
        (g,) = torch.autograd.grad(himmelblau(x), x, create_graph=True)
        rows = [torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(2)]
        return torch.stack(rows).numpy()

    return hessian


def autograd_hessian():
    import autograd

    h = autograd.hessian(himmelblau)
    return lambda: h(POINT.copy())


def main():
    want = exact_hessian(POINT)
    rows = []
    for name, make in [
        ("deltagrad (nested tapes)", deltagrad_hessian),
        ("PyTorch eager, create_graph", torch_hessian),
        ("HIPS autograd.hessian", autograd_hessian),
    ]:
        try:
            fn = make()
        except ImportError:
            print(f"{name}: not installed, skipped")
            continue
        np.testing.assert_allclose(fn(), want, rtol=1e-12)
        rows.append((name, best_time(fn, NUMBER)))
    print("Hessian of Himmelblau's function at (4, 0) (float64, 2 x 2), time per Hessian")
    print_table(
        rows,
        "deltagrad (nested tapes)",
        "target: deltagrad faster than PyTorch's create_graph (ratio > 1)",
    )


if __name__ == "__main__":
    main()
