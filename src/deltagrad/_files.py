"""Writing files so that a reader never sees half of one.

:func:`atomic_path` yields a temporary name in the target's folder; when the block finishes
without an error the temporary file is renamed over the target (``os.replace``, atomic on one
file system), otherwise it is removed. An interrupted run therefore leaves either the previous
complete file or none — never a truncated file under the real name.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    The temporary name keeps ``path``'s suffix, so writers that choose a format by extension
    (matplotlib's ``savefig``, ``np.savez``) behave the same.
    """
    path = Path(path)
    # A unique name the writer creates itself, so the file gets the usual permissions (umask).
    tmp = path.parent / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part{path.suffix}"
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
