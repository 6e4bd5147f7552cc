"""The playground's data sets: points of the plane with integer class labels.

Every generator takes ``n_samples``, ``noise`` (the standard deviation of Gaussian noise added
to the coordinates, as scikit-learn's ``make_moons`` does) and ``data_seed``; the points are
drawn from ``numpy.random.default_rng(data_seed)`` or, for scikit-learn's generators, with
``random_state=data_seed`` (its own generator): no global random state. :func:`make` draws a
set by name and splits it with the chapter's split (:func:`deltagrad.data.train_test_split`,
scikit-learn's ``train_test_split`` with ``random_state=42``), so ``make("moons", 2000, 0.2,
0.3, 100)`` is exactly :func:`deltagrad.data.chapter_data` (chapter 7.9). The split's seed is
fixed; ``data_seed`` draws the points (so it changes which points fall on each side too).

:func:`parse_csv` is :func:`deltagrad.data.read_csv_text`: an uploaded CSV text read with the
checks ``deltagrad.data.load_csv`` applies to ``--data`` (the same reader and messages, naming the
row), without writing it to disk.
"""

from __future__ import annotations

import numpy as np

from deltagrad import data
from deltagrad.data import TooManyRows
from deltagrad.data import read_csv_text as parse_csv

__all__ = [
    "GENERATORS",
    "DATASETS",
    "CHAPTER_SPLIT_SEED",
    "moons",
    "circles",
    "xor",
    "blobs",
    "spiral",
    "make",
    "split",
    "parse_csv",
    "decode_csv",
    "TooManyRows",
]

CHAPTER_SPLIT_SEED = 42
"""``random_state`` of the chapter's train/test split, used for every data set."""

BLOB_CENTRES = 3


def moons(n_samples: int, noise: float, data_seed: int):
    """Two interleaving half circles: scikit-learn's ``make_moons`` (the chapter's data)."""
    return data.moons(n_samples=n_samples, noise=noise, random_state=data_seed)


def circles(n_samples: int, noise: float, data_seed: int):
    """A circle inside a circle (radius 1 and 0.5): scikit-learn's ``make_circles``."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n_samples, noise=noise, factor=0.5, random_state=data_seed)
    return X.astype(np.float64), y.astype(np.int64)


def xor(n_samples: int, noise: float, data_seed: int):
    """Points uniform in [−1, 1]², class 1 where x1·x2 > 0 (the XOR of the signs), then
    Gaussian noise on the coordinates: no single line separates the classes."""
    rng = np.random.default_rng(data_seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + noise * rng.standard_normal(X.shape), y


def blobs(n_samples: int, noise: float, data_seed: int, centres: int = BLOB_CENTRES):
    """``centres`` (>= 2) Gaussian clusters, one class each, on a circle of radius 1.5:
    scikit-learn's ``make_blobs`` with cluster standard deviation 0.1 + 2·noise."""
    from sklearn.datasets import make_blobs

    if isinstance(centres, bool) or not isinstance(centres, int) or centres < 2:
        raise ValueError(f"centres must be an integer >= 2, got {centres!r}")
    angles = 2 * np.pi * np.arange(centres) / centres + np.pi / 2
    centers = 1.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    X, y = make_blobs(
        n_samples=n_samples,
        centers=centers,
        cluster_std=0.1 + 2 * noise,
        random_state=data_seed,
    )
    return X.astype(np.float64), y.astype(np.int64)


def spiral(n_samples: int, noise: float, data_seed: int):
    """Two interleaved spirals (class 0 and class 1 half a turn apart), 1.75 turns each out
    to radius 1, then Gaussian noise on the coordinates."""
    rng = np.random.default_rng(data_seed)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.0, 1.0, size=n_samples)
    r = 0.05 + 0.95 * t
    angle = 1.75 * 2 * np.pi * t + np.pi * y
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return X + noise * rng.standard_normal(X.shape), y.astype(np.int64)


GENERATORS = {"moons": moons, "circles": circles, "xor": xor, "blobs": blobs, "spiral": spiral}
DATASETS = (*GENERATORS, "csv")
"""Names of the data sets; ``"csv"`` is a user's upload (:func:`parse_csv`)."""


def split(X, y, test_ratio: float):
    """``X_train, X_test, y_train, y_test`` by the chapter's split with ``test_size=test_ratio``."""
    return data.train_test_split(X, y, test_size=test_ratio, random_state=CHAPTER_SPLIT_SEED)


def make(name: str, n_samples: int, noise: float, test_ratio: float, data_seed: int):
    """The generated data set ``name`` (not ``"csv"``), split: ``X_train, X_test, y_train,
    y_test``."""
    if name not in GENERATORS:
        raise ValueError(f"unknown data set {name!r}; valid: {', '.join(GENERATORS)}")
    X, y = GENERATORS[name](n_samples, noise, data_seed)
    return split(X, y, test_ratio)


def decode_csv(body: bytes, name: str = "upload") -> str:
    """The text of an uploaded CSV (UTF-8, a byte-order mark allowed), or a ValueError."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{name}: not a text (UTF-8) CSV file") from None
