"""Typing raw input by a variable's schema: ``--set`` strings, data files, and the
questions asked at a terminal.

``3`` becomes 3 for an integer, ``true`` True for a boolean, arrays and objects are read as
JSON; what does not fit stays text, so that validation (:mod:`scaffolder.variables`)
reports it with the rule it breaks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import referencing.exceptions
from jsonschema import Draft202012Validator

from scaffolder.blueprint import Blueprint
from scaffolder.errors import ScaffoldError, UsageError, shorten
from scaffolder.yamlsource import MAX_DEPTH, check_integer, depth_of, json_int, load_yaml

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


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
        if isinstance(value, str) and (not_json := json_problem(self.schema, value)):
            return not_json
        try:
            error = next(Draft202012Validator(dict(self.schema)).iter_errors(value), None)
        except (referencing.exceptions.Unresolvable, RecursionError):
            return None  # a $ref into the whole schema: the item's validation checks it
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
    string, so that validation reports it with the rule it breaks; so does a
    number past the limits (more than ``MAX_INT_DIGITS`` digits, or not finite).
    JSON nested deeper than ``MAX_DEPTH`` levels is an error.
    """
    # text is the fallback: try every other declared type first
    for kind in sorted(_types(prop), key=lambda kind: kind == "string"):
        if kind == "integer":
            try:
                value = int(raw)
            except ValueError:  # not a number, or past Python's own digit limit
                continue
            if check_integer(value) is None:
                return value
        elif kind == "number":
            try:
                number = float(raw)
            except ValueError:
                continue
            if not math.isfinite(number):
                continue
            if number.is_integer() and "." not in raw:
                try:
                    whole = int(raw)
                except ValueError:  # "1e5" and the like
                    whole = int(number)
                if check_integer(whole) is None:
                    return whole
                continue
            return number
        elif kind == "boolean":
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
        elif kind in ("array", "object"):
            try:
                parsed = json.loads(raw, parse_int=json_int)
            except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
                if raw.count("[") + raw.count("{") > MAX_DEPTH:
                    raise _too_deep(raw) from None
                continue
            if depth_of(parsed) > MAX_DEPTH:
                raise _too_deep(raw)
            return parsed
        elif kind == "null" and raw.lower() in ("null", "none", "~"):
            return None
        elif kind == "string":
            return raw
    return raw


def _too_deep(raw: str) -> ScaffoldError:
    return ScaffoldError(
        f"{shorten(raw)}: nested deeper than {MAX_DEPTH} levels of lists and mappings, "
        "the limit. Flatten the value."
    )


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
        prop = blueprint.properties.get(name, {})
        try:
            values[name] = coerce(prop, raw)
        except ScaffoldError as exc:
            raise ScaffoldError(f"--set {name}: {exc.message}") from exc
        if values[name] is raw and (not_json := json_problem(prop, raw)):
            raise ScaffoldError(f"--set {name}: {not_json}")
    return values


def json_problem(prop: Mapping[str, Any], raw: str) -> str | None:
    """Why ``raw``, a value for a list or a mapping, is not valid JSON; None when it parses,
    or is not meant as JSON: the variable also takes text, or takes another type and ``raw``
    does not start like a list or a mapping (``[``, ``{``)."""
    types = set(_types(prop))
    if not types & {"array", "object"} or "string" in types:
        return None
    if not raw.lstrip().startswith(("[", "{")) and not types <= {"array", "object", "null"}:
        return None
    try:
        json.loads(raw, parse_int=json_int)
    except json.JSONDecodeError as exc:
        example = '[{"name": "title"}]' if "array" in types else '{"name": "title"}'
        line = raw.split("\n")[exc.lineno - 1]  # JSON counts lines as "\n" does
        start = max(0, exc.colno - 40)
        where = f"line {exc.lineno}, column {exc.colno}" if "\n" in raw else f"column {exc.colno}"
        return (
            f"not valid JSON at {where}: {exc.msg}.\n  {line[start : exc.colno + 40]}\n"
            f"  {' ' * (exc.colno - 1 - start)}^\nGive a list or a mapping as JSON, in single "
            f"quotes for the shell, e.g. '{example}'."
        )
    except (ValueError, RecursionError):  # past a limit: coerce says which
        return None
    return None


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


def questions(blueprint: Blueprint, given: Mapping[str, Any]) -> Iterator[Question]:
    """What to ask for on a terminal: every variable not given, in schema order.

    Made one at a time, reading ``given`` again before each: a caller that adds each answer
    to ``given`` as it goes is asked with defaults and conditions evaluated from the answers
    before (for a template of another tool, by its own rules: Copier's templated defaults and
    ``when``)."""
    for name, prop in blueprint.properties.items():
        if name in given:
            continue
        types = _types(prop)
        kind = next((t for t in types if t != "null"), "string")
        if kind in ("array", "object"):
            kind = "json"
        default, has_default = prop.get("default"), "default" in prop
        required = name in blueprint.required
        if blueprint.source is not None:
            completed, problems = blueprint.source.validate(dict(given))
            if name in completed:  # its default, rendered from the earlier answers
                default, has_default = completed[name], True
            elif not any(p.field == name and p.rule == "required" for p in problems):
                continue  # its condition (`when`) leaves it out
        yield Question(
            name=name,
            prompt=first_sentence(str(prop.get("description") or "")) or name,
            kind=kind,
            required=required,
            default=default,
            has_default=has_default,
            choices=tuple(prop.get("enum", ())),
            schema=MappingProxyType(dict(prop)),
        )


def first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=\.)\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]
    return sentence[:-1] if sentence.endswith(".") and not sentence.endswith("...") else sentence
