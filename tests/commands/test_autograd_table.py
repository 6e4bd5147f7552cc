"""docs/howto/coming-from-autograd.md tells the truth: its tables name every public name of the
installed HIPS autograd, every deltagrad name they give exists, a name is in
``deltagrad.compat.autograd`` exactly when its row does not say otherwise, and the example
program prints what the page says under autograd and under the compat layer alike.

The tables' format (one table per ``### `module` `` heading; a heading naming several modules
has their common prefix as its base):

- first cell: backticked autograd names relative to the base (``grad(fun, argnum=0)``,
  ``stats.norm.logpdf``, ``random.*`` for every name the module shares with the row's target);
- second cell: deltagrad's names (``dg.…``, ``deltagrad.…``, ``numpy.…``), "the same names in
  `module`", "Python's own" or "—";
- a row whose notes say **Not in the compat layer** names things the compat layer lacks.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import types
import warnings
from pathlib import Path

import pytest

autograd = pytest.importorskip("autograd")

PAGE = Path(__file__).resolve().parents[2] / "docs" / "howto" / "coming-from-autograd.md"
COMPAT = "deltagrad.compat.autograd"
ABSENT = "not in the compat layer"

# The autograd modules whose every public name the page lists (autograd.numpy: see NUMPY).
MODULES = (
    "autograd",
    "autograd.extend",
    "autograd.builtins",
    "autograd.test_util",
    "autograd.util",
    "autograd.misc",
    "autograd.misc.flatten",
    "autograd.misc.optimizers",
    "autograd.misc.fixed_points",
    "autograd.misc.tracers",
    "autograd.numpy.linalg",
    "autograd.numpy.random",
    "autograd.numpy.fft",
    "autograd.scipy.special",
    "autograd.scipy.signal",
    "autograd.scipy.integrate",
    *(
        f"autograd.scipy.stats.{d}"
        for d in ("norm", "multivariate_normal", "t", "gamma", "chi2", "beta", "poisson")
    ),
    "autograd.scipy.stats.dirichlet",
)
# autograd's own machinery, lowest first: a module's names imported from a module before it
# here (or, for a module not here, from any of them) are listed where they come from.
MACHINERY = (
    "autograd.util",
    "autograd.wrap_util",
    "autograd.tracer",
    "autograd.core",
    "autograd.extend",
    "autograd.differential_operators",
    "autograd.builtins",
    "autograd.numpy.numpy_wrapper",
    "autograd.numpy.numpy_vjps",
    "autograd.numpy.numpy_jvps",
    "autograd.numpy.linalg",
    "autograd.scipy.special",
    "autograd.misc.flatten",
)
# Modules whose imports are their API: they re-export autograd's machinery on purpose.
GATHERING = {"autograd", "autograd.extend", "autograd.misc"}
STDLIB = {"functools", "itertools", "operator", "warnings", "builtins", "collections"}


def _import(name: str) -> types.ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # autograd's own deprecation warnings on import
        return importlib.import_module(name)


def _ids(module: str) -> set[int]:
    return {id(v) for k, v in vars(_import(module)).items() if not k.startswith("_")}


def public_names(module: str) -> set[str]:
    """The names a user of ``module`` can mean: not private, not a submodule, not NumPy's test
    runner, not a standard-library or third-party import, not imported from autograd's
    machinery (MACHINERY) — but autograd's wrappers of NumPy and SciPy functions are kept."""
    mod = _import(module)
    earlier = MACHINERY[: MACHINERY.index(module)] if module in MACHINERY else MACHINERY
    imported = set() if module in GATHERING else set().union(*(_ids(m) for m in earlier))
    names = set()
    for name in dir(mod):
        value = getattr(mod, name)
        home = getattr(value, "__module__", None) or ""
        if name.startswith("_") or name == "test" or isinstance(value, types.ModuleType):
            continue
        if home in STDLIB or id(value) in imported:
            continue
        foreign = callable(value) and not isinstance(value, type) and not hasattr(value, "fun")
        if foreign and not home.startswith("autograd"):
            continue  # e.g. numpy's as_strided imported as it is
        names.add(name)
    return names


def numpy_names() -> set[str]:
    """autograd.numpy's own names: those defined by its wrapper (not wrapped from NumPy), and
    the constructors that autograd users build arrays of boxes with."""
    import numpy as np

    wrapper = _import("autograd.numpy.numpy_wrapper")
    own = {
        name
        for name, value in vars(wrapper).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and (
            getattr(value, "__module__", None) == wrapper.__name__
            or (not callable(value) and not hasattr(np, name))
        )
    }
    return own | {"asarray", "full", "full_like", "where"}


# --- the page's tables ----------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split(" | ")]


def _common_prefix(names: list[str]) -> str:
    parts = [n.split(".") for n in names]
    prefix = []
    for column in zip(*parts):
        if len(set(column)) != 1:
            break
        prefix.append(column[0])
    return ".".join(prefix)


def rows() -> list[dict]:
    """Every table row: its autograd names (full), its deltagrad cell, its notes."""
    out = []
    base = None
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            mods = re.findall(r"`(autograd[\w.]*)`", line) if line.startswith("### ") else []
            base = _common_prefix(mods) if mods else None
            continue
        if base is None or not line.startswith("| ") or line.startswith(("| ---", "| autograd")):
            continue
        first, deltagrad, notes = _cells(line)
        entries = [re.match(r"[\w.*]+", span).group() for span in re.findall(r"`([^`]+)`", first)]
        assert entries, f"a row with no autograd name: {line}"
        out.append(
            {
                "line": line,
                "names": [f"{base}.{e}" for e in entries],
                "deltagrad": deltagrad,
                "notes": notes,
                "absent": ABSENT in notes.lower(),
            }
        )
    return out


def _resolve(dotted: str):
    """The object a dotted name means (``dg.`` is deltagrad), or raise."""
    dotted = re.sub(r"^dg\.", "deltagrad.", dotted)
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = _import(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _resolves(dotted: str) -> bool:
    try:
        _resolve(dotted)
    except (ImportError, AttributeError):
        return False
    return True


def _same_names_module(row: dict) -> str | None:
    m = re.search(r"the same names in `([\w.]+)`", row["deltagrad"])
    return m.group(1) if m else None


def _deltagrad_names(row: dict) -> list[str]:
    """deltagrad names the row gives: backticked dg./deltagrad./numpy. names, in any cell."""
    spans = re.findall(r"`([^`]+)`", row["deltagrad"] + " " + row["notes"])
    found = (re.match(r"(dg|deltagrad|numpy)\.[\w.]+", span) for span in spans)
    return [m.group() for m in found if m]


@pytest.fixture(scope="module")
def table() -> list[dict]:
    return rows()


def _covered(table: list[dict]) -> set[str]:
    """Every full autograd name the tables list; a ``module.*`` row covers each name of the
    module that its target module has."""
    names = set()
    for row in table:
        for name in row["names"]:
            if name.endswith(".*"):
                module = name[:-2]
                target = _resolve(_same_names_module(row))
                names |= {f"{module}.{n}" for n in public_names(module) if hasattr(target, n)}
            else:
                names.add(name)
    return names


def test_the_tables_list_every_public_name_of_autograd(table):
    covered = _covered(table)
    expected = {f"{m}.{n}" for m in MODULES for n in public_names(m)}
    expected |= {f"autograd.numpy.{n}" for n in numpy_names()}
    missing = sorted(expected - covered)
    assert not missing, f"autograd names missing from {PAGE.name}'s tables: {missing}"


def test_every_deltagrad_name_in_the_tables_exists(table):
    unresolved = []
    for row in table:
        given = _deltagrad_names(row)
        same = _same_names_module(row)
        cell = row["deltagrad"]
        assert given or same or cell in ("—", "Python's own"), f"no deltagrad name: {row['line']}"
        unresolved += [name for name in given if not _resolves(name)]
        if same:
            target = _resolve(same)
            for name in row["names"]:
                if not name.endswith(".*") and not hasattr(target, name.rsplit(".", 1)[1]):
                    unresolved.append(f"{same}.{name.rsplit('.', 1)[1]}")
    assert not unresolved, f"deltagrad names in {PAGE.name} that do not exist: {unresolved}"


def test_the_compat_layer_has_exactly_the_names_the_tables_say(table):
    wrong = []
    for row in table:
        for name in row["names"]:
            if name.endswith(".*"):
                module = name[:-2]
                target = _resolve(_same_names_module(row))
                compat = _resolve(COMPAT + module.removeprefix("autograd"))
                wrong += [
                    f"{module}.{n} (missing)"
                    for n in public_names(module)
                    if hasattr(target, n) and not hasattr(compat, n)
                ]
                continue
            there = _resolves(COMPAT + name.removeprefix("autograd"))
            if there == row["absent"]:
                wrong.append(f"{name} ({'present' if there else 'missing'})")
    assert not wrong, (
        f"{PAGE.name} says otherwise about these names in {COMPAT} (update the row's "
        f"'Not in the compat layer'): {wrong}"
    )


def _blocks() -> tuple[str, str, str]:
    text = PAGE.read_text(encoding="utf-8")
    (before,) = re.findall(r"^```py\n(.*?)^```", text, re.S | re.M)
    after = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)[0]
    printed = re.findall(r"^```text\n(.*?)^```", text, re.S | re.M)[0]
    return before, after, printed


def _run(source: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # autograd's deprecation warnings
        exec(compile(source, str(PAGE), "exec"), {})
    return out.getvalue()


def test_the_example_differs_only_in_its_imports_and_prints_the_same_under_both():
    before, after, printed = _blocks()
    assert before.replace("autograd", COMPAT) == after
    assert _run(after) == printed
    assert _run(before) == printed
