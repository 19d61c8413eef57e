"""Stage 2: turn raw input into validated items.

Values arrive as ``--set name=value`` strings, a data file, or a mapping from
Python; they are typed by the blueprint's variable schema, completed with its
defaults, and validated all at once. Nothing here reads the destination.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import json
import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaViolation
from jsonschema.protocols import Validator

from scaffolder.blueprint import Blueprint
from scaffolder.errors import Problem, ScaffoldError, UsageError, ValidationError
from scaffolder.itemsfile import RawItem
from scaffolder.yamlsource import SourceDocument, load_yaml

_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


@dataclass(frozen=True)
class Item:
    """One validated item: its values with defaults applied."""

    index: int  # 1-based, unique within a run
    values: Mapping[str, Any]
    name: str | None = None
    number: int | None = None  # 1-based within its phase, when the run has phases
    phase: str | None = None

    @property
    def label(self) -> str:
        """How messages name the item: ``phase api, item 3 (users)``."""
        text = f"item {self.number or self.index}"
        if self.name:
            text += f" ({self.name})"
        return f"phase {self.phase}, {text}" if self.phase else text


@dataclass(frozen=True)
class Question:
    """A value to ask for on a terminal."""

    name: str
    prompt: str
    kind: str  # string, integer, number, boolean or json
    required: bool
    default: Any = None
    has_default: bool = False
    choices: tuple[Any, ...] = ()
    schema: Mapping[str, Any] = field(default_factory=dict)

    def parse(self, text: str) -> Any:
        """The typed value of an answer typed at the prompt."""
        return coerce(self.schema, text)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not a valid answer, or None."""
        error = next(Draft202012Validator(dict(self.schema)).iter_errors(value), None)
        return None if error is None else error.message


def _types(prop: Mapping[str, Any]) -> list[str]:
    declared = prop.get("type")
    if declared is None and "enum" in prop:
        return sorted({_json_type(v) for v in prop["enum"]})
    if isinstance(declared, str):
        return [declared]
    return list(declared or [])


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "json"


def coerce(prop: Mapping[str, Any], raw: str) -> Any:
    """Type a command-line string by the property's schema.

    ``3`` becomes 3 for an integer, ``true`` becomes True for a boolean, and
    arrays and objects are read as JSON. A string that does not fit stays a
    string, so that validation reports it with the rule it breaks.
    """
    # text is the fallback: try every other declared type first
    for kind in sorted(_types(prop), key=lambda kind: kind == "string"):
        if kind == "integer":
            try:
                return int(raw)
            except ValueError:
                continue
        elif kind == "number":
            try:
                number = float(raw)
            except ValueError:
                continue
            return int(number) if number.is_integer() and "." not in raw else number
        elif kind == "boolean":
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
        elif kind in ("array", "object"):
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                continue
        elif kind == "null" and raw.lower() in ("null", "none", "~"):
            return None
        elif kind == "string":
            return raw
    return raw


def parse_assignments(blueprint: Blueprint, assignments: Iterable[str]) -> dict[str, Any]:
    """``["resource=users", "count=3"]`` -> ``{"resource": "users", "count": 3}``."""
    values: dict[str, Any] = {}
    for assignment in assignments:
        name, sep, raw = assignment.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(
                f"--set {assignment!r}: expected NAME=VALUE, e.g. --set resource=users."
            )
        values[name] = coerce(blueprint.properties.get(name, {}), raw)
    return values


def read_data_file(path: Path) -> dict[str, Any]:
    """The values in a YAML or JSON file holding one mapping."""
    document = load_yaml(Path(path))
    if document.data is None:
        return {}
    if not isinstance(document.data, dict):
        raise ScaffoldError(
            f"{path}: a data file holds one mapping of NAME: VALUE, "
            f"not a {type(document.data).__name__}."
        )
    return dict(document.data)


def _fill_defaults(
    validator: Validator, properties: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[SchemaViolation]:
    """The ``properties`` rule, first setting each missing property that has a default."""
    if isinstance(instance, dict):
        for name, subschema in properties.items():
            if name not in instance and isinstance(subschema, Mapping) and "default" in subschema:
                instance[name] = copy.deepcopy(subschema["default"])
    yield from _PROPERTIES(validator, properties, instance, schema)


def _pattern_to_the_end(
    validator: Validator, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[SchemaViolation]:
    """The ``pattern`` rule with JSON Schema's (ECMA-262) ``$``: the end of the text.

    Python's ``$`` also matches before a final newline, so ``^[a-z]+$`` would let
    ``"users\n"`` (a YAML ``|`` block, say) through into file names and code.
    """
    if isinstance(instance, str) and instance.endswith("\n") and re.search(r"(?<!\\)\$$", pattern):
        if not re.search(pattern[:-1] + r"\Z", instance):
            yield SchemaViolation(f"{instance!r} does not match {pattern!r}")
        return
    yield from _PATTERN(validator, pattern, instance, schema)


_PROPERTIES = Draft202012Validator.VALIDATORS["properties"]
_PATTERN = Draft202012Validator.VALIDATORS["pattern"]
DefaultingValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"properties": _fill_defaults, "pattern": _pattern_to_the_end}
)


def with_defaults(blueprint: Blueprint, values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` completed with the schema's defaults, nested ones included."""
    completed = copy.deepcopy(dict(values))
    for _ in DefaultingValidator(dict(blueprint.variables)).iter_errors(completed):
        pass
    return completed


def questions(blueprint: Blueprint, given: Mapping[str, Any]) -> list[Question]:
    """What to ask for on a terminal: every variable not given, in schema order."""
    asked = []
    for name, prop in blueprint.properties.items():
        if name in given:
            continue
        types = _types(prop)
        kind = next((t for t in types if t != "null"), "string")
        if kind in ("array", "object"):
            kind = "json"
        asked.append(
            Question(
                name=name,
                prompt=_first_sentence(str(prop.get("description") or "")) or name,
                kind=kind,
                required=name in blueprint.required,
                default=prop.get("default"),
                has_default="default" in prop,
                choices=tuple(prop.get("enum", ())),
                schema=MappingProxyType(dict(prop)),
            )
        )
    return asked


def item_name(blueprint: Blueprint, values: Mapping[str, Any]) -> str | None:
    """What to call an item in messages: its ``name``, else its first required string."""
    for key in ("name", *blueprint.required):
        value = values.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def check_item(
    blueprint: Blueprint,
    values: Mapping[str, Any],
    index: int = 1,
    *,
    document: SourceDocument | None = None,
    location: Sequence[Hashable] = (),
    number: int | None = None,
    phase: str | None = None,
) -> tuple[Item | None, list[Problem]]:
    """Validate one item; returns it (or None) and every problem found."""
    where = {
        "item": number or index,
        "phase": phase,
        "source": document.source if document else None,
    }
    if not isinstance(values, Mapping):
        line = document.line_of(tuple(location)) if document else None
        problem = Problem(
            item_name=None,
            field="",
            rule="type",
            message=f"an item is a mapping of NAME: VALUE, not {type(values).__name__}",
            line=line,
            **where,
        )
        return None, [problem]
    completed = copy.deepcopy(dict(values))
    errors = sorted(
        DefaultingValidator(dict(blueprint.variables)).iter_errors(completed), key=_error_order
    )
    name = item_name(blueprint, completed)
    problems = [
        _problem(blueprint, error, name, document, tuple(location), where) for error in errors
    ]
    if problems:
        return None, problems
    item = Item(index, MappingProxyType(completed), name, number, phase)
    return item, []


def check_raw_item(
    blueprint: Blueprint, raw: RawItem, index: int, phase: str | None = None
) -> tuple[Item | None, list[Problem]]:
    """Type (CSV text), complete (the file's defaults) and validate an item from a file."""
    values = raw.values
    if isinstance(values, Mapping):
        if raw.textual:
            values = {k: coerce(blueprint.properties.get(k, {}), v) for k, v in values.items()}
        values = {**copy.deepcopy(dict(raw.defaults)), **values}
    return check_item(
        blueprint,
        values,
        index,
        document=raw.document,
        location=raw.location,
        number=raw.number,
        phase=phase,
    )


def validate_item(blueprint: Blueprint, values: Mapping[str, Any]) -> Item:
    """One item, validated; raises ValidationError listing every problem."""
    item, problems = check_item(blueprint, values)
    problems = [dataclasses.replace(p, item=None, item_name=None) for p in problems]
    if item is None:
        missing = [p.field for p in problems if p.rule == "required"]
        hint = ""
        if missing:
            hint = (
                "Give the missing values with --set NAME=VALUE or --data-file FILE "
                "(or answer the prompts on a terminal): " + ", ".join(missing) + "."
            )
        raise ValidationError(problems, hint)
    return item


def _error_order(error: SchemaViolation) -> tuple[str, str]:
    return (".".join(str(p) for p in error.absolute_path), error.message)


def _problem(
    blueprint: Blueprint,
    error: SchemaViolation,
    name: str | None,
    document: SourceDocument | None,
    location: tuple[Hashable, ...],
    where: Mapping[str, Any],
) -> Problem:
    path: list[Hashable] = list(error.absolute_path)
    message = error.message
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        if match:
            path.append(match.group("name"))
            message = "is required"
    field = ".".join(str(p) for p in path)
    if error.validator == "not" and isinstance(error.validator_value, Mapping):
        reason = error.validator_value.get("description")
        message = f"{error.instance!r} is not allowed" + (f": {reason}" if reason else "")
    elif error.validator == "type" and isinstance(error.instance, str):
        if error.validator_value in ("array", "object"):
            message += (
                ' (give lists and mappings as JSON, e.g. --set fields=\'[{"name": "title"}]\')'
            )
    elif error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        message = _unknown_names(error)
    description = _description(blueprint, path)
    if description and error.validator in ("pattern", "required", "type", "enum", "format"):
        message += f" ({description})"
    return Problem(
        item_name=name,
        field=field,
        rule=str(error.validator),
        message=message,
        line=document.line_of((*location, *path)) if document else None,
        **where,
    )


def _unknown_names(error: SchemaViolation) -> str:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    known = list(schema.get("properties", {}))
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    unknown = [name for name in instance if name not in known]
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(str(name), known, n=1)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    allowed = ", ".join(known) or "none"
    return f"unknown name{'s' if len(unknown) != 1 else ''} {', '.join(hints)}; known: {allowed}"


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=\.)\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]
    return sentence[:-1] if sentence.endswith(".") and not sentence.endswith("...") else sentence


def _description(blueprint: Blueprint, path: list[Hashable]) -> str | None:
    if not path or not isinstance(path[0], str):
        return None
    prop = blueprint.properties.get(path[0], {})
    if len(path) > 1:
        return None
    return _first_sentence(str(prop.get("description") or "")) or None
