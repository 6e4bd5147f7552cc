"""What makes a function of an op module ``dg.<name>``: the :func:`public` decorator.

An op has one home: its module in :mod:`deltagrad.ops` holds the forward, the derivative rule
and the public function with its documentation, and lists the function in that module's
``__all__`` (``import deltagrad`` takes every op module's ``__all__``). A public function's
docstring says what is particular to it; :func:`public` completes it with the parameters every
op shares (described once, in :data:`PARAMETERS`) and the Returns section, so ``help(dg.exp)``
and the API reference (a griffe extension in the docs applies the same completion) read alike.

``np.<name>(tensor, …)`` runs the public function of the same name (see :data:`NUMPY_NAMES`
for the other spellings), so a public function takes NumPy's argument names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, overload

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from deltagrad.tensor import Tensor

F = TypeVar("F", bound=Callable[..., Any])

TensorLike: TypeAlias = "Tensor | ArrayLike"
"""What an op takes as an operand: a Tensor, a NumPy array or a number (arrays and numbers are
constants)."""

INPUT = "The input: a Tensor, a NumPy array or a number (arrays and numbers are constants)."

PARAMETERS: dict[str, str] = {
    "x": INPUT,
    "a": INPUT,
    "m": "The input matrix (or stack of matrices): a Tensor, array or number.",
    "y": "The second operand, like ``x``; broadcast against it as in NumPy.",
    "b": "The second operand, like ``a``.",
    "x1": INPUT,
    "x2": "The second operand, like ``x1``; broadcast against it as in NumPy.",
    "axis": "The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.",
    "keepdims": "Keep the reduced axes with length 1, as NumPy's ``keepdims``.",
    "dtype": "The NumPy dtype of the result.",
    "tensors": "The tensors, arrays or numbers to join (a list or tuple).",
    "arrays": "The tensors, arrays or numbers to join (a list or tuple).",
    "tup": "The tensors, arrays or numbers to join (a list or tuple).",
}
"""One description per parameter name shared by many ops."""

RETURNS = "Tensor: The result, recorded on every active tape."

NUMPY_NAMES: dict[str, str] = {
    "amax": "max",
    "amin": "min",
    "around": "round",
    "concat": "concatenate",
    "linalg.norm": "norm",
    "linalg.matmul": "matmul",
    "linalg.outer": "outer",
    "linalg.cross": "cross",
    "linalg.tensordot": "tensordot",
    "linalg.trace": "trace",
    "linalg.diagonal": "diagonal",
}
"""NumPy's other spellings of public ops: ``np.amax(t)`` runs ``dg.max``."""

PUBLIC: dict[str, Callable[..., Any]] = {}
"""Every public op by its name under ``dg`` (``"exp"``, ``"linalg.solve"``), in the order the op
modules define them."""

_SECTIONS = ("Args:", "Returns:", "Raises:", "Example:", "Examples:", "Note:", "Notes:")


def complete_docstring(doc: str | None, parameters: list[str], returns: str = RETURNS) -> str:
    """``doc`` with an ``Args:`` entry for each parameter it does not describe (from
    :data:`PARAMETERS`), the entries in signature order, and a ``Returns:`` section when it has
    none.

    ``doc`` is a Google-style docstring (indented or not); the result is dedented. Parameters
    that are neither described nor in :data:`PARAMETERS` are left out. The docs' griffe
    extension calls this too, so the rendered reference matches ``help()``.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    order = {p.lstrip("*"): i for i, p in enumerate(parameters)}
    start = next((i for i, line in enumerate(lines) if line == "Args:"), None)
    if start is None:  # no Args section yet: an empty one before the first other section
        start = next((i for i, line in enumerate(lines) if line in _SECTIONS), len(lines))
        lines[start:start] = (
            ["Args:", ""] if start == 0 or not lines[start - 1] else ["", "Args:", ""]
        )
        start = lines.index("Args:", start)
    end = start + 1
    while end < len(lines) and (lines[end].startswith(" ") or not lines[end].strip()):
        end += 1
    entries: list[list[str]] = []  # each documented parameter: its first line and continuations
    for line in lines[start + 1 : end]:
        if line.startswith("    ") and not line.startswith("     "):
            entries.append([line])
        elif line.strip() and entries:
            entries[-1].append(line)
    described = {e[0].strip().split(":")[0].lstrip("*").split(" ")[0] for e in entries}
    entries += [
        [f"    {p.lstrip('*')}: {PARAMETERS[p.lstrip('*')]}"]
        for p in parameters
        if p.lstrip("*") not in described and p.lstrip("*") in PARAMETERS
    ]
    entries.sort(key=lambda e: order.get(e[0].strip().split(":")[0].lstrip("*"), len(order)))
    block = ["Args:", *(line for e in entries for line in e)] if entries else []
    lines[start:end] = [*block, ""] if end < len(lines) else block
    if "Returns:" not in lines:
        at = lines.index("Raises:") if "Raises:" in lines else len(lines)
        lines[at:at] = ["", "Returns:", f"    {returns}", ""]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n") + "\n"


@overload
def public(fn: F, /) -> F: ...
@overload
def public(*, namespace: str) -> Callable[[F], F]: ...


def public(fn: F | None = None, /, *, namespace: str | None = None) -> F | Callable[[F], F]:
    """Make ``fn`` a public op: complete its docstring (see :func:`complete_docstring`) and
    register it in :data:`PUBLIC`. List it in its module's ``__all__`` too.

    ``@public`` makes ``dg.<name>``; ``@public(namespace="linalg")`` makes ``dg.linalg.<name>``
    (registered as ``"linalg.<name>"``, so ``np.linalg.<name>(tensor)`` runs it).
    """

    def register(fn: F) -> F:
        names = [
            ("*" if p.kind is p.VAR_POSITIONAL else "") + p.name
            for p in inspect.signature(fn).parameters.values()
        ]
        fn.__doc__ = complete_docstring(fn.__doc__, names)
        PUBLIC[f"{namespace}.{fn.__name__}" if namespace else fn.__name__] = fn
        return fn

    return register(fn) if fn is not None else register


def numpy_functions() -> dict[Callable[..., Any], Callable[..., Any]]:
    """``{numpy function: deltagrad function}``: what ``np.f(tensor, …)`` runs (see
    :mod:`deltagrad._numpy_dispatch`): each public op with a NumPy function of its name (ufuncs
    are dispatched separately, by :data:`deltagrad.ops.UFUNCS`), and :data:`NUMPY_NAMES`.

    Returns:
        dict: NumPy's function → the public op.
    """
    table: dict[Callable[..., Any], Callable[..., Any]] = {}
    spellings = {name: name for name in PUBLIC} | NUMPY_NAMES
    for np_name, name in spellings.items():
        np_fn: Any = np
        for part in np_name.split("."):
            np_fn = getattr(np_fn, part, None)
        if callable(np_fn) and not isinstance(np_fn, np.ufunc) and name in PUBLIC:
            table[np_fn] = PUBLIC[name]
    return table
