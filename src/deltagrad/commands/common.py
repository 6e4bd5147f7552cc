"""What every command shares: usage errors, ``--out``/``--seed`` flags, safe output paths, JSON."""
from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

import numpy as np


class UsageError(Exception):
    """Bad input from the user: the command line prints the message and exits with code 2."""


def add_common_arguments(parser: argparse.ArgumentParser, default_out: str, seed: bool = True) -> None:
    """Add ``--out DIR`` and ``--seed N`` to a command's parser."""
    parser.add_argument("--out", default=default_out, metavar="DIR",
                        help=f"output folder for figures and results (default: {default_out})")
    if seed:
        parser.add_argument("--seed", type=int, default=0, metavar="N",
                            help="random seed; the same seed gives the same numbers (default: 0)")


# --activation names on the command line ("none" for a linear layer) -> the library's names.
ACTIVATION_FLAGS = {"sigmoid": "sigmoid", "relu": "relu", "leaky_relu": "leaky_relu",
                    "tanh": "tanh", "none": None}
LOSS_FLAGS = ("mse", "softmax_cross_entropy")


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """``--activation`` and ``--loss`` for commands that build the chapter's network;
    ``ACTIVATION_FLAGS[args.activation]`` is the activation to pass on."""
    parser.add_argument("--activation", choices=list(ACTIVATION_FLAGS), default="sigmoid",
                        help="activation of every layer (default: sigmoid); with "
                             "softmax_cross_entropy the output layer is linear")
    parser.add_argument("--loss", choices=LOSS_FLAGS, default="mse",
                        help="mse against one-hot labels, as the chapter, or "
                             "softmax_cross_entropy (default: mse)")


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return value


def check_out(path: str | Path) -> None:
    """Refuse an unusable --out before any work is done, without creating anything."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(path)!r} exists and is not a folder")
    parent = next((p for p in [out, *out.parents] if p.exists()), Path("."))
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {str(path)!r}: cannot write in {str(parent)!r}")


def output_dir(path: str | Path) -> Path:
    """Create (if needed) and return the output folder, or raise UsageError."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(path)!r} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create output folder {str(path)!r}: {err.strerror}") from None
    return out


def output_file(out: Path, name: str) -> Path:
    """``out / name``, refusing any name that would land outside ``out``."""
    target = (out / name).resolve()
    if out.resolve() not in target.parents:
        raise ValueError(f"refusing to write {name!r} outside the output folder {str(out)!r}")
    return target


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # JSON has no NaN/inf; null says "not a number" honestly
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(out: Path, name: str, data) -> Path:
    """Write ``data`` (NumPy values allowed) as indented JSON to ``out / name``."""
    path = output_file(out, name)
    path.write_text(json.dumps(_jsonable(data), indent=2) + "\n")
    return path
