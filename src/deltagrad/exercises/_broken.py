"""The broken code of the "fix" exercises: each function holds one classic mistake.

An exercise's ``starter`` is the source of its function here (the student's starting point),
and the tests check that each one fails with the hint its mistake deserves.
"""

import numpy as np


def hidden_delta_rule(W1, b1, W2, b2, x, t):
    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))  # hidden outputs, (J,)
    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))  # outputs, (K,)
    delta2 = (o2 - t) * o2 * (1 - o2)
    delta1 = delta2 @ W2.T
    return np.outer(x, delta1), delta1, np.outer(o1, delta2), delta2


def batch_delta_rule(W1, b1, W2, b2, x, t):
    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))  # (n, J)
    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))  # (n, K)
    delta2 = (o2 - t) * o2 * (1 - o2)
    delta1 = (delta2 @ W2) * o1 * (1 - o1)
    return x.T @ delta1, delta1.sum(axis=0), o1.T @ delta2, delta2.sum(axis=0)


def bias_delta_rule(W1, b1, W2, b2, x, t):
    o1 = 1 / (1 + np.exp(-(x @ W1 + b1)))  # (n, J)
    o2 = 1 / (1 + np.exp(-(o1 @ W2 + b2)))  # (n, K)
    delta2 = (o2 - t) * o2 * (1 - o2)
    delta1 = (delta2 @ W2.T) * o1 * (1 - o1)
    return x.T @ delta1, delta1, o1.T @ delta2, delta2


def backpropagation(layers, x, t, learning_rate):
    outputs = [x]
    for layer in layers:
        outputs.append(layer.activate(outputs[-1]))
    error = t - outputs[-1]
    for i in reversed(range(len(layers))):
        o = outputs[i + 1]
        delta = error * o * (1 - o)
        error = layers[i].weights @ delta
        layers[i].weights += learning_rate * np.outer(outputs[i], delta)


def backpropagation_fprime(layers, x, t, learning_rate):
    outputs = [x]
    for layer in layers:
        outputs.append(layer.activate(outputs[-1]))
    error = t - outputs[-1]
    for i in reversed(range(len(layers))):
        o = outputs[i + 1]
        s = 1 / (1 + np.exp(-o))
        delta = error * s * (1 - s)
        error = layers[i].weights @ delta
        layers[i].weights += learning_rate * np.outer(outputs[i], delta)
        layers[i].bias += learning_rate * delta


def backpropagation_sign(layers, x, t, learning_rate):
    outputs = [x]
    for layer in layers:
        outputs.append(layer.activate(outputs[-1]))
    error = outputs[-1] - t
    for i in reversed(range(len(layers))):
        o = outputs[i + 1]
        delta = error * o * (1 - o)
        error = layers[i].weights @ delta
        layers[i].weights += learning_rate * np.outer(outputs[i], delta)
        layers[i].bias += learning_rate * delta
