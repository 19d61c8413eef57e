"""The change set: what a run would write, in memory, before anything touches disk.

Rendering produces it (one list of files per item, merged here); planning holds
it against the destination. Besides whole files it holds patches (:class:`Patch`,
snippets to inject into files), which planning applies in item order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from scaffolder.errors import ScaffoldError
from scaffolder.inject import Patch
from scaffolder.variables import Item

__all__ = ["Change", "ChangeSet", "Patch", "RenderedFile"]


@dataclass(frozen=True)
class RenderedFile:
    """One file of the change set: where it goes, its bytes and its mode.

    An update's files also say what the destination held when the update was staged
    (``base``, None for nothing), whether the update removes the file (``deleted``: no
    content) and whether the template's own tool left a conflict in it (``conflicted``).

    A template's own tool may also render a symlink (``link``: its target as written, no
    content) or an empty folder (``folder``: no content; made like any folder the commit
    makes), and keep the destination's own version of a path (``keep_existing``: Copier's
    ``_skip_if_exists``).
    """

    path: PurePosixPath
    content: bytes
    mode: int
    template: PurePosixPath
    items: tuple[int, ...] = ()
    base: bytes | None = None
    deleted: bool = False
    conflicted: bool = False
    link: str | None = None
    folder: bool = False
    keep_existing: bool = False


@dataclass(frozen=True)
class ChangeSet:
    """Everything a run would write: destination-relative path -> file, sorted by path."""

    files: tuple[RenderedFile, ...] = ()
    item_names: Mapping[int, str | None] = field(default_factory=dict)
    patches: tuple[Patch, ...] = ()  # in item order

    @classmethod
    def merge(cls, renders: Iterable[tuple[Item, Iterable[Change]]]) -> ChangeSet:
        """Combine per-item renders. Identical files are shared; different ones clash.
        Patches are kept in item order."""
        by_path: dict[PurePosixPath, RenderedFile] = {}
        patches: list[Patch] = []
        names: dict[int, str | None] = {}
        labels: dict[int, str] = {}
        clashes: list[str] = []
        for item, files in renders:
            names[item.index] = item.name
            labels[item.index] = item.label
            for rendered in files:
                if isinstance(rendered, Patch):
                    patches.append(rendered)
                    continue
                seen = by_path.get(rendered.path)
                if seen is None:
                    by_path[rendered.path] = rendered
                elif _same(seen, rendered):
                    items = (*seen.items, *rendered.items)
                    by_path[rendered.path] = dataclasses.replace(seen, items=items)
                else:
                    clashes.append(
                        f"  {rendered.path}: {labels[seen.items[0]]} and {item.label} "
                        "render it with different content"
                    )
        if clashes:
            clashes.sort()
            raise ScaffoldError(
                "two items render the same path differently; nothing was written:\n"
                + "\n".join(clashes)
                + "\nGive the items distinct values for the parts that name their files."
            )
        return cls(tuple(by_path[p] for p in sorted(by_path)), names, tuple(patches))


Change = RenderedFile | Patch  # what rendering one item yields


def _same(one: RenderedFile, other: RenderedFile) -> bool:
    """Whether two items render a path alike: the same bytes and mode, link or folder."""
    return (one.content, one.mode, one.link, one.folder) == (
        other.content,
        other.mode,
        other.link,
        other.folder,
    )
