"""Write a draft as a blueprint folder: ``blueprint.yaml`` and ``template/``.

The manifest has the variables (type, a pattern inferred from the examples, a description
naming the forms the templates use), the computed names that file names use, the proposed
checks, and each example's values under ``examples``: ``scaffold blueprint test`` renders
them again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from scaffolder.blueprint import MANIFEST, TEMPLATE_DIR
from scaffolder.extract import template
from scaffolder.extract.draft import Draft, pattern_of
from scaffolder.extract.model import Variable, VariableKind

JINJA = ".jinja"


class _Dumper(yaml.SafeDumper):
    """Multi-line texts as ``|`` blocks (PyYAML quotes those a block cannot hold)."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def template_path(draft: Draft, index: int) -> str:
    """The template's path under ``template/``: its path pieces, ``.jinja`` when rendered."""
    path = template.render_source(draft.paths[index])
    return path + JINJA if draft.contents[index] is not None else path


def _schema(variable: Variable, required: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": variable.type}
    if variable.kind is VariableKind.NAME:
        pattern = pattern_of(variable.values) if variable.type == "string" else None
        if pattern:
            schema["pattern"] = pattern
        number = "plural" if variable.plural else "singular"
        examples = ", ".join(str(v) for v in variable.values)
        uses = "; ".join(variable.uses)
        description = f"{number} snake_case, e.g. {examples} (the templates use: {uses})"
        if not pattern:  # not words: a date, a version
            description = f"e.g. {examples} (the templates use: {uses})"
        if variable.type == "integer":
            description = f"e.g. {examples}"
    else:
        description = (
            f"the text at {variable.where} that differs between the examples in a way "
            "no name explains, kept per example"
        )
    schema["description"] = description
    if not required:
        schema["default"] = variable.values[0]
    return schema


def manifest(
    name: str, draft: Draft, checks: Sequence[Any], labels: Sequence[str]
) -> dict[str, Any]:
    variables = draft.variables
    names = [v.name for v in variables if v.kind is VariableKind.NAME]
    required = names[:1]  # the others default to the first example's value
    data: dict[str, Any] = {
        "name": name,
        "description": "Derived by scaffold extract from "
        + ", ".join(PurePosixPath(label.rstrip("/")).name or label for label in labels)
        + ".",
        "variables": {
            "type": "object",
            "additionalProperties": False,
            "required": required,
            "properties": {v.name: _schema(v, v.name in required) for v in variables},
        },
    }
    if draft.computed:
        data["computed"] = dict(draft.computed)
    if checks:
        data["checks"] = list(checks)
    data["examples"] = [
        {v.name: v.values[number] for v in variables} for number in range(len(draft.examples))
    ]
    return data


def dump(data: dict[str, Any]) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def write_blueprint(
    root: Path, name: str, draft: Draft, checks: Sequence[Any], labels: Sequence[str]
) -> list[str]:
    """Write the blueprint into the empty folder ``root``; its template paths, in order."""
    folder = root / TEMPLATE_DIR
    folder.mkdir(parents=True)
    (root / MANIFEST).write_text(dump(manifest(name, draft, checks, labels)), encoding="utf-8")
    written = []
    for index, group in enumerate(draft.groups):
        relative = template_path(draft, index)
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        pieces = draft.contents[index]
        if pieces is None:
            path.write_bytes(group.first.content)
        else:
            path.write_bytes(template.render_source(pieces).encode("utf-8"))
        os.chmod(path, group.first.mode)
        written.append(relative)
    return written
