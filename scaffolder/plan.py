"""Stage 4: hold the change set against the destination.

Each path gets a status — create, identical, overwrite, conflict or skip — and
the plan carries what is there now, so that a dry run can show diffs and the
commit can restore it. Planning reads the destination and never writes.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scaffolder.errors import ConfinementError, ScaffoldError
from scaffolder.render import ChangeSet, RenderedFile


class FileStatus(enum.Enum):
    CREATE = "create"
    IDENTICAL = "identical"
    OVERWRITE = "overwrite"
    CONFLICT = "conflict"
    SKIP = "skip"

    @property
    def writes(self) -> bool:
        return self in (FileStatus.CREATE, FileStatus.OVERWRITE)


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

    @property
    def path(self) -> PurePosixPath:
        return self.file.path

    def diff(self) -> str:
        """A unified diff from what is there to what would be written."""
        old, new = self.current, self.file.content
        if old == new:
            return ""
        if _is_binary(old) or _is_binary(new):
            return f"Binary files a/{self.path} and b/{self.path} differ\n"
        before = "/dev/null" if old is None else f"a/{self.path}"
        lines = difflib.unified_diff(
            (old or b"").decode("utf-8").splitlines(keepends=True),
            new.decode("utf-8").splitlines(keepends=True),
            fromfile=before,
            tofile=f"b/{self.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class Plan:
    destination: Path
    files: tuple[PlannedFile, ...]
    changes: ChangeSet
    records: tuple[PlannedFile, ...] = ()  # scaffolder's own files: written, never in conflict

    @property
    def conflicts(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in self.files if f.status is FileStatus.CONFLICT)

    @property
    def writes(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in (*self.files, *self.records) if f.status.writes)

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status is status)


def plan(changes: ChangeSet, destination: Path, on_conflict: ConflictPolicy) -> Plan:
    """Compare every file of ``changes`` with what ``destination`` holds."""
    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise ScaffoldError(f"{destination}: the destination exists and is not a folder.")
    root = destination.resolve()
    planned = tuple(_planned(root, destination, f, on_conflict) for f in changes.files)
    return Plan(destination, planned, changes)


def with_records(planned: Plan, records: tuple[RenderedFile, ...]) -> Plan:
    """``planned`` with scaffolder's own files (the record of the run) added: they are
    written when they differ, and are never a conflict."""
    root, destination = planned.destination.resolve(), planned.destination
    own = tuple(_planned(root, destination, f, ConflictPolicy.OVERWRITE) for f in records)
    return dataclasses.replace(planned, records=(*planned.records, *own))


_ON_CONFLICT = {
    ConflictPolicy.FAIL: FileStatus.CONFLICT,
    ConflictPolicy.SKIP: FileStatus.SKIP,
    ConflictPolicy.OVERWRITE: FileStatus.OVERWRITE,
}


def _planned(
    root: Path, destination: Path, rendered: RenderedFile, on_conflict: ConflictPolicy
) -> PlannedFile:
    """One file's status: new, the same bytes, or different (and then the policy decides)."""
    current = _read_existing(_inside(root, destination, rendered.path), rendered.path)
    if current is None:
        status = FileStatus.CREATE
    elif current == rendered.content:
        status = FileStatus.IDENTICAL
    else:
        status = _ON_CONFLICT[on_conflict]
    return PlannedFile(rendered, status, current)


def _inside(root: Path, destination: Path, relative: PurePosixPath) -> Path:
    """The target path, refusing any that a symlink would lead out of the destination."""
    target = destination.joinpath(*relative.parts)
    probe = root
    for part in relative.parts:
        probe = probe / part
        if probe.is_symlink():
            resolved = probe.resolve()
            if resolved != root and root not in resolved.parents:
                raise ConfinementError(
                    f"{destination / relative}: {probe} is a symlink to {os.readlink(probe)}, "
                    "outside the destination; scaffolder will not write through it. "
                    "Remove the link or choose another --out."
                )
    return target


def _read_existing(target: Path, relative: PurePosixPath) -> bytes | None:
    if target.is_dir():
        raise ScaffoldError(
            f"{target}: a folder is where the blueprint renders the file {relative}. "
            "Move the folder or choose another --out."
        )
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None
    except NotADirectoryError as exc:
        raise ScaffoldError(
            f"{target}: a file stands where the blueprint needs a folder for {relative}."
        ) from exc
    except OSError as exc:
        raise ScaffoldError(f"{target}: cannot be read: {exc.strerror}.") from exc


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
