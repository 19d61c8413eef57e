"""One run at a time per destination: an exclusive lock on ``<destination>/.scaffold/lock``.

A run holds it from recovery to the end of its checks, so a second run never "recovers" the
journal of a run that is alive. The lock is the operating system's (``flock``, through the
filelock library): it goes with the process, so a killed run never leaves a stale lock. The
file names its holder (pid, command, start) for the message a waiting run shows, and is
removed when the run ends, with ``.scaffold/`` and the destination if the run created them
and nothing else is in them.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import filelock

from scaffolder.errors import CommitError, ScaffoldError
from scaffolder.paths import RESERVED

LOCK = RESERVED.parent / "lock"
POLL = 0.1  # seconds between attempts while waiting


class LockedError(ScaffoldError):
    """Another run holds the destination (and ``--no-wait`` was given)."""

    kind = "locked"


@dataclass(frozen=True)
class Holder:
    """The run that holds a destination's lock, as its lock file says."""

    pid: int | None = None
    command: str = ""
    started: str = ""

    def describe(self) -> str:
        if self.pid is None:
            return "another scaffold run"
        what = f"`{self.command}`" if self.command else "a scaffold run"
        since = f", started {self.started}" if self.started else ""
        return f"{what} (pid {self.pid}{since})"


def holder(destination: Path) -> Holder:
    """Who holds (or last held) the lock of ``destination``, as far as its file says."""
    path = Path(destination) / LOCK
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            data = json.loads(os.read(fd, 65536).decode("utf-8"))
        finally:
            os.close(fd)
        pid = data.get("pid")
        return Holder(
            pid if isinstance(pid, int) else None,
            str(data.get("command", "")),
            str(data.get("started", "")),
        )
    except (OSError, ValueError, AttributeError):
        return Holder()


def is_held(destination: Path) -> bool:
    """Whether a live run holds the lock of ``destination`` (read only: a missing lock file
    is not created)."""
    path = Path(destination) / LOCK
    if not path.is_file() or path.is_symlink():
        return False
    lock = filelock.FileLock(path, timeout=0, fallback_to_soft=False, preserve_lock_file=True)
    try:
        lock.acquire()
    except (filelock.Timeout, OSError):
        return True
    lock.release()
    return False


@contextlib.contextmanager
def hold(
    destination: Path,
    *,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
) -> Iterator[None]:
    """Hold the destination's lock for the body; wait for it, or raise LockedError."""
    destination = Path(destination)
    created: list[Path] = []
    path = destination / LOCK
    lock = filelock.FileLock(path, fallback_to_soft=False)
    try:
        _acquire(lock, destination, created, wait, on_wait)
    except BaseException as exc:
        _undo_folders(destination, created)
        if isinstance(exc, OSError):
            raise _unusable(destination, exc) from exc
        raise
    inherited: list[Path] = []
    try:
        try:
            inherited = _claim(path, destination in created)
        except OSError as exc:
            raise _unusable(destination, exc) from exc
        yield
    finally:
        _release(lock, path)
        _undo_folders(destination, created or inherited)


def _acquire(
    lock: filelock.BaseFileLock,
    destination: Path,
    created: list[Path],
    wait: bool,
    on_wait: Callable[[Holder], None] | None,
) -> None:
    """Take the lock, making the folders it lives in (noted in ``created``) as needed."""
    told = False
    while True:
        created += _make_folders(destination)
        _refuse_links(destination)
        try:
            (destination / LOCK.parent).mkdir(exist_ok=True)
            lock.acquire(timeout=POLL if wait else 0)
            return
        except filelock.Timeout:
            if not wait:
                raise LockedError(
                    f"{destination}: {holder(destination).describe()} is writing to this "
                    "folder and holds its lock. Nothing was done. Run again when it has "
                    "ended, or without --no-wait to wait for it."
                ) from None
            if not told and on_wait is not None:
                on_wait(holder(destination))
                told = True
        except FileNotFoundError:
            continue  # the holder removed its folders as it ended: make them again


def _unusable(destination: Path, exc: OSError) -> CommitError:
    return CommitError(
        f"{destination}: cannot be written to ({exc.filename or destination}: "
        f"{exc.strerror or exc}). Nothing was written. Choose another --out, or fix the "
        "permissions."
    )


def _make_folders(destination: Path) -> list[Path]:
    """Create the destination (and folders above it) if missing; the ones created, outermost
    first."""
    missing = []
    probe = destination
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ScaffoldError(f"{probe}: the destination exists and is not a folder.")
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir()
    return list(reversed(missing))


def _refuse_links(destination: Path) -> None:
    reserved = destination / LOCK.parent
    for path in (reserved, destination / LOCK):
        with contextlib.suppress(FileNotFoundError):
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode) or (path == reserved and not stat.S_ISDIR(mode)):
                raise ScaffoldError(
                    f"{path}: scaffolder keeps its lock and journal here, and this is a "
                    "link or a file, not a folder of the destination; it will not follow it. "
                    "Remove it and run again."
                )


def _claim(path: Path, created_destination: bool) -> list[Path]:
    """Write who holds the lock; return the folders a killed holder created, to remove when
    they are empty (the destination itself only: never anything above it)."""
    previous: dict[str, object] = {}
    with contextlib.suppress(OSError, ValueError):
        previous = json.loads(path.read_bytes() or b"{}")
    killed_holder_created = previous.get("created_destination") is True
    inherited = [path.parent.parent] if killed_holder_created else []
    data = {
        "pid": os.getpid(),
        "command": " ".join(["scaffold", *sys.argv[1:]])[:500],
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "created_destination": created_destination or killed_holder_created,
    }
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.write(fd, json.dumps(data).encode("utf-8"))
    finally:
        os.close(fd)
    return inherited


def _release(lock: filelock.BaseFileLock, path: Path) -> None:
    """Remove the lock file while still holding it (a waiter that opened it notices and
    takes the new one), then let go."""
    try:
        with contextlib.suppress(OSError):
            path.unlink()
    finally:
        lock.release()


def _undo_folders(destination: Path, created: list[Path]) -> None:
    """Remove ``.scaffold/`` and the folders the run created, innermost first, if empty."""
    for folder in [destination / LOCK.parent, *reversed(created)]:
        with contextlib.suppress(OSError):
            folder.rmdir()
