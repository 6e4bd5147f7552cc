"""Fixtures of the browser tests (the modules import ``browser``, which skips them when no
Chromium is installed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, driven by Playwright, for one test module."""
    import browser

    yield from browser.launch()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: $DELTAGRAD_SCREENSHOTS, or a temporary folder."""
    folder = os.environ.get("DELTAGRAD_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")
