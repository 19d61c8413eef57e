"""Where a blueprint comes from: a native blueprint (``blueprint.yaml``), or a Copier
template (``copier.yml``), each behind one interface (:class:`TemplateSource` in
:mod:`scaffolder.blueprint`). The stages after rendering never ask which kind it is."""

from __future__ import annotations

from pathlib import Path

from scaffolder.blueprint import Blueprint, Origin, is_blueprint_dir, load_blueprint
from scaffolder.errors import BlueprintError
from scaffolder.sources import git
from scaffolder.sources.cookiecutter_source import is_cookiecutter_dir, load_cookiecutter
from scaffolder.sources.copier_source import is_copier_dir, load_copier
from scaffolder.sources.git import is_url

__all__ = [
    "follows_latest_tag",
    "is_source_dir",
    "is_url",
    "load_git",
    "load_path",
    "load_source",
]


def is_source_dir(path: Path) -> bool:
    """Whether ``path`` holds a blueprint of any kind."""
    return is_blueprint_dir(path) or is_copier_dir(path) or is_cookiecutter_dir(path)


def load_source(
    path: Path, origin: Origin = Origin.PATH, reference: str | None = None
) -> Blueprint:
    """The blueprint in ``path``, whatever its kind (a native manifest wins)."""
    if not is_blueprint_dir(path) and is_copier_dir(path):
        return load_copier(path, origin, reference)
    if not is_blueprint_dir(path) and is_cookiecutter_dir(path):
        return load_cookiecutter(path, origin, reference)
    return load_blueprint(path, origin)


# Git sources (scaffolder.sources.git): checked out once per run, then loaded as a folder.


def load_git(reference: str, vcs_ref: str | None = None, origin: Origin = Origin.PATH) -> Blueprint:
    """The blueprint in a git source (a URL, or a local repository) at ``vcs_ref``, or at
    the default ref of its kind."""
    return git.load(
        reference,
        vcs_ref,
        origin,
        follows_tags=follows_latest_tag,
        is_source=is_source_dir,
        load_folder=load_source,
    )


def load_path(
    path: Path,
    origin: Origin = Origin.PATH,
    reference: str | None = None,
    vcs_ref: str | None = None,
) -> Blueprint:
    """The blueprint in the folder ``path``. A git repository is checked out when a ref is
    asked, or when it holds a Copier template (Copier's rule); else (and for `scaffold
    list`, which reads :func:`load_source`) the folder is read as it is."""
    copier = not is_blueprint_dir(path) and is_copier_dir(path)
    if (vcs_ref is not None or copier) and git.is_repository(path):
        return load_git(reference or str(path), vcs_ref, origin)
    if vcs_ref is not None:
        raise BlueprintError(
            f"{reference or path}: not a git repository, so it has no ref {vcs_ref!r} "
            "(--vcs-ref, or vcs_ref: in an items file). Leave the ref out, or give a git "
            "source: a local git repository, gh:owner/repo, https://…, git+file://…"
        )
    return load_source(path, origin, reference)


def follows_latest_tag(path: Path) -> bool:
    """Copier's rule (the latest tag) is for Copier and native templates; a Cookiecutter
    template follows Cookiecutter's (the head of the default branch)."""
    return is_blueprint_dir(path) or is_copier_dir(path)
