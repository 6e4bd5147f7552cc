"""HIPS autograd's own example programs on deltagrad, with only their import lines changed.

    python benchmarks/autograd_examples.py --fix --quick --mnist synthetic   # 7-10 minutes
    python benchmarks/autograd_examples.py --fix --mnist synthetic           # full length: hours
    python benchmarks/autograd_examples.py --fix --quick --only rnn fixed_points
    python benchmarks/autograd_examples.py --examples /path/to/autograd/examples --json out.json

Where the programs come from: autograd's source distribution on PyPI ships its ``examples/``
folder, so by default the script downloads the sdist of the installed autograd's version
(``pip download autograd==V --no-deps --no-binary :all:``) into ``out/autograd-examples/``
(git ignores ``out/``) and unpacks the folder there once; ``--examples DIR`` uses a folder of
them instead. Nothing of autograd's is copied into the repository.

Each program (every ``.py`` in the folder except ``__init__.py`` and helper modules: those
another example imports that have no ``__main__`` block, such as ``data.py`` and
``data_mnist.py``) runs twice, one pair at a time, each in a subprocess of its own with a
timeout, in a fresh copy of the whole folder (cwd = the program's folder): once as it is, on
autograd, and once with its import lines and its helpers' rewritten from ``autograd`` to
``deltagrad.compat.autograd`` (``from autograd.x import y`` and ``import autograd.x as y``: one
word; a bare ``import autograd.x.y``, whose later lines use the name ``autograd``, also binds
that name: ``import deltagrad.compat.autograd.x.y; from deltagrad.compat import autograd``).

Both runs get MPLBACKEND=Agg, PYTHONHASHSEED=0 and a ``sitecustomize`` that seeds NumPy's global
generator with 0 (several programs draw from it unseeded), makes ``plt.show``, ``plt.pause``
and ``plt.draw`` no-ops, ``input()`` return "", and ``os.system`` a no-op (the fluid
simulations call ImageMagick and ``rm step*.png``; their frames are kept and compared), and
saves every figure still open when the program exits (``harness_figure<N>.png``), so the
plotting examples' last pictures are compared too.

The edits, each printed for every example it touched and applied identically to both sides:

- always: ``npr.RandomState()`` (unseeded, convnet.py) becomes ``npr.RandomState(0)``; and
  hmm_em.py, lstm.py and rnn.py, which train on the text of lstm.py / rnn.py (whose import lines
  differ on the deltagrad side), read an unedited copy of that file (``NAME.py.txt``) instead;
- ``--fix``: upstream lines broken under current NumPy/Matplotlib/Python, each changed
  minimally as autograd later changed them itself (``--list-edits`` lists them): autograd
  1.9.1's examples need none; those of 1.8.0 and earlier (``--autograd-version 1.8.0``) do;
- ``--quick``: long loops shortened, the limits set by the ``--quick-*`` flags:
  ``num_iters=N`` / ``num_iters = N`` capped at 30 (ode_net.py: 10), ``num_epochs = N`` at 2,
  ``"maxiter": N`` at 5 (wing.py: 2), ``simulation_timesteps = N`` at 10, ``max_lines=N`` at
  20; SciPy ``minimize`` calls with ``method="CG"``/``"Newton-CG"`` and no options get
  ``options={"maxiter": 5}`` (not bayesian_optimization.py's GP fit: stopped that early, its
  covariance turns singular on autograd too); the MNIST programs train on the first 2,000
  rows and test on 400. The whole suite then takes 7-10 minutes on 2 shared cores;
- ``--mnist synthetic``: no source edit; the four MNIST files that ``data_mnist.py`` would
  download are placed in the run folder's ``data/``, a deterministic stand-in (seeded class
  prototypes plus noise, 60,000 + 10,000 images of 28 x 28 and their labels, in MNIST's IDX
  format), made once and cached in ``out/autograd-examples/mnist-synthetic/``.

Comparison: every number printed to stdout (integers, decimals, exponents, nan/inf, in order;
digits glued to a word such as ``node_1403`` do not count), pairwise with ``--rtol`` (1e-6) and
``--atol`` (1e-12), and their count; the PNG/PDF files each run wrote (new or changed), pixel by
pixel (matplotlib.image.imread; a PDF by its bytes less its creation date). Classes:

  PASS     both ran; as many numbers, all equal within the tolerance; figures identical or none
  PASS~    numbers equal, a figure differs (its largest pixel difference is printed)
  DIFF     both ran, numbers differ: the first differing one (index, both values, relative
           error, the line it is on), how many differ and the largest relative error
  FAIL-DG  ran on autograd, failed on deltagrad: the last 15 lines of its stderr
  FAIL-AG  failed on autograd itself: not part of the target
  TIMEOUT  a run passed --timeout

Times are wall-clock seconds of each subprocess (interpreter start-up and imports included),
and their ratio deltagrad / autograd; the summary gives the median ratio over the PASS
examples. Progress lines go to stderr as each run starts and ends.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import importlib.metadata
import json
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "out" / "autograd-examples"
TARGET = "deltagrad.compat.autograd"
STATUSES = ("PASS", "PASS~", "DIFF", "FAIL-DG", "FAIL-AG", "TIMEOUT")
FIGURE_SUFFIXES = (".png", ".pdf")

# ---------------------------------------------------------------------------------------------
# The edits. Each: (category, label, pattern, replacement); the pattern is a regular
# expression (re.MULTILINE) applied to every .py file of the run folder, the replacement a
# string or a function of the match. Every match is reported per example.


@dataclass
class Edit:
    category: str  # "seed", "data", "fix", "quick"
    label: str
    pattern: str
    repl: object  # str or callable(match) -> str
    files: tuple[str, ...] = ()  # the file names it applies to; () = every file
    skip: tuple[str, ...] = ()  # file names it leaves alone

    def apply(self, name: str, text: str) -> tuple[str, list[str]]:
        if (self.files and name not in self.files) or name in self.skip:
            return text, []
        changes: list[str] = []

        def sub(m: re.Match) -> str:
            new = self.repl(m) if callable(self.repl) else m.expand(self.repl)
            if new != m.group(0):
                line = text.count("\n", 0, m.start()) + 1
                changes.append(f"{name}:{line}: {_one_line(m.group(0))} -> {_one_line(new)}")
            return new

        return re.sub(self.pattern, sub, text, flags=re.MULTILINE), changes


def _one_line(s: str) -> str:
    return " | ".join(" ".join(line.split()) for line in s.strip().splitlines())


def _cap(limit: int):
    """A replacement keeping the match but with its number group capped at ``limit``."""

    def repl(m: re.Match) -> str:
        n = int(m.group("n"))
        if n <= limit:
            return m.group(0)
        start, end = m.span("n")
        return m.group(0)[: start - m.start()] + str(limit) + m.group(0)[end - m.start() :]

    return repl


# Always applied: without them the two runs could not print the same numbers.
BASE_EDITS = [
    Edit(
        "seed",
        "unseeded RandomState() seeded with 0",
        r"\bnpr\.RandomState\(\)",
        "npr.RandomState(0)",
    ),
    # hmm_em.py, lstm.py and rnn.py train on the first lines of lstm.py / rnn.py, whose import
    # lines the deltagrad side rewrites: both sides read the unedited upstream file instead
    # (copied beside it as NAME.py.txt).
    Edit(
        "data",
        "training text read from the unedited upstream source (NAME.py.txt)",
        r'(join\(dirname\(__file__\), "\w+\.py)"\)',
        r'\1.txt")',
    ),
]

# Upstream lines broken under current NumPy / Matplotlib / Python, each changed minimally (as
# autograd itself later changed them). autograd 1.9.1's examples need none of them; those of
# 1.8.0 and earlier (--autograd-version 1.8.0) do.
FIX_EDITS: list[Edit] = [
    Edit(
        "fix",
        "np.linspace's num must be an integer (NumPy >= 1.18): n_data / 2 -> n_data // 2",
        r"\b(num=n_data)\s*/\s*2\b",
        r"\1 // 2",
    ),
    Edit(
        "fix",
        "plt.hist's normed= is gone (Matplotlib >= 3.1): density=",
        r"\bnormed=True",
        "density=True",
    ),
    Edit(
        "fix",
        "dict views do not add (Python 3): list(...) + list(...)",
        r"\b(d1\.items\(\)) \+ (d2\.items\(\))",
        r"list(\1) + list(\2)",
    ),
]


def quick_edits(iters: int, maxiter: int, steps: int, lines: int, mnist_rows: int) -> list[Edit]:
    """The --quick edits: loop lengths capped, the same on both sides."""
    return [
        # ode_net.py draws a stream plot and integrates the ODE and its adjoint every step.
        Edit(
            "quick",
            "num_iters capped at 10",
            r"\bnum_iters\s*=\s*(?P<n>\d+)",
            _cap(10),
            ("ode_net.py",),
        ),
        Edit("quick", f"num_iters capped at {iters}", r"\bnum_iters\s*=\s*(?P<n>\d+)", _cap(iters)),
        Edit("quick", "num_epochs capped at 2", r"\bnum_epochs\s*=\s*(?P<n>\d+)", _cap(2)),
        # wing.py: 50 Gauss-Seidel sweeps per time step in every function evaluation.
        Edit("quick", "maxiter capped at 2", r"\"maxiter\":\s*(?P<n>\d+)", _cap(2), ("wing.py",)),
        Edit("quick", f"maxiter capped at {maxiter}", r"\"maxiter\":\s*(?P<n>\d+)", _cap(maxiter)),
        Edit(
            "quick",
            f"simulation_timesteps capped at {steps}",
            r"\bsimulation_timesteps\s*=\s*(?P<n>\d+)",
            _cap(steps),
        ),
        Edit("quick", f"max_lines capped at {lines}", r"\bmax_lines\s*=\s*(?P<n>\d+)", _cap(lines)),
        # Not bayesian_optimization.py's hyperparameter fit: stopped early, its GP's covariance
        # turns singular (LinAlgError in mvn.logpdf on autograd too).
        Edit(
            "quick",
            f"CG / Newton-CG minimize given options={{'maxiter': {maxiter}}}",
            r"(method=\"(?:Newton-)?CG\")(?!\s*,\s*options)",
            rf'\1, options={{"maxiter": {maxiter}}}',
            skip=("bayesian_optimization.py",),
        ),
        # The MNIST programs: train and evaluate on the first rows only (the loaders' results).
        Edit(
            "quick",
            f"MNIST sliced to {mnist_rows} training and {mnist_rows // 5} test rows",
            r"^(?P<i>\s*)(?P<lhs>(?:N(?:_data)?, )?train_images, (?:train_labels|_), "
            r"test_images, (?:test_labels|_)) = (?P<call>(?:data_mnist\.mnist|load_mnist)\(\))$",
            lambda m: _slice_mnist(m, mnist_rows),
        ),
    ]


def _slice_mnist(m: re.Match, rows: int) -> str:
    names = [n.strip() for n in m.group("lhs").split(",")]
    out = [f"{m.group('i')}{m.group('lhs')} = {m.group('call')}"]
    for n in names:
        if n in ("train_images", "train_labels"):
            out.append(f"{m.group('i')}{n} = {n}[:{rows}]")
        elif n in ("test_images", "test_labels"):
            out.append(f"{m.group('i')}{n} = {n}[:{rows // 5}]")
        elif n in ("N", "N_data"):
            out.append(f"{m.group('i')}{n} = min({n}, {rows})")
    return "\n".join(out)


_IMPORT = re.compile(
    r"^(?P<i>[ \t]*)(?P<kw>from|import)[ \t]+autograd(?P<mod>(?:\.\w+)*)(?P<rest>(?:\s.*)?)$"
)


def rewrite_imports(name: str, text: str) -> tuple[str, list[str]]:
    """``autograd`` -> ``deltagrad.compat.autograd`` in the import lines, and nowhere else."""
    changes: list[str] = []
    lines = text.split("\n")
    for k, line in enumerate(lines):
        m = _IMPORT.match(line)
        if not m or (m.group("kw") == "from" and not m.group("rest").lstrip().startswith("import")):
            continue
        i, kw, mod, rest = m.group("i", "kw", "mod", "rest")
        new = f"{i}{kw} {TARGET}{mod}{rest}"
        if kw == "import" and not re.match(r"\s+as\s+\w+\s*(#.*)?$", rest):
            if not re.match(r"\s*(#.*)?$", rest):
                continue  # "import autograd.x, y": not a form the examples use
            # A bare "import autograd.x.y": later lines say autograd.x.y.
            new = f"{i}import {TARGET}{mod}; from deltagrad.compat import autograd{rest}"
        lines[k] = new
        changes.append(f"{name}:{k + 1}: {line.strip()} -> {new.strip()}")
    return "\n".join(lines), changes


# ---------------------------------------------------------------------------------------------
# The harness: a sitecustomize.py on PYTHONPATH in both runs.

SITECUSTOMIZE = r'''
"""Run autograd's examples unattended (benchmarks/autograd_examples.py)."""
import atexit
import builtins
import importlib.abc
import importlib.util
import os
import sys

import numpy

numpy.random.seed(0)
builtins.input = lambda prompt="": ""


def _no_system(command):
    sys.stderr.write(f"[harness] skipped os.system({command!r})\n")
    return 0


os.system = _no_system


def _patch_pyplot(plt):
    def _nothing(*args, **kwargs):
        return None

    plt.show = plt.pause = plt.draw = _nothing

    def _save_open_figures():
        for num in plt.get_fignums():
            try:
                plt.figure(num).savefig(f"harness_figure{num}.png")
            except Exception as exc:  # the comparison reports a missing figure
                sys.stderr.write(f"[harness] figure {num} not saved: {exc!r}\n")

    atexit.register(_save_open_figures)


class _PyplotHook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "matplotlib.pyplot":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch_pyplot(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PyplotHook())
'''


# ---------------------------------------------------------------------------------------------
# Getting the examples.


def fetch_examples(version: str) -> Path:
    """autograd's examples/ from its sdist on PyPI, downloaded and unpacked once into CACHE."""
    folder = CACHE / f"examples-{version}"
    if (folder / "examples").is_dir():
        return folder / "examples"
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / f"autograd-{version}.tar.gz"
    if not sdist.exists():
        print(f"downloading autograd {version}'s sdist from PyPI into {CACHE}", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", f"autograd=={version}", "--no-deps"]
            + ["--no-binary", ":all:", "-d", str(CACHE), "-q"],
            check=True,
        )
    prefix = f"autograd-{version}/examples/"
    tmp = Path(tempfile.mkdtemp(dir=CACHE))
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix)]
        if not members:
            raise SystemExit(f"{sdist.name} has no examples/ folder: pass --examples DIR")
        for m in members:
            m.name = "examples/" + m.name[len(prefix) :]
        tar.extractall(tmp, members=members, filter="data")
    tmp.rename(folder)
    return folder / "examples"


@dataclass
class Program:
    name: str  # the file's stem: "rnn", "fluidsim"
    path: str  # relative to the examples folder: "rnn.py", "fluidsim/fluidsim.py"
    deps: list[str]  # relative paths of the local modules it imports, transitively
    uses_mnist: bool


def _local_imports(path: Path, local: set[str]) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & local


def _has_main(path: Path) -> bool:
    return "__name__ ==" in path.read_text() or '__name__=="__main__"' in path.read_text()


def find_programs(root: Path) -> list[Program]:
    files = sorted(p for p in root.rglob("*.py") if p.name != "__init__.py")
    by_dir: dict[Path, dict[str, Path]] = {}
    for p in files:
        by_dir.setdefault(p.parent, {})[p.stem] = p
    direct = {}
    for p in files:
        local = by_dir[p.parent]
        direct[p] = {local[n] for n in _local_imports(p, set(local))}
    imported = set().union(*direct.values())
    programs = []
    for p in files:
        if p in imported and not _has_main(p):
            continue  # a helper module (data.py, data_mnist.py)
        seen: set[Path] = set()
        todo = [p]
        while todo:
            for d in direct[todo.pop()]:
                if d not in seen and d != p:
                    seen.add(d)
                    todo.append(d)
        deps = sorted(str(d.relative_to(root)) for d in seen)
        uses_mnist = any(Path(d).stem == "data_mnist" for d in deps)
        programs.append(Program(p.stem, str(p.relative_to(root)), deps, uses_mnist))
    return programs


# ---------------------------------------------------------------------------------------------
# A synthetic MNIST: the files data_mnist.py would download, of MNIST's shapes, seeded.

MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("images", 60000, 0),
    "train-labels-idx1-ubyte.gz": ("labels", 60000, 0),
    "t10k-images-idx3-ubyte.gz": ("images", 10000, 1),
    "t10k-labels-idx1-ubyte.gz": ("labels", 10000, 1),
}


def synthetic_mnist() -> Path:
    folder = CACHE / "mnist-synthetic"
    if all((folder / f).exists() for f in MNIST_FILES):
        return folder
    print(f"making the synthetic MNIST stand-in in {folder}", file=sys.stderr)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(0)
    # Ten class prototypes: smoothed random fields, thresholded into blobs.
    field = rng.rand(10, 28, 28)
    for _ in range(3):
        field = (field + np.roll(field, 1, 1) + np.roll(field, -1, 1)) / 3
        field = (field + np.roll(field, 1, 2) + np.roll(field, -1, 2)) / 3
    prototypes = (field > np.median(field, axis=(1, 2), keepdims=True)).astype(float)
    prototypes[:, :4] = prototypes[:, -4:] = prototypes[:, :, :4] = prototypes[:, :, -4:] = 0
    for split in (0, 1):
        n = 60000 if split == 0 else 10000
        labels = rng.randint(0, 10, size=n).astype(np.uint8)
        scale = rng.uniform(150, 255, size=(n, 1, 1))
        images = prototypes[labels] * scale + rng.normal(0, 30, size=(n, 28, 28))
        images = np.clip(np.round(images), 0, 255).astype(np.uint8)
        for fname, (kind, count, s) in MNIST_FILES.items():
            if s != split:
                continue
            if kind == "images":
                data = struct.pack(">IIII", 2051, count, 28, 28) + images.tobytes()
            else:
                data = struct.pack(">II", 2049, count) + labels.tobytes()
            with gzip.open(folder / (fname + ".tmp"), "wb", compresslevel=1) as fh:
                fh.write(data)
            os.replace(folder / (fname + ".tmp"), folder / fname)
    return folder


# ---------------------------------------------------------------------------------------------
# Running one side.


@dataclass
class Run:
    returncode: int | None  # None: timed out
    seconds: float
    stdout: str
    stderr: str
    figures: dict[str, str]  # relative path -> absolute path of the files it wrote


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in FIGURE_SUFFIXES
    }


def prepare(examples: Path, work: Path, program: Program, args, edits, deltagrad: bool):
    """A copy of the examples folder with the edits applied; returns the applied changes."""
    shutil.copytree(examples, work, ignore=shutil.ignore_patterns("__pycache__"))
    for p in list(work.rglob("*.py")):  # the upstream text, for the programs that read it
        shutil.copyfile(p, p.with_name(p.name + ".txt"))
    mine = {program.path, *program.deps}
    applied: dict[str, list[str]] = {}
    for p in sorted(work.rglob("*.py")):
        rel = str(p.relative_to(work))
        text = original = p.read_text()
        for edit in edits:
            text, changes = edit.apply(p.name, text)
            if changes and rel in mine:
                applied.setdefault(f"{edit.category}: {edit.label}", []).extend(changes)
        if deltagrad:
            text, changes = rewrite_imports(p.name, text)
            if changes and rel in mine:
                applied.setdefault("import", []).extend(changes)
        if text != original:
            p.write_text(text)
    if program.uses_mnist and args.mnist == "synthetic":
        data = (work / program.path).parent / "data"
        data.mkdir(exist_ok=True)
        for fname in MNIST_FILES:
            (data / fname).symlink_to(synthetic_mnist() / fname)
    return applied


def run_side(work: Path, program: Program, harness: Path, timeout: float) -> Run:
    script = work / program.path
    env = dict(os.environ)
    env.update(MPLBACKEND="Agg", PYTHONHASHSEED="0", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(harness), env.get("PYTHONPATH")]))
    before = _snapshot(work)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, script.name],
        cwd=script.parent,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    seconds = time.perf_counter() - start
    (work / "harness-stdout.txt").write_text(out)  # for --keep
    (work / "harness-stderr.txt").write_text(err)
    after = _snapshot(work)
    figures = {rel: str(work / rel) for rel, stamp in after.items() if before.get(rel) != stamp}
    return Run(code, seconds, out, err, figures)


# ---------------------------------------------------------------------------------------------
# Comparing the two runs.

_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:nan|inf|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w])", re.IGNORECASE
)


def numbers(text: str) -> list[tuple[float, int, str]]:
    """Every number in ``text``: (value, line number, the token)."""
    found = []
    for k, line in enumerate(text.splitlines(), 1):
        for m in _NUMBER.finditer(line):
            found.append((float(m.group(0)), k, m.group(0)))
    return found


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    if np.isinf(a) or np.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def _rel(a: float, b: float) -> float:
    if a == b:
        return 0.0
    if not (np.isfinite(a) and np.isfinite(b)):
        return float("inf")
    return abs(a - b) / max(abs(a), abs(b))


def compare_numbers(ag: Run, dg: Run, rtol: float, atol: float) -> dict:
    a, d = numbers(ag.stdout), numbers(dg.stdout)
    result = {"count_autograd": len(a), "count_deltagrad": len(d), "differing": 0}
    first = None
    worst = 0.0
    for k, ((va, la, ta), (vd, ld, td)) in enumerate(zip(a, d)):
        if not _close(vd, va, rtol, atol):
            result["differing"] += 1
            worst = max(worst, _rel(vd, va))
            if first is None:
                first = {
                    "index": k,
                    "autograd": ta,
                    "deltagrad": td,
                    "rel_error": _rel(vd, va),
                    "line_autograd": (la, ag.stdout.splitlines()[la - 1].strip()),
                    "line_deltagrad": (ld, dg.stdout.splitlines()[ld - 1].strip()),
                }
    if first is None and len(a) != len(d):
        k = min(len(a), len(d))
        first = {"index": k, "autograd": a[k][2] if k < len(a) else None}
        first["deltagrad"] = d[k][2] if k < len(d) else None
    result["first"] = first
    result["max_rel_error"] = worst
    result["equal"] = first is None
    # The words around the numbers (generated text, say): reported, not part of the status.
    # (whitespace runs count as one space: a padded field holds a number of fewer digits).
    ta = [" ".join(line.split()) for line in _NUMBER.sub("#", ag.stdout).splitlines()]
    td = [" ".join(line.split()) for line in _NUMBER.sub("#", dg.stdout).splitlines()]
    result["text_differs"] = None
    if ta != td:
        k = next((k for k, (x, y) in enumerate(zip(ta, td)) if x != y), min(len(ta), len(td)))
        result["text_differs"] = {
            "line": k + 1,
            "autograd": ta[k] if k < len(ta) else None,
            "deltagrad": td[k] if k < len(td) else None,
        }
    return result


def _pdf_bytes(path: str) -> bytes:
    return re.sub(rb"/CreationDate \([^)]*\)", b"", Path(path).read_bytes())


def compare_figures(ag: Run, dg: Run) -> dict:
    import matplotlib.image

    names = sorted(set(ag.figures) | set(dg.figures))
    differing: list[tuple[str, str]] = []
    worst = 0.0
    for name in names:
        if name not in ag.figures or name not in dg.figures:
            side = "autograd" if name in ag.figures else "deltagrad"
            differing.append((name, f"only written on {side}"))
            continue
        if name.lower().endswith(".pdf"):
            if _pdf_bytes(ag.figures[name]) != _pdf_bytes(dg.figures[name]):
                differing.append((name, "bytes differ"))
            continue
        try:
            pa = matplotlib.image.imread(ag.figures[name])
            pd = matplotlib.image.imread(dg.figures[name])
        except Exception as exc:  # an unreadable file counts as a difference
            differing.append((name, f"unreadable: {exc!r}"))
            continue
        if pa.shape != pd.shape:
            differing.append((name, f"shapes {pa.shape} and {pd.shape}"))
            continue
        delta = np.abs(pa.astype(float) - pd.astype(float))
        diff = float(delta.max()) if delta.size else 0.0
        if diff > 0:
            worst = max(worst, diff)
            pixels = delta.reshape(delta.shape[0], delta.shape[1], -1).max(axis=2) > 0
            differing.append(
                (
                    name,
                    f"max abs pixel difference {diff:.4g} (0-1 scale), "
                    f"{pixels.mean():.2%} of {pixels.size} pixels differ",
                )
            )
    return {"count": len(names), "differing": differing, "max_pixel_diff": worst}


# ---------------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    path: str
    status: str
    seconds_autograd: float | None = None
    seconds_deltagrad: float | None = None
    ratio: float | None = None
    edits: dict[str, list[str]] = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    detail: list[str] = field(default_factory=list)


def _tail(text: str, n: int = 15) -> list[str]:
    return text.rstrip().splitlines()[-n:]


def classify(program: Program, ag: Run, dg: Run, args) -> Result:
    r = Result(program.name, program.path, "PASS", ag.seconds, dg.seconds)
    if ag.returncode is None or dg.returncode is None:
        r.status = "TIMEOUT"
        side = "autograd" if ag.returncode is None else "deltagrad"
        r.detail.append(f"{side} run passed {args.timeout:g} s")
        return r
    r.ratio = dg.seconds / ag.seconds
    if ag.returncode != 0:
        r.status = "FAIL-AG"
        r.detail += [f"autograd run exited {ag.returncode}:"] + _tail(ag.stderr)
        return r
    if dg.returncode != 0:
        r.status = "FAIL-DG"
        r.detail += [f"deltagrad run exited {dg.returncode}:"] + _tail(dg.stderr)
        return r
    r.numbers = compare_numbers(ag, dg, args.rtol, args.atol)
    r.figures = compare_figures(ag, dg)
    if not r.numbers["equal"]:
        r.status = "DIFF"
        f = r.numbers["first"]
        na, nd = r.numbers["count_autograd"], r.numbers["count_deltagrad"]
        if na != nd:
            r.detail.append(f"{na} numbers on autograd, {nd} on deltagrad")
        if "rel_error" in f:
            r.detail.append(
                f"first difference: number #{f['index']}: autograd {f['autograd']}, "
                f"deltagrad {f['deltagrad']} (relative error {f['rel_error']:.3g}); "
                f"{r.numbers['differing']} of {min(na, nd)} differ, largest relative error "
                f"{r.numbers['max_rel_error']:.3g}"
            )
            r.detail.append(f"  autograd  line {f['line_autograd'][0]}: {f['line_autograd'][1]}")
            r.detail.append(f"  deltagrad line {f['line_deltagrad'][0]}: {f['line_deltagrad'][1]}")
        else:
            r.detail.append(f"all common numbers equal; the extra #{f['index']} is where they part")
    elif r.figures["differing"]:
        r.status = "PASS~"
    if r.numbers["text_differs"]:
        t = r.numbers["text_differs"]
        r.detail.append(f"the text around the numbers differs, first on line {t['line']}:")
        r.detail.append(f"  autograd:  {t['autograd']}")
        r.detail.append(f"  deltagrad: {t['deltagrad']}")
    for name, why in r.figures.get("differing", []):
        r.detail.append(f"figure {name}: {why}")
    return r


def _fmt_time(t: float | None) -> str:
    return "-" if t is None else f"{t:.1f}"


def print_result(r: Result, index: int, total: int) -> None:
    ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
    nums = ""
    if r.numbers:
        nums = f", {r.numbers['count_autograd']} numbers"
    figs = f", {r.figures['count']} figures" if r.figures else ""
    print(
        f"[{index}/{total}] {r.name}: {r.status}  autograd {_fmt_time(r.seconds_autograd)} s, "
        f"deltagrad {_fmt_time(r.seconds_deltagrad)} s, ratio {ratio}{nums}{figs}"
    )
    for label, changes in r.edits.items():
        if label == "import":
            print(f"    import lines rewritten: {len(changes)}")
            for c in changes:
                if "; from deltagrad.compat import autograd" in c:
                    print(f"      {c}")
            continue
        print(f"    edit ({label}):")
        for c in changes:
            print(f"      {c}")
    for line in r.detail:
        print(f"    {line}")
    sys.stdout.flush()


def print_summary(results: list[Result]) -> dict:
    print()
    print(f"{'example':<34}{'status':<9}{'autograd':>10}{'deltagrad':>11}{'dg/ag':>8}  note")
    for r in results:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        note = ""
        if r.status == "DIFF" and r.numbers.get("first", {}).get("rel_error") is not None:
            f = r.numbers["first"]
            note = f"#{f['index']} of {r.numbers['count_autograd']}: rel {f['rel_error']:.2g}"
        elif r.status == "PASS~":
            note = f"max pixel diff {r.figures['max_pixel_diff']:.3g}"
        elif r.status in ("FAIL-DG", "FAIL-AG") and r.detail:
            note = _tail("\n".join(r.detail), 1)[0].strip()[:60]
        elif r.status == "PASS":
            note = f"{r.numbers['count_autograd']} numbers, {r.figures['count']} figures"
        if r.numbers.get("text_differs"):
            note += f" (text differs from line {r.numbers['text_differs']['line']})"
        print(
            f"{r.path:<34}{r.status:<9}{_fmt_time(r.seconds_autograd):>9}s"
            f"{_fmt_time(r.seconds_deltagrad):>10}s{ratio:>8}  {note}"
        )
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    print()
    print(", ".join(f"{counts[s]} {s}" for s in STATUSES) + f" of {len(results)} examples")
    ratios = [r.ratio for r in results if r.status == "PASS" and r.ratio is not None]
    median = statistics.median(ratios) if ratios else None
    if median is not None:
        print(f"median time ratio deltagrad / autograd over the PASS examples: {median:.2f}")
    target = len(results) - counts["FAIL-AG"]
    matching = counts["PASS"] + counts["PASS~"]
    print(f"matching (PASS + PASS~) of those that run on autograd: {matching}/{target}")
    return {"counts": counts, "median_ratio_pass": median}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--examples",
        metavar="DIR",
        type=Path,
        help="a folder of autograd's examples (default: unpacked from autograd's sdist on PyPI)",
    )
    parser.add_argument(
        "--autograd-version",
        metavar="V",
        help="the sdist to take the examples from (default: the installed autograd's version)",
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only these examples (file stem or path)"
    )
    parser.add_argument("--quick", action="store_true", help="shorten the long loops")
    parser.add_argument(
        "--fix",
        action="store_true",
        help="repair upstream lines broken under current NumPy/Matplotlib/Python",
    )
    parser.add_argument(
        "--mnist",
        choices=("download", "synthetic"),
        default="download",
        help="'synthetic': a seeded stand-in of MNIST's shapes instead of downloading it (default: "
        "download, as the programs do; fails without network)",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run (default 600)")
    parser.add_argument("--rtol", type=float, default=1e-6, help="relative tolerance (1e-6)")
    parser.add_argument("--atol", type=float, default=1e-12, help="absolute tolerance (1e-12)")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the results here")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the run folders (their paths are printed; each run's output is in its "
        "harness-stdout.txt and harness-stderr.txt) instead of deleting them",
    )
    parser.add_argument(
        "--list-edits", action="store_true", help="print the edits with their patterns and exit"
    )
    quick = parser.add_argument_group("--quick's limits")
    quick.add_argument("--quick-iters", type=int, default=30, help="num_iters cap (30)")
    quick.add_argument("--quick-maxiter", type=int, default=5, help="SciPy maxiter cap (5)")
    quick.add_argument("--quick-steps", type=int, default=10, help="simulation steps cap (10)")
    quick.add_argument("--quick-lines", type=int, default=20, help="text lines read, cap (20)")
    quick.add_argument("--quick-mnist", type=int, default=2000, help="MNIST training rows (2000)")
    args = parser.parse_args()

    edits = list(BASE_EDITS)
    if args.fix:
        edits += FIX_EDITS
    if args.quick:
        q = (args.quick_iters, args.quick_maxiter, args.quick_steps, args.quick_lines)
        edits += quick_edits(*q, args.quick_mnist)
    if args.list_edits:
        for e in BASE_EDITS + FIX_EDITS + quick_edits(30, 5, 10, 20, 2000):
            where = ", ".join(e.files) or "every file"
            if e.skip:
                where += " but " + ", ".join(e.skip)
            print(f"{e.category:<6}{e.label}  [{where}]\n      /{e.pattern}/")
        return

    examples = args.examples
    if examples is None:
        version = args.autograd_version or importlib.metadata.version("autograd")
        examples = fetch_examples(version)
        source = f"autograd {version}'s sdist ({examples})"
    else:
        source = str(examples)
    programs = find_programs(examples.resolve())
    if args.only:
        wanted = set(args.only)
        programs = [p for p in programs if p.name in wanted or p.path in wanted]
        missing = wanted - {p.name for p in programs} - {p.path for p in programs}
        if missing:
            raise SystemExit(f"no such example: {', '.join(sorted(missing))}")
    if args.mnist == "synthetic" and any(p.uses_mnist for p in programs):
        synthetic_mnist()

    import deltagrad

    print(f"autograd's examples from {source}: {len(programs)} programs")
    print(
        f"autograd {importlib.metadata.version('autograd')}, deltagrad {deltagrad.__version__}, "
        f"NumPy {np.__version__}, Python {sys.version.split()[0]}; "
        f"options: quick={args.quick}, fix={args.fix}, mnist={args.mnist}, "
        f"rtol={args.rtol:g}, atol={args.atol:g}, timeout={args.timeout:g} s"
    )
    sys.stdout.flush()

    top = Path(tempfile.mkdtemp(prefix="autograd-examples-"))
    harness = top / "harness"
    harness.mkdir()
    (harness / "sitecustomize.py").write_text(SITECUSTOMIZE)
    results: list[Result] = []
    try:
        for index, program in enumerate(programs, 1):
            runs: dict[str, Run] = {}
            applied: dict[str, list[str]] = {}
            for side in ("autograd", "deltagrad"):
                work = top / f"{index:02d}-{program.name}-{side}"
                changes = prepare(examples, work, program, args, edits, side == "deltagrad")
                if side == "deltagrad":  # the same edits as autograd's, and the import lines
                    applied = changes
                print(f"[{index}/{len(programs)}] {program.name} on {side} ...", file=sys.stderr)
                runs[side] = run = run_side(work, program, harness, args.timeout)
                state = "timed out" if run.returncode is None else f"exit {run.returncode}"
                print(
                    f"[{index}/{len(programs)}] {program.name} on {side}: {state}, "
                    f"{run.seconds:.1f} s",
                    file=sys.stderr,
                )
            result = classify(program, runs["autograd"], runs["deltagrad"], args)
            result.edits = applied
            results.append(result)
            print_result(result, index, len(programs))
            if args.keep:
                print(f"    run folders: {top}/{index:02d}-{program.name}-{{autograd,deltagrad}}")
            else:
                for side in ("autograd", "deltagrad"):
                    shutil.rmtree(top / f"{index:02d}-{program.name}-{side}", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)
    summary = print_summary(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "source": source,
            "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            **summary,
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=1, default=str))
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
