"""The processes a run's checks start, and how they are stopped.

Every process a check starts runs in a process group of its own (a new session), so that
stopping it stops what it started too: pytest's workers, a shell's children, a ``sleep``
left running in the background. A run keeps the live ones in a :class:`Processes`
registry; an interrupted run (Ctrl-C, or SIGTERM, which the ``scaffold`` entry point turns
into Ctrl-C) stops every group at once and starts no new process. A process that runs past
its timeout is stopped with its whole group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from scaffolder.checks.interpreter import Interpreter, environment
from scaffolder.commit import orphans
from scaffolder.errors import ScaffoldError

GRACE = 1.0  # seconds a stopped group has between SIGTERM and SIGKILL
_POLL = 0.02

Process = subprocess.Popen[str]

JOBS = "SCAFFOLD_CHECK_JOBS"  # at most this many processes for one check; 1: one process


class JobsError(ScaffoldError):
    """``SCAFFOLD_CHECK_JOBS`` is not a whole number of processes; found before anything
    is written."""

    kind = "environment"


def jobs(environ: Mapping[str, str] | None = None) -> int:
    """How many processes one check may split its files across: ``SCAFFOLD_CHECK_JOBS`` if
    set (``1``: never split), else the CPUs this process may run on (``taskset`` counts)."""
    environ = os.environ if environ is None else environ
    given = environ.get(JOBS, "").strip()
    if not given:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    if not given.isdigit() or int(given) < 1:
        raise JobsError(
            f"{JOBS}={given!r}: give a whole number of processes, at least 1 (1 runs each "
            f"check in one process), or unset it to use every CPU. Nothing was written."
        )
    return int(given)


class Processes:
    """The live processes of one run's checks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[Process] = set()
        self._stopped = False

    def spawn(
        self, argv: list[str], cwd: str, timeout: float, python: Interpreter | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one of a check's processes to its end, or until ``timeout`` seconds.

        The destination is importable (on ``PYTHONPATH``) and no bytecode is written into
        it: a rolled-back run must leave no ``__pycache__`` behind. ``python``'s virtual
        environment, if it has one, is active (:func:`~scaffolder.checks.interpreter.environment`).
        """
        env = environment(cwd, python)
        env.update(orphans.mark(cwd))  # if scaffold is killed, the next run stops them
        with self._lock:  # so that stop_all() cannot miss a process that is starting
            if self._stopped:
                return subprocess.CompletedProcess(argv, -1, "", "not started: interrupted")
            try:
                process = subprocess.Popen(
                    argv,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    errors="replace",
                    start_new_session=True,
                )
            except OSError as exc:  # found by the tool guard, but gone or not executable since
                return subprocess.CompletedProcess(argv, 127, "", f"cannot start {argv[0]}: {exc}")
            self._live.add(process)
        try:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                stop_groups([process])
                stdout, stderr = _drain(process)
                note = f"timed out after {timeout:.0f}s (options: timeout)"
                return subprocess.CompletedProcess(argv, -1, stdout, f"{stderr}{note}")
            # what it left running in its group (a daemon, a background job) goes with it
            _signal_group(process, signal.SIGKILL)
            return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)
        finally:
            with self._lock:
                self._live.discard(process)

    def spawn_all(
        self,
        argvs: Sequence[list[str]],
        cwd: str,
        timeout: float,
        python: Interpreter | None = None,
    ) -> list[subprocess.CompletedProcess[str]]:
        """:meth:`spawn` each command line, all at once, and their results in that order.
        Each is in the registry while it runs: :meth:`stop_all` stops every one of them."""
        if len(argvs) == 1:
            return [self.spawn(argvs[0], cwd, timeout, python)]
        with ThreadPoolExecutor(len(argvs), thread_name_prefix="scaffold-check-part") as pool:
            return list(pool.map(lambda argv: self.spawn(argv, cwd, timeout, python), argvs))

    def stop_all(self) -> None:
        """Stop every live process group at once; start no process from now on."""
        with self._lock:
            self._stopped = True
            live = list(self._live)
        stop_groups(live)

    @property
    def live(self) -> int:
        with self._lock:
            return len(self._live)


def stop_groups(processes: Sequence[Process], grace: float = GRACE) -> None:
    """SIGTERM to each process's group, then SIGKILL to those still there after ``grace``."""
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    remaining = list(processes)
    deadline = time.monotonic() + grace
    try:
        while remaining and time.monotonic() < deadline:
            time.sleep(_POLL)
            remaining = [p for p in remaining if _group_alive(p)]
    finally:  # a second Ctrl-C during the grace goes straight to SIGKILL
        for process in remaining:
            _signal_group(process, signal.SIGKILL)


def _group_alive(process: Process) -> bool:
    process.poll()  # reaps the leader if it is gone (its zombie still counts in the group)
    if not hasattr(os, "killpg"):
        return process.returncode is None
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(process: Process, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            # start_new_session: the process leads its own group, whose id is its pid
            os.killpg(process.pid, signum)
        elif process.returncode is None:
            process.send_signal(signum)


def _drain(process: Process) -> tuple[str, str]:
    """What a stopped process printed. A process that escaped its group (a new session of
    its own) may hold the pipes open: then its output is given up, not waited for."""
    try:
        stdout, stderr = process.communicate(timeout=GRACE * 2)
    except subprocess.TimeoutExpired:
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        process.wait()
        return "", "(its output was lost: a process it started still holds it)\n"
    return stdout or "", stderr or ""
