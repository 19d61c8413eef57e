"""The history's format: an entry per run, read as untrusted.

An entry (``.scaffold/history/<number>-<id>.json``) holds the run's id, its UTC time, its
blueprints and items, the sha256 of the record it wrote, for each file it changed the
action (the plan's status) and the file before and after (``{"sha256", "mode"}``, or
``null`` for no file; a symlink is ``{"link"}``, an empty folder ``{"folder": true}``; a
file an update merged also keeps what the blueprint rendered, ``rendered``), the folders it
made (``folders``, outermost first), and where each content it names lies in its pack
(``<number>-<id>.pack``: the contents, each once, one after the other, zlib-compressed as
one stream). Reading one checks what a run
could have written: every path one a blueprint could write (or the record), every hash a
sha256 the pack holds, every mode permission bits only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from scaffolder.commit import Recovery
from scaffolder.paths import HISTORY, RECORD, is_confined
from scaffolder.plan import FileStatus

VERSION = 1
DIGEST = re.compile(r"[0-9a-f]{64}")
MODE_BITS = 0o777  # kept and put back: no set-id or sticky bit comes from an entry


@dataclass(frozen=True)
class Image:
    """A file as it was: its content's sha256 and its mode; or a symlink's target, or an
    empty folder."""

    sha256: str | None = None
    mode: int = 0o644
    link: str | None = None
    folder: bool = False

    def to_json(self) -> dict[str, Any]:
        if self.link is not None:
            return {"link": self.link}
        if self.folder:
            return {"folder": True}
        return {"sha256": self.sha256, "mode": self.mode}


@dataclass(frozen=True)
class FileChange:
    """One file a run changed: how (the plan's status), and the file before and after."""

    path: str  # destination-relative, with /
    action: str  # create, overwrite, delete, … (a FileStatus value)
    before: Image | None  # None: no file there
    after: Image | None
    # a merge (an update): what the blueprint rendered, which ``after`` merges with the
    # user's edits; the base of the next update (None: ``after`` is)
    rendered: Image | None = None

    @property
    def own(self) -> bool:
        """Scaffolder's own file (the record), not one of the user's."""
        return self.path == RECORD.as_posix()

    def to_json(self) -> dict[str, Any]:
        images = {"before": self.before, "after": self.after}
        return {
            "path": self.path,
            "action": self.action,
            **{key: None if image is None else image.to_json() for key, image in images.items()},
            **({"rendered": self.rendered.to_json()} if self.rendered is not None else {}),
        }


@dataclass(frozen=True)
class RunItem:
    """One item of a run, as its history names it."""

    index: int
    name: str | None
    blueprint: str
    phase: str | None = None


@dataclass(frozen=True)
class Run:
    """One run's entry in the history."""

    id: str
    number: int  # 1 for the first run in the destination, then in order
    time: str  # UTC, ISO 8601
    blueprints: tuple[str, ...]
    items: tuple[RunItem, ...]
    files: tuple[FileChange, ...]
    record: str | None = None  # the sha256 of the record the run wrote (None: no record)
    # where each content lies in the run's pack, uncompressed: sha256 -> (offset, size)
    contents: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # the folders the run made, outermost first (None: an entry written before they were
    # kept); undo removes those it leaves empty, and no other
    folders: tuple[str, ...] | None = None

    @property
    def path(self) -> PurePosixPath:
        return HISTORY / f"{self.number:06d}-{self.id}.json"

    @property
    def pack(self) -> PurePosixPath:
        return self.path.with_suffix(".pack")

    @property
    def changed(self) -> tuple[FileChange, ...]:
        """The user's files it changed (not scaffolder's record)."""
        return tuple(change for change in self.files if not change.own)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changed:
            counts[change.action] = counts.get(change.action, 0) + 1
        return counts

    def digests(self) -> set[str]:
        """Every content the entry names."""
        images = (
            image
            for change in self.files
            for image in (change.before, change.after, change.rendered)
        )
        found = {image.sha256 for image in images if image is not None and image.sha256}
        return found | ({self.record} if self.record else set())

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "id": self.id,
            "number": self.number,
            "time": self.time,
            "blueprints": list(self.blueprints),
            "items": [vars(item) for item in self.items],
            "record": self.record,
            "files": [change.to_json() for change in self.files],
            "contents": {digest: list(place) for digest, place in self.contents.items()},
            **({"folders": list(self.folders)} if self.folders is not None else {}),
        }


@dataclass(frozen=True)
class History:
    """The runs recorded in a destination, oldest first (``scaffold history``)."""

    destination: Path
    runs: tuple[Run, ...]
    recovery: Recovery = field(default_factory=Recovery)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "destination": str(self.destination),
            "recovered": list(self.recovery.rolled_back),
            "runs": [run.to_json() for run in reversed(self.runs)],  # newest first
        }


def run_from_json(data: Any) -> Run:
    """An entry as a run wrote it, or ValueError/KeyError/TypeError."""
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError(f"not a version {VERSION} entry")
    run_id, number, time = data["id"], data["number"], data["time"]
    if not isinstance(run_id, str) or not re.fullmatch(r"[0-9a-f]{8}", run_id):
        raise ValueError(f"its id {run_id!r} is not one a run makes")
    if type(number) is not int or number < 1 or not isinstance(time, str):
        raise ValueError("its number or time is not one a run writes")
    blueprints = tuple(_text(name, "blueprint") for name in data["blueprints"])
    items = tuple(
        RunItem(
            _integer(item["index"]),
            None if item["name"] is None else _text(item["name"], "item name"),
            _text(item["blueprint"], "blueprint"),
            None if item["phase"] is None else _text(item["phase"], "phase"),
        )
        for item in data["items"]
    )
    files = tuple(_file(entry) for entry in data["files"])
    paths = [change.path for change in files]
    if len(set(paths)) != len(paths):
        raise ValueError("it names a file twice")
    record = None if data["record"] is None else _digest(data["record"])
    if not isinstance(data["contents"], dict):
        raise TypeError("its contents are not a mapping")
    contents = {_digest(d): _place(place) for d, place in data["contents"].items()}
    folders = _folders(data.get("folders"))
    run = Run(run_id, number, time, blueprints, items, files, record, contents, folders)
    if not run.digests() <= contents.keys():
        raise ValueError("it names a content its pack does not hold")
    return run


def _folders(data: Any) -> tuple[str, ...] | None:
    if data is None:
        return None
    if not isinstance(data, list):
        raise TypeError("its folders are not a list")
    own = {HISTORY.as_posix(), HISTORY.parent.as_posix()}
    for path in data:
        if not isinstance(path, str) or not (path in own or is_confined(path)):
            raise ValueError(f"the folder {path!r} is not a destination-relative path")
    return tuple(data)


def _digest(value: Any) -> str:
    if not (isinstance(value, str) and DIGEST.fullmatch(value)):
        raise ValueError(f"{value!r} is not a sha256")
    return value


def _place(value: Any) -> tuple[int, int]:
    offset, size = value
    return _integer(offset), _integer(size)


def _file(data: Any) -> FileChange:
    path, action = data["path"], data["action"]
    if not isinstance(path, str) or not (path == RECORD.as_posix() or is_confined(path)):
        raise ValueError(f"the file {path!r} is not a destination-relative path")
    if action not in {status.value for status in FileStatus}:
        raise ValueError(f"the file {path!r} has the unknown action {action!r}")
    before, after = _image(data["before"]), _image(data["after"])
    if before is None and after is None:
        raise ValueError(f"the file {path!r} is neither there before nor after")
    rendered = _image(data.get("rendered"))
    if rendered is not None and rendered.sha256 is None:
        raise ValueError(f"the file {path!r} was rendered as something other than a file")
    return FileChange(path, action, before, after, rendered)


def _image(data: Any) -> Image | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise TypeError(f"{data!r} is not a file's image")
    if set(data) == {"link"}:
        link = _text(data["link"], "link")
        if not link or "\0" in link:
            raise ValueError(f"the link {link!r} is not one a run writes")
        return Image(link=link)
    if data == {"folder": True}:
        return Image(folder=True)
    if set(data) != {"sha256", "mode"}:
        raise ValueError(f"{data!r} is not a sha256 and a mode")
    mode = data["mode"]
    if _integer(mode) > MODE_BITS:
        raise ValueError(f"the mode {mode!r} is not a file's")
    return Image(_digest(data["sha256"]), mode)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"its {what} {value!r} is not text")
    return value


def _integer(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise TypeError(f"{value!r} is not a whole number")
    return value
