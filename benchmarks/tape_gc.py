"""Long tapes with Python's cyclic garbage collector paused (deltagrad's default) and running.

    python benchmarks/tape_gc.py

A tape records a few tuples and Tensors per op; with the collector running, every 700 new
objects start a collection that walks the young objects, and the growing tape triggers full
collections now and then. deltagrad switches the collector off while a tape records and while
a long backward pass runs (and restores it afterwards). This records 10^5 and 10^6 ops (sin,
×, + on a 5-element vector, then a sum), computes the gradient, and compares the two settings
in one run, round-robin, best of 3.
"""

from __future__ import annotations

import gc
import time

import numpy as np

import deltagrad as dg
from deltagrad import tape as tape_module


def run(n_ops: int, collector_running: bool = False) -> float:
    x = dg.Variable(np.linspace(0.1, 0.5, 5))
    start = time.perf_counter()
    with dg.GradientTape() as tape:
        if collector_running:
            gc.enable()  # undo the tape's pause (its exit leaves the collector on, as it was)
        y = x
        for _ in range(n_ops // 3):
            y = dg.sin(y) * 0.5 + x
        loss = dg.sum(y)
    tape.gradient(loss, x)
    return time.perf_counter() - start


def with_collector_running(n_ops: int) -> float:
    """``run`` with the collector on throughout, as before deltagrad paused it."""
    pause = tape_module._pause_gc  # the backward pass's pause
    tape_module._pause_gc = lambda: None
    try:
        return run(n_ops, collector_running=True)
    finally:
        tape_module._pause_gc = pause


def main():
    assert gc.isenabled()
    print("Record n ops and take the gradient; best of 3, round-robin")
    print(f"{'ops':>10}{'collector paused':>20}{'collector running':>20}{'running / paused':>20}")
    for n in (100_000, 1_000_000):
        paused, running = float("inf"), float("inf")
        for _ in range(3):
            paused = min(paused, run(n))
            running = min(running, with_collector_running(n))
        print(f"{n:>10,}{paused:>18.2f} s{running:>18.2f} s{running / paused:>19.2f}x")
    assert gc.isenabled()  # restored after every tape


if __name__ == "__main__":
    main()
