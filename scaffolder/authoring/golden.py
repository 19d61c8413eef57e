"""Golden outputs: each example's rendered files, recorded once and compared on later runs.

``scaffold blueprint test --update-golden`` renders every example (as ``blueprint test``
does: into a fresh folder, checks and all) and records the files each one wrote in
``<blueprint>/golden/example-<n>/``. From then on ``scaffold blueprint test`` compares each
example's output with its folder: a file added, missing or different fails the example, with
a unified diff. An example whose checks fail is not recorded. The golden folder is replaced
whole: the new one is written beside it, then renamed into place.
"""

from __future__ import annotations

import difflib
import enum
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.api import test_blueprint
from scaffolder.blueprint import Blueprint
from scaffolder.catalog import SearchPath, resolve_blueprint
from scaffolder.checks.guards import ToolMissingError
from scaffolder.errors import BlueprintError
from scaffolder.plan import FileStatus
from scaffolder.report import Report

GOLDEN_DIR = "golden"
_NO_CHECK = "Install it, or run with --no-check to skip the checks."
_WRITTEN = frozenset(
    {FileStatus.CREATE, FileStatus.OVERWRITE, FileStatus.IDENTICAL, FileStatus.INJECT}
)
_DIFF_LINES = 200  # of one file's diff, at most


class Difference(enum.Enum):
    ADDED = "added"  # rendered now, not in the golden folder
    MISSING = "missing"  # in the golden folder, not rendered now
    CHANGED = "changed"


@dataclass(frozen=True)
class FileDifference:
    path: str
    difference: Difference
    diff: str = ""  # a unified diff (changed text files)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "difference": self.difference.value, "diff": self.diff}


class GoldenStatus(enum.Enum):
    MATCHED = "matched"
    DIFFERENT = "different"
    NOT_RECORDED = "not_recorded"  # no folder for this example yet
    RECORDED = "recorded"  # --update-golden wrote it
    NOT_RUN = "not_run"  # the example failed: nothing to compare or record


@dataclass(frozen=True)
class GoldenResult:
    """One example's output held against its golden folder."""

    example: int
    folder: Path
    status: GoldenStatus
    differences: tuple[FileDifference, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in (GoldenStatus.MATCHED, GoldenStatus.RECORDED)

    def to_json(self) -> dict[str, Any]:
        return {
            "example": self.example,
            "folder": str(self.folder),
            "status": self.status.value,
            "differences": [d.to_json() for d in self.differences],
        }


@dataclass(frozen=True)
class GoldenRun:
    """``blueprint test`` with golden outputs: each example's report and its comparison
    (none when the blueprint has no golden folder and none was recorded)."""

    reports: tuple[Report, ...]
    golden: tuple[GoldenResult, ...]
    folder: Path
    stale: tuple[str, ...] = ()  # golden folders of examples that are gone

    @property
    def failed(self) -> list[int]:
        """The examples (1-based) whose checks or comparison failed."""
        bad = {n for n, r in enumerate(self.reports, start=1) if r.exit_code}
        bad.update(g.example for g in self.golden if not g.ok)
        return sorted(bad)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.stale else 0


def example_folder(golden: Path, number: int) -> Path:
    return golden / f"example-{number}"


def golden_folder(blueprint: Blueprint, folder: str | Path | None = None) -> Path:
    """Where a blueprint's golden outputs are: ``folder``, else ``<blueprint>/golden``."""
    return Path(folder) if folder is not None else blueprint.root / GOLDEN_DIR


def golden_test(
    blueprint: str | Path | Blueprint,
    *,
    update: bool = False,
    golden: str | Path | None = None,
    search: SearchPath | None = None,
    keep: str | Path | None = None,
    trust: bool = False,
    vcs_ref: str | None = None,
    python: str | Path | None = None,
) -> GoldenRun:
    """Test a blueprint's examples (:func:`scaffolder.api.test_blueprint`), then record
    (``update``) or compare their outputs with the golden folder (``golden``; default
    ``<blueprint>/golden``). Without ``update`` and without a golden folder, no comparison."""
    if not isinstance(blueprint, Blueprint):
        blueprint = resolve_blueprint(blueprint, search, vcs_ref)
    folder = golden_folder(blueprint, golden)
    if update and golden is None:
        _may_record_inside(blueprint, folder)
    compare = not update and folder.is_dir()
    outputs: dict[int, dict[str, bytes] | None] = {}

    def read(number: int, report: Report) -> None:
        outputs[number] = rendered_files(report) if report.exit_code == 0 else None

    try:
        reports = test_blueprint(blueprint, keep=keep, trust=trust, python=python, on_example=read)
    except ToolMissingError as exc:
        # `blueprint test` has no --no-check: it is there to run the checks
        raise reworded(exc, "Install it, or give --python an environment that has it.") from exc
    if update:
        results = record(folder, outputs)
        return GoldenRun(tuple(reports), results, folder)
    if not compare:
        return GoldenRun(tuple(reports), (), folder)
    results = tuple(_compare_example(folder, number, files) for number, files in outputs.items())
    stale = tuple(
        sorted(
            p.name
            for p in folder.iterdir()
            if p.is_dir() and p.name not in {f"example-{n}" for n in outputs}
        )
    )
    return GoldenRun(tuple(reports), results, folder, stale)


def reworded(error: ToolMissingError, advice: str) -> ToolMissingError:
    """A missing tool's error with ``advice`` for the ``--no-check`` that ``scaffold new``
    offers and this caller lacks."""
    return ToolMissingError(error.message.replace(_NO_CHECK, advice))


def _may_record_inside(blueprint: Blueprint, folder: Path) -> None:
    """Refuse a default golden folder that would not work: in a git source's temporary
    checkout, or among the files a Copier template renders."""
    from scaffolder.sources.git import GitBlueprint

    if isinstance(blueprint, GitBlueprint):
        raise BlueprintError(
            f"{blueprint.location}: a git source is read from a temporary checkout, so "
            "golden outputs cannot be recorded in it. Give --golden DIR, a folder of yours."
        )
    templates = blueprint.template_dir.resolve()
    if blueprint.kind == "copier" and templates in (folder.resolve(), *folder.resolve().parents):
        raise BlueprintError(
            f"{folder}: Copier would render the golden outputs as part of the template "
            f"{blueprint.root}. Give --golden DIR outside {templates}, or move the "
            "template's files into a `_subdirectory`."
        )


def rendered_files(report: Report) -> dict[str, bytes]:
    """What a run wrote (its files as they are now in its destination), by path."""
    files = {}
    for file in report.files:
        if file.status in _WRITTEN and not file.path.startswith(".scaffold/"):
            path = report.destination / file.path
            if path.is_file() and not path.is_symlink():
                files[file.path] = path.read_bytes()
    return files


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by path relative to it."""
    files = {}
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath) / name
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def compare(
    expected: Mapping[str, bytes], actual: Mapping[str, bytes], label: str = GOLDEN_DIR
) -> tuple[FileDifference, ...]:
    """Every file added, missing or changed, by path; a changed text file with its diff
    (``label``: how the diff names the expected side's folder)."""
    found = []
    for path in sorted(expected.keys() | actual.keys()):
        if path not in expected:
            found.append(FileDifference(path, Difference.ADDED))
        elif path not in actual:
            found.append(FileDifference(path, Difference.MISSING))
        elif expected[path] != actual[path]:
            found.append(
                FileDifference(path, Difference.CHANGED, _diff(path, expected, actual, label))
            )
    return tuple(found)


def _diff(path: str, expected: Mapping[str, bytes], actual: Mapping[str, bytes], label: str) -> str:
    try:
        before = expected[path].decode("utf-8").splitlines(keepends=True)
        after = actual[path].decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"Binary files {label}/{path} and {path} differ\n"
    lines = list(difflib.unified_diff(before, after, f"{label}/{path}", path))
    if len(lines) > _DIFF_LINES:
        lines = [*lines[:_DIFF_LINES], f"… ({len(lines) - _DIFF_LINES} more lines)\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _compare_example(folder: Path, number: int, files: dict[str, bytes] | None) -> GoldenResult:
    where = example_folder(folder, number)
    if files is None:
        return GoldenResult(number, where, GoldenStatus.NOT_RUN)
    if not where.is_dir():
        return GoldenResult(number, where, GoldenStatus.NOT_RECORDED)
    differences = compare(read_tree(where), files, f"{GOLDEN_DIR}/{where.name}")
    status = GoldenStatus.DIFFERENT if differences else GoldenStatus.MATCHED
    return GoldenResult(number, where, status, differences)


def record(
    folder: Path, outputs: Mapping[int, dict[str, bytes] | None]
) -> tuple[GoldenResult, ...]:
    """Write each example's files into ``folder/example-<n>``, replacing the folder whole.
    A failed example (None) keeps what was recorded for it before."""
    staging = folder.parent / f".{folder.name}.{secrets.token_hex(4)}.tmp"
    old = folder.parent / f".{folder.name}.{secrets.token_hex(4)}.old"
    results = []
    try:
        staging.mkdir(parents=True)
        for number, files in outputs.items():
            target = example_folder(staging, number)
            if files is None:
                previous = example_folder(folder, number)
                if previous.is_dir():
                    shutil.copytree(previous, target, symlinks=True)
                results.append(
                    GoldenResult(number, example_folder(folder, number), GoldenStatus.NOT_RUN)
                )
                continue
            target.mkdir()
            _write(target, files)
            results.append(
                GoldenResult(number, example_folder(folder, number), GoldenStatus.RECORDED)
            )
        if folder.exists():
            os.rename(folder, old)
        os.rename(staging, folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not folder.exists():
            os.rename(old, folder)
        raise BlueprintError(
            f"{folder}: the golden outputs cannot be written: {exc.strerror}. Nothing changed."
        ) from exc
    shutil.rmtree(old, ignore_errors=True)
    return tuple(results)


def _write(target: Path, files: Mapping[str, bytes]) -> None:
    for relative, content in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
