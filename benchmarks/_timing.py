"""Shared helpers of the benchmark scripts: best-of-repeats wall time per call, the table of
times, and the largest difference between two implementations' parameters."""

from __future__ import annotations

import time

import numpy as np


def best_time(fn, number: int, repeat: int = 5) -> float:
    """Seconds per call of ``fn()``: the best mean over ``repeat`` runs of ``number`` calls."""
    fn()  # warm-up (imports, caches, compilation)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def print_table(rows, baseline: str, target_note: str = "") -> None:
    """Print ``[(name, seconds), ...]`` with each time's ratio to the ``baseline`` row."""
    base = dict(rows)[baseline]
    print(f"{'implementation':<34}{'time':>14}{'ratio to ' + baseline:>28}")
    for name, t in rows:
        unit, scale = ("µs", 1e6) if t < 1e-2 else ("ms", 1e3)
        print(f"{name:<34}{t * scale:>11.2f} {unit}{t / base:>27.3f}")
    if target_note:
        print(target_note)


def max_diff(a, b) -> float:
    """The largest absolute difference between two parameter lists ``[(W, b), ...]``."""
    return max(
        float(np.max(np.abs(np.asarray(u) - np.asarray(v))))
        for p, q in zip(a, b)
        for u, v in zip(p, q)
    )
