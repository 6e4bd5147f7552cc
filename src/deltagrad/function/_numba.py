"""The ``"numba"`` backend: runs of element-wise equations fused into compiled loops.

The fast program of the NumPy backend makes one NumPy call per equation; here each run of
consecutive element-wise equations over arrays of one shape (``x @ W + b`` then ReLU, the
ReLU rule's mask and product, ``W -= lr * dW``) becomes one Numba kernel: a loop over the
entries computing the whole run per entry, writing only the results needed after the run.
Matrix products, reductions, indexing and calls stay NumPy's. The numbers are those of the
same operations in another order of evaluation (scalars are cast to the arrays' dtype, as
NumPy does), not bit for bit the NumPy backend's: see the tests for how close.

Kernels are written as Python modules into a private folder (``deltagrad.fast``'s, in the
system's temporary directory) named by a hash of their source and compiled with Numba's
on-disk cache, like :mod:`deltagrad.fast`'s: a later process loads them instead of compiling.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deltagrad.function._ir import Eqn, Var, literal

# Element-wise ops a kernel computes per entry: name -> a template of scalar Python
# (``{0}``, ``{1}`` the operands; ``{z}``/``{one}`` zero and one in the run's dtype).
_SCALAR = {
    "add": "{0} + {1}",
    "subtract": "{0} - {1}",
    "multiply": "{0} * {1}",
    "divide": "{0} / {1}",
    "negative": "-{0}",
    "greater": "{0} > {1}",
    "greater_equal": "{0} >= {1}",
    "maximum": "{0} if ({0} >= {1} or {0} != {0}) else {1}",
    "relu": "{0} if ({0} >= {z} or {0} != {0}) else {z}",
    "exp": "np.exp({0})",
    "log": "np.log({0})",
    "sqrt": "np.sqrt({0})",
    "square": "{0} * {0}",
    "tanh": "np.tanh({0})",
    "cosh": "np.cosh({0})",
    "abs": "abs({0})",
}
_EFFECTS = {"sub_into": "-", "add_into": "+", "mul_into": "*"}


@dataclass(eq=False)
class Run:
    """Consecutive element-wise equations over arrays of ``shape`` (one kernel)."""

    eqns: list[Eqn]
    shape: tuple[int, ...]
    dtype: np.dtype[Any]


def _fusible(eqn: Eqn) -> tuple[tuple[int, ...], np.dtype[Any]] | None:
    """The shape and float dtype a kernel would loop over for ``eqn``, or None."""
    name = eqn.op.name
    if name in _EFFECTS:
        target = eqn.ins[0]
    elif name in _SCALAR or (name == "power" and not isinstance(eqn.ins[1], Var)):
        target = eqn.out
    else:
        return None
    if not isinstance(target, Var) or target.scalar or len(target.shape) not in (1, 2):
        return None
    floats = {
        x.dtype
        for x in (*eqn.ins, target)
        if isinstance(x, Var) and not x.scalar and x.dtype.kind == "f"
    }  # (numbers are cast to the arrays' dtype, as NumPy does)
    if len(floats) != 1:
        return None
    for x in eqn.ins:
        if isinstance(x, Var) and not x.scalar and _index(x.shape, target.shape) is None:
            return None
        if not isinstance(x, (Var, bool, int, float, np.floating, np.integer)):
            return None
    return target.shape, floats.pop()


def _index(shape: tuple[int, ...], loop: tuple[int, ...]) -> str | None:
    """How an array of ``shape`` is read in a loop over ``loop`` (``[i, j]``), or None."""
    if shape == loop:
        return "[i, j]" if len(loop) == 2 else "[i]"
    if len(loop) == 2:
        n, m = loop
        return {(m,): "[j]", (1, m): "[0, j]", (n, 1): "[i, 0]", (1, 1): "[0, 0]"}.get(shape)
    return "[0]" if shape == (1,) else None


def runs(eqns: Sequence[Eqn]) -> list[Eqn | Run]:
    """``eqns`` with each run of two or more fusible equations of one shape grouped.

    An equation reading a view (a transpose, a slice, a reshape: the result of a view op in
    ``eqns``) stays out of runs: a loop reading ``B.T[i, j]`` while it writes ``B[i, j]``, or a
    state array while it updates it, would see entries it changed already (NumPy's ufuncs copy
    such an input first). Views computed once from constants are not in ``eqns``."""
    views = {e.out.n for e in eqns if e.out is not None and e.op.view}
    items: list[Eqn | Run] = []
    current: list[Eqn] = []
    key: Any = None

    def close() -> None:
        if len(current) >= 2:
            items.append(Run(list(current), key[0], key[1]))
        else:
            items.extend(current)
        current.clear()

    for eqn in eqns:
        found = _fusible(eqn)
        if found is not None and any(isinstance(x, Var) and x.n in views for x in eqn.ins):
            found = None
        if found != key:
            close()
            key = found
        if found is None:
            items.append(eqn)
        else:
            current.append(eqn)
    close()
    return items


def kernel_source(run: Run, needed: set[int], literal_of: Any) -> tuple[str, list[Any], list[Var]]:
    """The kernel of ``run``: its source (a function ``kernel``), the operands it takes (Vars
    and numbers, in order) and the results it writes (``needed``: Var numbers read later)."""
    dtype = run.dtype.name
    args: list[Any] = []
    arg_names: dict[int, str] = {}
    temps: dict[int, str] = {}
    writes: list[Var] = []
    body: list[str] = []
    to_float = f"np.{dtype}"

    def operand(x: Any) -> str:
        if isinstance(x, Var):
            if x.n in temps:
                return temps[x.n]
            if x.n not in arg_names:
                arg_names[x.n] = f"a{len(args)}"
                args.append(x)
            name = arg_names[x.n]
            if x.scalar:  # a number: in the arrays' dtype, as NumPy casts a Python number
                return f"{to_float}({name})" if x.dtype.kind in "fiu" else name
            return name + str(_index(x.shape, run.shape))
        if isinstance(x, (bool, np.bool_)):
            return repr(bool(x))
        return f"{to_float}({literal_of(x)})"

    for k, eqn in enumerate(run.eqns):
        name = eqn.op.name
        ops = [operand(x) for x in eqn.ins]
        if name in _EFFECTS:
            target = ops[0]
            body.append(f"{target} = {target} {_EFFECTS[name]} {to_float}({ops[1]})")
            continue
        assert eqn.out is not None
        if name == "power":
            y = eqn.ins[1]
            text = f"{ops[0]} * {ops[0]}" if y == 2 else f"{ops[0]} ** {ops[1]}"
        elif name == "multiply" and any(
            isinstance(x, Var) and x.dtype.kind == "b" for x in eqn.ins
        ):  # a float times a mask: g, or g·0 (its sign and NaN as NumPy's)
            b = 0 if isinstance(eqn.ins[0], Var) and eqn.ins[0].dtype.kind == "b" else 1
            g = ops[1 - b]
            text = f"{g} if {ops[b]} else {g} * {to_float}(0)"
        else:
            text = _SCALAR[name].format(*ops, z=f"{to_float}(0)")
        if eqn.out.dtype.kind == "f":
            text = f"{to_float}({text})"
        temp = f"t{k}"
        body.append(f"{temp} = {text}")
        temps[eqn.out.n] = temp
        if eqn.out.n in needed:
            writes.append(eqn.out)
    outs: list[str] = []
    for var in writes:
        out = f"o{len(outs)}"
        outs.append(out)
        body.append(f"{out}{_index(var.shape, run.shape)} = {temps[var.n]}")
    loops = ["for i in range(n):"]
    if len(run.shape) == 2:
        loops.append("    for j in range(m):")
    size = "n, m = " + ("o0.shape" if outs else _first_full(args, arg_names, run.shape))
    if len(run.shape) == 1:
        size = size.replace("n, m = ", "(n,) = ")
    indent = "    " * (len(loops) + 1)
    params = ", ".join([*(arg_names[x.n] for x in args), *outs])
    lines = [
        f"def kernel({params}):",
        f"    {size}",
        *(f"    {line}" for line in loops),
        *(indent + line for line in body),
    ]
    return "\n".join(lines) + "\n", args, writes


def _first_full(args: list[Any], names: dict[int, str], shape: tuple[int, ...]) -> str:
    for x in args:
        if isinstance(x, Var) and x.shape == shape:
            return f"{names[x.n]}.shape"
    raise ValueError("no array of the loop's shape")


# --- compiling, with Numba's on-disk cache ------------------------------------------------------

_compiled: dict[str, Any] = {}
_HEADER = (
    "# A kernel generated by deltagrad.function (the numba backend); do not edit.\n"
    "import numba\nimport numpy as np\n\n\n"
    "@numba.njit(cache={cache}, nogil=True, error_model='numpy')\n"
)


def compile_kernel(source: str) -> Any:
    """The Numba function of ``source`` (a function ``kernel``), from a module file named by
    the source's hash in a private folder, so that Numba's cache finds it again next time."""
    found = _compiled.get(source)
    if found is not None:
        return found
    folder = _folder()
    text = _HEADER.format(cache=folder is not None) + source
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    if folder is None:  # no private folder: compiled in memory, without a cache
        scope: dict[str, Any] = {}
        exec(compile(text, f"<dg.function kernel {digest}>", "exec"), scope)  # noqa: S102
        kernel = scope["kernel"]
    else:
        path = os.path.join(folder, f"dgfn_{digest}.py")
        if not os.path.exists(path):
            partial = f"{path}.{os.getpid()}.tmp"
            with open(partial, "w") as f:
                f.write(text)
            os.replace(partial, path)  # whole or not at all, even with processes racing
        spec = importlib.util.spec_from_file_location(f"_dgfn_{digest}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # where Numba's cache finds the kernel's globals again
        spec.loader.exec_module(module)
        kernel = module.kernel
    _compiled[source] = kernel
    return kernel


_place: dict[str, Any] = {}


def _folder() -> str | None:
    """``deltagrad.fast``'s private folder's ``function`` subfolder, or None when there is none."""
    if "folder" not in _place:
        from deltagrad import fast

        try:
            folder: str | None = os.path.join(fast._private_folder(), "function")
            assert folder is not None
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError:
            folder = None
        _place["folder"] = folder
    found: str | None = _place["folder"]
    return found


def available() -> str | None:
    """None when Numba imports, else why it does not (one line)."""
    try:
        import numba  # noqa: F401
    except Exception as err:  # ImportError, or a broken install
        return f"{type(err).__name__}: {err}"
    return None


__all__ = ["Run", "runs", "kernel_source", "compile_kernel", "available", "literal"]
