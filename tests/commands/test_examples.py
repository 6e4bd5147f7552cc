"""Run each script in examples/ and check the numbers it prints against hand-derived values.

The expected values come from SPEC.md's formulas, computed here with plain math/NumPy in
float64, never from deltagrad. The scripts print float32 numbers, hence the tolerances.
"""

from __future__ import annotations

import functools
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCRIPTS = [
    "chain_rule.py",
    "himmelblau_loop.py",
    "sigmoid_gradient.py",
    "mse_gradient.py",
    "crossentropy_gradient.py",
    "perceptron.py",
    "second_derivative.py",
]

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
# A printed tensor, with or without TensorFlow's "tf." prefix.
TENSOR = re.compile(
    r"(?:tf\.)?Tensor\((?P<body>.*?), shape=\((?P<shape>[^)]*)\), "
    r"dtype=(?P<dtype>\w+)\)",
    re.DOTALL,
)


@functools.cache
def run(script: str) -> str:
    """The script's standard output; it must exit cleanly and emit no warnings."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p
        ),
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stderr}"
    assert proc.stderr == "", proc.stderr
    return proc.stdout


def numbers(text: str) -> np.ndarray:
    return np.array([float(s) for s in NUMBER.findall(text)])


def nested(body: str) -> np.ndarray:
    """A printed array (NumPy's or a tensor's, with or without commas) as an array."""
    stack: list[list] = [[]]
    for tok in re.findall(r"\[|\]|" + NUMBER.pattern, body):
        if tok == "[":
            stack.append([])
        elif tok == "]":
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(float(tok))
    assert len(stack) == 1 and len(stack[0]) == 1, f"cannot parse {body!r}"
    return np.array(stack[0][0])


def tensors(text: str) -> list[np.ndarray]:
    """Every printed tensor in ``text``, checked against its printed shape and float32 dtype."""
    out = []
    for m in TENSOR.finditer(text):
        value = nested(m["body"])
        assert value.shape == tuple(int(n) for n in m["shape"].replace(",", " ").split())
        assert m["dtype"] == "float32"
        out.append(value)
    return out


def array_after(label: str, text: str) -> np.ndarray:
    """The NumPy array printed after ``label`` at the start of a line (it may span lines)."""
    m = re.search(r"^" + re.escape(label) + r"\s*\[", text, re.MULTILINE)
    assert m, f"no array after {label!r} in:\n{text}"
    depth, i = 0, m.end() - 1
    for j in range(i, len(text)):
        depth += {"[": 1, "]": -1}.get(text[j], 0)
        if depth == 0:
            return nested(text[i : j + 1])
    raise AssertionError(f"unclosed array after {label!r}")


def after_equals(line: str) -> list[float]:
    """The numbers printed after each '=' in ``line``."""
    return [float(s) for s in re.findall(r"=\s*(" + NUMBER.pattern + ")", line)]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def close(got, want, rtol=1e-5, atol=1e-7):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def test_every_script_is_tested_and_listed():
    assert sorted(SCRIPTS) == sorted(p.name for p in EXAMPLES.glob("*.py"))
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert all(f"`{s}`" in readme for s in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_only_the_import_line_differs_from_tensorflow(script):
    source = (EXAMPLES / script).read_text(encoding="utf-8")
    imports = [ln for ln in source.splitlines() if re.match(r"\s*(import|from) ", ln)]
    assert imports == ["from deltagrad.compat import tf"]


def test_chain_rule():
    out = run("chain_rule.py")
    chained, direct = tensors(out)
    # y1 = x·w1 + b1, y2 = y1·w2 + b2: dy2/dy1 = w2 = 2, dy1/dw1 = x = 1, dy2/dw1 = w2·x = 2.
    assert chained.shape == direct.shape == ()
    assert chained == pytest.approx(2.0) and direct == pytest.approx(2.0)
    t, z, dz = after_equals(out.splitlines()[2])
    assert t == 0.5
    assert z == pytest.approx((2 * t + 1) ** 2 + math.exp(t * t), rel=1e-6)
    assert dz == pytest.approx(4 * (2 * t + 1) + 2 * t * math.exp(t * t), rel=1e-6)


def himmelblau(x, y):
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def himmelblau_grad(x, y):
    # Hand-derived: ∂f/∂x = 4x(x² + y − 11) + 2(x + y² − 7), ∂f/∂y = 2(x² + y − 11) + 4y(x + y² − 7)
    return np.array(
        [
            4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
            2 * (x * x + y - 11) + 4 * y * (x + y * y - 7),
        ]
    )


# Table 7-1 starts and SPEC 7.8's minima they reach.
TABLE_7_1 = {
    (4.0, 0.0): (3.584428, -1.848127),
    (1.0, 0.0): (3.0, 2.0),
    (-4.0, 0.0): (-3.779310, -3.283186),
    (-2.0, 2.0): (-2.805118, 3.131313),
}


def test_himmelblau_loop_follows_hand_derived_descent_to_table_7_1():
    blocks = run("himmelblau_loop.py").split("start: ")[1:]
    assert len(blocks) == len(TABLE_7_1)
    for block, (start, minimum) in zip(blocks, TABLE_7_1.items()):
        assert tuple(numbers(block.splitlines()[0])) == start
        printed = [numbers(ln) for ln in block.splitlines()[1:]]
        assert [int(p[0]) for p in printed] == list(range(19, 200, 20))
        xy = np.array(start)
        for step in range(200):  # the same descent in float64, with the hand-derived gradient
            xy = xy - 0.01 * himmelblau_grad(*xy)
            if step % 20 == 19:
                _, px, py, pf = printed[step // 20]
                close([px, py], xy, rtol=0, atol=1e-4)
                # f is printed at the updated x (the chapter printed it from before the step)
                assert pf == pytest.approx(himmelblau(px, py), rel=1e-3, abs=1e-6)
        _, px, py, pf = printed[-1]
        close([px, py], minimum, rtol=0, atol=1e-5 if start == (4.0, 0.0) else 1e-3)
        assert pf < 1e-6


def test_sigmoid_gradient_is_sigma_times_one_minus_sigma():
    out = run("sigmoid_gradient.py")
    x, y, grad = (array_after(label, out) for label in ("x:", "y:", "grad:"))
    close(x, np.linspace(-10, 10, 10), rtol=1e-6)
    close(y, sigmoid(x), rtol=1e-6)
    close(grad, sigmoid(x) * (1 - sigmoid(x)))


def test_mse_gradient_is_delta_times_input():
    out = run("mse_gradient.py")
    x = array_after("x:", out)[0]
    w_grad, b_grad = tensors(out)
    t = np.array([0.0, 1.0])
    o = sigmoid(x.sum() + 1.0) * np.ones(2)  # w = ones(3, 2), b = ones(2)
    # mean over K = 2 outputs of (o − t)²: 2/K = 1, so ∂L/∂o_k = o_k − t_k (SPEC 7.4)
    delta = (o - t) * o * (1 - o)  # SPEC 7.5: δk = (ok − tk)·ok(1 − ok)
    close(w_grad, np.outer(x, delta))
    close(b_grad, delta)


def test_crossentropy_gradient_is_p_minus_y():
    out = run("crossentropy_gradient.py")
    x, w, b = (array_after(label, out) for label in ("x:", "w:", "b:"))
    w_grad, b_grad = tensors(out)
    z = x[0] @ w + b
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    y = np.array([0.0, 1.0])
    close(w_grad, np.outer(x[0], p - y))  # SPEC 7.4: ∂L/∂z = p − y
    close(b_grad, p - y)


def test_single_output_perceptron_gradient():
    out = run("perceptron.py")
    x = array_after("x:", out)[0]
    w_grad, b_grad = tensors(out)
    o, t = sigmoid(x.sum() + 1.0), 1.0  # w = ones(3, 1), b = ones(1)
    # MSE with one output is (o − t)², twice SPEC 7.5's ½(o − t)²
    delta = 2 * (o - t) * o * (1 - o)
    assert w_grad.shape == (3, 1) and b_grad.shape == (1,)
    close(w_grad[:, 0], delta * x)
    close(b_grad, [delta])


def test_second_derivative_with_nested_tapes():
    lines = run("second_derivative.py").splitlines()
    dy_dw, dy_db = tensors("\n".join(lines[:2]))
    x, w, b = 3.0, 1.0, 2.0
    assert dy_dw == x and dy_db == 1.0  # y = x·w + b
    assert lines[2] == "None"  # dy/dw = x does not depend on w
    dl_dw, dl_db = after_equals(lines[3])
    d2l_dw2, d2l_db2 = after_equals(lines[4])
    # L = x·w² + b² (SPEC 7.2): dL/dw = 2xw, dL/db = 2b, d²L/dw² = 2x, d²L/db² = 2
    assert (dl_dw, dl_db, d2l_dw2, d2l_db2) == (2 * x * w, 2 * b, 2 * x, 2.0)
