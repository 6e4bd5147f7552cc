"""deltagrad.fast when Numba cannot keep its cache where it wants to.

Numba caches compiled kernels in $NUMBA_CACHE_DIR, in ``__pycache__`` beside the source, or
in ~/.cache/numba, and refuses to define ``cache=True`` functions when none can be written
(a read-only HOME, a virtual environment installed by another user). The compiled engine
must stay in use all the same, say so in one line, and give the same bits.

Every run is a fresh process. The places are made unwritable in a way that holds even for
root: a copy of the package whose ``fast/__pycache__`` is a regular file, and a HOME whose
``.cache`` is a regular file (creating a folder below a file fails for everyone). One test
also runs as an unprivileged user against a root-owned copy, when the machine allows it.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import deltagrad
from deltagrad import fast

pytestmark = pytest.mark.skipif(not fast.available(), reason="Numba is not available")

PACKAGE = Path(deltagrad.__file__).resolve().parent

# Trains a small network with the compiled engine and reports the engine's status, the
# warm-up and the trained parameters' exact bits. ``PRELUDE`` runs first.
_CHILD = """
import json, os, sys
exec(os.environ.get("PRELUDE", ""))
import numpy as np
from deltagrad import fast
from deltagrad.backprop import NeuralNetwork, resolve_engine
from deltagrad.data import moons, train_test_split

status = fast.status()
engine = resolve_engine("auto")
data = train_test_split(*moons(n_samples=200, random_state=3))
net = NeuralNetwork.build([2, 9, 6, 2], "sigmoid", rng=0)
fast.warm_up()
history = net.train(*data, 0.05, 4, engine="compiled")
bits = np.concatenate([p.ravel() for p in net.weights + net.biases]).tobytes().hex()
print(json.dumps({"engine": engine, "status": status, "after": fast.status(),
                  "info": fast.compile_info(), "package": fast.__file__, "bits": bits,
                  "mse": history["mse"]}))
"""


def _clean_env(**changes) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH", "PRELUDE", "TMPDIR")
    }
    env.update(PYTHONDONTWRITEBYTECODE="1", **changes)
    return env


def _child(env, args=("-c", _CHILD), cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )


def _child_json(env) -> dict:
    proc = _child(env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _blocked_copy(root: Path) -> Path:
    """A copy of the package under ``root``/site whose ``fast/__pycache__`` is a file."""
    site = root / "site"
    shutil.copytree(PACKAGE, site / "deltagrad", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "deltagrad" / "fast" / "__pycache__").write_text("not a folder\n")
    return site


@pytest.fixture(scope="module")
def blocked(tmp_path_factory):
    """An environment where every place Numba would cache in is unwritable: the package's
    ``__pycache__`` and ~/.cache are files, NUMBA_CACHE_DIR is below a file. TMPDIR is a
    folder of the test's own (the private cache goes there)."""
    root = tmp_path_factory.mktemp("blocked")
    site = _blocked_copy(root)
    home = root / "home"
    home.mkdir()
    (home / ".cache").write_text("not a folder\n")
    tmp = root / "tmp"
    tmp.mkdir()
    env = _clean_env(
        PYTHONPATH=str(site),
        HOME=str(home),
        TMPDIR=str(tmp),
        NUMBA_CACHE_DIR=str(home / ".cache" / "numba"),
        MPLCONFIGDIR=str(root / "mpl"),
    )
    return {"root": root, "site": site, "tmp": tmp, "env": env}


@pytest.fixture(scope="module")
def reference():
    """The same run in this environment, with Numba's usual cache."""
    run = _child_json(_clean_env())
    assert run["status"]["cache"] == "numba" and run["status"]["note"] is None
    return run


@pytest.fixture(scope="module")
def first_blocked_run(blocked):
    return _child_json(blocked["env"])


def test_an_unwritable_cache_keeps_the_compiled_engine(blocked, reference, first_blocked_run):
    run = first_blocked_run
    assert run["package"].startswith(str(blocked["site"]))  # the blocked copy was used
    status = run["status"]
    assert status["available"] and status["reason"] is None and run["engine"] == "compiled"
    assert status["cache"] == "private"
    private = blocked["tmp"] / f"deltagrad-numba-{os.geteuid()}"
    assert status["cache_dir"].startswith(str(private))
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert any(name.endswith(".nbi") for name in os.listdir(status["cache_dir"]))
    note = status["note"]
    assert "\n" not in note and "Numba cannot cache the compiled kernels" in note
    assert str(blocked["site"] / "deltagrad" / "fast" / "__pycache__") in note
    assert f"caching them in {status['cache_dir']} instead" in note
    assert run["bits"] == reference["bits"] and run["mse"] == reference["mse"]  # same bits


def test_the_private_cache_serves_the_next_run(blocked, reference, first_blocked_run):
    run = _child_json(blocked["env"])
    assert run["status"] == first_blocked_run["status"]
    assert run["info"]["cache"] == "loaded" and run["info"]["compile_seconds"] == 0.0
    assert run["bits"] == reference["bits"]


@pytest.mark.slow
def test_a_private_folder_of_another_owner_or_open_to_others_is_refused(
    blocked, reference, first_blocked_run, tmp_path
):
    """Numba's cache files are pickles: a folder others can write to is never used."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    private = tmp / f"deltagrad-numba-{os.geteuid()}"
    private.mkdir(mode=0o777)
    os.chmod(private, 0o777)
    run = _child_json({**blocked["env"], "TMPDIR": str(tmp)})
    assert run["engine"] == "compiled" and run["status"]["cache"] == "none"
    assert "others can write to it" in run["status"]["note"]
    assert os.listdir(private) == []
    assert run["bits"] == reference["bits"]


def test_no_writable_folder_at_all_compiles_without_a_cache(blocked, reference):
    blocked_tmp = blocked["root"] / "home" / ".cache" / "tmp"  # below a file
    run = _child_json(
        {**blocked["env"], "PRELUDE": f"import tempfile; tempfile.tempdir = {str(blocked_tmp)!r}"}
    )
    status = run["status"]
    assert run["engine"] == "compiled" and status["cache"] == "none"
    assert status["cache_dir"] is None
    assert "\n" not in status["note"] and status["note"].endswith(
        "compiling them in every run instead (a few seconds)"
    )
    assert "nor a private temporary folder" in status["note"]
    assert run["info"]["cache"] == "compiled" and run["info"]["compile_seconds"] > 0
    assert run["bits"] == reference["bits"]


def test_a_damaged_cache_is_set_aside(blocked, reference, first_blocked_run, tmp_path):
    """A cache that can be written but not read back (damaged index files) is given up in
    warm_up: the kernels are set up again with the private folder."""
    damaged = tmp_path / "numba-cache"
    shutil.copytree(blocked["tmp"] / f"deltagrad-numba-{os.geteuid()}", damaged)
    indexes = list(damaged.rglob("kernels.*.nbi"))
    assert indexes
    for index in indexes:
        index.write_bytes(b"this is not a pickle")
    run = _child_json({**blocked["env"], "NUMBA_CACHE_DIR": str(damaged)})
    assert run["engine"] == "compiled"
    assert run["status"]["cache"] == "numba" and run["status"]["note"] is None  # not yet known
    after = run["after"]
    assert after["cache"] == "private" and "cannot be used" in after["note"]
    assert str(damaged) in after["note"] and "\n" not in after["note"]
    assert run["bits"] == reference["bits"]


def test_moons_command_trains_compiled_and_says_so_in_one_line(blocked, tmp_path):
    args = ["-m", "deltagrad", "moons", "--epochs", "3", "--hidden", "4", "--out", "o"]
    ref_dir, blocked_dir = tmp_path / "ref", tmp_path / "blocked"
    ref_dir.mkdir()
    blocked_dir.mkdir()
    ref = _child(_clean_env(MPLCONFIGDIR=str(tmp_path / "mpl")), args, cwd=ref_dir)
    assert ref.returncode == 0, ref.stderr
    proc = _child(blocked["env"], [*args, "--engine", "compiled"], cwd=blocked_dir)
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if "note:" in line]
    assert len(notes) == 1, proc.stderr
    assert notes[0].startswith("deltagrad moons: note: Numba cannot cache the compiled kernels")
    assert "compiled engine" in proc.stdout
    metrics = json.loads((blocked_dir / "o" / "metrics.json").read_text())
    expected = json.loads((ref_dir / "o" / "metrics.json").read_text())
    assert metrics["engine"] == expected["engine"] == "compiled"
    for key in ("history", "final_train_mse", "test_accuracy", "train_accuracy"):
        assert metrics[key] == expected[key], key


def test_a_truly_unusable_engine_says_why_in_one_line(monkeypatch):
    """Numba imports but the kernels cannot be set up in any way: the real reason, once."""
    from deltagrad.backprop import resolve_engine

    def broken(mode):
        raise RuntimeError("LLVM exploded\nwith a second line")

    monkeypatch.setattr(fast, "_kernels", None)
    monkeypatch.setattr(fast, "_import_error", None)
    monkeypatch.setattr(fast, "_cache", {"mode": None, "dir": None, "note": None})
    monkeypatch.setattr(fast, "_import_kernels", broken)
    assert not fast.available()
    reason = fast.unavailable_reason()
    assert (
        reason == "Numba cannot compile the kernels (RuntimeError: LLVM exploded with a "
        "second line)"
    )
    assert resolve_engine("auto") == "numpy"
    with pytest.raises(RuntimeError) as err:
        resolve_engine("compiled")
    assert "failed to import" not in str(err.value) and "\n" not in str(err.value)
    assert reason in str(err.value)
    assert fast.status() == {
        "available": False,
        "reason": reason,
        "cache": None,
        "cache_dir": None,
        "note": None,
    }


def _unprivileged_prefix() -> list[str] | None:
    """``setpriv`` as user 65534 when we are root and that user can run this Python with
    Numba; else None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-c", "import numba, numpy, deltagrad"],
            capture_output=True,
            timeout=120,
            cwd="/",
            env=_clean_env(HOME="/nonexistent"),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return prefix if proc.returncode == 0 else None


@pytest.mark.slow
def test_as_another_user_of_a_root_owned_install(reference):
    """The real case: an install owned by root, used by an unprivileged user whose HOME does
    not exist. Skipped unless we are root and that user can run this Python."""
    prefix = _unprivileged_prefix()
    if prefix is None:
        pytest.skip("needs root, setpriv, and a Python that user 65534 can run")
    root = Path(tempfile.mkdtemp(prefix="deltagrad-other-user-"))
    try:
        os.chmod(root, 0o755)
        site = root / "site"
        shutil.copytree(PACKAGE, site / "deltagrad", ignore=shutil.ignore_patterns("__pycache__"))
        for folder, _, _ in os.walk(site):
            os.chmod(folder, 0o755)  # root's, readable by all, writable by root only
        tmp = root / "tmp"
        tmp.mkdir()
        os.chown(tmp, 65534, 65534)
        env = _clean_env(PYTHONPATH=str(site), HOME="/nonexistent", TMPDIR=str(tmp))
        proc = subprocess.run(
            [*prefix, sys.executable, "-c", _CHILD],
            env=env,
            cwd="/",
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        run = json.loads(proc.stdout.splitlines()[-1])
        assert run["package"].startswith(str(site))
        assert run["engine"] == "compiled" and run["status"]["cache"] == "private"
        assert "Numba cannot cache the compiled kernels" in run["status"]["note"]
        assert run["bits"] == reference["bits"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
