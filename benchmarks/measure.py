"""Whole-process measurements: wall time and peak memory of one fresh process.

Each measured command is started fresh (``subprocess.Popen``), its output drained as it
comes (from a pipe, or from a pseudo-terminal when the figure is about a terminal), and
reaped. Its peak resident memory (of the process and of every process it waited for, the
largest of them: a check's pytest run counts) comes from GNU ``/usr/bin/time -f %M``, a
small C program that starts it: Linux counts the memory of the process that forks into the
peak of the child it execs, so ``os.wait4`` in this (large) Python process would report at
least this process's own size. Without ``/usr/bin/time`` it falls back to ``os.wait4``.
The wall time runs from just before the start to just after the reaping.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import tempfile
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TERMINAL_SIZE = (50, 120)  # rows, columns of the pseudo-terminal
TIME = Path("/usr/bin/time")
SAMPLES_PER_SECOND = 4  # of the memory of a process tree, when asked for


class BenchmarkError(Exception):
    """A measured command failed, timed out, or the outputs differ: the figures are void."""


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_mb: float  # the largest resident set of the process and the processes it reaped
    output_bytes: int
    tree_mb: float | None = None  # with sample_memory: the peak sum over its process tree


def run_once(
    command: Sequence[str | Path],
    *,
    cwd: Path,
    env: Mapping[str, str],
    terminal: bool = False,
    cores: frozenset[int] | None = None,
    timeout: float = 1800.0,
    sample_memory: bool = False,
    scratch: Path | None = None,
) -> Sample:
    """Run ``command`` to its end in a fresh process; fail loudly unless it exits 0.

    ``terminal``: stdin, stdout and stderr are a pseudo-terminal of TERMINAL_SIZE, read as
    fast as a terminal emulator would take it. ``cores``: the CPUs the process (and what it
    starts) may use, as ``taskset`` does. ``sample_memory``: also sum the proportional set
    size (PSS) of the process and all its descendants, SAMPLES_PER_SECOND times a second,
    and keep the peak (worker processes run at the same time: their memory adds up; the
    sampling costs CPU, so a run that samples is not one to time).
    """
    args = [str(part) for part in command]
    shown = " ".join(args)
    report = None
    if TIME.is_file():  # its report goes to a file in ``scratch``, not into the output
        handle, name = tempfile.mkstemp(prefix="maxrss-", dir=scratch)
        os.close(handle)
        report = Path(name)
        args = [str(TIME), "-f", "%M", "-o", name, *args]
    reader, writer = _terminal() if terminal else os.pipe()
    affinity = (lambda: os.sched_setaffinity(0, cores)) if cores else None
    kept = bytearray()
    total, tree_kb, sampled = 0, 0, 0.0
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env),
            stdin=writer if terminal else subprocess.DEVNULL,
            stdout=writer,
            stderr=writer if terminal else subprocess.STDOUT,
            preexec_fn=affinity,
            start_new_session=True,
        )
    except BaseException:
        os.close(reader)
        os.close(writer)
        raise
    os.close(writer)
    try:
        while True:
            left = started + timeout - time.perf_counter()
            if left <= 0:
                os.killpg(process.pid, signal.SIGKILL)
                raise BenchmarkError(f"timed out after {timeout:.0f} s: {shown}")
            wait = 5.0
            if sample_memory:
                wait = sampled + 1 / SAMPLES_PER_SECOND - time.perf_counter()
                if wait <= 0:
                    tree_kb = max(tree_kb, _tree_pss_kb(process.pid))
                    sampled, wait = time.perf_counter(), 1 / SAMPLES_PER_SECOND
            ready, _, _ = select.select([reader], [], [], min(left, wait))
            if not ready:
                continue
            try:
                chunk = os.read(reader, 1 << 16)
            except OSError:  # EIO: the terminal's other side closed
                break
            if not chunk:
                break
            total += len(chunk)
            kept += chunk
            del kept[:-8192]
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    finally:
        os.close(reader)
        reported = _reported_kb(report)
    peak_kb = reported or usage.ru_maxrss
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = kept.decode(errors="replace")[-3000:]
        raise BenchmarkError(
            f"exit {process.returncode}: {shown}\n(in {cwd})\n--- output (end)\n{tail}"
        )
    tree = max(tree_kb, peak_kb) / 1024 if sample_memory else None
    return Sample(seconds, peak_kb / 1024, total, tree)


def _reported_kb(report: Path | None) -> int | None:
    """The peak (kB) that ``/usr/bin/time`` wrote; the file is removed."""
    if report is None:
        return None
    try:
        return int(report.read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return None
    finally:
        report.unlink(missing_ok=True)


def _tree_pss_kb(root: int) -> int:
    """The summed PSS (kB) of ``root`` and every process descended from it, now."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as stream:
                    fields = stream.read().rpartition(")")[2].split()
            except OSError:  # it ended meanwhile
                continue
            parents[int(name)] = int(fields[1])
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as stream:
                total += sum(int(line.split()[1]) for line in stream if line.startswith("Pss:"))
        except OSError:
            continue
    return total


def _terminal() -> tuple[int, int]:
    main, side = os.openpty()
    rows, columns = TERMINAL_SIZE
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return main, side
