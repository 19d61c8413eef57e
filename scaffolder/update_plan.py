"""Planning the update of a native blueprint: the new render held three ways against the
destination — what the last run wrote there (the *base*, kept by the history of the runs),
what the destination holds now, and what the blueprint renders now.

Per file:

- the user has not touched it (base == what is there): the new render, ``overwrite`` (or
  ``identical`` when the blueprint did not change it either);
- the user edited it: a three-way merge (:mod:`scaffolder.merge`), ``merge`` when clean
  (``identical`` when the user had made the blueprint's change already); where both changed
  the same lines a ``conflict``, whose content shows the conflict markers in a dry run —
  unless ``on_conflict``: ``overwrite`` takes the new render, ``skip`` keeps the user's file;
- new in the blueprint: ``create``, or a conflict when a different file of the user's is
  there; one the user deleted since the last run stays deleted when the blueprint did not
  change it (``skip``), else is a conflict;
- no longer rendered: ``delete`` when untouched, kept (``skip``) when edited;
- no base recorded (the run that wrote it kept no history): only a file identical to the new
  render is ``identical``; any other is a conflict, and one no longer rendered is kept.

Files the blueprint keeps when they are there (``skip_if_exists``) and files it only injects
into are planned as in any run: snippets are put into what is there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scaffolder.changes import ChangeSet, RenderedFile
from scaffolder.merge import merge
from scaffolder.plan import ConflictPolicy, FileStatus, Plan, PlannedFile, plan, plan_update

_ON_CONFLICT = {
    ConflictPolicy.FAIL: FileStatus.CONFLICT,
    ConflictPolicy.SKIP: FileStatus.SKIP,
    ConflictPolicy.OVERWRITE: FileStatus.OVERWRITE,
}


@dataclass(frozen=True)
class Base:
    """What the newest recorded run left in a file: the base of a three-way update."""

    content: bytes | None  # None: that run deleted it (or left a symlink or a folder there)
    injected: bool = False  # it only put snippets into the file: the file is not the blueprint's


@dataclass(frozen=True)
class MergePlan:
    """The update's plan, and what the report says of the files it could not simply update."""

    plan: Plan
    notes: tuple[str, ...] = ()


def plan_merge(
    changes: ChangeSet,
    destination: Path,
    bases: Mapping[PurePosixPath, Base],
    previous: Mapping[PurePosixPath, tuple[int, ...]],
    on_conflict: ConflictPolicy,
) -> MergePlan:
    """Plan ``changes`` (the blueprint's new render) as an update of ``destination``.
    ``bases``: what the last runs left in each file they wrote (a path without one has no
    base recorded); ``previous``: the files the last run's record names (-> their items)."""
    rendered = plan(changes, destination, ConflictPolicy.OVERWRITE)
    files, notes = [], []
    for planned in rendered.files:
        merged, note = _three_way(planned, bases.get(planned.path), previous, on_conflict)
        files.append(merged)
        notes += [f"{planned.path}: {note}"] if note else []
    gone, gone_notes = _dropped(changes, destination, bases, previous)
    planned_files = tuple(sorted((*files, *gone), key=lambda p: p.path))
    return MergePlan(dataclasses.replace(rendered, files=planned_files), (*notes, *gone_notes))


def _three_way(
    planned: PlannedFile,
    base: Base | None,
    previous: Mapping[PurePosixPath, tuple[int, ...]],
    on_conflict: ConflictPolicy,
) -> tuple[PlannedFile, str | None]:
    """One rendered file's status (and what to say of it), from the plain plan's."""
    new, current = planned.file.content, planned.current
    written = None if base is None or base.injected else base.content
    if planned.status is FileStatus.CREATE and written is not None and not planned.file.folder:
        if new == written:  # deleted since the last run, and the blueprint left it alone
            return _as(planned, FileStatus.SKIP), "deleted since the last run: left deleted"
        status = _ON_CONFLICT[on_conflict]
        status = FileStatus.CREATE if status is FileStatus.OVERWRITE else status
        return _as(planned, status), (
            "deleted since the last run, and the blueprint changes it: "
            + _decided(status, "created again", "left deleted")
        )
    if planned.status is not FileStatus.OVERWRITE or planned.file.keep_existing:
        return planned, None  # new, identical, or the destination's own kept (and injected)
    if written is None:
        status = _ON_CONFLICT[on_conflict]
        if planned.path in previous and base is None:
            why = "no base recorded for it (the run that wrote it kept no history)"
        else:
            why = "a file of yours is there, which the blueprint did not write"
        return _as(planned, status), (
            f"{why}, and it differs from the new render: "
            + _decided(status, "the blueprint's version written", "yours kept")
        )
    if current == written:
        return planned, None  # untouched since the last run: the new render
    result = merge(written, current or b"", new)
    if result.clean and result.content == current:
        return _as(planned, FileStatus.IDENTICAL), None
    if result.clean:
        file = dataclasses.replace(planned.file, content=result.content)
        return dataclasses.replace(planned, file=file, status=FileStatus.MERGE, rendered=new), None
    status = _ON_CONFLICT[on_conflict]
    if status is FileStatus.CONFLICT and not result.binary:
        planned = dataclasses.replace(
            planned, file=dataclasses.replace(planned.file, content=result.content)
        )
    places = f"{result.conflicts} place{'s' if result.conflicts != 1 else ''}"
    why = (
        "a binary file you changed, which the blueprint changes too"
        if result.binary
        else f"your edits and the blueprint's changes touch the same lines ({places})"
    )
    return _as(planned, status), f"{why}: " + _decided(
        status, "the blueprint's version written, your edits replaced", "yours kept"
    )


def _decided(status: FileStatus, overwrite: str, skip: str) -> str:
    if status is FileStatus.SKIP:
        return f"{skip} (--on-conflict skip)"
    if status is not FileStatus.CONFLICT:
        return f"{overwrite} (--on-conflict overwrite)"
    return (
        "a conflict (--dry-run shows it; --on-conflict overwrite takes the blueprint's "
        "version, skip keeps yours)"
    )


def _as(planned: PlannedFile, status: FileStatus) -> PlannedFile:
    return dataclasses.replace(planned, status=status)


def _dropped(
    changes: ChangeSet,
    destination: Path,
    bases: Mapping[PurePosixPath, Base],
    previous: Mapping[PurePosixPath, tuple[int, ...]],
) -> tuple[list[PlannedFile], list[str]]:
    """The files the last run wrote that the blueprint no longer renders: deleted when
    untouched since, else kept (``skip``). A file the last run only injected into is the
    user's: left as it is, snippets and all."""
    kept = {f.path for f in changes.files} | {p.path for p in changes.patches}
    gone, notes = [], []
    for path in sorted(set(previous) - kept):
        base = bases.get(path)
        if base is not None and base.injected:
            notes.append(f"{path}: the blueprint no longer injects into it: left as it is")
            continue
        written = None if base is None else base.content
        deleted = RenderedFile(path, b"", 0o644, path, previous[path], base=written, deleted=True)
        one = ChangeSet((deleted,), changes.item_names)
        planned = plan_update(one, destination, ConflictPolicy.SKIP).files
        if not planned:
            continue  # gone already
        gone.append(planned[0])
        if planned[0].status is FileStatus.SKIP:
            why = "edited since the last run" if base else "no base recorded for it"
            notes.append(f"{path}: no longer rendered by the blueprint, but {why}: kept")
    return gone, notes


def joined(destination: Path, plans: Sequence[Plan]) -> Plan:
    """One plan of ``destination`` from plans of parts of it (paths that do not overlap)."""
    files = sorted((f for p in plans for f in p.files), key=lambda f: f.path)
    names = {index: name for p in plans for index, name in p.changes.item_names.items()}
    changes = ChangeSet(
        tuple(sorted((f for p in plans for f in p.changes.files), key=lambda f: f.path)),
        names,
        tuple(patch for p in plans for patch in p.changes.patches),
    )
    records = tuple(r for p in plans for r in p.records)
    return Plan(destination, tuple(files), changes, records)
