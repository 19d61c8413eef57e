"""Stage 1: load a blueprint — its manifest, validated, and where its templates are."""

from __future__ import annotations

import enum
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin

from scaffolder.errors import BlueprintError
from scaffolder.inject import Injection, parse_injections
from scaffolder.resources import load_schema
from scaffolder.yamlsource import SourceDocument, load_yaml

# jsonschema is imported by the functions that validate: not by `scaffold --help`
if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as SchemaViolation
    from referencing import Registry, Resource

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
class SourceProblem:
    """One reason a template's own rules refuse an item's value."""

    field: str
    rule: str
    message: str


@dataclass(frozen=True)
class StagedFile:
    """One path a template's own tool rendered: a file (bytes, mode), a symlink (``link``,
    its target as written; no content) or an empty folder (``folder``). ``keep_existing``:
    the template keeps the destination's own version when there is one (Copier's
    ``_skip_if_exists``)."""

    content: bytes
    mode: int
    link: str | None = None
    folder: bool = False
    keep_existing: bool = False


@dataclass(frozen=True)
class Staged:
    """What a template's own tool rendered for one item, by destination-relative path, and
    what it left out (tasks it did not run, without --trust)."""

    files: Mapping[str, StagedFile]
    skipped: tuple[str, ...] = ()


class TemplateSource(Protocol):
    """A blueprint rendered by another tool (Copier): its own validation and rendering.
    Everything after rendering treats its files like any other."""

    kind: str
    secrets: frozenset[str]  # answers never written to scaffolder's record

    def validate(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[SourceProblem]]:
        """The values completed (defaults) and typed by the template's rules, and every
        problem with them."""
        ...

    def render(self, values: Mapping[str, Any], *, folder_name: str, trust: bool) -> Staged:
        """Render one item in a private staging folder whose name is ``folder_name``."""
        ...


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
    source: TemplateSource | None = None  # None: a native blueprint, rendered by scaffolder
    template_root: Path | None = None  # where the templates are, when not ROOT/template
    injections: tuple[Injection, ...] = ()  # snippets put into files (`inject:`)
    skip_if_exists: tuple[str, ...] = ()  # rendered paths (globs) kept when already there

    @property
    def kind(self) -> str:
        return "native" if self.source is None else self.source.kind

    @property
    def location(self) -> str:
        """Where it comes from, as its user knows it (a git source says its URL and ref)."""
        return str(self.root)

    @property
    def template_dir(self) -> Path:
        return self.template_root or self.root / TEMPLATE_DIR

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
        A symlink is followed only when it stays inside the blueprint's folder; one
        that points outside it, and anything that is not a regular file or folder
        (a FIFO, a device, a socket), is an error. A snippet's template (``inject:`` with
        ``template:``) is not a file of its own.
        """
        snippets = {PurePath(i.template) for i in self.injections if i.template is not None}
        return sorted(p for p in _walk_templates(self.root, self.template_dir) if p not in snippets)

    def to_json(self) -> dict[str, Any]:
        """What `scaffold show --json` prints (and the MCP server's `show_blueprint` returns)."""
        return {
            "name": self.name,
            "pattern": self.pattern,
            "description": self.description,
            "origin": self.origin.value,
            "kind": self.kind,
            "path": self.location,
            "variables": dict(self.variables),
            "computed": dict(self.computed),
            "files": [p.as_posix() for p in self.template_files()],
            "checks": [c.describe() for c in self.checks],
            "examples": list(self.examples),
        }


IGNORED_FOLDERS = frozenset({"__pycache__", ".git", ".hg", ".svn"})
IGNORED_FILES = frozenset({".DS_Store", "Thumbs.db"})
IGNORED_SUFFIXES = (".pyc", ".pyo")


def _ignored(relative: Path) -> bool:
    return (
        any(part in IGNORED_FOLDERS for part in relative.parts[:-1])
        or relative.name in IGNORED_FILES
        or relative.name.endswith(IGNORED_SUFFIXES)
    )


def _walk_templates(root: Path, base: Path) -> Iterator[Path]:
    inside = root.resolve()
    # (folder, its path relative to base, the real folders above it: a link loop stops)
    stack: list[tuple[Path, PurePath, frozenset[Path]]] = [(base, PurePath(), frozenset())]
    while stack:
        folder, relative_folder, above = stack.pop()
        real = folder.resolve()
        if real in above:
            continue  # a symlink back to a folder it is in
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            raise BlueprintError(f"{folder}: cannot be read: {exc.strerror}.") from exc
        for name in names:
            path, relative = folder / name, relative_folder / name
            if path.is_symlink():
                target = path.resolve()
                if target != inside and inside not in target.parents:
                    raise BlueprintError(
                        f"{path}: a symlink to {os.readlink(path)}, outside the blueprint "
                        f"{root}; scaffolder does not copy files from outside a blueprint. "
                        "Replace the link with the file itself."
                    )
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                raise BlueprintError(
                    f"{path}: cannot be read ({exc.strerror}); a broken symlink? "
                    "Remove it or make it point to a file in the blueprint."
                ) from exc
            if stat.S_ISDIR(mode):
                if name not in IGNORED_FOLDERS:
                    stack.append((path, relative, above | {real}))
            elif not stat.S_ISREG(mode):
                raise BlueprintError(
                    f"{path}: not a regular file (a FIFO, a device or a socket); a "
                    "template is a file. Remove it from the blueprint."
                )
            elif not _ignored(Path(relative)):
                yield Path(relative)


def not_utf8(exc: UnicodeDecodeError) -> str:
    """Why a template that is not UTF-8 text cannot be read, and the two ways out (as the
    end of a sentence)."""
    byte = exc.object[exc.start : exc.start + 1].hex()
    return (
        f"not UTF-8 text (byte 0x{byte} at offset {exc.start}); a file whose name ends in "
        ".jinja is a template, read as UTF-8. Re-encode it as UTF-8 (e.g. `iconv -f latin1 "
        "-t utf-8`), or, if it is binary or is to be copied as it is, drop the .jinja "
        "suffix: a file without it is copied byte for byte, not rendered."
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
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

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
    except RecursionError as exc:
        raise BlueprintError(
            f"{manifest_path}: variables: nested too deeply to check. Flatten the schema."
        ) from exc
    _check_refs(document, data["variables"])
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
        checks=tuple(parse_check(entry) for entry in data.get("checks") or ()),
        examples=tuple(data.get("examples") or ()),
        origin=origin,
        injections=parse_injections(document, root / TEMPLATE_DIR),
        skip_if_exists=tuple(data.get("skip_if_exists") or ()),
    )


def parse_check(entry: Any) -> Check:
    """A check as a manifest declares it: ``kind``, or ``{kind: options}``."""
    if isinstance(entry, str):
        return Check(kind=entry)
    ((kind, options),) = entry.items()
    return Check(kind=kind, options=options)


def schema_registry(schema: Mapping[str, Any]) -> Registry[Any]:
    """What a variable schema's ``$ref`` may point to: the schema itself and the JSON
    Schema metaschemas. Nothing is ever fetched from the network."""
    from jsonschema_specifications import REGISTRY as SPECIFICATIONS  # type: ignore[import-untyped]
    from referencing.jsonschema import DRAFT202012

    resource: Resource[Any] = DRAFT202012.create_resource(dict(schema))
    registry: Registry[Any] = SPECIFICATIONS.with_resource(resource.id() or "", resource)
    return registry.crawl()


_DATA_KEYWORDS = frozenset({"default", "examples", "const", "enum"})


def _check_refs(document: SourceDocument, variables: Mapping[str, Any]) -> None:
    """Every ``$ref`` of the variable schema must resolve (jsonschema only finds out
    when it validates an item, and then raises)."""
    import referencing.exceptions
    from referencing.jsonschema import DRAFT202012

    registry = schema_registry(variables)
    root_id = DRAFT202012.create_resource(dict(variables)).id() or ""
    stack: list[tuple[Any, tuple[Any, ...], str]] = [(variables, ("variables",), root_id)]
    while stack:
        value, path, base = stack.pop()
        if isinstance(value, list):
            stack.extend((v, (*path, i), base) for i, v in enumerate(value))
            continue
        if not isinstance(value, Mapping):
            continue
        if isinstance(value.get("$id"), str):
            base = urljoin(base, value["$id"])
        ref = value.get("$ref")
        if isinstance(ref, str):
            try:
                registry.resolver(base_uri=base).lookup(ref)
            except (referencing.exceptions.Unresolvable, ValueError) as exc:
                key = ".".join(str(p) for p in (*path, "$ref"))
                line = document.line_of((*path, "$ref"))
                raise BlueprintError(
                    f"{document.source}:{line}: {key}: the reference {ref!r} points to "
                    "nothing in this schema (scaffolder never fetches schemas from the "
                    "network). Define it, e.g. under variables.$defs, or fix the pointer."
                ) from exc
        for key, child in value.items():
            if key not in _DATA_KEYWORDS and isinstance(child, Mapping | list):
                stack.append((child, (*path, key), base))


def _error_path(error: SchemaViolation) -> list[str]:
    return [str(p) for p in error.absolute_path]


def _validate_manifest(document: SourceDocument) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema("blueprint"))
    errors = sorted(validator.iter_errors(document.data), key=_error_path)
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
