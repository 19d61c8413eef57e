"""What every kind of check shares: its options, the files it covers, the tools it needs."""

from __future__ import annotations

import contextlib
import fnmatch
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scaffolder.checks.model import Findings, Target, Tool
from scaffolder.checks.probe import module_available as module_available  # the guard's, in-process
from scaffolder.checks.processes import Processes
from scaffolder.errors import BlueprintError

TIMEOUT = 600  # seconds a check's process may take, unless its options say otherwise
TRIM = 4000  # characters of a tool's output kept in a problem's message


def module_tool(name: str) -> Tool:
    """A module a check requires, looked up by the check's interpreter (the tool guard)."""
    package = {"yaml": "pyyaml"}.get(name, name.partition(".")[0])
    return Tool(name, module=True, package=package)


def program_tool(program: str) -> Tool:
    """A program a check runs, looked up on ``PATH`` (its interpreter's folder first)."""
    return Tool(program)


def read(destination: str, path: str) -> bytes:
    return (Path(destination) / path).read_bytes()


class Kind:
    """A kind of check. Subclasses say which files it covers and how to run it."""

    name = ""
    suffixes: tuple[str, ...] = ()
    runs_code = False  # runs the blueprint's (or the rendered files') code: needs trust
    uses_python = False  # runs with the run's chosen Python (else inside scaffold, on data)
    option_names: frozenset[str] = frozenset({"files", "requires", "timeout"})

    def options(self, raw: Any, where: str) -> dict[str, Any]:
        """The check's options as a mapping; a bad option is the blueprint's error."""
        if raw is None or raw is True:
            return {}
        if not isinstance(raw, dict):
            raise BlueprintError(f"{where}: options must be a mapping, not {raw!r}.")
        unknown = set(raw) - self.option_names
        if unknown:
            raise BlueprintError(
                f"{where}: unknown option {', '.join(sorted(map(str, unknown)))}; "
                f"known: {', '.join(sorted(self.option_names))}."
            )
        options = dict(raw)
        if "files" in options:
            options["files"] = strings(options["files"], where, "files", 'e.g. "config/*.yaml"')
        if "requires" in options:
            options["requires"] = strings(options["requires"], where, "requires", "e.g. [fastapi]")
            if not all(module_name(n) for n in options["requires"]):
                raise BlueprintError(
                    f"{where}: requires must list Python module names, as imported, "
                    f"e.g. [fastapi, yaml]; not {options['requires']!r}."
                )
        if "timeout" in options:
            options["timeout"] = _seconds(options["timeout"], where)
        return options

    def prepare(self, options: dict[str, Any], root: Path, where: str) -> dict[str, Any]:
        """The options, checked against the blueprint's folder (``root``), before the run."""
        return options

    def applies(self, path: str, options: Mapping[str, Any]) -> bool:
        patterns = options.get("files")
        if patterns:
            return any(fnmatch.fnmatch(path, p) for p in patterns)
        return path.endswith(self.suffixes)

    def tools(self, target: Target) -> list[Tool]:
        names = {name for item in target.items for name in item.options.get("requires", ())}
        return [module_tool(name) for name in sorted(names)]

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        raise NotImplementedError

    @staticmethod
    def timeout(target: Target) -> float:
        return float(
            max((i.options.get("timeout", TIMEOUT) for i in target.items), default=TIMEOUT)
        )


def strings(value: Any, where: str, option: str, example: str) -> list[str]:
    """A string or a list of strings, as a list; anything else is the blueprint's error."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BlueprintError(
            f"{where}: {option} must be a string or a list of strings ({example}), not {value!r}."
        )
    return list(value)


def module_name(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


def _seconds(value: Any, where: str) -> float:
    seconds = -1.0
    if not isinstance(value, bool):
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            seconds = float(value)
    if not 0 < seconds < sys.float_info.max:  # also not NaN, not infinite
        raise BlueprintError(
            f"{where}: timeout must be a number of seconds, above 0; not {value!r}."
        )
    return seconds


SHOWN = 3  # what differs between the items' renderings of a check, shown before "and N more"


def described_together(descriptions: Sequence[str]) -> str:
    """A check as each item renders it, in one line: the words all share once, the words
    that differ listed in item order, ``import app.api.users, app.api.projects, app.api.tasks
    and 5 more``."""
    unique = list(dict.fromkeys(descriptions))
    if len(unique) <= 1:
        return unique[0] if unique else ""
    words = [text.split(" ") for text in unique]
    shortest = min(len(w) for w in words)
    head = 0
    while head < shortest and len({w[head] for w in words}) == 1:
        head += 1
    tail = 0
    while tail < shortest - head and len({w[len(w) - 1 - tail] for w in words}) == 1:
        tail += 1
    middles = [" ".join(w[head : len(w) - tail]) for w in words]
    if not all(middles):  # one is another with words added: list them whole
        head = tail = 0
        middles = unique
    separator = "; " if any("," in m or " " in m for m in middles) else ", "
    shown = separator.join(middles[:SHOWN])
    if len(middles) > SHOWN:
        shown += f" and {len(middles) - SHOWN} more"
    first = words[0]
    return " ".join([*first[:head], shown, *first[len(first) - tail :]])
