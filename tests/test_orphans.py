"""`kill -9` of scaffold itself while a check runs: the check's process is in its own
group, so it goes on running in the destination; the next run stops it before it
restores the files under it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SCAFFOLD, MakeBlueprint, build_file_tree, snapshot
from tests.test_check_signals import alive

LINGER = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)"


def test_the_next_run_stops_the_checks_a_killed_run_left_alive(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    pid_file = tmp_path / "check.pid"
    blueprint = make_blueprint(
        {"pkg/{{ name }}.py.jinja": "NAME = {{ name | tojson }}\n"},
        checks=[{"command": f'{sys.executable} -c "{LINGER}" {pid_file}'}],
    )
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    args = [str(SCAFFOLD), "new", str(blueprint.root), "--set", "name=alpha", "--out", str(out)]
    killed = subprocess.Popen(
        [*args, "--trust"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not (pid_file.is_file() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    check = int(pid_file.read_text())
    killed.send_signal(signal.SIGKILL)  # scaffold alone, as `kill -9 PID` does
    killed.wait(timeout=30)
    time.sleep(0.3)
    assert alive(check), "the check should outlive a SIGKILLed scaffold"

    again = subprocess.run(
        [*args, "--no-check"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "recovered an interrupted run" in again.stdout
    deadline = time.monotonic() + 10
    while alive(check) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(check), "the next run left the killed run's check running"
    assert (out / "pkg/alpha.py").read_text() == 'NAME = "alpha"\n'
    assert snapshot(out)["README.md"] == before["README.md"]


def test_a_live_runs_checks_are_left_alone(tmp_path: Path) -> None:
    """Only processes whose scaffold is dead are stopped: a mark naming a live process (this
    one) for the same destination is not touched."""
    from scaffolder.commit.orphans import mark, stop_orphans

    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, **mark(out)}
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], env=env, start_new_session=True
    )
    try:
        time.sleep(0.2)
        assert stop_orphans(out) == ()
        assert alive(child.pid)
    finally:
        child.kill()
        child.wait()
