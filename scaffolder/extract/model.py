"""What ``scaffold extract`` found and wrote: typed results, and its error."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.errors import ScaffoldError


class ExtractError(ScaffoldError):
    """The examples cannot make a blueprint; the message says which file and why."""

    kind = "extract"


class VariableKind(enum.Enum):
    """Where a variable of a derived blueprint comes from."""

    NAME = "name"  # a word (or words) that varies, in any case and number
    TEXT = "text"  # lines (or a path) that differ in a way no name explains


@dataclass(frozen=True)
class Variable:
    """One variable of the derived blueprint, with each example's value, in order."""

    name: str
    kind: VariableKind
    values: tuple[Any, ...]
    type: str = "string"
    plural: bool = False  # NAME: the stored value is plural (users), else singular
    uses: tuple[str, ...] = ()  # NAME: the expressions the templates use, e.g. resource | pascal
    where: str = ""  # TEXT: the file (and line) of the first example it stands for
    line: str = ""  # TEXT: that line of the first example

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "type": self.type,
            "values": list(self.values),
            "uses": list(self.uses),
            "where": self.where,
            "line": self.line,
        }


@dataclass(frozen=True)
class Extraction:
    """A derived blueprint: where it was written, its variables, templates and checks.

    ``kept`` are the TEXT variables: differences no name explains, kept per example (each
    names the file and line of the first example), so that every example still renders
    byte for byte.
    """

    name: str
    out: Path
    examples: tuple[str, ...]
    variables: tuple[Variable, ...]
    templates: tuple[str, ...]
    checks: tuple[str, ...]
    verified: int  # examples rendered back byte for byte
    needs_trust: bool = False  # a check runs the blueprint's code (import, pytest, command)

    @property
    def kept(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.kind is VariableKind.TEXT)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "out": str(self.out),
            "examples": list(self.examples),
            "variables": [v.to_json() for v in self.variables],
            "templates": list(self.templates),
            "checks": list(self.checks),
            "verified": self.verified,
            "kept": [{"variable": v.name, "where": v.where, "line": v.line} for v in self.kept],
        }
