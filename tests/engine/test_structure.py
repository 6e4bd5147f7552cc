"""The package's shape: module-level imports form no circle, and the Tensor methods declared
for type checkers are exactly the ones attached at import."""

import ast
from pathlib import Path

import deltagrad as dg
from deltagrad import _operators

SRC = Path(dg.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """Modules of the package that ``path`` imports at module level (not inside functions)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name}
    return found


def test_module_level_imports_form_no_circle():
    paths = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph = {name: _top_level_imports(p, name, set(paths)) for name, p in paths.items()}
    # A package's __init__ importing its own submodules is how a package is made: not a circle.
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join(path + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert "deltagrad.tensor" in graph and not graph["deltagrad.tensor"], (
        "tensor.py is the engine's ground floor: it imports nothing from deltagrad"
    )


def _declared_for_type_checkers() -> set[str]:
    tree = ast.parse((SRC / "tensor.py").read_text())
    tensor = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    block = next(
        n for n in tensor.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    )
    return {n.name for n in block.body if isinstance(n, ast.FunctionDef)}


def test_declared_tensor_methods_are_the_attached_ones():
    attached = {
        name
        for name, member in vars(_operators._TensorMethods).items()
        if callable(member) or isinstance(member, property)
    }
    numpy_protocols = {"__array_ufunc__", "__array_function__"}  # called by NumPy only
    assert _declared_for_type_checkers() == attached - numpy_protocols
    for name in attached:  # and they are really on the class
        assert vars(dg.Tensor)[name] is vars(_operators._TensorMethods)[name]
