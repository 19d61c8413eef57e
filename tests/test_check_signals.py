"""Signals during checks: a real ``scaffold new`` process, sent SIGTERM while a check's
child and grandchild run, stops them both at once, rolls back and exits 130; a check's
timeout stops its grandchildren too.

Every blueprint, destination and pids file is in ``tmp_path``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import scaffolder
from scaffolder.checks.processes import Processes
from scaffolder.report import Outcome
from tests.conftest import MakeBlueprint, build_file_tree, snapshot
from tests.test_checks import NAMED

PYTHON = sys.executable
SCAFFOLD = Path(sys.executable).parent / "scaffold"

# A check's child: starts a grandchild that sleeps, writes both pids, then sleeps itself.
CHILD = """\
import os, subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
with open(sys.argv[1] + ".tmp", "w") as pids:
    pids.write(f"{os.getpid()} {grandchild.pid}")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)
"""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def gone(pids: list[int], within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def wait_for(path: Path, process: subprocess.Popen[bytes] | None = None) -> list[int]:
    deadline = time.monotonic() + 60
    while not path.exists():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"scaffold ended first ({process.returncode}): {out!r} {err!r}")
        assert time.monotonic() < deadline, "the check never started its processes"
        time.sleep(0.05)
    return [int(pid) for pid in path.read_text().split()]


@pytest.fixture
def sleeper(tmp_path: Path, make_blueprint: MakeBlueprint) -> tuple[Path, Path]:
    """A local blueprint whose command check starts CHILD; and the pids file it writes."""
    child = build_file_tree(tmp_path, {"child.py": CHILD}) / "child.py"
    pids = tmp_path / "pids"
    blueprint = make_blueprint(
        {"app/{{ name }}.py.jinja": "X = 1\n", "app/data/{{ name }}.txt.jinja": "{{ name }}\n"},
        variables=NAMED,
        checks=["py_compile", {"command": f"{PYTHON} {child} {pids}"}],
    )
    return blueprint.root, pids


@pytest.mark.parametrize("existing", [False, True], ids=["new-destination", "existing-tree"])
def test_sigterm_during_a_check_stops_its_process_group_and_rolls_back(
    existing: bool, tmp_path: Path, sleeper: tuple[Path, Path]
) -> None:
    root, pids_file = sleeper
    out = tmp_path / "out"
    if existing:
        build_file_tree(out, {"README.md": "mine\n", "app/keep.py": "KEEP = 1\n"})
    before = snapshot(out)
    env = {**os.environ, "SCAFFOLD_SETTINGS": str(tmp_path / "no-settings.yaml")}
    command = [SCAFFOLD, "new", root, "--set", "name=alpha", "--out", out, "--trust"]
    process = subprocess.Popen(
        [str(part) for part in command],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        pids = wait_for(pids_file, process)
        assert all(alive(pid) for pid in pids)
        assert (out / "app/alpha.py").exists()  # written, and being checked
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
        elapsed = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr.decode()
    assert elapsed < 5, f"SIGTERM took {elapsed:.1f}s to take effect"
    assert b"Traceback" not in stderr
    assert b"interrupted" in stderr
    assert snapshot(out) == before  # created: gone again; existing: byte for byte
    assert out.exists() is existing
    assert gone(pids), [pid for pid in pids if alive(pid)]


def test_a_checks_timeout_stops_its_grandchildren(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    child = build_file_tree(tmp_path, {"child.py": CHILD}) / "child.py"
    pids_file = tmp_path / "pids"
    blueprint = make_blueprint(
        {"{{ name }}.txt": "x\n"},
        variables=NAMED,
        checks=[{"command": {"run": f"{PYTHON} {child} {pids_file}", "timeout": 3}}],
    )
    out = tmp_path / "out"
    started = time.monotonic()
    report = scaffolder.new(blueprint, {"name": "alpha"}, out=out, trust=True)
    # the grandchild holds the output pipes: waiting for it would take its whole 60 s
    assert time.monotonic() - started < 15
    assert report.outcome is Outcome.CHECKS_FAILED and report.rolled_back
    (check,) = report.checks
    assert "timed out after 3s" in check.output
    assert gone(wait_for(pids_file))
    assert not out.exists()


def test_stopping_a_run_stops_its_live_processes_and_starts_no_more(tmp_path: Path) -> None:
    child = build_file_tree(tmp_path, {"child.py": CHILD}) / "child.py"
    pids_file = tmp_path / "pids"
    processes = Processes()
    results: list[subprocess.CompletedProcess[str]] = []
    worker = threading.Thread(
        target=lambda: results.append(
            processes.spawn([PYTHON, str(child), str(pids_file)], str(tmp_path), 60)
        )
    )
    worker.start()
    pids = wait_for(pids_file)
    assert processes.live == 1
    started = time.monotonic()
    processes.stop_all()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert time.monotonic() - started < 5
    (result,) = results
    assert result.returncode == -signal.SIGTERM
    assert gone(pids)
    assert processes.live == 0
    refused = processes.spawn([PYTHON, "-c", "pass"], str(tmp_path), 60)
    assert refused.returncode == -1
    assert "interrupted" in refused.stderr


def test_what_a_check_leaves_running_in_its_group_is_stopped_when_it_ends(
    tmp_path: Path,
) -> None:
    pids_file = tmp_path / "pids"
    # the child starts a grandchild, detached from its pipes, and exits at once
    script = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        f"open({str(pids_file)!r}, 'w').write(str(p.pid))\n"
    )
    result = Processes().spawn([PYTHON, "-c", script], str(tmp_path), 60)
    assert result.returncode == 0, result.stderr
    assert gone(wait_for(pids_file))
