"""Stage 2: turn raw input into validated items.

Values arrive as ``--set name=value`` strings, a data file, or a mapping from
Python; they are typed by the blueprint's variable schema (:mod:`scaffolder.values`),
completed with its defaults, and validated all at once. Nothing here reads the destination.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import difflib
import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import referencing.exceptions
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaViolation
from jsonschema.protocols import Validator

from scaffolder.blueprint import MANIFEST, Blueprint, schema_registry
from scaffolder.errors import BlueprintError, Problem, ValidationError, shorten
from scaffolder.itemsfile import RawItem
from scaffolder.values import coerce, first_sentence
from scaffolder.yamlsource import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    SourceDocument,
    depth_of,
)

_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")


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
    with _schema_errors(blueprint):
        for _ in _validator(blueprint).iter_errors(completed):
            pass
    return completed


_VALIDATORS: dict[int, tuple[Mapping[str, Any], Validator]] = {}
_MAX_VALIDATORS = 32  # blueprints whose validators are kept (a run has a few)


def _validator(blueprint: Blueprint) -> Validator:
    """The blueprint's validator, built once per variable schema and then reused (a
    validator keeps no state between instances; building one costs a millisecond)."""
    variables = blueprint.variables
    cached = _VALIDATORS.get(id(variables))
    if cached is not None and cached[0] is variables:
        return cached[1]
    schema = dict(variables)
    validator: Validator = DefaultingValidator(schema, registry=schema_registry(schema))
    if len(_VALIDATORS) >= _MAX_VALIDATORS:
        _VALIDATORS.clear()
    # the schema itself is kept with it, so that its id cannot be reused meanwhile
    _VALIDATORS[id(variables)] = (variables, validator)
    return validator


@contextlib.contextmanager
def _schema_errors(blueprint: Blueprint) -> Iterator[None]:
    """A variable schema that cannot be applied is the blueprint's error, not a crash."""
    try:
        yield
    except referencing.exceptions.Unresolvable as exc:
        where = blueprint.root / MANIFEST
        raise BlueprintError(
            f"{where}: variables: a $ref cannot be resolved ({exc}). Define what it "
            "points to, e.g. under variables.$defs, or fix the pointer."
        ) from exc
    except RecursionError as exc:
        where = blueprint.root / MANIFEST
        raise BlueprintError(
            f"{where}: variables: validating an item recursed without end (a $ref that "
            "refers back to itself?), or the item is nested too deeply. Fix the schema."
        ) from exc


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
    where: dict[str, Any] = {
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
    line_of = document.line_of if document else (lambda _path: None)
    keys = _non_text_keys(values)
    if keys:
        problems = [
            Problem(
                item_name=None,
                field=".".join(str(p) for p in path),
                rule="propertyNames",
                message=f"a name is text, not {type(key).__name__} {key!r}: quote it",
                line=line_of((*location, *path)),
                **where,
            )
            for path, key in keys
        ]
        return None, problems
    if depth_of(values) > MAX_DEPTH:
        problem = Problem(
            item_name=None,
            field="",
            rule="maxDepth",
            message=f"nested deeper than {MAX_DEPTH} levels of lists and mappings, the limit",
            line=line_of(tuple(location)),
            **where,
        )
        return None, [problem]
    completed = copy.deepcopy(dict(values))
    if blueprint.source is not None:  # the template's own tool types and validates
        completed, found = blueprint.source.validate(completed)
        name = item_name(blueprint, completed)
        problems = [
            Problem(
                item_name=name,
                field=p.field,
                rule=p.rule,
                message=p.message,
                line=line_of((*location, p.field)),
                **where,
            )
            for p in found
        ]
    else:
        with _schema_errors(blueprint):
            errors = sorted(_validator(blueprint).iter_errors(completed), key=_error_order)
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
        values = {**copy.deepcopy(dict(raw.defaults)), **values} if raw.defaults else {**values}
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


def _non_text_keys(value: Any) -> list[tuple[tuple[Hashable, ...], Any]]:
    """Where a mapping in ``value`` has a name that is not text: a JSON document
    (and the record of a run) cannot hold it. Walks at most ``MAX_DEPTH`` levels."""
    found: list[tuple[tuple[Hashable, ...], Any]] = []
    stack: list[tuple[Any, tuple[Hashable, ...]]] = [(value, ())]
    while stack and len(found) < 10:
        current, path = stack.pop()
        if len(path) > MAX_DEPTH:
            continue
        if isinstance(current, Mapping):
            for key, child in current.items():
                if not isinstance(key, str):
                    found.append((path, key))
                else:
                    stack.append((child, (*path, key)))
        elif isinstance(current, list | tuple):
            stack.extend((child, (*path, i)) for i, child in enumerate(current))
    return sorted(found, key=lambda entry: [str(p) for p in entry[0]])


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
    if len(message) > 300:  # the instance, repeated whole: a 5,000-digit number, say
        message = message.replace(repr(error.instance), shorten(repr(error.instance))[1:-1])
        message = message if len(message) <= 300 else message[:300] + "…"
    if (
        error.validator == "type"
        and isinstance(error.instance, str)
        and error.instance.strip().lstrip("+-").isdigit()
        and error.validator_value in ("integer", "number")
    ):
        message += f" (an integer has at most {MAX_INT_DIGITS} digits)"
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


def _description(blueprint: Blueprint, path: list[Hashable]) -> str | None:
    if not path or not isinstance(path[0], str):
        return None
    prop = blueprint.properties.get(path[0], {})
    if len(path) > 1:
        return None
    return first_sentence(str(prop.get("description") or "")) or None
