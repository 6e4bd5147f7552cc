"""The ``deltagrad`` command line: parses arguments and dispatches to ``deltagrad.commands``.

Each command lives in its own module under ``deltagrad.commands`` with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Usage errors raise
:class:`deltagrad.commands.common.UsageError`; they are printed as one line and exit with 2.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from deltagrad import __version__
from deltagrad.commands.common import UsageError

# Module names in ``deltagrad.commands``, in the order ``--help`` lists them.
COMMAND_MODULES = ["reproduce", "moons", "himmelblau", "gradcheck", "chain_rule"]


def _load_commands():
    return [importlib.import_module(f"deltagrad.commands.{name}") for name in COMMAND_MODULES]


def build_parser() -> argparse.ArgumentParser:
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
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    try:
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
        print(f"deltagrad {args.command}: internal error: {type(err).__name__}: {err} "
              "(set DELTAGRAD_DEBUG=1 to see the traceback, and please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
