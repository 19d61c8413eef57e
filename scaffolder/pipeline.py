"""The run, stage by stage: the only place that calls the stages in order.

load blueprint -> validate -> render (memory) -> plan -> dry run, or commit -> report
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.blueprint import Blueprint
from scaffolder.commit import FileSystem, commit, recover
from scaffolder.plan import ConflictPolicy, plan
from scaffolder.render import ChangeSet, Renderer
from scaffolder.report import Report, build_report
from scaffolder.variables import validate_item


@dataclass(frozen=True)
class Options:
    """How a run treats its destination."""

    out: Path = Path(".")
    dry_run: bool = False
    on_conflict: ConflictPolicy = ConflictPolicy.FAIL


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
    changes = ChangeSet.merge([(item, Renderer(blueprint).render(item))])
    planned = plan(changes, options.out, options.on_conflict)
    if not options.dry_run and not planned.conflicts:
        commit(planned, fs)
    return build_report(
        blueprint.name,
        planned,
        dry_run=options.dry_run,
        recovery=recovery,
        seconds=time.perf_counter() - started,
    )
