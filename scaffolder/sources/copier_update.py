"""``scaffold update`` for projects made from a Copier template: Copier's own update.

Copier does what is Copier's: its update (the template's old version rendered with the
recorded answers, the project's own changes replayed onto the new version — a three-way
merge) runs, through Copier's code, in a staging copy of each destination
(:mod:`.update_staging`), never in the destination itself. What comes back is a
:class:`CopierUpdate`: the files the update wrote (with what the destination holds there),
the files it removed, the files Copier left in conflict, and the template at its new
version (its name, and the checks its ``_scaffold:`` declares). The pipeline makes a plan
of it like of any render: dry run, atomic commit, checks, rollback.

Trust: without ``--trust`` nothing of the template's code runs. Its ``_tasks`` are skipped
(``skip_tasks``) and its ``_migrations`` too (Copier runs them through the same method,
which is gated here); the update says what it left out. Jinja extensions load the
template's code, so they need ``--trust``, as in Copier.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Literal

import yaml

from scaffolder.blueprint import Blueprint, Origin
from scaffolder.errors import BlueprintError, ScaffoldError, TemplateError
from scaffolder.paths import confine
from scaffolder.sources.git import GitBlueprint, GitRef, is_url
from scaffolder.sources.update_staging import compare, conflicts, stage, take_snapshot

if TYPE_CHECKING:
    from copier._main import Worker
    from copier._template import Template

ANSWERS_FILE = ".copier-answers.yml"
CONFLICT_MODES = ("inline", "rej")  # Copier's --conflict: markers in the file, or .rej files
_MAX_ANSWERS_BYTES = 1 << 20


@dataclass(frozen=True)
class UpdatedFile:
    """A file the update writes: its bytes and mode, and what the destination held there
    when the update was staged (None: nothing)."""

    content: bytes
    mode: int
    base: bytes | None


@dataclass(frozen=True)
class DeletedFile:
    """A file the update removes: what the destination held, and its mode."""

    base: bytes
    mode: int


@dataclass(frozen=True)
class CopierUpdate:
    """One destination's update, done in staging; paths are relative to the destination."""

    destination: Path
    blueprint: Blueprint  # the template at the version updated to: its name and checks
    answers: Mapping[str, Any]  # the project's answers after the update (no private ones)
    files: Mapping[str, UpdatedFile]
    deleted: Mapping[str, DeletedFile]
    conflicts: tuple[str, ...]  # files Copier could not merge (and their .rej files)
    rendered: tuple[str, ...]  # the files the template renders at the new version
    skipped: tuple[str, ...] = ()  # tasks and migrations not run (without --trust)
    version_from: str | None = None  # the `_commit` of the answers file, before and after
    version_to: str | None = None

    def notes(self) -> list[str]:
        """What the report says of this update: the versions, and what it did not run."""
        old, new = self.version_from or "?", self.version_to or "?"
        versions = f"from {old} to {new}" if old != new else f"already at {new}"
        where = self.destination
        notes = [f"{where}: Copier's update of {self.blueprint.name}, {versions}"]
        return notes + [f"{where}: not run without --trust: {task}" for task in self.skipped]


def update_folders(destinations: Sequence[Path]) -> tuple[Path, tuple[Path, ...]]:
    """The folder a run over ``destinations`` is rooted in (their common folder: one
    destination's is itself), and the destinations, each once. They must be folders, none
    inside another (an update of the outer one would cover the inner one's files)."""
    folders = tuple(dict.fromkeys(Path(os.path.normpath(d)) for d in destinations or [Path()]))
    problems = [f"{d}: no such folder" for d in folders if not d.exists()]
    problems += [f"{d}: not a folder" for d in folders if d.exists() and not d.is_dir()]
    absolute = {d: Path(os.path.abspath(d)) for d in folders}
    for outer, inner in itertools.permutations(folders, 2):
        if absolute[outer] in absolute[inner].parents:
            problems.append(f"{inner}: inside {outer}, which is updated too")
    if problems:
        raise ScaffoldError(
            "scaffold update takes the folders of projects made from Copier templates, none "
            "inside another (update nested projects in separate runs):\n  " + "\n  ".join(problems)
        )
    if len(folders) == 1:
        return folders[0], folders
    common = os.path.commonpath([str(absolute[d]) for d in folders])
    relative = all(not d.is_absolute() for d in folders)
    root = Path(os.path.relpath(common)) if relative else Path(common)
    return root, folders


def inside(root: Path, folder: Path) -> str:
    """``folder`` relative to the run's ``root`` (``"."`` for the root itself)."""
    return Path(os.path.abspath(folder)).relative_to(os.path.abspath(root)).as_posix()


def find_answers_file(destination: Path, given: str | None = None) -> PurePosixPath | None:
    """The answers file of the project in ``destination``: ``given`` (``--answers-file``),
    else Copier's ``.copier-answers.yml``, else the one YAML file at the top of the project
    that names a template (``_src_path``), as a template's ``_answers_file`` may."""
    if given is not None:
        try:
            relative = confine(given)
        except ScaffoldError:
            raise ScaffoldError(
                f"--answers-file {given!r}: give the answers file's path inside the project, "
                "e.g. .copier-answers.yml."
            ) from None
        return relative if (destination / relative).is_file() else None
    if (destination / ANSWERS_FILE).is_file():
        return PurePosixPath(ANSWERS_FILE)
    found = [
        path.name
        for path in sorted(destination.iterdir())
        if path.suffix in (".yml", ".yaml") and path.is_file() and _names_a_template(path)
    ]
    if len(found) > 1:
        raise ScaffoldError(
            f"{destination}: several files name a Copier template ({', '.join(found)}); "
            "say which is this project's answers file with --answers-file."
        )
    return PurePosixPath(found[0]) if found else None


def _names_a_template(path: Path) -> bool:
    try:
        if path.stat().st_size > _MAX_ANSWERS_BYTES:
            return False
        data = yaml.safe_load(path.read_bytes())
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and isinstance(data.get("_src_path"), str)


def _answers(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise ScaffoldError(f"{path}: the Copier answers file cannot be read: {exc}") from exc
    return data if isinstance(data, dict) else {}


@dataclass
class _Gate:
    """What the staged update may run, and what it saw."""

    trust: bool
    project: Path
    skipped: list[str] = field(default_factory=list)
    rendered: set[str] = field(default_factory=set)


class CopierUpdater:
    """Copier updates, each in a staging copy of its own, kept (with the template checked
    out at its new version: its checks may read files of it) until :meth:`close`."""

    def __init__(
        self, *, vcs_ref: str | None = None, conflict: str = "inline", trust: bool = False
    ) -> None:
        if conflict not in CONFLICT_MODES:
            raise ScaffoldError(f"--conflict {conflict!r}: choose inline or rej.")
        self.conflict: Literal["inline", "rej"] = "rej" if conflict == "rej" else "inline"
        self.vcs_ref, self.trust = vcs_ref, trust
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> CopierUpdater:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Remove every staging copy and checkout."""
        self._stack.close()

    def update(self, destination: Path, answers_file: PurePosixPath) -> CopierUpdate:
        """Copier's update of the project in ``destination``, done in a staging copy."""
        staging = Path(tempfile.mkdtemp(prefix="scaffold-update-"))
        self._stack.callback(shutil.rmtree, staging, ignore_errors=True)
        # Copier sees the destination's name (`_folder_name`): the staging copy has it
        project = staging / Path(destination).resolve().name
        before = stage(destination, project)
        recorded = _answers(project / answers_file)
        source = str(recorded.get("_src_path") or "the template")
        gate = _Gate(self.trust, project)
        worker = self._worker(gate, project, answers_file)
        self._stack.callback(worker._cleanup)
        _run(worker, destination, source)
        after = take_snapshot(project)
        conflicted = conflicts(project, before, after, self.conflict)
        changes = compare(destination, project, before, after, source)
        files = {p: UpdatedFile(*written) for p, written in changes.written.items()}
        for path in conflicted:  # reported even where Copier's result is the file as it was
            if path not in files and path in changes.files:
                content = (project / path).read_bytes()
                files[path] = UpdatedFile(content, after[path].mode, content)
        template = worker.template
        skipped = list(gate.skipped)
        if not self.trust:
            skipped += [f"task: {_describe(task.cmd)}" for task in template.tasks]
        updated = _answers(project / answers_file)
        return CopierUpdate(
            destination=destination,
            blueprint=_blueprint(template, source, self.vcs_ref),
            answers=MappingProxyType({k: v for k, v in updated.items() if k[:1] != "_"}),
            files=MappingProxyType(files),
            deleted=MappingProxyType(
                {p: DeletedFile(base, mode) for p, (base, mode) in changes.deleted.items()}
            ),
            conflicts=conflicted,
            rendered=tuple(sorted(gate.rendered & changes.files)),
            skipped=tuple(dict.fromkeys(skipped)),
            version_from=_text(recorded.get("_commit")),
            version_to=_text(updated.get("_commit")),
        )

    def _worker(self, gate: _Gate, project: Path, answers_file: PurePosixPath) -> Worker:
        from copier._settings import SettingsModel

        return _gated_worker(gate)(
            dst_path=project,
            answers_file=Path(answers_file),
            vcs_ref=self.vcs_ref,
            conflict=self.conflict,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=self.trust,
            skip_tasks=not self.trust,
            # Copier's own user settings (its `defaults:` and `trust:`) do not apply: what is
            # trusted here is said by --trust.
            settings=SettingsModel(),
        )


def _run(worker: Worker, destination: Path, source: str) -> None:
    from copier.errors import CopierError, TaskError, UnsafeTemplateError
    from plumbum import ProcessExecutionError

    try:
        worker.run_update()
    except UnsafeTemplateError as exc:
        raise BlueprintError(
            f"{destination}: the Copier template {source} loads its own code ({exc}). "
            "Nothing was run or written. Read the template; if you trust it, run again "
            "with --trust."
        ) from exc
    except TaskError as exc:
        raise TemplateError(
            f"{destination}: a task or migration of the Copier template {source} failed "
            f"(exit code {exc.returncode}): {_describe(exc.cmd)}. Nothing was written."
        ) from exc
    except ProcessExecutionError as exc:
        why = (exc.stderr or exc.stdout or str(exc)).strip().splitlines()
        raise ScaffoldError(
            f"{destination}: Copier's update from {source} failed in git: "
            f"{why[-1] if why else exc}. Nothing was written. Check --vcs-ref (a tag, "
            "branch or commit of the template) and that the template can be reached."
        ) from exc
    except (CopierError, OSError, ValueError, TypeError) as exc:
        text = str(exc).strip()
        raise ScaffoldError(
            f"{destination}: Copier cannot update it from {source}: {text}"
            f"{'' if text.endswith(('.', '!', '?')) else '.'} Nothing was written."
        ) from exc


def _gated_worker(gate: _Gate) -> type[Worker]:
    """Copier's Worker, running the template's code only when ``gate.trust`` (noting what it
    leaves out), and noting the files the new version renders into the project."""
    from copier._main import Worker
    from copier._template import Task
    from copier._tools import cast_to_bool
    from copier._types import AnyByStrDict, Operation
    from copier.errors import UnsafeTemplateError

    class GatedWorker(Worker):
        def _check_unsafe(self, mode: Operation) -> None:
            if gate.trust:
                return super()._check_unsafe(mode)
            # tasks and migrations are gated below; Jinja extensions cannot be
            templates = [self.template]
            if mode == "update" and self.subproject.template is not None:
                templates.append(self.subproject.template)
            if any(template.jinja_extensions for template in templates):
                raise UnsafeTemplateError(["jinja_extensions"])
            return None

        def _execute_tasks(self, tasks: Sequence[Task]) -> None:
            if gate.trust:
                return super()._execute_tasks(tasks)
            for task in tasks:  # only migrations: the tasks are skipped (skip_tasks)
                context: dict[str, Any] = {f"_{k}": v for k, v in task.extra_vars.items()}
                context["_copier_operation"] = "update"
                if cast_to_bool(self._render_value(task.condition, context)):
                    gate.skipped.append(f"migration: {_describe(task.cmd)}")
            return None

        def _render_file(
            self,
            src_relpath: Path,
            dst_relpath: Path,
            extra_context: AnyByStrDict | None = None,
        ) -> None:
            super()._render_file(src_relpath, dst_relpath, extra_context)
            if Path(self.dst_path).absolute() == gate.project:
                gate.rendered.add(PurePosixPath(dst_relpath).as_posix())

    return GatedWorker


def _blueprint(template: Template, source: str, vcs_ref: str | None) -> Blueprint:
    """The template at its new version, as the blueprint whose checks the update runs, with
    the repository and commit it came from (for the run record: `scaffold check` afterwards
    checks out the same commit again)."""
    from scaffolder.sources.copier_source import MANIFESTS, CopierSource, _check, _scaffold_section

    root = template.local_abspath
    where = next((root / n for n in MANIFESTS if (root / n).is_file()), root / MANIFESTS[0])
    scaffold = _scaffold_section(template.config_data.get("scaffold"), where)
    return GitBlueprint(
        name=str(scaffold.get("name") or _name(source)),
        description=str(scaffold.get("description") or f"the Copier template {source}"),
        root=root,
        variables=MappingProxyType({"type": "object", "properties": {}}),
        pattern=scaffold.get("pattern"),
        checks=tuple(_check(entry, where) for entry in scaffold.get("checks") or ()),
        origin=Origin.PATH,
        source=CopierSource(template, source),
        template_root=root / template.subdirectory,
        git=_git_ref(template, source, vcs_ref),
    )


def _git_ref(template: Template, source: str, vcs_ref: str | None) -> GitRef | None:
    """Which commit of which repository Copier's update checked out (None: not from git)."""
    if template.vcs != "git" or not template.commit_hash:
        return None
    expanded = template.url_expanded
    location = source if is_url(source) else Path(expanded).expanduser().resolve().as_posix()
    describe = template.commit or template.commit_hash
    ref = template.ref or describe
    return GitRef(source, location, vcs_ref, ref, template.commit_hash, describe)


def _name(source: str) -> str:
    """``gh:org/tpl.git`` -> ``tpl``; ``./templates/api/`` -> ``api``."""
    last = source.rstrip("/").replace(":", "/").rsplit("/", 1)[-1]
    return last.removesuffix(".git") or source


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _describe(command: Any) -> str:
    return command if isinstance(command, str) else " ".join(map(str, command))
