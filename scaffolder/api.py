"""The library API: everything the ``scaffold`` command does, callable from Python."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scaffolder.blueprint import Blueprint
from scaffolder.catalog import SearchPath, find_blueprints, resolve_blueprint
from scaffolder.errors import UsageError
from scaffolder.pipeline import Options, run_one
from scaffolder.plan import ConflictPolicy
from scaffolder.report import Report


def new(
    blueprint: str | Path | Blueprint,
    values: Mapping[str, Any] | None = None,
    *,
    out: str | Path = ".",
    dry_run: bool = False,
    on_conflict: ConflictPolicy | str = ConflictPolicy.FAIL,
    search: SearchPath | None = None,
) -> Report:
    """Render one blueprint once.

    >>> report = new("crud-endpoint", {"resource": "users"}, out="service")
    >>> report.exit_code
    0
    """
    if not isinstance(blueprint, Blueprint):
        blueprint = resolve_blueprint(blueprint, search)
    options = Options(out=Path(out), dry_run=dry_run, on_conflict=conflict_policy(on_conflict))
    return run_one(blueprint, dict(values or {}), options)


def blueprints(search: SearchPath | None = None) -> list[Blueprint]:
    """Every blueprint found: built-in, the project's, and those on ``SCAFFOLD_PATH``."""
    return find_blueprints(search)


def conflict_policy(value: ConflictPolicy | str) -> ConflictPolicy:
    if isinstance(value, ConflictPolicy):
        return value
    try:
        return ConflictPolicy(value)
    except ValueError:
        choices = ", ".join(p.value for p in ConflictPolicy)
        raise UsageError(f"--on-conflict {value!r}: choose one of {choices}.") from None
