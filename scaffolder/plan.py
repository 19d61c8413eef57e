"""Stage 4: hold the change set against the destination.

Each path gets a status — create, identical, overwrite, conflict, skip or inject (the
change set's patches applied, in item order, to a file's bytes); and for an update
(:func:`plan_update`) delete, and for the update of a native blueprint merge
(:mod:`scaffolder.update_plan`) — and the plan carries what is there now, so
that a dry run can show diffs and the commit can restore it. Planning reads the
destination and never writes. A symlink the change set holds is planned like a file
(its target is its content) and refused when it would point out of the destination; an
empty folder is created or identical.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scaffolder.changes import ChangeSet, RenderedFile
from scaffolder.destination import (
    check_length,
    inside,
    link_there,
    read_existing,
    refuse_link,
    stat_of,
)
from scaffolder.errors import ConfinementError, ScaffoldError
from scaffolder.inject import apply, by_path, missing_file, not_a_file
from scaffolder.paths import link_leaves


class FileStatus(enum.Enum):
    CREATE = "create"
    IDENTICAL = "identical"
    OVERWRITE = "overwrite"
    CONFLICT = "conflict"
    SKIP = "skip"
    DELETE = "delete"
    INJECT = "inject"  # an existing file, with snippets put into it
    MERGE = "merge"  # an update: the user's edits and the blueprint's changes, merged

    @property
    def writes(self) -> bool:
        return self in (
            FileStatus.CREATE,
            FileStatus.OVERWRITE,
            FileStatus.INJECT,
            FileStatus.MERGE,
        )

    @property
    def changes(self) -> bool:
        """Whether the commit touches the path: writes it or removes it."""
        return self.writes or self is FileStatus.DELETE


class ConflictPolicy(enum.Enum):
    """What to do with an existing file whose content differs."""

    FAIL = "fail"
    SKIP = "skip"
    OVERWRITE = "overwrite"


@dataclass(frozen=True)
class PlannedFile:
    file: RenderedFile
    status: FileStatus
    current: bytes | None = None  # what the destination holds now, if anything
    current_link: str | None = None  # the target, when that is a symlink (current is b"")
    # a merge: what the blueprint renders, which the file's content merges with the user's
    # edits (the history keeps it: the base of the next update)
    rendered: bytes | None = None

    @property
    def path(self) -> PurePosixPath:
        return self.file.path

    def diff(self) -> str:
        """A unified diff from what is there to what would be written (a symlink shows as
        ``-> target``; an empty folder has nothing to show)."""
        if self.file.folder:
            return ""
        old = self.current if self.current_link is None else _shown_link(self.current_link)
        new = None if self.file.deleted else self.file.content
        if self.file.link is not None:
            new = _shown_link(self.file.link)
        if old == new:
            return ""
        if _is_binary(old) or _is_binary(new):
            return f"Binary files a/{self.path} and b/{self.path} differ\n"
        before = "/dev/null" if old is None else f"a/{self.path}"
        lines = difflib.unified_diff(
            (old or b"").decode("utf-8").splitlines(keepends=True),
            (new or b"").decode("utf-8").splitlines(keepends=True),
            fromfile=before,
            tofile="/dev/null" if new is None else f"b/{self.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class Plan:
    destination: Path
    files: tuple[PlannedFile, ...]
    changes: ChangeSet
    records: tuple[PlannedFile, ...] = ()  # scaffolder's own files: written, never in conflict
    # the folders the commit removes when it leaves them empty (None: any its deletions
    # leave empty); an undo: those the runs it reverts made
    removable: frozenset[str] | None = None

    @property
    def conflicts(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in self.files if f.status is FileStatus.CONFLICT)

    @property
    def writes(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in (*self.files, *self.records) if f.status.writes)

    @property
    def deletes(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in (*self.files, *self.records) if f.status is FileStatus.DELETE)

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status is status)


def plan(changes: ChangeSet, destination: Path, on_conflict: ConflictPolicy) -> Plan:
    """Compare every file of ``changes`` with what ``destination`` holds."""
    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise ScaffoldError(f"{destination}: the destination exists and is not a folder.")
    root = destination.resolve()
    walked: dict[str, Path | None] = {}
    planned = tuple(_planned(root, destination, f, on_conflict, walked) for f in changes.files)
    if changes.patches:
        planned = _patched(root, destination, planned, changes)
    return Plan(destination, planned, changes)


def _patched(
    root: Path, destination: Path, planned: tuple[PlannedFile, ...], changes: ChangeSet
) -> tuple[PlannedFile, ...]:
    """``planned`` with the patches applied, in item order, to each file they go into: to
    the run's own rendering of it, or to what the destination holds when the run only
    patches it or keeps the destination's version. A file the run would otherwise leave as
    it is, and the patches change, is ``inject``."""
    files = {p.path: p for p in planned}
    for path, patches in by_path(changes.patches).items():
        shown, was = destination / path, files.get(path)
        target, link = inside(root, destination, path)
        if was is None:  # only patched: the destination's file, kept
            check_length(root, path)
            current = read_existing(target, path)
            if current is None:
                raise missing_file(shown, patches)
            kept = RenderedFile(path, current, 0, patches[0].template, keep_existing=True)
            was = PlannedFile(kept, FileStatus.IDENTICAL, current)
        if was.file.link is not None or was.file.folder:
            raise not_a_file(shown, patches)
        current, keep = was.current, was.file.keep_existing and was.current is not None
        new = apply(shown, (current or b"") if keep else was.file.content, patches)
        status = was.status
        if current is None or new == current:
            status = FileStatus.CREATE if current is None else FileStatus.IDENTICAL
        elif keep or status is FileStatus.IDENTICAL:
            status = FileStatus.INJECT
        if link is not None and status.writes:
            refuse_link(destination, path, link)
        mode = stat.S_IMODE(target.stat().st_mode) if keep else was.file.mode
        items = dict.fromkeys((*was.file.items, *(i for p in patches for i in p.items)))
        file = dataclasses.replace(was.file, content=new, mode=mode, items=tuple(items))
        files[path] = dataclasses.replace(was, file=file, status=status)
    return tuple(files[p] for p in sorted(files))


def with_records(planned: Plan, records: tuple[RenderedFile, ...]) -> Plan:
    """``planned`` with scaffolder's own files (the record of the run, its history) added:
    they are written when they differ, deleted (``deleted``) when there, and are never a
    conflict."""
    root, destination = planned.destination.resolve(), planned.destination
    own = (_planned_record(root, destination, f) for f in records)
    return dataclasses.replace(planned, records=(*planned.records, *filter(None, own)))


def _planned_record(root: Path, destination: Path, rendered: RenderedFile) -> PlannedFile | None:
    if not rendered.deleted:
        return _planned(root, destination, rendered, ConflictPolicy.OVERWRITE)
    return _planned_update(root, destination, rendered, ConflictPolicy.OVERWRITE)


def plan_update(changes: ChangeSet, destination: Path, on_conflict: ConflictPolicy) -> Plan:
    """Hold an update's change set against ``destination``. Each file is what the update
    makes of what the destination held (its ``base``): an overwrite or a deletion, not a
    conflict — unless the template's own tool left a conflict in it, or the file changed
    since the update was staged; then ``on_conflict`` decides. A file to delete that is
    already gone is left out."""
    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise ScaffoldError(f"{destination}: the destination exists and is not a folder.")
    root = destination.resolve()
    planned = (_planned_update(root, destination, f, on_conflict) for f in changes.files)
    return Plan(destination, tuple(p for p in planned if p is not None), changes)


def _planned_update(
    root: Path, destination: Path, rendered: RenderedFile, on_conflict: ConflictPolicy
) -> PlannedFile | None:
    check_length(root, rendered.path)
    target, link = inside(root, destination, rendered.path)
    current = read_existing(target, rendered.path)
    if rendered.deleted and current is None:
        return None
    new = None if rendered.deleted else rendered.content
    same = current == new and not _mode_differs(target, rendered)
    if rendered.conflicted or (current != rendered.base and not same):
        status = _ON_CONFLICT[on_conflict]
        if status is FileStatus.OVERWRITE and same:
            status = FileStatus.IDENTICAL
    else:
        status = FileStatus.IDENTICAL if same else FileStatus.OVERWRITE
    if status is FileStatus.OVERWRITE and rendered.deleted:
        status = FileStatus.DELETE
    elif status is FileStatus.OVERWRITE and current is None:
        status = FileStatus.CREATE
    if link is not None and status.changes:
        refuse_link(destination, rendered.path, link)
    return PlannedFile(rendered, status, current)


def _mode_differs(target: Path, rendered: RenderedFile) -> bool:
    try:
        return stat.S_IMODE(target.stat().st_mode) != rendered.mode
    except OSError:
        return False


_ON_CONFLICT = {
    ConflictPolicy.FAIL: FileStatus.CONFLICT,
    ConflictPolicy.SKIP: FileStatus.SKIP,
    ConflictPolicy.OVERWRITE: FileStatus.OVERWRITE,
}


def _planned(
    root: Path,
    destination: Path,
    rendered: RenderedFile,
    on_conflict: ConflictPolicy,
    walked: dict[str, Path | None] | None = None,
) -> PlannedFile:
    """One file's status: new, the same bytes, or different (and then the policy decides,
    unless the template keeps the destination's version)."""
    check_length(root, rendered.path)
    if rendered.link is not None and link_leaves(rendered.path, rendered.link):
        raise ConfinementError(
            f"{destination / rendered.path}: the template renders a symlink to "
            f"{rendered.link}, which points out of the destination; scaffolder writes no "
            "link that leads out of it. Nothing was written. Make the link's target a "
            "relative path inside the project, or remove the link from the template."
        )
    target, link = inside(root, destination, rendered.path, walked)
    current, current_link = None, None
    if rendered.folder:
        status = _planned_folder(target, rendered.path)
    elif rendered.link is not None and (current_link := link_there(target, rendered.path)):
        current = b""
        same = current_link == rendered.link
        status = FileStatus.IDENTICAL if same else _differs(rendered, on_conflict)
    else:
        current = read_existing(target, rendered.path)
        if current is None:
            status = FileStatus.CREATE
        elif current == rendered.content and rendered.link is None:
            status = FileStatus.IDENTICAL
        else:
            status = _differs(rendered, on_conflict)
    if link is not None and status.writes:
        refuse_link(destination, rendered.path, link)
    return PlannedFile(rendered, status, current, current_link)


def _differs(rendered: RenderedFile, on_conflict: ConflictPolicy) -> FileStatus:
    """The status of a path the destination holds otherwise than rendered: kept when the
    template says so (Copier's ``_skip_if_exists``), else as the policy says."""
    return FileStatus.SKIP if rendered.keep_existing else _ON_CONFLICT[on_conflict]


def _planned_folder(target: Path, relative: PurePosixPath) -> FileStatus:
    """An empty folder: created, or already there (a link to a folder inside counts)."""
    info = stat_of(target, relative)
    if info is None:
        return FileStatus.CREATE
    if not stat.S_ISDIR(info.st_mode):
        raise ScaffoldError(
            f"{target}: a file is where the template renders the folder {relative}. "
            "Move the file or choose another --out."
        )
    return FileStatus.IDENTICAL


def _shown_link(target: str) -> bytes:
    return f"-> {target}\n".encode("utf-8", "surrogateescape")


def _is_binary(content: bytes | None) -> bool:
    if content is None:
        return False
    if b"\x00" in content:
        return True
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
