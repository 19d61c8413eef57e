"""The run, stage by stage: the only place that calls the stages in order.

load blueprints -> validate ALL items -> render ALL (memory, in batches)
-> plan (+ check guards) -> dry run, or write -> checks -> commit or roll back -> report
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from scaffolder.batches import BatchDone, render_batches
from scaffolder.blueprint import Blueprint
from scaffolder.catalog import SearchPath, resolve_blueprint
from scaffolder.changes import ChangeSet
from scaffolder.commit import (
    FileSystem,
    Holder,
    Recovery,
    hold,
    holder,
    is_held,
    pending,
    recover,
    write,
)
from scaffolder.errors import Problem, ScaffoldError, ValidationError
from scaffolder.history import (
    History,
    RunItem,
    plan_undo,
    read_history,
    reversal,
    with_history,
)
from scaffolder.itemsfile import ItemsFile, Phase
from scaffolder.paths import RESERVED
from scaffolder.plan import ConflictPolicy, FileStatus, plan, with_records
from scaffolder.progress import OnProgress, Stage, StageProgress
from scaffolder.record import read_record, record_file
from scaffolder.render_errors import RenderError
from scaffolder.report import PhaseRun, Report, any_failed, build_report, check_report
from scaffolder.variables import Item, check_raw_item, validate_item

if TYPE_CHECKING:  # the checks are imported only by a run that checks
    from scaffolder.checks import CheckResult, Target


@dataclass(frozen=True)
class Options:
    """How a run treats its destination."""

    out: Path = Path(".")
    dry_run: bool = False
    on_conflict: ConflictPolicy = ConflictPolicy.FAIL
    batch_size: int | None = None  # overrides the items file's batch_size
    jobs: int = 1
    check: bool = True  # run the blueprints' checks
    keep_failed: bool = False  # keep the files when a check fails
    trust: bool = False  # allow checks that run code from blueprints not built in
    python: Path | None = None  # --python: the checks' interpreter (default: the project's)
    wait: bool = True  # wait for another run that holds the destination, rather than fail
    on_wait: Callable[[Holder], None] | None = None  # told once, when a run has to wait
    # told how far rendering, writing and the checks have got (scaffolder.progress)
    progress: OnProgress | None = None


def run_one(
    blueprint: Blueprint,
    values: Mapping[str, Any],
    options: Options,
    fs: FileSystem | None = None,
) -> Report:
    """Render ``blueprint`` once with ``values`` into ``options.out``."""
    started = time.perf_counter()
    with exclusive(options, fs) as recovery:
        item = validate_item(blueprint, values)
        return _render_and_commit(
            [(None, blueprint, [item], 1, None)], options, recovery, started, fs
        )


def run_items(
    items_file: ItemsFile,
    options: Options,
    *,
    search: SearchPath | None = None,
    on_batch: Callable[[BatchDone], None] | None = None,
    fs: FileSystem | None = None,
    vcs_ref: str | None = None,
) -> Report:
    """Render every item of every phase of ``items_file``, in one transaction. ``vcs_ref``
    (--vcs-ref) wins over the file's ``vcs_ref:``; a git source is checked out once."""
    started = time.perf_counter()
    with exclusive(options, fs) as recovery:
        blueprints = [
            _with_checks(
                resolve_blueprint(
                    phase.blueprint, search, vcs_ref or phase.vcs_ref, cited=phase.cite
                ),
                phase,
            )
            for phase in items_file.phases
        ]
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
            size = options.batch_size or phase.batch_size
            phases.append((phase.name, blueprint, items, size, phase.dest))
        if problems:  # where they are: the items file, a CSV file it names, items as data
            where = sorted({p.source for p in problems if p.source}) or [str(items_file.path)]
            raise ValidationError(problems, f"Fix them in {' and '.join(where)} and run again.")
        try:
            return _render_and_commit(phases, options, recovery, started, fs, on_batch)
        except RenderError as error:  # each failing item's line in the items file
            raise error.in_items([r for p in items_file.phases for r in p.items]) from error


def _with_checks(blueprint: Blueprint, phase: Phase) -> Blueprint:
    """The blueprint with the checks the items file adds for its phase (any kind of source:
    a template that declares none gets its ground truth here)."""
    if not phase.checks:
        return blueprint
    return dataclasses.replace(blueprint, checks=(*blueprint.checks, *phase.checks))


@contextlib.contextmanager
def exclusive(options: Options, fs: FileSystem | None = None) -> Iterator[Recovery]:
    """Hold the destination's lock for the whole run, and undo an interrupted run first. A
    dry run, which writes nothing, takes no lock and only refuses to read a tree that an
    interrupted (or running) run has half written."""
    if options.dry_run:
        journals = pending(options.out)
        if journals and is_held(options.out):
            raise ScaffoldError(
                f"{options.out}: {holder(options.out).describe()} is writing to this folder "
                "right now. Run the dry run again when it has ended."
            )
        if journals:
            raise ScaffoldError(
                f"{options.out}: an interrupted run left its journal in {RESERVED}/. A dry "
                "run writes nothing, so it cannot restore the files that run changed. Run "
                "once without --dry-run: every run restores them before it does anything else."
            )
        yield Recovery()
        return
    with hold(options.out, wait=options.wait, on_wait=options.on_wait):
        yield recover(options.out, fs)


_PhaseInput = tuple[str | None, Blueprint, list[Item], int, str | None]  # ..., batch size, dest


def _render_and_commit(
    phases: list[_PhaseInput],
    options: Options,
    recovery: Recovery,
    started: float,
    fs: FileSystem | None,
    on_batch: Callable[[BatchDone], None] | None = None,
) -> Report:
    runs, rendered = [], []
    skipped: list[str] = []
    counted: set[PurePosixPath] = set()  # the paths rendered: progress counts each once
    for name, blueprint, items, batch_size, dest in phases:
        phase_started = time.perf_counter()

        def note(task: str, bp: Blueprint = blueprint) -> None:
            skipped.append(f"{bp.name}: not run without --trust: {task}")

        label = f"{name}: {blueprint.name}" if name else blueprint.name  # of its progress
        rendered.extend(
            render_batches(
                blueprint,
                items,
                batch_size,
                options.jobs,
                _rendering(on_batch, options.progress, label, len(items)),
                folder_name=Path(options.out).resolve().name,
                dest=dest,
                trust=options.trust,
                on_skipped=note,
                counted=counted,
            )
        )
        seconds = time.perf_counter() - phase_started
        runs.append(PhaseRun(name, blueprint.name, tuple(i.index for i in items), seconds))
    changes = ChangeSet.merge(rendered)
    planned = plan(changes, options.out, options.on_conflict)
    # what the checks cover, now and in `scaffold check`: not the files kept as they were
    covered = files_by_item(
        changes, skipped={f.path for f in planned.files if f.status is FileStatus.SKIP}
    )
    record = record_file(
        [(name, bp, items) for name, bp, items, _, _ in phases],
        covered,
        [dest for *_, dest in phases],
    )
    planned = with_records(planned, (record,))
    targets: tuple[Target, ...] = ()
    if options.check:  # before anything is written: trust and tool guards
        from scaffolder.checks import PhaseChecks, find_python
        from scaffolder.checks import prepare as prepare_checks

        targets = prepare_checks(
            [PhaseChecks(name, bp, tuple(items), covered) for name, bp, items, _, _ in phases],
            trust=options.trust,
            python=find_python(options.out, options.python),
        )

    def report(
        checks: tuple[CheckResult, ...] = (), rolled_back: bool = False, kept: tuple[str, ...] = ()
    ) -> Report:
        seconds = time.perf_counter() - started
        return build_report(
            runs,
            planned,
            dry_run=options.dry_run,
            recovery=recovery,
            seconds=seconds,
            checks=checks,
            rolled_back=rolled_back,
            kept=kept,
            notes=tuple(skipped),
        )

    if options.dry_run or planned.conflicts:
        return report()
    named = [RunItem(i.index, i.name, bp.name, name) for name, bp, its, _, _ in phases for i in its]
    planned = with_history(planned, named)
    transaction = write(planned, fs, progress=options.progress)
    try:
        results = checked(targets, str(options.out), options.progress)
    except BaseException:
        transaction.roll_back()
        raise
    if any_failed(results) and not options.keep_failed:
        rollback = transaction.roll_back()
        return report(results, rolled_back=True, kept=rollback.kept)
    transaction.finish()
    return report(results)


def check_last_run(destination: Path, options: Options) -> Report:
    """Run the checks of the last run in ``destination`` again, from its record."""
    from scaffolder.checks import PhaseChecks, find_python
    from scaffolder.checks import prepare as prepare_checks
    from scaffolder.native_update import recorded_blueprint

    started = time.perf_counter()
    with exclusive(dataclasses.replace(options, out=destination)) as recovery:
        phases = []
        for recorded in read_record(destination):
            # from git: the same commit of the same repository
            blueprint = recorded_blueprint(recorded, same_commit=True)
            phases.append(PhaseChecks(recorded.name, blueprint, recorded.items, recorded.files))
        python = find_python(destination, options.python)
        targets = prepare_checks(phases, trust=options.trust, python=python)
        results = checked(targets, str(destination), options.progress)
        return check_report(destination, results, recovery, time.perf_counter() - started)


def run_undo(
    destination: Path,
    options: Options,
    run_id: str | None = None,
    *,
    force: bool = False,
    fs: FileSystem | None = None,
) -> Report:
    """Revert the newest run in ``destination`` (with ``run_id``: that run and every newer
    one) from its history: a plan (files it created deleted, files it changed or deleted
    given their old bytes and modes) committed like any run. A file changed since is a
    conflict, unless ``force``."""
    started = time.perf_counter()
    with exclusive(dataclasses.replace(options, out=destination), fs) as recovery:
        undo = reversal(destination, run_id)
        policy = ConflictPolicy.OVERWRITE if force else ConflictPolicy.FAIL
        undoing = plan_undo(destination, undo, policy)
        planned, notes = undoing.plan, undoing.notes
        if not options.dry_run and not planned.conflicts:  # modes exactly, not by the umask
            write(planned, fs, progress=options.progress, exact_modes=True).finish()
        return build_report(
            (), planned, dry_run=options.dry_run, recovery=recovery, notes=notes,
            seconds=time.perf_counter() - started, undone=tuple(r.id for r in undo.runs),
        )  # fmt: skip


def list_history(destination: Path, options: Options) -> History:
    """The runs recorded in ``destination`` (after recovering an interrupted one)."""
    with exclusive(dataclasses.replace(options, out=destination)) as recovery:
        return History(destination, read_history(destination), recovery)


def files_by_item(
    changes: ChangeSet, skipped: set[PurePosixPath] | None = None
) -> dict[int, tuple[str, ...]]:
    files: dict[int, list[str]] = {index: [] for index in changes.item_names}
    for rendered in changes.files:
        if (skipped and rendered.path in skipped) or rendered.link is not None or rendered.folder:
            continue  # kept as it was; and checks look at files, not at links or folders
        for index in rendered.items:
            files[index].append(rendered.path.as_posix())
    for patch in changes.patches:  # the files an item injects into are its files too
        path = patch.path.as_posix()
        for index in patch.items:
            if path not in files[index] and not (skipped and patch.path in skipped):
                files[index].append(path)
    return {index: tuple(paths) for index, paths in files.items()}


def _rendering(
    on_batch: Callable[[BatchDone], None] | None,
    progress: OnProgress | None,
    label: str,
    total: int,
) -> Callable[[BatchDone], None] | None:
    """What :func:`render_batches` tells after each batch: ``on_batch``, and ``progress`` as
    items rendered of ``total`` (told once first, with none rendered)."""
    if progress is None:
        return on_batch
    progress(StageProgress(Stage.RENDERING, 0, total, label))

    def done(batch: BatchDone) -> None:
        if on_batch is not None:
            on_batch(batch)
        progress(StageProgress(Stage.RENDERING, batch.items, total, label))

    return done


def checked(
    targets: Sequence[Target], destination: str, progress: OnProgress | None = None
) -> tuple[CheckResult, ...]:
    """Run the checks; ``progress`` is told as each one starts and ends (checks finished of
    all), and last that they all are (those a failed phase stopped count as done)."""
    if not targets:
        return ()
    from scaffolder.checks import run as run_checks

    if progress is None:
        return run_checks(targets, destination=destination)
    lock = threading.Lock()
    finished = 0

    def told(target: Target, result: CheckResult | None) -> None:
        nonlocal finished
        with lock:  # the checks of a phase run in threads of their own
            finished += result is not None
            label = f"{target.blueprint}: {target.description}"
            progress(StageProgress(Stage.CHECKING, finished, len(targets), label))

    results = run_checks(targets, destination=destination, on_check=told)
    if finished < len(targets):
        progress(StageProgress(Stage.CHECKING, len(targets), len(targets)))
    return results
