"""`scaffold update`: each destination to the newest version of what made it.

A stage runner like :mod:`scaffolder.pipeline` (whose lock, recovery and options it uses):
Copier projects by Copier's own update in a staging copy, native projects by a three-way
merge with what their last run wrote; then plan, dry run or commit, checks and report.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from scaffolder.changes import ChangeSet, RenderedFile
from scaffolder.checks import CheckResult, CheckStatus, PhaseChecks, find_python
from scaffolder.checks import prepare as prepare_checks
from scaffolder.commit import (
    FileSystem,
    Recovery,
    write,
)
from scaffolder.history import (
    RunItem,
    with_histories,
)
from scaffolder.native_update import (
    load_updates,
    render_update,
    update_sources,
)
from scaffolder.paths import RECORD, confine
from scaffolder.pipeline import Options, checked, exclusive, files_by_item
from scaffolder.plan import FileStatus, plan_update, with_records
from scaffolder.record import record_file
from scaffolder.report import PhaseRun, Report, build_report
from scaffolder.sources.copier_update import (
    CopierUpdate,
    CopierUpdater,
    inside,
    update_folders,
)
from scaffolder.update_plan import joined, plan_merge
from scaffolder.variables import Item


def run_update(
    destinations: Sequence[Path],
    options: Options,
    *,
    vcs_ref: str | None = None,
    conflict: str = "inline",
    answers_file: str | None = None,
    fs: FileSystem | None = None,
) -> Report:
    """Bring each destination to the newest version of what made it: a project made from a
    Copier template by Copier's own update, run in a staging copy of each; one made by native
    blueprints by rendering the items its record names with the blueprints as they are now,
    merged three ways with what its last run wrote (:mod:`scaffolder.native_update`). Then
    plan, dry run or commit, check and report like any run. All destinations are one
    transaction, rooted in their common folder (which replaces ``options.out``): its journal
    and lock go there, and each destination is locked (and recovered) too; each gets its own
    record and history entry."""
    started = time.perf_counter()
    root, folders = update_folders(destinations)
    options = dataclasses.replace(options, out=root)
    updater = CopierUpdater(vcs_ref=vcs_ref, conflict=conflict, trust=options.trust)
    with _exclusive_all([root, *sorted(folders)], options, fs) as recovery, updater:
        sources = update_sources(folders, answers_file)
        first = len(sources.copier) + 1
        natives = load_updates(root, sources.native, first, vcs_ref, sources.histories)
        updates, runs = [], []
        for index, (folder, answers) in enumerate(sources.copier, start=1):
            phase_started = time.perf_counter()
            updates.append(updater.update(folder, answers))
            seconds = time.perf_counter() - phase_started
            runs.append(PhaseRun(None, updates[-1].blueprint.name, (index,), seconds))
        prefixes = [inside(root, update.destination) for update in updates]
        changes = _update_changes(updates, prefixes, [str(u.destination) for u in updates])
        plans = [plan_update(changes, root, options.on_conflict)]
        notes = [note for update in updates for note in update.notes()]
        renders = [render_update(n, root, jobs=options.jobs, trust=options.trust) for n in natives]
        for render in renders:
            native = render.update
            merged = plan_merge(
                render.changes, root, render.bases, native.previous, options.on_conflict
            )
            plans.append(merged.plan)
            notes += [*native.notes, *merged.notes]
            runs += [
                PhaseRun(p.name, p.blueprint.name, tuple(i.index for i in p.items), render.seconds)
                for p in native.phases
            ]
        planned = joined(root, plans)
        kept = {f.path for f in planned.files if f.status is FileStatus.SKIP}
        phases, records = [], []
        for index, (update, prefix) in enumerate(zip(updates, prefixes, strict=True), start=1):
            mine = [path for path in update.rendered if PurePosixPath(prefix, path) not in kept]
            files = tuple(PurePosixPath(prefix, path).as_posix() for path in mine)
            item = Item(index, update.answers, changes.item_names[index])
            phases.append(PhaseChecks(None, update.blueprint, (item,), {index: files}))
            # each destination's own record, in the same transaction: `scaffold check DEST`
            record = record_file([(None, update.blueprint, [Item(1, update.answers)])], {1: mine})
            records.append(dataclasses.replace(record, path=PurePosixPath(prefix, RECORD)))
        for render in renders:
            covered = files_by_item(render.changes, kept)
            own = render.update.phases
            phases += [PhaseChecks(p.name, p.blueprint, p.items, covered) for p in own]
            records.append(render.update.record(covered))
        planned = with_records(planned, tuple(records))
        python = find_python(root, options.python) if options.check else None
        targets = prepare_checks(phases, trust=options.trust, python=python) if python else ()

        def report(
            checks: tuple[CheckResult, ...] = (), rolled_back: bool = False, kept: Kept = ()
        ) -> Report:
            seconds = time.perf_counter() - started
            return build_report(
                runs, planned, dry_run=options.dry_run, recovery=recovery, seconds=seconds,
                checks=checks, rolled_back=rolled_back, kept=kept, notes=tuple(notes),
                update=True,
            )  # fmt: skip

        if options.dry_run or planned.conflicts:
            return report()
        names = changes.item_names
        parts = [
            (prefix, [RunItem(1, names[index], update.blueprint.name)])
            for index, (update, prefix) in enumerate(zip(updates, prefixes, strict=True), start=1)
        ]
        parts += [(render.update.prefix, render.update.history_items()) for render in renders]
        planned = with_histories(planned, parts)
        transaction = write(planned, fs, progress=options.progress)
        try:
            results = checked(targets, str(root), options.progress)
        except BaseException:
            transaction.roll_back()
            raise
        if any(r.status is CheckStatus.FAILED for r in results) and not options.keep_failed:
            return report(results, rolled_back=True, kept=transaction.roll_back().kept)
        transaction.finish()
        return report(results)


Kept = tuple[str, ...]


@contextlib.contextmanager
def _exclusive_all(
    folders: list[Path], options: Options, fs: FileSystem | None
) -> Iterator[Recovery]:
    """:func:`scaffolder.pipeline.exclusive` for each folder (each once, in this order), as
    one recovery."""
    with contextlib.ExitStack() as stack:
        found = [
            stack.enter_context(exclusive(dataclasses.replace(options, out=folder), fs))
            for folder in dict.fromkeys(folders)
        ]
        fields = dataclasses.fields(Recovery)
        yield Recovery(*(sum((getattr(r, f.name) for r in found), ()) for f in fields))


def _update_changes(
    updates: Sequence[CopierUpdate], prefixes: Sequence[str], names: Sequence[str]
) -> ChangeSet:
    """The updates' files (written, deleted, in conflict) as one change set of the root."""
    files = []
    for index, (update, prefix) in enumerate(zip(updates, prefixes, strict=True), start=1):
        for path, new in update.files.items():
            target = confine(f"{prefix}/{path}", PurePosixPath(path))
            conflicted = path in update.conflicts
            files.append(
                RenderedFile(target, new.content, new.mode, PurePosixPath(path), (index,),
                             base=new.base, conflicted=conflicted)
            )  # fmt: skip
        for path, old in update.deleted.items():
            target = confine(f"{prefix}/{path}", PurePosixPath(path))
            files.append(
                RenderedFile(target, b"", old.mode, PurePosixPath(path), (index,),
                             base=old.base, deleted=True)
            )  # fmt: skip
    names_by_index = {index: name for index, name in enumerate(names, start=1)}
    return ChangeSet(tuple(sorted(files, key=lambda f: f.path)), names_by_index)
