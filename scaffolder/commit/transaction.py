"""Write a plan atomically — every planned file or none — and undo interrupted runs.

A commit keeps a journal under ``<destination>/.scaffold/journal/<id>/``:

1. ``preparing``: the journal lists every file to write and whether it existed, and the
   folders the commit creates. Nothing in the tree is touched yet.
2. Existing files that will be replaced are kept in the journal's ``backups/`` — as hard
   links where the file system allows (no space needed: files are replaced by renaming new
   ones over them, so the old bytes are never written again), else as copies. Then the free
   space is checked against what the commit still has to write.
3. ``prepared``: every file is written to a temp file beside its target (a symlink too:
   made at the temp name), none of them flushed on its own; then one flush makes them all
   durable, and the backups with them (``syncfs`` of the destination's file system, as
   git's ``core.fsyncMethod=batch``); only then is each renamed over its target. The empty
   folders the plan creates are made (the journal lists them with the other folders it
   creates, so a rollback removes them); the files an update deletes (kept in
   ``backups/`` like overwritten ones) are removed, and then the folders that leaves
   empty; the folders are synced.
4. ``committed``: the commit point, itself durable. The journal is then removed.

An error or Ctrl-C before the commit point rolls back at once; a process killed mid-commit
leaves the journal, and :func:`recover` (called, under the destination's lock, at the start
of every run) rolls it back. A rollback writes nothing (it renames backups back and removes
what the run created), so it works on a full disk; it is idempotent, so a rollback that is
itself interrupted is simply done again.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NoReturn

from scaffolder.commit.files import FileSystem
from scaffolder.commit.journal import (
    DELETE,
    JOURNAL_FILE,
    Entry,
    Journal,
    JournalState,
    RemovedDir,
    temp_name,
)
from scaffolder.commit.undo import (
    JOURNAL_DIRS,
    Rollback,
    discard,
    remove_empty_dirs,
    remove_if_present,
    rollback,
)
from scaffolder.errors import CommitError
from scaffolder.plan import Plan, PlannedFile
from scaffolder.progress import OnProgress, Stage, StageProgress

_BLOCK = 4096  # what a file or folder costs on disk at least


@dataclass(frozen=True)
class CommitResult:
    transaction: str | None
    written: tuple[PurePosixPath, ...] = ()
    deleted: tuple[PurePosixPath, ...] = ()


class Transaction:
    """Files written, journal kept: :meth:`finish` is the commit point, :meth:`roll_back`
    puts everything back. Checks run in between, so a failed check can still undo the run.
    A process killed before :meth:`finish` leaves a journal that :func:`recover` rolls back.
    """

    def __init__(
        self,
        plan: Plan,
        journal: Journal | None = None,
        writes: tuple[PlannedFile, ...] = (),
        fs: FileSystem | None = None,
    ) -> None:
        self.plan = plan
        self._journal = journal
        self._writes = writes
        self._fs = FileSystem() if fs is None else fs

    def finish(self) -> CommitResult:
        """Reach the commit point, then clean up the journal."""
        journal, fs = self._journal, self._fs
        if journal is None:
            return CommitResult(transaction=None)
        try:
            try:
                _save(journal, fs, JournalState.COMMITTED)  # the commit point
            except BaseException as exc:
                if journal.state is not JournalState.COMMITTED:
                    try:
                        rollback(journal, fs)
                    except OSError as failed:
                        raise _unfinished(journal, failed) from exc
                    _reraise(exc, self.plan)
            return _finish(journal, (*self._writes, *self.plan.deletes), fs)
        finally:
            fs.close()

    def roll_back(self) -> Rollback:
        """Restore every file to what it was before the run; remove the folders it created
        when nothing else is in them."""
        if self._journal is None:
            return Rollback()
        try:
            return rollback(self._journal, self._fs)
        except OSError as exc:
            raise _unfinished(self._journal, exc) from exc
        finally:
            self._fs.close()


def write(
    plan: Plan,
    fs: FileSystem | None = None,
    progress: OnProgress | None = None,
    *,
    exact_modes: bool = False,
) -> Transaction:
    """Write every file the plan creates or overwrites, and remove those it deletes,
    keeping the journal open. ``progress`` is told the files written, every
    :data:`_TELL_EVERY` and the last. ``exact_modes``: each file gets exactly its mode,
    whatever the umask (an undo putting files back)."""
    fs = FileSystem() if fs is None else fs
    writes, deletes = plan.writes, plan.deletes
    if not writes and not deletes:
        return Transaction(plan, fs=fs)
    journal = Journal(id=uuid.uuid4().hex[:12], destination=Path(plan.destination))
    fs.anchor(journal.destination, exact_modes=exact_modes)
    try:
        folders = _prepare(journal, writes, deletes, fs, plan.removable)
        _apply(journal, writes, folders, fs, progress)
    except BaseException as exc:
        try:
            rollback(journal, fs)
        except OSError as failed:
            raise _unfinished(journal, failed) from exc
        finally:
            fs.close()
        _reraise(exc, plan)
    return Transaction(plan, journal, writes, fs)


def commit(plan: Plan, fs: FileSystem | None = None) -> CommitResult:
    """Write every file the plan creates or overwrites (and remove those it deletes),
    atomically."""
    return write(plan, fs).finish()


def _reraise(exc: BaseException, plan: Plan) -> NoReturn:
    """An OSError becomes a CommitError that says what happened; anything else goes on."""
    if isinstance(exc, CommitError):
        raise exc
    if not isinstance(exc, OSError):
        raise exc
    target = exc.filename or plan.destination
    cause = "no space left on the disk" if exc.errno == errno.ENOSPC else exc.strerror or exc
    raise CommitError(
        f"writing failed at {target}: {cause}. Nothing was written: "
        f"{plan.destination} is as it was before the run. Fix the cause (disk space, "
        "permissions, a folder replaced by a link) and run again."
    ) from exc


def _unfinished(journal: Journal, exc: OSError) -> CommitError:
    """A rollback that could not complete (the disk failing, say): the journal stays."""
    return CommitError(
        f"{journal.destination}: the run failed, and putting the files back failed too at "
        f"{exc.filename or journal.folder}: {exc.strerror or exc}. The journal is kept in "
        f"{journal.folder}: fix the cause, then run scaffold again in this folder; it "
        "finishes restoring the files before it does anything else."
    )


def _finish(journal: Journal, changed: Sequence[PlannedFile], fs: FileSystem) -> CommitResult:
    """Clean up after the commit point. The files are written whatever happens here: an
    error or Ctrl-C only leaves the journal behind, and the next run finishes it."""
    with contextlib.suppress(OSError, KeyboardInterrupt):
        discard(journal, fs)
        remove_empty_dirs(journal, JOURNAL_DIRS, fs)
    written = tuple(f.path for f in changed if f.status.writes)
    deleted = tuple(f.path for f in changed if not f.status.writes)
    return CommitResult(journal.id, written, deleted)


def _prepare(
    journal: Journal,
    writes: tuple[PlannedFile, ...],
    deletes: tuple[PlannedFile, ...],
    fs: FileSystem,
    removable: frozenset[str] | None = None,
) -> list[Path]:
    """Write the journal and the backups; return the folders the targets still need (and
    the empty folders the plan creates). ``removable``: the folders the commit removes when
    it leaves them empty (None: any its deletions leave empty)."""
    destination = journal.destination
    for folder in _missing_dirs(destination, [journal.folder]):
        fs.make_dir(folder)
        journal.created_dirs.append(_relative(folder, destination))
        fs.sync_dir(folder.parent)
    for planned in _files(writes):
        journal.entries.append(
            Entry(
                path=planned.path.as_posix(),
                existed=planned.current is not None,
                temp=temp_name(planned.path, journal.id).as_posix(),
                mode=planned.file.mode,
            )
        )
    for planned in deletes:
        path = planned.path.as_posix()
        temp = temp_name(planned.path, journal.id).as_posix()
        journal.entries.append(Entry(path, True, temp, mode=planned.file.mode, action=DELETE))
    _save(journal, fs, JournalState.PREPARING)
    if any(entry.existed for entry in journal.entries):
        fs.make_dir(journal.folder / "backups")
    for number, entry in enumerate(journal.entries):
        if entry.existed:
            backup = f"backups/{number}"
            fs.backup(destination / entry.path, journal.folder / backup)
            entry.backup = backup
    # The target folders are in the journal before any is made, so that a rollback after a
    # kill removes them too.
    targets = [destination / p.path for p in writes]
    parents = [t if p.file.folder else t.parent for p, t in zip(writes, targets, strict=True)]
    folders = list(_missing_dirs(destination, parents))
    journal.created_dirs.extend(_relative(folder, destination) for folder in folders)
    journal.removed_dirs = _emptied(journal, fs, removable)
    _reserve(journal, writes, len(folders))
    _save(journal, fs, JournalState.PREPARED)
    return folders


def _emptied(
    journal: Journal, fs: FileSystem, removable: frozenset[str] | None = None
) -> list[RemovedDir]:
    """The folders the deletions leave empty, innermost first: all they hold is files the
    commit deletes and such folders, and no file the commit writes goes into them. With
    ``removable``, only those of its folders (and those of them already empty)."""
    deleted = {entry.path for entry in journal.entries if entry.action == DELETE}
    if not deleted and not removable:  # most runs: no need to look at every file's parents
        return []
    written = {entry.path for entry in journal.entries if entry.action != DELETE}
    kept = {p.as_posix() for path in written for p in PurePosixPath(path).parents}
    candidates = {p.as_posix() for path in deleted for p in PurePosixPath(path).parents}
    if removable is not None:
        candidates = set(removable)
    emptied: set[str] = set()
    removed = []
    for folder in sorted(candidates - kept - {"."}, key=lambda f: (-f.count("/"), f)):
        path = journal.path(folder)
        if fs.kind(path) != "folder":
            continue
        inside = (f"{folder}/{name}" for name in fs.names(path))
        if all(child in deleted or child in emptied for child in inside):
            emptied.add(folder)
            removed.append(RemovedDir(folder, fs.mode(path)))
    return removed


def _reserve(journal: Journal, writes: tuple[PlannedFile, ...], folders: int) -> None:
    """Refuse, before any target is touched, a commit the disk has no room for."""
    needed = sum(-(-len(p.file.content) // _BLOCK) * _BLOCK for p in writes)
    needed += (folders + 2) * _BLOCK + 2 * len(json.dumps(journal.to_json()))
    try:
        info = os.statvfs(journal.folder)
    except OSError:
        return  # no figures to go by: the write itself will say
    free = info.f_bavail * info.f_frsize
    if needed > free:
        raise CommitError(
            f"{journal.destination}: not enough free space for this run: it writes about "
            f"{_size(needed)} and the disk has {_size(free)} free. Nothing was written: "
            f"{journal.destination} is as it was before the run. Free some space and run again."
        )


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    size = count / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _apply(
    journal: Journal,
    writes: tuple[PlannedFile, ...],
    folders: list[Path],
    fs: FileSystem,
    progress: OnProgress | None = None,
) -> None:
    for folder in folders:
        fs.make_dir(folder)
    synced: dict[Path, None] = {folder.parent: None for folder in folders}
    files = _files(writes)
    renames = []
    _told(progress, 0, len(files))
    for planned, entry in zip(files, journal.entries[: len(files)], strict=True):
        temp, target = journal.path(entry.temp), journal.path(entry.path)
        if planned.file.link is not None:
            fs.symlink(planned.file.link, temp)
        else:
            fs.write(temp, planned.file.content, planned.file.mode)
        renames.append((temp, target))
        _told(progress, len(renames), len(files))
    # One flush for every temp file (and the backups) before any target is replaced, not one
    # fsync per file: a rename that reaches the disk never names bytes that have not.
    fs.flush(journal.destination)
    for temp, target in renames:
        fs.replace(temp, target)
        synced[target.parent] = None
    for entry in journal.entries[len(files) :]:  # the deletions, kept in backups/
        target = journal.path(entry.path)
        fs.remove(target)
        synced[target.parent] = None
    for removed in journal.removed_dirs:  # innermost first
        folder = journal.path(removed.path)
        try:
            fs.remove_dir(folder)
        except OSError as exc:  # not empty after all (something came into it): it stays
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                raise
        synced[folder.parent] = None
    for folder in synced:  # the renames, removals and new folders survive a power cut
        if fs.kind(folder) == "folder":
            fs.sync_dir(folder)


def _files(writes: Sequence[PlannedFile]) -> list[PlannedFile]:
    """What the commit writes (files and symlinks), each with a journal entry; the empty
    folders it creates are in the journal's created folders instead."""
    return [planned for planned in writes if not planned.file.folder]


def _save(journal: Journal, fs: FileSystem, state: JournalState) -> None:
    """Write the journal in ``state``, durably; the in-memory state changes only once it is
    on disk."""
    path = journal.folder / JOURNAL_FILE
    temp = path.with_suffix(".tmp")
    remove_if_present(temp, fs)
    # one line: json's C encoder (an indented dump takes the slow pure-Python one)
    content = json.dumps({**journal.to_json(), "state": state.value}, separators=(",", ":"))
    fs.write(temp, content.encode("utf-8"))
    fs.sync_file(temp)  # the journal is flushed on its own: a few writes per commit
    fs.replace(temp, path)
    journal.state = state
    fs.sync_dir(journal.folder)


def _relative(folder: Path, destination: Path) -> str:
    return folder.relative_to(destination).as_posix() if folder != destination else "."


def _missing_dirs(destination: Path, folders: list[Path]) -> Iterator[Path]:
    """The folders to create, outermost first, for ``folders`` to exist (the destination
    included; never above it)."""
    seen: set[Path] = set()  # to be made, or there: the files of one folder look once
    for folder in folders:
        chain = []
        probe = folder
        while probe not in seen and not probe.exists():
            chain.append(probe)
            seen.add(probe)
            if probe == destination:
                break
            probe = probe.parent
        seen.add(probe)
        yield from reversed(chain)


_TELL_EVERY = 100  # files written between two progress events: telling costs nothing


def _told(progress: OnProgress | None, done: int, total: int) -> None:
    if progress is not None and (done % _TELL_EVERY == 0 or done == total):
        progress(StageProgress(Stage.WRITING, done, total))
