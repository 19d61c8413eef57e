"""The staging copy a Copier update runs in, and what the update changed there.

A destination is copied (symlinks as symlinks; its ``.git`` and scaffolder's ``.scaffold/``
left out) into a private folder, which is made a git repository with everything committed:
``copier update`` needs a clean git repository, and the destination need not be one. The
git commands here run with no user or system configuration (a fixed identity, an empty
``HOME``), so that nothing of the user's (hooks, signing, ``autocrlf``) changes the copy.

After the update, :func:`compare` holds the staging tree against the snapshot taken
before it: the files it changed or added, those it removed, and the files Copier left in
conflict (``git ls-files -u`` for inline markers, new ``.rej`` files).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import ScaffoldError, TemplateError

LEFT_OUT = frozenset({".git", ".scaffold"})  # top-level names never copied into staging
_IDENTITY = "scaffold-update"
# git variables that would lead a git command to another repository than the staging one
_REDIRECTING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)


@dataclass(frozen=True)
class Entry:
    """One path of a tree: a regular file (its size, time and mode) or a symlink."""

    link: str | None  # the symlink's target; None for a regular file
    size: int = 0
    mtime_ns: int = 0
    mode: int = 0


Snapshot = Mapping[str, Entry]


@dataclass(frozen=True)
class Changes:
    """What an update changed in the staging copy (paths relative to the project)."""

    written: Mapping[str, tuple[bytes, int, bytes | None]]  # content, mode, what was there
    deleted: Mapping[str, tuple[bytes, int]]  # what was there, and its mode
    files: frozenset[str]  # every regular file of the project after the update


def stage(destination: Path, project: Path) -> Snapshot:
    """Copy ``destination`` to ``project`` and make it a git repository, all committed;
    return the snapshot of the copy."""
    try:
        shutil.copytree(destination, project, symlinks=True, ignore=_top_level(destination))
    except (shutil.Error, OSError) as exc:
        raise ScaffoldError(
            f"{destination}: cannot be copied for the update ({_first_error(exc)}). "
            "scaffolder updates a copy of the project, never the project itself, and "
            "copies every file but .git/ and .scaffold/: move away what cannot be read "
            "(a FIFO, a socket, a file without read permission) and run again."
        ) from exc
    snapshot = take_snapshot(project)
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", "before the update")
    return snapshot


def _top_level(destination: Path) -> Callable[[str, list[str]], set[str]]:
    top = os.fspath(destination)

    def ignore(folder: str, names: list[str]) -> set[str]:
        return set(LEFT_OUT & set(names)) if os.fspath(folder) == top else set()

    return ignore


def _first_error(exc: BaseException) -> str:
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        source, _, why = exc.args[0][0]
        return f"{source}: {why}"
    return str(exc)


def git(project: Path, *args: str) -> str:
    """Run git in the staging repository ``project``, with no user configuration."""
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING}
    home = project.parent / ".home"
    home.mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME=_IDENTITY,
        GIT_AUTHOR_EMAIL=f"{_IDENTITY}@localhost",
        GIT_COMMITTER_NAME=_IDENTITY,
        GIT_COMMITTER_EMAIL=f"{_IDENTITY}@localhost",
    )
    command = ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgSign=false", *args]
    try:
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, check=True)
    except FileNotFoundError as exc:
        raise ScaffoldError(
            "git is not installed, and `scaffold update` needs it (Copier's update merges "
            "with git). Install git and run again."
        ) from exc
    except subprocess.CalledProcessError as exc:
        output = exc.stderr.decode("utf-8", "replace").strip()
        raise ScaffoldError(
            f"{project}: `git {' '.join(args)}` failed in the staging copy: {output}"
        ) from exc
    return done.stdout.decode("utf-8", "surrogateescape")


def take_snapshot(root: Path) -> dict[str, Entry]:
    """Every regular file and symlink below ``root`` (not its top-level ``.git``)."""
    found: dict[str, Entry] = {}
    for folder, folders, names in os.walk(root):
        if Path(folder) == root and ".git" in folders:
            folders.remove(".git")
        for name in folders + names:
            path = Path(folder, name)
            info = path.lstat()
            relative = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[relative] = Entry(os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                mode = stat.S_IMODE(info.st_mode)
                found[relative] = Entry(None, info.st_size, info.st_mtime_ns, mode)
    return found


def conflicts(project: Path, before: Snapshot, after: Snapshot, mode: str) -> tuple[str, ...]:
    """The files Copier left in conflict: with inline markers (unmerged in git's index),
    or with a new ``.rej`` file (the rejected hunks), together with that file."""
    if mode == "inline":
        listed = git(project, "ls-files", "--unmerged", "-z")
        paths = {line.split("\t", 1)[1] for line in listed.split("\0") if "\t" in line}
        return tuple(sorted(paths))
    rejects = [p for p, e in after.items() if p.endswith(".rej") and before.get(p) != e]
    return tuple(sorted({*rejects, *(p[: -len(".rej")] for p in rejects)}))


def compare(
    destination: Path, project: Path, before: Snapshot, after: Snapshot, reference: str
) -> Changes:
    """What the update changed: the files it wrote (with what the destination holds there)
    and those it removed. A symlink it made, changed or removed is an error: the plan has
    no place for links yet."""
    written: dict[str, tuple[bytes, int, bytes | None]] = {}
    deleted: dict[str, tuple[bytes, int]] = {}
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue  # not touched (same size, time and mode), or the same link
        if (old is not None and old.link is not None) or (new is not None and new.link):
            raise TemplateError(
                f"{destination / path}: Copier's update of {reference} makes, changes or "
                "removes this symlink; scaffolder does not plan symlinks yet. Update this "
                "project with `copier update` itself."
            )
        base = _read(destination / path) if old is not None else None
        if new is None:
            if base is not None and old is not None:
                deleted[path] = (base, old.mode)
            continue
        content = (project / path).read_bytes()
        if content != base or old is None or old.mode != new.mode:
            written[path] = (content, new.mode, base)
    files = frozenset(p for p, e in after.items() if e.link is None)
    return Changes(written, deleted, files)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ScaffoldError(f"{path}: cannot be read: {exc.strerror}.") from exc
