"""The typed values of the checks stage."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

from scaffolder.checks.interpreter import Interpreter


class CheckStatus(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"


@dataclass(frozen=True)
class CheckProblem:
    """One thing a check found wrong, as precisely as the tool says."""

    message: str
    file: str | None = None
    line: int | None = None

    def describe(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ItemTarget:
    """A check's options as rendered for one item, and the item's files it covers."""

    index: int
    name: str | None
    options: Any
    files: tuple[str, ...]
    label: str = ""  # how messages name the item: ``phase api, item 3 (users)``


@dataclass(frozen=True)
class Target:
    """One declared check of one blueprint in a run, ready to run once over all its files."""

    blueprint: str
    blueprint_root: str
    phase: str | None
    kind: str
    description: str
    items: tuple[ItemTarget, ...]
    files: tuple[str, ...]
    built_in: bool = False  # declared by a built-in blueprint: its commands need no --trust
    # the Python it runs with (import, pytest, command, py_compile); None: it runs inside
    # scaffold on data (yaml, json, toml, jsonschema, markdown, sqlite)
    python: Interpreter | None = None
    jobs: int = 1  # processes it may split its files across (pytest; SCAFFOLD_CHECK_JOBS)


@dataclass(frozen=True)
class PytestCounts:
    """What pytest counted, summed over its processes when a check is split: tests
    collected, and how the ones that ran ended (as pytest's own summary line counts them;
    ``errors`` counts errors in collection, setup and teardown)."""

    collected: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0

    @property
    def ran(self) -> int:
        """Tests that ran to an outcome: passed, failed, xfailed or xpassed."""
        return self.passed + self.failed + self.xfailed + self.xpassed

    def __add__(self, other: PytestCounts) -> PytestCounts:
        return PytestCounts(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self))
        )

    def to_json(self) -> dict[str, int]:
        return {**dataclasses.asdict(self), "ran": self.ran}

    def summary(self) -> str:
        """In a few words: ``24 passed``, ``3 failed of 24``, ``24 collected`` (collected
        only), then what else there was: ``, 1 error, 2 skipped``."""
        if self.failed:
            parts = [f"{self.failed} failed of {self.ran}"]
        elif self.ran:
            parts = [f"{self.passed} passed"]
        else:
            parts = [f"{self.collected} collected"]
        for count, word in (
            (self.errors, "error"),
            (self.skipped, "skipped"),
            (self.xfailed, "xfailed"),
            (self.xpassed, "xpassed"),
        ):
            if count:
                parts.append(f"{count} {word}{'s' if word == 'error' and count != 1 else ''}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Findings:
    """What running a check kind found."""

    problems: tuple[CheckProblem, ...] = ()
    output: str = ""
    processes: int = 0  # processes it started
    tests: PytestCounts | None = None  # a pytest check's counts


@dataclass(frozen=True)
class CheckResult:
    blueprint: str
    phase: str | None
    kind: str
    description: str
    files: tuple[str, ...]
    status: CheckStatus
    seconds: float
    output: str = ""
    problems: tuple[CheckProblem, ...] = ()
    processes: int = 0
    python: Interpreter | None = None  # the Python it ran with; None: inside scaffold, on data
    tests: PytestCounts | None = None  # a pytest check's counts; None: other kinds, not run

    @property
    def summary(self) -> str:
        """The result in a few words, for a row of the checks table: ``passed``, ``failed``,
        ``not run``; a pytest check's counts (``24 passed``, ``3 failed of 24``), with the
        status first when the counts do not say it (``failed: 8 collected``)."""
        status = self.status.value.replace("_", " ")
        if self.tests is None or self.status is CheckStatus.NOT_RUN:
            return status
        tests, counts = self.tests, self.tests.summary()
        if self.status is CheckStatus.FAILED and tests.failed:
            return counts  # "3 failed of 24"
        if self.status is CheckStatus.PASSED and tests.ran and not tests.errors:
            return counts  # "24 passed"
        return f"{status}: {counts}"  # "passed: 24 collected", "failed: 8 collected"


@dataclass(frozen=True)
class Tool:
    """Something a check needs: a Python module its interpreter must be able to import
    (``package`` is what to install), or a program on ``PATH``."""

    name: str
    module: bool = False
    package: str = ""
