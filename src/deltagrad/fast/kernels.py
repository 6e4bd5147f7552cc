"""Numba kernels: one call trains a whole epoch of the delta-rule network (chapter 7.7, 7.9).

The network is one flat float64 buffer ``params`` plus an int64 ``layout`` with one row per
layer (columns below), so every network shares one compiled signature and nothing is
allocated or reference-counted per step. Weights are stored row-major (n_input, n_neurons)
like ``Layer.weights``, each followed by its bias. The scratch buffer ``acts`` holds the
sample and every layer's output end to end; ``deltas`` holds each layer's δ at the same
offsets. Helpers take the whole buffers and offsets and slice them locally, which keeps the
array views out of function signatures (views passed between compiled functions cost atomic
reference counting per call).

The mathematics is the NumPy engine's (``deltagrad.backprop``): error ``o − t`` (MSE) or
``softmax(o) − t`` (softmax cross-entropy), δ = error · f'(o) with f' taken from the output
(relu'(0) = 0, leaky_relu'(0) = alpha, the slope ``functional.LEAKY_ALPHA``), biases trained,
batch gradients averaged. The derivatives are this module's own code on purpose: they are
checked against the NumPy engine's, not shared with it.

Floating point. Runs are deterministic: the same inputs give the same bits on one machine,
run after run and process after process (a machine compiles, or loads from its cache, one
binary). The matrix loops are compiled with ``fastmath={"reassoc", "contract"}`` so that
LLVM may vectorise their sums and fuse multiply-adds: that fixes a summation order at
compile time, the same every run, and moves results by rounding only (the engines agree to
~1e-15 per epoch). No flag that assumes finite values is used, so a diverging run still shows
inf/NaN. The sigmoid (:func:`_activate`, :func:`_exp_nonpositive`) is compiled strictly: its
range reduction relies on exact rounding.
"""

from __future__ import annotations

import math

import numba
from numba import types
from numba.core.extending import intrinsic

# Activation and loss codes (``deltagrad.fast`` maps names to these).
LINEAR, SIGMOID, RELU, LEAKY_RELU, TANH = 0, 1, 2, 3, 4
MSE, SOFTMAX_CROSS_ENTROPY = 0, 1

# Columns of ``layout``: sizes, offsets of W and b in ``params``, activation code, offset of
# the layer's input in ``acts`` (its output follows at A_OFF + n_input).
N_IN, N_OUT, W_OFF, B_OFF, ACT, A_OFF = 0, 1, 2, 3, 4, 5


def _options() -> dict:
    """Compile options shared by every kernel. ``_nrt=False`` switches off Numba's runtime
    (reference counting): the kernels allocate nothing, and without it every array view
    handed to a helper costs no atomic increment and decrement, a third of the step time.
    It is Numba's own advice for such code; a Numba that drops the option keeps its
    runtime, and the kernels stay correct, only slower. ``cache`` is :mod:`deltagrad.fast`'s
    choice, made before it imports this module: False when no folder can hold Numba's cache."""
    from deltagrad import fast

    options = {"cache": fast._cache_kernels(), "nogil": True, "error_model": "numpy"}
    try:
        from numba.core.cpu import CPUTargetOptions

        known = hasattr(CPUTargetOptions, "_nrt")
    except ImportError:
        known = False
    return {**options, "_nrt": False} if known else options


_OPTIONS = _options()
_strict = numba.njit(**_OPTIONS)
_vector = numba.njit(fastmath={"reassoc", "contract"}, **_OPTIONS)
_inline = numba.njit(inline="always", fastmath={"reassoc", "contract"}, **_OPTIONS)


# --- the exponential behind the sigmoid ----------------------------------------------------


@intrinsic
def _as_float(typingctx, bits):
    """Reinterpret the bits of an int64 as a float64."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


@intrinsic
def _as_int(typingctx, x):
    """Reinterpret the bits of a float64 as an int64."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return types.int64(types.float64), codegen


_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238  # ln 2 in two parts: k·_LN2_HI is exact for |k| < 2^11
_LN2_LO = 1.9082149292705877e-10
_ROUND = 6755399441055744.0  # 1.5·2^52: (y + _ROUND) − _ROUND rounds y to an integer
_C = tuple(1.0 / math.factorial(k) for k in range(14))


@_strict
def _exp_nonpositive(x):
    """e^x for x <= 0, within 2 ulp (0 below −746); branch-free, so its loops vectorise.

    x = k·ln 2 + r with |r| <= ln(2)/2; e^r by its Taylor series to r^13 (remainder below
    1e-17); 2^k from exponent bits, in two halves so that subnormal results come out right.
    """
    x = max(x, -746.0)
    t = x * _LOG2E + _ROUND
    k = t - _ROUND
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = _C[13]
    p = p * r + _C[12]
    p = p * r + _C[11]
    p = p * r + _C[10]
    p = p * r + _C[9]
    p = p * r + _C[8]
    p = p * r + _C[7]
    p = p * r + _C[6]
    p = p * r + _C[5]
    p = p * r + _C[4]
    p = p * r + _C[3]
    p = p * r + _C[2]
    p = p * r + _C[1]
    p = p * r + _C[0]
    ki = _as_int(t) - _as_int(_ROUND)
    half = ki >> 1
    return p * _as_float((half + 1023) << 52) * _as_float((ki - half + 1023) << 52)


# --- activations ---------------------------------------------------------------------------


@_strict
def _activate(acts, start, n, code, alpha):
    """Apply activation ``code`` in place to ``acts[start:start + n]``."""
    out = acts[start : start + n]
    if code == SIGMOID:
        # functional.sigmoid's expression, by sign with e = e^-|z| (never overflows):
        # 1/(1 + e) for z >= 0, e/(1 + e) below. Below zero it is computed as e·(1/(1 + e)),
        # one division for both branches; that can differ from e/(1 + e) by one rounding,
        # and it is kept so that the compiled engine's results stay the bits they are.
        for k in range(n):
            z = out[k]
            e = _exp_nonpositive(-abs(z))
            s = 1.0 / (1.0 + e)
            out[k] = s if z >= 0.0 else e * s
    elif code == RELU:
        for k in range(n):
            out[k] = max(out[k], 0.0)
    elif code == LEAKY_RELU:
        for k in range(n):
            z = out[k]
            out[k] = z if z >= 0.0 else alpha * z
    elif code == TANH:
        for k in range(n):
            out[k] = math.tanh(out[k])


@_inline
def _derivative(o, code, alpha):
    """f'(z) from the output o = f(z): relu'(0) = 0 and leaky_relu'(0) = alpha (``functional``)."""
    if code == SIGMOID:
        return o * (1.0 - o)
    if code == RELU:
        return 1.0 if o > 0.0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if o > 0.0 else alpha
    if code == TANH:
        return 1.0 - o * o
    return 1.0


# --- one layer -----------------------------------------------------------------------------


@_vector
def _forward_layer(params, layout, layer, acts):
    """z = x @ W + b into the layer's output slot (before the activation). Rows of W are
    taken four at a time, so the output is read and written once per four rows."""
    n_in, n_out = layout[layer, N_IN], layout[layer, N_OUT]
    w, b, a = layout[layer, W_OFF], layout[layer, B_OFF], layout[layer, A_OFF]
    W = params[w : w + n_in * n_out].reshape((n_in, n_out))
    x, out = acts[a : a + n_in], acts[a + n_in : a + n_in + n_out]
    for k in range(n_out):
        out[k] = params[b + k]
    j = 0
    while j + 4 <= n_in:
        x0, x1, x2, x3 = x[j], x[j + 1], x[j + 2], x[j + 3]
        w0, w1, w2, w3 = W[j], W[j + 1], W[j + 2], W[j + 3]
        for k in range(n_out):
            out[k] += (x0 * w0[k] + x1 * w1[k]) + (x2 * w2[k] + x3 * w3[k])
        j += 4
    while j < n_in:
        xj, wj = x[j], W[j]
        for k in range(n_out):
            out[k] += xj * wj[k]
        j += 1


@_vector
def _backward_layer(params, layout, layer, acts, deltas, lr, alpha):
    """The step for one layer, from its δ: the δ of the layer below (from the weights before
    the update, rows four at a time, dot product and update in one pass), then
    ``W −= lr·xᵀδ`` and ``b −= lr·δ``."""
    n_in, n_out = layout[layer, N_IN], layout[layer, N_OUT]
    w, b, a = layout[layer, W_OFF], layout[layer, B_OFF], layout[layer, A_OFF]
    W = params[w : w + n_in * n_out].reshape((n_in, n_out))
    x, delta = acts[a : a + n_in], deltas[a + n_in : a + n_in + n_out]
    below = deltas[a : a + n_in]
    j = 0
    while j + 4 <= n_in:
        r0, r1, r2, r3 = W[j], W[j + 1], W[j + 2], W[j + 3]
        c0, c1, c2, c3 = lr * x[j], lr * x[j + 1], lr * x[j + 2], lr * x[j + 3]
        s0 = s1 = s2 = s3 = 0.0
        for k in range(n_out):
            d = delta[k]
            v0, v1, v2, v3 = r0[k], r1[k], r2[k], r3[k]
            s0 += d * v0
            s1 += d * v1
            s2 += d * v2
            s3 += d * v3
            r0[k] = v0 - c0 * d
            r1[k] = v1 - c1 * d
            r2[k] = v2 - c2 * d
            r3[k] = v3 - c3 * d
        below[j], below[j + 1], below[j + 2], below[j + 3] = s0, s1, s2, s3
        j += 4
    while j < n_in:
        row, c = W[j], lr * x[j]
        s = 0.0
        for k in range(n_out):
            v = row[k]
            s += delta[k] * v
            row[k] = v - c * delta[k]
        below[j] = s
        j += 1
    for k in range(n_out):
        params[b + k] -= lr * delta[k]
    if layer:
        code = layout[layer - 1, ACT]
        for i in range(n_in):
            below[i] *= _derivative(x[i], code, alpha)


@_vector
def _gradient_layer(params, grad, layout, layer, acts, deltas, alpha):
    """Accumulate the layer's gradient (``gW += xᵀδ``, ``gb += δ``) into ``grad`` and the δ
    of the layer below, leaving the weights as they are (for minibatches)."""
    n_in, n_out = layout[layer, N_IN], layout[layer, N_OUT]
    w, b, a = layout[layer, W_OFF], layout[layer, B_OFF], layout[layer, A_OFF]
    W = params[w : w + n_in * n_out].reshape((n_in, n_out))
    gW = grad[w : w + n_in * n_out].reshape((n_in, n_out))
    x, delta = acts[a : a + n_in], deltas[a + n_in : a + n_in + n_out]
    below = deltas[a : a + n_in]
    code = layout[layer - 1, ACT] if layer else LINEAR
    for j in range(n_in):
        row, g, xj = W[j], gW[j], x[j]
        s = 0.0
        for k in range(n_out):
            s += delta[k] * row[k]
            g[k] += xj * delta[k]
        below[j] = s * _derivative(xj, code, alpha)
    for k in range(n_out):
        grad[b + k] += delta[k]


@_strict
def _softmax(z, p):
    """p = softmax(z), after subtracting max(z)."""
    m = z[0]
    for k in range(1, z.shape[0]):
        m = max(m, z[k])
    total = 0.0
    for k in range(z.shape[0]):
        p[k] = math.exp(z[k] - m)
        total += p[k]
    for k in range(z.shape[0]):
        p[k] /= total


# --- one sample ----------------------------------------------------------------------------


@_strict
def _forward(params, layout, alpha, x, acts):
    """Copy the sample into ``acts`` and run every layer; returns the output's offset."""
    for j in range(x.shape[0]):
        acts[j] = x[j]
    for layer in range(layout.shape[0]):
        _forward_layer(params, layout, layer, acts)
        n_in, n_out, a = layout[layer, N_IN], layout[layer, N_OUT], layout[layer, A_OFF]
        _activate(acts, a + n_in, n_out, layout[layer, ACT], alpha)
    last = layout.shape[0] - 1
    return layout[last, A_OFF] + layout[last, N_IN]


@_strict
def _output_delta(layout, loss, alpha, t, acts, deltas, start):
    """δ of the last layer: (o − t)·f'(o) for MSE, (softmax(o) − t)·f'(o) for
    cross-entropy."""
    n = t.shape[0]
    out, delta = acts[start : start + n], deltas[start : start + n]
    if loss == SOFTMAX_CROSS_ENTROPY:
        _softmax(out, delta)
    else:
        for k in range(n):
            delta[k] = out[k]
    code = layout[layout.shape[0] - 1, ACT]
    for k in range(n):
        delta[k] = (delta[k] - t[k]) * _derivative(out[k], code, alpha)


# --- whole epochs --------------------------------------------------------------------------


@_strict
def sgd_epoch(params, layout, loss, alpha, X, Y, learning_rate, acts, deltas):
    """One epoch of per-sample SGD over the rows of ``X`` in order, ``params`` updated in
    place; per sample the chapter's step, biases included. ``acts`` and ``deltas`` hold
    d + Σ n_neurons floats each."""
    for s in range(X.shape[0]):
        start = _forward(params, layout, alpha, X[s], acts)
        _output_delta(layout, loss, alpha, Y[s], acts, deltas, start)
        for layer in range(layout.shape[0] - 1, -1, -1):
            _backward_layer(params, layout, layer, acts, deltas, learning_rate, alpha)


@_strict
def minibatch_epoch(
    params, layout, loss, alpha, X, Y, learning_rate, batch_size, acts, deltas, grad
):
    """One epoch of minibatch SGD over ``X`` in order: every ``batch_size`` rows (the last
    batch may be smaller), ``θ −= lr · (mean over the batch of ∂L/∂θ)``. ``grad`` has the
    size of ``params``."""
    n = X.shape[0]
    for begin in range(0, n, batch_size):
        end = min(begin + batch_size, n)
        grad[:] = 0.0
        for s in range(begin, end):
            start = _forward(params, layout, alpha, X[s], acts)
            _output_delta(layout, loss, alpha, Y[s], acts, deltas, start)
            for layer in range(layout.shape[0] - 1, -1, -1):
                _gradient_layer(params, grad, layout, layer, acts, deltas, alpha)
        step = learning_rate / (end - begin)
        for i in range(params.shape[0]):
            params[i] -= step * grad[i]


@_strict
def predict(params, layout, loss, alpha, X, out, acts, deltas):
    """The network's outputs for every row of X into ``out`` (n, K): softmax probabilities
    for cross-entropy, as ``NeuralNetwork.feed_forward``."""
    K = out.shape[1]
    for s in range(X.shape[0]):
        start = _forward(params, layout, alpha, X[s], acts)
        if loss == SOFTMAX_CROSS_ENTROPY:
            _softmax(acts[start : start + K], out[s])
        else:
            for k in range(K):
                out[s, k] = acts[start + k]
