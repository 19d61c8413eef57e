"""Stage 1: load a blueprint — its manifest, validated, and where its templates are."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from scaffolder.errors import BlueprintError
from scaffolder.resources import load_schema
from scaffolder.yamlsource import SourceDocument, load_yaml

MANIFEST = "blueprint.yaml"
TEMPLATE_DIR = "template"


class Origin(enum.Enum):
    """Where a blueprint was found."""

    BUILT_IN = "built-in"
    PROJECT = "project"
    SCAFFOLD_PATH = "SCAFFOLD_PATH"
    PATH = "path"


@dataclass(frozen=True)
class Check:
    """One declared ground-truth check: its kind and its options."""

    kind: str
    options: Any = None

    def describe(self) -> str:
        """Short and readable: ``import app.api.users``, ``pytest run, min_tests=10``."""
        options = self.options
        if options in (None, {}, True):
            return self.kind
        if isinstance(options, list):
            return f"{self.kind} {', '.join(map(str, options))}"
        if not isinstance(options, dict):
            return f"{self.kind} {options}"
        parts = []
        for key, value in options.items():
            if key == "requires":
                continue
            if key in ("modules", "run") and not isinstance(value, bool):
                parts.append(", ".join(value) if isinstance(value, list) else str(value))
            elif value is True:
                parts.append(key)
            elif isinstance(value, list):
                parts.append(f"{key}={','.join(map(str, value))}")
            else:
                parts.append(f"{key}={value}")
        return f"{self.kind} {', '.join(parts)}".strip()


@dataclass(frozen=True)
class Blueprint:
    """A loaded, validated blueprint."""

    name: str
    description: str
    root: Path
    variables: Mapping[str, Any]
    pattern: str | None = None
    version: str | None = None
    computed: Mapping[str, str] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    examples: tuple[Mapping[str, Any], ...] = ()
    origin: Origin = Origin.PATH

    @property
    def template_dir(self) -> Path:
        return self.root / TEMPLATE_DIR

    @property
    def properties(self) -> Mapping[str, Mapping[str, Any]]:
        props: Mapping[str, Mapping[str, Any]] = self.variables.get("properties", {})
        return props

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.variables.get("required", ()))

    def template_files(self) -> list[Path]:
        """Every file under ``template/``, relative to it, in a stable order.

        Bytecode caches, version-control folders and OS litter are not templates:
        ``pip install`` byte-compiles the ``.py`` files of a template, for one.
        """
        base = self.template_dir
        return sorted(
            p.relative_to(base)
            for p in base.rglob("*")
            if not p.is_dir() and not _ignored(p.relative_to(base))
        )


IGNORED_FOLDERS = frozenset({"__pycache__", ".git", ".hg", ".svn"})
IGNORED_FILES = frozenset({".DS_Store", "Thumbs.db"})
IGNORED_SUFFIXES = (".pyc", ".pyo")


def _ignored(relative: Path) -> bool:
    return (
        any(part in IGNORED_FOLDERS for part in relative.parts[:-1])
        or relative.name in IGNORED_FILES
        or relative.name.endswith(IGNORED_SUFFIXES)
    )


def is_blueprint_dir(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def load_blueprint(root: Path, origin: Origin = Origin.PATH) -> Blueprint:
    """Read ``root/blueprint.yaml``, validate it, and return the blueprint."""
    root = Path(root)
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise BlueprintError(
            f"{root}: not a blueprint (no {MANIFEST}). A blueprint is a folder with "
            f"{MANIFEST} and a {TEMPLATE_DIR}/ folder (see docs/authoring-blueprints.md)."
        )
    document = load_yaml(manifest_path)
    _validate_manifest(document)
    data: dict[str, Any] = document.data
    try:
        Draft202012Validator.check_schema(data["variables"])
    except SchemaError as exc:
        key = ".".join(["variables", *(str(p) for p in exc.path)])
        line = document.line_of(("variables", *exc.path))
        raise BlueprintError(
            f"{manifest_path}:{line}: {key}: not a valid JSON Schema: {exc.message} "
            f"[{exc.validator}]."
        ) from exc
    if not (root / TEMPLATE_DIR).is_dir():
        raise BlueprintError(
            f"{root}: has no {TEMPLATE_DIR}/ folder. Put the files to render there."
        )
    return Blueprint(
        name=data["name"],
        description=data["description"],
        root=root,
        variables=MappingProxyType(data["variables"]),
        pattern=data.get("pattern"),
        version=data.get("version"),
        computed=MappingProxyType(dict(data.get("computed") or {})),
        checks=tuple(_check(entry) for entry in data.get("checks") or ()),
        examples=tuple(data.get("examples") or ()),
        origin=origin,
    )


def _check(entry: Any) -> Check:
    if isinstance(entry, str):
        return Check(kind=entry)
    ((kind, options),) = entry.items()
    return Check(kind=kind, options=options)


def _validate_manifest(document: SourceDocument) -> None:
    validator = Draft202012Validator(load_schema("blueprint"))
    errors = sorted(validator.iter_errors(document.data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    lines = []
    for error in errors:
        path = tuple(error.absolute_path)
        key = ".".join(str(p) for p in path) or "(top level)"
        line = document.line_of(path)
        message = error.message
        if error.validator == "additionalProperties" and path == ():
            message += ". Allowed keys: " + ", ".join(load_schema("blueprint")["properties"])
        lines.append(f"  {document.source}:{line}: {key}: {message} [{error.validator}]")
    raise BlueprintError(
        f"{document.source}: the blueprint manifest is invalid:\n" + "\n".join(lines)
    )
