"""Stage 5: write a plan atomically — every planned file or none.

A commit keeps a journal under ``<destination>/.scaffold/journal/<id>/``:

1. ``preparing``: the journal lists every file to write, whether it existed,
   and the folders the commit creates. Nothing in the tree is touched yet.
2. Existing files that will be overwritten are copied into the journal.
3. ``prepared``: from here on, files are written, each to a temp file beside
   its target and then renamed over it.
4. ``committed``: the commit point. The journal is then removed.

An error or Ctrl-C before the commit point rolls back at once; a process
killed mid-commit leaves the journal behind, and :func:`recover` (called by the
pipeline at the start of every run) rolls it back. Rolling back is idempotent,
so a rollback that is itself interrupted is simply done again.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, NoReturn

from scaffolder.errors import CommitError, ScaffoldError
from scaffolder.plan import Plan, PlannedFile
from scaffolder.render import RESERVED, confine

JOURNAL_FILE = "journal.json"
_BACKUP = re.compile(r"^backups/[0-9]+$")


class FileSystem:
    """Every file operation a commit makes, one method each.

    Tests substitute a subclass that fails the k-th operation to prove that
    any failure leaves the destination as it was.
    """

    def make_dir(self, path: Path) -> None:
        path.mkdir()

    def write(self, path: Path, content: bytes, mode: int = 0o644) -> None:
        """Create ``path`` (which must not exist) with ``content``, flushed to disk."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)

    def copy(self, source: Path, target: Path) -> None:
        """Copy ``source`` to the new file ``target``, keeping its mode."""
        self.write(target, source.read_bytes(), source.stat().st_mode & 0o7777)
        os.chmod(target, source.stat().st_mode & 0o7777)

    def replace(self, source: Path, target: Path) -> None:
        os.replace(source, target)

    def remove(self, path: Path) -> None:
        path.unlink()

    def remove_dir(self, path: Path) -> None:
        path.rmdir()


class JournalState(enum.Enum):
    PREPARING = "preparing"
    PREPARED = "prepared"
    COMMITTED = "committed"


@dataclass(frozen=True)
class CommitResult:
    transaction: str | None
    written: tuple[PurePosixPath, ...] = ()


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` found and undid."""

    rolled_back: tuple[str, ...] = ()
    completed: tuple[str, ...] = ()

    @property
    def happened(self) -> bool:
        return bool(self.rolled_back or self.completed)


@dataclass
class _Entry:
    path: str
    existed: bool
    temp: str
    backup: str | None = None
    mode: int = 0o644


@dataclass
class _Journal:
    """The journal's content; mutable while the commit is built up."""

    id: str
    destination: Path
    entries: list[_Entry] = field(default_factory=list)
    created_dirs: list[str] = field(default_factory=list)  # relative to destination
    state: JournalState = JournalState.PREPARING

    @property
    def folder(self) -> Path:
        return self.destination.joinpath(*RESERVED.parts, self.id)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "id": self.id,
            "state": self.state.value,
            "entries": [vars(entry) for entry in self.entries],
            "created_dirs": self.created_dirs,
        }

    @classmethod
    def from_json(cls, destination: Path, data: dict[str, Any]) -> _Journal:
        journal = cls(
            id=data["id"],
            destination=destination,
            entries=[_Entry(**entry) for entry in data["entries"]],
            created_dirs=list(data["created_dirs"]),
            state=JournalState(data["state"]),
        )
        journal.check()
        return journal

    def check(self) -> None:
        """Refuse a journal that names anything a commit here cannot have made.

        Recovery deletes and overwrites what the journal names, so a damaged or planted
        journal must not lead it out of the destination.
        """
        for entry in self.entries:
            path = entry.path if isinstance(entry.path, str) else ""
            try:
                confined: str | None = confine(path).as_posix()
            except ScaffoldError:
                confined = None
            if not path or confined != path:
                raise ValueError(f"entry {entry.path!r} is not a destination-relative path")
            name = PurePosixPath(path).name
            temp = PurePosixPath(path).with_name(f".{name}.scaffold-{self.id}.tmp")
            if entry.temp != temp.as_posix():
                raise ValueError(f"entry {path!r} has the unexpected temp file {entry.temp!r}")
            if entry.backup is not None and not (
                isinstance(entry.backup, str) and _BACKUP.match(entry.backup)
            ):
                raise ValueError(f"entry {path!r} has the unexpected backup {entry.backup!r}")
            if not isinstance(entry.existed, bool):
                raise ValueError(f"entry {path!r} has no valid 'existed'")
        for relative in self.created_dirs:
            if not isinstance(relative, str) or not relative or "\x00" in relative:
                raise ValueError(f"created folder {relative!r} is not destination-relative")
            parts = Path(relative).parts  # written by os.path.relpath
            # inside the destination, or parents of the destination that the commit created
            if Path(relative).anchor or not (".." not in parts or set(parts) == {".."}):
                raise ValueError(f"created folder {relative!r} is not destination-relative")


class Transaction:
    """Files written, journal kept: :meth:`finish` is the commit point, :meth:`roll_back`
    puts everything back. Checks run in between, so a failed check can still undo the run.
    A process killed before :meth:`finish` leaves a journal that :func:`recover` rolls back.
    """

    def __init__(
        self,
        plan: Plan,
        journal: _Journal | None = None,
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
            _save(journal, fs, JournalState.COMMITTED)  # the commit point
        except BaseException as exc:
            if journal.state is not JournalState.COMMITTED:
                _rollback(journal, fs)
                _reraise(exc, self.plan)
        return _finish(journal, self._writes, fs)

    def roll_back(self) -> None:
        """Restore every file to what it was before the run.

        The checks ran in between and may have left files (caches, test output) in
        folders this run created; all of those are new, so the folders go whole.
        """
        if self._journal is not None:
            _rollback(self._journal, self._fs)
            _purge(self._journal.destination, self._journal.created_dirs, self._fs)


def write(plan: Plan, fs: FileSystem | None = None) -> Transaction:
    """Write every file the plan creates or overwrites, keeping the journal open."""
    fs = FileSystem() if fs is None else fs
    writes = plan.writes
    if not writes:
        return Transaction(plan, fs=fs)
    journal = _Journal(id=uuid.uuid4().hex[:12], destination=plan.destination)
    try:
        folders = _prepare(journal, writes, fs)
        _apply(journal, writes, folders, fs)
    except BaseException as exc:
        _rollback(journal, fs)
        _reraise(exc, plan)
    return Transaction(plan, journal, writes, fs)


def commit(plan: Plan, fs: FileSystem | None = None) -> CommitResult:
    """Write every file the plan creates or overwrites, atomically."""
    return write(plan, fs).finish()


def _reraise(exc: BaseException, plan: Plan) -> NoReturn:
    """An OSError becomes a CommitError that says what happened; anything else goes on."""
    if not isinstance(exc, OSError):
        raise exc
    target = exc.filename or plan.destination
    raise CommitError(
        f"writing failed at {target}: {exc.strerror or exc}. Nothing was written: "
        f"{plan.destination} is as it was before the run. Fix the cause (disk space, "
        "permissions) and run again."
    ) from exc


def _finish(journal: _Journal, writes: tuple[PlannedFile, ...], fs: FileSystem) -> CommitResult:
    """Clean up after the commit point. The files are written whatever happens here: an
    error or Ctrl-C only leaves the journal behind, and the next run finishes it."""
    with contextlib.suppress(OSError, KeyboardInterrupt):
        _discard(journal, fs)
    return CommitResult(journal.id, tuple(f.path for f in writes))


def pending(destination: Path) -> tuple[str, ...]:
    """The journals of interrupted commits in ``destination`` (read only)."""
    journals = Path(destination).joinpath(*RESERVED.parts)
    if not journals.is_dir():
        return ()
    return tuple(sorted(p.name for p in journals.iterdir() if p.is_dir()))


def recover(destination: Path, fs: FileSystem | None = None) -> Recovery:
    """Finish or undo every commit in ``destination`` that was interrupted."""
    fs = FileSystem() if fs is None else fs
    destination = Path(destination)
    journals = destination.joinpath(*RESERVED.parts)
    rolled_back: list[str] = []
    completed: list[str] = []
    folders = sorted(p for p in journals.iterdir() if p.is_dir()) if journals.is_dir() else []
    for folder in folders:
        try:
            data = json.loads((folder / JOURNAL_FILE).read_text(encoding="utf-8"))
            journal = _Journal.from_json(destination, data)
            if journal.id != folder.name:
                raise ValueError(f"its id {journal.id!r} is not the name of its folder")
        except FileNotFoundError:
            # Killed before its journal was written, or after it was removed by a finished
            # commit or rollback: the tree is as that run left it, only the folder is left.
            _discard(_Journal(id=folder.name, destination=destination), fs)
            continue
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommitError(
                f"{folder / JOURNAL_FILE}: an interrupted run's journal cannot be read ({exc}). "
                f"Check the files it names by hand, then delete {folder}."
            ) from exc
        if journal.state is JournalState.COMMITTED:
            completed.append(journal.id)
            _discard(journal, fs)
        else:
            rolled_back.append(journal.id)
            _rollback(journal, fs)
    # A run killed while it made its journal's folders, or a cleanup that failed after the
    # journal was gone, leaves them empty; a finished commit would have removed them.
    _remove_empty_dirs(destination, _JOURNAL_DIRS, fs)
    return Recovery(tuple(rolled_back), tuple(completed))


def _prepare(journal: _Journal, writes: tuple[PlannedFile, ...], fs: FileSystem) -> list[Path]:
    """Write the journal and the backups; return the folders the targets still need."""
    destination = journal.destination
    for folder in _missing_dirs(destination, [journal.folder]):
        fs.make_dir(folder)
        journal.created_dirs.append(os.path.relpath(folder, destination))
    for planned in writes:
        journal.entries.append(
            _Entry(
                path=planned.path.as_posix(),
                existed=planned.current is not None,
                temp=planned.path.with_name(
                    f".{planned.path.name}.scaffold-{journal.id}.tmp"
                ).as_posix(),
                mode=planned.file.mode,
            )
        )
    _save(journal, fs, JournalState.PREPARING)
    if any(entry.existed for entry in journal.entries):
        fs.make_dir(journal.folder / "backups")
    for number, entry in enumerate(journal.entries):
        if entry.existed:
            backup = f"backups/{number}"
            fs.copy(destination / entry.path, journal.folder / backup)
            entry.backup = backup
    # The target folders are in the journal before any is made, so that a rollback after a
    # kill removes them too.
    parents = [destination.joinpath(*p.path.parts).parent for p in writes]
    folders = list(_missing_dirs(destination, parents))
    journal.created_dirs.extend(os.path.relpath(folder, destination) for folder in folders)
    _save(journal, fs, JournalState.PREPARED)
    return folders


def _apply(
    journal: _Journal, writes: tuple[PlannedFile, ...], folders: list[Path], fs: FileSystem
) -> None:
    destination = journal.destination
    for folder in folders:
        fs.make_dir(folder)
    for planned, entry in zip(writes, journal.entries, strict=True):
        temp = destination / entry.temp
        fs.write(temp, planned.file.content, planned.file.mode)
        fs.replace(temp, destination / entry.path)


def _rollback(journal: _Journal, fs: FileSystem) -> None:
    """Put back what the journal says was there; safe to run more than once."""
    destination = journal.destination
    if journal.state is JournalState.PREPARED:
        for entry in journal.entries:
            target, temp = destination / entry.path, destination / entry.temp
            _remove_if_present(temp, fs)
            if entry.existed and entry.backup is not None:
                fs.copy(journal.folder / entry.backup, temp)
                fs.replace(temp, target)
            elif not entry.existed:
                _remove_if_present(target, fs)
    # The created folders go while the journal still lists them (those holding the journal
    # are not empty yet and stay); then the journal, then the folders that held it.
    _remove_empty_dirs(destination, journal.created_dirs, fs)
    _discard(journal, fs, created=journal.created_dirs)


def _discard(journal: _Journal, fs: FileSystem, created: list[str] | None = None) -> None:
    """Remove the journal folder, then the created folders that are left empty."""
    if journal.folder.exists():
        # The journal file goes first: while it exists a rollback may need the backups, and
        # without it a later recover() only removes what is left of the folder.
        _remove_if_present(journal.folder / JOURNAL_FILE, fs)
        for path in sorted(journal.folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir():
                fs.remove_dir(path)
            else:
                fs.remove(path)
        fs.remove_dir(journal.folder)
    # after success, only the journal's own folders go
    _remove_empty_dirs(journal.destination, _JOURNAL_DIRS if created is None else created, fs)


_JOURNAL_DIRS = [RESERVED.parent.as_posix(), RESERVED.as_posix()]


def _purge(destination: Path, created: list[str], fs: FileSystem) -> None:
    """Remove, innermost first, the ``created`` folders with whatever is left in them."""
    for relative in reversed(created):
        folder = Path(os.path.normpath(destination / relative))
        if not folder.is_dir() or folder.is_symlink():
            continue
        for root, folders, files in os.walk(folder, topdown=False):
            for name in files:
                fs.remove(Path(root) / name)
            for name in folders:
                inner = Path(root) / name
                if inner.is_symlink():
                    fs.remove(inner)
                else:
                    fs.remove_dir(inner)
        fs.remove_dir(folder)


def _remove_empty_dirs(destination: Path, created: list[str], fs: FileSystem) -> None:
    """Remove, innermost first, those of the ``created`` folders (outermost first) that are
    empty."""
    for relative in reversed(created):
        # lexically: "dest/.." no longer resolves once a created dest is gone
        folder = Path(os.path.normpath(destination / relative))
        with contextlib.suppress(FileNotFoundError):
            if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
                fs.remove_dir(folder)


def _save(journal: _Journal, fs: FileSystem, state: JournalState) -> None:
    """Write the journal in ``state``; the in-memory state changes only once it is on disk."""
    path = journal.folder / JOURNAL_FILE
    temp = path.with_suffix(".tmp")
    _remove_if_present(temp, fs)
    content = json.dumps({**journal.to_json(), "state": state.value}, indent=1)
    fs.write(temp, content.encode("utf-8"))
    fs.replace(temp, path)
    journal.state = state


def _remove_if_present(path: Path, fs: FileSystem) -> None:
    if path.exists() or path.is_symlink():
        fs.remove(path)


def _missing_dirs(destination: Path, folders: list[Path]) -> Iterator[Path]:
    """The folders to create, outermost first, for ``folders`` to exist."""
    seen: set[Path] = set()
    for folder in folders:
        chain = []
        probe = folder
        while not probe.exists() and probe not in seen:
            chain.append(probe)
            seen.add(probe)
            if probe.parent == probe:
                break
            probe = probe.parent
        yield from reversed(chain)
