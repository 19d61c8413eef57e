"""Undoing a commit from its journal: the folders its deletions removed made again, backups
renamed back (overwritten and deleted files alike), what the run created removed (files and
symlinks unlinked, never followed; folders only when empty), the journal discarded. Writes
no file, and is idempotent: the rollback of a failed run and the recovery of a killed one
are the same steps.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from scaffolder.commit.files import FileSystem
from scaffolder.commit.journal import JOURNAL_FILE, Journal, JournalState, restorable
from scaffolder.paths import RESERVED

JOURNAL_DIRS = [RESERVED.parent.as_posix(), RESERVED.as_posix()]


@dataclass(frozen=True)
class Rollback:
    """What a rollback left: things it found in folders the run created but that the run
    did not write (another process's files, a check's output). They are kept, and so are
    the folders holding them."""

    kept: tuple[str, ...] = ()


def rollback(journal: Journal, fs: FileSystem) -> Rollback:
    """Put back what the journal says was there; safe to run more than once. Writes
    nothing: backups are renamed back."""
    if journal.state is JournalState.PREPARED:
        for removed in reversed(journal.removed_dirs):  # outermost first
            folder = journal.path(removed.path)
            if fs.kind(folder) is None:
                fs.make_dir(folder)
            fs.set_mode(folder, removed.mode)
        for entry in journal.entries:
            target, temp = journal.path(entry.path), journal.path(entry.temp)
            remove_if_present(temp, fs)
            if entry.existed:
                if restorable(journal, entry, fs):  # a file, or a link the run replaced
                    assert entry.backup is not None
                    fs.replace(journal.folder / entry.backup, target)
            else:
                remove_if_present(target, fs)
    # The created folders go while the journal still lists them (those holding the journal
    # are not empty yet and stay); then the journal, then the folders that held it.
    kept = remove_empty_dirs(journal, journal.created_dirs, fs)
    discard(journal, fs)
    remove_empty_dirs(journal, journal.created_dirs, fs)
    journal_dirs = {*JOURNAL_DIRS, f"{RESERVED.as_posix()}/{journal.id}"}
    return Rollback(tuple(path for path in kept if _outside(path, journal_dirs)))


def _outside(path: str, folders: set[str]) -> bool:
    return not any(path == f or path.startswith(f + "/") for f in folders)


def discard(journal: Journal, fs: FileSystem) -> None:
    """Remove the journal folder: the journal file first (while it exists a rollback may
    need the backups, and without it a later recover() only removes what is left)."""
    folder = journal.folder
    if fs.kind(folder) != "folder":
        return
    remove_if_present(folder / JOURNAL_FILE, fs)
    for name in fs.names(folder):
        path = folder / name
        if name == "backups" and fs.kind(path) == "folder":
            for backup in fs.names(path):
                fs.remove(path / backup)
            fs.remove_dir(path)
        elif fs.kind(path) != "folder":
            fs.remove(path)
    fs.remove_dir(folder)


def remove_empty_dirs(journal: Journal, created: list[str], fs: FileSystem) -> list[str]:
    """Remove, innermost first, those of the ``created`` folders (outermost first) that are
    empty; return what was found in the others (destination-relative)."""
    kept: list[str] = []
    for relative in reversed(created):
        folder = journal.path(relative)
        if fs.kind(folder) != "folder":
            continue
        names = fs.names(folder)
        if names:
            base = "" if relative == "." else relative + "/"
            kept.extend(base + name for name in names if (base + name) not in created)
            continue
        with contextlib.suppress(FileNotFoundError):
            fs.remove_dir(folder)
    return sorted(kept)


def remove_if_present(path: Path, fs: FileSystem) -> None:
    if fs.kind(path) is not None:
        fs.remove(path)
