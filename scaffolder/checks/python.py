"""Python kinds: the files compile (``py_compile``), the modules import (``import``), both
with the run's Python (:mod:`scaffolder.checks.interpreter`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from scaffolder.checks.base import TRIM, Kind, module_name, read, strings
from scaffolder.checks.interpreter import Interpreter, answer_of, probe_command, scaffold_python
from scaffolder.checks.model import CheckProblem, Findings, Target
from scaffolder.checks.processes import Processes
from scaffolder.errors import BlueprintError


class PyCompile(Kind):
    """Every generated ``.py`` file compiles with the run's Python (no bytecode is written,
    and compiling runs none of the code): in-process when that is scaffold's own, else in
    one process of the project's interpreter, whose version decides what syntax is valid."""

    name = "py_compile"
    suffixes = (".py",)
    uses_python = True

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        if target.python is not None and not target.python.own:
            return _compile_in(target.python, target, destination, processes)
        problems = []
        for path in target.files:
            try:
                compile(read(destination, path), path, "exec", dont_inherit=True)
            except SyntaxError as exc:
                problems.append(CheckProblem(f"{exc.msg}", path, exc.lineno))
            except ValueError as exc:  # e.g. a NUL byte
                problems.append(CheckProblem(str(exc), path))
        return Findings(tuple(problems))


def _compile_in(
    python: Interpreter, target: Target, destination: str, processes: Processes
) -> Findings:
    argv = probe_command(python, ["compile", *target.files])
    result = processes.spawn(argv, destination, Kind.timeout(target), python)
    answer = answer_of(result.stdout)
    found = answer.get("problems") if answer is not None else None
    if not isinstance(found, list):
        output = (result.stdout + result.stderr).strip()
        message = f"{python.path} could not compile the files (exit code {result.returncode})"
        return Findings((CheckProblem(f"{message}: {output[-TRIM:]}"),), output, 1)
    problems = tuple(
        CheckProblem(str(message), str(path), line if isinstance(line, int) else None)
        for message, path, line in found
    )
    return Findings(problems, processes=1)


class Import(Kind):
    """Named modules import, in one process with the destination on ``sys.path``. Importing
    runs the modules' code: needs --trust unless the blueprint is built in."""

    name = "import"
    runs_code = True
    uses_python = True
    option_names = Kind.option_names | {"modules"}
    _MARKER = "\n--scaffold-import-verdict--"
    _SCRIPT = (
        "import importlib, json, sys, traceback\n"
        "failed = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except BaseException:\n"
        "        failed[name] = traceback.format_exc()\n"
        "sys.stdout.flush()\n"
        # the real stdout, even if a module replaced sys.stdout
        f"sys.__stdout__.write({_MARKER!r} + json.dumps(failed) + '\\n')\n"
    )

    def options(self, raw: Any, where: str) -> dict[str, Any]:
        if isinstance(raw, (str, list)):
            raw = {"modules": raw}
        options = super().options(raw, where)
        example = "e.g. `import: app.main`"
        if not options.get("modules"):
            raise BlueprintError(f"{where}: name the modules to import, {example}.")
        modules = strings(options["modules"], where, "modules", example)
        if not all(module_name(m) for m in modules):
            raise BlueprintError(
                f"{where}: modules must be Python module names, {example}; not {modules!r}."
            )
        return {**options, "modules": modules}

    def applies(self, path: str, options: Mapping[str, Any]) -> bool:
        return path.endswith(".py")

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        modules = list(dict.fromkeys(m for item in target.items for m in item.options["modules"]))
        python = target.python or scaffold_python()
        result = processes.spawn(
            [python.path, "-c", self._SCRIPT, *modules], destination, self.timeout(target), python
        )
        printed, marker, verdict = result.stdout.rpartition(self._MARKER)
        try:
            if not marker:
                raise ValueError("no verdict")
            failed = json.loads(verdict)
            if not isinstance(failed, dict):
                raise ValueError("no verdict")
        except ValueError:
            output = (result.stdout + result.stderr).strip()
            return Findings(
                (
                    CheckProblem(
                        f"the import check did not finish (exit code {result.returncode}): "
                        f"{output[-TRIM:]}"
                    ),
                ),
                output,
                1,
            )
        problems = [
            CheckProblem(
                f"import {name} failed: {_last_line(str(trace))}",
                _module_file(destination, name),
            )
            for name, trace in failed.items()
        ]
        traces = [str(trace) for trace in failed.values()]
        output = "\n".join([*([printed.strip()] if printed.strip() else []), *traces])
        return Findings(tuple(problems), output, 1)


def _module_file(destination: str, module: str) -> str | None:
    base = PurePosixPath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if (Path(destination) / candidate).is_file():
            return candidate.as_posix()
    return None


def _last_line(trace: str) -> str:
    lines = trace.strip().splitlines()
    return lines[-1] if lines else "(no traceback)"
