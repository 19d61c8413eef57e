"""The journal of a commit: what it writes, what it keeps, and how far it got.

It lives in ``<destination>/.scaffold/journal/<id>/journal.json`` and is always replaced
whole (temp file, rename, folder synced). Recovery acts on what a journal says, and a
journal may have been damaged or planted (a cloned repository can hold one), so reading one
applies the same rules the commit used to write it, and then checks the tree: every folder
it leads through must be a real folder of the destination, never a symlink.

Version 3 adds deletions (an update removes files): an entry's ``action`` is ``write`` or
``delete`` (a file kept in ``backups/`` like an overwritten one, then removed), and
``removed_dirs`` lists the folders the deletions leave empty, removed at commit and made
again by a rollback. A version 2 journal (no deletions) is read by version 2's rules.
Besides the paths a blueprint may render, an entry may name scaffolder's own files (the
record, the history's entries and packs: :func:`scaffolder.paths.own_file`), which a run
writes and an undo writes or deletes.
"""

from __future__ import annotations

import enum
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from scaffolder.commit.files import FileSystem
from scaffolder.paths import HISTORY, RESERVED, is_confined, link_leaves, own_file

JOURNAL_FILE = "journal.json"
VERSION = 3
_READABLE = (2, VERSION)  # a journal left by the previous version is still recovered
_ID = re.compile(r"^[0-9a-f]{12}$")
_BACKUP = re.compile(r"^backups/[0-9]+$")
_V2_ENTRY_FIELDS = {"path", "existed", "temp", "backup", "mode"}
_ENTRY_FIELDS = {*_V2_ENTRY_FIELDS, "action"}
_REMOVED_DIR_FIELDS = {"path", "mode"}
WRITE, DELETE = "write", "delete"


class JournalState(enum.Enum):
    PREPARING = "preparing"
    PREPARED = "prepared"
    COMMITTED = "committed"


class UntrustedJournal(ValueError):
    """A journal that names something a commit here cannot have made."""


@dataclass
class Entry:
    path: str
    existed: bool
    temp: str
    backup: str | None = None
    mode: int = 0o644
    action: str = WRITE  # or DELETE: the file is kept in ``backup``, then removed


@dataclass(frozen=True)
class RemovedDir:
    """A folder the deletions left empty, removed at commit: its mode, to make it again."""

    path: str
    mode: int


def temp_name(path: PurePosixPath, journal_id: str) -> PurePosixPath:
    """Where a file is written before it is renamed over ``path``."""
    return path.with_name(f".{path.name}.scaffold-{journal_id}.tmp")


@dataclass
class Journal:
    """The journal's content; mutable while the commit is built up."""

    id: str
    destination: Path
    entries: list[Entry] = field(default_factory=list)
    created_dirs: list[str] = field(default_factory=list)  # destination-relative, outermost first
    state: JournalState = JournalState.PREPARING
    removed_dirs: list[RemovedDir] = field(default_factory=list)  # innermost first

    @property
    def folder(self) -> Path:
        return self.destination.joinpath(*RESERVED.parts, self.id)

    def path(self, relative: str) -> Path:
        """A destination-relative path of the journal, as a path."""
        return self.destination if relative == "." else self.destination.joinpath(relative)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "id": self.id,
            "state": self.state.value,
            "pid": os.getpid(),
            "entries": [vars(entry) for entry in self.entries],
            "created_dirs": self.created_dirs,
            "removed_dirs": [vars(removed) for removed in self.removed_dirs],
        }

    @classmethod
    def from_json(cls, destination: Path, data: Any) -> Journal:
        """The journal in ``data``, if a commit could have written it; else UntrustedJournal."""
        version = data.get("version") if isinstance(data, dict) else None
        if not isinstance(data, dict) or type(version) is not int or version not in _READABLE:
            raise UntrustedJournal(f"not a version {' or '.join(map(str, _READABLE))} journal")
        journal_id, entries, created = data.get("id"), data.get("entries"), data.get("created_dirs")
        if not isinstance(journal_id, str) or not _ID.match(journal_id):
            raise UntrustedJournal(f"its id {journal_id!r} is not one a commit makes")
        if not isinstance(entries, list) or not isinstance(created, list):
            raise UntrustedJournal("it has no list of entries and of created folders")
        try:
            state = JournalState(data.get("state"))
        except ValueError:
            raise UntrustedJournal(f"unknown state {data.get('state')!r}") from None
        read = [_entry(e, journal_id, version, state) for e in entries]
        journal = cls(journal_id, destination, read, [], state)
        own = {".", RESERVED.as_posix(), f"{RESERVED.as_posix()}/{journal_id}"}
        for relative in created:
            if relative not in own and not (isinstance(relative, str) and _folder(relative)):
                raise UntrustedJournal(f"created folder {relative!r} is not in the destination")
            journal.created_dirs.append(relative)
        if version == VERSION or "removed_dirs" in data:
            journal.removed_dirs = _removed_dirs(data.get("removed_dirs"), read)
        return journal


def _removed_dirs(data: Any, entries: list[Entry]) -> list[RemovedDir]:
    """Only folders that held a file the commit deletes, innermost first."""
    if not isinstance(data, list):
        raise UntrustedJournal("it has no list of removed folders")
    deleted = [PurePosixPath(e.path) for e in entries if e.action == DELETE]
    held = {parent.as_posix() for path in deleted for parent in path.parents}
    removed = []
    for item in data:
        if not isinstance(item, dict) or set(item) != _REMOVED_DIR_FIELDS:
            raise UntrustedJournal(f"removed folder {item!r} is not a path and a mode")
        path, mode = item["path"], item["mode"]
        if not (isinstance(path, str) and _folder(path) and path in held):
            raise UntrustedJournal(f"removed folder {path!r} held no file the commit deletes")
        if not _valid_mode(mode):
            raise UntrustedJournal(f"removed folder {path!r} has the unexpected mode {mode!r}")
        removed.append(RemovedDir(path, mode))
    depths = [r.path.count("/") for r in removed]
    if depths != sorted(depths, reverse=True):
        raise UntrustedJournal("its removed folders are not listed innermost first")
    return removed


def _valid_mode(mode: Any) -> bool:
    return isinstance(mode, int) and not isinstance(mode, bool) and 0 <= mode <= 0o7777


def _entry(data: Any, journal_id: str, version: int, state: JournalState) -> Entry:
    fields = _ENTRY_FIELDS if version == VERSION else _V2_ENTRY_FIELDS
    if not isinstance(data, dict) or set(data) != fields:
        raise UntrustedJournal(f"entry {data!r} does not have the fields {sorted(fields)}")
    path = data["path"]
    if not isinstance(path, str) or not (_confined(path) or own_file(path)):
        raise UntrustedJournal(f"entry {path!r} is not a destination-relative path")
    if data["temp"] != temp_name(PurePosixPath(path), journal_id).as_posix():
        raise UntrustedJournal(f"entry {path!r} has the unexpected temp file {data['temp']!r}")
    backup = data["backup"]
    if backup is not None and not (isinstance(backup, str) and _BACKUP.match(backup)):
        raise UntrustedJournal(f"entry {path!r} has the unexpected backup {backup!r}")
    if not isinstance(data["existed"], bool):
        raise UntrustedJournal(f"entry {path!r} has no valid 'existed'")
    mode = data["mode"]
    if not _valid_mode(mode):
        raise UntrustedJournal(f"entry {path!r} has the unexpected mode {mode!r}")
    action = data.get("action", WRITE)
    if action not in (WRITE, DELETE):
        raise UntrustedJournal(f"entry {path!r} has the unknown action {action!r}")
    if action == DELETE:
        # a commit deletes only a file that is there, and only once it is kept in backups/
        if data["existed"] is not True:
            raise UntrustedJournal(f"entry {path!r} deletes a file a commit cannot delete")
        if backup is None and state is not JournalState.PREPARING:
            raise UntrustedJournal(f"entry {path!r} deletes a file without keeping it")
    return Entry(path, data["existed"], data["temp"], backup, mode, action)


def _folder(path: str) -> bool:
    """A folder a commit may create or leave empty: one a blueprint could write into, or
    the history's (undo empties it)."""
    return _confined(path) or path == HISTORY.as_posix()


def _confined(path: str) -> bool:
    """The rule rendering applies to every path a blueprint writes."""
    return is_confined(path)


def inspect(journal: Journal, fs: FileSystem) -> None:
    """Refuse a journal that would lead recovery through a symlink or onto something that is
    not what the commit left there: every folder on the way to what it names must be a real
    folder (or missing), and every backup a regular file or a symlink that points inside the
    destination from where it is restored (or gone, once restored)."""
    for folder in _folders_on_the_way(journal):
        if fs.kind(journal.path(folder)) not in ("folder", None):
            raise UntrustedJournal(f"{folder} is not a folder (a symlink?)")
    for removed in journal.removed_dirs:
        if fs.kind(journal.path(removed.path)) not in ("folder", None):
            raise UntrustedJournal(f"removed folder {removed.path} is not a folder (a symlink?)")
    for entry in journal.entries:
        for relative in (entry.path, entry.temp):
            if fs.kind(journal.path(relative)) not in ("file", "symlink", None):
                raise UntrustedJournal(f"{relative} is not a file")
        if entry.backup is None or fs.kind(journal.folder / entry.backup) is None:
            continue  # nothing kept, or already restored
        if not restorable(journal, entry, fs):
            raise UntrustedJournal(
                f"its backup {entry.backup} is neither a regular file nor a symlink that "
                "stays in the destination"
            )


def restorable(journal: Journal, entry: Entry, fs: FileSystem) -> bool:
    """Whether ``entry``'s backup is there to be renamed back: a regular file, or a symlink
    (a link the commit replaced) that points inside the destination from ``entry.path``."""
    if entry.backup is None:
        return False
    backup = journal.folder / entry.backup
    kind = fs.kind(backup)
    if kind == "symlink":
        return not link_leaves(PurePosixPath(entry.path), fs.read_link(backup))
    return kind == "file"


def _folders_on_the_way(journal: Journal) -> list[str]:
    paths = [
        *(entry.path for entry in journal.entries),
        *(d for d in journal.created_dirs if d != "."),
        f"{RESERVED.as_posix()}/{journal.id}/backups/0",
    ]
    folders: set[str] = set()
    for path in paths:
        parents = PurePosixPath(path).parents
        folders.update(p.as_posix() for p in parents if p.as_posix() != ".")
    return sorted(folders, key=lambda f: (f.count("/"), f))


def load(destination: Path, folder_name: str, fs: FileSystem) -> Journal | None:
    """The journal in ``.scaffold/journal/<folder_name>``; None when there is no journal
    file (killed before writing it, or after removing it). UntrustedJournal or OSError when
    it cannot be used."""
    folder = destination.joinpath(*RESERVED.parts, folder_name)
    try:
        raw = fs.read(folder / JOURNAL_FILE)
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UntrustedJournal(f"not JSON: {exc}") from None
    journal = Journal.from_json(destination, data)
    if journal.id != folder_name:
        raise UntrustedJournal(f"its id {journal.id!r} is not the name of its folder")
    inspect(journal, fs)
    return journal
