"""The ``pytest`` kind: the generated tests are collected (or run, split across the CPUs),
with counts per item and in total."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from scaffolder.checks.base import TRIM, Kind, module_tool
from scaffolder.checks.interpreter import scaffold_python
from scaffolder.checks.model import (
    CheckProblem,
    Findings,
    ItemTarget,
    PytestCounts,
    Target,
    Tool,
)
from scaffolder.checks.processes import Processes
from scaffolder.errors import BlueprintError


class Pytest(Kind):
    """pytest collects the generated tests (``collect_only``, counts checked per item with
    ``min_tests``/``exact``) or runs them (``run: true``), in one process for all files; a
    run of many files is split across ``target.jobs`` processes (:func:`split`), whose
    results add up to what one process finds. Both run the tests' code (collecting imports
    them and their conftest.py): needs --trust unless the blueprint is built in."""

    name = "pytest"
    runs_code = True  # collecting imports conftest.py and the test modules
    uses_python = True
    option_names = Kind.option_names | {"collect_only", "run", "min_tests", "exact"}

    def options(self, raw: Any, where: str) -> dict[str, Any]:
        options = dict(super().options(raw, where))
        for key in ("min_tests", "exact"):
            if key in options:
                try:
                    options[key] = int(options[key])
                except (TypeError, ValueError, OverflowError):
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
        return [module_tool("pytest"), *super().tools(target)]

    def run(self, target: Target, destination: str, processes: Processes) -> Findings:
        if not target.files:  # e.g. a blueprint whose tests are optional, and were left out
            expecting = [i.label or f"item {i.index}" for i in target.items if _expects_tests(i)]
            if not expecting:
                return Findings(output="no test files in this run: nothing to collect")
            message = (
                f"no test files were written, but tests are expected for {', '.join(expecting)}"
            )
            return Findings((CheckProblem(message),))
        run_tests = any(item.options.get("run") for item in target.items)
        python = target.python or scaffold_python()
        argv = [
            python.path,
            "-c",
            _PYTEST_SCRIPT,
            "-q",
            "-p",
            "no:cacheprovider",
            # not scaffold's own fixture (pytest11): generated tests never use it, and an
            # environment may see its entry point without the package
            "-p",
            "no:scaffolder",
            # test ids relative to the destination, even below another project's pytest.ini
            f"--rootdir={Path(destination).resolve()}",
            *(["-rA"] if run_tests else ["--collect-only"]),
            "--",
        ]
        # running tests is what is worth splitting; collecting them is mostly the imports
        # they share, which every process would repeat
        parts = split(target.files, target.jobs if run_tests else 1)
        results = processes.spawn_all(
            [[*argv, *part] for part in parts], destination, self.timeout(target), python
        )
        problems: list[CheckProblem] = []
        outputs: list[str] = []
        counts: PytestCounts | None = PytestCounts()
        for number, (part, result) in enumerate(zip(parts, results, strict=True), start=1):
            printed, found = _counted(result.stdout)
            output = printed + result.stderr
            if result.returncode not in (0, 5):
                problems.extend(_pytest_failures(output, result.returncode, run_tests))
            counts = counts + found if counts is not None and found is not None else None
            if len(parts) > 1:  # which files each process had, then what it said
                output = f"[pytest {number} of {len(parts)}: {_files(part)}]\n{output}"
            outputs.append(output)
        output = "\n".join(outputs)
        collected = Counter(
            _test_file(line) for line in output.splitlines() if _is_test_id(line, run_tests)
        )
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
        return Findings(tuple(problems), output, len(parts), counts)


# pytest collects each file named on its command line by walking to it from the root again,
# so that N files cost N x N collector nodes (minutes for a few thousand). The script names
# the destination once and prunes the walk to the run's files, which it collects whether or
# not their names match `python_files`, as pytest does with files it is given.
# It ends by printing what pytest counted (_COUNTS and JSON) on the real stdout.
_PYTEST_SCRIPT = """\
import json, os, sys
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
    collected = 0
    stats = {}

    def pytest_collectreport(self, report):
        if report.passed:
            self.collected += sum(isinstance(node, pytest.Item) for node in report.result)

    def pytest_terminal_summary(self, terminalreporter):
        self.stats = {key: len(reports) for key, reports in terminalreporter.stats.items()}

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


plugin = TheRunsFiles()
code = pytest.main([*sys.argv[1:split], root], plugins=[plugin])
sys.stdout.flush()
counts = {key: plugin.stats.get(key, 0) for key in ("passed", "failed", "skipped", "xfailed")}
counts.update(collected=plugin.collected, errors=plugin.stats.get("error", 0))
counts.update(xpassed=plugin.stats.get("xpassed", 0))
sys.__stdout__.write("\\n--scaffold-pytest-counts--" + json.dumps(counts) + "\\n")
sys.exit(code)
"""
_COUNTS = "\n--scaffold-pytest-counts--"
MIN_FILES = 4  # test files a process gets at least: fewer are not worth its start-up


def split(files: Sequence[str], jobs: int) -> list[tuple[str, ...]]:
    """``files`` in up to ``jobs`` consecutive parts of (nearly) equal size, one per pytest
    process, each of at least :data:`MIN_FILES` files; a single part when that is all it
    takes. Consecutive: each process has whole folders where it can, as they come."""
    count = max(1, min(jobs, len(files) // MIN_FILES))
    return [
        tuple(files[len(files) * part // count : len(files) * (part + 1) // count])
        for part in range(count)
    ]


def _counted(stdout: str) -> tuple[str, PytestCounts | None]:
    """What pytest printed, without the script's counts line; and those counts (None if
    the process ended before pytest did: stopped, timed out)."""
    printed, marker, text = stdout.rpartition(_COUNTS)
    if not marker:
        return stdout, None
    try:
        found = json.loads(text)
        return printed, PytestCounts(**{f: int(found[f]) for f in _COUNT_FIELDS})
    except (ValueError, TypeError, KeyError):
        return stdout, None


_COUNT_FIELDS = tuple(field.name for field in dataclasses.fields(PytestCounts))


def _files(part: Sequence[str]) -> str:
    return part[0] if len(part) == 1 else f"{len(part)} files, {part[0]} to {part[-1]}"


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
