"""Finding blueprints: built-in, the project's ``.scaffold/blueprints/``,
the ``SCAFFOLD_PATH`` folders, or a path given directly.

When two places hold a blueprint of the same name, the nearer one wins:
a path given directly, then the project, then ``SCAFFOLD_PATH`` in order,
then the built-in ones; `scaffold list` says which one shadows which.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.blueprint import MANIFEST, Blueprint, Origin, is_blueprint_dir
from scaffolder.errors import BlueprintError, ScaffoldError
from scaffolder.resources import data_dir
from scaffolder.sources import is_source_dir, load_git, load_path, load_source
from scaffolder.sources.git import is_git_url
from scaffolder.yamlsource import load_yaml

PROJECT_DIR = Path(".scaffold") / "blueprints"


@dataclass(frozen=True)
class SearchPath:
    """The folders searched for blueprints, nearest first."""

    folders: tuple[tuple[Path, Origin], ...]

    @classmethod
    def default(
        cls, cwd: Path | None = None, environ: Mapping[str, str] | None = None
    ) -> SearchPath:
        cwd = Path.cwd() if cwd is None else cwd
        environ = os.environ if environ is None else environ
        folders: list[tuple[Path, Origin]] = [(cwd / PROJECT_DIR, Origin.PROJECT)]
        for entry in environ.get("SCAFFOLD_PATH", "").split(os.pathsep):
            if entry:
                folders.append((Path(entry).expanduser(), Origin.SCAFFOLD_PATH))
        folders.append((data_dir("blueprints"), Origin.BUILT_IN))
        return cls(tuple(folders))

    def warnings(self) -> tuple[str, ...]:
        """A sentence for each ``SCAFFOLD_PATH`` folder that is not there (a typo, a folder
        moved): it is skipped, and a blueprint expected from it is not found."""
        return tuple(
            f"SCAFFOLD_PATH names {folder}, which is not a folder; it is skipped. "
            "Fix the variable, or create the folder."
            for folder, origin in self.folders
            if origin is Origin.SCAFFOLD_PATH and not folder.is_dir()
        )


@dataclass(frozen=True)
class Catalog:
    """The blueprints found (one per name: the nearest), those they shadow (found farther
    away under the same name, never used by name), the blueprint folders that failed to
    load, and warnings about the search path."""

    blueprints: tuple[Blueprint, ...]
    broken: tuple[BlueprintError, ...] = ()
    shadowed: tuple[Blueprint, ...] = ()  # nearest first
    warnings: tuple[str, ...] = ()

    def shadows(self, blueprint: Blueprint) -> tuple[Blueprint, ...]:
        """The blueprints of the same name that ``blueprint`` hides, nearest first."""
        return tuple(b for b in self.shadowed if b.name == blueprint.name)

    def to_json(self) -> dict[str, Any]:
        """What ``scaffold list --json`` prints (``schemas/list.schema.json``)."""
        return {
            "blueprints": [
                {
                    **blueprint.to_json(),
                    "shadows": [
                        {"origin": hidden.origin.value, "path": hidden.location}
                        for hidden in self.shadows(blueprint)
                    ],
                }
                for blueprint in self.blueprints
            ],
            "broken": [error.message for error in self.broken],
            "warnings": list(self.warnings),
        }


def scan(search: SearchPath | None = None) -> Catalog:
    """Every blueprint found, one per name (the nearest), sorted by name.

    A broken blueprint does not hide the others: its error is kept in ``broken``.
    """
    search = SearchPath.default() if search is None else search
    found: dict[str, Blueprint] = {}
    shadowed: list[Blueprint] = []
    broken: list[BlueprintError] = []
    for _, loaded in _candidates(search):
        if isinstance(loaded, Blueprint):
            if loaded.name in found:
                shadowed.append(loaded)
            else:
                found[loaded.name] = loaded
        else:
            broken.append(BlueprintError(loaded.message))
    return Catalog(
        tuple(found[name] for name in sorted(found)),
        tuple(broken),
        tuple(shadowed),
        search.warnings(),
    )


def _candidates(
    search: SearchPath | None, named: str | None = None
) -> Iterator[tuple[Path, Blueprint | ScaffoldError]]:
    """Every blueprint folder, nearest first, with the blueprint or why it did not load.
    With ``named``, only those that may be the blueprint of that name: a native manifest
    that names another blueprint is not loaded (validating each one is most of the time
    `scaffold new NAME` takes to find it)."""
    search = SearchPath.default() if search is None else search
    for folder, origin in search.folders:
        if not folder.is_dir():
            continue
        for candidate in sorted(folder.iterdir()):
            if not is_source_dir(candidate):
                continue
            another = named is not None and candidate.name != named
            if another and _manifest_name(candidate) not in (named, None):
                continue
            try:
                yield candidate, load_source(candidate, origin)
            except ScaffoldError as error:
                yield candidate, error


def _manifest_name(candidate: Path) -> str | None:
    """The ``name:`` a native blueprint's manifest gives, read without validating it;
    None when that cannot be told so (another kind of template, a manifest that does not
    parse or has no name: loading it says what it is)."""
    if not is_blueprint_dir(candidate):
        return None
    try:
        data = load_yaml(candidate / MANIFEST).data
    except ScaffoldError:
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def find_blueprints(search: SearchPath | None = None) -> list[Blueprint]:
    """Every blueprint that loads, one per name (the nearest), sorted by name."""
    return list(scan(search).blueprints)


def blueprint_names(search: SearchPath | None = None) -> list[str]:
    """The names of the blueprints in the search path, sorted, read without loading any
    (shell completion answers while you type): a native manifest's ``name:``, else the
    folder's name. A broken blueprint is named too; `scaffold list` tells it apart."""
    search = SearchPath.default() if search is None else search
    return sorted(
        {
            _manifest_name(candidate) or candidate.name
            for folder, _ in search.folders
            if folder.is_dir()
            for candidate in folder.iterdir()
            if is_source_dir(candidate)
        }
    )


def resolve_blueprint(
    reference: str | Path,
    search: SearchPath | None = None,
    vcs_ref: str | None = None,
    *,
    cited: Callable[[], str] | None = None,
) -> Blueprint:
    """A blueprint by name, by path when ``reference`` is a folder holding one, or a git
    source (``gh:owner/repo``, a URL, a local git repository) at ``vcs_ref`` (a tag, a
    branch or a commit; default: the latest tag for Copier and native templates, the
    default branch for Cookiecutter). A git source is checked out once for the run.

    ``cited`` says where the reference is written (``items.yaml:3``); asked only for an
    error, which it begins."""
    search = SearchPath.default() if search is None else search
    try:
        return _resolve(reference, search, vcs_ref)
    except BlueprintError as exc:
        if cited is None:
            raise
        raise BlueprintError(f"{cited()}: {exc.message}") from exc


def _resolve(reference: str | Path, search: SearchPath, vcs_ref: str | None) -> Blueprint:
    text = str(reference)
    if not isinstance(reference, Path) and is_git_url(text):
        return load_git(text, vcs_ref)
    as_path = Path(text).expanduser()
    if isinstance(reference, Path) or os.sep in text or text.startswith("."):
        if as_path.is_dir():
            return load_path(as_path, Origin.PATH, reference=text, vcs_ref=vcs_ref)
        raise BlueprintError(f"{text}: no such blueprint folder.")
    # by the name in the manifest, nearest folder first: the blueprint `scaffold list` shows
    for candidate, loaded in _candidates(search, named=text):
        if isinstance(loaded, ScaffoldError):
            if candidate.name == text:  # most likely the one asked for: say what is wrong
                raise loaded
        elif loaded.name == text:
            if loaded.origin is Origin.BUILT_IN:
                return _no_ref(loaded, text, vcs_ref)
            if vcs_ref is None and not (candidate / ".git").exists():
                return loaded
            # read as it is to be found; checked out (once) when it is a git repository
            return load_path(candidate, loaded.origin, vcs_ref=vcs_ref)
    if is_source_dir(as_path):
        return load_path(as_path, Origin.PATH, reference=text, vcs_ref=vcs_ref)
    raise BlueprintError(_unknown(text, search))


def _unknown(name: str, search: SearchPath) -> str:
    """Why no blueprint is named ``name``: the names nearest to it (a typo), those known,
    and the ``SCAFFOLD_PATH`` folders that are not there."""
    names = [b.name for b in find_blueprints(search)]
    by_lower = {known.lower(): known for known in names}
    close = [by_lower[n] for n in difflib.get_close_matches(name.lower(), list(by_lower), n=3)]
    guess = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    missing = "".join(f" ({warning})" for warning in search.warnings())
    return (
        f"no blueprint named {name!r}.{guess} Known blueprints: {', '.join(names) or 'none'}."
        f"{missing} `scaffold list` shows where each comes from; pass a path to use a "
        "blueprint folder."
    )


def _no_ref(blueprint: Blueprint, name: str, vcs_ref: str | None) -> Blueprint:
    if vcs_ref is not None:
        raise BlueprintError(
            f"{name}: a built-in blueprint, not a git source, so it has no ref {vcs_ref!r}. "
            "Leave --vcs-ref (vcs_ref:) out, or give a git source."
        )
    return blueprint
