"""Reference answers to the code exercises, in plain NumPy, written to be read.

``dg.exercises.solution(id)`` returns one of these functions (or a number for a number
exercise); ``inspect.getsource`` shows its code. They follow the chapter's conventions: row
vectors ``z = x @ W + b`` with ``W`` of shape (inputs, outputs), ``o = σ(z)``, and the squared
error ``L = ½ Σ (o − t)²``. Each is written from the chapter's formulas, apart from the
library's own derivative code, so that the exercises check the library as much as the student.
"""

import numpy as np

import deltagrad as dg

__all__ = [
    "gradient_step",
    "squared_error_gradients",
    "sigmoid_derivative",
    "tanh_derivative",
    "leaky_relu_derivative",
    "softmax_jacobian",
    "softmax_cross_entropy_gradient",
    "neuron_gradients",
    "dense_backward",
    "sigmoid_layer_gradients",
    "chain_rule_gradients",
    "delta_rule",
    "hidden_delta_rule",
    "batch_delta_rule",
    "bias_delta_rule",
    "himmelblau_gradient",
    "himmelblau_step",
    "backpropagation",
    "backpropagation_fprime",
    "backpropagation_sign",
]


def gradient_step(theta, grad, lr, ascent):
    # 7.1: descent goes against the gradient, ascent along it
    if ascent:
        return theta + lr * grad
    return theta - lr * grad


def squared_error_gradients(w, b, x, y):
    # 7.2: L = Σ_n [(x_n w + b) − y_n]², one scalar w and b for the whole batch
    r = x * w + b - y  # the residuals, (n,)
    dw = np.sum(2 * r * x)
    db = np.sum(2 * r)
    return dw, db


def sigmoid_derivative(x):
    # 7.3: σ'(x) = σ(x)(1 − σ(x)), with σ computed without overflow: e^-|x| <= 1
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return s * (1 - s)


def tanh_derivative(x):
    # 7.3: tanh'(x) = 1 − tanh²(x)
    return 1 - np.tanh(x) ** 2


def leaky_relu_derivative(x, p):
    # 7.3: 1 for x >= 0, p for x < 0 (as floats, also for integer x)
    return np.where(np.asarray(x) >= 0, 1.0, float(p))


def softmax_jacobian(z):
    # 7.4: J[i, j] = ∂p_i/∂z_j = p_i(1 − p_j) if i = j, −p_i p_j otherwise
    e = np.exp(z - np.max(z))
    p = e / np.sum(e)
    return np.diag(p) - np.outer(p, p)


def softmax_cross_entropy_gradient(z, t):
    # 7.4: L = −Σ_n Σ_k t_nk log p_nk with p = softmax(z_n) per row: ∂L/∂z = p − t
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return p - t


def neuron_gradients(w, b, x, t):
    # 7.5: o = σ(x·w + b), L = ½(o − t)²: ∂L/∂w_j = (o − t)·o(1 − o)·x_j
    o = 1 / (1 + np.exp(-(x @ w + b)))
    delta = (o - t) * o * (1 - o)
    return delta * x, delta


def dense_backward(x, W, b, g):
    # 7.5: z = x @ W + b for a batch x (n, d); g = ∂L/∂z (n, K)
    dx = g @ W.T  # (n, d)
    dW = x.T @ g  # (d, K)
    db = np.sum(g, axis=0)  # (K,): b is added to every row
    return dx, dW, db


def sigmoid_layer_gradients(W, b, x, t):
    # 7.5: o = σ(x @ W + b), L = ½ Σ_n Σ_k (o_nk − t_nk)²: ∂L/∂w_jk = Σ_n δ_nk x_nj
    o = 1 / (1 + np.exp(-(x @ W + b)))
    delta = (o - t) * o * (1 - o)  # (n, K)
    return x.T @ delta, np.sum(delta, axis=0)


def chain_rule_gradients(w1, b1, w2, b2, x):
    # 7.6: y1 = x·w1 + b1, y2 = y1·w2 + b2
    y1 = x * w1 + b1
    dy2_dy1 = w2
    return dy2_dy1 * x, dy2_dy1, y1, np.ones_like(b2)


def delta_rule(W1, b1, W2, b2, x, t):
    # 7.7: one sample x (d,), two sigmoid layers, L = ½ Σ_k (o_k − t_k)²
    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))  # hidden outputs o_j, (J,)
    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))  # outputs o_k, (K,)
    delta2 = o2 * (1 - o2) * (o2 - t)  # δ_k = o_k(1 − o_k)(o_k − t_k)
    delta1 = o1 * (1 - o1) * (W2 @ delta2)  # δ_j = o_j(1 − o_j) Σ_k δ_k w_jk
    return np.outer(x, delta1), delta1, np.outer(o1, delta2), delta2


def hidden_delta_rule(W1, b1, W2, b2, x, t):
    # 7.7: the hidden layer's δ needs its own f'(o_j) = o_j(1 − o_j)
    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))
    delta2 = (o2 - t) * o2 * (1 - o2)
    delta1 = (delta2 @ W2.T) * o1 * (1 - o1)
    return np.outer(x, delta1), delta1, np.outer(o1, delta2), delta2


def batch_delta_rule(W1, b1, W2, b2, x, t):
    # 7.7: a batch x (n, d); the error sent back through W2 (J, K) is δ2 @ W2ᵀ
    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))  # (n, J)
    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))  # (n, K)
    delta2 = (o2 - t) * o2 * (1 - o2)
    delta1 = (delta2 @ W2.T) * o1 * (1 - o1)
    return x.T @ delta1, delta1.sum(axis=0), o1.T @ delta2, delta2.sum(axis=0)


def bias_delta_rule(W1, b1, W2, b2, x, t):
    # 7.7: a batch; L sums over the samples, so every gradient does too, the biases' as well
    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))
    delta2 = (o2 - t) * o2 * (1 - o2)
    delta1 = (delta2 @ W2.T) * o1 * (1 - o1)
    return x.T @ delta1, delta1.sum(axis=0), o1.T @ delta2, delta2.sum(axis=0)


def himmelblau_gradient(x, y):
    # 7.8: f = (x² + y − 11)² + (x + y² − 7)²
    a = x**2 + y - 11
    c = x + y**2 - 7
    return 4 * x * a + 2 * c, 2 * a + 4 * y * c


def himmelblau_step(p):
    # 7.8: one step of gradient descent with learning rate 0.01, the gradient from the tape
    p = dg.constant(p)
    with dg.GradientTape() as tape:
        tape.watch(p)
        f = (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2
    return p.numpy() - 0.01 * tape.gradient(f, p).numpy()


def backpropagation(layers, x, t, learning_rate):
    # 7.9: the chapter's update, with the biases updated too; sigmoid layers, one sample
    outputs = [x]
    for layer in layers:
        outputs.append(layer.activate(outputs[-1]))
    error = t - outputs[-1]  # the chapter's convention: error = t − o, then +=
    for i in reversed(range(len(layers))):
        o = outputs[i + 1]
        delta = error * o * (1 - o)
        error = layers[i].weights @ delta  # for the layer below, before this one changes
        layers[i].weights += learning_rate * np.outer(outputs[i], delta)
        layers[i].bias += learning_rate * delta


def backpropagation_fprime(layers, x, t, learning_rate):
    # 7.9: f'(z) from the output o = σ(z) is o(1 − o), not σ(o)(1 − σ(o))
    outputs = [x]
    for layer in layers:
        outputs.append(layer.activate(outputs[-1]))
    error = t - outputs[-1]
    for i in reversed(range(len(layers))):
        o = outputs[i + 1]
        delta = error * o * (1 - o)
        error = layers[i].weights @ delta
        layers[i].weights += learning_rate * np.outer(outputs[i], delta)
        layers[i].bias += learning_rate * delta


def backpropagation_sign(layers, x, t, learning_rate):
    # 7.9: with error = o − t (the gradient itself) the update must go down: -=
    outputs = [x]
    for layer in layers:
        outputs.append(layer.activate(outputs[-1]))
    error = outputs[-1] - t
    for i in reversed(range(len(layers))):
        o = outputs[i + 1]
        delta = error * o * (1 - o)
        error = layers[i].weights @ delta
        layers[i].weights -= learning_rate * np.outer(outputs[i], delta)
        layers[i].bias -= learning_rate * delta
