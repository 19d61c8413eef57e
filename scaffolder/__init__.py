"""scaffolder: decide once, render N times, prove the output, never leave a half-written tree.

The names below are imported when first used (PEP 562), so that ``import scaffolder`` (and
``scaffold --help``) does not load the renderer, the checks and jsonschema.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffolder.api import (
        blueprints,
        check,
        inline_items,
        new,
        run,
        test_blueprint,
        undo,
        update,
    )
    from scaffolder.blueprint import Blueprint, load_blueprint
    from scaffolder.catalog import SearchPath, resolve_blueprint
    from scaffolder.errors import ScaffoldError, ValidationError
    from scaffolder.plan import ConflictPolicy, FileStatus
    from scaffolder.report import Outcome, Report

__version__ = "0.1.0"

# each name of the library API, and the module it comes from
_SOURCES = {
    "Blueprint": "scaffolder.blueprint",
    "ConflictPolicy": "scaffolder.plan",
    "FileStatus": "scaffolder.plan",
    "Outcome": "scaffolder.report",
    "Report": "scaffolder.report",
    "ScaffoldError": "scaffolder.errors",
    "SearchPath": "scaffolder.catalog",
    "ValidationError": "scaffolder.errors",
    "blueprints": "scaffolder.api",
    "check": "scaffolder.api",
    "inline_items": "scaffolder.api",
    "load_blueprint": "scaffolder.blueprint",
    "new": "scaffolder.api",
    "resolve_blueprint": "scaffolder.catalog",
    "run": "scaffolder.api",
    "test_blueprint": "scaffolder.api",
    "undo": "scaffolder.api",
    "update": "scaffolder.api",
}

__all__ = [
    "Blueprint",
    "ConflictPolicy",
    "FileStatus",
    "Outcome",
    "Report",
    "ScaffoldError",
    "SearchPath",
    "ValidationError",
    "blueprints",
    "check",
    "inline_items",
    "load_blueprint",
    "new",
    "resolve_blueprint",
    "run",
    "test_blueprint",
    "undo",
    "update",
]


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'scaffolder' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
