"""The ``command`` kind: any program, run in the destination; needs --trust unless the
blueprint is built in."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from typing import Any

from scaffolder.checks.base import TRIM, Kind, program_tool
from scaffolder.checks.model import CheckProblem, Findings, Target, Tool
from scaffolder.checks.processes import Processes
from scaffolder.errors import BlueprintError


class Command(Kind):
    """Any command, its arguments templated per item (``{{ files }}`` is the files);
    each distinct command line runs once. Needs --trust unless the blueprint is built in."""

    name = "command"
    runs_code = True
    uses_python = True  # it runs in the environment of the run's Python (first on PATH)
    option_names = Kind.option_names | {"run"}

    def options(self, raw: Any, where: str) -> dict[str, Any]:
        if isinstance(raw, str):
            raw = {"run": raw}
        options = super().options(raw, where)
        if not isinstance(options.get("run"), str) or not options["run"].strip():
            raise BlueprintError(f"{where}: give the command to run, e.g. `command: ruff check .`.")
        try:
            shlex.split(options["run"])
        except ValueError as exc:  # e.g. a value with a quote in it, rendered into the line
            raise BlueprintError(
                f"{where}: the command {options['run']!r} cannot be split into arguments: {exc}."
            ) from None
        return options

    def applies(self, path: str, options: Mapping[str, Any]) -> bool:
        return super().applies(path, options) if options.get("files") else True

    def _commands(self, target: Target) -> list[list[str]]:
        lines = dict.fromkeys(item.options["run"] for item in target.items)
        return [shlex.split(line) for line in lines]

    def tools(self, target: Target) -> list[Tool]:
        # A program given by its path (`./scripts/check.sh`) is found from the destination
        # when the check runs, and the run may be what writes it: only bare names are
        # looked up on PATH beforehand (the run's Python's folder first).
        programs = sorted({argv[0] for argv in self._commands(target) if argv})
        programs = [p for p in programs if "/" not in p and os.sep not in p]
        return [*(program_tool(p) for p in programs), *super().tools(target)]

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        problems, outputs = [], []
        commands = self._commands(target)
        for argv in commands:
            result = processes.spawn(argv, destination, self.timeout(target), target.python)
            output = (result.stdout + result.stderr).strip()
            outputs.append(f"$ {shlex.join(argv)}\n{output}")
            if result.returncode != 0:
                # the last line says most; the whole output is the check's output
                last = output.splitlines()[-1].strip()[-TRIM:] if output else ""
                message = f"`{shlex.join(argv)}` exited with {result.returncode}"
                problems.append(CheckProblem(f"{message}: {last}" if last else message))
        return Findings(tuple(problems), "\n".join(outputs), len(commands))
