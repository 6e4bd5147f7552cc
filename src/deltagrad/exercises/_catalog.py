"""The exercises, section by section in the chapter's order (7.1 … 7.9).

Expected numbers are computed here from the chapter's formulas; the tests compute them again
independently (by the tape and by finite differences).
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from deltagrad.exercises import _broken, solutions
from deltagrad.exercises._core import (
    Exercise,
    FunctionGrader,
    GradientGrader,
    Mistake,
    NetworkGrader,
    NumberGrader,
    Trap,
)

SIGMOID_FPRIME = "f′(o) = o(1 − o)"
CONVENTIONS = (
    "Conventions (the chapter's): row vectors, z = x @ W + b with W of shape (inputs, outputs); "
    "o = σ(z); L = ½ Σ (o − t)²."
)
NUMBER = "Answer with a number (3 significant digits are enough)."
PAIR = "Answer with two numbers, a tuple (x, y) (3 significant digits are enough)."


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


def _stub(fn) -> str:
    params = ", ".join(inspect.signature(fn).parameters)
    return f"def {fn.__name__}({params}):\n    raise NotImplementedError  # your code here\n"


def _broken_starter(fn) -> str:
    lines = inspect.getsource(fn).splitlines()
    marker = "    raise NotImplementedError  # delete this line, then fix the code below"
    return "\n".join([lines[0], marker, *lines[1:]]) + "\n"


def _number(id_, title, prompt, expected, nudge, worked, traps=()) -> Exercise:
    grader = NumberGrader(nudge, worked, tuple(traps))
    return Exercise(id_, id_[:3], title, "number", prompt, grader, expected)


def _code(id_, title, prompt, grader, reference, broken=None) -> Exercise:
    kind = "function" if broken is None else "fix"
    starter = _stub(reference) if broken is None else _broken_starter(broken)
    return Exercise(
        id_, id_[:3], title, kind, prompt, grader, reference, reference.__name__, starter
    )


# --- random inputs, seeded by the exercise ---------------------------------------------------


def _normal(rng, *shape, scale=1.0):
    return rng.normal(size=shape) * scale


def _one_hot(rng, n, k):
    t = np.zeros((n, k))
    t[np.arange(n), rng.integers(0, k, size=n)] = 1.0
    return t


def _two_layers(rng, sizes, n=None):
    """W1, b1, W2, b2 and x, t (one sample when n is None, else a batch of n)."""
    d, j, k = sizes
    args = {
        "W1": _normal(rng, d, j),
        "b1": _normal(rng, j, scale=0.5),
        "W2": _normal(rng, j, k),
        "b2": _normal(rng, k, scale=0.5),
    }
    if n is None:
        return {**args, "x": _normal(rng, d), "t": _one_hot(rng, 1, k)[0]}
    return {**args, "x": _normal(rng, n, d), "t": _one_hot(rng, n, k)}


def _two_layer_loss(W1, b1, W2, b2, x, t):
    import deltagrad as dg

    x, t = np.atleast_2d(x), np.atleast_2d(t)  # one sample as a batch of one: a row
    o = dg.sigmoid(dg.sigmoid(x @ W1 + b1) @ W2 + b2)
    return 0.5 * dg.sum((o - t) ** 2)


def _network_cases(rng):
    from deltagrad.backprop import Layer  # imported when needed: it loads the compiled engine

    cases = []
    for _ in range(3):
        sizes = (2, 4, 3, 2)
        layers = [
            Layer(a, b, "sigmoid", weights=_normal(rng, a, b), bias=_normal(rng, b, scale=0.5))
            for a, b in zip(sizes[:-1], sizes[1:])
        ]
        cases.append((layers, _normal(rng, 2), _one_hot(rng, 1, 2)[0]))
    return cases


def _himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_gradient(x, y):
    return (
        4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
        2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7),
    )


# --- 7.1 gradient descent and ascent ---


def _section_7_1() -> list[Exercise]:
    return [
        _number(
            "7.1a",
            "One step of gradient descent",
            "L(θ) = (θ − 3)². Start at θ = 0 and take one step of gradient descent with learning "
            "rate η = 0.1: θ′ = θ − η·dL/dθ (chapter 7.1). What is θ′?\n" + NUMBER,
            0.6,
            "Differentiate L at θ = 0 first, then step against the gradient.",
            "dL/dθ = 2(θ − 3) = −6 at θ = 0, so θ′ = 0 − 0.1·(−6).",
            [
                Trap(-0.6, "sign", "You stepped along the gradient: that is ascent (uphill)."),
                Trap(6.0, "scale", "The learning rate η = 0.1 is missing from the step."),
            ],
        ),
        _number(
            "7.1b",
            "One step of gradient ascent",
            "To maximise g(θ) = −θ² + 4θ, gradient ascent steps along the gradient: "
            "θ′ = θ + η·dg/dθ (chapter 7.1). Start at θ = 1 with η = 0.25. What is θ′?\n" + NUMBER,
            1.5,
            "Ascent adds the gradient times η.",
            "dg/dθ = −2θ + 4 = 2 at θ = 1, so θ′ = 1 + 0.25·2.",
            [Trap(0.5, "sign", "You stepped downhill (descent); to maximise, add η·dg/dθ.")],
        ),
        _code(
            "7.1c",
            "Descent and ascent in one function",
            "Write gradient_step(theta, grad, lr, ascent) returning the parameters after one "
            "step (chapter 7.1): θ − lr·grad for descent (ascent=False), θ + lr·grad for "
            "ascent (ascent=True). theta and grad are NumPy arrays of the same shape, lr a "
            "float, ascent a bool. Return a new array of theta's shape.",
            FunctionGrader(
                "gradient_step(theta, grad, lr, ascent)",
                lambda rng: [
                    {
                        "theta": _normal(rng, 3),
                        "grad": _normal(rng, 3),
                        "lr": np.float64(0.1),
                        "ascent": ascent,
                    }
                    for ascent in (False, True, False, True)
                ],
                "Descent: theta - lr * grad. Ascent: theta + lr * grad.",
                (
                    Mistake(
                        lambda theta, grad, lr, ascent: theta - lr * grad,
                        "sign",
                        "Your step ignores `ascent`: with ascent=True it must go uphill.",
                        "if ascent: return theta + lr * grad",
                    ),
                    Mistake(
                        lambda theta, grad, lr, ascent: theta + lr * grad * (-1 if ascent else 1),
                        "sign",
                        "Descent and ascent are swapped: descent goes against the gradient.",
                        "Descent: theta - lr * grad. Ascent: theta + lr * grad.",
                    ),
                    Mistake(
                        lambda theta, grad, lr, ascent: theta + grad * (1 if ascent else -1),
                        "scale",
                        "The learning rate is missing: the step is lr times the gradient.",
                        "Multiply the gradient by lr.",
                    ),
                ),
            ),
            solutions.gradient_step,
        ),
    ]


# --- 7.2 derivative rules ---


def _section_7_2() -> list[Exercise]:
    return [
        _number(
            "7.2a",
            "A power and a constant factor",
            "L = x·w² + b² (chapter 7.2). What is ∂L/∂w at x = 2, w = 3, b = −1?\n" + NUMBER,
            12.0,
            "x is a constant factor and (w²)′ = 2w.",
            "∂L/∂w = 2xw = 2·2·3.",
            [
                Trap(18.0, "other", "That is x·w², the term itself, not its derivative."),
                Trap(6.0, "scale", "The constant factor x = 2 is missing: (c·f)′ = c·f′."),
            ],
        ),
        _number(
            "7.2b",
            "The chain rule on a squared error",
            "L = [(x·w + b) − y]² (chapter 7.2). What is ∂L/∂w at x = 2, w = 1, b = 0.5, "
            "y = 1?\n" + NUMBER,
            6.0,
            "Outer derivative 2(·), times the inner derivative ∂(xw + b − y)/∂w.",
            "∂L/∂w = 2(xw + b − y)·x = 2·(2 + 0.5 − 1)·2.",
            [
                Trap(3.0, "scale", "The inner derivative x = 2 is missing (chain rule)."),
                Trap(2.25, "other", "That is L itself, not ∂L/∂w."),
            ],
        ),
        _number(
            "7.2c",
            "An exponential with base a",
            "What is d/dx 2^x at x = 3? (chapter 7.2: (a^x)′ = a^x·ln a)\n" + NUMBER,
            8 * math.log(2),
            "x is the exponent here, not the base: the power rule does not apply.",
            "(2^x)′ = 2^x·ln 2 = 8·ln 2.",
            [
                Trap(12.0, "other", "That is the power rule x·a^(x−1); here x is the exponent."),
                Trap(8.0, "other", "The factor ln a is missing: (a^x)′ = a^x·ln a."),
            ],
        ),
        _number(
            "7.2d",
            "A logarithm",
            "L = a·ln(x·w + b) (chapter 7.2). What is ∂L/∂w at a = 3, x = 2, w = 1, b = 2?\n"
            + NUMBER,
            1.5,
            "(ln u)′ = u′/u with u = xw + b; a is a constant factor.",
            "∂L/∂w = a·x/(xw + b) = 3·2/4.",
            [
                Trap(0.75, "other", "That is ∂L/∂b = a/(xw + b); ∂L/∂w has the factor x too."),
                Trap(0.5, "other", "The constant factor a = 3 is missing."),
            ],
        ),
        _code(
            "7.2e",
            "Gradients of a squared error over a batch",
            "Write squared_error_gradients(w, b, x, y) returning (∂L/∂w, ∂L/∂b) for\n"
            "    L = Σ_n [(x_n·w + b) − y_n]²   (chapter 7.2, summed over the samples n)\n"
            "w and b are numbers (0-d arrays); x and y are arrays of shape (n,). Return two "
            "numbers (0-d arrays or floats).",
            GradientGrader(
                "squared_error_gradients(w, b, x, y)",
                lambda rng: [
                    {
                        "w": np.float64(rng.normal()),
                        "b": np.float64(rng.normal()),
                        "x": _normal(rng, 5),
                        "y": _normal(rng, 5),
                    }
                    for _ in range(3)
                ],
                ("w", "b"),
                lambda w, b, x, y: _squared_error_loss(w, b, x, y),
                ("w", "b"),
                fixes={
                    "scale": "The outer derivative of r² is 2r: keep the factor 2, and sum "
                    "over the samples (no mean).",
                    "w:other": "∂L/∂w = Σ 2(x_n·w + b − y_n)·x_n: the inner derivative is x_n.",
                },
            ),
            solutions.squared_error_gradients,
        ),
    ]


def _squared_error_loss(w, b, x, y):
    import deltagrad as dg

    return dg.sum((x * w + b - y) ** 2)


# --- 7.3 activation functions ---


def _sigmoid_array(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _section_7_3() -> list[Exercise]:
    stable_points = np.array([-1000.0, -40.0, -1.5, 0.0, 2.0, 40.0, 1000.0])
    return [
        _number(
            "7.3a",
            "σ′ at zero",
            "σ(x) = 1/(1 + e^−x). What is σ′(0)? (chapter 7.3)\n" + NUMBER,
            0.25,
            "σ′(x) = σ(x)(1 − σ(x)).",
            "σ(0) = 0.5, so σ′(0) = 0.5·(1 − 0.5).",
            [Trap(0.5, "wrong_activation_derivative", "That is σ(0), not σ′(0).")],
        ),
        _number(
            "7.3b",
            "σ′ from the cached output",
            "A sigmoid neuron's forward pass gave the output o = σ(z) = 0.8 (z itself was not "
            "kept). What is the derivative σ′(z) at that point? (chapter 7.3: it can be "
            "computed from the output)\n" + NUMBER,
            0.16,
            "σ′(z) = σ(z)(1 − σ(z)) = o(1 − o).",
            "σ′(z) = o(1 − o) = 0.8·0.2.",
            [
                Trap(
                    _sigmoid(0.8) * (1 - _sigmoid(0.8)),
                    "wrong_activation_derivative",
                    "You computed σ′(0.8), taking 0.8 as the input z; 0.8 is the output o.",
                ),
                Trap(0.2, "other", "That is 1 − o alone; σ′ = o(1 − o)."),
            ],
        ),
        _number(
            "7.3c",
            "tanh′",
            "What is tanh′(0.5)? (chapter 7.3: tanh′(x) = 1 − tanh²(x))\n" + NUMBER,
            1 - math.tanh(0.5) ** 2,
            "Compute tanh(0.5) first.",
            "tanh(0.5) ≈ 0.4621, so tanh′(0.5) = 1 − 0.4621².",
            [
                Trap(1 - math.tanh(0.5), "other", "The square is missing: 1 − tanh²(x)."),
                Trap(math.tanh(0.5), "wrong_activation_derivative", "That is tanh(0.5) itself."),
                Trap(0.75, "wrong_activation_derivative", "That is 1 − x², with x the input."),
            ],
        ),
        _number(
            "7.3d",
            "LeakyReLU′ on the negative side",
            "LeakyReLU(x) = x for x ≥ 0 and p·x for x < 0, with p = 0.02 (chapter 7.3). What is "
            "its derivative at x = −3?\n" + NUMBER,
            0.02,
            "On the negative side the function is the line p·x.",
            "(p·x)′ = p.",
            [
                Trap(
                    0.0,
                    "zero",
                    "0 is ReLU's slope there (and what the chapter's code returns for integer "
                    "x); LeakyReLU keeps a small slope.",
                ),
                Trap(-0.06, "other", "That is LeakyReLU(−3) = p·x, not its derivative."),
                Trap(1.0, "other", "1 is the slope for x ≥ 0."),
            ],
        ),
        _code(
            "7.3e",
            "σ′, without overflow",
            "Write sigmoid_derivative(x) returning σ′(x) = σ(x)(1 − σ(x)) element-wise "
            "(chapter 7.3), for a NumPy array x of any shape; return an array of x's shape. "
            "It must stay finite and warning-free at |x| = 1000.",
            FunctionGrader(
                "sigmoid_derivative(x)",
                lambda rng: [
                    {"x": _normal(rng, 6, scale=3)},
                    {"x": _normal(rng, 2, 3, scale=3)},
                    {"x": stable_points.copy()},
                ],
                "σ′(x) = s·(1 − s) with s = σ(x); compute s from e^−|x|, which never overflows.",
                (
                    Mistake(
                        lambda x: _sigmoid_array(x),
                        "wrong_activation_derivative",
                        "That is σ(x) itself, not its derivative.",
                        "σ′(x) = σ(x)·(1 − σ(x)).",
                    ),
                    Mistake(
                        lambda x: x * (1 - x),
                        "wrong_activation_derivative",
                        "o(1 − o) needs the output o = σ(x), not the input x.",
                        "s = σ(x), then return s * (1 - s).",
                    ),
                ),
            ),
            solutions.sigmoid_derivative,
        ),
        _code(
            "7.3f",
            "tanh′",
            "Write tanh_derivative(x) returning tanh′(x) = 1 − tanh²(x) element-wise (chapter "
            "7.3), for a NumPy array x of any shape; return an array of x's shape.",
            FunctionGrader(
                "tanh_derivative(x)",
                lambda rng: [{"x": _normal(rng, 5, scale=2)}, {"x": _normal(rng, 3, 2)}],
                "tanh′(x) = 1 − tanh(x)²: np.tanh gives tanh.",
                (
                    Mistake(
                        lambda x: 1 - np.tanh(x),
                        "other",
                        "The square is missing: tanh′ = 1 − tanh².",
                        "return 1 - np.tanh(x) ** 2",
                    ),
                    Mistake(
                        lambda x: 1 - x**2,
                        "wrong_activation_derivative",
                        "1 − o² needs the output o = tanh(x), not the input x.",
                        "return 1 - np.tanh(x) ** 2",
                    ),
                ),
            ),
            solutions.tanh_derivative,
        ),
        _code(
            "7.3g",
            "LeakyReLU′, also for integers",
            "Write leaky_relu_derivative(x, p) returning 1 where x > 0 and p where x < 0 "
            "(chapter 7.3), as a float array of x's shape. x may be an integer array "
            "(x is never exactly 0 here); p is a float such as 0.02.",
            FunctionGrader(
                "leaky_relu_derivative(x, p)",
                lambda rng: [
                    {"x": _nonzero(rng.normal(size=6)), "p": np.float64(0.02)},
                    {"x": _nonzero(rng.integers(-5, 6, size=(2, 4))), "p": np.float64(0.05)},
                ],
                "np.where(x > 0, 1.0, p) gives floats whatever x's dtype.",
                (
                    Mistake(
                        _chapter_leaky_derivative,
                        "zero",
                        "For integer x your result is 0 on the negative side: np.ones_like of "
                        "an integer array is an integer array, and p = 0.02 becomes 0 in it "
                        "(the chapter's own bug).",
                        "Start from a float array: np.ones_like(x, dtype=float), or np.where.",
                    ),
                ),
            ),
            solutions.leaky_relu_derivative,
        ),
    ]


def _nonzero(a):
    a = np.asarray(a)
    return np.where(a == 0, 1, a).astype(a.dtype)


def _chapter_leaky_derivative(x, p):
    d = np.ones_like(x)
    d[x < 0] = p
    return d


# --- 7.4 loss gradients ---


def _softmax(z):
    e = np.exp(np.asarray(z, dtype=float) - np.max(z))
    return e / e.sum()


def _softmax_ce_loss(z, t):
    import deltagrad as dg

    return -dg.sum(t * dg.log_softmax(z, axis=-1))


def _section_7_4() -> list[Exercise]:
    p = _softmax([1.0, 2.0, 3.0])
    return [
        _number(
            "7.4a",
            "A softmax entry",
            "z = (1, 2, 3). What is p₃ = e^z₃ / Σ_k e^z_k, softmax's third (last) entry? "
            "(chapter 7.4)\n" + NUMBER,
            p[2],
            "Exponentiate every entry first, then divide by their sum.",
            "e¹ + e² + e³ ≈ 2.718 + 7.389 + 20.09; p₃ = 20.09 / 30.19.",
            [Trap(0.5, "other", "That is 3/6: softmax divides exponentials, e^z_i / Σ e^z_k.")],
        ),
        _number(
            "7.4b",
            "An off-diagonal softmax derivative",
            "For z = (1, 2, 3), what is ∂p₁/∂z₂, the derivative of softmax's first entry with "
            "respect to the second input? (chapter 7.4, Figure 7-6)\n" + NUMBER,
            -p[0] * p[1],
            "i ≠ j here: ∂p_i/∂z_j = −p_i·p_j.",
            f"p₁ ≈ {p[0]:.4f}, p₂ ≈ {p[1]:.4f}; ∂p₁/∂z₂ = −p₁·p₂.",
            [
                Trap(
                    p[0] * (1 - p[0]),
                    "other",
                    "That is the diagonal case i = j, p_i(1 − p_i); here i = 1, j = 2.",
                )
            ],
        ),
        _number(
            "7.4c",
            "The gradient of MSE",
            "L = ½ Σ_k (o_k − t_k)² with o = (0.8, 0.3) and t = (1, 0). What is ∂L/∂o₁? "
            "(chapter 7.4)\n" + NUMBER,
            -0.2,
            "∂L/∂o_i = o_i − t_i: the ½ cancels the 2.",
            "∂L/∂o₁ = 0.8 − 1.",
            [Trap(0.3, "other", "That is ∂L/∂o₂ = 0.3 − 0; the question asks for o₁.")],
        ),
        _code(
            "7.4d",
            "Softmax's Jacobian",
            "Write softmax_jacobian(z) for z of shape (K,) returning the (K, K) matrix J with "
            "J[i, j] = ∂p_i/∂z_j, p = softmax(z): p_i(1 − p_j) if i = j, −p_i·p_j otherwise "
            "(chapter 7.4). It must stay finite and warning-free for z = (1000, 999, 0).",
            FunctionGrader(
                "softmax_jacobian(z)",
                lambda rng: [
                    {"z": _normal(rng, 3, scale=2)},
                    {"z": _normal(rng, 5, scale=2)},
                    {"z": np.array([1000.0, 999.0, 0.0])},
                ],
                "J = diag(p) − p pᵀ: np.diag(p) - np.outer(p, p), with p from z − max(z).",
                (
                    Mistake(
                        lambda z: np.diag(_softmax(z) * (1 - _softmax(z))),
                        "other",
                        "Only the diagonal is right: the entries i ≠ j are −p_i·p_j, not 0.",
                        "J = np.diag(p) - np.outer(p, p).",
                    ),
                    Mistake(
                        lambda z: np.outer(_softmax(z), 1 - _softmax(z)),
                        "other",
                        "p_i(1 − p_j) is the diagonal formula only; for i ≠ j it is −p_i·p_j.",
                        "J = np.diag(p) - np.outer(p, p).",
                    ),
                ),
            ),
            solutions.softmax_jacobian,
        ),
        _code(
            "7.4e",
            "Cross-entropy with softmax",
            "Write softmax_cross_entropy_gradient(z, t) returning ∂L/∂z for\n"
            "    L = −Σ_n Σ_k t_nk·log p_nk,  p_n = softmax(z_n)   (chapter 7.4)\n"
            "z (logits) and t (one-hot targets) have shape (n, K), one sample per row; L is "
            "summed over the samples, not averaged. Return an (n, K) array.",
            GradientGrader(
                "softmax_cross_entropy_gradient(z, t)",
                lambda rng: [
                    {"z": _normal(rng, 4, 3, scale=2), "t": _one_hot(rng, 4, 3)} for _ in range(3)
                ],
                ("z",),
                _softmax_ce_loss,
                ("z",),
                fixes={
                    "scale": "L here is the sum over the samples: ∂L/∂z = p − t, no 1/n.",
                    "sign": "∂L/∂z = p − t (prediction minus target).",
                },
            ),
            solutions.softmax_cross_entropy_gradient,
        ),
    ]


# --- 7.5 a neuron and a layer ---


def _neuron_loss(w, b, x, t):
    import deltagrad as dg

    o = dg.sigmoid(dg.sum(x * w) + b)
    return 0.5 * (o - t) ** 2


def _neuron_without_fprime(w, b, x, t):
    o = _sigmoid_array(x @ w + b)
    return (o - t) * x, o - t


def _layer_loss(W, b, x, t):
    import deltagrad as dg

    return 0.5 * dg.sum((dg.sigmoid(x @ W + b) - t) ** 2)


def _dense_loss(x, W, b, g):
    import deltagrad as dg

    return dg.sum(g * (x @ W + b))


def _section_7_5() -> list[Exercise]:
    return [
        _number(
            "7.5a",
            "One weight of one neuron",
            "A sigmoid neuron o = σ(w₁x₁ + w₂x₂ + b) with x = (1, 2), w = (0.5, −0.25), b = 0, "
            "target t = 1 and L = ½(o − t)². What is ∂L/∂w₂? (chapter 7.5)\n" + NUMBER,
            -0.25,
            "∂L/∂w_j = (o − t)·o(1 − o)·x_j; compute z and o first.",
            "z = 0.5 − 0.5 = 0, o = 0.5; ∂L/∂w₂ = (0.5 − 1)·0.5·0.5·2.",
            [
                Trap(
                    -1.0,
                    "missing_activation_derivative",
                    "The sigmoid's derivative o(1 − o) is missing.",
                ),
                Trap(-0.125, "other", "That is δ = ∂L/∂b; ∂L/∂w₂ multiplies it by x₂ = 2."),
            ],
        ),
        _number(
            "7.5b",
            "One weight of a layer",
            "A sigmoid layer with inputs x = (0.5, −1) gave the outputs o = (0.6, 0.2); the "
            "targets are t = (1, 0) and L = ½ Σ_k (o_k − t_k)². w_jk is the weight from input j "
            "to output k (row j, column k of W, counting from 1). What is ∂L/∂w₂₁? "
            "(chapter 7.5: ∂L/∂w_jk = δ_k·x_j, δ_k = (o_k − t_k)·o_k(1 − o_k))\n" + NUMBER,
            0.096,
            "j = 2 is the input, k = 1 the output neuron.",
            "δ₁ = (0.6 − 1)·0.6·0.4 = −0.096; ∂L/∂w₂₁ = δ₁·x₂ = −0.096·(−1).",
            [
                Trap(-0.048, "other", "You used x₁ = 0.5; w₂₁ comes from input 2 (x₂ = −1)."),
                Trap(
                    -0.032,
                    "transpose",
                    "j and k are swapped: w_jk goes from input j to output k, so use δ₁ and x₂.",
                ),
                Trap(
                    0.4,
                    "missing_activation_derivative",
                    "The sigmoid's derivative o₁(1 − o₁) is missing from δ₁.",
                ),
            ],
        ),
        _code(
            "7.5c",
            "A neuron's gradients",
            "Write neuron_gradients(w, b, x, t) returning (∂L/∂w, ∂L/∂b) for one sigmoid neuron "
            "o = σ(x·w + b) (a dot product) with L = ½(o − t)² (chapter 7.5). w and x have "
            "shape (d,); b and t are numbers (0-d arrays). Return an array of shape (d,) and "
            "a number.",
            GradientGrader(
                "neuron_gradients(w, b, x, t)",
                lambda rng: [
                    {
                        "w": _normal(rng, 3),
                        "b": np.float64(rng.normal()),
                        "x": _normal(rng, 3),
                        "t": np.float64(rng.integers(0, 2)),
                    }
                    for _ in range(3)
                ],
                ("w", "b"),
                _neuron_loss,
                ("w", "b"),
                fprime=SIGMOID_FPRIME,
                mistakes=(
                    Mistake(
                        _neuron_without_fprime,
                        "missing_activation_derivative",
                        "∂L/∂w and ∂L/∂b: the sigmoid's derivative o(1 − o) is missing.",
                        "δ = (o − t)·o(1 − o); ∂L/∂w = δ·x and ∂L/∂b = δ.",
                    ),
                ),
            ),
            solutions.neuron_gradients,
        ),
        _code(
            "7.5d",
            "One dense layer's backward pass",
            "A dense layer computes z = x @ W + b for a batch x of shape (n, d), W (d, K), "
            "b (K,). Given the upstream gradient g = ∂L/∂z of shape (n, K), write "
            "dense_backward(x, W, b, g) returning (∂L/∂x, ∂L/∂W, ∂L/∂b) with shapes (n, d), "
            "(d, K), (K,) (chapter 7.5).",
            GradientGrader(
                "dense_backward(x, W, b, g)",
                lambda rng: [
                    {
                        "x": _normal(rng, 4, 3),
                        "W": _normal(rng, 3, 2),
                        "b": _normal(rng, 2),
                        "g": _normal(rng, 4, 2),
                    }
                    for _ in range(3)
                ],
                ("x", "W", "b"),
                _dense_loss,
                ("x", "W", "b"),
            ),
            solutions.dense_backward,
        ),
        _code(
            "7.5e",
            "A sigmoid layer's gradients over a batch",
            "Write sigmoid_layer_gradients(W, b, x, t) returning (∂L/∂W, ∂L/∂b) for the layer "
            "o = σ(x @ W + b) with L = ½ Σ_n Σ_k (o_nk − t_nk)² (chapter 7.5, summed over the "
            "batch). x has shape (n, d), t (n, K), W (d, K), b (K,). " + CONVENTIONS,
            GradientGrader(
                "sigmoid_layer_gradients(W, b, x, t)",
                lambda rng: [
                    {
                        "W": _normal(rng, 3, 2),
                        "b": _normal(rng, 2, scale=0.5),
                        "x": _normal(rng, 5, 3),
                        "t": _one_hot(rng, 5, 2),
                    }
                    for _ in range(3)
                ],
                ("W", "b"),
                _layer_loss,
                ("W", "b"),
                fprime=SIGMOID_FPRIME,
            ),
            solutions.sigmoid_layer_gradients,
        ),
    ]


# --- 7.6 the chain rule ---


def _chain_loss(w1, b1, w2, b2, x):
    return (x * w1 + b1) * w2 + b2


def _section_7_6() -> list[Exercise]:
    return [
        _number(
            "7.6a",
            "The chapter's worked example",
            "z = (2t + 1)² + e^(t²) (chapter 7.6). What is dz/dt at t = 1?\n" + NUMBER,
            12 + 2 * math.e,
            "Each term needs the chain rule: outer derivative times inner derivative.",
            "dz/dt = 2(2t + 1)·2 + e^(t²)·2t = 4·3 + 2e at t = 1.",
            [
                Trap(6 + 2 * math.e, "other", "(2t + 1)² needs the inner derivative 2 too."),
                Trap(12 + math.e, "other", "e^(t²) needs the inner derivative 2t too."),
            ],
        ),
        _number(
            "7.6b",
            "Two paths to t",
            "z = x²·y with x = 2t and y = t + 1 (chapter 7.6: dz/dt = ∂z/∂x·dx/dt + "
            "∂z/∂y·dy/dt). What is dz/dt at t = 1?\n" + NUMBER,
            20.0,
            "t reaches z along two paths, through x and through y: add both.",
            "At t = 1: x = 2, y = 2; ∂z/∂x = 2xy = 8, dx/dt = 2; ∂z/∂y = x² = 4, dy/dt = 1.",
            [
                Trap(16.0, "other", "That is the path through x only; add the path through y."),
                Trap(4.0, "other", "That is the path through y only; add the path through x."),
            ],
        ),
        _number(
            "7.6c",
            "The tape demonstration",
            "The chapter's tape example (7.6): y₁ = x·w₁ + b₁, y₂ = y₁·w₂ + b₂ with w₁ = 2, "
            "b₁ = 1, w₂ = 2, b₂ = 1 — but now x = 3. What is dy₂/dw₁?\n" + NUMBER,
            6.0,
            "dy₂/dw₁ = dy₂/dy₁ · dy₁/dw₁.",
            "dy₂/dy₁ = w₂ = 2 and dy₁/dw₁ = x = 3.",
            [
                Trap(3.0, "other", "That is dy₁/dw₁ alone; multiply by dy₂/dy₁ = w₂."),
                Trap(2.0, "other", "That is dy₂/dy₁ alone (and the chapter's answer for x = 1)."),
            ],
        ),
        _code(
            "7.6d",
            "The tape example by hand",
            "For the chapter's y₁ = x·w₁ + b₁, y₂ = y₁·w₂ + b₂ (chapter 7.6), write "
            "chain_rule_gradients(w1, b1, w2, b2, x) returning (dy₂/dw₁, dy₂/db₁, dy₂/dw₂, "
            "dy₂/db₂). All arguments are numbers (0-d arrays); return four numbers.",
            GradientGrader(
                "chain_rule_gradients(w1, b1, w2, b2, x)",
                lambda rng: [
                    {k: np.float64(rng.normal()) for k in ("w1", "b1", "w2", "b2", "x")}
                    for _ in range(3)
                ],
                ("w1", "b1", "w2", "b2"),
                _chain_loss,
                ("w1", "b1", "w2", "b2"),
                mistakes=(
                    Mistake(
                        lambda w1, b1, w2, b2, x: (x, np.float64(1.0), x * w1 + b1, 1.0),
                        "scale",
                        "dy₂/dw₁ and dy₂/db₁ stop at y₁: the factor dy₂/dy₁ = w₂ is missing.",
                        "dy₂/dw₁ = dy₂/dy₁·dy₁/dw₁ = w₂·x and dy₂/db₁ = w₂.",
                    ),
                ),
                fixes={
                    "scale": "Follow the path from y₂ back to the parameter: dy₂/dw₁ = "
                    "dy₂/dy₁·dy₁/dw₁ = w₂·x.",
                    "other": "dy₂/dw₁ = w₂·x, dy₂/db₁ = w₂, dy₂/dw₂ = y₁, dy₂/db₂ = 1.",
                },
            ),
            solutions.chain_rule_gradients,
        ),
    ]


# --- 7.7 backpropagation ---

_DELTA_RULE = (
    "The delta rule of chapter 7.7, with w_jk = W2[j, k] (hidden neuron j to output k): "
    "δ_k = o_k(1 − o_k)(o_k − t_k) at the output, δ_j = o_j(1 − o_j)·Σ_k δ_k·w_jk in the "
    "hidden layer; ∂L/∂w_jk = δ_k·o_j and ∂L/∂b_k = δ_k."
)
_NETWORK_FIXES = {
    "W1:missing_activation_derivative": "The hidden δ needs its own f′: "
    "delta1 = (delta2 @ W2.T) * o1 * (1 - o1).",
    "b1:missing_activation_derivative": "The hidden δ needs its own f′: "
    "delta1 = (delta2 @ W2.T) * o1 * (1 - o1).",
    "transpose": "W2 has shape (J, K): the error sent back to the hidden layer is delta2 @ W2.T "
    "(Σ_k δ_k·w_jk sums over k, W2's columns).",
    "batch_reduction": "L sums over the samples, so does every gradient: "
    "db = delta.sum(axis=0), one entry per neuron.",
    "shape": "Each gradient has its parameter's shape: the biases' are (J,) and (K,), "
    "δ summed over the samples.",
}


def _section_7_7() -> list[Exercise]:
    delta_k = [0.1, -0.2]
    hidden = 0.25 * (0.4 * delta_k[0] + 0.3 * delta_k[1])
    two_layer = (
        "A network of two sigmoid layers: o1 = σ(x @ W1 + b1), o2 = σ(o1 @ W2 + b2), "
        "L = ½ Σ_k (o2_k − t_k)². "
    )
    return [
        _number(
            "7.7a",
            "The output layer's δ",
            "An output neuron k of a sigmoid network has o_k = 0.7 and target t_k = 0. What is "
            "its δ_k = ∂L/∂z_k for L = ½ Σ_k (o_k − t_k)²? (chapter 7.7)\n" + NUMBER,
            0.7 * 0.3 * 0.7,
            "δ_k = o_k(1 − o_k)(o_k − t_k).",
            "δ_k = 0.7·0.3·(0.7 − 0).",
            [
                Trap(
                    0.7,
                    "missing_activation_derivative",
                    "That is o_k − t_k: the factor o_k(1 − o_k) is missing.",
                ),
            ],
        ),
        _number(
            "7.7b",
            "A hidden neuron's δ",
            "A hidden neuron j has output o_j = 0.5; it feeds two output neurons whose δ are "
            "δ₁ = 0.1 and δ₂ = −0.2 through the weights w_j1 = 0.4 and w_j2 = 0.3. What is "
            "δ_j? (chapter 7.7: δ_j = o_j(1 − o_j)·Σ_k δ_k·w_jk)\n" + NUMBER,
            hidden,
            "First the sum over the output neurons k, then the factor o_j(1 − o_j).",
            "Σ_k δ_k·w_jk = 0.1·0.4 + (−0.2)·0.3 = −0.02; δ_j = 0.5·0.5·(−0.02).",
            [
                Trap(
                    -0.02,
                    "missing_activation_derivative",
                    "That is Σ_k δ_k·w_jk alone: the factor o_j(1 − o_j) is missing.",
                ),
                Trap(0.25 * 0.7 * -0.1, "other", "Multiply each δ_k by its own weight, then sum."),
            ],
        ),
        _number(
            "7.7c",
            "A hidden weight's gradient",
            "With the δ_j of exercise 7.7b, what is ∂L/∂w_ij for a weight coming into neuron j "
            "from a neuron i with output o_i = 0.8? (chapter 7.7: ∂L/∂w_ij = δ_j·o_i)\n" + NUMBER,
            hidden * 0.8,
            "The gradient of a weight is the δ of the neuron it feeds times the output it carries.",
            f"δ_j = {hidden:g}; ∂L/∂w_ij = δ_j·o_i.",
            [Trap(-0.016, "missing_activation_derivative", "δ_j is missing o_j(1 − o_j).")],
        ),
        _code(
            "7.7d",
            "The delta rule for a small network",
            two_layer + "For one sample x of shape (d,) and target t (K,), with W1 (d, J), "
            "b1 (J,), W2 (J, K), b2 (K,), write delta_rule(W1, b1, W2, b2, x, t) returning "
            "(∂L/∂W1, ∂L/∂b1, ∂L/∂W2, ∂L/∂b2), each of its parameter's shape. " + _DELTA_RULE,
            GradientGrader(
                "delta_rule(W1, b1, W2, b2, x, t)",
                lambda rng: [_two_layers(rng, (3, 4, 2)) for _ in range(3)],
                ("W1", "b1", "W2", "b2"),
                _two_layer_loss,
                ("W1", "b1", "W2", "b2"),
                fprime=SIGMOID_FPRIME,
                fixes=_NETWORK_FIXES,
            ),
            solutions.delta_rule,
        ),
        _code(
            "7.7e",
            "Fix: the hidden layer's δ",
            two_layer + "The code below computes (∂L/∂W1, ∂L/∂b1, ∂L/∂W2, ∂L/∂b2) for one "
            "sample x (d,), t (K,) — with one mistake. Fix it. " + _DELTA_RULE,
            GradientGrader(
                "hidden_delta_rule(W1, b1, W2, b2, x, t)",
                lambda rng: [_two_layers(rng, (3, 4, 2)) for _ in range(3)],
                ("W1", "b1", "W2", "b2"),
                _two_layer_loss,
                ("W1", "b1", "W2", "b2"),
                fprime=SIGMOID_FPRIME,
                fixes=_NETWORK_FIXES,
            ),
            solutions.hidden_delta_rule,
            broken=_broken.hidden_delta_rule,
        ),
        _code(
            "7.7f",
            "Fix: the error sent back through W2",
            two_layer + "The code below computes the four gradients for a batch x (n, d), "
            "t (n, K), with L summed over the samples, W1 (d, J), W2 (J, K). Here J = K = 3, so "
            "its mistake raises no shape error: it gives wrong numbers. Fix it. " + _DELTA_RULE,
            GradientGrader(
                "batch_delta_rule(W1, b1, W2, b2, x, t)",
                lambda rng: [_two_layers(rng, (2, 3, 3), n=4) for _ in range(3)],
                ("W1", "b1", "W2", "b2"),
                _two_layer_loss,
                ("W1", "b1", "W2", "b2"),
                fprime=SIGMOID_FPRIME,
                fixes=_NETWORK_FIXES,
            ),
            solutions.batch_delta_rule,
            broken=_broken.batch_delta_rule,
        ),
        _code(
            "7.7g",
            "Fix: the biases over a batch",
            two_layer + "The code below computes the four gradients for a batch x (n, d), "
            "t (n, K), with L summed over the samples, W1 (d, J), W2 (J, K) — with one mistake. "
            "Fix it. " + _DELTA_RULE,
            GradientGrader(
                "bias_delta_rule(W1, b1, W2, b2, x, t)",
                lambda rng: [_two_layers(rng, (3, 4, 2), n=5) for _ in range(3)],
                ("W1", "b1", "W2", "b2"),
                _two_layer_loss,
                ("W1", "b1", "W2", "b2"),
                fprime=SIGMOID_FPRIME,
                fixes=_NETWORK_FIXES,
            ),
            solutions.bias_delta_rule,
            broken=_broken.bias_delta_rule,
        ),
    ]


# --- 7.8 Himmelblau ---


def _himmelblau_without_inner(x, y):
    a, c = 2 * (x**2 + y - 11), 2 * (x + y**2 - 7)
    return a + c, a + c


def _himmelblau_loss_xy(x, y):
    import deltagrad as dg

    return dg.sum(_himmelblau(x, y))


def _himmelblau_loss_p(p):
    return _himmelblau(p[0], p[1])


def _section_7_8() -> list[Exercise]:
    g = _himmelblau_gradient(1.0, 0.0)
    maximum = np.array([-0.270845, -0.923039])
    at_max = maximum - 0.01 * np.array(_himmelblau_gradient(*maximum))
    f = "f(x, y) = (x² + y − 11)² + (x + y² − 7)², Himmelblau's function (chapter 7.8)"
    return [
        _number(
            "7.8a",
            "Himmelblau's gradient at the chapter's start",
            f"{f}. What is its gradient (∂f/∂x, ∂f/∂y) at the start point (4, 0)?\n" + PAIR,
            _himmelblau_gradient(4.0, 0.0),
            "Each square gives 2·(its base)·(the base's derivative): ∂/∂x of (x² + y − 11)² "
            "is 2(x² + y − 11)·2x.",
            "At (4, 0): x² + y − 11 = 5 and x + y² − 7 = −3; ∂f/∂x = 4x·5 + 2·(−3), "
            "∂f/∂y = 2·5 + 4y·(−3).",
        ),
        _number(
            "7.8b",
            "The next Himmelblau step",
            f"{f}. Starting at (1, 0), take one step of gradient descent with learning rate "
            "0.01, as the chapter does. Where do you land?\n" + PAIR,
            (1.0 - 0.01 * g[0], 0.0 - 0.01 * g[1]),
            "Compute the gradient at (1, 0), then subtract 0.01 times it.",
            "∇f(1, 0) = (4·1·(−10) + 2·(−6), 2·(−10) + 0) = (−52, −20); (1, 0) − 0.01·(−52, −20).",
            [
                Trap(
                    (1.0 + 0.01 * g[0], 0.01 * g[1]),
                    "sign",
                    "You stepped uphill (ascent); descent subtracts the gradient.",
                ),
                Trap(
                    (1.0 - g[0], -g[1]),
                    "scale",
                    "The learning rate 0.01 is missing from the step.",
                ),
            ],
        ),
        _number(
            "7.8c",
            "A step from the maximum",
            f"{f}. The chapter lists a local maximum at (−0.270845, −0.923039). Take one step "
            "of gradient descent (learning rate 0.01) from exactly that point. Where do you "
            "land?\n" + PAIR,
            tuple(at_max),
            "What is the gradient at a maximum?",
            "At a stationary point ∇f = 0 (up to the rounding of the point), so the step "
            "goes nowhere.",
        ),
        _code(
            "7.8d",
            "Himmelblau's gradient by hand",
            f"{f}. Write himmelblau_gradient(x, y) returning (∂f/∂x, ∂f/∂y). x and y are NumPy "
            "arrays of the same shape (many points at once); return two arrays of that shape.",
            GradientGrader(
                "himmelblau_gradient(x, y)",
                lambda rng: [
                    {"x": rng.uniform(-5, 5, 4), "y": rng.uniform(-5, 5, 4)} for _ in range(3)
                ],
                ("x", "y"),
                _himmelblau_loss_xy,
                ("x", "y"),
                mistakes=(
                    Mistake(
                        _himmelblau_without_inner,
                        "other",
                        "The inner derivatives are missing: ∂/∂x of (x² + y − 11)² is "
                        "2(x² + y − 11)·2x, and ∂/∂y of (x + y² − 7)² is 2(x + y² − 7)·2y.",
                        "∂f/∂x = 4x(x² + y − 11) + 2(x + y² − 7); "
                        "∂f/∂y = 2(x² + y − 11) + 4y(x + y² − 7).",
                    ),
                ),
                fixes={
                    "other": "∂f/∂x = 4x(x² + y − 11) + 2(x + y² − 7); "
                    "∂f/∂y = 2(x² + y − 11) + 4y(x + y² − 7).",
                },
            ),
            solutions.himmelblau_gradient,
        ),
        _code(
            "7.8e",
            "One Himmelblau descent step",
            f"{f}. Write himmelblau_step(p) taking a point p = (x, y), a NumPy array of shape "
            "(2,), and returning the point after one step of gradient descent with learning "
            "rate 0.01, p − 0.01·∇f(p), as an array of shape (2,). Use dg.GradientTape as the "
            "chapter does (or your gradient of 7.8d).",
            GradientGrader(
                "himmelblau_step(p)",
                lambda rng: [{"p": rng.uniform(-4, 4, 2)} for _ in range(3)],
                ("p",),
                _himmelblau_loss_p,
                ("p",),
                fixes={
                    "p:sign": "Descent goes downhill: p - 0.01 * gradient, not +.",
                    "p:scale": "The step is the learning rate 0.01 times the gradient.",
                },
                to_gradients=lambda new_p, args: (np.asarray(args["p"]) - np.asarray(new_p)) / 0.01,
            ),
            solutions.himmelblau_step,
        ),
    ]


# --- 7.9 the two-moons network ---

_NETWORK_PROMPT = (
    "The function below is the chapter's backpropagation (7.9) written for a list of layers "
    "(deltagrad.backprop.Layer objects with .weights (n_in, n_out) and .bias (n_out,); "
    "activate(x) returns o = σ(x @ weights + bias)), numbered 1, 2, 3 from the input side. "
    "It takes one sample x (d,), a one-hot target t (K,) and a learning rate η, and must "
    "update every layer's weights and bias in place by one step of gradient descent on "
    "L = ½ Σ_k (o_k − t_k)². The chapter writes that step with error = t − o and +=: "
    "δ_k = (t_k − o_k)·o_k(1 − o_k) at the output, δ_j = (Σ_k δ_k·w_jk)·o_j(1 − o_j) below, "
    "then W += η·(the layer's input)ᵀ·δ and b += η·δ, which is θ − η·∂L/∂θ. "
    "The code has one mistake; fix it."
)


def _section_7_9() -> list[Exercise]:
    sizes = [2, 25, 50, 25, 2]
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    biases = sum(sizes[1:])
    return [
        _number(
            "7.9a",
            "Parameters of the chapter's network",
            "How many trainable numbers (weights and biases) has the chapter's 2 → 25 → 50 → "
            "25 → 2 network (chapter 7.9, Figure 7-13)?\n" + NUMBER,
            weights + biases,
            "Each layer has n_in·n_out weights and n_out biases.",
            "Weights: 2·25 + 25·50 + 50·25 + 25·2; biases: 25 + 50 + 25 + 2.",
            [
                Trap(weights, "other", "Those are the weights only; add the biases."),
                Trap(biases, "other", "Those are the biases only; add the weights."),
            ],
        ),
        _number(
            "7.9b",
            "The chapter's training MSE",
            "The chapter records the training error as mean((Y − output)²) over all entries "
            "(7.9). For one sample of class 1 (one-hot target (0, 1)) the network outputs "
            "(0.3, 0.6). What is that number?\n" + NUMBER,
            ((0 - 0.3) ** 2 + (1 - 0.6) ** 2) / 2,
            "Square each entry's difference, then average over the 2 entries.",
            "((0 − 0.3)² + (1 − 0.6)²) / 2 = (0.09 + 0.16) / 2.",
            [
                Trap(0.25, "scale", "That is the sum; the chapter takes the mean over entries."),
                Trap(
                    0.0625,
                    "scale",
                    "That is ½ of the mean — the ½ belongs to the loss L, not to this number.",
                ),
            ],
        ),
        _code(
            "7.9c",
            "Fix the chapter's update",
            _NETWORK_PROMPT,
            NetworkGrader(
                "backpropagation(layers, x, t, learning_rate)",
                _network_cases,
                0.01,
                fprime=SIGMOID_FPRIME,
                fixes={
                    "zero": "Update the bias with δ too: layers[i].bias += learning_rate * delta."
                },
            ),
            solutions.backpropagation,
            broken=_broken.backpropagation,
        ),
        _code(
            "7.9d",
            "Fix: σ′ from the output",
            _NETWORK_PROMPT,
            NetworkGrader(
                "backpropagation_fprime(layers, x, t, learning_rate)",
                _network_cases,
                0.01,
                fprime=SIGMOID_FPRIME,
                fixes={
                    "wrong_activation_derivative": "o is already σ(z): f′ = o * (1 - o); "
                    "σ(o)(1 − σ(o)) applies σ twice.",
                },
            ),
            solutions.backpropagation_fprime,
            broken=_broken.backpropagation_fprime,
        ),
        _code(
            "7.9e",
            "Fix: the direction of the update",
            _NETWORK_PROMPT,
            NetworkGrader(
                "backpropagation_sign(layers, x, t, learning_rate)",
                _network_cases,
                0.01,
                fprime=SIGMOID_FPRIME,
                fixes={
                    "sign": "The chapter pairs error = t − o with +=; with error = o − t "
                    "(the gradient) the update is -=. Change one of the two, not both.",
                },
            ),
            solutions.backpropagation_sign,
            broken=_broken.backpropagation_sign,
        ),
    ]


def build() -> tuple[Exercise, ...]:
    """Every exercise, in the chapter's order."""
    sections = (
        _section_7_1,
        _section_7_2,
        _section_7_3,
        _section_7_4,
        _section_7_5,
        _section_7_6,
        _section_7_7,
        _section_7_8,
        _section_7_9,
    )
    return tuple(exercise for section in sections for exercise in section())
