"""Every public name of the documented modules has a docstring: the API reference of the docs
site (docs/reference/, mkdocstrings) is generated from them, so a name without one would be an
empty entry. Docstrings are Google style (Args:, Returns:, Raises:)."""

import importlib
import inspect

import pytest

from deltagrad.ops.public import PUBLIC as OPS

# The modules the API reference documents (docs/reference/*.md).
MODULES = [
    "deltagrad",
    "deltagrad.backprop",
    "deltagrad.gradcheck",
    "deltagrad.checking",
    "deltagrad.exercises",
    "deltagrad.function",
    "deltagrad.functional",
    "deltagrad.data",
    "deltagrad.optim",
    "deltagrad.viz",
    "deltagrad.compat.tf",
    "deltagrad.linalg",
    "deltagrad.tree",
    "deltagrad.descent",
    "deltagrad.extend",
    "deltagrad.compat.autograd",
    "deltagrad.scipy",
    "deltagrad.scipy.special",
    "deltagrad.scipy.stats",
    "deltagrad.scipy.signal",
    "deltagrad.scipy.integrate",
]
# Functions whose docstrings already list their parameters, return value and errors in
# sections (Args:, Returns:, Raises: where they raise); the rest describe them in prose.
SECTIONED = {"deltagrad.functional"}


def _public(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == module_name
        ]
    return [(f"{module_name}.{n}", getattr(module, n)) for n in names]


def _members(cls) -> list[tuple[str, object]]:
    """Public methods and properties a class defines itself."""
    return [
        (n, v)
        for n, v in vars(cls).items()
        if not n.startswith("_") and (inspect.isfunction(v) or isinstance(v, property))
    ]


PUBLIC = [item for m in MODULES for item in _public(m)]


def test_the_modules_have_docstrings():
    for name in MODULES:
        assert inspect.getdoc(importlib.import_module(name)), name


# Constants and submodules are documented where they are defined: only the callables here.
PUBLIC_CALLABLES = [
    (name, obj) for name, obj in PUBLIC if callable(obj) and not inspect.ismodule(obj)
]


@pytest.mark.parametrize("item", PUBLIC_CALLABLES, ids=[name for name, _ in PUBLIC_CALLABLES])
def test_public_name_has_a_docstring(item):
    name, obj = item
    assert (inspect.getdoc(obj) or "").strip(), f"{name} has no docstring"
    if inspect.isclass(obj):
        missing = [n for n, v in _members(obj) if not (inspect.getdoc(v) or "").strip()]
        assert not missing, f"{name}: methods without a docstring: {missing}"


# The public ops (deltagrad.ops.public.PUBLIC) are sectioned too: @public completes them.
SECTIONED_FUNCTIONS = [
    (name, obj)
    for name, obj in PUBLIC
    if inspect.isfunction(obj) and (obj.__module__ in SECTIONED or obj in OPS.values())
]


@pytest.mark.parametrize("item", SECTIONED_FUNCTIONS, ids=[n for n, _ in SECTIONED_FUNCTIONS])
def test_sectioned_docstrings_list_every_parameter(item):
    name, fn = item
    doc = inspect.getdoc(fn)
    params = [p for p in inspect.signature(fn).parameters.values()]
    if params:
        assert "Args:" in doc, f"{name}: no Args section"
        for p in params:
            assert f"\n    {p.name}:" in doc, f"{name}: parameter {p.name} not documented"
    assert "Returns:" in doc, f"{name}: no Returns section"


def test_the_sectioned_list_is_not_empty():
    assert len(SECTIONED_FUNCTIONS) > 100


def test_every_public_op_is_dg_name_and_listed_where_it_is_defined():
    """An op has one home: the module that defines it lists it in its ``__all__``, and
    ``import deltagrad`` gives it as ``dg.<name>`` (or ``dg.<namespace>.<name>``) with nothing
    else to edit."""

    assert len(OPS) > 80
    for name, fn in OPS.items():
        home = importlib.import_module(fn.__module__)
        assert fn.__name__ in home.__all__, f"{name}: add it to {fn.__module__}.__all__"
        *namespace, short = name.split(".")
        where = importlib.import_module(".".join(["deltagrad", *namespace]))
        assert getattr(where, short) is fn and short in where.__all__, name
    for module in {fn.__module__ for fn in OPS.values()}:
        listed = importlib.import_module(module).__all__
        defined = {fn.__name__ for fn in OPS.values() if fn.__module__ == module}
        assert set(listed) <= defined, f"{module}.__all__ lists a name without @public"
