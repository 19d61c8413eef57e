"""``scaffold update`` of a project made by native blueprints: the items of every run still in
effect, rendered again with the blueprints as they are now.

What each destination is made of comes from what it keeps: a Copier answers file makes it a
Copier project (:mod:`scaffolder.sources.copier_update`); else the records of its runs that
the history keeps (every run not undone, oldest first, an item re-rendered by a later run
once: :func:`in_effect`), or without a history the record of its last run
(``.scaffold/last-run.json``), name the blueprints — built in, a folder, or a git repository
(then the ref asked for then, or ``--vcs-ref``) — and the items with their values. The
values are validated against each blueprint as it is now, like any run's (a variable the
blueprint added since gets its default; every value that no longer validates is reported
at once, nothing written), and rendered to a change set of the run's root. The history of
the runs gives what the last run wrote in each file: the base the plan merges against
(:mod:`scaffolder.update_plan`). Each destination gets its own record again, one of every
item rendered, with the values as validated now and each phase's ``dest:``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scaffolder.batches import render_batches
from scaffolder.blueprint import Blueprint, Origin
from scaffolder.catalog import SearchPath, resolve_blueprint
from scaffolder.changes import ChangeSet, RenderedFile
from scaffolder.errors import Problem, ScaffoldError, ValidationError
from scaffolder.history import Contents, RunItem, bases, recorded_phases
from scaffolder.itemsfile import DEFAULT_BATCH_SIZE
from scaffolder.paths import RECORD, confine
from scaffolder.record import RecordedPhase, read_record, record_file
from scaffolder.resources import data_dir
from scaffolder.sources import load_git, load_source
from scaffolder.sources.copier_update import ANSWERS_FILE, find_answers_file, inside
from scaffolder.update_plan import Base
from scaffolder.variables import Item, check_item


@dataclass(frozen=True)
class UpdateSources:
    """What made each destination of an update: a Copier template (its answers file), or
    native blueprints (the record of its last run)."""

    copier: tuple[tuple[Path, PurePosixPath], ...] = ()
    native: tuple[tuple[Path, tuple[RecordedPhase, ...]], ...] = ()
    # each native destination's history, as read (each pack unpacked once per update)
    histories: Mapping[Path, Contents] = dataclasses.field(default_factory=dict)


def update_sources(folders: Sequence[Path], answers_file: str | None) -> UpdateSources:
    """Each destination's kind; every destination that records neither is an error."""
    copier, native, problems = [], [], []
    histories = {}
    for folder in folders:
        answers = find_answers_file(folder, answers_file)
        histories[folder] = Contents(folder)
        recorded = () if answers is not None else _recorded(folder, histories[folder])
        if answers is not None:
            copier.append((folder, answers))
        elif recorded:
            native.append((folder, recorded))
        else:
            problems.append(
                f"{folder}: no Copier answers file ({answers_file or ANSWERS_FILE}) and no "
                f"record of a scaffold run ({RECORD}): nothing says what made it"
            )
    if problems:
        raise ScaffoldError(
            "cannot update; nothing was done:\n  "
            + "\n  ".join(problems)
            + "\nGive the folders of projects made from Copier templates (with their answers "
            "file; --answers-file if the template names it otherwise) or by `scaffold new` or "
            "`scaffold batch` with native blueprints (with their .scaffold/ folder)."
        )
    return UpdateSources(tuple(copier), tuple(native), histories)


def _recorded(folder: Path, history: Contents) -> tuple[RecordedPhase, ...]:
    runs = [recorded_phases(folder, run, history) for run in history.runs()]
    if any(runs):
        return in_effect([phases for phases in runs if phases])
    if not folder.joinpath(*RECORD.parts).exists():
        return ()
    return read_record(folder)  # there but unreadable: that error, not "nothing says"


def in_effect(runs: Sequence[Sequence[RecordedPhase]]) -> tuple[RecordedPhase, ...]:
    """The items of every run still in effect (``runs``: each one's record, oldest first)
    as one record: numbered again in run order (so injections compose as they did), an item
    rendered again by a later run with the same blueprint (same phase, ``dest:``) and the
    same values, or more of them (a variable added since), kept once, where it came first,
    with the newest values and every file either run rendered for it."""
    groups: list[tuple[RecordedPhase, list[Item], dict[int, tuple[str, ...]]]] = []
    known: dict[tuple[object, ...], _Known] = {}
    for phases in runs:
        for phase in phases:
            key = _phase_key(phase)
            if not groups or _phase_key(groups[-1][0]) != key:
                groups.append((phase, [], {}))
            seen = known.setdefault(key, {})
            for item in phase.items:
                new_files = phase.files.get(item.index, ())
                same = _rendered_before(seen, item)
                if same is None:
                    same = len(groups) - 1, len(groups[-1][1])
                    index = sum(len(group[1]) for group in groups) + 1
                    groups[-1][1].append(dataclasses.replace(item, index=index))
                    groups[-1][2][index] = ()
                _, items, files = groups[same[0]]
                old = items[same[1]]
                items[same[1]] = dataclasses.replace(old, values=item.values, name=item.name)
                files[old.index] = tuple(dict.fromkeys((*files[old.index], *new_files)))
                names = tuple(sorted(item.values))
                seen.setdefault(names, {})[_values_key(item.values, names)] = same
    return tuple(
        dataclasses.replace(phase, items=tuple(items), files=files)
        for phase, items, files in groups
        if items
    )


# an item's place (group, position) by the names of its values, then by them
_Known = dict[tuple[str, ...], dict[str, tuple[int, int]]]


def _phase_key(phase: RecordedPhase) -> tuple[object, ...]:
    """What makes runs' phases one (a blueprint from git: its repository and the ref asked
    for, whichever commit each run used)."""
    vcs = None if phase.vcs is None else (phase.vcs.location, phase.vcs.vcs_ref)
    return (phase.name, phase.blueprint, phase.origin, vcs, phase.dest)


def _rendered_before(seen: _Known, item: Item) -> tuple[int, int] | None:
    """The place of an earlier item whose every value ``item`` has the same."""
    for names, places in seen.items():
        if set(names) <= item.values.keys():
            place = places.pop(_values_key(item.values, names), None)
            if place is not None:
                return place
    return None


def _values_key(values: Mapping[str, object], names: Sequence[str]) -> str:
    return json.dumps({name: values[name] for name in names}, sort_keys=True, default=str)


@dataclass(frozen=True)
class NativePhase:
    """A phase of the runs in effect: its blueprint as it is now, and its items validated by it
    (indexed in the update's run; ``number`` and ``phase`` as recorded)."""

    name: str | None
    blueprint: Blueprint
    items: tuple[Item, ...]
    dest: str | None = None  # the items file's dest:, as recorded


@dataclass(frozen=True)
class NativeUpdate:
    """One destination made by native blueprints, its items validated, ready to render."""

    destination: Path
    prefix: str  # the destination inside the run's root ("." for the root itself)
    phases: tuple[NativePhase, ...]
    offset: int  # an item's index in the run less its index in the destination's record
    previous: Mapping[PurePosixPath, tuple[int, ...]]  # the runs' files (root) -> items
    notes: tuple[str, ...] = ()
    history: Contents | None = None  # the destination's history, as read already

    @property
    def indexes(self) -> tuple[int, ...]:
        return tuple(item.index for phase in self.phases for item in phase.items)

    def history_items(self) -> list[RunItem]:
        """The items as the destination's own history names them."""
        return [
            RunItem(item.index - self.offset, item.name, phase.blueprint.name, phase.name)
            for phase in self.phases
            for item in phase.items
        ]

    def record(self, files: Mapping[int, Sequence[str]]) -> RenderedFile:
        """The destination's new record: its items, indexed as before, with their values as
        validated now and ``files`` (by the run's item index, root-relative)."""
        strip = len(self.prefix) + 1 if self.prefix != "." else 0
        phases = [
            (phase.name, phase.blueprint, [self._local(item) for item in phase.items])
            for phase in self.phases
        ]
        local = {
            index - self.offset: [path[strip:] for path in files.get(index, ())]
            for index in self.indexes
        }
        record = record_file(phases, local, [phase.dest for phase in self.phases])
        return dataclasses.replace(record, path=PurePosixPath(self.prefix, RECORD))

    def _local(self, item: Item) -> Item:
        return dataclasses.replace(item, index=item.index - self.offset)


@dataclass(frozen=True)
class NativeRender:
    """What a native update renders: a change set of the run's root, and the base of each
    file the history knows (root-relative)."""

    update: NativeUpdate
    changes: ChangeSet
    bases: Mapping[PurePosixPath, Base]
    seconds: float


def load_updates(
    root: Path,
    recorded: Sequence[tuple[Path, tuple[RecordedPhase, ...]]],
    first: int,
    vcs_ref: str | None,
    histories: Mapping[Path, Contents] | None = None,
) -> tuple[NativeUpdate, ...]:
    """Each destination's blueprints as they are now, and its recorded items validated by
    them, indexed in the run from ``first`` on. Every problem of every destination is
    reported at once (a ValidationError), before anything is rendered. ``histories``: the
    destinations' histories as :func:`update_sources` read them."""
    updates, problems, records = [], [], []
    offset = first - 1
    for folder, phases in recorded:
        update, found = _load(root, folder, phases, offset, vcs_ref)
        history = None if histories is None else histories.get(folder)
        updates.append(dataclasses.replace(update, history=history))
        problems += found
        records += [str(folder / RECORD)] if found else []
        offset = max((offset, *update.indexes))
    if problems:
        raise ValidationError(
            problems,
            f"The values are the items of the runs recorded in {', '.join(records)}, "
            "and the blueprint as it is now no longer accepts them. Make the blueprint accept "
            "them (a new variable needs a default), or correct the values in the record, "
            "then run `scaffold update` again.",
        )
    return tuple(updates)


def _load(
    root: Path,
    folder: Path,
    recorded: Sequence[RecordedPhase],
    offset: int,
    vcs_ref: str | None,
) -> tuple[NativeUpdate, list[Problem]]:
    phases, problems, notes = [], [], []
    previous: dict[PurePosixPath, tuple[int, ...]] = {}
    prefix = inside(root, folder)
    for entry in recorded:
        blueprint = recorded_blueprint(entry, vcs_ref)
        if blueprint.source is not None:
            raise ScaffoldError(
                f"{folder}: made by the {blueprint.kind} template {entry.blueprint} (its record, "
                f"{folder / RECORD}, says so), without the answers file an update of it needs. "
                "Nothing was done. Update it with the template's own tool."
            )
        if vcs_ref is not None and entry.vcs is None:
            notes.append(
                f"{folder}: {entry.blueprint} is not from git: --vcs-ref does not apply; "
                "updated to the blueprint as it is"
            )
        items = []
        for old in entry.items:
            item, found = check_item(
                blueprint, old.values, old.index + offset, number=old.number, phase=old.phase
            )
            where = str(folder / RECORD)
            problems += [dataclasses.replace(p, source=where) for p in found]
            if item is not None:
                items.append(item)
            for path in entry.files.get(old.index, ()):
                rooted = confine(f"{prefix}/{path}")
                previous[rooted] = (*previous.get(rooted, ()), old.index + offset)
        phases.append(NativePhase(entry.name, blueprint, tuple(items), entry.dest))
    update = NativeUpdate(folder, prefix, tuple(phases), offset, previous, tuple(notes))
    return update, problems


def recorded_blueprint(
    recorded: RecordedPhase, vcs_ref: str | None = None, *, same_commit: bool = False
) -> Blueprint:
    """The blueprint a record names: built in (by name), from git (``same_commit``: the
    commit the run used; else ``vcs_ref``, else the ref asked for then), or a folder, as
    they are now."""
    if recorded.origin is Origin.BUILT_IN:
        built_in = SearchPath(((data_dir("blueprints"), Origin.BUILT_IN),))
        return resolve_blueprint(recorded.blueprint, built_in)
    if recorded.vcs is not None:
        ref = recorded.vcs.again if same_commit else vcs_ref or recorded.vcs.vcs_ref
        return load_git(recorded.vcs.location, ref, recorded.origin)
    return load_source(Path(recorded.blueprint), recorded.origin)


def render_update(update: NativeUpdate, root: Path, *, jobs: int, trust: bool) -> NativeRender:
    """Render every item of ``update`` (a change set of ``root``), with the bases the
    destination's history keeps of the files rendered now and of those rendered last."""
    started = time.perf_counter()
    rendered = []
    for phase in update.phases:
        rendered += render_batches(
            phase.blueprint,
            phase.items,
            DEFAULT_BATCH_SIZE,
            jobs,
            folder_name=Path(update.destination).resolve().name,
            dest=phase.dest,
            trust=trust,
        )
    changes = ChangeSet.merge(rendered)
    _refuse_moved(update, changes)
    prefix = update.prefix
    files = tuple(
        dataclasses.replace(f, path=confine(f"{prefix}/{f.path}", f.template))
        for f in changes.files
    )
    patches = tuple(
        dataclasses.replace(p, path=confine(f"{prefix}/{p.path}")) for p in changes.patches
    )
    paths = {f.path for f in files} | {p.path for p in patches} | set(update.previous)
    relative = (_relative(prefix, path) for path in paths)
    found = bases(update.destination, relative, update.history)
    rooted = {confine(f"{prefix}/{path}"): base for path, base in found.items()}
    changes = ChangeSet(files, changes.item_names, patches)
    return NativeRender(update, changes, rooted, time.perf_counter() - started)


def _relative(prefix: str, path: PurePosixPath) -> PurePosixPath:
    return path if prefix == "." else path.relative_to(prefix)


def _refuse_moved(update: NativeUpdate, changes: ChangeSet) -> None:
    """A record written before ``dest:`` was recorded (each item rendered into a folder of
    its own by an items file) renders its items at the top: an item whose recorded files
    are all its new files inside one folder was rendered with one, and rendering it at the
    top would put its files elsewhere."""
    new: dict[int, set[str]] = {}
    for rendered in changes.files:
        for index in rendered.items:
            new.setdefault(index, set()).add(rendered.path.as_posix())
    strip = len(update.prefix) + 1 if update.prefix != "." else 0
    old: dict[int, set[str]] = {}
    for path, indexes in update.previous.items():
        for index in indexes:
            old.setdefault(index, set()).add(path.as_posix()[strip:])
    for index, recorded in old.items():
        folders = set(_folders(recorded, new.get(index, set())))
        if len(folders) == 1 and None not in folders and not recorded & new.get(index, set()):
            raise ScaffoldError(
                f"{update.destination}: a run rendered item {index - update.offset} "
                f"into the folder {folders.pop()} (an items file's dest:), which its record, "
                "written before scaffolder recorded dest:, does not keep; rendered again, its "
                "files would land elsewhere. Nothing was done. Render it again with `scaffold "
                "batch` and its items file (then later updates know its dest:)."
            )


def _folders(recorded: Iterable[str], new: set[str]) -> Iterable[str | None]:
    """For each recorded path, the folder it is one of ``new`` inside (None: none)."""
    for path in recorded:
        yield next((path[: -len(n) - 1] for n in sorted(new) if path.endswith(f"/{n}")), None)
