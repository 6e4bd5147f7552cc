"""The chapter's hand-written network (chapter 7.7, 7.9): ``Layer`` and ``NeuralNetwork``, trained
by the delta rule, with the chapter's bugs fixed.

What differs from the chapter's listing:

* Biases are trained (``∂L/∂b_k = δ_k``).
* ``backpropagation`` and ``gradients`` take one sample (d,) or a batch (n, d). For a batch the
  loss is the *mean* over the samples of the per-sample loss, so the gradients are averaged,
  not summed: a batch of one is exactly the chapter's per-sample step.
* Initialisation is the chapter's by default (weights ~ N(0, 1)·sqrt(1/n_neurons), bias ~
  U(0, 1)·0.1), drawn from an explicit seed or ``numpy.random.Generator``: the same seed gives
  bit-identical weights and training. ``init=`` chooses another scheme of :data:`INITS`
  (Glorot/Xavier, He, all zeros, unit normal), e.g. to see why symmetry must be broken.
* An unknown activation or loss raises a ValueError listing the valid names.
* Two losses. ``"mse"``, the chapter's: per sample ``L = ½ Σ_k (o_k − t_k)²``, so the output
  delta is ``(o − t)·f'(o)``. ``"softmax_cross_entropy"``: the last layer's output ``z`` is
  taken as logits, ``L = −Σ_k t_k log softmax(z)_k`` and the output delta is
  ``(softmax(z) − t)·f'(z)``, i.e. ``p − t`` for the linear last layer this loss is meant
  for. With this loss ``feed_forward`` and ``predict`` return probabilities, so accuracy and
  decision boundaries work the same way for both losses.
* ``save``/``load`` use ``.npz`` (arrays and a JSON config, no pickle) and check what they read
  (:mod:`deltagrad.model_files`).
* ``train(..., engine=...)``: this module's NumPy code is the reference engine; ``"compiled"``
  runs the same mathematics in :mod:`deltagrad.fast` (Numba, an epoch per kernel call).

Forward activations are :mod:`deltagrad.functional`'s (LeakyReLU slope ``F.LEAKY_ALPHA``); the
delta rule's derivatives are this module's own, independent of the autodiff engine's, and
follow its conventions at kinks (relu'(0) = 0, leaky_relu'(0) = alpha).
Targets ``y`` for ``backpropagation``/``gradients`` have the output's shape (one-hot for
classification); ``train`` takes integer labels and one-hot encodes them itself.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from deltagrad import fast, model_files
from deltagrad import functional as F
from deltagrad.data import check_labels, one_hot

__all__ = [
    "Layer",
    "NeuralNetwork",
    "ACTIVATIONS",
    "LOSSES",
    "ENGINES",
    "INITS",
    "resolve_engine",
    "multiply_adds",
    "AUTO_NUMPY_FROM",
]

ACTIVATIONS = (None, "sigmoid", "relu", "leaky_relu", "tanh")
LOSSES = ("mse", "softmax_cross_entropy")
ENGINES = ("auto", "numpy", "compiled")
INITS = ("chapter", "xavier", "he", "zeros", "normal")
"""Initialisation schemes of a layer with n_in inputs and n_out neurons (``z`` ~ N(0, 1)):

* ``"chapter"``: W = z·sqrt(1/n_out), b = u·0.1 with u ~ U(0, 1) (the chapter's listing);
* ``"xavier"``: Glorot normal, W = z·sqrt(2/(n_in + n_out)), b = 0;
* ``"he"``: W = z·sqrt(2/n_in), b = 0 (for ReLU layers);
* ``"zeros"``: W = 0, b = 0. Every neuron of a layer then computes the same function and
  receives the same gradient, so they stay identical however long it trains: symmetry is
  never broken (chapter 7.9's reason for random initial weights);
* ``"normal"``: W = z, b = 0 (unscaled: large sums that saturate sigmoid layers).
"""

_FORWARD = {
    "sigmoid": F.sigmoid,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,  # slope F.LEAKY_ALPHA = 0.01
    "tanh": F.tanh,
}
# Derivatives evaluated at the layer's *output*, as the chapter does; for (leaky) ReLU the
# output is positive exactly where the input is, so the input-based function serves.
_DERIVATIVE_FROM_OUTPUT = {
    "sigmoid": F.sigmoid_derivative_from_output,
    "relu": F.relu_derivative,
    "leaky_relu": F.leaky_relu_derivative,
    "tanh": F.tanh_derivative_from_output,
}

_CHUNK = 1 << 15  # entries per activation chunk for large batches (256 KiB of float64)


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        valid = ", ".join(repr(a) for a in ACTIVATIONS)
        raise ValueError(f"unknown activation {activation!r}; valid: {valid}")
    return activation


def _check_loss(loss):
    if loss not in LOSSES:
        valid = ", ".join(repr(name) for name in LOSSES)
        raise ValueError(f"unknown loss {loss!r}; valid: {valid}")
    return loss


def _check_size(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_init(init):
    if init not in INITS:
        valid = ", ".join(repr(name) for name in INITS)
        raise ValueError(f"unknown init {init!r}; valid: {valid}")
    return init


def _initial_weights(init: str, n_input: int, n_neurons: int, rng) -> np.ndarray:
    """Weights (n_input, n_neurons) of scheme ``init`` (see :data:`INITS`)."""
    if init == "zeros":
        return np.zeros((n_input, n_neurons))
    scale = {
        "chapter": np.sqrt(1 / n_neurons),
        "xavier": np.sqrt(2 / (n_input + n_neurons)),
        "he": np.sqrt(2 / n_input),
        "normal": None,
    }[init]
    z = rng.standard_normal((n_input, n_neurons))
    return z if scale is None else z * scale


def _initial_bias(init: str, n_neurons: int, rng) -> np.ndarray:
    """Bias (n_neurons,): U(0, 1)·0.1 for ``"chapter"``, zeros otherwise."""
    return rng.random(n_neurons) * 0.1 if init == "chapter" else np.zeros(n_neurons)


def _parameter(value, shape: tuple, name: str) -> np.ndarray:
    """A float64 copy of ``value`` with exactly ``shape`` and finite entries."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {type(value).__name__}") from None
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


class Layer:
    """A fully connected layer ``o = f(x @ weights + bias)``; weights have shape
    (n_input, n_neurons).

    ``weights`` and ``bias`` default to the initialisation ``init`` (one of :data:`INITS`;
    the chapter's by default: W ~ N(0, 1)·sqrt(1/n_neurons), b ~ U(0, 1)·0.1) drawn from
    ``rng`` (``None``, a seed, or a ``numpy.random.Generator``; weights are drawn before the
    bias); given arrays are copied as float64. ``activation`` is one of ``ACTIVATIONS``.
    """

    def __init__(
        self,
        n_input,
        n_neurons,
        activation=None,
        weights=None,
        bias=None,
        rng=None,
        init="chapter",  # unannotated, as the other arguments: mypy keeps the caches Any
    ):
        n_input = _check_size(n_input, "n_input")
        n_neurons = _check_size(n_neurons, "n_neurons")
        self.activation = _check_activation(activation)
        init = _check_init(init)
        if weights is None or bias is None:
            rng = np.random.default_rng(rng)
        if weights is None:
            weights = _initial_weights(init, n_input, n_neurons, rng)
        if bias is None:
            bias = _initial_bias(init, n_neurons, rng)
        self.weights = _parameter(weights, (n_input, n_neurons), "weights")
        self.bias = _parameter(bias, (n_neurons,), "bias")
        self.last_activation = None  # output o of the last activate() call
        self.error = None  # ∂L/∂o for the last backward pass
        self.delta = None  # ∂L/∂(x @ W + b) for the last backward pass

    @property
    def n_input(self) -> int:
        """Inputs to the layer (rows of ``weights``)."""
        return self.weights.shape[0]

    @property
    def n_neurons(self) -> int:
        """Neurons of the layer (columns of ``weights``)."""
        return self.weights.shape[1]

    def activate(self, x):
        """Forward pass: store and return ``f(x @ weights + bias)`` in ``last_activation``."""
        r = np.dot(x, self.weights)  # (n, n_neurons) or (n_neurons,)
        r += self.bias  # in place: one large temporary fewer, the same values
        self.last_activation = self._apply_activation(r)
        return self.last_activation

    def _apply_activation(self, r):
        if self.activation is None:
            return r
        f = _FORWARD[self.activation]
        if r.size <= _CHUNK:
            return f(r)
        # Elementwise, so the same bits chunk by chunk, written over r (a fresh array from
        # activate): the temporaries stay in cache and no second large array is touched
        # (several times faster on a 300 x 300 decision-boundary grid).
        rows = max(1, _CHUNK // r.shape[-1])
        for start in range(0, len(r), rows):
            r[start : start + rows] = f(r[start : start + rows])
        return r

    def apply_activation_derivative(self, output):
        """f'(x @ W + b), computed from the layer's ``output`` (the chapter's habit)."""
        if self.activation is None:
            return np.ones_like(output)
        return _DERIVATIVE_FROM_OUTPUT[self.activation](output)

    def __repr__(self) -> str:
        return f"Layer({self.n_input}, {self.n_neurons}, activation={self.activation!r})"


class NeuralNetwork:
    """A stack of :class:`Layer` trained by the delta rule (chapter 7.7, 7.9).

    ``loss`` is ``"mse"`` (the chapter's) or ``"softmax_cross_entropy"``. The parameters are
    exposed as plain lists of float64 arrays (``weights``, ``biases``), updated in place.
    """

    def __init__(self, loss: str = "mse"):
        self.loss = _check_loss(loss)
        self._layers: list[Layer] = []

    @classmethod
    def build(
        cls, sizes, activation="sigmoid", loss="mse", rng=None, init: str = "chapter"
    ) -> NeuralNetwork:
        """A network with layer sizes ``sizes`` (input first), initialised from one ``rng``
        with the scheme ``init`` (:data:`INITS`; the chapter's by default), layer by layer.

        Every layer uses ``activation``, except that with ``"softmax_cross_entropy"`` the last
        layer is linear (its outputs are the logits). ``build([2, 25, 50, 25, 2])`` is the
        chapter's network (Figure 7-13).
        """
        sizes = [_check_size(s, "layer size") for s in sizes]
        if len(sizes) < 2:
            raise ValueError(f"need at least an input and an output size, got {sizes}")
        _check_activation(activation)
        _check_init(init)
        net, rng = cls(loss), np.random.default_rng(rng)
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == len(sizes) - 2
            act = None if last and loss == "softmax_cross_entropy" else activation
            net.add_layer(Layer(n_in, n_out, act, rng=rng, init=init))
        return net

    # --- structure ----------------------------------------------------------------------

    def add_layer(self, layer: Layer) -> None:
        """Append a layer; its input size must match the previous layer's output size."""
        if not isinstance(layer, Layer):
            raise ValueError(f"add_layer expects a Layer, got {type(layer).__name__}")
        if self._layers and layer.n_input != self._layers[-1].n_neurons:
            raise ValueError(
                f"layer takes {layer.n_input} inputs but the previous layer "
                f"has {self._layers[-1].n_neurons} outputs"
            )
        self._layers.append(layer)

    @property
    def layers(self) -> list[Layer]:
        """The layers, input side first (a new list; the layers themselves are shared)."""
        return list(self._layers)

    @property
    def sizes(self) -> list[int]:
        """[n_input, n_neurons of every layer]."""
        self._require_layers()
        return [self._layers[0].n_input] + [layer.n_neurons for layer in self._layers]

    @property
    def weights(self) -> list[np.ndarray]:
        """The layers' weight arrays (the arrays themselves, not copies)."""
        return [layer.weights for layer in self._layers]

    @property
    def biases(self) -> list[np.ndarray]:
        """The layers' bias arrays (the arrays themselves, not copies)."""
        return [layer.bias for layer in self._layers]

    @property
    def activations(self) -> list:
        """The layers' activation names (``None`` for linear)."""
        return [layer.activation for layer in self._layers]

    def _require_layers(self):
        if not self._layers:
            raise ValueError("the network has no layers; call add_layer first")

    # --- forward ------------------------------------------------------------------------

    def feed_forward(self, X):
        """Outputs for one sample (d,) or a batch (n, d); probabilities for cross-entropy."""
        return self._forward(self._check_inputs(X))

    def _forward(self, X):
        for layer in self._layers:
            X = layer.activate(X)
        return F.softmax(X) if self.loss == "softmax_cross_entropy" else X

    def predict(self, X):
        """The network's outputs (n, K), as in the chapter; see ``predict_proba`` and
        ``predict_classes``."""
        return self.feed_forward(X)

    def predict_classes(self, X) -> np.ndarray:
        """The predicted class index of every sample: argmax of the outputs."""
        return np.argmax(self.predict(X), axis=-1)

    def predict_proba(self, X):
        """Class probabilities: softmax for cross-entropy; for MSE the outputs (estimates of
        the one-hot targets) clipped at 0 and normalised to sum 1 (uniform if all are <= 0).
        """
        out = self.predict(X)
        if self.loss == "softmax_cross_entropy":
            return out
        out = np.clip(out, 0.0, None)
        total = out.sum(axis=-1, keepdims=True)
        uniform = np.full_like(out, 1.0 / out.shape[-1])
        return np.divide(out, total, out=uniform, where=total > 0)

    @staticmethod
    def accuracy(y_pred, y) -> float:
        """Fraction of rows of the outputs ``y_pred`` (n, K) whose argmax equals the label ``y``."""
        y_pred, y = np.asarray(y_pred), check_labels(np.ravel(y), name="y")
        if y_pred.ndim != 2 or len(y_pred) != len(y):
            raise ValueError(f"y_pred must have shape (n, K) with n = {len(y)}, got {y_pred.shape}")
        return float(np.mean(np.argmax(y_pred, axis=1) == y)) if len(y) else float("nan")

    # --- losses and gradients -----------------------------------------------------------

    def loss_value(self, X, Y) -> float:
        """The loss the delta rule differentiates: the per-sample loss averaged over samples."""
        X, Y = self._check_batch(X, Y)
        self._forward(X)
        return self._loss_of_output(self._layers[-1].last_activation, Y)

    def _loss_of_output(self, out, Y) -> float:
        """The loss of the last layer's output ``out`` (n, K) of a forward pass: the logits
        for cross-entropy, not ``feed_forward``'s probabilities (for MSE they are the same
        array). Also used by the playground, which measures the loss of the forward pass
        ``gradients`` just made instead of running another."""
        if self.loss == "mse":
            return F.squared_error(out, Y)
        return F.softmax_cross_entropy(out, Y)

    def gradients(self, X, Y) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(dW, db), ...]`` per layer for one sample or a batch, averaged over the batch.

        Nothing is updated (the layers' cached ``last_activation``/``error``/``delta`` are).
        """
        return self._gradients(*self._check_batch(X, Y))

    def _gradients(self, X, Y):
        """Delta rule on a batch X (n, d), Y (n, K): returns [(dW, db)] averaged over n."""
        out, layers, n = self._forward(X), self._layers, X.shape[0]
        error = out - Y  # ∂L/∂o (mse) or ∂L/∂z (softmax cross-entropy), per sample
        grads = [None] * len(layers)
        for i in reversed(range(len(layers))):
            layer = layers[i]
            layer.error = error
            layer.delta = delta = error * layer.apply_activation_derivative(layer.last_activation)
            o_in = X if i == 0 else layers[i - 1].last_activation  # (n, n_input)
            dW, db = o_in.T @ delta, delta.sum(axis=0)  # (n_input, n_neurons), (n_neurons,)
            grads[i] = (dW, db) if n == 1 else (dW / n, db / n)
            if i:
                error = delta @ layer.weights.T  # Σ_k δ_k w_jk, for the layer below
        return grads

    def backpropagation(self, X, y, learning_rate):
        """One gradient-descent step ``θ ← θ − η·∂L/∂θ`` on one sample (d,) or a batch (n, d)
        with targets ``y`` of the output's shape (one-hot); batch gradients are averaged.
        """
        X, Y = self._check_batch(X, y)
        self._step(X, Y, _check_learning_rate(learning_rate))

    def _step(self, X, Y, learning_rate):
        self._apply(self._gradients(X, Y), learning_rate)

    def _apply(self, grads, learning_rate):
        """``θ ← θ − η·∂L/∂θ`` with ``grads`` ``[(dW, db)]`` per layer (also the playground's
        ``step_sample``, which shows the gradients before it applies them)."""
        for layer, (dW, db) in zip(self._layers, grads):
            layer.weights -= learning_rate * dW  # in place: the parameter lists stay valid
            layer.bias -= learning_rate * db

    # --- training -----------------------------------------------------------------------

    def train(
        self,
        X_train,
        X_test,
        y_train,
        y_test,
        learning_rate,
        max_epochs,
        *,
        batch_size: int = 1,
        log_every: int = 10,
        callback=None,
        engine: str = "auto",
    ) -> dict:
        """Train by SGD over the samples in order (no shuffling, as the chapter), ``batch_size``
        at a time (1 = the chapter's per-sample SGD), for ``max_epochs`` epochs.

        Every ``log_every`` epochs (epoch % log_every == 0) and after the last epoch, records
        the training MSE, mean((Y_onehot − output)²) over all entries, and the test accuracy.
        ``callback(epoch, record)`` is called after every epoch with ``record`` the recorded
        dict, or ``None`` on epochs that are not recorded. Returns the history
        ``{"epoch": [...], "mse": [...], "test_accuracy": [...]}``.

        ``engine``: ``"numpy"`` (the reference, this class's own methods), ``"compiled"``
        (:mod:`deltagrad.fast`: the same mathematics, one Numba kernel call per epoch, some
        hundred times faster; results agree with NumPy's to rounding) or ``"auto"``
        (the default: the faster of the two for this network and batch size; compiled when
        Numba imports, unless the batch is large for the network's width). See
        :func:`resolve_engine`.
        """
        X_train, Y_train, X_test, y_test = self._check_training_data(
            X_train, X_test, y_train, y_test
        )
        learning_rate = _check_learning_rate(learning_rate)
        max_epochs = _check_size(max_epochs, "max_epochs")
        batch_size = _check_size(batch_size, "batch_size")
        log_every = _check_size(log_every, "log_every")
        if resolve_engine(engine, self.sizes, batch_size) == "compiled":
            run_epoch, measure = self._compiled_engine(
                X_train, Y_train, X_test, y_test, learning_rate, batch_size
            )
        else:

            def run_epoch():
                _train_epoch_numpy(self, X_train, Y_train, learning_rate, batch_size)

            def measure():
                return self._measure(X_train, Y_train, X_test, y_test)

        history: dict[str, list] = {"epoch": [], "mse": [], "test_accuracy": []}
        for epoch in range(max_epochs):
            run_epoch()
            record = None
            if epoch % log_every == 0 or epoch == max_epochs - 1:
                mse, test_accuracy = measure()
                record = {"epoch": epoch, "mse": mse, "test_accuracy": test_accuracy}
                for key in history:
                    history[key].append(record[key])
            if callback is not None:
                callback(epoch, record)
        return history

    def _measure(self, X_train, Y_train, X_test, y_test) -> tuple[float, float]:
        """(training MSE over all entries, test accuracy) with the NumPy forward pass."""
        mse = F.mse(self._forward(X_train), Y_train)
        return mse, self.accuracy(self._forward(X_test), y_test)

    def _compiled_engine(self, X_train, Y_train, X_test, y_test, learning_rate, batch_size):
        """``(run_epoch, measure)`` backed by :mod:`deltagrad.fast`: each call of ``run_epoch``
        is one kernel call, after which the layers' arrays hold the new parameters."""
        fast.warm_up()
        trainer = fast.Trainer(
            self.weights,
            self.biases,
            self.activations,
            self.loss,
            X_train,
            Y_train,
            learning_rate,
            batch_size,
        )
        train_labels = np.argmax(Y_train, axis=1)
        Y_test = one_hot(y_test, Y_train.shape[1])

        def measure():
            mse, _ = trainer.evaluate(X_train, Y_train, train_labels)
            _, accuracy = trainer.evaluate(X_test, Y_test, y_test)
            return mse, accuracy

        def run_epoch():  # the layers' current arrays, trained in place
            trainer.epoch(self.weights, self.biases)

        return run_epoch, measure

    # --- input checks -------------------------------------------------------------------

    def _check_inputs(self, X, name: str = "X") -> np.ndarray:
        """X as float64 (d,) or (n, d) with d = n_input and finite entries."""
        self._require_layers()
        X = np.asarray(X)
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
            raise ValueError(f"{name} must be numeric, got dtype {X.dtype}")
        X = X.astype(np.float64, copy=False)
        d = self._layers[0].n_input
        if X.ndim not in (1, 2) or X.shape[-1] != d:
            raise ValueError(f"{name} must have shape ({d},) or (n, {d}), got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} contains NaN or infinite values")
        return X

    def _check_batch(self, X, Y):
        """X (n, d) and targets Y (n, K) as 2-D float64 arrays (one sample becomes n = 1)."""
        X = self._check_inputs(X)
        try:
            Y = np.asarray(Y, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("targets must be a numeric array") from None
        K = self._layers[-1].n_neurons
        expected = (K,) if X.ndim == 1 else (X.shape[0], K)
        if Y.shape != expected:
            raise ValueError(f"targets must have shape {expected} to match X, got {Y.shape}")
        if not np.all(np.isfinite(Y)):
            raise ValueError("targets contain NaN or infinite values")
        return np.atleast_2d(X), np.atleast_2d(Y)

    def _check_training_data(self, X_train, X_test, y_train, y_test):
        self._require_layers()
        K = self._layers[-1].n_neurons
        X_train = self._check_inputs(X_train, "X_train")
        X_test = self._check_inputs(X_test, "X_test")
        if X_train.ndim != 2 or X_test.ndim != 2:
            raise ValueError("X_train and X_test must be 2-D (n, d)")
        y_train = check_labels(np.ravel(y_train), K, "y_train")
        y_test = check_labels(np.ravel(y_test), K, "y_test")
        for X, y, name in ((X_train, y_train, "train"), (X_test, y_test, "test")):
            if len(X) != len(y):
                raise ValueError(f"X_{name} has {len(X)} rows but y_{name} has {len(y)}")
        if len(X_train) == 0:
            raise ValueError("X_train is empty")
        return X_train, one_hot(y_train, K), X_test, y_test

    # --- persistence --------------------------------------------------------------------

    def config(self) -> dict:
        """The network's structure as JSON-able data (what ``save`` stores next to the arrays)."""
        return {
            "format": model_files.FORMAT,
            "version": model_files.FORMAT_VERSION,
            "loss": self.loss,
            "layers": [
                {
                    "n_input": layer.n_input,
                    "n_neurons": layer.n_neurons,
                    "activation": layer.activation,
                }
                for layer in self._layers
            ],
        }

    def save(self, path) -> Path:
        """Write the network to ``path`` (exactly that name) as ``.npz``: arrays ``W0, b0, ...``
        and a JSON ``config`` string; no pickle (:func:`deltagrad.model_files.save`)."""
        self._require_layers()
        return model_files.save(path, self.config(), self.weights, self.biases)

    @classmethod
    def load(cls, path) -> NeuralNetwork:
        """Read a network written by ``save``; ValueError naming the file and the problem
        (:func:`deltagrad.model_files.load`)."""
        return model_files.load(
            path, check_activation=_check_activation, check_loss=_check_loss, build=cls._from_file
        )

    @classmethod
    def _from_file(cls, loss, layers) -> NeuralNetwork:
        """The network from a file's ``loss`` and ``(n_input, n_neurons, activation, weights,
        bias)`` per layer (for :func:`deltagrad.model_files.load`)."""
        net = cls(loss)
        for i, (n_input, n_neurons, activation, weights, bias) in enumerate(layers):
            try:
                net.add_layer(Layer(n_input, n_neurons, activation, weights=weights, bias=bias))
            except ValueError as err:
                raise ValueError(f"layer {i}: {err}") from None
        return net

    def __repr__(self) -> str:
        if not self._layers:
            return f"NeuralNetwork(loss={self.loss!r}, layers=[])"
        sizes = " → ".join(str(s) for s in self.sizes)
        acts = ", ".join(repr(a) for a in self.activations)
        return f"NeuralNetwork({sizes}, activations=[{acts}], loss={self.loss!r})"


def _check_learning_rate(learning_rate) -> float:
    try:
        lr = float(learning_rate)
    except (TypeError, ValueError):
        raise ValueError(f"learning_rate must be a number, got {learning_rate!r}") from None
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
    return lr


AUTO_NUMPY_FROM = 4000.0
"""``engine="auto"`` trains with NumPy when batch_size · sqrt(multiply-adds per sample) reaches
this (see :func:`resolve_engine`)."""


def multiply_adds(sizes) -> int:
    """Multiply-adds of one forward pass of one sample through layers of ``sizes``
    (``[n_input, n_1, …, n_output]``): the sum of n_in · n_out over the layers."""
    sizes = [int(n) for n in sizes]
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def resolve_engine(engine: str, sizes=None, batch_size: int = 1) -> str:
    """The engine ``train`` will use for ``engine``: ``"numpy"`` or ``"compiled"``.

    ``"auto"`` is ``"compiled"`` when Numba works (:func:`deltagrad.fast.available`), unless
    the network's layer ``sizes`` and ``batch_size`` are given and NumPy is the faster engine
    for them; ``"numpy"`` when Numba does not work. Asking for ``"compiled"`` without a working
    Numba raises RuntimeError saying why.

    The rule: NumPy when ``batch_size · sqrt(multiply_adds(sizes)) >= AUTO_NUMPY_FROM`` (4000).
    The compiled kernels train one sample at a time (a minibatch is the mean of per-sample
    gradients), so their epoch costs the same at every batch size; the NumPy engine pays
    Python's overhead once per batch and multiplies whole batches with BLAS, so it catches up
    as the batch grows, the sooner the wider the network. Measured crossovers (one epoch on
    4,000 moons points, sigmoid, MSE, one BLAS thread; ``python benchmarks/moons_wide.py
    --crossover``): 2-16-2 (64 multiply-adds) between batch 128 and 512; 2-25-50-25-2 (the
    chapter's, 2,600) between 64 and 128; 2-64-64-2 (4,352) between 32 and 64; 2-128-128-2
    (16,896) between 16 and 32; 2-256-256-2 (66,560) between 16 and 32 (at 16 within 20 %
    either way); 2-512-512-2 (264,192) between 8 and 16: batch · sqrt(multiply-adds) between
    about 2,000 and 8,000 at each, so the wrong choice near the line costs little. Per-sample
    SGD (batch 1) stays compiled for every network up to 16 million multiply-adds per sample.
    """
    if engine not in ENGINES:
        valid = ", ".join(repr(name) for name in ENGINES)
        raise ValueError(f"unknown engine {engine!r}; valid: {valid}")
    if engine == "numpy":
        return "numpy"
    if (
        engine == "auto"
        and sizes is not None
        and batch_size * math.sqrt(multiply_adds(sizes)) >= AUTO_NUMPY_FROM
    ):
        return "numpy"
    if fast.available():
        return "compiled"
    if engine == "compiled":
        raise RuntimeError(
            f"engine='compiled' needs Numba, which cannot be used here: "
            f"{fast.unavailable_reason()}; use engine='numpy' or 'auto'"
        )
    return "numpy"


def _train_epoch_numpy(net: NeuralNetwork, X, Y, learning_rate, batch_size):
    """One epoch of SGD in the samples' order: X (n, d), Y (n, K) one-hot, in place."""
    if batch_size == 1:
        for j in range(X.shape[0]):
            net._step(X[j : j + 1], Y[j : j + 1], learning_rate)
        return
    for start in range(0, X.shape[0], batch_size):
        net._step(X[start : start + batch_size], Y[start : start + batch_size], learning_rate)
