"""The ``sqlite`` kind: migrations apply up then down to an in-memory database, which the
check's authorizer keeps from touching any file. The migrations already in the destination's
migration folder are applied first: a follow-up migration meets the schema it will meet."""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import os
import posixpath
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scaffolder.checks.base import Kind, read
from scaffolder.checks.model import CheckProblem, Findings, Target
from scaffolder.checks.processes import Processes
from scaffolder.errors import BlueprintError


class Sqlite(Kind):
    """SQL migrations apply to an in-memory SQLite database: first the up migrations already
    in the folders the run writes its own to (the run did not write them: they are applied,
    never undone), then the run's every ``up`` in path order, then its every ``down`` in
    reverse — and each down must put the schema back exactly as it was before its up
    (tables and their columns, indexes, views, triggers)."""

    name = "sqlite"
    suffixes = (".sql",)
    option_names = Kind.option_names | {"up", "down"}

    def options(self, raw: Any, where: str) -> dict[str, Any]:
        options = super().options(raw, where)
        for key in ("up", "down"):
            if key in options and not (isinstance(options[key], str) and options[key]):
                raise BlueprintError(
                    f"{where}: {key} must be a glob of migration files, "
                    f'e.g. `{key}: "migrations/*.{key}.sql"`; not {options[key]!r}.'
                )
        return options

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        ups: set[str] = set()
        downs: set[str] = set()
        patterns: set[str] = set()
        for item in target.items:  # each item's own patterns, over its own files
            up, down = item.options.get("up", "*up.sql"), item.options.get("down", "*down.sql")
            patterns.add(repr(up))
            ups.update(f for f in item.files if fnmatch.fnmatch(f, up))
            downs.update(f for f in item.files if fnmatch.fnmatch(f, down))
        if not ups:
            message = f"no migration matches {', '.join(sorted(patterns))} among the run's files"
            return Findings((CheckProblem(message),))
        ordered = sorted(ups)
        pairs = {up: _down_of(up, downs) for up in ordered}
        unpaired = [up for up, down in pairs.items() if down is None]
        if downs and unpaired:
            return Findings(
                tuple(CheckProblem("no down migration undoes it", up) for up in unpaired)
            )
        earlier = _earlier(target, destination)
        database = sqlite3.connect(":memory:")
        refused = _Refusals()
        database.set_authorizer(refused)
        try:
            for path in earlier:
                if problem := _apply(database, destination, path, refused):
                    note = "a migration already in the destination, applied before the run's own"
                    return Findings((_noted(problem, note),), _applied(earlier))
            before: dict[str, _Schema] = {}
            for up in ordered:
                before[up] = _schema(database)
                if problem := _apply(database, destination, up, refused):
                    if earlier:
                        problem = _noted(problem, _after(earlier))
                    return Findings((problem,), _applied(earlier))
            for up in reversed(ordered):
                down = pairs[up]
                if down is None:
                    continue
                if problem := _apply(database, destination, down, refused):
                    return Findings((problem,))
                difference = _compare(before[up], _schema(database))
                if difference:
                    message = f"does not undo {up}: {difference}"
                    return Findings((CheckProblem(message, down),), _applied(earlier))
        finally:
            database.close()
        return Findings(output=_applied(earlier))


def _earlier(target: Target, destination: str) -> list[str]:
    """The up migrations already in the folders of the run's own up migrations (matching
    the item's ``up`` and not its ``down``), that the run did not write: in path order.
    Only regular files: a link is not followed."""
    own = set(target.files)
    found: set[str] = set()
    for item in target.items:
        up, down = item.options.get("up", "*up.sql"), item.options.get("down", "*down.sql")
        for folder in {posixpath.dirname(f) for f in item.files if fnmatch.fnmatch(f, up)}:
            with contextlib.suppress(OSError), os.scandir(Path(destination, folder)) as entries:
                for entry in entries:
                    path = posixpath.join(folder, entry.name)
                    if (
                        path not in own
                        and entry.is_file(follow_symlinks=False)
                        and fnmatch.fnmatch(path, up)
                        and not fnmatch.fnmatch(path, down)
                    ):
                        found.add(path)
    return sorted(found)


def _noted(problem: CheckProblem, note: str) -> CheckProblem:
    return dataclasses.replace(problem, message=f"{problem.message} ({note})")


def _after(earlier: Sequence[str]) -> str:
    folders = ", ".join(sorted({_folder(path) for path in earlier}))
    count = f"{len(earlier)} migration{'s' if len(earlier) != 1 else ''}"
    return f"applied after the {count} already in {folders}"


def _folder(path: str) -> str:
    folder = posixpath.dirname(path)
    return f"{folder}/" if folder else "the destination's top folder"


def _applied(earlier: Sequence[str]) -> str:
    if not earlier:
        return "no migration was in the destination before the run's own"
    return "applied first, as already in the destination:\n" + "\n".join(
        f"  {path}" for path in earlier
    )


_Schema = dict[tuple[str, str], tuple[Any, ...]]


def _apply(
    database: sqlite3.Connection, destination: str, path: str, refused: _Refusals
) -> CheckProblem | None:
    refused.last = None
    try:
        database.executescript(read(destination, path).decode("utf-8"))
    except UnicodeDecodeError as exc:
        return CheckProblem(f"not UTF-8 text: {exc}", path)
    except sqlite3.Error as exc:
        if refused.last is not None:
            return CheckProblem(f"SQLite: {refused.last}", path)
        return CheckProblem(f"SQLite: {exc}", path)
    return None


class _Refusals:
    """The authorizer of the check's database: it refuses whatever could touch a file.

    ``ATTACH`` (which ``VACUUM`` and ``VACUUM INTO`` also do) and ``DETACH``, the pragmas
    that point SQLite at a folder, and ``load_extension()``. The last refusal is kept, to
    say in the report what the migration tried.
    """

    _PRAGMAS = frozenset({"temp_store_directory", "data_store_directory"})
    _FUNCTIONS = frozenset({"load_extension"})
    _WHY = "a sqlite check runs on an in-memory database and may not touch any file"

    def __init__(self) -> None:
        self.last: str | None = None

    def __call__(
        self,
        action: int,
        first: str | None,
        second: str | None,
        database: str | None,
        trigger: str | None,
    ) -> int:
        refusal = None
        if action == sqlite3.SQLITE_ATTACH:
            named = f" (it names {first!r})" if first else ""
            refusal = f"ATTACH and VACUUM are refused{named}: {self._WHY}"
        elif action == sqlite3.SQLITE_DETACH:
            refusal = f"DETACH is refused: {self._WHY}"
        elif action == sqlite3.SQLITE_PRAGMA and (first or "").lower() in self._PRAGMAS:
            refusal = f"PRAGMA {first} is refused: {self._WHY}"
        elif action == sqlite3.SQLITE_FUNCTION and (second or "").lower() in self._FUNCTIONS:
            refusal = f"{second}() is refused: {self._WHY}"
        if refusal is None:
            return sqlite3.SQLITE_OK
        self.last = refusal
        return sqlite3.SQLITE_DENY


def _schema(database: sqlite3.Connection) -> _Schema:
    """Every table (with its columns and indexes), index, view and trigger, by kind and name."""
    schema: _Schema = {}
    for kind, name, sql in database.execute(_USER_OBJECTS):
        if kind == "table":
            columns = tuple(database.execute(f"PRAGMA table_info({_quoted(name)})"))
            indexes = tuple(sorted(database.execute(f"PRAGMA index_list({_quoted(name)})")))
            schema[(kind, name)] = (columns, indexes)
        else:
            schema[(kind, name)] = (sql,)
    return schema


def _compare(expected: _Schema, actual: _Schema) -> str:
    left = sorted(f"{kind} {name}" for kind, name in actual.keys() - expected.keys())
    gone = sorted(f"{kind} {name}" for kind, name in expected.keys() - actual.keys())
    changed = sorted(
        f"{kind} {name}"
        for (kind, name) in expected.keys() & actual.keys()
        if expected[(kind, name)] != actual[(kind, name)]
    )
    parts = [
        f"{label}: {', '.join(names)}"
        for label, names in (("left behind", left), ("missing", gone), ("changed", changed))
        if names
    ]
    return "; ".join(parts)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_USER_OBJECTS = (
    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
)


def _down_of(up_path: str, downs: set[str]) -> str | None:
    """The down migration beside an up one (``0003_x.up.sql`` -> ``0003_x.down.sql``)."""
    folder, _, name = up_path.rpartition("/")
    for up, down in (("up", "down"), ("UP", "DOWN"), ("Up", "Down")):
        head, found, tail = name.rpartition(up)
        if found:
            candidate = f"{folder}/{head}{down}{tail}" if folder else f"{head}{down}{tail}"
            if candidate in downs:
                return candidate
    return None
