"""What every command shares: usage errors, ``--out``/``--seed`` flags, safe output paths, JSON,
the memory available."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from deltagrad._files import write_text


class UsageError(Exception):
    """Bad input from the user: the command line prints the message and exits with code 2."""


def add_common_arguments(
    parser: argparse.ArgumentParser, default_out: str, seed: bool = True
) -> None:
    """Add ``--out DIR`` and ``--seed N`` to a command's parser."""
    parser.add_argument(
        "--out",
        default=default_out,
        metavar="DIR",
        help=f"output folder for figures and results (default: {default_out}). "
        "Files are written whole (temporary name, then renamed); the run's "
        "record (metrics.json or results.json) is removed when a run starts "
        "and written last, so its presence means the run finished; a folder "
        "another run is writing to is refused",
    )
    if seed:
        parser.add_argument(
            "--seed",
            type=int,
            default=0,
            metavar="N",
            help="random seed; the same seed gives the same numbers (default: 0)",
        )


def check_seed(seed: int) -> int:
    """``seed`` (a --seed value), or UsageError when it is negative."""
    if seed < 0:
        raise UsageError(f"--seed must be >= 0, got {seed}")
    return seed


def progress_bar(**kwargs):
    """A tqdm bar on stderr, drawn only when stderr is a terminal (``disable=None``): redrawn
    bars would fill a log file with carriage returns. Print other lines with ``tqdm.write``."""
    from tqdm import tqdm

    return tqdm(file=sys.stderr, dynamic_ncols=True, disable=None, **kwargs)


def check_out(path: str | Path) -> None:
    """Refuse an unusable --out before any work is done, without creating anything."""
    if not str(path).strip():
        raise UsageError("--out is empty; give a folder name (e.g. --out out)")
    out = Path(path)
    try:
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {str(path)!r} exists and is not a folder")
        parent = next((p for p in [out, *out.parents] if p.exists()), Path("."))
    except OSError as err:  # e.g. a parent folder this user may not enter
        raise UsageError(f"--out {str(path)!r}: cannot write there: {err.strerror}") from None
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {str(path)!r}: cannot write in {str(parent)!r}")


def output_dir(path: str | Path, records: tuple[str, ...] = ()) -> Path:
    """Create (if needed), lock and return the output folder, or raise UsageError.

    ``records`` are the files that say a run finished (its metrics.json or results.json, a
    report): they are removed now and written last by the command, so an interrupted run
    never leaves a complete-looking record beside partly new files. The lock (a file
    ``.deltagrad.lock`` holding this process's id) is released by :func:`release_locks`, which
    the command line calls on every exit path; folders created here that are still empty then
    (the run stopped before writing anything) are removed again.
    """
    check_out(path)
    out = Path(path)
    created = [p for p in [out, *out.parents] if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create output folder {str(path)!r}: {err.strerror}") from None
    _lock(out, created)
    for name in records:
        with contextlib.suppress(FileNotFoundError):
            output_file(out, name).unlink()
    return out


LOCK_NAME = ".deltagrad.lock"
_held_locks: dict[Path, tuple[Path, list[Path]]] = {}  # folder -> (lock file, folders created)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return False
    return True


def _lock(out: Path, created: list[Path]) -> None:
    key = out.resolve()
    if key in _held_locks:
        return
    lock = key / LOCK_NAME
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pid = None  # being written, or garbage: treat as stale once it is old
            if pid is not None and pid != os.getpid() and _pid_alive(pid):
                raise UsageError(
                    f"--out {str(out)!r}: another deltagrad run (process {pid}) is "
                    f"writing to this folder; wait for it to finish or choose "
                    f"another --out (if no run is active, delete {lock})"
                ) from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()  # left by a run that was killed
            continue
        except OSError as err:
            raise UsageError(f"--out {str(out)!r}: cannot write there: {err.strerror}") from None
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{os.getpid()}\n")
        _held_locks[key] = (lock, created)
        return
    raise UsageError(f"--out {str(out)!r}: could not take the folder's lock {lock}")


def release_locks() -> None:
    """Release every output folder this process locked (safe to call more than once)."""
    for lock, created in _held_locks.values():
        with contextlib.suppress(OSError):
            lock.unlink()
        for folder in created:  # innermost first; only empty ones go
            with contextlib.suppress(OSError):
                folder.rmdir()
    _held_locks.clear()


def output_file(out: Path, name: str) -> Path:
    """``out / name``, refusing any name that would land outside ``out``."""
    target = (out / name).resolve()
    if out.resolve() not in target.parents:
        raise ValueError(f"refusing to write {name!r} outside the output folder {str(out)!r}")
    return target


def jsonable(obj):
    """``obj`` as the plain data its JSON file holds (lists, Python numbers, None for NaN):
    what a report built from a result in memory shows is what the file says."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # JSON has no NaN/inf; null says "not a number" honestly
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(out: Path, name: str, data) -> Path:
    """Write ``data`` (NumPy values allowed) as indented JSON to ``out / name``."""
    path = output_file(out, name)
    return write_text(path, json.dumps(jsonable(data), indent=2) + "\n")


def available_memory() -> int | None:
    """Bytes of memory that can still be used: MemAvailable from /proc/meminfo (else the
    free physical pages from os.sysconf), capped by a cgroup (container) limit; None if
    unknown."""
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            pass
    room = _cgroup_room()
    if room is not None:
        avail = room if avail is None else min(avail, room)
    return avail


def _cgroup_room() -> int | None:
    """A container's memory limit minus its usage (cgroup v2, else v1), or None."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            with open(limit_file) as fh:
                limit = fh.read().strip()
            with open(usage_file) as fh:
                usage = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 1 << 60:  # "max" or a huge number: no limit
            return max(0, int(limit) - usage)
    return None


def size_text(n: float) -> str:
    """Bytes for people: 512 B, 3.2 MiB, 74.5 GiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def resolve_engine_flag(engine: str, command: str, sizes=None, batch_size: int = 1) -> str:
    """``--engine`` resolved once per run ("auto" -> "compiled" or "numpy", for a network of
    ``sizes`` trained ``batch_size`` samples at a time when given); a UsageError when the
    compiled engine is asked for and cannot run, and a note on stderr when its kernels are
    cached somewhere other than Numba's own folder."""
    from deltagrad import fast
    from deltagrad.backprop import resolve_engine

    try:
        chosen = resolve_engine(engine, sizes, batch_size)
    except RuntimeError as err:
        raise UsageError(f"--engine {engine}: {err}") from None
    note = fast.status()["note"] if chosen == "compiled" else None
    if note:  # e.g. Numba cannot write its cache: where the kernels are cached instead
        print(f"deltagrad {command}: note: {note}", file=sys.stderr)
    return chosen
