"""The result of a run, for people (the CLI draws it) and programs (``--json``)."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.commit import Recovery
from scaffolder.errors import ScaffoldError, ValidationError
from scaffolder.plan import FileStatus, Plan

if TYPE_CHECKING:  # a run without checks never imports them
    from scaffolder.checks import CheckResult

REPORT_VERSION = 1


class Outcome(enum.Enum):
    SUCCEEDED = "succeeded"
    CONFLICTED = "conflicted"
    CHECKS_FAILED = "checks_failed"
    FAILED = "failed"


@dataclass(frozen=True)
class FileReport:
    path: str
    status: FileStatus
    items: tuple[int, ...]
    diff: str | None = None


@dataclass(frozen=True)
class ItemReport:
    index: int
    name: str | None
    blueprint: str
    files: tuple[str, ...]
    phase: str | None = None


@dataclass(frozen=True)
class PhaseRun:
    """What the pipeline tells the report about one phase (or the one blueprint)."""

    name: str | None
    blueprint: str
    items: tuple[int, ...]  # item indexes
    seconds: float


@dataclass(frozen=True)
class BlueprintSummary:
    blueprint: str
    items: int
    counts: Mapping[FileStatus, int]
    phase: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Report:
    outcome: Outcome
    destination: Path
    dry_run: bool
    files: tuple[FileReport, ...] = ()
    items: tuple[ItemReport, ...] = ()
    summaries: tuple[BlueprintSummary, ...] = ()
    recovery: Recovery = field(default_factory=Recovery)
    seconds: float = 0.0
    checks: tuple[CheckResult, ...] = ()
    rolled_back: bool = False  # the checks failed and the run was undone
    # found in folders the run created, but not written by it: kept, with those folders
    kept: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the run left out (a template's tasks, without --trust)
    update: bool = False  # an update (`scaffold update`): its conflicts are merge conflicts
    undone: tuple[str, ...] = ()  # an undo (`scaffold undo`): the runs it reverts, newest first

    @property
    def exit_code(self) -> int:
        return 0 if self.outcome is Outcome.SUCCEEDED else 1

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status is status)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "outcome": self.outcome.value,
            "destination": str(self.destination),
            "dry_run": self.dry_run,
            "recovered": list(self.recovery.rolled_back),
            "counts": {status.value: self.count(status) for status in FileStatus},
            "files": [_file_json(f) for f in self.files],
            "items": [
                {
                    "index": i.index,
                    "phase": i.phase,
                    "name": i.name,
                    "blueprint": i.blueprint,
                    "files": list(i.files),
                }
                for i in self.items
            ],
            "summary": [
                {
                    "phase": s.phase,
                    "blueprint": s.blueprint,
                    "items": s.items,
                    "seconds": round(s.seconds, 6),
                    **{status.value: s.counts.get(status, 0) for status in FileStatus},
                }
                for s in self.summaries
            ],
            "seconds": round(self.seconds, 6),
            "checks": [_check_json(check) for check in self.checks],
            "rolled_back": self.rolled_back,
            "kept": [*self.recovery.kept, *self.kept],
            "notes": list(self.notes),
            "undone": list(self.undone),
        }


def _check_json(check: CheckResult) -> dict[str, Any]:
    return {
        "phase": check.phase,
        "blueprint": check.blueprint,
        "kind": check.kind,
        "check": check.description,
        "status": check.status.value,
        "files": list(check.files),
        "seconds": round(check.seconds, 6),
        "processes": check.processes,
        # a pytest check's counts (collected, passed, failed, ..., ran); null: other kinds
        "tests": check.tests.to_json() if check.tests is not None else None,
        # the Python it ran with; null: it ran inside scaffold, on data (yaml, sqlite, ...)
        "python": check.python.to_json() if check.python is not None else None,
        "problems": [
            {"file": p.file, "line": p.line, "message": p.message} for p in check.problems
        ],
        "output": check.output,
    }


def _file_json(file: FileReport) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": file.path,
        "status": file.status.value,
        "items": list(file.items),
    }
    if file.diff is not None:
        data["diff"] = file.diff
    return data


def build_report(
    phases: Sequence[PhaseRun],
    plan: Plan,
    *,
    dry_run: bool,
    recovery: Recovery,
    seconds: float,
    checks: tuple[CheckResult, ...] = (),
    rolled_back: bool = False,
    kept: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
    update: bool = False,
    undone: tuple[str, ...] = (),
) -> Report:
    """The report of a run whose plan is ``plan`` (``update``: of `scaffold update`;
    ``undone``: of `scaffold undo`, the runs it reverts)."""
    outcome = Outcome.CONFLICTED if plan.conflicts else Outcome.SUCCEEDED
    if any_failed(checks):
        outcome = Outcome.CHECKS_FAILED
    files = tuple(
        FileReport(
            path=p.path.as_posix(),
            status=p.status,
            items=p.file.items,
            diff=p.diff() if dry_run and p.status is not FileStatus.IDENTICAL else None,
        )
        for p in plan.files
    )
    per_item: dict[int, list[str]] = {index: [] for phase in phases for index in phase.items}
    for file in files:
        for index in file.items:
            per_item[index].append(file.path)
    items = []
    summaries = []
    for phase in phases:
        for index in phase.items:
            name = plan.changes.item_names.get(index)
            items.append(
                ItemReport(index, name, phase.blueprint, tuple(per_item[index]), phase.name)
            )
        mine = set(phase.items)
        counts = Counter(f.status for f in files if f.items and f.items[0] in mine)
        summaries.append(
            BlueprintSummary(phase.blueprint, len(phase.items), counts, phase.name, phase.seconds)
        )
    return Report(
        outcome,
        plan.destination,
        dry_run,
        files,
        tuple(items),
        tuple(summaries),
        recovery,
        seconds,
        checks,
        rolled_back,
        kept,
        notes,
        update,
        undone,
    )


def any_failed(checks: Sequence[CheckResult]) -> bool:
    """Whether a check of ``checks`` failed (none ran: no)."""
    if not checks:
        return False
    from scaffolder.checks import CheckStatus

    return any(check.status is CheckStatus.FAILED for check in checks)


def check_report(
    destination: Path, checks: tuple[CheckResult, ...], recovery: Recovery, seconds: float
) -> Report:
    """The report of ``scaffold check``: the checks of the last run, run again."""
    outcome = Outcome.CHECKS_FAILED if any_failed(checks) else Outcome.SUCCEEDED
    return Report(outcome, destination, False, recovery=recovery, seconds=seconds, checks=checks)


def error_json(error: ScaffoldError) -> dict[str, Any]:
    """A report for a run that stopped on an error, in the same schema."""
    data: dict[str, Any] = {
        "version": REPORT_VERSION,
        "outcome": Outcome.FAILED.value,
        "error": {"kind": error.kind, "message": error.message},
    }
    if isinstance(error, ValidationError):
        data["error"]["problems"] = [
            {
                "item": p.item,
                "name": p.item_name,
                "field": p.field,
                "rule": p.rule,
                "message": p.message,
                "line": p.line,
                "source": p.source,
            }
            for p in error.problems
        ]
    from scaffolder.render_errors import RenderError  # only when a run stopped on an error

    if isinstance(error, RenderError):  # each item that failed to render
        data["error"]["failures"] = [failure.to_json() for failure in error.failures]
    return data
