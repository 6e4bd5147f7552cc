"""Data for the chapter's classifier (SPEC 7.9): two moons, the train/test split, one-hot
labels, and a checked CSV loader for a user's own 2-D data.

scikit-learn is imported only inside the functions that need it, so ``import deltagrad.data``
stays cheap.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

__all__ = ["moons", "train_test_split", "chapter_data", "one_hot", "check_labels",
           "load_csv", "CSV_COLUMNS", "MIN_ROWS"]

CSV_COLUMNS = ("x1", "x2", "label")
MIN_ROWS = 4
"""Fewest data rows ``load_csv`` accepts: enough for both halves of a 70/30 split."""


def moons(n_samples: int = 2000, noise: float = 0.2, random_state: int = 100):
    """The chapter's data: ``make_moons(n_samples=2000, noise=0.2, random_state=100)``.

    Returns ``X`` of shape (n_samples, 2), float64, and integer labels ``y`` in {0, 1}.
    """
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return X.astype(np.float64), y.astype(np.int64)


def train_test_split(X, y, test_size: float = 0.3, random_state: int = 42):
    """The chapter's split: scikit-learn's ``train_test_split(test_size=0.3, random_state=42)``.

    Returns ``X_train, X_test, y_train, y_test`` (2,000 moons give 1,400 and 600 points).
    """
    from sklearn.model_selection import train_test_split as split

    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
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

def load_csv(path):
    """Read a user's 2-D data set: columns ``x1, x2, label``; a header line is optional.

    Returns ``X`` (n, 2) float64 and ``y`` (n,) int64. Every value must be a finite number,
    labels whole numbers ``0..C−1`` with every class present and at least two classes, and
    there must be at least ``MIN_ROWS`` rows. Blank lines are skipped. Any problem raises a
    ValueError that names the file and, where a row is at fault, its row number (the line
    number in the file, counting from 1, header included).
    """
    path = Path(path)
    rows = _numeric_rows(path, _read_lines(path))
    if len(rows) < MIN_ROWS:
        raise ValueError(f"{path}: need at least {MIN_ROWS} data rows, found {len(rows)}")
    _check_classes(path, rows)
    X = np.array([r[1] for r in rows], dtype=np.float64).reshape(-1, 2)
    y = np.array([r[2] for r in rows], dtype=np.int64)
    return X, y


def _read_lines(path: Path) -> list[list[str]]:
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if not path.is_file():
        raise ValueError(f"{path}: not a file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text (UTF-8) CSV file") from None
    except OSError as err:
        raise ValueError(f"{path}: cannot read: {err.strerror}") from None
    try:
        return list(csv.reader(text.splitlines()))
    except csv.Error as err:
        raise ValueError(f"{path}: malformed CSV: {err}") from None


def _numeric_rows(path: Path, lines: list[list[str]]) -> list[tuple[int, tuple, int]]:
    """(row number, (x1, x2), label) for every non-blank line, skipping a header line."""
    rows, seen_first = [], False
    for number, fields in enumerate(lines, start=1):
        fields = [f.strip() for f in fields]
        if not any(fields):
            continue
        first, seen_first = not seen_first, True
        if first and _is_header(fields):
            continue
        rows.append(_parse_row(path, number, fields))
    return rows


def _is_header(fields: list[str]) -> bool:
    """A header is a first line in which no field is a number."""
    return all(_float_or_none(f) is None for f in fields)


def _float_or_none(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def _parse_row(path: Path, number: int, fields: list[str]):
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
    return number, (values[0], values[1]), int(label)


def _check_classes(path: Path, rows) -> None:
    """At least two classes, numbered 0..C−1 without gaps."""
    classes = sorted({label for _, _, label in rows})
    if len(classes) < 2:
        raise ValueError(f"{path}: need at least two classes, every row has label {classes[0]}")
    missing = next((k for k, c in enumerate(classes) if c != k), None)
    if missing is not None:
        number, _, label = next(r for r in rows if r[2] > missing)
        raise ValueError(f"{path}: row {number}: label {label} but no row has label {missing}; "
                         "labels must be 0..C-1 with every class present")
