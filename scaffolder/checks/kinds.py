"""The kinds of check: what each needs, which files it covers, how it runs.

Every kind runs once over all the files it covers. The in-process kinds
(py_compile, yaml, json, toml, jsonschema, sqlite) start no process; import,
pytest and command start one process per distinct command line.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from jsonschema import validators
from jsonschema.exceptions import SchemaError

from scaffolder.checks.model import CheckProblem, Findings, ItemTarget, Target, Tool
from scaffolder.errors import BlueprintError

TIMEOUT = 600  # seconds a check's process may take, unless its options say otherwise
TRIM = 4000  # characters of a tool's output kept in a problem's message


def module_available(name: str) -> bool:
    """Whether ``name`` can be imported by the interpreter that runs the checks."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def spawn(argv: list[str], cwd: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Start one of a check's processes, with the destination importable and no bytecode
    written into it (a rolled-back run must leave no ``__pycache__`` behind)."""
    env = dict(os.environ)
    # absolute: a relative destination (`--out svc`) seen from inside it would be svc/svc
    here = os.path.abspath(cwd)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        return subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        # the partial output comes back as bytes, whatever text=True says
        output = "".join(_text(part) for part in (exc.stdout, exc.stderr))
        return subprocess.CompletedProcess(
            argv, -1, output, f"timed out after {timeout:.0f}s (options: timeout)"
        )
    except OSError as exc:  # found by the tool guard, but gone or not executable since
        return subprocess.CompletedProcess(argv, 127, "", f"cannot start {argv[0]}: {exc}")


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""


def _module_tool(name: str) -> Tool:
    package = {"yaml": "pyyaml"}.get(name, name)
    return Tool(name, lambda: module_available(name), f"Install it with: pip install {package}")


class Kind:
    """A kind of check. Subclasses say which files it covers and how to run it."""

    name = ""
    suffixes: tuple[str, ...] = ()
    runs_commands = False
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
                f"{where}: unknown option {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(self.option_names))}."
            )
        options = dict(raw)
        if isinstance(options.get("requires"), str):  # `requires: fastapi`, one module
            options["requires"] = [options["requires"]]
        if not all(isinstance(n, str) and n for n in options.get("requires", ())):
            raise BlueprintError(f"{where}: requires must list module names, e.g. [fastapi].")
        if "timeout" in options:
            try:
                options["timeout"] = float(options["timeout"])
            except (TypeError, ValueError):
                options["timeout"] = -1.0
            if not options["timeout"] > 0:
                raise BlueprintError(f"{where}: timeout must be a number of seconds, above 0.")
        return options

    def applies(self, path: str, options: Mapping[str, Any]) -> bool:
        pattern = options.get("files")
        if pattern:
            patterns = [pattern] if isinstance(pattern, str) else list(pattern)
            return any(fnmatch.fnmatch(path, p) for p in patterns)
        return path.endswith(self.suffixes)

    def tools(self, target: Target) -> list[Tool]:
        names = {name for item in target.items for name in item.options.get("requires", ())}
        return [_module_tool(name) for name in sorted(names)]

    def run(self, target: Target, destination: str) -> Findings:
        raise NotImplementedError

    @staticmethod
    def timeout(target: Target) -> float:
        return float(
            max((i.options.get("timeout", TIMEOUT) for i in target.items), default=TIMEOUT)
        )


def _read(destination: str, path: str) -> bytes:
    return (Path(destination) / path).read_bytes()


class PyCompile(Kind):
    """Every generated ``.py`` file compiles (in-process; no bytecode is written)."""

    name = "py_compile"
    suffixes = (".py",)

    def run(self, target: Target, destination: str) -> Findings:
        problems = []
        for path in target.files:
            try:
                compile(_read(destination, path), path, "exec", dont_inherit=True)
            except SyntaxError as exc:
                problems.append(CheckProblem(f"{exc.msg}", path, exc.lineno))
            except ValueError as exc:  # e.g. a NUL byte
                problems.append(CheckProblem(str(exc), path))
        return Findings(tuple(problems))


class Parse(Kind):
    """Generated files parse as YAML, JSON or TOML."""

    def __init__(self, name: str, suffixes: tuple[str, ...], parse: Callable[[str], object]):
        self.name, self.suffixes, self._parse = name, suffixes, parse

    def run(self, target: Target, destination: str) -> Findings:
        problems = []
        for path in target.files:
            try:
                self._parse(_read(destination, path).decode("utf-8"))
            except (ValueError, yaml.YAMLError) as exc:
                message, line = _parse_error(exc)
                problems.append(CheckProblem(message, path, line))
        return Findings(tuple(problems))


def _parse_error(exc: Exception) -> tuple[str, int | None]:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg, exc.lineno
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return str(exc.problem or exc), exc.problem_mark.line + 1
    line = re.search(r"at line (\d+)", str(exc))
    return str(exc), int(line.group(1)) if line else None


def _yaml_all(text: str) -> object:
    return list(yaml.safe_load_all(text))


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
        return options

    def run(self, target: Target, destination: str) -> Findings:
        problems: list[CheckProblem] = []
        for item in target.items:
            schema = None
            if item.options.get("schema"):
                schema_path = Path(target.blueprint_root) / item.options["schema"]
                try:
                    schema = _load_document(
                        schema_path.read_text(encoding="utf-8"), schema_path.suffix
                    )
                except (OSError, ValueError, yaml.YAMLError) as exc:
                    problems.append(CheckProblem(f"the check's schema {schema_path}: {exc}"))
                    continue
            for path in item.files:
                try:
                    document = _instance(_read(destination, path).decode("utf-8"), path)
                except (ValueError, yaml.YAMLError) as exc:
                    problems.append(CheckProblem(_parse_error(exc)[0], path))
                    continue
                if schema is None:
                    problems.extend(_as_schema(document, path, item.options.get("examples", True)))
                else:
                    problems.extend(_validate(schema, document, path))
        return Findings(tuple(dict.fromkeys(problems)))


def _load_document(text: str, suffix: str) -> Any:
    return json.loads(text) if suffix == ".json" else yaml.safe_load(text)


def _instance(text: str, path: str) -> Any:
    if path.endswith(".md"):
        match = re.match(r"^---\r?\n(.*?)\r?\n---\r?\n", text, re.DOTALL)
        if match is None:
            raise ValueError("no front matter (a --- block at the top)")
        return yaml.safe_load(match.group(1))
    return _load_document(text, PurePosixPath(path).suffix)


def _validate(schema: Any, document: Any, path: str, what: str = "") -> list[CheckProblem]:
    validator = validators.validator_for(schema)(schema)
    return [
        CheckProblem(f"{what}{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}", path)
        for e in validator.iter_errors(document)
    ]


def _as_schema(document: Any, path: str, examples: bool) -> list[CheckProblem]:
    try:
        validators.validator_for(document).check_schema(document)
    except SchemaError as exc:
        return [CheckProblem(f"not a valid JSON Schema: {exc.message}", path)]
    if not examples or not isinstance(document, dict):
        return []
    problems = []
    for number, example in enumerate(document.get("examples", ()), start=1):
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

    def run(self, target: Target, destination: str) -> Findings:
        problems = []
        for item in target.items:
            for path in item.files:
                text = _read(destination, path).decode("utf-8")
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


class Import(Kind):
    """Named modules import, in one process with the destination on ``sys.path``."""

    name = "import"
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
        modules = options.get("modules")
        if isinstance(modules, str):
            options = {**options, "modules": [modules]}
        if not options.get("modules"):
            raise BlueprintError(f"{where}: name the modules to import, e.g. `import: app.main`.")
        return options

    def applies(self, path: str, options: Mapping[str, Any]) -> bool:
        return path.endswith(".py")

    def run(self, target: Target, destination: str) -> Findings:
        modules = list(dict.fromkeys(m for item in target.items for m in item.options["modules"]))
        result = spawn(
            [sys.executable, "-c", self._SCRIPT, *modules], destination, self.timeout(target)
        )
        printed, marker, verdict = result.stdout.rpartition(self._MARKER)
        try:
            if not marker:
                raise ValueError("no verdict")
            failed: dict[str, str] = json.loads(verdict)
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
                f"import {name} failed: {trace.strip().splitlines()[-1]}",
                _module_file(destination, name),
            )
            for name, trace in failed.items()
        ]
        output = "\n".join([*([printed.strip()] if printed.strip() else []), *failed.values()])
        return Findings(tuple(problems), output, 1)


def _module_file(destination: str, module: str) -> str | None:
    base = PurePosixPath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if (Path(destination) / candidate).is_file():
            return candidate.as_posix()
    return None


class Pytest(Kind):
    """pytest collects the generated tests (``collect_only``, counts checked per item with
    ``min_tests``/``exact``) or runs them (``run: true``), in one process for all files."""

    name = "pytest"
    option_names = Kind.option_names | {"collect_only", "run", "min_tests", "exact"}

    def options(self, raw: Any, where: str) -> dict[str, Any]:
        options = dict(super().options(raw, where))
        for key in ("min_tests", "exact"):
            if key in options:
                try:
                    options[key] = int(options[key])
                except (TypeError, ValueError):
                    raise BlueprintError(
                        f"{where}: {key} must be a whole number, not {options[key]!r}."
                    ) from None
        return options

    def applies(self, path: str, options: Mapping[str, Any]) -> bool:
        if options.get("files"):
            return super().applies(path, options)
        name = PurePosixPath(path).name
        return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))

    def tools(self, target: Target) -> list[Tool]:
        return [_module_tool("pytest"), *super().tools(target)]

    def run(self, target: Target, destination: str) -> Findings:
        if not target.files:  # e.g. a blueprint whose tests are optional, and were left out
            expecting = [i.label or f"item {i.index}" for i in target.items if _expects_tests(i)]
            if not expecting:
                return Findings(output="no test files in this run: nothing to collect")
            message = (
                f"no test files were written, but tests are expected for {', '.join(expecting)}"
            )
            return Findings((CheckProblem(message),))
        run_tests = any(item.options.get("run") for item in target.items)
        mode = ["-rA"] if run_tests else ["--collect-only"]
        argv = [
            sys.executable,
            "-c",
            _PYTEST_SCRIPT,
            "-q",
            "-p",
            "no:cacheprovider",
            # test ids relative to the destination, even below another project's pytest.ini
            f"--rootdir={Path(destination).resolve()}",
            *mode,
            "--",
            *target.files,
        ]
        result = spawn(argv, destination, self.timeout(target))
        output = result.stdout + result.stderr
        collected = Counter(
            _test_file(line) for line in output.splitlines() if _is_test_id(line, run_tests)
        )
        problems: list[CheckProblem] = []
        if result.returncode not in (0, 5):
            problems.extend(_pytest_failures(output, result.returncode, run_tests))
        for item in target.items:
            count = sum(collected[f] for f in item.files)
            label = item.label or f"item {item.index}" + (f" ({item.name})" if item.name else "")
            where = ", ".join(item.files) or None
            exact, least = item.options.get("exact"), item.options.get("min_tests")
            if exact is not None and count != exact:
                message = f"{label}: {count} tests collected, exactly {exact} expected"
                problems.append(CheckProblem(message, where))
            if least is not None and count < least:
                message = f"{label}: {count} tests collected, at least {least} expected"
                problems.append(CheckProblem(message, where))
        return Findings(tuple(problems), output, 1)


# pytest collects each file named on its command line by walking to it from the root again,
# so that N files cost N x N collector nodes (minutes for a few thousand). The script names
# the destination once and prunes the walk to the run's files, which it collects whether or
# not their names match `python_files`, as pytest does with files it is given.
_PYTEST_SCRIPT = """\
import os, sys
import pytest

split = sys.argv.index("--")
root = os.getcwd()
files = {os.path.normpath(os.path.join(root, name)) for name in sys.argv[split + 1:]}
folders = {os.path.dirname(name) for name in files}
for folder in list(folders):
    while folder != root and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
        folders.add(folder)


class TheRunsFiles:
    @pytest.hookimpl(tryfirst=True)
    def pytest_ignore_collect(self, collection_path):
        path = str(collection_path)
        if path in files or path in folders:
            return False
        if collection_path.name in ("__init__.py", "conftest.py"):
            return None
        return True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collect_file(self, file_path, parent):
        outcome = yield
        if not outcome.get_result() and str(file_path) in files and file_path.suffix == ".py":
            ihook = parent.session.gethookproxy(file_path)
            module = ihook.pytest_pycollect_makemodule(module_path=file_path, parent=parent)
            outcome.force_result([module] if module is not None else [])


sys.exit(pytest.main([*sys.argv[1:split], root], plugins=[TheRunsFiles()]))
"""


def _expects_tests(item: ItemTarget) -> bool:
    return bool(item.options.get("exact", 0) > 0 or item.options.get("min_tests", 0) > 0)


_TEST_ID = re.compile(r"^(?:(?:PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED) )?([^\s:]+\.py)::\S")


def _is_test_id(line: str, run_tests: bool) -> bool:
    if run_tests:
        return bool(re.match(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS) \S+\.py::", line))
    return bool(_TEST_ID.match(line))


def _test_file(line: str) -> str:
    match = _TEST_ID.match(line)
    return match.group(1) if match else ""


def _pytest_failures(output: str, code: int, run_tests: bool) -> list[CheckProblem]:
    problems = []
    for line in output.splitlines():
        match = re.match(r"^(FAILED|ERROR) (\S+?\.py)(::\S+)?(?: - (.*))?$", line)
        if match:
            outcome, path, test, reason = match.groups()
            message = f"{outcome.lower()}{test or ''}: {reason or 'see the output'}"
            problems.append(CheckProblem(message, path))
    if not problems:
        what = "the tests failed" if run_tests else "pytest could not collect the tests"
        problems.append(CheckProblem(f"{what} (pytest exit code {code}): {output[-TRIM:].strip()}"))
    return problems


class Sqlite(Kind):
    """SQL migrations apply to an in-memory SQLite database: every ``up`` in path order,
    then every ``down`` in reverse — and each down must put the schema back exactly as it
    was before its up (tables and their columns, indexes, views, triggers)."""

    name = "sqlite"
    suffixes = (".sql",)
    option_names = Kind.option_names | {"up", "down"}

    def run(self, target: Target, destination: str) -> Findings:
        ups: set[str] = set()
        downs: set[str] = set()
        patterns: set[str] = set()
        for item in target.items:  # each item's own patterns, over its own files
            up, down = item.options.get("up", "*up.sql"), item.options.get("down", "*down.sql")
            patterns.add(repr(up))
            ups.update(f for f in item.files if fnmatch.fnmatch(f, up))
            downs.update(f for f in item.files if fnmatch.fnmatch(f, down))
        if not ups:
            message = f"no migration matches {', '.join(sorted(patterns))} among the run's files"
            return Findings((CheckProblem(message),))
        ordered = sorted(ups)
        pairs = {up: _down_of(up, downs) for up in ordered}
        unpaired = [up for up, down in pairs.items() if down is None]
        if downs and unpaired:
            return Findings(
                tuple(CheckProblem("no down migration undoes it", up) for up in unpaired)
            )
        database = sqlite3.connect(":memory:")
        try:
            before: dict[str, _Schema] = {}
            for up in ordered:
                before[up] = _schema(database)
                if problem := _apply(database, destination, up):
                    return Findings((problem,))
            for up in reversed(ordered):
                down = pairs[up]
                if down is None:
                    continue
                if problem := _apply(database, destination, down):
                    return Findings((problem,))
                difference = _compare(before[up], _schema(database))
                if difference:
                    message = f"does not undo {up}: {difference}"
                    return Findings((CheckProblem(message, down),))
        finally:
            database.close()
        return Findings()


_Schema = dict[tuple[str, str], tuple[Any, ...]]


def _apply(database: sqlite3.Connection, destination: str, path: str) -> CheckProblem | None:
    try:
        database.executescript(_read(destination, path).decode("utf-8"))
    except sqlite3.Error as exc:
        return CheckProblem(f"SQLite: {exc}", path)
    return None


def _schema(database: sqlite3.Connection) -> _Schema:
    """Every table (with its columns and indexes), index, view and trigger, by kind and name."""
    schema: _Schema = {}
    for kind, name, sql in database.execute(_USER_OBJECTS):
        if kind == "table":
            columns = tuple(database.execute(f"PRAGMA table_info({_quoted(name)})"))
            indexes = tuple(sorted(database.execute(f"PRAGMA index_list({_quoted(name)})")))
            schema[(kind, name)] = (columns, indexes)
        else:
            schema[(kind, name)] = (sql,)
    return schema


def _compare(expected: _Schema, actual: _Schema) -> str:
    left = sorted(f"{kind} {name}" for kind, name in actual.keys() - expected.keys())
    gone = sorted(f"{kind} {name}" for kind, name in expected.keys() - actual.keys())
    changed = sorted(
        f"{kind} {name}"
        for (kind, name) in expected.keys() & actual.keys()
        if expected[(kind, name)] != actual[(kind, name)]
    )
    parts = [
        f"{label}: {', '.join(names)}"
        for label, names in (("left behind", left), ("missing", gone), ("changed", changed))
        if names
    ]
    return "; ".join(parts)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_USER_OBJECTS = (
    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
)


def _down_of(up_path: str, downs: set[str]) -> str | None:
    """The down migration beside an up one (``0003_x.up.sql`` -> ``0003_x.down.sql``)."""
    folder, _, name = up_path.rpartition("/")
    for up, down in (("up", "down"), ("UP", "DOWN"), ("Up", "Down")):
        head, found, tail = name.rpartition(up)
        if found:
            candidate = f"{folder}/{head}{down}{tail}" if folder else f"{head}{down}{tail}"
            if candidate in downs:
                return candidate
    return None


class Command(Kind):
    """Any command, its arguments templated per item (``{{ files }}`` is the files);
    each distinct command line runs once. Needs --trust unless the blueprint is built in."""

    name = "command"
    runs_commands = True
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
        # looked up on PATH beforehand.
        programs = sorted({argv[0] for argv in self._commands(target) if argv})
        programs = [p for p in programs if "/" not in p and os.sep not in p]
        found = [Tool(p, _on_path(p), f"Install {p} and put it on PATH.") for p in programs]
        return [*found, *super().tools(target)]

    def run(self, target: Target, destination: str) -> Findings:
        problems, outputs = [], []
        commands = self._commands(target)
        for argv in commands:
            result = spawn(argv, destination, self.timeout(target))
            output = (result.stdout + result.stderr).strip()
            outputs.append(f"$ {shlex.join(argv)}\n{output}")
            if result.returncode != 0:
                # the last line says most; the whole output is the check's output
                last = output.splitlines()[-1].strip()[-TRIM:] if output else ""
                message = f"`{shlex.join(argv)}` exited with {result.returncode}"
                problems.append(CheckProblem(f"{message}: {last}" if last else message))
        return Findings(tuple(problems), "\n".join(outputs), len(commands))


def _on_path(program: str) -> Callable[[], bool]:
    return lambda: shutil.which(program) is not None


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        PyCompile(),
        Parse("yaml", (".yaml", ".yml"), _yaml_all),
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
