"""The typed values of the checks stage."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from scaffolder.checks.interpreter import Interpreter


class CheckStatus(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"


@dataclass(frozen=True)
class CheckProblem:
    """One thing a check found wrong, as precisely as the tool says."""

    message: str
    file: str | None = None
    line: int | None = None

    def describe(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ItemTarget:
    """A check's options as rendered for one item, and the item's files it covers."""

    index: int
    name: str | None
    options: Any
    files: tuple[str, ...]
    label: str = ""  # how messages name the item: ``phase api, item 3 (users)``


@dataclass(frozen=True)
class Target:
    """One declared check of one blueprint in a run, ready to run once over all its files."""

    blueprint: str
    blueprint_root: str
    phase: str | None
    kind: str
    description: str
    items: tuple[ItemTarget, ...]
    files: tuple[str, ...]
    built_in: bool = False  # declared by a built-in blueprint: its commands need no --trust
    # the Python it runs with (import, pytest, command, py_compile); None: it runs inside
    # scaffold on data (yaml, json, toml, jsonschema, markdown, sqlite)
    python: Interpreter | None = None


@dataclass(frozen=True)
class Findings:
    """What running a check kind found."""

    problems: tuple[CheckProblem, ...] = ()
    output: str = ""
    processes: int = 0  # processes it started


@dataclass(frozen=True)
class CheckResult:
    blueprint: str
    phase: str | None
    kind: str
    description: str
    files: tuple[str, ...]
    status: CheckStatus
    seconds: float
    output: str = ""
    problems: tuple[CheckProblem, ...] = ()
    processes: int = 0
    python: Interpreter | None = None  # the Python it ran with; None: inside scaffold, on data


@dataclass(frozen=True)
class Tool:
    """Something a check needs: a Python module its interpreter must be able to import
    (``package`` is what to install), or a program on ``PATH``."""

    name: str
    module: bool = False
    package: str = ""
