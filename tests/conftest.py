"""Shared fixtures: one seeded random generator per test, so every run draws the same inputs."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded NumPy generator (no global random state)."""
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _release_output_locks():
    """Commands called directly (not through the command line) leave their --out locked."""
    yield
    from deltagrad.commands.common import release_locks

    release_locks()
