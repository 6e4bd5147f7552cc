"""Data for the chapter's classifier (chapter 7.9): two moons, the train/test split, one-hot
labels, and a checked CSV loader for a user's own 2-D data.

The moons and the split are scikit-learn's ``make_moons`` and ``train_test_split``, computed
here with NumPy's legacy ``RandomState`` exactly as scikit-learn computes them (the same
numbers, bit for bit; tested against scikit-learn), because importing scikit-learn (and SciPy
with it) takes over half a second, an eighth of the chapter's whole run. Arguments outside the
chapter's kind (a ``RandomState`` for ``random_state``, an integer ``test_size``) go to
scikit-learn itself, imported only then.
"""

from __future__ import annotations

import array
import csv
import io
import math
from pathlib import Path

import numpy as np

__all__ = [
    "moons",
    "train_test_split",
    "chapter_data",
    "one_hot",
    "check_labels",
    "check_input_range",
    "load_csv",
    "CSV_COLUMNS",
    "MIN_ROWS",
    "MAX_ABS_INPUT",
    "MOONS_DESCRIPTION",
]

CSV_COLUMNS = ("x1", "x2", "label")
MIN_ROWS = 4
"""Fewest data rows ``load_csv`` accepts: enough for both halves of a 70/30 split."""

MAX_ABS_INPUT = 1e6
"""Largest |coordinate| accepted for training. The network takes its inputs as they are, with no
scaling (as the chapter does): far beyond the unit scale of the moons every first-layer unit
saturates, so nothing is learned, and near ±1e308 the weighted sums and the figures' axes
overflow to inf. Data on a larger scale must be rescaled first (e.g. divided by a power of 10).
"""

MOONS_DESCRIPTION = "make_moons(n_samples=2000, noise=0.2, random_state=100)"
"""The chapter's data, as the records (metrics.json) name it: what :func:`moons` returns."""


def moons(n_samples: int = 2000, noise: float = 0.2, random_state: int = 100):
    """The chapter's data: ``make_moons(n_samples=2000, noise=0.2, random_state=100)``.

    Returns ``X`` of shape (n_samples, 2), float64, and integer labels ``y`` in {0, 1}.
    """
    plain_noise = noise is None or (
        isinstance(noise, (int, float, np.floating)) and not isinstance(noise, bool) and noise >= 0
    )
    if _is_int(n_samples) and n_samples >= 1 and plain_noise and _is_int(random_state):
        X, y = _make_moons(int(n_samples), noise, int(random_state))
    else:
        from sklearn.datasets import make_moons

        X, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return X.astype(np.float64), y.astype(np.int64)


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _make_moons(n_samples: int, noise, seed: int):
    """scikit-learn 1.x's ``make_moons(n_samples, shuffle=True, noise, random_state=seed)``,
    step for step: half the points on the upper half circle, the rest on the lower one shifted
    by (1, 0.5), shuffled, then Gaussian noise, all from one ``RandomState(seed)``."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    generator = np.random.RandomState(seed)
    outer_x = np.cos(np.linspace(0, np.pi, n_out))
    outer_y = np.sin(np.linspace(0, np.pi, n_out))
    inner_x = 1 - np.cos(np.linspace(0, np.pi, n_in))
    inner_y = 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5
    X = np.vstack([np.append(outer_x, inner_x), np.append(outer_y, inner_y)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    order = np.arange(n_samples)  # sklearn.utils.shuffle: resample without replacement
    generator.shuffle(order)
    X, y = X[order], y[order]
    if noise is not None:
        X += generator.normal(scale=noise, size=X.shape)
    return X, y


def train_test_split(X, y, test_size: float = 0.3, random_state: int = 42):
    """The chapter's split: scikit-learn's ``train_test_split(test_size=0.3, random_state=42)``.

    Returns ``X_train, X_test, y_train, y_test`` (2,000 moons give 1,400 and 600 points).
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    n = len(X)
    if isinstance(test_size, float) and 0 < test_size < 1 and _is_int(random_state):
        # ShuffleSplit's first split: ceil(test_size · n) test points, the rest for training,
        # from one permutation of RandomState(random_state).
        n_test = math.ceil(test_size * n)
        if 0 < n - n_test:
            order = np.random.RandomState(int(random_state)).permutation(n)
            test, train = order[:n_test], order[n_test:]
            return X[train], X[test], y[train], y[test]
    from sklearn.model_selection import train_test_split as split  # its checks and messages

    return split(X, y, test_size=test_size, random_state=random_state)


def chapter_data():
    """``X_train, X_test, y_train, y_test`` exactly as the chapter builds them (1,400 / 600)."""
    return train_test_split(*moons())


def check_labels(y, n_classes: int | None = None, name: str = "labels") -> np.ndarray:
    """``y`` as a 1-D int64 array of class indices in 0..n_classes−1, or a ValueError."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class indices, got shape {y.shape}")
    if y.size and not (np.issubdtype(y.dtype, np.integer) or _all_integral(y)):
        raise ValueError(f"{name} must be integers (class indices), got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ValueError(f"{name} must be >= 0, found {y.min()}")
    if n_classes is not None and y.size and y.max() >= n_classes:
        raise ValueError(f"{name} must be in 0..{n_classes - 1}, found {y.max()}")
    return y


def check_input_range(X, max_abs: float = MAX_ABS_INPUT, names=CSV_COLUMNS[:2]) -> None:
    """Raise a ValueError naming the column and the value if any |X| exceeds ``max_abs``."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.size == 0:
        return
    worst = np.abs(X).max(axis=0)
    for j in np.flatnonzero(worst > max_abs):
        i = int(np.argmax(np.abs(X[:, j])))
        name = names[j] if j < len(names) else f"column {j + 1}"
        raise ValueError(
            _range_message(name, f"{X[i, j]:.6g} (row {i + 1} of X)", X[i, j], max_abs)
        )


def _range_message(name: str, shown: str, value: float, max_abs: float) -> str:
    power = math.ceil(math.log10(abs(value)))  # dividing by 10^power brings it within ±1
    return (
        f"{name} = {shown} is beyond ±{max_abs:,.0f}: the network takes its inputs "
        f"unscaled, as the chapter does, so at this scale every unit saturates (and near "
        f"±1e308 the sums overflow) and nothing can be learned or plotted; rescale the data "
        f"first (e.g. divide {name} by 1e{power}, near the moons' scale of about ±2)"
    )


def _all_integral(y: np.ndarray) -> bool:
    if not np.issubdtype(y.dtype, np.floating):
        return False
    return bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))


def one_hot(labels, n_classes: int | None = None) -> np.ndarray:
    """Class indices (n,) → one-hot float64 (n, n_classes); n_classes defaults to max + 1."""
    y = check_labels(labels, n_classes)
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    out = np.zeros((y.size, n_classes))
    out[np.arange(y.size), y] = 1.0
    return out


# --- CSV ---------------------------------------------------------------------------------


def load_csv(path, max_abs: float | None = MAX_ABS_INPUT, progress=None):
    """Read a user's 2-D data set: columns ``x1, x2, label``; a header line is optional.

    Returns ``X`` (n, 2) float64 and ``y`` (n,) int64. Every value must be a finite number,
    coordinates within ``±max_abs`` (:data:`MAX_ABS_INPUT`; ``None``: no bound), labels whole
    numbers ``0..C−1`` with every class present and at least two classes, and there must be at
    least ``MIN_ROWS`` rows. Blank lines are skipped. Any problem raises a ValueError that
    names the file and, where a row is at fault, its row number (the line number in the file,
    counting from 1, header included).

    The file is read line by line into compact arrays (about 32 bytes per row), so a large
    file costs little memory; ``progress(bytes_read, file_size)`` is called as it is read.
    """
    path = Path(path)
    size = path.stat().st_size if path.exists() and path.is_file() else 0
    with _open_text(path) as fh:
        return _read_rows(fh, path, max_abs, progress, size)


class TooManyRows(ValueError):
    """More data rows than a reader allows (see :func:`read_csv_text`)."""


def read_csv_text(text: str, name: str = "upload", max_rows: int | None = None):
    """:func:`load_csv` on CSV ``text`` already in memory (e.g. an upload): the same checks
    and messages, ``name`` standing for the file; more than ``max_rows`` data rows raises
    :class:`TooManyRows` (a ValueError). Nothing is written to disk."""
    return _read_rows(io.StringIO(text, newline=None), Path(name), MAX_ABS_INPUT, None, 0, max_rows)


def _read_rows(fh, path: Path, max_abs, progress, size: int, max_rows: int | None = None):
    numbers, xs, labels = _numeric_rows(fh, path, max_abs, progress, size, max_rows)
    n = len(numbers)
    if n < MIN_ROWS:
        raise ValueError(f"{path}: need at least {MIN_ROWS} data rows, found {n}")
    numbers = np.frombuffer(numbers, dtype=np.int64)
    y = np.frombuffer(labels, dtype=np.float64)
    _check_classes(path, numbers, y)
    X = np.frombuffer(xs, dtype=np.float64).reshape(-1, 2).copy()
    return X, y.astype(np.int64)


def _open_text(path: Path):
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if not path.is_file():
        raise ValueError(f"{path}: not a file")
    try:
        return open(path, encoding="utf-8-sig", newline=None)  # universal newlines
    except OSError as err:
        raise ValueError(f"{path}: cannot read: {err.strerror}") from None


_PROGRESS_ROWS = 1 << 16  # rows between progress calls


def _numeric_rows(fh, path: Path, max_abs, progress, size: int, max_rows: int | None):
    """Line numbers, (x1, x2) pairs and labels (as floats) of every non-blank line of the text
    stream ``fh``, skipping a header line, as ``array`` buffers."""
    numbers, xs, labels = array.array("q"), array.array("d"), array.array("d")
    reader = csv.reader(fh)
    seen_first = False
    try:
        for fields in reader:
            fields = [f.strip() for f in fields]
            if not any(fields):
                continue
            first, seen_first = not seen_first, True
            if first and _is_header(fields):
                continue
            if max_rows is not None and len(numbers) >= max_rows:
                raise TooManyRows(f"{path}: more than {max_rows:,} data rows (the limit)")
            number = reader.line_num
            x1, x2, label = _parse_row(path, number, fields, max_abs)
            numbers.append(number)
            xs.append(x1)
            xs.append(x2)
            labels.append(label)
            if progress is not None and len(numbers) % _PROGRESS_ROWS == 0:
                progress(fh.buffer.tell(), size)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text (UTF-8) CSV file") from None
    except csv.Error as err:
        raise ValueError(f"{path}: malformed CSV: {err}") from None
    except OSError as err:
        raise ValueError(f"{path}: cannot read: {err.strerror}") from None
    if progress is not None:
        progress(size, size)
    return numbers, xs, labels


def _is_header(fields: list[str]) -> bool:
    """A header is a first line in which no field is a number."""
    return all(_float_or_none(f) is None for f in fields)


def _float_or_none(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def _parse_row(path: Path, number: int, fields: list[str], max_abs=None):
    where = f"{path}: row {number}"
    if len(fields) != 3:
        raise ValueError(f"{where}: expected 3 columns (x1, x2, label), found {len(fields)}")
    values = []
    for name, text in zip(CSV_COLUMNS, fields):
        value = _float_or_none(text)
        if value is None:
            raise ValueError(f"{where}: {name} is not a number: {text!r}")
        if not math.isfinite(value):
            raise ValueError(f"{where}: {name} is not finite: {text!r}")
        values.append(value)
    label = values[2]
    if label != int(label) or label < 0:
        raise ValueError(f"{where}: label must be a whole number >= 0, found {fields[2]!r}")
    if max_abs is not None:
        for name, text, value in zip(CSV_COLUMNS, fields, values[:2]):
            if abs(value) > max_abs:
                raise ValueError(f"{where}: " + _range_message(name, text, value, max_abs))
    return values[0], values[1], label


def _check_classes(path: Path, numbers: np.ndarray, labels: np.ndarray) -> None:
    """At least two classes, numbered 0..C−1 without gaps (labels are whole floats >= 0)."""
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError(
            f"{path}: need at least two classes, every row has label {int(classes[0])}"
        )
    gaps = np.flatnonzero(classes != np.arange(len(classes)))
    if len(gaps):
        missing = int(gaps[0])
        i = int(np.argmax(labels > missing))  # the first row past the gap
        raise ValueError(
            f"{path}: row {int(numbers[i])}: label {int(labels[i])} but no row has "
            f"label {missing}; labels must be 0..C-1 with every class present"
        )
