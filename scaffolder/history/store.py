"""The history's files: an entry and a pack per run, written in the run's own transaction.

A run that changes something adds its entry (``.scaffold/history/<number>-<id>.json``) and
its pack (``<number>-<id>.pack``: every content the entry names, each once, one zlib
stream) to the records its commit writes: a run rolled back or killed leaves neither, a run
that changes nothing writes nothing. Two files per run, whatever its size: a commit syncs
each file it writes, and a file per content would double the time a big batch takes. Each
pack holds all its entry names, so undoing a run removes its two files and nothing else.
Reading never follows a link (the commit's own file operations).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import re
import secrets
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from scaffolder.changes import RenderedFile
from scaffolder.commit import FileSystem
from scaffolder.errors import ScaffoldError
from scaffolder.history.model import MODE_BITS, FileChange, Image, Run, RunItem, run_from_json
from scaffolder.paths import HISTORY, RECORD
from scaffolder.plan import FileStatus, Plan, PlannedFile, with_records
from scaffolder.record import RecordedPhase, parse_record, readable_json

if TYPE_CHECKING:  # a run imports the update's planning only to read bases
    from scaffolder.update_plan import Base

_ENTRY_NAME = re.compile(r"([0-9]{6,})-[0-9a-f]{8}\.json")
_OWN_MODE = 0o644


def with_history(planned: Plan, items: Sequence[RunItem]) -> Plan:
    """``planned`` with the run's history entry and pack added to its records; unchanged
    when the plan changes nothing (then nothing is written at all)."""
    changed = [p for p in (*planned.files, *planned.records) if p.status.changes]
    if not changed:
        return planned
    destination = Path(planned.destination)
    contents: dict[str, bytes] = {}
    files = tuple(_change(destination, p, contents) for p in changed)
    record = next((p.file.content for p in planned.records if p.path == RECORD), None)
    record_digest = None if record is None else _keep(record, contents)
    places, offset = {}, 0
    for digest, content in contents.items():
        places[digest] = (offset, len(content))
        offset += len(content)
    run = Run(
        secrets.token_hex(4),
        _last_number(destination) + 1,
        datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tuple(dict.fromkeys(item.blueprint for item in items)),
        tuple(items),
        files,
        record_digest,
        places,
        _made_folders(destination, changed),
    )
    text = readable_json(run.to_json(), depth=2)  # a file a line
    pack = zlib.compress(b"".join(contents.values()))
    return with_records(
        planned,
        (
            RenderedFile(run.path, text.encode("utf-8"), _OWN_MODE, PurePosixPath(run.path.name)),
            RenderedFile(run.pack, pack, _OWN_MODE, PurePosixPath(run.pack.name)),
        ),
    )


def with_histories(planned: Plan, parts: Sequence[tuple[str, Sequence[RunItem]]]) -> Plan:
    """:func:`with_history` for a run over several destinations inside its own (each a
    ``prefix`` with its items, as ``scaffold update a b`` makes): each destination gets its
    own entry and pack, of the files under it (its record included), in its own
    ``.scaffold/history/``, so that it can be undone, and updated again, on its own."""
    if [prefix for prefix, _ in parts] == ["."]:
        return with_history(planned, parts[0][1])
    added: list[PlannedFile] = []
    for prefix, items in parts:
        inside = PurePosixPath(prefix)
        files, records = (
            tuple(_moved(p, p.path.relative_to(prefix)) for p in every if inside in p.path.parents)
            for every in (planned.files, planned.records)
        )
        part = Plan(Path(planned.destination, prefix), files, planned.changes, records)
        own = with_history(part, items).records[len(records) :]
        added += [_moved(p, PurePosixPath(prefix, p.path)) for p in own]
    return dataclasses.replace(planned, records=(*planned.records, *added))


def _moved(planned: PlannedFile, path: PurePosixPath) -> PlannedFile:
    return dataclasses.replace(planned, file=dataclasses.replace(planned.file, path=path))


def _change(destination: Path, planned: PlannedFile, contents: dict[str, bytes]) -> FileChange:
    before = None
    if planned.current_link is not None:
        before = Image(link=planned.current_link)
    elif planned.current is not None:
        mode = os.stat(destination.joinpath(*planned.path.parts)).st_mode & MODE_BITS
        before = Image(_keep(planned.current, contents), mode)
    rendered = planned.file
    after = None
    if planned.status is not FileStatus.DELETE:
        if rendered.link is not None:
            after = Image(link=rendered.link)
        elif rendered.folder:
            after = Image(folder=True)
        else:
            after = Image(_keep(rendered.content, contents), rendered.mode)
    merged = None  # a merge: the blueprint's render, the base of the next update
    if planned.rendered is not None and after is not None:
        merged = Image(_keep(planned.rendered, contents), rendered.mode)
    return FileChange(planned.path.as_posix(), planned.status.value, before, after, merged)


def _made_folders(destination: Path, changed: Sequence[PlannedFile]) -> tuple[str, ...]:
    """The folders the run makes, outermost first: the empty folders it renders, and those
    on the way to what it writes (its history's included) that are not there yet."""
    wanted = {*HISTORY.parents, HISTORY}
    looked: set[str] = set()  # the folders whose parents are in ``wanted``: once each
    for planned in changed:
        if planned.status.writes:
            folder = str(planned.path).rpartition("/")[0]
            if folder not in looked:
                looked.add(folder)
                wanted.update(planned.path.parents)
            if planned.file.folder:
                wanted.add(planned.path)
    wanted.discard(PurePosixPath("."))
    with reading(destination) as fs:
        return tuple(
            folder.as_posix() for folder in sorted(wanted) if _missing(fs, destination, folder)
        )


def _missing(fs: FileSystem, destination: Path, folder: PurePosixPath) -> bool:
    try:
        return fs.kind(destination.joinpath(*folder.parts)) is None
    except OSError:  # a link on the way (which the plan refuses to write through): there
        return False


def _keep(content: bytes, contents: dict[str, bytes]) -> str:
    digest = hashlib.sha256(content).hexdigest()
    contents.setdefault(digest, content)
    return digest


def _last_number(destination: Path) -> int:
    """The number of the newest entry (0: none), from the entries' names alone."""
    with reading(destination) as fs:
        names = _entry_names(destination, fs, strict=False)
    return max((int(match.group(1)) for match in names.values()), default=0)


def read_history(destination: Path) -> tuple[Run, ...]:
    """The runs recorded in ``destination``, oldest first."""
    destination = Path(destination)
    with reading(destination) as fs:
        names = _entry_names(destination, fs, strict=True)
        runs = [_entry(destination, fs, name) for name in names]
    return tuple(sorted(runs, key=lambda run: (run.number, run.id)))


def unpack(destination: Path, run: Run) -> Mapping[str, bytes]:
    """Every content ``run``'s entry names (sha256 -> bytes), from its pack, each checked."""
    destination = Path(destination)
    where = destination.joinpath(*run.pack.parts)
    try:
        with reading(destination) as fs:
            data = zlib.decompress(fs.read(where))
    except FileNotFoundError:
        raise _unreadable(where, "the pack of the run's contents is missing") from None
    except (OSError, zlib.error) as exc:
        raise _unreadable(where, str(exc)) from exc
    contents = {}
    for digest, (offset, size) in run.contents.items():
        content = data[offset : offset + size]
        if hashlib.sha256(content).hexdigest() != digest:
            raise _unreadable(where, f"the content {digest[:12]}… does not match its sha256")
        contents[digest] = content
    return contents


class Contents:
    """The runs recorded in a destination (read once) and the contents their entries name,
    each run's pack unpacked at most once: one object for everything a command reads of a
    history (an update: the records of the runs, then the bases of the files)."""

    def __init__(self, destination: Path) -> None:
        self.destination = Path(destination)
        self._packs: dict[str, Mapping[str, bytes]] = {}
        self._runs: tuple[Run, ...] | None = None

    def runs(self) -> tuple[Run, ...]:
        """:func:`read_history`, read the first time only."""
        if self._runs is None:
            self._runs = read_history(self.destination)
        return self._runs

    def pack(self, run: Run) -> Mapping[str, bytes]:
        """:func:`unpack`, each run's pack the first time only."""
        if run.id not in self._packs:
            self._packs[run.id] = unpack(self.destination, run)
        return self._packs[run.id]

    def __call__(self, run: Run, image: Image | None) -> bytes | None:
        """``image``'s content, from ``run``'s pack (None: no file, or a link or folder)."""
        if image is None or image.sha256 is None:
            return None
        return self.pack(run)[image.sha256]


def base_of(destination: Path, path: str | PurePosixPath) -> bytes | None:
    """What the newest run that changed ``path`` (destination-relative) left there, from
    the history: the base a three-way update merges against. None when no run recorded
    wrote it, or the newest one deleted it (or left a symlink or a folder there)."""
    wanted = PurePosixPath(path).as_posix()
    for run in reversed(read_history(destination)):
        for change in run.files:
            if change.path == wanted:
                after = change.rendered or change.after
                if after is None or after.sha256 is None:
                    return None
                return unpack(destination, run)[after.sha256]
    return None


def bases(
    destination: Path, paths: Iterable[str | PurePosixPath], history: Contents | None = None
) -> dict[PurePosixPath, Base]:
    """The base of a three-way update for each of ``paths`` that a recorded run wrote, read
    with each run's pack unpacked at most once: what the newest run that wrote the file
    left there (what the blueprint rendered, for a file it merged; None: it deleted the
    file). Runs that only injected snippets into a file since are the file's own changes,
    not its base; a file no run ever wrote but injected into is ``injected`` (the user's).
    ``history``: the destination's, as read already (its packs unpacked once)."""
    from scaffolder.update_plan import Base

    wanted = {PurePosixPath(path).as_posix() for path in paths}
    found: dict[str, Base] = {}
    injected: dict[str, Base] = {}
    content = Contents(destination) if history is None else history
    for run in reversed(content.runs()):
        for change in run.files:
            if change.path not in wanted or change.path in found:
                continue
            if change.action == FileStatus.INJECT.value:
                injected.setdefault(change.path, Base(content(run, change.after), injected=True))
            else:
                found[change.path] = Base(content(run, change.rendered or change.after))
    return {PurePosixPath(path): base for path, base in {**injected, **found}.items()}


def recorded_phases(
    destination: Path, run: Run, history: Contents | None = None
) -> tuple[RecordedPhase, ...]:
    """The record ``run`` wrote (its blueprints, their items and values, their files);
    ``history``: the destination's, as read already (its packs unpacked once)."""
    if run.record is None:
        return ()
    where = str(Path(destination).joinpath(*run.path.parts))
    contents = history.pack(run) if history is not None else unpack(destination, run)
    return parse_record(contents[run.record], f"{where} (its record)")


@contextlib.contextmanager
def reading(destination: Path) -> Iterator[FileSystem]:
    """Reads inside ``destination`` that never follow a link (the commit's own)."""
    fs = FileSystem()
    fs.anchor(destination)
    try:
        yield fs
    finally:
        fs.close()


def _entry_names(destination: Path, fs: FileSystem, *, strict: bool) -> dict[str, re.Match[str]]:
    """The entries' file names (other names are not scaffolder's and are left alone)."""
    folder = destination.joinpath(*HISTORY.parts)
    try:
        kind = fs.kind(folder) if destination.is_dir() else None
        if kind is None:
            return {}
        if kind != "folder":
            raise OSError(f"a {kind} where the history's folder belongs")
        names = fs.names(folder)
    except OSError as exc:
        if not strict:
            return {}  # writing through it is refused by the plan, with what to do
        raise _unreadable(folder, exc.strerror or str(exc)) from exc
    found = {name: _ENTRY_NAME.fullmatch(name) for name in names}
    return {name: match for name, match in found.items() if match is not None}


def _entry(destination: Path, fs: FileSystem, name: str) -> Run:
    where = destination.joinpath(*HISTORY.parts, name)
    try:
        data = json.loads(fs.read(where).decode("utf-8"))
        run = run_from_json(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _unreadable(where, str(exc)) from exc
    if run.path.name != name:
        raise _unreadable(where, f"its number and id ({run.number}, {run.id}) are not its name's")
    return run


def _unreadable(where: Path, reason: str) -> ScaffoldError:
    return ScaffoldError(
        f"{where}: the history of the runs cannot be read or trusted ({reason}). Nothing was "
        "changed. scaffolder never follows a history entry out of the destination or "
        f"through a link: restore {HISTORY}/ from a backup, or delete that run's .json and "
        ".pack files (it can then no longer be undone)."
    )
