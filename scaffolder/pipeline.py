"""The run, stage by stage: the only place that calls the stages in order.

load blueprints -> validate ALL items -> render ALL (memory, in batches)
-> plan -> dry run, or commit -> report
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.blueprint import Blueprint
from scaffolder.catalog import SearchPath, resolve_blueprint
from scaffolder.commit import FileSystem, Recovery, commit, recover
from scaffolder.errors import Problem, ValidationError
from scaffolder.itemsfile import ItemsFile
from scaffolder.plan import ConflictPolicy, plan
from scaffolder.render import BatchDone, ChangeSet, render_batches
from scaffolder.report import PhaseRun, Report, build_report
from scaffolder.variables import Item, check_raw_item, validate_item


@dataclass(frozen=True)
class Options:
    """How a run treats its destination."""

    out: Path = Path(".")
    dry_run: bool = False
    on_conflict: ConflictPolicy = ConflictPolicy.FAIL
    batch_size: int | None = None  # overrides the items file's batch_size
    jobs: int = 1


def run_one(
    blueprint: Blueprint,
    values: Mapping[str, Any],
    options: Options,
    fs: FileSystem | None = None,
) -> Report:
    """Render ``blueprint`` once with ``values`` into ``options.out``."""
    started = time.perf_counter()
    recovery = recover(options.out, fs)
    item = validate_item(blueprint, values)
    return _render_and_commit([(None, blueprint, [item], 1)], options, recovery, started, fs)


def run_items(
    items_file: ItemsFile,
    options: Options,
    *,
    search: SearchPath | None = None,
    on_batch: Callable[[BatchDone], None] | None = None,
    fs: FileSystem | None = None,
) -> Report:
    """Render every item of every phase of ``items_file``, in one transaction."""
    started = time.perf_counter()
    recovery = recover(options.out, fs)
    blueprints = [resolve_blueprint(phase.blueprint, search) for phase in items_file.phases]
    problems: list[Problem] = []
    phases = []
    index = 0
    for phase, blueprint in zip(items_file.phases, blueprints, strict=True):
        items = []
        for raw in phase.items:
            index += 1
            item, found = check_raw_item(blueprint, raw, index, phase.name)
            problems.extend(found)
            if item is not None:
                items.append(item)
        phases.append((phase.name, blueprint, items, options.batch_size or phase.batch_size))
    if problems:
        raise ValidationError(problems, f"Fix them in {items_file.path} and run again.")
    return _render_and_commit(phases, options, recovery, started, fs, on_batch)


_PhaseInput = tuple[str | None, Blueprint, list[Item], int]


def _render_and_commit(
    phases: list[_PhaseInput],
    options: Options,
    recovery: Recovery,
    started: float,
    fs: FileSystem | None,
    on_batch: Callable[[BatchDone], None] | None = None,
) -> Report:
    runs, rendered = [], []
    for name, blueprint, items, batch_size in phases:
        phase_started = time.perf_counter()
        rendered.extend(render_batches(blueprint, items, batch_size, options.jobs, on_batch))
        seconds = time.perf_counter() - phase_started
        runs.append(PhaseRun(name, blueprint.name, tuple(i.index for i in items), seconds))
    changes = ChangeSet.merge(rendered)
    planned = plan(changes, options.out, options.on_conflict)
    if not options.dry_run and not planned.conflicts:
        commit(planned, fs)
    return build_report(
        runs,
        planned,
        dry_run=options.dry_run,
        recovery=recovery,
        seconds=time.perf_counter() - started,
    )
