"""Stage 6: ground-truth checks — prove that what was written is correct.

:func:`prepare` runs before anything is written: it renders each declared
check's options for every item, picks the files each check covers, refuses
commands from untrusted blueprints, and looks up every tool a check needs (the
tool guard). :func:`run` runs after the files are written: each declared check
once over all its files, the checks of one phase in parallel, phase by phase —
a phase whose checks fail stops the ones after it. Interrupted (Ctrl-C, SIGTERM),
it stops every process its checks started, at once, and re-raises.

Trust: the kinds that run code of the blueprint's (``import``, ``pytest``,
``command``) need ``trust=True`` (``--trust``) for a blueprint that is not built
in, unless the user's settings file lists it under ``trust:``.

Python: the kinds that start Python (``import``, ``pytest``, ``command``, and ``py_compile``,
which compiles with it) use the interpreter :func:`prepare` is given, the destination
project's as :func:`find_python` finds it; each result names the one it ran with.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffolder.blueprint import Blueprint, Check, Origin
from scaffolder.checks.base import described_together
from scaffolder.checks.guards import ToolMissingError, UntrustedError, guard_tools, guard_trust
from scaffolder.checks.interpreter import (
    Found,
    Interpreter,
    InterpreterError,
    find_python,
    scaffold_python,
)
from scaffolder.checks.kinds import KINDS
from scaffolder.checks.model import (
    CheckProblem,
    CheckResult,
    CheckStatus,
    Findings,
    ItemTarget,
    Target,
)
from scaffolder.checks.processes import Processes, jobs
from scaffolder.errors import BlueprintError
from scaffolder.render import Renderer
from scaffolder.settings import TrustedSource
from scaffolder.variables import Item

__all__ = [
    "CheckResult",
    "CheckStatus",
    "Found",
    "Interpreter",
    "InterpreterError",
    "PhaseChecks",
    "Target",
    "ToolMissingError",
    "TrustedSource",
    "UntrustedError",
    "find_python",
    "prepare",
    "run",
]


@dataclass(frozen=True)
class PhaseChecks:
    """The checks of one blueprint's items in a run (a phase of a plan, or the only one)."""

    name: str | None
    blueprint: Blueprint
    items: tuple[Item, ...]
    files: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # item index -> files


def prepare(
    phases: Sequence[PhaseChecks],
    *,
    trust: bool = False,
    trusted: Iterable[TrustedSource | str] | None = None,
    python: Interpreter | None = None,
) -> tuple[Target, ...]:
    """Every check of every phase, ready to run; raises before anything is written.

    ``trust`` lets every blueprint's checks run its code; ``trusted`` lists the blueprint
    folders that may (entries as in the settings file's ``trust:``); ``None`` reads them
    from the user's settings file, only if an untrusted check needs them. ``python`` is the
    interpreter the checks that start Python use (:func:`find_python`; default: scaffold's
    own); the tool guard asks it for the modules they require.
    """
    python = python or scaffold_python()
    targets = []
    for phase in phases:
        if not phase.blueprint.checks or not phase.items:
            continue
        renderer = Renderer(phase.blueprint)
        contexts = {item.index: renderer.context(item) for item in phase.items}
        for check in phase.blueprint.checks:
            targets.append(_target(phase, check, renderer, contexts, python))
    guard_trust(targets, trust, trusted)
    guard_tools(targets)
    return tuple(targets)


OnCheck = Callable[[Target, "CheckResult | None"], None]  # a check starts (None), or ends


def run(
    targets: Sequence[Target], *, destination: str, on_check: OnCheck | None = None
) -> tuple[CheckResult, ...]:
    """Run the checks, phase by phase; a failing phase stops the phases after it.
    ``on_check`` is told as each check starts and ends, from the thread that runs it.

    Every check of a phase starts at once: a phase has a handful of checks, each running
    in-process or waiting on its own process.
    """
    results: list[CheckResult] = []
    failed_phase: str | None = None
    processes = Processes()
    for phase, group in _by_phase(targets):
        if failed_phase is not None:
            results.extend(_not_run(target, failed_phase) for target in group)
            continue
        found = _run_phase(group, destination, processes, on_check)
        results.extend(found)
        if any(result.status is CheckStatus.FAILED for result in found):
            failed_phase = phase or "the run"
    return tuple(results)


def _run_phase(
    group: Sequence[Target], destination: str, processes: Processes, on_check: OnCheck | None
) -> list[CheckResult]:
    """The checks of one phase, at once. Interrupted while they run (KeyboardInterrupt, which
    is also how SIGTERM arrives), it stops every process group they started, at once, and
    re-raises without waiting for the checks to end."""
    pool = ThreadPoolExecutor(max_workers=len(group), thread_name_prefix="scaffold-check")
    try:
        futures = [
            pool.submit(_run_told, target, destination, processes, on_check) for target in group
        ]
        found = [future.result() for future in futures]
    except BaseException:
        processes.stop_all()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return found


def _run_told(
    target: Target, destination: str, processes: Processes, on_check: OnCheck | None
) -> CheckResult:
    """:func:`_run_one`, telling ``on_check`` (a progress bar) as it starts and ends."""
    if on_check is not None:
        on_check(target, None)
    result = _run_one(target, destination, processes)
    if on_check is not None:
        on_check(target, result)
    return result


def _run_one(target: Target, destination: str, processes: Processes) -> CheckResult:
    started = time.perf_counter()
    # `scaffold check` runs on files that may have gone since the run that wrote them
    missing = [f for f in target.files if not (Path(destination) / f).is_file()]
    gone = tuple(CheckProblem("the file is missing", f) for f in missing)
    try:
        if missing and len(missing) == len(target.files):
            outcome = Findings()  # nothing left to check
        else:
            outcome = KINDS[target.kind].run(_without(target, missing), destination, processes)
    except OSError as exc:  # unreadable files, a tool that cannot start
        outcome = Findings((CheckProblem(f"{exc.strerror or exc}", exc.filename),), str(exc))
    problems = gone + outcome.problems
    return _result(
        target,
        CheckStatus.FAILED if problems else CheckStatus.PASSED,
        seconds=time.perf_counter() - started,
        output=outcome.output,
        problems=problems,
        processes=outcome.processes,
        tests=outcome.tests,
    )


def _without(target: Target, missing: Sequence[str]) -> Target:
    if not missing:
        return target
    gone = set(missing)
    items = tuple(
        dataclasses.replace(item, files=tuple(f for f in item.files if f not in gone))
        for item in target.items
    )
    files = tuple(f for f in target.files if f not in gone)
    return dataclasses.replace(target, items=items, files=files)


def _not_run(target: Target, failed_phase: str) -> CheckResult:
    output = f"not run: the checks of phase {failed_phase} failed first"
    return _result(target, CheckStatus.NOT_RUN, output=output)


def _result(target: Target, status: CheckStatus, **found: Any) -> CheckResult:
    return CheckResult(
        blueprint=target.blueprint,
        phase=target.phase,
        kind=target.kind,
        description=target.description,
        files=target.files,
        status=status,
        seconds=found.pop("seconds", 0.0),
        python=target.python,
        **found,
    )


def _by_phase(targets: Iterable[Target]) -> list[tuple[str | None, list[Target]]]:
    groups: list[tuple[str | None, list[Target]]] = []
    for target in targets:
        if (
            not groups
            or groups[-1][0] != target.phase
            or groups[-1][1][0].blueprint != target.blueprint
        ):
            groups.append((target.phase, []))
        groups[-1][1].append(target)
    return groups


def _target(
    phase: PhaseChecks,
    check: Check,
    renderer: Renderer,
    contexts: Mapping[int, dict[str, Any]],
    python: Interpreter,
) -> Target:
    kind = KINDS.get(check.kind)
    where = f"{phase.blueprint.root / 'blueprint.yaml'}: checks: {check.kind}"
    if kind is None:
        raise BlueprintError(f"{where}: unknown check kind. Known: {', '.join(sorted(KINDS))}.")
    items = []
    described: list[str] = []  # as each item renders it
    for item in phase.items:
        files = phase.files.get(item.index, ())
        context = contexts[item.index]
        rendered = _render(check.options, renderer, _with(context, files), where)
        options = kind.options(rendered, where)
        selected = tuple(f for f in files if kind.applies(f, options))
        if selected != files:  # `{{ files }}` is the files the check covers, not every file
            rendered = _render(check.options, renderer, _with(context, selected), where)
            options = kind.options(rendered, where)
        options = kind.prepare(options, phase.blueprint.root, where)
        items.append(ItemTarget(item.index, item.name, options, selected, item.label))
        described.append(Check(check.kind, rendered).describe())
    covered = tuple(sorted({f for item in items for f in item.files}))
    # as rendered (items that render it differently, listed), unless it lists the files
    files_listed = bool(_LISTS_FILES.search(str(check.options)))
    return Target(
        blueprint=phase.blueprint.name,
        blueprint_root=str(phase.blueprint.root),
        phase=phase.name,
        kind=check.kind,
        description=check.describe() if files_listed else described_together(described),
        items=tuple(items),
        files=covered,
        built_in=phase.blueprint.origin is Origin.BUILT_IN,
        python=python if kind.uses_python else None,
        jobs=jobs(),  # SCAFFOLD_CHECK_JOBS, read before anything is written
    )


_LISTS_FILES = re.compile(r"\{[{%][^}]*\bfiles\b")  # `{{ files }}` in an option


def _with(context: dict[str, Any], files: Sequence[str]) -> dict[str, Any]:
    return {**context, "files": " ".join(shlex.quote(f) for f in files)}


def _render(options: Any, renderer: Renderer, context: dict[str, Any], where: str) -> Any:
    """Render every string in the options with the item's values."""
    if isinstance(options, str):
        if "{{" not in options and "{%" not in options:
            return options
        try:
            return renderer.env.from_string(options).render(context)
        except Exception as exc:  # an error in the template of a check's option
            raise BlueprintError(f"{where}: option {options!r} cannot be rendered: {exc}.") from exc
    if isinstance(options, list):
        return [_render(value, renderer, context, where) for value in options]
    if isinstance(options, dict):
        return {key: _render(value, renderer, context, where) for key, value in options.items()}
    return options
