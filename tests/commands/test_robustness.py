"""Commands survive real use: closed pipes, interrupts, read-only and shared output folders.

Subprocess tests run the command as a user would (``python -m deltagrad``); in-process tests
plant an interrupt at a chosen moment through the command line's entry point."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from deltagrad import cli
from deltagrad._files import atomic_path, write_text
from deltagrad.commands import common

COMMAND = [sys.executable, "-m", "deltagrad"]


def run(*args, timeout=120, **kwargs):
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, timeout=timeout, **kwargs
    )


def leftovers(folder: Path):
    """Temporary or lock files a finished (or stopped) run must not leave behind."""
    return sorted(p.name for p in folder.rglob(".*") if p.is_file())


# --- atomic files ------------------------------------------------------------------------------


def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "model.npz"
    write_text(target, "old, complete")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("new, half written")
            raise KeyboardInterrupt
    assert target.read_text() == "old, complete"
    assert leftovers(tmp_path) == []
    with atomic_path(target) as tmp:
        assert tmp.suffix == ".npz" and tmp.parent == tmp_path
        tmp.write_text("new")
    assert target.read_text() == "new" and leftovers(tmp_path) == []


# --- 2. a closed pipe does not stop the work -----------------------------------------------


@pytest.mark.parametrize(
    "args, files",
    [
        (["chain-rule"], ["results.json", "chain_rule_graph.png", "neuron_steps.html"]),
        (
            ["moons", "--epochs", "30", "--log-every", "1"],
            ["metrics.json", "model.npz", "fig7_15_train_mse.png", "decision_boundary.png"],
        ),
    ],
    ids=["chain-rule", "moons"],
)
def test_output_to_a_closed_pipe_still_writes_every_file(tmp_path, args, files):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*COMMAND, *args, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.readline()  # like `| head -1`: read one line, then go away
    proc.stdout.close()
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert "BrokenPipeError" not in stderr and "internal error" not in stderr
    for name in files:
        assert (out / name).stat().st_size > 0
    assert leftovers(out) == []


# --- 3. interrupted runs leave no complete-looking record ----------------------------------


def _interrupt_in(monkeypatch, module, name):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, name, boom)


def test_interrupted_moons_run_leaves_no_record(tmp_path, monkeypatch, capsys):
    out = tmp_path / "m"
    assert cli.main(["moons", "--epochs", "3", "--out", str(out)]) == 0
    assert (out / "metrics.json").exists()
    import deltagrad.figures.moons as fm

    _interrupt_in(monkeypatch, fm, "decision_boundary_figure")  # the last figure, before the record
    assert cli.main(["moons", "--epochs", "3", "--seed", "5", "--out", str(out)]) == 130
    assert not (out / "metrics.json").exists()  # the previous run's record is gone too
    assert leftovers(out) == []  # no half-written file, no lock
    assert "interrupted" in capsys.readouterr().err


def test_interrupted_reproduce_never_leaves_an_old_report(tmp_path, monkeypatch):
    out = tmp_path / "r"
    out.mkdir()
    (out / "report.html").write_text("<html>seed 0</html>")
    (out / "metrics.json").write_text('{"seed": 0}')
    from deltagrad.commands import reproduce_steps

    real_plan = reproduce_steps.plan

    def plan(*args, **kwargs):  # the second step is interrupted
        steps = real_plan(*args, **kwargs)
        key, title, _ = steps[1]

        def stop():
            raise KeyboardInterrupt

        return [steps[0], (key, title, stop), *steps[2:]]

    monkeypatch.setattr(reproduce_steps, "plan", plan)
    assert cli.main(["reproduce", "--quick", "--seed", "3", "--out", str(out)]) == 130
    assert not (out / "report.html").exists() and not (out / "metrics.json").exists()
    assert leftovers(out) == []


def test_record_is_written_last(tmp_path):
    out = tmp_path / "m"
    assert run("moons", "--epochs", "3", "--out", str(out)).returncode == 0
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert mtimes["metrics.json"] == max(mtimes.values())


def test_sigterm_unwinds_cleanly(tmp_path):
    out = tmp_path / "m"
    proc = subprocess.Popen(
        [*COMMAND, "moons", "--engine", "numpy", "--epochs", "100000", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lock = out / common.LOCK_NAME
    deadline = time.monotonic() + 600  # a deadline for a busy machine, not a speed limit
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lock.exists()
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=300) == 128 + signal.SIGTERM
    assert not lock.exists() and not (out / "metrics.json").exists()
    assert leftovers(out) == []


# --- 4. --out is checked before any work ----------------------------------------------------


@pytest.mark.parametrize("command", ["moons", "himmelblau", "chain-rule", "gradcheck", "reproduce"])
def test_empty_out_is_refused(command, tmp_path):
    result = run(command, "--out", "", cwd=tmp_path)
    assert result.returncode == 2
    assert "--out is empty" in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def _unprivileged():
    """A command prefix that drops root (root may write anywhere), or None."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if setpriv else None


@pytest.mark.parametrize("command", ["himmelblau", "chain-rule", "moons", "gradcheck"])
def test_read_only_out_is_refused_before_any_work(command, tmp_path):
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: no folder is read-only")
    base = Path(tempfile.mkdtemp(prefix="deltagrad-ro-"))  # pytest's tmp_path is private to root
    try:
        base.chmod(0o755)
        ro = base / "ro"
        ro.mkdir(mode=0o555)
        ro.chmod(0o555)
        env = {**os.environ, "HOME": str(ro)}
        result = subprocess.run(
            [*prefix, *COMMAND, command, "--out", str(ro / "x")],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=base,
        )
        assert result.returncode == 2, result.stderr
        assert "cannot write" in result.stderr and "internal error" not in result.stderr
        assert result.stdout == ""  # refused before any work was done or printed
        assert list(ro.iterdir()) == []
    finally:
        shutil.rmtree(base)


def test_out_below_a_folder_this_user_cannot_enter(tmp_path):
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    result = subprocess.run(
        [*prefix, *COMMAND, "chain-rule", "--out", str(private / "x")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert result.returncode == 2 and "cannot write there" in result.stderr, result.stderr


# --- 10. one run per output folder -----------------------------------------------------------


def test_folder_held_by_a_live_run_is_refused(tmp_path):
    out = tmp_path / "shared"
    out.mkdir()
    holder = subprocess.Popen(["sleep", "60"])
    try:
        (out / common.LOCK_NAME).write_text(f"{holder.pid}\n")
        result = run("chain-rule", "--out", str(out))
        assert result.returncode == 2
        assert f"another deltagrad run (process {holder.pid})" in result.stderr
        assert not (out / "results.json").exists()
        assert (out / common.LOCK_NAME).read_text() == f"{holder.pid}\n"  # not taken over
    finally:
        holder.kill()
        holder.wait()


def test_stale_lock_of_a_killed_run_is_taken_over(tmp_path):
    out = tmp_path / "shared"
    out.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (out / common.LOCK_NAME).write_text(f"{dead.pid}\n")
    result = run("chain-rule", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "results.json").exists() and not (out / common.LOCK_NAME).exists()


def test_two_concurrent_runs_one_is_refused(tmp_path):
    out = tmp_path / "shared"
    first = subprocess.Popen(
        [*COMMAND, "moons", "--engine", "numpy", "--epochs", "100000", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # A deadline, not a speed limit: on a busy machine the first run may take long to start.
        deadline = time.monotonic() + 600
        while not (out / common.LOCK_NAME).exists() and time.monotonic() < deadline:
            assert first.poll() is None, "the first run ended before it claimed the folder"
            time.sleep(0.05)
        assert (out / common.LOCK_NAME).exists(), "the first run never claimed the folder"
        second = run("moons", "--epochs", "2", "--out", str(out))
        assert second.returncode == 2 and "another deltagrad run" in second.stderr
    finally:
        first.kill()
        first.wait()


def test_lock_released_after_errors(tmp_path):
    out = tmp_path / "m"
    assert cli.main(["moons", "--epochs", "2", "--out", str(out)]) == 0
    assert not (out / common.LOCK_NAME).exists()
    assert cli.main(["moons", "--epochs", "2", "--lr", "1e9", "--out", str(out)]) in (0, 2)
    assert not (out / common.LOCK_NAME).exists()


# --- 14. an unknown flag names the sub-command ---------------------------------------------------


@pytest.mark.parametrize("command", ["moons", "himmelblau", "reproduce"])
def test_unknown_flag_names_the_subcommand(command):
    result = run(command, "--no-such-flag")
    assert result.returncode == 2
    assert f"deltagrad {command}: error: unrecognized arguments: --no-such-flag" in result.stderr
    assert f"usage: deltagrad {command}" in result.stderr
