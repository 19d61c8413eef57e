"""scaffolder: decide once, render N times, prove the output, never leave a half-written tree."""

from scaffolder.api import blueprints, check, new, run, test_blueprint
from scaffolder.blueprint import Blueprint, load_blueprint
from scaffolder.catalog import SearchPath, resolve_blueprint
from scaffolder.errors import ScaffoldError, ValidationError
from scaffolder.plan import ConflictPolicy, FileStatus
from scaffolder.report import Outcome, Report

__version__ = "0.1.0"

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
    "load_blueprint",
    "new",
    "resolve_blueprint",
    "run",
    "test_blueprint",
]
