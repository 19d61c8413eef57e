"""The tools the server offers, as plain data: name, description, input and output schemas.

The server turns each :class:`ToolSpec` into the protocol's tool; nothing here imports the
SDK. A blueprint's variables schema is the ``values`` of its own tool, ``new_<name>``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scaffolder.resources import load_schema

if TYPE_CHECKING:
    from scaffolder.blueprint import Blueprint

NEW_PREFIX = "new_"
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_-]")
MAX_NAME = 64  # the protocol's limit on a tool's name


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input: Mapping[str, Any]
    output: Mapping[str, Any] | None = None  # the report schema, for the tools that run
    read_only: bool = False
    blueprint: str | None = None  # a blueprint's own tool (`new_<name>`): which one
    serial: bool = True  # one at a time with the others that are: all but the lookups


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "description": description}


def _flag(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


OUT = _string(
    "The destination folder, relative to the server's root (default: the root itself). "
    "It must stay inside the root."
)
BLUEPRINT = _string(
    "A blueprint's name (list_blueprints shows them) or a folder inside the root holding one."
)
ON_CONFLICT = {
    "enum": ["fail", "skip", "overwrite"],
    "description": "An existing file whose content differs: fail (write nothing; the "
    "default), skip (keep it), overwrite (replace it).",
}
ITEMS_FILE = _string(
    "An items file (YAML or JSON) inside the root; its relative paths are taken from its folder."
)
BATCH_SIZE = {"type": "integer", "minimum": 1, "description": "Items per batch (default: 6)."}
VALUES = {
    "type": "object",
    "description": "The item: one value per variable (show_blueprint gives the variables "
    "schema; new_<blueprint> has it as its input schema). Defaults fill what is left out.",
}
RUN_OPTIONS: dict[str, Any] = {
    "out": OUT,
    "on_conflict": ON_CONFLICT,
    "check": _flag("Run the blueprint's checks after writing (default: true)."),
    "keep_failed": _flag("Keep the files when a check fails (default: roll the run back)."),
    "dry_run": _flag("Write nothing: return the plan and the diffs (as preview does)."),
}


def _object(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(required),
        "additionalProperties": False,
    }


def hoisted(schema: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``schema`` made ready to sit at a property of a tool's input schema: its
    ``$defs`` (and ``definitions``) moved to the top (returned apart), so that its ``$ref``s
    still resolve. None when a ``$ref`` points elsewhere in it."""
    inner = copy.deepcopy(dict(schema))
    for key in ("$schema", "$id"):
        inner.pop(key, None)
    top: dict[str, Any] = {k: inner.pop(k) for k in ("$defs", "definitions") if k in inner}
    if any(not ref.startswith(("#/$defs/", "#/definitions/")) for ref in _refs(inner, top)):
        return None
    return inner, top


def _refs(*documents: Any) -> Iterator[str]:
    for document in documents:
        if isinstance(document, Mapping):
            for key, value in document.items():
                if key == "$ref" and isinstance(value, str):
                    yield value
                else:
                    yield from _refs(value)
        elif isinstance(document, list):
            yield from _refs(*document)


def report_schema() -> dict[str, Any]:
    """The schema of a run's report, the same as ``--json`` prints."""
    return load_schema("report")


def fixed_tools() -> list[ToolSpec]:
    report = report_schema()
    items = hoisted(load_schema("items"))
    assert items is not None  # the project's own schema: its refs stay in its $defs
    items_schema, items_defs = items
    items_schema["description"] = (
        "The items file's content, inline: {blueprint, items: [...]} or {phases: [...]}."
    )
    target = {"out": OUT}
    return [
        ToolSpec(
            "list_blueprints",
            "The blueprints found: built-in, the root's .scaffold/blueprints and "
            "SCAFFOLD_PATH, each with its pattern and description; and those that failed "
            "to load, with why.",
            _object({}),
            read_only=True,
            serial=False,
        ),
        ToolSpec(
            "show_blueprint",
            "One blueprint: its variables schema (what an item may hold), computed values, "
            "template files and checks, and sample items.",
            _object({"blueprint": BLUEPRINT}, ("blueprint",)),
            read_only=True,
            serial=False,
        ),
        ToolSpec(
            "preview",
            "A dry run: the plan (each file's status: create, identical, overwrite, conflict, "
            "skip, inject) and the unified diffs, as a report. Writes nothing. Give a "
            "blueprint and its values, or items (inline) or an items_file.",
            {
                **_object(
                    {
                        "blueprint": BLUEPRINT,
                        "values": VALUES,
                        "items": items_schema,
                        "items_file": ITEMS_FILE,
                        "batch_size": BATCH_SIZE,
                        "out": OUT,
                        "on_conflict": ON_CONFLICT,
                    }
                ),
                "$defs": items_defs.get("$defs", {}),
            },
            report,
            read_only=True,
        ),
        ToolSpec(
            "new",
            "Render one blueprint once into the destination, then run its checks; a failed "
            "check rolls the run back. Returns the report: files with statuses, checks with "
            "results and output, whether the run was rolled back. Invalid values: an error "
            "listing every problem (field, rule), nothing written.",
            _object({"blueprint": BLUEPRINT, "values": VALUES, **RUN_OPTIONS}, ("blueprint",)),
            report,
        ),
        ToolSpec(
            "batch",
            "Render many items (items inline, or an items_file inside the root): one "
            "blueprint or a plan of phases, all validated first, written in one transaction, "
            "then checked (a failed check rolls the whole run back). Returns the report.",
            {
                **_object(
                    {
                        "items": items_schema,
                        "items_file": ITEMS_FILE,
                        "batch_size": BATCH_SIZE,
                        **RUN_OPTIONS,
                    }
                ),
                "$defs": items_defs.get("$defs", {}),
            },
            report,
        ),
        ToolSpec(
            "check",
            "Run the checks of the last run in the destination again; returns the report.",
            _object(target),
            report,
        ),
        ToolSpec(
            "undo",
            "Revert the newest run in the destination (or, with run, every run back to "
            "before that one): files it created deleted, files it changed restored. A file "
            "changed since is a conflict unless force.",
            _object(
                {
                    **target,
                    "run": _string("Go back to before this run (an id from history)."),
                    "force": _flag("Revert files changed since the run too."),
                    "dry_run": _flag("Write nothing: return the plan and the diffs."),
                }
            ),
            report,
        ),
        ToolSpec(
            "history",
            "The runs recorded in the destination, newest first: id, time, blueprints, "
            "items and files; undo reverts them in that order (run: an id from here).",
            _object(target),
            read_only=True,
        ),
    ]


def tool_name(blueprint: str) -> str:
    return (NEW_PREFIX + _NOT_IN_NAMES.sub("_", blueprint))[:MAX_NAME]


def blueprint_tool(blueprint: Blueprint) -> ToolSpec | None:
    """``new_<name>``: ``new`` for one blueprint, its variables schema as ``values``. None
    when that schema cannot be put there (a ``$ref`` outside its ``$defs``)."""
    ready = hoisted(blueprint.variables)
    if ready is None:
        return None
    values, defs = ready
    own = str(values.get("description") or "").strip()
    values["description"] = f"The item: {own}" if own else str(VALUES["description"])
    if blueprint.examples and "examples" not in values:  # sample items, as show_blueprint has
        values["examples"] = [dict(example) for example in blueprint.examples]
    schema = _object({"values": values, **RUN_OPTIONS}, ("values",) if blueprint.required else ())
    schema.update(defs)
    description = (
        f"Render the {blueprint.name} blueprint once ({blueprint.description.strip()}) and "
        "run its checks; returns the report. Same as new with blueprint="
        f"{blueprint.name!r}; values follow its variables schema."
    )
    return ToolSpec(
        tool_name(blueprint.name), description, schema, report_schema(), blueprint=blueprint.name
    )


def blueprint_tools(blueprints: list[Blueprint]) -> list[ToolSpec]:
    """A tool per blueprint whose schema fits and whose name is its own."""
    tools: dict[str, ToolSpec] = {}
    for blueprint in blueprints:
        spec = blueprint_tool(blueprint)
        if spec is not None:
            tools.setdefault(spec.name, spec)
    return list(tools.values())


def options_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A tool's input schema with ``values`` taken as any mapping: the blueprint's own
    validation checks them, listing every problem with its rule."""
    loose = copy.deepcopy(dict(schema))
    if "values" in loose.get("properties", {}):
        loose["properties"]["values"] = VALUES
    return loose
