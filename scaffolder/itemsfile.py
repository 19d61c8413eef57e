"""Loading an items file: one blueprint and its items, or a plan of phases.

The file is validated against ``schemas/items.schema.json``; items may be
listed inline or come ``from`` a CSV file (one item per row) or a YAML/JSON
list. Every item keeps where it came from, so errors can name the line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaViolation
from jsonschema.exceptions import best_match

from scaffolder.blueprint import Check, parse_check
from scaffolder.errors import ScaffoldError
from scaffolder.resources import load_schema
from scaffolder.sources import is_url
from scaffolder.yamlsource import SourceDocument, load_yaml

DEFAULT_BATCH_SIZE = 6


@dataclass(frozen=True)
class RawItem:
    """One item as written, before it is typed and validated."""

    values: Any
    number: int  # 1-based, within its phase
    document: SourceDocument
    location: tuple[Hashable, ...]
    textual: bool = False  # from CSV: every value is text, to be typed by the schema
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Phase:
    """One blueprint and its items; a plain items file is a plan of one phase."""

    name: str | None
    blueprint: str  # a name, or an absolute folder path
    items: tuple[RawItem, ...]
    batch_size: int = DEFAULT_BATCH_SIZE
    dest: str | None = None  # where each item renders inside --out, templated by its values
    vcs_ref: str | None = None  # the tag, branch or commit of a git source (None: its default)
    checks: tuple[Check, ...] = ()  # run after the blueprint's own checks
    document: SourceDocument | None = field(default=None, compare=False, repr=False)
    location: tuple[Hashable, ...] = ()  # of the phase in ``document``

    def cite(self) -> str:
        """Where the phase names its blueprint, e.g. ``items.yaml:3`` (``…: phase NAME`` in a
        plan); the line is found only now (to report an error)."""
        if self.document is None:
            return f"phase {self.name}" if self.name else "items file"
        line = self.document.line_of((*self.location, "blueprint"))
        where = f"{self.document.source}:{line}" if line else self.document.source
        return f"{where}: phase {self.name}" if self.name else where


@dataclass(frozen=True)
class ItemsFile:
    path: Path
    phases: tuple[Phase, ...]

    @property
    def is_plan(self) -> bool:
        return any(phase.name is not None for phase in self.phases)


EXAMPLE = "  blueprint: crud-endpoint\n  items:\n    - resource: users"


Confine = Callable[[Path, str], Path]  # a path the file names, checked (and resolved)


def load_items_file(path: Path | str, *, inside: Confine | None = None) -> ItemsFile:
    """Read and check an items file (YAML, or JSON when it ends in ``.json``). ``inside``:
    see :func:`read_items`."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        raise ScaffoldError(
            f"{path}: a CSV file holds items, not a whole items file (which names the "
            "blueprint too). Take the items from it in an items file, e.g.:\n"
            f"  blueprint: crud-endpoint\n  items: {{from: {path.name}}}"
        )
    return read_items(load_yaml(path), path, inside=inside)


def read_items(document: SourceDocument, path: Path, *, inside: Confine | None = None) -> ItemsFile:
    """Check an items file already read (``document``; or items given as data, which a
    ``document`` without lines holds). ``path`` is where it stands: the blueprint folders
    and the ``from:`` files it names are relative to its folder. Messages name
    ``document.source``. ``inside`` is given each ``from:`` file before it is read, and
    raises for one that may not be (the MCP server keeps to its root)."""
    if document.data is None:
        raise ScaffoldError(
            f"{document.source}: empty (or only comments). An items file names a blueprint "
            f"and lists its items, e.g.:\n{EXAMPLE}"
        )
    _check_shape(document)
    data: dict[str, Any] = document.data
    if "phases" in data:
        phases = tuple(
            _phase(path, document, phase, ("phases", index), phase["name"], data, inside)
            for index, phase in enumerate(data["phases"])
        )
        names = [phase.name for phase in phases]
        duplicates = sorted({n for n in names if n is not None and names.count(n) > 1})
        if duplicates:
            raise ScaffoldError(
                f"{document.source}: phase names must differ; repeated: {', '.join(duplicates)}."
            )
    else:
        phases = (_phase(path, document, data, (), None, {}, inside),)
    if not any(phase.items for phase in phases):
        raise ScaffoldError(
            f"{document.source}:{document.line_of(_first_items(data)) or 1}: no items, so "
            "nothing to render. List at least one item (a mapping of the blueprint's "
            f"variables), e.g.:\n"
            f"{EXAMPLE}\n`scaffold show BLUEPRINT` lists the variables."
        )
    return ItemsFile(path=path, phases=phases)


def _first_items(data: Mapping[str, Any]) -> tuple[Hashable, ...]:
    """Where the (first phase's) items are written."""
    return ("phases", 0, "items") if "phases" in data else ("items",)


def _phase(
    path: Path,
    document: SourceDocument,
    data: Mapping[str, Any],
    location: tuple[Hashable, ...],
    name: str | None,
    plan: Mapping[str, Any],
    inside: Confine | None,
) -> Phase:
    defaults = {**(plan.get("defaults") or {}), **(data.get("defaults") or {})}
    batch_size = data.get("batch_size", plan.get("batch_size", DEFAULT_BATCH_SIZE))
    listed = data["items"]
    if isinstance(listed, Mapping):
        where = f"{document.source}: items.from"
        source = path.parent / listed["from"]
        items = _items_from(source if inside is None else inside(source, where), defaults, where)
    else:
        items = tuple(
            RawItem(value, number, document, (*location, "items", number - 1), defaults=defaults)
            for number, value in enumerate(listed, start=1)
        )
    dest = data.get("dest", plan.get("dest"))
    vcs_ref = data.get("vcs_ref", plan.get("vcs_ref"))
    reference = _blueprint_reference(path, data["blueprint"])
    checks = tuple(parse_check(entry) for entry in data.get("checks") or ())
    return Phase(name, reference, items, batch_size, dest, vcs_ref, checks, document, location)


def _blueprint_reference(items_path: Path, reference: str) -> str:
    """A name or a URL as written; a folder relative to the items file."""
    if is_url(reference):
        return reference
    if "/" in reference or reference.startswith((".", "~")):
        return str((items_path.parent / Path(reference).expanduser()).resolve())
    return reference


def _items_from(source: Path, defaults: Mapping[str, Any], where: str) -> tuple[RawItem, ...]:
    if not source.is_file():
        raise ScaffoldError(
            f"{where}: {source} does not exist. Give a path relative to the items file."
        )
    if source.suffix == ".csv":
        return _csv_items(source, defaults)
    listed = load_yaml(source)
    if not isinstance(listed.data, list):
        raise ScaffoldError(
            f"{source}: expected a list of items, found {type(listed.data).__name__}."
        )
    return tuple(
        RawItem(value, number, listed, (number - 1,), defaults=defaults)
        for number, value in enumerate(listed.data, start=1)
    )


def _csv_items(source: Path, defaults: Mapping[str, Any]) -> tuple[RawItem, ...]:
    try:
        with source.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            _check_header(source, reader.fieldnames or [])
            rows: list[tuple[int, dict[str, str]]] = []
            for row in reader:
                if None in row:
                    raise ScaffoldError(
                        f"{source}:{reader.line_num}: more cells than the header has names."
                    )
                # an empty cell, or one missing at the end of a short row, is a value left
                # out, so that defaults apply
                cells = {k: v for k, v in row.items() if v is not None and v != ""}
                if "" in cells:
                    raise ScaffoldError(
                        f"{source}:{reader.line_num}: a value in a column whose header has "
                        "no name. Name the column after the variable it holds."
                    )
                rows.append((reader.line_num, cells))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScaffoldError(f"{source}: cannot be read as CSV: {exc}.") from exc
    lines: dict[tuple[Hashable, ...], int] = {}
    for index, (line, row) in enumerate(rows):
        lines[(index,)] = line
        for key in row:
            lines[(index, key)] = line
    document = SourceDocument(data=[row for _, row in rows], source=str(source), lines=lines)
    return tuple(
        RawItem(row, number, document, (number - 1,), textual=True, defaults=defaults)
        for number, (_, row) in enumerate(rows, start=1)
    )


def _check_header(source: Path, names: Sequence[str]) -> None:
    """Each named column once: a second ``resource`` column would silently replace the
    first one's values. (A column without a name may stay if its cells are empty.)"""
    seen: set[str] = set()
    for column, name in enumerate(names, start=1):
        if name and name in seen:
            raise ScaffoldError(
                f"{source}:1: the header names {name!r} twice (column {column} again). "
                "Keep one column per variable."
            )
        seen.add(name)


def _check_shape(document: SourceDocument) -> None:
    if not isinstance(document.data, dict):
        raise ScaffoldError(
            f"{document.source}: an items file is a mapping with `blueprint:` and `items:` "
            "(or `phases:`), not a " + type(document.data).__name__ + "."
        )
    validator = Draft202012Validator(load_schema("items"))
    errors = sorted(
        validator.iter_errors(document.data), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if errors:
        lines = [_describe(document, error) for error in errors]
        raise ScaffoldError(
            f"{document.source}: not a valid items file; nothing was written:\n"
            + "\n".join(lines)
            + "\nSee schemas/items.schema.json for the format."
        )


def _describe(document: SourceDocument, error: SchemaViolation) -> str:
    if error.context:  # oneOf: name the rule of the branch of the instance's type
        fitting = [e for e in error.context if e.validator != "type"] or error.context
        error = best_match(fitting)
    path = tuple(error.absolute_path)
    key = ".".join(str(p) for p in path) or "(top level)"
    message = error.message
    reason = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    if error.validator == "not" and reason:
        message = f"not allowed here: {reason}"
    return f"  {document.source}:{document.line_of(path)}: {key}: {message} [{error.validator}]"
