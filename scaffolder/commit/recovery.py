"""Recovery: at the start of every run (under the destination's lock), stop the checks a
killed run left running (:mod:`.orphans`), then finish or undo every commit it left half done.

Every journal is read and checked first (:mod:`.journal`: the commit's own rules, then no
link on the way); one that cannot be trusted stops the run, and nothing is touched.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from scaffolder.commit.files import FileSystem
from scaffolder.commit.journal import JOURNAL_FILE, Journal, JournalState, UntrustedJournal, load
from scaffolder.commit.orphans import stop_orphans
from scaffolder.commit.undo import JOURNAL_DIRS, discard, remove_empty_dirs, rollback
from scaffolder.errors import CommitError
from scaffolder.paths import RESERVED


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` found and undid."""

    rolled_back: tuple[str, ...] = ()
    completed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    stopped: tuple[int, ...] = ()  # processes a killed run's checks left running

    @property
    def happened(self) -> bool:
        return bool(self.rolled_back or self.completed)


def pending(destination: Path) -> tuple[str, ...]:
    """The journals of interrupted commits in ``destination`` (read only)."""
    journals = Path(destination).joinpath(*RESERVED.parts)
    if not journals.is_dir() or journals.is_symlink():
        return ()
    return tuple(sorted(p.name for p in journals.iterdir()))


def recover(destination: Path, fs: FileSystem | None = None) -> Recovery:
    """Finish or undo every commit in ``destination`` that was interrupted.

    Every journal is read and checked before anything is touched; one that cannot be
    trusted stops the run with what to do, and nothing is changed.
    """
    fs = FileSystem() if fs is None else fs
    destination = Path(destination)
    if not destination.is_dir():
        return Recovery()
    stopped = stop_orphans(destination)  # before their files are put back under them
    fs.anchor(destination)
    try:
        return dataclasses.replace(_recover(destination, fs), stopped=stopped)
    except OSError as exc:
        raise CommitError(
            f"{destination}: restoring an interrupted run failed at "
            f"{exc.filename or destination}: {exc.strerror or exc}. Fix the cause and run "
            "again: the journal is kept, and the next run takes up where this one stopped."
        ) from exc
    finally:
        fs.close()


def _recover(destination: Path, fs: FileSystem) -> Recovery:
    journals = _journals(destination, fs)
    rolled_back: list[str] = []
    completed: list[str] = []
    kept: list[str] = []
    for name, journal in journals:
        if journal is None:
            # Killed before its journal was written, or after a finished commit or rollback
            # removed it: the tree is as that run left it; only the folder is left.
            discard(Journal(id=name, destination=destination), fs)
        elif journal.state is JournalState.COMMITTED:
            completed.append(journal.id)
            discard(journal, fs)
        else:
            rolled_back.append(journal.id)
            kept.extend(rollback(journal, fs).kept)
    # A run killed while it made its journal's folders, or a cleanup that failed after the
    # journal was gone, leaves them empty; a finished commit would have removed them.
    remove_empty_dirs(Journal(id="", destination=destination), JOURNAL_DIRS, fs)
    return Recovery(tuple(rolled_back), tuple(completed), tuple(kept))


def _journals(destination: Path, fs: FileSystem) -> list[tuple[str, Journal | None]]:
    """Every journal folder's name and journal, all read and checked first."""
    scaffold, journals = destination / RESERVED.parent, destination.joinpath(*RESERVED.parts)
    found: list[tuple[str, Journal | None]] = []
    for folder in (scaffold, journals):
        kind = fs.kind(folder)
        if kind is None:
            return found
        if kind != "folder":
            _distrust(folder, f"{folder.name} is a {kind}, not a folder")
    for name in fs.names(journals):
        where = journals / name
        if fs.kind(where) != "folder":
            _distrust(where, "it is not a folder (a symlink?)")
        try:
            found.append((name, load(destination, name, fs)))
        except UntrustedJournal as exc:
            _distrust(where / JOURNAL_FILE, str(exc))
        except OSError as exc:
            _distrust(where / JOURNAL_FILE, exc.strerror or str(exc))
    return found


def _distrust(path: Path, reason: str) -> NoReturn:
    raise CommitError(
        f"{path}: an interrupted run's journal cannot be read or trusted ({reason}). "
        "Nothing was changed. scaffolder never follows a journal out of the destination or "
        "through a link: check the files it names by hand, then delete "
        f"{path.parent if path.name == JOURNAL_FILE else path}."
    )
