"""Data kinds: files parse (``yaml``, ``json``, ``toml``), validate against a JSON Schema
(``jsonschema``), have the required sections (``markdown``). All run inside scaffold and
run nothing of the blueprint's; a schema a check names must be inside the blueprint."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from jsonschema import validators
from jsonschema.exceptions import SchemaError

from scaffolder.checks.base import Kind, read
from scaffolder.checks.model import CheckProblem, Findings, Target
from scaffolder.checks.processes import Processes
from scaffolder.errors import BlueprintError, ScaffoldError
from scaffolder.yamlsource import load_documents, parse_yaml


class Parse(Kind):
    """Generated files parse as YAML, JSON or TOML."""

    def __init__(self, name: str, suffixes: tuple[str, ...], parse: Callable[[str], object]):
        self.name, self.suffixes, self._parse = name, suffixes, parse

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        problems = []
        for path in target.files:
            try:
                self._parse(read(destination, path).decode("utf-8"))
            except (ValueError, yaml.YAMLError, RecursionError) as exc:
                message, line = _parse_error(exc)
                problems.append(CheckProblem(message, path, line))
        return Findings(tuple(problems))


def _parse_error(exc: Exception) -> tuple[str, int | None]:
    if isinstance(exc, RecursionError):
        return "nested too deeply to read", None
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg, exc.lineno
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return str(exc.problem or exc), exc.problem_mark.line + 1
    line = re.search(r"at line (\d+)", str(exc))
    return str(exc), int(line.group(1)) if line else None


def yaml_all(text: str) -> object:
    """Every document, with the limits on aliases, nesting and integers (docs/safety.md)."""
    return load_documents(text)


def _yaml_one(text: str) -> Any:
    documents = load_documents(text)
    if len(documents) > 1:
        raise ValueError("more than one YAML document (--- separates them); expected one")
    return documents[0] if documents else None


class JsonSchema(Kind):
    """Generated files (or their Markdown front matter) validate against a schema the
    blueprint ships; or, with ``metaschema: true``, they are valid JSON Schemas whose
    ``examples`` validate against them."""

    name = "jsonschema"
    suffixes = (".json", ".yaml", ".yml", ".md")
    option_names = Kind.option_names | {"schema", "metaschema", "examples"}

    def options(self, raw: Any, where: str) -> dict[str, Any]:
        options = super().options(raw, where)
        if bool(options.get("schema")) == bool(options.get("metaschema")):
            raise BlueprintError(
                f"{where}: give either `schema: FILE` (a schema in the blueprint) "
                "or `metaschema: true`."
            )
        if "schema" in options and not isinstance(options["schema"], str):
            raise BlueprintError(
                f"{where}: option schema must be the path of a file in the blueprint folder, "
                f"e.g. `schema: schemas/config.schema.json`; not {options['schema']!r}."
            )
        return options

    def prepare(self, options: dict[str, Any], root: Path, where: str) -> dict[str, Any]:
        """The schema, found inside the blueprint folder, read and checked before the run."""
        if not options.get("schema"):
            return options
        return {**options, SCHEMA: load_schema(root, options["schema"], where)}

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        problems: list[CheckProblem] = []
        for item in target.items:
            schema = item.options.get(SCHEMA)
            for path in item.files:
                try:
                    document = _instance(read(destination, path).decode("utf-8"), path)
                except (ValueError, yaml.YAMLError, RecursionError) as exc:
                    problems.append(CheckProblem(_parse_error(exc)[0], path))
                    continue
                if schema is None:
                    problems.extend(_as_schema(document, path, item.options.get("examples", True)))
                else:
                    problems.extend(_validate(schema, document, path))
        return Findings(tuple(dict.fromkeys(problems)))


SCHEMA = "schema document"  # the loaded schema, in a jsonschema check's prepared options


def load_schema(root: Path, option: str, where: str) -> Any:
    """The schema file ``option`` names, which must resolve (symlinks followed) inside the
    blueprint folder ``root``; any other path, or a file that is no JSON Schema, is the
    blueprint's error."""
    folder = root.resolve()
    path = (folder / option).resolve()
    fix = (
        "Put the schema file in the blueprint folder (beside blueprint.yaml) and give its path "
        "relative to that folder, e.g. `schema: schemas/config.schema.json`."
    )
    if not path.is_relative_to(folder):
        raise BlueprintError(
            f"{where}: option schema {option!r} is outside the blueprint folder {folder} "
            f"(it leads to {path}). {fix}"
        )
    if not path.is_file():
        raise BlueprintError(f"{where}: option schema {option!r}: no such file {path}. {fix}")
    try:
        stat = path.stat()
        return _read_schema(str(path), stat.st_mtime_ns, stat.st_size)
    except ScaffoldError as exc:
        raise BlueprintError(f"{where}: option schema {option!r}: {exc.message}") from None


@functools.lru_cache(maxsize=32)
def _read_schema(path: str, mtime_ns: int, size: int) -> Any:
    """A schema file, read once per version (a batch renders the option once per item)."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise ScaffoldError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    except UnicodeDecodeError as exc:
        raise ScaffoldError(f"{path} is not UTF-8 text ({exc}). Save it as UTF-8.") from None
    if path.endswith(".json"):
        try:
            schema = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScaffoldError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}.") from None
    else:
        schema = parse_yaml(text, path).data
    if not isinstance(schema, (dict, bool)):
        raise ScaffoldError(f"{path} is not a JSON Schema: an object (or a boolean) is expected.")
    try:
        if isinstance(schema, dict):  # `true` and `false` are schemas too, always valid
            validators.validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        at = "/".join(map(str, exc.absolute_path)) or "(root)"
        raise ScaffoldError(f"{path} is not a valid JSON Schema: {at}: {exc.message}.") from None
    except Exception as exc:  # e.g. a `$schema` that is no string
        raise ScaffoldError(f"{path} is not a valid JSON Schema: {exc}.") from None
    return schema


def _load_document(text: str, suffix: str) -> Any:
    return json.loads(text) if suffix == ".json" else _yaml_one(text)


def _instance(text: str, path: str) -> Any:
    if path.endswith(".md"):
        match = re.match(r"^---\r?\n(.*?)\r?\n---\r?\n", text, re.DOTALL)
        if match is None:
            raise ValueError("no front matter (a --- block at the top)")
        return _yaml_one(match.group(1))
    return _load_document(text, PurePosixPath(path).suffix)


def _validate(schema: Any, document: Any, path: str, what: str = "") -> list[CheckProblem]:
    try:
        validator = validators.validator_for(schema)(schema)
        return [
            CheckProblem(
                f"{what}{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}", path
            )
            for e in validator.iter_errors(document)
        ]
    except Exception as exc:  # e.g. a pattern that is no regular expression, a $ref unresolved
        return [CheckProblem(f"{what}cannot be validated: {exc}", path)]


def _as_schema(document: Any, path: str, examples: bool) -> list[CheckProblem]:
    try:
        validators.validator_for(document).check_schema(document)
    except SchemaError as exc:
        return [CheckProblem(f"not a valid JSON Schema: {exc.message}", path)]
    except Exception as exc:  # e.g. a `$schema` that is no string
        return [CheckProblem(f"not a valid JSON Schema: {exc}", path)]
    if not examples or not isinstance(document, dict):
        return []
    found = document.get("examples", [])
    if not isinstance(found, list):
        return [CheckProblem("examples: not a list", path)]
    problems = []
    for number, example in enumerate(found, start=1):
        problems.extend(_validate(document, example, path, f"example {number}: "))
    return problems


class Markdown(Kind):
    """Generated Markdown pages have the required sections (headings, at any level)."""

    name = "markdown"
    suffixes = (".md",)
    option_names = Kind.option_names | {"sections"}

    def options(self, raw: Any, where: str) -> dict[str, Any]:
        if isinstance(raw, list):
            raw = {"sections": raw}
        options = super().options(raw, where)
        sections = options.get("sections")
        if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
            raise BlueprintError(f"{where}: list the required sections, e.g. `sections: [Usage]`.")
        return options

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        problems = []
        for item in target.items:
            for path in item.files:
                try:
                    text = read(destination, path).decode("utf-8")
                except UnicodeDecodeError as exc:
                    problems.append(CheckProblem(f"not UTF-8 text: {exc}", path))
                    continue
                headings = {
                    match.group(1).strip().lower()
                    for match in re.finditer(
                        r"^#{1,6}\s+(.+?)\s*#*\s*$", _outside_fences(text), re.M
                    )
                }
                missing = [s for s in item.options["sections"] if s.lower() not in headings]
                if missing:
                    problems.append(CheckProblem(f"missing sections: {', '.join(missing)}", path))
        return Findings(tuple(problems))


def _outside_fences(text: str) -> str:
    """The Markdown without its fenced code blocks (a `# comment` there is no heading)."""
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.M | re.S)
