"""Fixtures of the command tests: the command line run inside ``tmp_path``, and the exit code of
a run whether the command returned it or argparse exited with it.

(Fixtures, not importable helpers: with ``pythonpath = ["tests"]``, ``import conftest`` names
tests/conftest.py.)"""

from __future__ import annotations

import pytest


@pytest.fixture
def main(monkeypatch, tmp_path):
    """``deltagrad.cli.main``, run inside ``tmp_path``."""
    from deltagrad import cli

    assert "moons" in cli.COMMAND_MODULES
    monkeypatch.chdir(tmp_path)
    return cli.main


def _exit_code(main, argv):
    """``main(argv)``'s returned code, or the code argparse exits with (it rejects a flag value
    by raising SystemExit itself)."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture
def exit_code():
    """``exit_code(main, argv)``: the code ``main(argv)`` returns, or argparse's SystemExit code."""
    return _exit_code
