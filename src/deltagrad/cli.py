"""The ``deltagrad`` command line: parses arguments and dispatches to ``deltagrad.commands``.

Each command lives in its own module under ``deltagrad.commands`` with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Usage errors raise
:class:`deltagrad.commands.common.UsageError`; they are printed as one line and exit with 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from deltagrad import __version__
from deltagrad.commands.common import UsageError, check_out, release_locks

# Module names in ``deltagrad.commands``, in the order ``--help`` lists them.
COMMAND_MODULES = [
    "reproduce",
    "moons",
    "init_compare",
    "landscape",
    "himmelblau",
    "gradcheck",
    "explain",
    "chain_rule",
    "playground",
]


def _load_commands():
    return [importlib.import_module(f"deltagrad.commands.{name}") for name in COMMAND_MODULES]


def build_parser() -> argparse.ArgumentParser:
    """The ``deltagrad`` parser with one sub-command per module of ``COMMAND_MODULES`` (the docs'
    command-line reference is generated from it)."""
    parser = argparse.ArgumentParser(
        prog="deltagrad",
        description="Backpropagation, from the chapter to tested software: reproduce the "
        "chapter's figures and numbers, train its network, check its derivations.",
    )
    parser.add_argument("--version", action="version", version=f"deltagrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _load_commands():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.__doc__)
        module.add_arguments(p)
        p.set_defaults(_run=module.run, _parser=p)
    return parser


def parse(parser: argparse.ArgumentParser, argv):
    """Parse ``argv``; an unknown flag is reported by the sub-command's own parser, so the
    message names the sub-command and shows its usage (exit 2)."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        (getattr(args, "_parser", None) or parser).error(
            f"unrecognized arguments: {' '.join(extra)}"
        )
    return args


class _PipeSafe:
    """A text stream whose reader may go away (``| head``): once writing fails with a broken
    pipe, output is discarded and the run goes on, so every file still gets written."""

    def __init__(self, stream):
        self._stream = stream
        self._broken = False

    def _silence(self):
        self._broken = True
        try:  # later writes (and Python's final flush) go to /dev/null, not to the closed pipe
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def write(self, text):
        if not self._broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self):
        if not self._broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._silence()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds like an interrupt: temporary files and locks go


def main(argv: list[str] | None = None) -> int:
    """Run ``deltagrad`` with ``argv`` (default: the process's arguments); returns the exit
    code: 0 done, 1 an internal error, 2 a usage error, 130 interrupted."""
    parser = build_parser()
    args = parse(parser, argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PipeSafe(sys.stdout), _PipeSafe(sys.stderr)
    previous_term = None
    if threading.current_thread() is threading.main_thread():
        previous_term = signal.signal(signal.SIGTERM, _terminate)
    try:
        if getattr(args, "out", None) is not None:
            check_out(args.out)  # before any work: a run never ends on an unwritable folder
        return int(args._run(args) or 0)
    except UsageError as err:
        print(f"deltagrad {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"deltagrad {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug, not a usage error: one line, the traceback on request
        if os.environ.get("DELTAGRAD_DEBUG"):
            raise
        print(
            f"deltagrad {args.command}: internal error: {type(err).__name__}: {err} "
            "(set DELTAGRAD_DEBUG=1 to see the traceback, and please report it)",
            file=sys.stderr,
        )
        return 1
    finally:
        release_locks()
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = saved


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
