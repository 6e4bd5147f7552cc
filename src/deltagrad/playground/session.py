"""One playground session: a validated configuration, its data, the network, a background
training thread and the state the page polls (chapter 7.7, 7.9).

:class:`Session` owns everything the page can change. Control actions (``configure``,
``play``, ``pause``, ``step_epoch``, ``step_sample``, ``reset``, ``set_learning_rate``) run one
at a time; actions that change the network first stop the training thread. The training
thread is the only code that touches the live network while it runs: after every epoch it
publishes, in one step under one lock, the epoch, the history's new row, *copies* of the
parameters and the per-layer norms of ∂L/∂W, so :meth:`Session.state` never reads an array in
the middle of an update, nor a history one entry ahead of the epoch.

The page does not poll the whole state: :meth:`Session.changes` answers what changed since what
the page holds (the history's new rows, thinned for drawing, the images and parameters only
when they changed, the points only when the data did).

Training uses :class:`deltagrad.fast.Trainer` (one kernel call per epoch; the learning rate is
its ``learning_rate`` attribute, read at every epoch, so a change takes effect at the next
epoch without a reset) when :func:`deltagrad.fast.available`, else the NumPy engine's epoch.

Per epoch the history records the loss the delta rule minimises (``NeuralNetwork.loss_value``:
½ Σk (ok − tk)² per sample for MSE, cross-entropy for softmax, averaged over the samples) and
the accuracy on the training and the test set. ``grad_norms`` are the Frobenius norms of each
layer's ∂L/∂W of that loss over the whole training set, at the parameters after the epoch
(``NeuralNetwork.gradients``: about one forward and one backward pass over the training set,
~1 ms on the chapter's network, less than half the epoch itself). After an epoch
``last_gradients`` holds that same training-set gradient (the kernel does not return its
per-step gradients) and carries ``"source": "training_set"``; after
``step_sample`` it is the sample's gradient (``"source": "sample"``).

A non-finite training or test loss, or a non-finite parameter, ends training with status
``"diverged"``; play and step then do nothing until a reset or a new configuration. Library
code: nothing here prints, and every random draw comes from the configuration's seeds.
"""

from __future__ import annotations

import base64
import io
import json
import math
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from deltagrad import fast
from deltagrad.backprop import Layer, NeuralNetwork, _train_epoch_numpy, resolve_engine
from deltagrad.data import one_hot
from deltagrad.experiments.explain import (
    delta_rule_rows,
    largest_steps,
    weighted_sum,
    worked_example,
)
from deltagrad.playground import datasets
from deltagrad.playground.suggested import SUGGESTED, suggested_config

__all__ = [
    "Session",
    "ConfigError",
    "validate",
    "options",
    "DEFAULTS",
    "FIELDS",
    "ACTIVATIONS",
    "LOSSES",
    "INITS",
    "STATUSES",
    "MAX_UPLOAD_BYTES",
    "MAX_ROWS",
    "MAX_CLASSES",
    "MAX_LAYERS",
    "MAX_NEURONS",
]

DEFAULTS: dict[str, Any] = {
    "data": "moons",
    "noise": 0.2,
    "test_ratio": 0.3,
    "n_samples": 2000,
    "hidden": [25, 50, 25],
    "activation": "sigmoid",
    "loss": "mse",
    "learning_rate": 0.01,
    "batch_size": 1,
    "init": "chapter",
    "seed": 0,
    "data_seed": 100,
    "epochs": 1000,
}
"""The chapter's settings (chapter 7.9): with these the data is ``chapter_data()``."""

FIELDS = tuple(DEFAULTS)
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
LOSSES = ("mse", "softmax_cross_entropy")
INITS = ("chapter", "xavier", "he", "zeros")
STATUSES = ("ready", "training", "paused", "done", "diverged")

MAX_LAYERS = 6
MAX_NEURONS = 64
MAX_UPLOAD_BYTES = 2_000_000
MAX_ROWS = 20_000
MAX_CLASSES = 10  # the page has ten class colours; one output neuron per class
MAX_SEED = 2**31 - 1
MAX_EPOCHS = 100_000
MAX_LEARNING_RATE = 10.0

BOUNDARY_SIZE = 64
NEURON_SIZE = 16
GRAD_NORM_WINDOW = 200
VIEW_SECONDS = 0.08  # while training, the page's images are redrawn at most this often
HISTORY_POINTS = 512  # at most this many history rows (plus the last) for drawing a curve
HISTORY_KEYS = (
    "epoch",
    "train_loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
    "grad_norm",  # per epoch: [|∂L/∂W1|, |∂L/∂W2|, …], the whole run (thinned like the rest)
)
NEURON_ZOOM_SIZE = 64  # GET /api/neuron: one neuron's output over the plane, this many pixels
MIN_SPEED = 0.1  # epochs per second: the slowest pace Play can be given
MAX_SPEED = 1000.0
STALL_EPOCHS = 50  # the hint looks at this many epochs of the loss
STALL_CHANGE = 0.01  # "flat": the loss moved by less than this fraction over them
STALL_MARGIN = 0.1  # "near chance": accuracy at most this far above the largest class's share


class ConfigError(ValueError):
    """A configuration value outside the API's table (docs/reference/playground-api.md);
    ``field`` names it (or is None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- the configuration -----------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(config: dict, name: str, lo: float, hi: float, open_low: bool = False) -> float:
    value = config[name]
    low = "(" if open_low else "["
    if not _is_number(value) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a number in {low}{lo:g}, {hi:g}], got {value!r}", name)
    if value > hi or value < lo or (open_low and value == lo):
        raise ConfigError(f"{name} must be in {low}{lo:g}, {hi:g}], got {value!r}", name)
    return float(value)


def _integer(value, name: str, lo: int, hi: int, what: str | None = None) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what or name} must be an integer in [{lo}, {hi}], got {value!r}", name)
    if not lo <= value <= hi:
        raise ConfigError(f"{what or name} must be in [{lo}, {hi}], got {value!r}", name)
    return value


def _choice(config: dict, name: str, choices) -> str:
    value = config[name]
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ConfigError(f"{name} must be one of {valid}, got {value!r}", name)
    return value


def _hidden(value) -> list[int]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LAYERS:
        raise ConfigError(
            f"hidden must be a list of 1 to {MAX_LAYERS} layer sizes, got {value!r}", "hidden"
        )
    what = f"every hidden layer size (1 to {MAX_NEURONS})"
    return [_integer(n, "hidden", 1, MAX_NEURONS, what) for n in value]


def validate(config, has_upload: bool = False) -> dict:
    """The configuration with defaults filled in and every value checked against the API's
    table (docs/reference/playground-api.md), or a :class:`ConfigError` naming the field.
    ``batch_size`` is checked against the number of training points by
    :meth:`Session.configure` (it depends on the data); here only that it is an integer >= 1."""
    if not isinstance(config, dict):
        raise ConfigError(f"the configuration must be a JSON object, got {type(config).__name__}")
    unknown = [name for name in config if name not in DEFAULTS]
    if unknown:
        raise ConfigError(
            f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}", unknown[0]
        )
    c = {**DEFAULTS, **config}
    out = {
        "data": _choice(c, "data", datasets.DATASETS),
        "noise": _number(c, "noise", 0.0, 0.5),
        "test_ratio": _number(c, "test_ratio", 0.1, 0.9),
        "n_samples": _integer(c["n_samples"], "n_samples", 20, 5000),
        "hidden": _hidden(c["hidden"]),
        "activation": _choice(c, "activation", ACTIVATIONS),
        "loss": _choice(c, "loss", LOSSES),
        "learning_rate": _number(c, "learning_rate", 0.0, MAX_LEARNING_RATE, open_low=True),
        "batch_size": _integer(c["batch_size"], "batch_size", 1, MAX_ROWS),
        "init": _choice(c, "init", INITS),
        "seed": _integer(c["seed"], "seed", 0, MAX_SEED),
        "data_seed": _integer(c["data_seed"], "data_seed", 0, MAX_SEED),
        "epochs": _integer(c["epochs"], "epochs", 1, MAX_EPOCHS),
    }
    if out["data"] == "csv" and not has_upload:
        raise ConfigError('data "csv" needs an uploaded CSV file first (/api/upload)', "data")
    return out


def url_query(config: dict) -> str:
    """The configuration as a URL query string, ``hidden`` as comma-separated sizes."""
    items = [(k, ",".join(map(str, v)) if k == "hidden" else v) for k, v in config.items()]
    return urllib.parse.urlencode(items, safe=",")


def options(engine: str | None = None) -> dict:
    """What ``GET /api/options`` answers: the choices, the limits and the defaults."""
    out: dict[str, Any] = {
        "datasets": list(datasets.DATASETS),
        "activations": list(ACTIVATIONS),
        "losses": list(LOSSES),
        "inits": list(INITS),
        "limits": {
            "max_layers": MAX_LAYERS,
            "max_neurons": MAX_NEURONS,
            "max_upload_bytes": MAX_UPLOAD_BYTES,
            "max_rows": MAX_ROWS,
            "max_classes": MAX_CLASSES,
            "learning_rate": [0, MAX_LEARNING_RATE],
            "epochs": [1, MAX_EPOCHS],
        },
        "defaults": {**DEFAULTS, "hidden": list(DEFAULTS["hidden"])},
        "suggested": {
            name: {**s, "settings": {**s["settings"], "hidden": list(s["settings"]["hidden"])}}
            for name, s in SUGGESTED.items()
        },
        "speed": {"min": MIN_SPEED, "max": MAX_SPEED},
    }
    if engine is not None:
        out["engine"] = engine
    return out


# --- plain data for JSON -----------------------------------------------------------------


def _float(value) -> float | None:
    """A float for JSON, None for NaN or ±inf (JSON has neither)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _array(a: np.ndarray) -> list:
    """``a`` as nested lists, non-finite entries as None."""
    if np.all(np.isfinite(a)):
        return a.tolist()
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def _packed(a: np.ndarray) -> dict:
    """``a`` as ``{"shape": [...], "f32": base64 of little-endian float32, row-major}``;
    NaN and ±inf stay NaN and ±inf, values beyond float32's range become ±inf."""
    with np.errstate(over="ignore"):
        values = np.ascontiguousarray(a, dtype="<f4")
    return {"shape": list(a.shape), "f32": base64.b64encode(values.tobytes()).decode("ascii")}


def _stride(n: int) -> int:
    """The smallest power of two s with ceil(n / s) <= HISTORY_POINTS."""
    s = 1
    while -(-n // s) > HISTORY_POINTS:
        s *= 2
    return s


def _image(values: np.ndarray, lo: float, hi: float) -> str:
    """base64 of uint8 round((v − lo)/(hi − lo)·255); 0 where not finite or hi == lo."""
    if not hi > lo:
        pixels = np.zeros(values.shape, dtype=np.uint8)
    else:
        scaled = np.nan_to_num((values - lo) / (hi - lo) * 255.0, nan=0.0, posinf=255, neginf=0)
        pixels = np.round(np.clip(scaled, 0, 255)).astype(np.uint8)
    return base64.b64encode(pixels.tobytes()).decode("ascii")


def _grid(extent, size: int) -> np.ndarray:
    """(size·size, 2) points of the plane, row-major from ymax (top) down, x from xmin."""
    xmin, xmax, ymin, ymax = extent
    xs, ys = np.linspace(xmin, xmax, size), np.linspace(ymax, ymin, size)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _extent(X: np.ndarray) -> list[float]:
    """The plotted plane: the data's range plus 15 % of its larger side on every side."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.15 * max(float(np.max(hi - lo)), 1e-6)
    return [float(lo[0] - pad), float(hi[0] + pad), float(lo[1] - pad), float(hi[1] + pad)]


def _network_view(loss: str, activations, weights, biases) -> NeuralNetwork:
    """A network whose layers hold the given arrays as they are (even non-finite ones, which
    ``Layer`` refuses as arguments): for drawing or saving a snapshot, never trained."""
    net = NeuralNetwork(loss)
    for W, b, activation in zip(weights, biases, activations):
        layer = Layer(W.shape[0], W.shape[1], activation, init="zeros")
        layer.weights, layer.bias = W, b
        net.add_layer(layer)
    return net


# --- pacing and the stall hint -----------------------------------------------------------


def pace_delay(speed: float | None, done: int, elapsed: float) -> float:
    """Seconds to wait after ``done`` epochs that took ``elapsed`` seconds in all, so that
    they take ``done / speed`` seconds: the training thread's pace at ``speed`` epochs per
    second (0 for ``None``, as fast as it trains, or when behind)."""
    if speed is None:
        return 0.0
    return max(0.0, done / speed - elapsed)


class _Pace:
    """The training thread's schedule: epochs counted from when the speed was last set."""

    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self._speed: float | None = None
        self._start = self._last = clock()  # _last: when the epoch in progress began
        self._done = 0

    def after_epoch(self, speed: float | None) -> float:
        """One more epoch done at ``speed``: the seconds to wait before the next."""
        now = self._clock()
        if speed != self._speed:  # a new pace counts from the previous epoch's end
            self._speed, self._start, self._done = speed, self._last, 0
        self._done += 1
        self._last = now
        elapsed = now - self._start
        if speed is not None and elapsed > self._done / speed + 1.0:
            # far behind (slow epochs, a busy machine): do not catch up in a burst
            self._start, self._done = now, 0
            return 0.0
        delay = pace_delay(speed, self._done, elapsed)
        self._last = now + delay
        return delay


def stall_message(config: dict, epochs: int, accuracy: float, chance: float) -> str:
    """The page's one-line hint when training has stalled (:meth:`Session._stall_hint`)."""
    tries = []
    name = config["data"]
    if (
        name in SUGGESTED
        and {**suggested_config(config, name), "epochs": config["epochs"]} != config
    ):
        tries.append(f"the suggested settings for {name}")
    if config["learning_rate"] < 0.1:
        tries.append(f"a larger learning rate (×3: {3 * config['learning_rate']:.3g})")
    tries.append("tanh instead of sigmoid" if config["activation"] == "sigmoid" else
                 "another activation")  # fmt: skip
    return (
        f"Stalled: the loss moved less than {100 * STALL_CHANGE:g} % in {epochs} epochs and "
        f"the training accuracy ({100 * accuracy:.0f} %) is near chance "
        f"({100 * chance:.0f} %). Try {', '.join(tries[:-1])}{' or ' if len(tries) > 1 else ''}"
        f"{tries[-1]}."
    )


# --- the session -------------------------------------------------------------------------


class _Data:
    """A split data set and what the state shows of it."""

    def __init__(self, X_train, X_test, y_train, y_test, classes: int, key, version: int):
        self.X_train, self.X_test = np.ascontiguousarray(X_train), np.ascontiguousarray(X_test)
        self.y_train, self.y_test = np.asarray(y_train), np.asarray(y_test)
        self.classes, self.key, self.version = classes, key, version
        self.Y_train = one_hot(self.y_train, classes)
        self.Y_test = one_hot(self.y_test, classes)
        self.extent = _extent(np.vstack([self.X_train, self.X_test]))
        self.points = {
            "train": self._points(self.X_train, self.y_train),
            "test": self._points(self.X_test, self.y_test),
        }
        self.points_json = json.dumps(self.points)

    @staticmethod
    def _points(X, y) -> list:
        return [list(p) for p in zip(X[:, 0].tolist(), X[:, 1].tolist(), y.tolist())]

    @property
    def n_train(self) -> int:
        return len(self.X_train)


class Session:
    """One playground: configuration, data, network, training thread and state.

    ``engine`` is ``"auto"`` (compiled when Numba works), ``"compiled"`` or ``"numpy"``
    (:func:`deltagrad.backprop.resolve_engine`). Starts with the chapter's configuration,
    epoch 0, status ``"ready"``. Call :meth:`close` to stop the training thread.
    """

    def __init__(
        self,
        engine: str = "auto",
        config: dict | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], object] | None = None,
    ):
        self.engine = resolve_engine(engine)
        # Pacing (set_speed) reads ``clock`` and waits with ``wait(seconds)``; ``wait``
        # defaults to the stop event's, so Pause ends a wait at once. Tests pass their own.
        self._clock = clock
        self._lock = threading.Lock()  # the published state
        self._control = threading.RLock()  # one control action at a time
        self._cache_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._speed: float | None = None  # epochs per second while playing; None: flat out
        self._upload: tuple[np.ndarray, np.ndarray, int] | None = None
        self._uploads = 0
        self._data: _Data | None = None
        self._data_versions = 0
        self._version = 0
        self._params_version = 0
        self._run_id = 0  # a new network (a configuration or a reset): the history starts again
        self._images: tuple | None = None  # ((params_version, data_version), _drawn's dict)
        self._json: tuple | None = None  # (version, with points, bytes)
        self._view: tuple | None = None  # (params_version, data_version, when, JSON text)
        self._view_lock = threading.Lock()
        self.configure(config or {})

    # --- control actions -------------------------------------------------------------------

    def configure(self, config) -> dict:
        """Validate ``config`` (defaults for missing fields), build the data and a fresh
        network from the seeds: epoch 0, status ``"ready"``. Returns the state."""
        with self._control:
            config = validate(config, self._upload is not None)
            data = self._make_data(config)
            if config["batch_size"] > data.n_train:
                raise ConfigError(
                    f"batch_size must be in [1, {data.n_train}] (the number of training "
                    f"points), got {config['batch_size']}",
                    "batch_size",
                )
            self._halt()
            with self._lock:
                self._config = config
                self._lr = config["learning_rate"]
                if self._data is None or data.key != self._data.key:
                    self._data = data
            self._rebuild()
            return self.state()

    def upload(self, body: bytes) -> dict:
        """Parse an uploaded CSV (``datasets.parse_csv``: ValueError naming the row; more than
        ``MAX_ROWS`` rows raises ``datasets.TooManyRows``) and keep it for the next
        configuration with ``data="csv"``. Returns ``{"rows": n, "classes": k}``."""
        if len(body) > MAX_UPLOAD_BYTES:
            raise datasets.TooManyRows(f"the upload is larger than {MAX_UPLOAD_BYTES:,} bytes")
        X, y = datasets.parse_csv(datasets.decode_csv(body), max_rows=MAX_ROWS)
        classes = int(y.max()) + 1
        if classes > MAX_CLASSES:
            raise ValueError(
                f"the upload has {classes:,} classes (labels 0 to {classes - 1}); the playground "
                f"takes at most {MAX_CLASSES} (labels 0 to {MAX_CLASSES - 1})"
            )
        with self._control:
            self._uploads += 1
            self._upload = (X, y, self._uploads)
        return {"rows": len(X), "classes": classes}

    def control(self, action) -> dict:
        """Run ``action`` (play, pause, step_epoch, step_sample, reset); returns the state."""
        actions = {
            "play": self.play,
            "pause": self.pause,
            "step_epoch": self.step_epoch,
            "step_sample": self.step_sample,
            "reset": self.reset,
        }
        if not isinstance(action, str) or action not in actions:
            valid = ", ".join(repr(a) for a in actions)
            raise ConfigError(f"action must be one of {valid}, got {action!r}", "action")
        return actions[action]()

    def play(self) -> dict:
        """Train in the background until pause, ``epochs`` or divergence."""
        with self._control:
            if self._thread is not None and self._thread.is_alive():
                return self.state()
            self._halt()  # a thread that ended by itself (done, diverged): joined
            if not self._can_train():
                return self.state()
            if self._epoch >= self._config["epochs"]:
                self._publish(
                    message=f"already at {self._epoch} of {self._config['epochs']} epochs: "
                    "reset, or step an epoch at a time"
                )
                return self.state()
            self._ensure_trainer()
            self._stop.clear()
            self._publish(status="training", message=None, sample=None)
            self._thread = threading.Thread(
                target=self._run, name="deltagrad-playground-training", daemon=True
            )
            self._thread.start()
            return self.state()

    def pause(self) -> dict:
        """Stop training after the epoch in progress."""
        with self._control:
            self._halt()
            return self.state()

    def step_epoch(self) -> dict:
        """One epoch (paused before, paused or done after)."""
        with self._control:
            self._halt()
            if self._can_train():
                self._ensure_trainer()
                self._publish(sample=None)
                self._train_epoch()
            return self.state()

    def step_sample(self) -> dict:
        """The delta rule on the next training sample in order (index = samples_seen mod
        n_train), with every layer's numbers, then its update with the current learning
        rate. The numbers are those of ``deltagrad.experiments.explain.explain`` (the same
        ``NeuralNetwork.gradients`` call and formulas), without its tape and
        finite-difference checks."""
        with self._control:
            self._halt()
            if not self._can_train():
                return self.state()
            data, net = self._data, self._net
            assert data is not None
            index = self._samples_seen % data.n_train
            x, label = data.X_train[index], int(data.y_train[index])
            t = data.Y_train[index]
            with np.errstate(all="ignore"):
                sample, grads = _explain_sample(net, x, label, t)
                sample["index"] = index
                net._apply(grads, self._lr)  # NeuralNetwork._step's update
                sample["update"] = _update(sample.pop("_rows"), net, x, t, self._lr, sample["loss"])
            diverged = sample["loss"] is None or not self._finite_parameters()
            changes = {
                "sample": sample,
                "last_gradients": ("sample", grads),
                "samples_seen": self._samples_seen + 1,
                "params": self._copy_parameters(),
            }
            if diverged:
                changes.update(status="diverged", message=self._diverged_message("sample"))
            elif self._status in ("ready", "done"):
                changes.update(status="paused", message=None)
            self._publish(**changes)
            return self.state()

    def reset(self) -> dict:
        """The network rebuilt from the same seed (bit-for-bit the same initial weights),
        history cleared, epoch 0, status ``"ready"``; the data and learning rate stay."""
        with self._control:
            self._halt()
            self._rebuild()
            return self.state()

    def set_learning_rate(self, value) -> dict:
        """Change the learning rate, also while training (from the next epoch on)."""
        lr = _number({"learning_rate": value}, "learning_rate", 0.0, MAX_LEARNING_RATE, True)
        with self._control:
            config = {**self._config, "learning_rate": lr}
            with self._lock:
                self._lr = lr
                self._config = config
                self._version += 1
            return self.state()

    def set_speed(self, value) -> dict:
        """Play at most ``value`` epochs per second (a number in [MIN_SPEED, MAX_SPEED]), or
        as fast as the machine trains (``None``); also while training. The training thread
        waits between epochs (:func:`pace_delay`), so the pace is the server's."""
        if value is not None:
            value = _number({"speed": value}, "speed", MIN_SPEED, MAX_SPEED)
        with self._control:
            self._publish(speed=value)
            return self.state()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the training thread, if any, has stopped (done, diverged, paused)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        """Stop the training thread (it finishes the epoch in progress)."""
        with self._control:
            self._halt()

    # --- state -------------------------------------------------------------------------------

    def state(self, with_points: bool = True) -> dict:
        """The state the page draws (docs/reference/playground-api.md); ``with_points=False`` leaves
        ``points`` None."""
        state, data = self._snapshot()
        state["points"] = data.points if with_points else None
        return state

    def state_json(self, data_version: int | None = None) -> bytes:
        """:meth:`state` as JSON bytes, cached per version; ``points`` is null when
        ``data_version`` is the current data's (the caller already has the points). The cache
        holds only whole snapshots, each under the version it was taken at."""
        with self._lock:
            version = self._version
            with_points = self._data is None or data_version != self._data.version
        cached = self._json
        if cached is not None and cached[:2] == (version, with_points):
            return cached[2]
        state, data = self._snapshot()
        with_points = data_version != data.version  # of the snapshot's data, which may be newer
        text = json.dumps(state, allow_nan=False)
        points = data.points_json if with_points else "null"
        body = (text[:-1] + ', "points": ' + points + "}").encode()
        self._json = (state["version"], with_points, body)
        return body

    def changes(
        self,
        run: int | None = None,
        rows: int = 0,
        params_version: int | None = None,
        data_version: int | None = None,
    ) -> bytes:
        """What the page draws, as JSON bytes holding only what changed since what it has
        (``GET /api/changes``, docs/reference/playground-api.md): ``run`` and ``rows`` are the
        run and the number of history rows it has seen, ``params_version`` and
        ``data_version`` those of the images and points it holds. The history comes thinned
        for drawing: of the rows since ``rows``, those whose index is a multiple of
        ``stride`` (a power of two keeping at most ``HISTORY_POINTS`` rows of the run), and
        the newest row as ``last``. Everything comes from one snapshot taken under the lock,
        except that while training ``view`` (images and parameters, ~70 kB) may be a whole
        earlier snapshot's, drawn at most ``VIEW_SECONDS`` before: then many pages polling
        draw at most one view per ``VIEW_SECONDS`` between them, not one per poll. Its
        ``params_version`` says which snapshot it is."""
        with self._lock:
            data = self._data
            assert data is not None
            n = len(self._history["epoch"])
            restart = run != self._run_id or not 0 <= rows <= n
            start = 0 if restart else rows
            stride = _stride(n)
            first = -(-start // stride) * stride
            new_norms = min(n - start, GRAD_NORM_WINDOW)
            head = {
                **self._scalars(data),
                "run": self._run_id,
                "rows": n,
                "restart": restart,
                "stride": stride,
                "history": {k: v[first:n:stride] for k, v in self._history.items()},
                "last": {k: v[-1] for k, v in self._history.items()} if n else None,
                "grad_norms": [list(w)[len(w) - new_norms :] for w in self._grad_norms],
            }
            snapshot = (self._params_version, self._params, self._arch, self._last_gradients)
            training = self._status == "training"
        drawn_version, view = self._view_json(snapshot, data, training)
        head["params_version"] = drawn_version
        if params_version == drawn_version:
            view = "null"
        points = data.points_json if data_version != data.version else "null"
        text = json.dumps(head, allow_nan=False)
        return (text[:-1] + ', "points": ' + points + ', "view": ' + view + "}").encode()

    def _scalars(self, data: _Data) -> dict:
        """The state's small fields (call under the lock)."""
        return {
            "version": self._version,
            "status": self._status,
            "message": self._message,
            "epoch": self._epoch,
            "samples_seen": self._samples_seen,
            "config": {**self._config, "hidden": list(self._config["hidden"])},
            "url_query": url_query(self._config),
            "data_version": data.version,
            "extent": list(data.extent),
            "classes": data.classes,
            "sample": self._sample,
            "engine": self.engine,
            "speed": self._speed,
            "hint": self._hint,
        }

    def _view_json(self, snapshot: tuple, data: _Data, training: bool) -> tuple[int, str]:
        """(its params_version, the images and the parameters of a snapshot as JSON) for
        :meth:`changes`: ``snapshot``'s, or while ``training`` the last one drawn if it is
        younger than ``VIEW_SECONDS``. Parameters and gradients as little-endian float32 in
        base64. One thread draws at a time; the others wait and take its view."""
        with self._view_lock:
            cached = self._view
            if cached is not None and cached[1] == data.version:
                fresh = training and time.monotonic() - cached[2] < VIEW_SECONDS
                if cached[0] >= snapshot[0] or fresh:  # the same, a newer one, or recent
                    return cached[0], cached[3]
            params_version, params, arch, gradients = snapshot
            text = self._draw_view(params_version, params, arch, gradients, data)
            self._view = (params_version, data.version, time.monotonic(), text)
            return params_version, text

    def _draw_view(self, params_version: int, params, arch, gradients, data: _Data) -> str:
        """The view of one snapshot as JSON (its images from :meth:`_drawn`'s cache)."""
        drawn = self._drawn(params_version, params, arch, gradients, data)
        weights, biases = params
        view = {
            "boundary": drawn["boundary"],
            "neurons": drawn["neurons"],
            "weights": [_packed(W) for W in weights],
            "biases": [_packed(b) for b in biases],
            "last_gradients": None,
        }
        if gradients is not None:
            source, grads = gradients
            view["last_gradients"] = {
                "weights": [_packed(dW) for dW, _ in grads],
                "biases": [_packed(db) for _, db in grads],
                "source": source,
            }
        return json.dumps(view, allow_nan=False)

    def _snapshot(self) -> tuple[dict, _Data]:
        """The state without ``points``, and the data it belongs to."""
        with self._lock:
            data = self._data
            assert data is not None
            params_version, params, arch = self._params_version, self._params, self._arch
            gradients = self._last_gradients
            state = {
                **self._scalars(data),
                "history": {k: list(v) for k, v in self._history.items()},
                "grad_norms": [list(norms) for norms in self._grad_norms],
            }
        state.update(self._drawn(params_version, params, arch, gradients, data))
        return state, data

    def neuron(self, layer, neuron) -> dict:
        """One neuron's output over the plane at NEURON_ZOOM_SIZE² pixels (``GET
        /api/neuron``): ``layer`` counts from 1 (the first hidden layer; the last is the
        output layer), ``neuron`` from 0. Scaled between the layer's lowest and highest
        output over the same grid, as the small pictures are; ``lo``/``hi`` are the layer's,
        ``min``/``max`` this neuron's own."""
        with self._lock:
            data, params_version, params, arch = (
                self._data, self._params_version, self._params, self._arch
            )  # fmt: skip
        assert data is not None
        weights = params[0]
        layer = _integer(layer, "layer", 1, len(weights))
        neuron = _integer(neuron, "neuron", 0, weights[layer - 1].shape[1] - 1)
        net = _network_view(*arch, *params)
        with np.errstate(all="ignore"):
            net.feed_forward(_grid(data.extent, NEURON_ZOOM_SIZE))
            o = net.layers[layer - 1].last_activation
        finite = o[np.isfinite(o)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        mine = o[:, neuron][np.isfinite(o[:, neuron])]
        return {
            "layer": layer,
            "neuron": neuron,
            "params_version": params_version,
            "size": NEURON_ZOOM_SIZE,
            "lo": lo,
            "hi": hi,
            "min": float(mine.min()) if mine.size else None,
            "max": float(mine.max()) if mine.size else None,
            "image": _image(o[:, neuron], lo, hi),
        }

    def model_bytes(self) -> bytes:
        """The network as ``NeuralNetwork.save`` writes it (``.npz``); ValueError when its
        parameters are not finite (a diverged network cannot be loaded back)."""
        with self._lock:
            weights, biases = self._params
            loss, activations = self._arch
        if not all(np.all(np.isfinite(a)) for a in (*weights, *biases)):
            raise ValueError("the network diverged (its weights are not finite); reset it first")
        net = _network_view(loss, activations, weights, biases)  # finite: loadable as saved
        # NeuralNetwork.save's file (deltagrad.model_files.save), built in memory: nothing
        # of a session is written to disk.
        arrays = {"config": np.array(json.dumps(net.config()))}
        for i, (W, b) in enumerate(zip(weights, biases)):
            arrays[f"W{i}"], arrays[f"b{i}"] = W, b
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]  # the stub reads **arrays as allow_pickle
        return buffer.getvalue()

    def metrics_bytes(self) -> bytes:
        """metrics.json: the configuration, the epoch, the history and the final numbers."""
        with self._lock:
            history = {k: list(v) for k, v in self._history.items()}
            last = {k: (v[-1] if v else None) for k, v in history.items() if k != "epoch"}
            metrics = {
                "config": {**self._config, "hidden": list(self._config["hidden"])},
                "epoch": self._epoch,
                "history": history,
                "final": {
                    **last,
                    "status": self._status,
                    "samples_seen": self._samples_seen,
                    "engine": self.engine,
                },
            }
        return (json.dumps(metrics, indent=2, allow_nan=False) + "\n").encode()

    # --- internals ---------------------------------------------------------------------------

    def _make_data(self, config: dict) -> _Data:
        if config["data"] == "csv":
            assert self._upload is not None
            X, y, upload = self._upload
            key: tuple = ("csv", upload, config["test_ratio"])
            if self._data is not None and self._data.key == key:
                return self._data
            parts = datasets.split(X, y, config["test_ratio"])
        else:
            names = ("data", "n_samples", "noise", "test_ratio", "data_seed")
            key = tuple(config[k] for k in names)
            if self._data is not None and self._data.key == key:
                return self._data
            parts = datasets.make(
                config["data"],
                config["n_samples"],
                config["noise"],
                config["test_ratio"],
                config["data_seed"],
            )
        X_train, X_test, y_train, y_test = parts
        classes = int(max(np.max(y_train), np.max(y_test))) + 1
        self._data_versions += 1
        return _Data(X_train, X_test, y_train, y_test, classes, key, self._data_versions)

    def _rebuild(self) -> None:
        """A fresh network from the configuration's seed; history and counters cleared."""
        config, data = self._config, self._data
        assert data is not None
        sizes = [2, *config["hidden"], data.classes]
        self._net = NeuralNetwork.build(
            sizes, config["activation"], config["loss"], rng=config["seed"], init=config["init"]
        )
        self._trainer: fast.Trainer | None = None
        with self._lock:
            self._status, self._message = "ready", None
            self._epoch = self._samples_seen = 0
            self._history: dict[str, list] = {k: [] for k in HISTORY_KEYS}
            n_layers = len(sizes) - 1
            self._grad_norms: list[deque] = [
                deque(maxlen=GRAD_NORM_WINDOW) for _ in range(n_layers)
            ]
            self._last_gradients: tuple | None = None  # (source, [(dW, db), ...])
            self._sample: dict | None = None
            self._hint: str | None = None
            self._params = self._copy_parameters()
            self._arch = (self._net.loss, self._net.activations)
            self._params_version += 1
            self._run_id += 1
            self._version += 1

    def _publish(self, row: dict | None = None, norms: list | None = None, **changes) -> None:
        """Apply ``changes`` to the published state in one step under the lock, with the
        epoch's history ``row`` and gradient ``norms`` when given; bumps the version."""
        with self._lock:
            if row is not None:
                for key, value in row.items():
                    self._history[key].append(value)
            for window, norm in zip(self._grad_norms, norms or ()):
                window.append(norm)
            if "params" in changes:
                self._params = changes.pop("params")
                self._params_version += 1
            for name, value in changes.items():
                setattr(self, "_" + name, value)
            self._version += 1

    def _copy_parameters(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return [W.copy() for W in self._net.weights], [b.copy() for b in self._net.biases]

    def _finite_parameters(self) -> bool:
        return all(np.all(np.isfinite(a)) for a in (*self._net.weights, *self._net.biases))

    def _can_train(self) -> bool:
        return self._status != "diverged"

    def _diverged_message(self, where: str) -> str:
        return (
            f"diverged: the loss is no longer a finite number (after {where}); the learning "
            f"rate {self._lr:g} is too large for this network: reset and try a smaller one"
        )

    def _halt(self) -> None:
        """Stop the training thread, if any, after its epoch; status paused if it was
        training."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        thread.join()
        self._thread = None
        with self._lock:
            if self._status == "training":
                self._status, self._message = "paused", None
                self._version += 1

    def _ensure_trainer(self) -> None:
        if self.engine == "compiled" and self._trainer is None:
            fast.warm_up()
            data, net = self._data, self._net
            assert data is not None
            self._trainer = fast.Trainer(
                net.weights,
                net.biases,
                net.activations,
                net.loss,
                data.X_train,
                data.Y_train,
                self._lr,
                self._config["batch_size"],
            )

    def _run(self) -> None:
        """The training thread: epochs until stopped, done or diverged."""
        try:
            pace = _Pace(self._clock)
            while not self._stop.is_set():
                if not self._train_epoch():
                    return
                with self._lock:
                    speed = self._speed
                delay = pace.after_epoch(speed)
                if delay > 0 and not self._stop.is_set():
                    self._wait(delay)
        except Exception as err:  # never a silent dead thread: the page shows why
            self._publish(status="paused", message=f"training stopped: {type(err).__name__}: {err}")

    def _train_epoch(self) -> bool:
        """One epoch, its metrics published; False when training must stop (done,
        diverged)."""
        data, net = self._data, self._net
        assert data is not None
        with self._lock:
            lr = self._lr
        with np.errstate(all="ignore"):
            if self._trainer is not None:
                self._trainer.learning_rate = lr  # read by every epoch() call
                self._trainer.epoch()  # the network's own arrays, in place
            else:
                _train_epoch_numpy(net, data.X_train, data.Y_train, lr, self._config["batch_size"])
            metrics, grads = self._measure()
        epoch = self._epoch + 1
        diverged = not (
            math.isfinite(metrics["train_loss"])
            and math.isfinite(metrics["test_loss"])
            and self._finite_parameters()
        )
        norms = [_float(np.linalg.norm(dW)) for dW, _ in grads]
        row: dict[str, Any] = {"epoch": epoch, **{k: _float(v) for k, v in metrics.items()}}
        row["grad_norm"] = norms
        changes: dict = {
            "row": row,
            "norms": norms,
            "hint": self._stall_hint(row),
            "epoch": epoch,
            "samples_seen": self._samples_seen + data.n_train,
            "params": self._copy_parameters(),
            "last_gradients": ("training_set", grads),
        }
        if diverged:
            changes.update(status="diverged", message=self._diverged_message(f"epoch {epoch}"))
        elif epoch >= self._config["epochs"]:
            changes.update(status="done", message=f"done: {epoch} epochs")
        elif self._status != "training":
            changes.update(status="paused", message=None)
        self._publish(**changes)
        return not diverged and epoch < self._config["epochs"]

    def _stall_hint(self, row: dict) -> str | None:
        """One line for the page when training has stalled: the training loss moved by less
        than STALL_CHANGE (relative) over the last STALL_EPOCHS epochs and the training
        accuracy is within STALL_MARGIN of chance (the largest class's share). Only the
        training thread calls it (the history's only writer)."""
        data, losses = self._data, self._history["train_loss"]
        assert data is not None
        if len(losses) < STALL_EPOCHS:
            return None
        old, now, accuracy = losses[-STALL_EPOCHS], row["train_loss"], row["train_accuracy"]
        chance = float(np.max(np.bincount(data.y_train))) / data.n_train
        if old is None or now is None or accuracy is None or old == 0:
            return None
        if abs(now - old) / abs(old) >= STALL_CHANGE or accuracy > chance + STALL_MARGIN:
            return None
        return stall_message(self._config, STALL_EPOCHS, accuracy, chance)

    def _measure(self):
        """(train/test loss and accuracy, the training set's [(dW, db)] per layer)."""
        data, net = self._data, self._net
        assert data is not None
        grads = net.gradients(data.X_train, data.Y_train)  # one forward + backward pass
        out = net.layers[-1].last_activation
        metrics = {
            "train_loss": net._loss_of_output(out, data.Y_train),
            "train_accuracy": float(np.mean(np.argmax(out, axis=1) == data.y_train)),
        }
        test_loss = net.loss_value(data.X_test, data.Y_test)
        out = net.layers[-1].last_activation
        metrics["test_loss"] = test_loss
        metrics["test_accuracy"] = float(np.mean(np.argmax(out, axis=1) == data.y_test))
        return metrics, grads

    def _drawn(self, params_version: int, params, arch, gradients, data: _Data) -> dict:
        """What the state shows of a parameter snapshot (boundary and neuron images, the
        weights and last gradients as lists), cached per snapshot: the training thread
        publishes arrays, and only what is polled is converted."""
        with self._cache_lock:
            key = (params_version, data.version)
            if self._images is not None and self._images[0] == key:
                return self._images[1]
            net = _network_view(*arch, *params)
            with np.errstate(all="ignore"):
                drawn: dict[str, Any] = {
                    "boundary": _boundary(net, data),
                    "neurons": _neurons(net, data),
                }
            weights, biases = params
            drawn["weights"] = [_array(W) for W in weights]
            drawn["biases"] = [_array(b) for b in biases]
            drawn["last_gradients"] = (
                None if gradients is None else _gradients(*reversed(gradients))
            )
            self._images = (key, drawn)
            return drawn


def _boundary(net: NeuralNetwork, data: _Data) -> dict:
    """P(class 1) (two classes) or the argmax class over the plane, as the API reference says."""
    probs = net.predict_proba(_grid(data.extent, BOUNDARY_SIZE))
    if data.classes == 2:
        pixels = np.round(255.0 * np.nan_to_num(probs[:, 1], nan=0.5))
        values = np.clip(pixels, 0, 255).astype(np.uint8)
    else:
        values = np.argmax(np.nan_to_num(probs, nan=0.0), axis=1).astype(np.uint8)
    return {"size": BOUNDARY_SIZE, "probs": base64.b64encode(values.tobytes()).decode("ascii")}


def _neurons(net: NeuralNetwork, data: _Data) -> dict:
    """Every layer's outputs o over the plane (the output layer's logits when it is
    linear), scaled to 0..255 between the layer's lowest and highest value."""
    net.feed_forward(_grid(data.extent, NEURON_SIZE))
    layers = []
    for layer in net.layers:
        o = layer.last_activation  # (size², n_neurons)
        finite = o[np.isfinite(o)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        images = [_image(o[:, j], lo, hi) for j in range(o.shape[1])]
        layers.append({"lo": lo, "hi": hi, "images": images})
    return {"size": NEURON_SIZE, "layers": layers}


def _explain_sample(net: NeuralNetwork, x: np.ndarray, label: int, t: np.ndarray):
    """(the sample's numbers as the API's ``sample``, [(dW, db)] per layer): the rows
    ``deltagrad.experiments.explain.explain`` builds (its own
    :func:`~deltagrad.experiments.explain.delta_rule_rows`), as lists."""
    explained, grads = delta_rule_rows(net, x, t)
    output = np.array(net.feed_forward(x[None, :])[0])
    if net.loss != "mse":  # what explain's "output" holds: the probabilities
        output = np.array(net.predict_proba(x[None, :])[0])
    result = {"layers": explained, "target": t, "loss_name": net.loss, "output": output}
    rows = []
    for i, row in enumerate(explained):
        j = int(np.argmax(np.abs(row["delta"])))  # the neuron explain works out
        worked = {"neuron": j, "delta": worked_example(result, i + 1, j), "sum": None}
        if i + 1 < len(explained):
            worked["sum"] = weighted_sum(result, i + 1, j, max_terms=4)
        rows.append(
            {
                **{q: _array(row[q]) for q in ("z", "o", "delta", "dW", "db")},
                "formula": row["formula"],
                "worked": worked,
            }
        )
    loss = net.loss_value(x[None, :], t[None, :])
    sample = {
        "x": [float(v) for v in x],
        "label": label,
        "target": t.tolist(),
        "layers": rows,
        "loss": _float(loss),
        "_rows": explained,  # for _update, taken out before the sample is published
    }
    return sample, grads


def _update(rows: list, net: NeuralNetwork, x, t, lr: float, loss_before) -> dict:
    """The step that followed ``rows`` (``delta_rule_rows``' before it) on ``net`` (after
    it), as ``deltagrad explain`` prints it: per layer the weight and the bias with the
    largest derivative before and after (:func:`~deltagrad.experiments.explain.largest_steps`),
    and the loss on the sample before and after."""
    return {
        "learning_rate": lr,
        "layers": [  # NaN and ±inf (a diverged step) as None, as everywhere in the state
            {
                part: {key: _float(v) if isinstance(v, float) else v for key, v in numbers.items()}
                for part, numbers in step.items()
            }
            for step in largest_steps(rows, net.weights, net.biases)
        ],  # fmt: skip
        "loss_before": loss_before,
        "loss_after": _float(net.loss_value(x[None, :], t[None, :])),
    }


def _gradients(grads, source: str) -> dict:
    """``last_gradients``: per layer ∂L/∂W and ∂L/∂b as lists, and where they come from."""
    return {
        "weights": [_array(dW) for dW, _ in grads],
        "biases": [_array(db) for _, db in grads],
        "source": source,
    }
