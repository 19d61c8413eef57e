"""Helpers for the end-to-end tests that run, kill and race real ``scaffold`` processes.

Everything here writes only under the folders a test passes in (its ``tmp_path``).
Every process is started in a session of its own, so that killing it can also take
down the check processes it started (pytest, python) and nothing outlives a test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import snapshot, without_history

SCAFFOLD = Path(sys.executable).parent / "scaffold"
RESERVED = Path(".scaffold")
JOURNALS = RESERVED / "journal"
RECORD = (RESERVED / "last-run.json").as_posix()
TIMEOUT = 90  # seconds for any one scaffold process; none takes more than a few

Tree = dict[str, bytes | None]


def environment() -> dict[str, str]:
    """The test's own environment (PATH, PYTHONPATH, the venv), without SCAFFOLD_PATH."""
    env = dict(os.environ)
    env.pop("SCAFFOLD_PATH", None)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    return env


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return f"$ scaffold {' '.join(self.args)}\nexit {self.returncode}\n" + (
            f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}"
        )


def run(args: Sequence[str], cwd: Path, timeout: float = TIMEOUT) -> Result:
    """Run ``scaffold ARGS`` in ``cwd`` to its end."""
    proc = start(args, cwd)
    return finish(proc, args, timeout)


def start(args: Sequence[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SCAFFOLD), *args],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[str], args: Sequence[str], timeout: float = TIMEOUT) -> Result:
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        stdout, stderr = proc.communicate()
        raise AssertionError(
            f"scaffold {' '.join(args)} did not end within {timeout}s\n{stdout}\n{stderr}"
        ) from None
    return Result(tuple(args), proc.returncode, stdout, stderr)


def kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the process and what is left of its session (its check processes).

    Only while the process is not reaped: until then its pid, and so its group id, cannot
    be anyone else's.
    """
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def has_journal(destination: Path) -> bool:
    """Whether a run's journal folder ``<destination>/.scaffold/journal/<id>`` exists."""
    try:
        with os.scandir(destination / JOURNALS) as entries:
            return any(True for _ in entries)
    except (FileNotFoundError, NotADirectoryError):
        return False


def wait_for_journal(proc: subprocess.Popen[str], destination: Path, timeout: float) -> bool:
    """Poll every ~1 ms until a journal appears (True) or the process ends (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if has_journal(destination):
            return True
        if proc.poll() is not None:
            return has_journal(destination)
        time.sleep(0.001)
    kill_group(proc)
    proc.communicate()
    raise AssertionError(f"no journal appeared in {destination} within {timeout}s")


def run_timing_journal(args: Sequence[str], cwd: Path, destination: Path) -> tuple[Result, float]:
    """Run ``scaffold ARGS`` to its end; also return how long its journal existed (seconds)."""
    proc = start(args, cwd)
    try:
        if not wait_for_journal(proc, destination, timeout=TIMEOUT):
            return finish(proc, args), 0.0
        appeared = time.perf_counter()
        while has_journal(destination) and proc.poll() is None:
            time.sleep(0.001)
        window = time.perf_counter() - appeared
        return finish(proc, args), window
    finally:
        if proc.poll() is None:
            kill_group(proc)
            proc.communicate()


def pause(seconds: float) -> None:
    """Sleep precisely: spin for the short delays, where sleep() would overshoot."""
    end = time.perf_counter() + seconds
    if seconds > 0.02:
        time.sleep(seconds - 0.01)
    while time.perf_counter() < end:
        pass


@dataclass(frozen=True)
class Kill:
    """Where a SIGKILL landed."""

    delay: float  # seconds after the journal appeared
    killed: bool  # False: the run had already ended by itself
    journal_at_kill: bool  # a journal was in the tree after the kill
    changed: bool  # the tree differed from the one before the run

    def describe(self) -> str:
        where = "journal present" if self.journal_at_kill else "no journal"
        state = "killed" if self.killed else "had already ended"
        return f"+{self.delay * 1000:.1f} ms: {state}, {where}, tree {'changed' if self.changed else 'as before'}"


def kill_after_journal(
    args: Sequence[str], cwd: Path, destination: Path, delay: float, before: Tree
) -> Kill:
    """Start ``scaffold ARGS``; ``delay`` seconds after its journal appears, SIGKILL it."""

    def journal_seen(proc: subprocess.Popen[str]) -> bool:
        return wait_for_journal(proc, destination, timeout=TIMEOUT)

    return _kill_after(args, cwd, destination, journal_seen, delay, before)


def kill_when_exists(
    args: Sequence[str], cwd: Path, destination: Path, marker: Path, delay: float, before: Tree
) -> Kill:
    """Start ``scaffold ARGS``; ``delay`` seconds after ``marker`` appears (made by a check
    the run starts, say), SIGKILL it. Aimed at an event, not a time: a loaded machine
    cannot make it miss."""

    def marker_seen(proc: subprocess.Popen[str]) -> bool:
        deadline = time.monotonic() + TIMEOUT
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        if not marker.exists():
            raise AssertionError(f"{marker} never appeared: scaffold {' '.join(args)}")
        return True

    return _kill_after(args, cwd, destination, marker_seen, delay, before)


def _kill_after(
    args: Sequence[str],
    cwd: Path,
    destination: Path,
    seen: Callable[[subprocess.Popen[str]], bool],
    delay: float,
    before: Tree,
) -> Kill:
    """Start ``scaffold ARGS``; ``delay`` seconds after ``seen`` returns True, SIGKILL it."""
    proc = start(args, cwd)
    try:
        if seen(proc):
            pause(delay)
        kill_group(proc)
        proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            kill_group(proc)
            proc.communicate()
    killed = proc.returncode == -signal.SIGKILL
    return Kill(delay, killed, has_journal(destination), snapshot(cwd) != before)


def copy_tree(source: Path, target: Path) -> Path:
    """A fresh copy of a prepared workspace (symlinks kept as links)."""
    shutil.copytree(source, target, symlinks=True)
    return target


def write_items(path: Path, resources: Iterable[str], blueprint: str = "crud-endpoint") -> Path:
    lines = [f"blueprint: {blueprint}", "items:"]
    lines += [f"  - {{resource: {resource}}}" for resource in resources]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tree_difference(actual: Tree, expected: Tree, limit: int = 8) -> str:
    """A short account of how two snapshots differ ('' when they are equal)."""
    extra = sorted(set(actual) - set(expected))
    missing = sorted(set(expected) - set(actual))
    changed = sorted(p for p in set(actual) & set(expected) if actual[p] != expected[p])
    parts = []
    for label, paths in (("unexpected", extra), ("missing", missing), ("different", changed)):
        if paths:
            shown = ", ".join(paths[:limit]) + (" …" if len(paths) > limit else "")
            parts.append(f"{len(paths)} {label}: {shown}")
    return "; ".join(parts)


def assert_tree(actual: Tree, expected: Tree | Sequence[Tree], what: str) -> None:
    """``actual`` equals ``expected`` (or one of several acceptable trees), byte for byte."""
    options = [expected] if isinstance(expected, Mapping) else list(expected)
    if any(actual == option for option in options):
        return
    differences = " | or: ".join(tree_difference(actual, option) for option in options)
    raise AssertionError(f"{what}: {differences}")


def scaffold_files(tree: Tree, destination: str) -> list[str]:
    """What of scaffolder's own is in a destination's snapshot (taken of its parent), but
    the history of the runs (``test_undo.py`` and ``test_history.py`` look at that)."""
    prefix = f"{destination}/{RESERVED.as_posix()}/"
    tree = without_history(tree)
    own = [p for p in tree if p.startswith(prefix) and tree[p] is not None]
    temps = [p for p in tree if p.endswith(".tmp")]
    return sorted({p[len(destination) + 1 :] for p in own + temps})


def no_traceback(*results: Result) -> None:
    for result in results:
        assert "Traceback" not in result.stdout + result.stderr, result.output
