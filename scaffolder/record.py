"""The record of the last run in a destination: ``.scaffold/last-run.json``.

It is written with the run's files, in the same transaction, and says which
blueprints rendered which items to which files — enough for ``scaffold check``
to run the checks again. A blueprint from git is recorded with where to find it
again and the commit used (``vcs``); a record without it (written before git
sources, or of a folder) still loads; so does one without ``dest`` (the folder, templated,
an items file rendered each item of a phase into; absent: none). It holds no time stamp,
so re-running the same run leaves it identical. The history of the runs keeps each run's record too
(:func:`parse_record` reads one from its bytes), and undo puts the previous one back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from scaffolder.blueprint import Blueprint, Origin
from scaffolder.changes import RenderedFile
from scaffolder.errors import ScaffoldError
from scaffolder.paths import RECORD
from scaffolder.sources.git import GitRef, git_ref
from scaffolder.variables import Item

VERSION = 1


@dataclass(frozen=True)
class RecordedPhase:
    name: str | None
    blueprint: str  # its name when built in, else its folder
    origin: Origin
    items: tuple[Item, ...]
    files: Mapping[int, tuple[str, ...]]  # item index -> files
    vcs: GitRef | None = None  # the repository and commit of a blueprint from git
    dest: str | None = None  # the items file's dest:, templated (None: the run's root)


def record_file(
    phases: Sequence[tuple[str | None, Blueprint, Sequence[Item]]],
    files: Mapping[int, Sequence[str]],
    dests: Sequence[str | None] = (),
) -> RenderedFile:
    """The record of a run, as a file of the change set; ``dests``: each phase's ``dest:``
    (none given: no phase has one)."""
    dests = dests or [None] * len(phases)
    data = {
        "version": VERSION,
        "phases": [
            {
                "name": name,
                "blueprint": _reference(blueprint),
                "origin": blueprint.origin.value,
                **_vcs(blueprint),
                **({} if dest is None else {"dest": dest}),
                "items": [
                    {
                        "index": item.index,
                        "number": item.number,
                        "name": item.name,
                        "values": _kept(item.values, blueprint),
                        "files": list(files.get(item.index, ())),
                    }
                    for item in items
                ],
            }
            for (name, blueprint, items), dest in zip(phases, dests, strict=True)
        ],
    }
    text = readable_json(data, depth=4)  # an item a line
    indexes = tuple(item.index for _, _, items in phases for item in items)
    return RenderedFile(RECORD, text.encode("utf-8"), 0o644, PurePosixPath(RECORD.name), indexes)


def readable_json(data: Any, *, depth: int) -> str:
    """``data`` as JSON (keys sorted) a person can read and diff: a container that holds
    containers, down to ``depth`` levels, laid out a member a line; each member below them
    written compact on its line, by the C encoder (pretty-printing a large run's files with
    ``indent`` takes the pure-Python one, ~10 times slower)."""
    return _laid_out(data, depth, "\n") + "\n"


_COMPACT = json.JSONEncoder(sort_keys=True, default=str)  # one encoder: made once, not per line


def _laid_out(value: Any, depth: int, newline: str) -> str:
    if depth <= 0 or not isinstance(value, dict | list):
        return _COMPACT.encode(value)
    members = value.values() if isinstance(value, dict) else value
    if not any(isinstance(member, dict | list) for member in members):
        return _COMPACT.encode(value)
    inner = newline + " "
    if isinstance(value, list):
        lines = [_laid_out(member, depth - 1, inner) for member in value]
        return "[" + inner + ("," + inner).join(lines) + newline + "]"
    lines = [
        f"{json.dumps(str(key))}: {_laid_out(value[key], depth - 1, inner)}"
        for key in sorted(value)
    ]
    return "{" + inner + ("," + inner).join(lines) + newline + "}"


def _kept(values: Mapping[str, Any], blueprint: Blueprint) -> dict[str, Any]:
    """An item's values as the record keeps them: without its template's secrets."""
    if blueprint.source is None or not blueprint.source.secrets:
        return dict(values)
    return {name: value for name, value in values.items() if name not in blueprint.source.secrets}


def _reference(blueprint: Blueprint) -> str:
    git = git_ref(blueprint)
    if git is not None:
        return git.location  # the checkout the run rendered from is gone after it
    return blueprint.name if blueprint.origin is Origin.BUILT_IN else str(blueprint.root.resolve())


def _vcs(blueprint: Blueprint) -> dict[str, Any]:
    git = git_ref(blueprint)
    return {} if git is None else {"vcs": git.to_json()}


def read_record(destination: Path) -> tuple[RecordedPhase, ...]:
    """The last run's record in ``destination``."""
    path = Path(destination).joinpath(*RECORD.parts)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ScaffoldError(
            f"{path}: no record of a run here. `scaffold check` re-runs the checks of the "
            "last `scaffold new` or `scaffold batch` into this folder; give its --out."
        ) from None
    except OSError as exc:
        raise ScaffoldError(f"{path}: the record of the last run cannot be read ({exc}).") from exc
    return parse_record(content, str(path))


def parse_record(content: bytes, where: str) -> tuple[RecordedPhase, ...]:
    """A record's phases, from its bytes (the last run's file, or an earlier run's record
    kept in the history); ``where`` names it in the error."""
    try:
        data = json.loads(content.decode("utf-8"))
        return tuple(_phase(phase) for phase in data["phases"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ScaffoldError(f"{where}: the record of the run cannot be read ({exc}).") from exc


def _phase(data: dict[str, Any]) -> RecordedPhase:
    items = tuple(
        Item(entry["index"], entry["values"], entry["name"], entry["number"], data["name"])
        for entry in data["items"]
    )
    files = {entry["index"]: tuple(entry["files"]) for entry in data["items"]}
    vcs = GitRef.from_json(data["vcs"]) if data.get("vcs") else None
    dest = data.get("dest")
    if dest is not None and not isinstance(dest, str):
        raise TypeError(f"its dest {dest!r} is not text")
    origin = Origin(data["origin"])
    return RecordedPhase(data["name"], data["blueprint"], origin, items, files, vcs, dest)
