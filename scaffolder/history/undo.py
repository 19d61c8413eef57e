"""Undo as a plan: the newest runs' entries turned back into a change set.

The user's files come back as they were before the runs (a created file deleted, a changed
or deleted one given its old bytes and mode), each with what the runs left there as its
``base``: :func:`scaffolder.plan.plan_update` makes a file changed since a conflict, and
refuses any path a link would lead astray. Scaffolder's own files come back too: the record
as it was, and the runs' entries and packs deleted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scaffolder.changes import ChangeSet, RenderedFile
from scaffolder.errors import ScaffoldError
from scaffolder.history.model import Image, Run
from scaffolder.history.store import Contents, read_history, reading
from scaffolder.paths import HISTORY, RECORD
from scaffolder.plan import (
    ConflictPolicy,
    FileStatus,
    Plan,
    PlannedFile,
    plan_update,
    with_records,
)


@dataclass(frozen=True)
class Reversal:
    """What undoing runs takes: the user's files put back (a change set whose ``base`` is
    what the runs left there, to plan with ``plan_update``), and scaffolder's own files (the
    record put back, the runs' entries and packs deleted)."""

    runs: tuple[Run, ...]  # the runs undone, newest first
    changes: ChangeSet
    records: tuple[RenderedFile, ...]
    left: tuple[str, ...] = ()  # symlinks and folders the runs replaced, left as they are
    links: tuple[tuple[str, str], ...] = ()  # the symlinks the runs made: path, target
    # the folders the runs made, removed when the undo leaves them empty (None: a run
    # recorded before they were kept; then any folder it leaves empty)
    removable: frozenset[str] | None = None


@dataclass(frozen=True)
class UndoPlan:
    """The plan of an undo, and what the report says of what it leaves as it is."""

    plan: Plan
    notes: tuple[str, ...] = ()


def reversal(destination: Path, run_id: str | None = None) -> Reversal:
    """Undo the newest run in ``destination``; with ``run_id``, that run and every newer
    one (back to before it), as one change."""
    destination = Path(destination)
    runs = read_history(destination)
    if not runs:
        raise ScaffoldError(
            f"{destination}: no run to undo: {HISTORY}/ records none. Every `scaffold new`, "
            "`batch` or `update` that changes files records itself there (runs made before "
            "scaffolder kept a history cannot be undone); give the folder as --out."
        )
    undone = runs[len(runs) - 1 if run_id is None else _position(destination, runs, run_id) :]
    before: dict[str, tuple[Run, Image | None]] = {}
    after: dict[str, tuple[Run, Image | None]] = {}
    for run in undone:  # oldest first: the first before, the last after
        for change in run.files:
            before.setdefault(change.path, (run, change.before))
            after[change.path] = (run, change.after)
    content = Contents(destination)
    files: list[RenderedFile] = []
    own: list[RenderedFile] = []
    left: list[str] = []
    links: list[tuple[str, str]] = []
    for path in sorted(before):
        (old_run, old), (new_run, new) = before[path], after[path]
        if old is None and new is not None and new.link is not None:
            links.append((path, new.link))  # made by the runs: unlinked
            continue
        if old is None and new is not None and new.folder:
            continue  # made by the runs: removed with their other folders, when empty
        if any(image is not None and image.sha256 is None for image in (old, new)):
            left.append(path)
            continue
        target = PurePosixPath(path)
        base = content(new_run, new)
        if old is None:
            mode = 0o644 if new is None else new.mode
            restored = RenderedFile(target, b"", mode, target, base=base, deleted=True)
        else:
            restored = RenderedFile(
                target, content(old_run, old) or b"", old.mode, target, base=base
            )
        (own if path == RECORD.as_posix() else files).append(restored)
    for run in undone:
        own += [RenderedFile(p, b"", 0o644, p, deleted=True) for p in (run.path, run.pack)]
    changes = ChangeSet(tuple(files), {})
    made = [run.folders for run in undone]
    removable = None if None in made else frozenset(f for folders in made for f in folders or ())
    return Reversal(
        tuple(reversed(undone)), changes, tuple(own), tuple(left), tuple(links), removable
    )


def plan_undo(destination: Path, undo: Reversal, on_conflict: ConflictPolicy) -> UndoPlan:
    """The plan that reverts ``undo``'s runs: their files put back (a file changed since is
    a conflict, unless ``on_conflict``), the symlinks they made unlinked (one changed since
    is left, with a note), scaffolder's own files, and the folders they made removed when
    that leaves them empty. Commit it with exact modes: files come back bit for bit."""
    planned = with_records(plan_update(undo.changes, destination, on_conflict), undo.records)
    notes = [f"{path}: a symlink or folder the run replaced; left as it is" for path in undo.left]
    unlinked = []
    with reading(Path(destination)) as fs:
        for path, target in undo.links:
            where = Path(destination, path)
            try:
                there = fs.read_link(where) if fs.kind(where) == "symlink" else None
                gone = fs.kind(where) is None
            except OSError:  # a link on the way: nothing is done through it
                there, gone = None, False
            if there == target:
                link = RenderedFile(PurePosixPath(path), b"", 0o644, PurePosixPath(path),
                                    deleted=True)  # fmt: skip
                unlinked.append(PlannedFile(link, FileStatus.DELETE, b"", current_link=target))
            elif not gone:
                notes.append(f"{path}: a symlink the run made, changed since; left as it is")
    files = tuple(sorted((*planned.files, *unlinked), key=lambda p: p.path))
    return UndoPlan(
        dataclasses.replace(planned, files=files, removable=undo.removable), tuple(notes)
    )


def _position(destination: Path, runs: Sequence[Run], run_id: str) -> int:
    for position, run in enumerate(runs):
        if run.id == run_id:
            return position
    known = ", ".join(run.id for run in reversed(runs))
    raise ScaffoldError(
        f"{destination}: no run {run_id!r} in its history (newest first: {known}). "
        "`scaffold history` lists them."
    )
