"""The processes a killed run's checks left running.

Every process a check starts carries ``SCAFFOLD_CHECK_OF=<scaffold's pid>:<destination>`` in
its environment (its children inherit it). When ``scaffold`` itself is killed (SIGKILL gives
it no chance to stop them), those processes go on in the destination. The next run, holding
the destination's lock, finds them by that mark (Linux's ``/proc``) and stops their process
groups before it restores the files they may be using. A mark whose scaffold is still alive
is left alone; so is everything on a system without ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

ENVIRONMENT = "SCAFFOLD_CHECK_OF"
_PROC = Path("/proc")


def mark(destination: str | Path) -> dict[str, str]:
    """The environment entry for a check process run in ``destination``."""
    return {ENVIRONMENT: f"{os.getpid()}:{Path(destination).resolve()}"}


def stop_orphans(destination: Path) -> tuple[int, ...]:
    """Kill the process groups of checks whose run is dead; the pids found."""
    if not _PROC.is_dir():
        return ()
    where = str(Path(destination).resolve())
    key = ENVIRONMENT.encode() + b"="
    orphans = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:  # gone, or another user's
            continue
        for variable in environment.split(b"\0"):
            if variable.startswith(key):
                owner, _, folder = variable[len(key) :].decode("utf-8", "replace").partition(":")
                if folder == where and owner.isdigit() and not _alive(int(owner)):
                    orphans.append(int(entry.name))
    for pid in orphans:
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(pid), signal.SIGKILL)
    return tuple(orphans)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        status = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    return status.rpartition(")")[2].split()[:1] == ["Z"]
