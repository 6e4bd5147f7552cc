"""Every flag's value check, in one place: argparse types and the choices of the network flags.

A type turns the text after a flag into a value or raises ``argparse.ArgumentTypeError``, which
argparse reports as ``deltagrad CMD: error: argument --flag: …`` with exit code 2. Choices come
from the library's own names (``ACTIVATIONS``, ``LOSSES``, ``ENGINES``, ``INITS``
in :mod:`deltagrad.backprop`), so a flag can never offer what the library does not have.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable

from deltagrad.backprop import ACTIVATIONS, ENGINES, INITS, LOSSES

# --activation names on the command line ("none" for a linear layer) -> the library's names.
ACTIVATION_FLAGS = {**{a: a for a in ACTIVATIONS if a is not None}, "none": None}

MAX_SEEDS = 10_000


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _number(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def float_within(bound: float) -> Callable[[str], float]:
    """A number in [-bound, bound]."""

    def check(text: str) -> float:
        value = _number(text)
        if not abs(value) <= bound:  # also refuses NaN
            raise argparse.ArgumentTypeError(
                f"must be a number in [{-bound:g}, {bound:g}], got {text!r}"
            )
        return value

    return check


def int_at_least(low: int) -> Callable[[str], int]:
    """An integer >= ``low``."""

    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {text!r}")
        return value

    return check


positive_int = int_at_least(1)


def port(text: str) -> int:
    """A port number, 0..65535 (0: a free port)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be in 0..65535, got {text!r}")
    return value


def point(text: str) -> tuple[float, float]:
    """'X,Y': two finite numbers."""
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected X,Y (two numbers and one comma), got {text!r}")
    try:
        x, y = float(parts[0]), float(parts[1])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected X,Y with X and Y numbers, got {text!r}"
        ) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise argparse.ArgumentTypeError(f"X and Y must be finite, got {text!r}")
    return x, y


def layer_sizes(text: str) -> tuple[int, ...]:
    """Comma-separated layer sizes >= 1, e.g. ``25,50,25``."""
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise argparse.ArgumentTypeError("expected at least one layer size, e.g. 25,50,25")
    try:
        return tuple(positive_int(p) for p in parts)
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"{text!r}: {err}") from None


def seed_list(text: str) -> list[int]:
    """Seeds as ranges and lists, e.g. ``0-31``, ``0,3,7`` or ``0-3,10``; at most
    ``MAX_SEEDS``, none repeated."""
    seeds: list[int] = []
    seen: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        first, dash, last = part.partition("-")
        try:
            lo = int(first)
            hi = int(last) if dash else lo
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: expected seeds like 0-31, 0,3,7 or 0-3,10, got {part!r}"
            ) from None
        if lo < 0 or hi < lo:
            raise argparse.ArgumentTypeError(f"{text!r}: {part!r} is not a range of seeds >= 0")
        if len(seeds) + hi - lo + 1 > MAX_SEEDS:
            raise argparse.ArgumentTypeError(f"{text!r}: more than {MAX_SEEDS} seeds")
        repeated = seen.intersection(range(lo, hi + 1))
        if repeated:
            raise argparse.ArgumentTypeError(f"{text!r}: seed {min(repeated)} is listed twice")
        seeds.extend(range(lo, hi + 1))
        seen.update(range(lo, hi + 1))
    return seeds


def allow_negative_values(parser: argparse.ArgumentParser) -> None:
    """Let values start with '-' and a digit (``--start -4,0``, ``--t -1e-3``).

    argparse takes such an argument for an option unless it is a plain negative number ('-4',
    '-.5'); the parsers that use this have no option that starts with '-' and a digit.
    """
    parser._negative_number_matcher = re.compile(r"^-\.?\d")


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """``--activation`` and ``--loss`` for commands that build the chapter's network;
    ``ACTIVATION_FLAGS[args.activation]`` is the activation to pass on."""
    parser.add_argument(
        "--activation",
        choices=list(ACTIVATION_FLAGS),
        default="sigmoid",
        help="activation of every layer (default: sigmoid); with "
        "softmax_cross_entropy the output layer is linear",
    )
    parser.add_argument(
        "--loss",
        choices=LOSSES,
        default="mse",
        help="mse against one-hot labels, as the chapter, or softmax_cross_entropy (default: mse)",
    )


def add_engine_argument(parser: argparse.ArgumentParser) -> None:
    """``--engine``: the library's engines."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="auto: compiled (Numba) when available, else numpy; numpy: the "
        "plain NumPy reference (default: auto)",
    )


def add_init_argument(parser: argparse.ArgumentParser) -> None:
    """``--init``: the library's initialisation schemes (``INITS``)."""
    parser.add_argument(
        "--init",
        choices=INITS,
        default="chapter",
        help="initial weights: chapter (N(0,1)·sqrt(1/n_out), bias U(0,1)·0.1, the "
        "chapter 7.9 listing's), xavier (Glorot normal), he, zeros (every neuron of a "
        "layer stays identical: symmetry is never broken) or normal (unit normal, "
        "unscaled) (default: chapter)",
    )
