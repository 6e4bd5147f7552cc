"""Central finite differences for the tests, in plain NumPy float64.

The tests' own reference derivatives, written independently of the library: nothing here imports
deltagrad (its :mod:`deltagrad.gradcheck` is itself under test). Each derivative is the central
difference (f(x + h) − f(x − h)) / 2h, error O(h²) truncation plus O(eps·|f|/h) round-off; with
the default h = 1e-6 that is ~1e-10 relative for functions of order 1.

Inputs are copied to float64 before they are perturbed, one element at a time, so the caller's
arrays are never changed and the function sees fresh arrays.
"""

from __future__ import annotations

import numpy as np

H = 1e-6  # default step


def elementwise_derivative(f, x, h=H):
    """f'(x) of an element-wise function f, for every element of x at once."""
    return (f(x + h) - f(x - h)) / (2 * h)


def gradient(f, x, h=H):
    """∂f/∂x of a scalar function f of one array x of any shape (an array of x's shape)."""
    return gradients(f, x, h=h)[0]


def gradients(f, *arrays, h=H):
    """[∂f/∂a for a in arrays] of a scalar function f(*arrays) of several arrays (or floats)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    grads = []
    for k, x in enumerate(arrays):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up, down = [a.copy() for a in arrays], [a.copy() for a in arrays]
            up[k][i] += h
            down[k][i] -= h
            g[i] = (f(*up) - f(*down)) / (2 * h)
        grads.append(g)
    return grads


def jacobian(f, x, h=H):
    """J[j + i] = ∂f(x)[j]/∂x[i] of an array-valued f of one array x: shape f(x).shape + x.shape."""
    x = np.array(x, dtype=np.float64)
    out = np.asarray(f(x.copy()))
    jac = np.zeros(out.shape + x.shape)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        jac[(...,) + i] = (np.asarray(f(up)) - np.asarray(f(down))) / (2 * h)
    return jac
