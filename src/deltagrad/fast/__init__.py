"""The compiled engine: the delta-rule network trained one epoch per Numba kernel call.

``NeuralNetwork.train(..., engine="compiled")`` packs the layers' arrays into one flat float64
buffer (:class:`Packed`) and drives a :class:`Trainer`: one kernel call per epoch (every
sample's step, or every minibatch's), one per recorded evaluation, and the parameters copied
back into the layers' own arrays after every epoch, so ``log_every``, callbacks and the
network object behave exactly as with ``engine="numpy"``. This package takes plain arrays
(weights, biases, activation and loss names) and does not import :mod:`deltagrad.backprop`.

Kernels are compiled with Numba's on-disk cache: the first use on a machine compiles them
(seconds) and writes the cache; later processes load them in a fraction of a second.
:func:`warm_up` does this on a tiny network and reports the seconds spent compiling (0 when
the kernels came from the cache or were already loaded).

Where the cache goes. Numba looks for a folder it can write: ``$NUMBA_CACHE_DIR``, then
``__pycache__`` next to ``kernels.py``, then the user's cache folder (``~/.cache/numba``).
When none can be written (a read-only or missing HOME, a virtual environment installed by
another user) Numba does not fall back to compiling without a cache: decorating the kernels
fails. This module then sets them up with the next choice that works, in this order:

1. a private folder in the system's temporary directory, ``<tmp>/deltagrad-numba-<uid>``
   (``tempfile.gettempdir()``, so ``$TMPDIR`` is honoured), used through Numba's own
   ``NUMBA_CACHE_DIR`` mechanism while the kernels are defined (``numba.config.CACHE_DIR``
   is restored afterwards, so other Numba code in the process is unaffected). It is created
   with mode 0700 and used only if it is a real folder owned by this user that nobody else
   can write to: Numba's cache files are pickles, and a folder another user controls would
   let them run code here. Later runs load from it, so only the first one compiles;
2. no cache at all: every process compiles the kernels (a few seconds), nothing is written.

A cache whose files cannot be read (another user's, or damaged) is given up the same way,
at import for unreadable files and in :func:`warm_up` for any error loading from it. The
compiled engine therefore stays in use whenever Numba itself works; only a Numba that
cannot import or compile makes :func:`available` false, and :func:`unavailable_reason` says
that real reason in one line. :func:`status` tells where the cache is and, when it is not
where Numba would put it, a one-line ``note`` for the user: the library prints nothing, the
``deltagrad`` commands print the note.

Numba is imported only when the compiled engine is first used; :func:`available` says
whether it can be (``engine="auto"`` falls back to NumPy when it cannot).
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
import tempfile
import time
from typing import Any

import numpy as np

from deltagrad import functional as F

__all__ = [
    "available",
    "unavailable_reason",
    "status",
    "warm_up",
    "compile_info",
    "Packed",
    "Trainer",
    "ACTIVATION_CODES",
    "LOSS_CODES",
]

# The kernels' codes (deltagrad.fast.kernels), kept here so that they are known without Numba.
ACTIVATION_CODES = {None: 0, "sigmoid": 1, "relu": 2, "leaky_relu": 3, "tanh": 4}
LOSS_CODES = {"mse": 0, "softmax_cross_entropy": 1}

_kernels = None
_import_error: str | None = None
_warm: dict[str, Any] = {"done": False, "compile_seconds": 0.0, "cache": None, "seconds": 0.0}

# How the kernels are cached, in the order tried: "numba" (Numba's own choice of folder),
# "private" (this module's private temporary folder), "none" (no cache).
_CACHE_MODES = ("numba", "private", "none")
_cache: dict[str, str | None] = {"mode": None, "dir": None, "note": None}
_KERNELS = "deltagrad.fast.kernels"


def _one_line(err) -> str:
    """An exception as one short line: its type and the first 300 characters of its text."""
    text = " ".join(str(err).split())
    text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _cache_kernels() -> bool:
    """Whether ``kernels`` is compiled with ``cache=True`` (read by it at import)."""
    return _cache["mode"] != "none"


def _load():
    """The kernels module, imported on first use; None (reason kept) if Numba cannot load."""
    global _import_error
    if _kernels is None and _import_error is None:
        try:
            import numba  # noqa: F401
        except Exception as err:  # ImportError, or a broken Numba/llvmlite install
            _import_error = f"Numba failed to import ({_one_line(err)})"
        else:
            _set_up(_CACHE_MODES)
    return _kernels


def _set_up(modes, problem: str | None = None) -> bool:
    """Import the kernels with the first cache mode in ``modes`` that works, recording the
    note for the user; ``problem`` says why an earlier mode was given up. False (and the
    reason in ``_import_error``) when none works."""
    global _kernels, _import_error
    error = None
    for mode in modes:
        try:
            kernels = _import_kernels(mode)
        except Exception as err:
            error = err
            problem = _why_not(mode, err, problem)
            continue
        _kernels, _import_error = kernels, None
        _cache.update(mode=mode, dir=_cache_dir(kernels))
        _cache["note"] = _note(mode, problem)
        return True
    _kernels = None
    _cache.update(mode=None, dir=None, note=None)
    _import_error = f"Numba cannot compile the kernels ({_one_line(error)})"
    return False


def _import_kernels(mode: str):
    """A fresh import of ``kernels`` with caching ``mode``; raises what the import raises, or
    OSError when the cache it would use has files that cannot be read."""
    from numba.core import config

    sys.modules.pop(_KERNELS, None)
    _cache.update(mode=mode, dir=None, note=None)
    if mode != "private":
        kernels = importlib.import_module(_KERNELS)
    else:
        folder = _private_folder()
        saved = config.CACHE_DIR
        config.CACHE_DIR = folder  # what NUMBA_CACHE_DIR sets; read as the kernels are defined
        try:
            kernels = importlib.import_module(_KERNELS)
        finally:
            config.CACHE_DIR = saved
    _check_readable(_cache_dir(kernels))
    return kernels


def _private_folder() -> str:
    """``<tmp>/deltagrad-numba-<uid>``: created private, and refused unless it is a folder of
    this user's that nobody else can write to (Numba's cache files are pickles)."""
    user = os.geteuid() if hasattr(os, "geteuid") else os.environ.get("USERNAME", "user")
    folder = os.path.join(tempfile.gettempdir(), f"deltagrad-numba-{user}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise OSError(f"{folder} is not a folder")
    if hasattr(os, "geteuid") and (info.st_uid != os.geteuid() or info.st_mode & 0o022):
        raise OSError(f"{folder} belongs to another user or others can write to it")
    tempfile.TemporaryFile(dir=folder).close()  # writable
    return folder


def _cache_dir(kernels) -> str | None:
    """The folder the kernels are cached in (None without a cache)."""
    return kernels.sgd_epoch.stats.cache_path


def _check_readable(folder: str | None) -> None:
    """OSError unless every cache file of the kernels in ``folder`` can be read."""
    if not folder or not os.path.isdir(folder):
        return
    for entry in os.scandir(folder):
        if entry.name.startswith("kernels.") and entry.name.endswith((".nbi", ".nbc")):
            with open(entry.path, "rb") as f:
                f.read(1)


def _why_not(mode: str, err: Exception, problem: str | None) -> str:
    """``problem`` extended with why caching ``mode`` failed."""
    if mode == "numba" and isinstance(err, OSError):  # from _check_readable
        return f"Numba's cache of the compiled kernels cannot be read ({_one_line(err)})"
    if mode == "numba":
        places = _unwritable_places()
        why = f"it cannot write {' or '.join(places)}" if places else _one_line(err)
        return f"Numba cannot cache the compiled kernels ({why})"
    if mode == "private":
        why = f"nor a private temporary folder ({_one_line(err)})"
        return f"{problem}, {why}" if problem else why
    return problem or _one_line(err)


def _unwritable_places() -> list[str]:
    """The folders Numba tries for its cache that cannot be written, as it tests them."""
    from numba.core import config

    places = [config.CACHE_DIR] if config.CACHE_DIR else []
    places.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__"))
    try:
        from numba.misc.appdirs import AppDirs

        places.append(os.path.join(AppDirs(appname="numba", appauthor=False).user_cache_dir))
    except Exception:  # a Numba without it: name the places that can be named
        pass
    unwritable = []
    for place in places:
        try:
            os.makedirs(place, exist_ok=True)
            tempfile.TemporaryFile(dir=place).close()
        except OSError:
            unwritable.append(place)
    return unwritable


def _note(mode: str, problem: str | None) -> str | None:
    """One line for the user when the kernels are not cached where Numba would cache them."""
    if problem is None:
        return None
    if mode == "private":
        return f"{problem}; caching them in {_cache['dir']} instead"
    if mode == "none":
        return f"{problem}; compiling them in every run instead (a few seconds)"
    return problem  # pragma: no cover - mode "numba" only ever comes first


def available() -> bool:
    """Whether the compiled engine can run (Numba imports and the kernels can be set up)."""
    return _load() is not None


def unavailable_reason() -> str | None:
    """Why the compiled engine cannot run, in one line, or None when it can."""
    _load()
    return _import_error


def status() -> dict:
    """The compiled engine's state, compiling nothing (Numba is imported if it is not yet):

    ``available`` (bool); ``reason`` (why not, one line, or None); ``cache``: ``"numba"``
    (Numba's own folder), ``"private"`` (this module's private temporary folder, see the
    module's docstring), ``"none"`` (no cache: every process compiles) or None when not
    available; ``cache_dir`` (the folder, or None); ``note``: one line for the user when the
    engine works but its cache is not where Numba would keep it, else None.
    """
    ok = available()
    return {
        "available": ok,
        "reason": _import_error,
        "cache": _cache["mode"] if ok else None,
        "cache_dir": _cache["dir"] if ok else None,
        "note": _cache["note"] if ok else None,
    }


def _require():
    kernels = _load()
    if kernels is None:
        raise RuntimeError(f"the compiled engine cannot run: {_import_error}; use engine='numpy'")
    return kernels


class Packed:
    """A network's parameters as one flat float64 buffer ``params`` plus an int64 ``layout``
    with one row per layer: (n_input, n_neurons, weight offset, bias offset, activation code,
    offset of the layer's input in the scratch buffer, whose output follows it).
    ``units`` is the scratch size, d + Σ n_neurons.

    Built from plain arrays: ``weights`` (one (n_input, n_neurons) array per layer),
    ``biases`` (one (n_neurons,) array per layer), ``activations`` (a name of
    :data:`ACTIVATION_CODES` per layer) and ``loss`` (a name of :data:`LOSS_CODES`).
    ``load_from(weights, biases)`` and ``store_to(weights, biases)`` copy between the buffer
    and such arrays, the latter in place.
    """

    def __init__(self, weights, biases, activations, loss: str):
        weights, biases, activations = list(weights), list(biases), list(activations)
        if not len(weights) == len(biases) == len(activations):
            raise ValueError(
                f"{len(weights)} weight arrays, {len(biases)} biases and "
                f"{len(activations)} activations: one of each per layer"
            )
        rows, offset, start = [], 0, 0
        for W, activation in zip(weights, activations):
            n_in, n_out = np.shape(W)
            rows.append(
                (n_in, n_out, offset, offset + n_in * n_out, ACTIVATION_CODES[activation], start)
            )
            offset += n_in * n_out + n_out
            start += n_in
        self.layout = np.array(rows, dtype=np.int64).reshape(len(rows), 6)
        self.loss = LOSS_CODES[loss]
        self.params = np.zeros(offset)
        self.units = start + (rows[-1][1] if rows else 0)
        self.load_from(weights, biases)

    def _views(self):
        for n_in, n_out, w, b, _, _ in self.layout:
            yield (
                self.params[w : w + n_in * n_out].reshape(n_in, n_out),
                self.params[b : b + n_out],
            )

    def load_from(self, weights, biases) -> None:
        for W_in, b_in, (W, b) in zip(weights, biases, self._views()):
            W[...] = W_in
            b[...] = b_in

    def store_to(self, weights, biases) -> None:
        for W_out, b_out, (W, b) in zip(weights, biases, self._views()):
            W_out[...] = W  # in place: the caller keeps its array objects
            b_out[...] = b

    def __repr__(self) -> str:
        return f"Packed({self.params.size} parameters, {len(self.layout)} layers)"


def _c_float(a) -> np.ndarray:
    """A fresh, writable, C-ordered float64 copy (one compiled signature for every input)."""
    return np.array(a, dtype=np.float64, order="C", copy=True)


class Trainer:
    """Trains a network given as arrays on X (n, d), Y (n, K) one-hot with the kernels.

    ``weights``, ``biases``, ``activations`` and ``loss`` are as for :class:`Packed`; the
    ``weights`` and ``biases`` arrays are the ones trained, updated in place.
    ``epoch()`` runs one epoch of SGD in the samples' order, ``batch_size`` at a time, and
    leaves the new parameters in those arrays (``epoch(weights, biases)`` trains other arrays
    of the same shapes instead, e.g. a network's current ones); ``predict(X)`` gives the
    outputs and ``evaluate(X, Y, labels)`` (mean squared error over all entries, accuracy).
    """

    def __init__(
        self,
        weights,
        biases,
        activations,
        loss: str,
        X,
        Y,
        learning_rate: float,
        batch_size: int = 1,
    ):
        self.kernels = _require()
        self.weights, self.biases = list(weights), list(biases)
        self.packed = Packed(self.weights, self.biases, activations, loss)
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

    def epoch(self, weights=None, biases=None) -> None:
        p, k = self.packed, self.kernels
        weights = self.weights if weights is None else weights
        biases = self.biases if biases is None else biases
        p.load_from(weights, biases)  # the arrays may have been changed between epochs
        if self.batch_size == 1:
            k.sgd_epoch(
                p.params,
                p.layout,
                p.loss,
                F.LEAKY_ALPHA,
                self.X,
                self.Y,
                self.learning_rate,
                self.acts,
                self.deltas,
            )
        else:
            k.minibatch_epoch(
                p.params,
                p.layout,
                p.loss,
                F.LEAKY_ALPHA,
                self.X,
                self.Y,
                self.learning_rate,
                self.batch_size,
                self.acts,
                self.deltas,
                self.grad,
            )
        p.store_to(weights, biases)

    def predict(self, X) -> np.ndarray:
        """The outputs (n, K) for X (n, d), as ``NeuralNetwork.feed_forward``."""
        p = self.packed
        X = self._inputs(X)
        out = np.empty((len(X), int(p.layout[-1, 1])))
        self.kernels.predict(
            p.params, p.layout, p.loss, F.LEAKY_ALPHA, X, out, self.acts, self.deltas
        )
        return out

    def evaluate(self, X, Y, labels) -> tuple[float, float]:
        """(mean((Y − output)²) over all entries, the chapter's MSE (:func:`functional.mse`),
        fraction of rows whose argmax output equals ``labels``), both NaN for an empty X."""
        if len(X) == 0:
            return float("nan"), float("nan")
        out = self.predict(X)
        return F.mse(out, Y), float(np.mean(np.argmax(out, axis=1) == labels))


def warm_up() -> float:
    """Compile the kernels, or load them from the on-disk cache, once per process.

    Returns the seconds spent compiling: 0.0 when they came from the cache or were already
    loaded in this process (:func:`compile_info` says which). When loading from or writing to
    the cache fails, the kernels are set up again with the next cache choice (see the module's
    docstring; :func:`status` has the note) and warmed up with it.
    """
    kernels = _require()
    if _warm["done"]:
        return 0.0
    try:
        return _warm_up(kernels)
    except Exception as err:
        mode = _cache["mode"]
        if mode == "none":
            raise
        problem = f"Numba's cache in {_cache['dir']} cannot be used ({_one_line(err)})"
        if not _set_up(_CACHE_MODES[_CACHE_MODES.index(mode) + 1 :], problem):
            raise RuntimeError(f"the compiled engine cannot run: {_import_error}") from err
        return _warm_up(_kernels)


def _warm_up(kernels) -> float:
    rng = np.random.default_rng(0)  # a tiny 2-5-2 network: every kernel, both batch modes
    weights = [rng.standard_normal((2, 5)), rng.standard_normal((5, 2))]
    biases = [rng.random(5), rng.random(2)]
    X, Y = np.zeros((2, 2)), np.eye(2)
    misses = _cache_misses(kernels)
    start = time.perf_counter()
    for batch_size in (1, 2):
        trainer = Trainer(weights, biases, ["sigmoid", None], "mse", X, Y, 0.1, batch_size)
        trainer.epoch()
        trainer.predict(X)
    seconds = time.perf_counter() - start
    compiled = _cache_misses(kernels) > misses
    _warm.update(
        done=True,
        compile_seconds=seconds if compiled else 0.0,
        cache="compiled" if compiled else "loaded",
        seconds=seconds,
    )
    return _warm["compile_seconds"]


def _cache_misses(kernels) -> int:
    dispatchers = (kernels.sgd_epoch, kernels.minibatch_epoch, kernels.predict)
    return sum(sum(d.stats.cache_misses.values()) for d in dispatchers)


def compile_info() -> dict:
    """This process's :func:`warm_up`: ``compile_seconds`` (0 unless it compiled), ``cache``
    ("compiled": compiled, and written to the cache if there is one, "loaded": read from the
    cache, None: not warmed up yet) and ``seconds`` (the whole warm-up, loading included)."""
    return {key: _warm[key] for key in ("compile_seconds", "cache", "seconds")}
