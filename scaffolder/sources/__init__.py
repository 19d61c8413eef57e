"""Where a blueprint comes from: a native blueprint (``blueprint.yaml``), or a Copier
template (``copier.yml``), each behind one interface (:class:`TemplateSource` in
:mod:`scaffolder.blueprint`). The stages after rendering never ask which kind it is."""

from __future__ import annotations

from pathlib import Path

from scaffolder.blueprint import Blueprint, Origin, is_blueprint_dir, load_blueprint
from scaffolder.sources.copier_source import is_copier_dir, load_copier

__all__ = ["is_source_dir", "load_source"]


def is_source_dir(path: Path) -> bool:
    """Whether ``path`` holds a blueprint of any kind."""
    return is_blueprint_dir(path) or is_copier_dir(path)


def load_source(
    path: Path, origin: Origin = Origin.PATH, reference: str | None = None
) -> Blueprint:
    """The blueprint in ``path``, whatever its kind (a native manifest wins)."""
    if not is_blueprint_dir(path) and is_copier_dir(path):
        return load_copier(path, origin, reference)
    return load_blueprint(path, origin)
