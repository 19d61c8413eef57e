"""The kinds of check, by name: what each needs, which files it covers, how it runs.

Every kind runs once over all the files it covers. The in-process kinds (py_compile,
yaml, json, toml, jsonschema, markdown, sqlite) start no process and run nothing of the
blueprint's; import, pytest and command start one process per distinct command line and
run code of the blueprint's (``Kind.runs_code``), so a blueprint that is not built in needs
trust for them. One module per family: ``python``, ``pytest``, ``data``, ``sqlite``,
``command``; what they share is in ``base``, their processes in ``processes``.
"""

from __future__ import annotations

import json
import tomllib

from scaffolder.checks.base import Kind
from scaffolder.checks.command import Command
from scaffolder.checks.data import JsonSchema, Markdown, Parse, yaml_all
from scaffolder.checks.pytest import Pytest
from scaffolder.checks.python import Import, PyCompile
from scaffolder.checks.sqlite import Sqlite

__all__ = ["KINDS", "Kind"]

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        PyCompile(),
        Parse("yaml", (".yaml", ".yml"), yaml_all),
        Parse("json", (".json",), json.loads),
        Parse("toml", (".toml",), tomllib.loads),
        JsonSchema(),
        Markdown(),
        Import(),
        Pytest(),
        Sqlite(),
        Command(),
    )
}
