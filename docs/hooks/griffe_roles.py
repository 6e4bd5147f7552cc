"""Griffe extension: docstrings written for ``help()`` and editors, rendered well as Markdown.

- Sphinx roles (:func:`x`, :class:`~a.B`, …) become the code they name.
- Public ops (functions decorated with ``@public`` in ``deltagrad.ops``) get the parameter
  descriptions and Returns section that ``@public`` adds at run time for ``help()``, from the
  same function (``deltagrad.ops.public.complete_docstring``).
- Doctest examples (``>>>`` lines, their ``...`` continuations and their output) become fenced
  ``pycon`` blocks; in plain Markdown ``>>>`` would start a nested quotation.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

from deltagrad.ops.public import complete_docstring

ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):`(~?)([^`]+)`")


def _code(match: re.Match) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def fence_doctests(text: str) -> str:
    """Wrap each run of doctest lines (and the output lines after them) in a pycon fence."""
    out: list[str] = []
    block: list[str] = []
    indent = ""
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith(">>>"):
            if not block:
                indent = line[: len(line) - len(line.lstrip())]
            block.append(line)
        elif block and stripped:
            block.append(line)  # a continuation or the printed result
        else:
            if block:
                out += [f"{indent}```pycon", *block, f"{indent}```"]
                block = []
            out.append(line)
    return "\n".join(out[:-1])


class SphinxRoles(griffe.Extension):
    """Rewrite the roles and doctests of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if (
            isinstance(obj, griffe.Function)
            and obj.docstring is not None
            and any(str(d.value) == "public" for d in obj.decorators)
        ):
            names = [
                ("*" if p.kind is griffe.ParameterKind.var_positional else "") + p.name
                for p in obj.parameters
            ]
            obj.docstring.value = complete_docstring(obj.docstring.value, names)
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(ROLE.sub(_code, obj.docstring.value))
