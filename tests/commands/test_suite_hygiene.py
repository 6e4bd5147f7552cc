"""The test suite asserts properties, never speed: a wall-clock limit fails on a busy machine
(speed targets live in benchmarks/, which print ratios measured side by side)."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CLOCKS = {"perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "time", "process_time"}


def _is_clock_call(n: ast.AST) -> bool:
    return (
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in CLOCKS
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "time"
    )


def _reads_a_clock(node: ast.AST) -> bool:
    return any(_is_clock_call(n) for n in ast.walk(node))


def _is_a_time(node: ast.AST) -> bool:
    """A clock reading, or arithmetic on one (``time.monotonic() - start``); not an object
    that merely keeps a reading (``Connection(sock, time.monotonic())``)."""
    if _is_clock_call(node):
        return True
    if isinstance(node, ast.BinOp):
        return _is_a_time(node.left) or _is_a_time(node.right)
    return False


def timed_assertions(source: str) -> list[int]:
    """Line numbers of asserts that compare a clock reading (or a name computed from one)."""
    tree = ast.parse(source)
    timed = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_a_time(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
        and (
            _reads_a_clock(node.test)
            or any(isinstance(n, ast.Name) and n.id in timed for n in ast.walk(node.test))
        )
    ]


def test_the_detector_finds_timed_assertions():
    assert timed_assertions("import time\nt = time.monotonic()\nassert t < 5\n") == [3]
    assert timed_assertions("s = time.perf_counter() - t0\nassert s < 60, s\n") == [2]
    assert timed_assertions("assert time.perf_counter() - start < 2.0\n") == [1]
    assert timed_assertions("deadline = time.monotonic() + 60\nassert ok\n") == []
    assert timed_assertions("c = Conn(s, time.monotonic())\nassert c.open\n") == []


def test_no_test_asserts_a_wall_clock_time():
    found = {
        str(path.relative_to(TESTS)): lines
        for path in sorted(TESTS.rglob("*.py"))
        if (lines := timed_assertions(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"timed assertions (move them to benchmarks/): {found}"
