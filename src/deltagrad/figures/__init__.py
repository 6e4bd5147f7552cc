"""Matplotlib figures drawn from experiment data and written to files (Agg, no pyplot state)."""

from __future__ import annotations

from pathlib import Path

from deltagrad._files import atomic_path


def save_figure(fig, path, **kwargs) -> Path:
    """``fig.savefig(path, **kwargs)`` through a temporary file: never a half-written image."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, **kwargs)
    return Path(path)
