"""The change set: what a run would write, in memory, before anything touches disk.

Rendering produces it (one list of files per item, merged here); planning holds
it against the destination.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from scaffolder.errors import ScaffoldError
from scaffolder.variables import Item


@dataclass(frozen=True)
class RenderedFile:
    """One file of the change set: where it goes, its bytes and its mode.

    An update's files also say what the destination held when the update was staged
    (``base``, None for nothing), whether the update removes the file (``deleted``: no
    content) and whether the template's own tool left a conflict in it (``conflicted``).
    """

    path: PurePosixPath
    content: bytes
    mode: int
    template: PurePosixPath
    items: tuple[int, ...] = ()
    base: bytes | None = None
    deleted: bool = False
    conflicted: bool = False


@dataclass(frozen=True)
class ChangeSet:
    """Everything a run would write: destination-relative path -> file, sorted by path."""

    files: tuple[RenderedFile, ...] = ()
    item_names: Mapping[int, str | None] = field(default_factory=dict)

    @classmethod
    def merge(cls, renders: Iterable[tuple[Item, Iterable[RenderedFile]]]) -> ChangeSet:
        """Combine per-item renders. Identical files are shared; different ones clash."""
        by_path: dict[PurePosixPath, RenderedFile] = {}
        names: dict[int, str | None] = {}
        labels: dict[int, str] = {}
        clashes: list[str] = []
        for item, files in renders:
            names[item.index] = item.name
            labels[item.index] = item.label
            for rendered in files:
                seen = by_path.get(rendered.path)
                if seen is None:
                    by_path[rendered.path] = rendered
                elif seen.content == rendered.content and seen.mode == rendered.mode:
                    items = (*seen.items, *rendered.items)
                    by_path[rendered.path] = RenderedFile(
                        seen.path, seen.content, seen.mode, seen.template, items
                    )
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
        return cls(tuple(by_path[p] for p in sorted(by_path)), names)
