"""The journal of a commit: what it writes, what it keeps, and how far it got.

It lives in ``<destination>/.scaffold/journal/<id>/journal.json`` and is always replaced
whole (temp file, rename, folder synced). Recovery acts on what a journal says, and a
journal may have been damaged or planted (a cloned repository can hold one), so reading one
applies the same rules the commit used to write it, and then checks the tree: every folder
it leads through must be a real folder of the destination, never a symlink.
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
from scaffolder.errors import ScaffoldError
from scaffolder.paths import RECORD, RESERVED, confine

JOURNAL_FILE = "journal.json"
VERSION = 2
_ID = re.compile(r"^[0-9a-f]{12}$")
_BACKUP = re.compile(r"^backups/[0-9]+$")
_ENTRY_FIELDS = {"path", "existed", "temp", "backup", "mode"}


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
        }

    @classmethod
    def from_json(cls, destination: Path, data: Any) -> Journal:
        """The journal in ``data``, if a commit could have written it; else UntrustedJournal."""
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise UntrustedJournal(f"not a version {VERSION} journal")
        journal_id, entries, created = data.get("id"), data.get("entries"), data.get("created_dirs")
        if not isinstance(journal_id, str) or not _ID.match(journal_id):
            raise UntrustedJournal(f"its id {journal_id!r} is not one a commit makes")
        if not isinstance(entries, list) or not isinstance(created, list):
            raise UntrustedJournal("it has no list of entries and of created folders")
        try:
            state = JournalState(data.get("state"))
        except ValueError:
            raise UntrustedJournal(f"unknown state {data.get('state')!r}") from None
        journal = cls(journal_id, destination, [_entry(e, journal_id) for e in entries], [], state)
        own = {".", RESERVED.as_posix(), f"{RESERVED.as_posix()}/{journal_id}"}
        for relative in created:
            if relative not in own and not (isinstance(relative, str) and _confined(relative)):
                raise UntrustedJournal(f"created folder {relative!r} is not in the destination")
            journal.created_dirs.append(relative)
        return journal


def _entry(data: Any, journal_id: str) -> Entry:
    if not isinstance(data, dict) or set(data) != _ENTRY_FIELDS:
        raise UntrustedJournal(f"entry {data!r} does not have the fields {sorted(_ENTRY_FIELDS)}")
    path = data["path"]
    if not isinstance(path, str) or not (_confined(path) or path == RECORD.as_posix()):
        raise UntrustedJournal(f"entry {path!r} is not a destination-relative path")
    if data["temp"] != temp_name(PurePosixPath(path), journal_id).as_posix():
        raise UntrustedJournal(f"entry {path!r} has the unexpected temp file {data['temp']!r}")
    backup = data["backup"]
    if backup is not None and not (isinstance(backup, str) and _BACKUP.match(backup)):
        raise UntrustedJournal(f"entry {path!r} has the unexpected backup {backup!r}")
    if not isinstance(data["existed"], bool):
        raise UntrustedJournal(f"entry {path!r} has no valid 'existed'")
    mode = data["mode"]
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o7777:
        raise UntrustedJournal(f"entry {path!r} has the unexpected mode {mode!r}")
    return Entry(path, data["existed"], data["temp"], backup, mode)


def _confined(path: str) -> bool:
    """The rule rendering applies to every path a blueprint writes."""
    try:
        return confine(path).as_posix() == path
    except ScaffoldError:
        return False


def inspect(journal: Journal, fs: FileSystem) -> None:
    """Refuse a journal that would lead recovery through a symlink or onto something that is
    not what the commit left there: every folder on the way to what it names must be a real
    folder (or missing), and every backup a regular file (or gone, once restored)."""
    for folder in _folders_on_the_way(journal):
        if fs.kind(journal.path(folder)) not in ("folder", None):
            raise UntrustedJournal(f"{folder} is not a folder (a symlink?)")
    for entry in journal.entries:
        for relative in (entry.path, entry.temp):
            if fs.kind(journal.path(relative)) not in ("file", "symlink", None):
                raise UntrustedJournal(f"{relative} is not a file")
        if entry.backup is not None:
            backup = journal.folder / entry.backup
            if fs.kind(backup) not in ("file", None):
                raise UntrustedJournal(f"its backup {entry.backup} is not a regular file")


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
