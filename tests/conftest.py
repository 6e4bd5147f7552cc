"""Shared fixtures: one seeded random generator per test, so every run draws the same inputs."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded NumPy generator (no global random state)."""
    return np.random.default_rng(0)
