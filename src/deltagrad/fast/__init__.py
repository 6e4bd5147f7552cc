"""The compiled engine: the delta-rule network trained one epoch per Numba kernel call.

``NeuralNetwork.train(..., engine="compiled")`` packs the layers into one flat float64 buffer
(:class:`Packed`) and drives a :class:`Trainer`: one kernel call per epoch (every sample's
step, or every minibatch's), one per recorded evaluation, and the parameters copied back
into the layers' own arrays after every epoch, so ``log_every``, callbacks and the network
object behave exactly as with ``engine="numpy"``.

Kernels are compiled with ``cache=True``: the first use on a machine compiles them (seconds)
and writes the on-disk cache next to the source; later processes load them in a fraction of
a second. :func:`warm_up` does this on a tiny network and reports the seconds spent
compiling (0 when the kernels came from the cache or were already loaded).

Numba is imported only when the compiled engine is first used; :func:`available` says
whether it can be (``engine="auto"`` falls back to NumPy when it cannot).
"""
from __future__ import annotations

import time

import numpy as np

from deltagrad import functional as F

__all__ = ["available", "unavailable_reason", "warm_up", "compile_info", "Packed", "Trainer",
           "ACTIVATION_CODES", "LOSS_CODES"]

# The kernels' codes (deltagrad.fast.kernels), kept here so that they are known without Numba.
ACTIVATION_CODES = {None: 0, "sigmoid": 1, "relu": 2, "leaky_relu": 3, "tanh": 4}
LOSS_CODES = {"mse": 0, "softmax_cross_entropy": 1}

_kernels = None
_import_error: str | None = None
_warm = {"done": False, "compile_seconds": 0.0, "cache": None, "seconds": 0.0}


def _load():
    """The kernels module, imported on first use; None (reason kept) if Numba cannot load."""
    global _kernels, _import_error
    if _kernels is None and _import_error is None:
        try:
            from deltagrad.fast import kernels
        except Exception as err:  # ImportError, or a broken Numba/llvmlite install
            _import_error = f"{type(err).__name__}: {err}"
        else:
            _kernels = kernels
    return _kernels


def available() -> bool:
    """Whether the compiled engine can run (Numba imports)."""
    return _load() is not None


def unavailable_reason() -> str | None:
    """Why the compiled engine cannot run, or None when it can."""
    _load()
    return _import_error


def _require():
    kernels = _load()
    if kernels is None:
        raise RuntimeError(f"the compiled engine needs Numba, which failed to import "
                           f"({_import_error}); use engine='numpy'")
    return kernels


class Packed:
    """A network's parameters as one flat float64 buffer ``params`` plus an int64 ``layout``
    with one row per layer: (n_input, n_neurons, weight offset, bias offset, activation code,
    offset of the layer's input in the scratch buffer, whose output follows it).
    ``units`` is the scratch size, d + Σ n_neurons. ``load_from(layers)`` and
    ``store_to(layers)`` copy between the buffer and the layers' own arrays.
    """

    def __init__(self, layers, loss: str):
        rows, offset, start = [], 0, 0
        for layer in layers:
            n_in, n_out = layer.weights.shape
            rows.append((n_in, n_out, offset, offset + n_in * n_out,
                         ACTIVATION_CODES[layer.activation], start))
            offset += n_in * n_out + n_out
            start += n_in
        self.layout = np.array(rows, dtype=np.int64).reshape(len(rows), 6)
        self.loss = LOSS_CODES[loss]
        self.params = np.zeros(offset)
        self.units = start + (rows[-1][1] if rows else 0)
        self.load_from(layers)

    def _views(self):
        for n_in, n_out, w, b, _, _ in self.layout:
            yield (self.params[w:w + n_in * n_out].reshape(n_in, n_out),
                   self.params[b:b + n_out])

    def load_from(self, layers) -> None:
        for layer, (W, b) in zip(layers, self._views()):
            W[...] = layer.weights
            b[...] = layer.bias

    def store_to(self, layers) -> None:
        for layer, (W, b) in zip(layers, self._views()):
            layer.weights[...] = W  # in place: the layers keep their array objects
            layer.bias[...] = b

    def __repr__(self) -> str:
        return f"Packed({self.params.size} parameters, {len(self.layout)} layers)"


def _c_float(a) -> np.ndarray:
    """A fresh, writable, C-ordered float64 copy (one compiled signature for every input)."""
    return np.array(a, dtype=np.float64, order="C", copy=True)


class Trainer:
    """Trains ``layers`` (updated in place) on X (n, d), Y (n, K) one-hot with the kernels.

    ``epoch()`` runs one epoch of SGD in the samples' order, ``batch_size`` at a time, and
    leaves the new parameters in the layers' arrays; ``predict(X)`` gives the outputs and
    ``evaluate(X, Y, labels)`` (mean squared error over all entries, accuracy).
    """

    def __init__(self, layers, loss: str, X, Y, learning_rate: float, batch_size: int = 1):
        self.kernels = _require()
        self.layers = list(layers)
        self.packed = Packed(self.layers, loss)
        self.X, self.Y = self._inputs(X), _c_float(Y)
        K = int(self.packed.layout[-1, 1])
        if self.Y.shape != (len(self.X), K):
            raise ValueError(f"Y must have shape {(len(self.X), K)}, got {self.Y.shape}")
        self.learning_rate = float(learning_rate)
        self.batch_size = int(batch_size)
        self.acts = np.zeros(self.packed.units)
        self.deltas = np.zeros(self.packed.units)
        self.grad = np.zeros_like(self.packed.params) if self.batch_size > 1 else None

    def _inputs(self, X) -> np.ndarray:
        """X as a C-ordered float64 copy, checked: the kernels do not check bounds."""
        X = _c_float(X)
        d = int(self.packed.layout[0, 0])
        if X.ndim != 2 or X.shape[1] != d:
            raise ValueError(f"X must have shape (n, {d}), got {X.shape}")
        return X

    def epoch(self) -> None:
        p, k = self.packed, self.kernels
        p.load_from(self.layers)  # the layers may have been changed between epochs
        if self.batch_size == 1:
            k.sgd_epoch(p.params, p.layout, p.loss, F.LEAKY_SLOPE, self.X, self.Y,
                        self.learning_rate, self.acts, self.deltas)
        else:
            k.minibatch_epoch(p.params, p.layout, p.loss, F.LEAKY_SLOPE, self.X, self.Y,
                              self.learning_rate, self.batch_size, self.acts, self.deltas,
                              self.grad)
        p.store_to(self.layers)

    def predict(self, X) -> np.ndarray:
        """The outputs (n, K) for X (n, d), as ``NeuralNetwork.feed_forward``."""
        p = self.packed
        X = self._inputs(X)
        out = np.empty((len(X), int(p.layout[-1, 1])))
        self.kernels.predict(p.params, p.layout, p.loss, F.LEAKY_SLOPE, X, out, self.acts,
                             self.deltas)
        return out

    def evaluate(self, X, Y, labels) -> tuple[float, float]:
        """(mean((Y − output)²) over all entries, fraction of rows whose argmax output equals
        ``labels``), both NaN for an empty X."""
        if len(X) == 0:
            return float("nan"), float("nan")
        out = self.predict(X)
        return float(np.mean(np.square(Y - out))), float(np.mean(np.argmax(out, axis=1) == labels))


def warm_up() -> float:
    """Compile the kernels, or load them from the on-disk cache, once per process.

    Returns the seconds spent compiling: 0.0 when they came from the cache or were already
    loaded in this process (:func:`compile_info` says which).
    """
    kernels = _require()
    if _warm["done"]:
        return 0.0
    from deltagrad.backprop import Layer

    layers = [Layer(2, 5, "sigmoid", rng=0), Layer(5, 2, None, rng=1)]
    X, Y = np.zeros((2, 2)), np.eye(2)
    misses = _cache_misses(kernels)
    start = time.perf_counter()
    for batch_size in (1, 2):
        trainer = Trainer(layers, "mse", X, Y, 0.1, batch_size)
        trainer.epoch()
        trainer.predict(X)
    seconds = time.perf_counter() - start
    compiled = _cache_misses(kernels) > misses
    _warm.update(done=True, compile_seconds=seconds if compiled else 0.0,
                 cache="compiled" if compiled else "loaded", seconds=seconds)
    return _warm["compile_seconds"]


def _cache_misses(kernels) -> int:
    dispatchers = (kernels.sgd_epoch, kernels.minibatch_epoch, kernels.predict)
    return sum(sum(d.stats.cache_misses.values()) for d in dispatchers)


def compile_info() -> dict:
    """This process's :func:`warm_up`: ``compile_seconds`` (0 unless it compiled), ``cache``
    ("compiled": compiled and written to the cache, "loaded": read from the cache, None:
    not warmed up yet) and ``seconds`` (the whole warm-up, loading included)."""
    return {key: _warm[key] for key in ("compile_seconds", "cache", "seconds")}
