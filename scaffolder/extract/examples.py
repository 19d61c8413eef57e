"""Read the examples (files, or folders of files) and pair each file with its counterparts.

An example is one file or one folder; in a folder every file counts except what tools leave
behind (``__pycache__``, ``.git``, virtual environments, caches). The files of the examples
are paired by the shape of their paths: ``app/api/users.py`` with ``app/api/projects.py``.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffolder.blueprint import IGNORED_FILES, IGNORED_FOLDERS, IGNORED_SUFFIXES
from scaffolder.errors import UsageError
from scaffolder.extract.model import ExtractError

_SKIPPED_FOLDERS = IGNORED_FOLDERS | {
    ".scaffold",
    ".venv",
    "venv",
    "node_modules",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
}
_PATH_TOKEN = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]")
MAX_EXAMPLE_FILES = 2000


@dataclass(frozen=True)
class ExampleFile:
    path: str  # relative to the example (a file example: its name), with /
    content: bytes
    mode: int


@dataclass(frozen=True)
class Example:
    label: str  # as the user gave it
    files: tuple[ExampleFile, ...]
    folder: bool = True  # False: the example is one file (its label is the file)

    def where(self, file: ExampleFile) -> str:
        """How messages name one of its files: ``users/app/api/users.py``."""
        return f"{self.label.rstrip('/')}/{file.path}" if self.folder else self.label


@dataclass(frozen=True)
class FileGroup:
    """One file of every example, in example order: what one template renders."""

    files: tuple[ExampleFile, ...]

    @property
    def first(self) -> ExampleFile:
        return self.files[0]


def read_examples(paths: Sequence[str | Path]) -> list[Example]:
    if len(paths) < 2:
        raise UsageError(
            "extract needs two or more examples (files or folders) that differ by a few names."
        )
    resolved = [Path(p).resolve() for p in paths]
    for index, path in enumerate(resolved):
        if path in resolved[:index]:
            raise ExtractError(f"{paths[index]}: given twice; each example once.")
    kinds = set()
    examples = []
    for given, path in zip(paths, resolved, strict=True):
        if path.is_dir():
            kinds.add("folder")
            examples.append(Example(str(given), tuple(_read_folder(path, str(given)))))
        elif path.is_file():
            kinds.add("file")
            examples.append(Example(str(given), (_read_file(path, path.name),), folder=False))
        else:
            raise ExtractError(f"{given}: no such file or folder.")
    if len(kinds) > 1:
        raise ExtractError(
            "the examples mix files and folders; give files only, or folders only "
            "(a folder per example)."
        )
    return examples


def _read_file(path: Path, relative: str) -> ExampleFile:
    try:
        return ExampleFile(relative, path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    except OSError as exc:
        raise ExtractError(f"{path}: cannot be read: {exc.strerror}.") from exc


def _read_folder(root: Path, label: str) -> list[ExampleFile]:
    found: list[ExampleFile] = []
    for folder, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in _SKIPPED_FOLDERS)
        for name in sorted(names):
            path = Path(folder) / name
            if name in IGNORED_FILES or name.endswith(IGNORED_SUFFIXES):
                continue
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file():
                raise ExtractError(
                    f"{label}/{relative}: not a regular file (a symlink?); an example holds "
                    "files only. Replace it with the file, or remove it."
                )
            found.append(_read_file(path, relative))
            if len(found) > MAX_EXAMPLE_FILES:
                raise ExtractError(
                    f"{label}: more than {MAX_EXAMPLE_FILES} files; an example is a few "
                    "files that differ by a few names."
                )
    if not found:
        raise ExtractError(f"{label}: an empty folder; an example needs files.")
    return found


def pair_files(examples: Sequence[Example]) -> list[FileGroup]:
    """Each file of the first example with the file of every other example most like it."""
    first = examples[0]
    columns = [list(first.files)]
    for other in examples[1:]:
        if len(other.files) != len(first.files):
            raise ExtractError(
                f"{other.label} has {len(other.files)} files, {first.label} has "
                f"{len(first.files)}; every example needs the same files (the same "
                f"layout, with its own names). {_unpaired(first, other)}"
            )
        columns.append(_match(first, other))
    return [FileGroup(tuple(column[i] for column in columns)) for i in range(len(first.files))]


def _tokens(path: str) -> list[str]:
    return _PATH_TOKEN.findall(path)


def _match(first: Example, other: Example) -> list[ExampleFile]:
    """``other``'s files in the order of ``first``'s: identical paths first, then the most
    alike paths with the same shape (the same separators), best first."""
    by_path = {f.path: f for f in other.files}
    chosen: dict[int, ExampleFile] = {}
    for index, file in enumerate(first.files):
        if file.path in by_path:
            chosen[index] = by_path.pop(file.path)
    scores = []
    for index, file in enumerate(first.files):
        if index in chosen:
            continue
        mine = _tokens(file.path)
        for candidate in by_path.values():
            theirs = _tokens(candidate.path)
            depth = file.path.count("/") == candidate.path.count("/")
            # the words alike first: a name of more words (line_items) changes the shape
            words = _alike([t for t in mine if t.isalnum()], [t for t in theirs if t.isalnum()])
            shape = [t for t in mine if not t.isalnum()] == [t for t in theirs if not t.isalnum()]
            ratio = _alike(mine, theirs)
            scores.append((not depth, -words, not shape, -ratio, index, candidate.path))
    for *_, index, path in sorted(scores):
        if index not in chosen and path in by_path:
            chosen[index] = by_path.pop(path)
    return [chosen[i] for i in range(len(first.files))]


def _alike(mine: Sequence[str], theirs: Sequence[str]) -> float:
    return difflib.SequenceMatcher(None, mine, theirs, autojunk=False).ratio()


def _unpaired(first: Example, other: Example) -> str:
    mine = {f.path for f in first.files}
    theirs = {f.path for f in other.files}
    only = sorted(theirs - mine) if len(theirs) > len(mine) else sorted(mine - theirs)
    label = other.label if len(theirs) > len(mine) else first.label
    if not only:
        return ""
    shown = ", ".join(only[:5]) + (" …" if len(only) > 5 else "")
    return f"Files only {label} has, or that are named differently: {shown}."
