"""What the destination holds now, read the way planning needs it: never through a symlink
that leads out of it, never a FIFO, device or socket, and only paths whose temporary files
fit the system's limit. Reads only; planning (:mod:`scaffolder.plan`) decides from it."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from scaffolder.errors import ConfinementError, ScaffoldError
from scaffolder.paths import TEMP_NAME_EXTRA

# The longest path the system takes, with its final NUL: a file's temporary
# name (its absolute path + TEMP_NAME_EXTRA bytes) must fit.
PATH_MAX = 4096


def link_there(target: Path, relative: PurePosixPath) -> str | None:
    """The target of the symlink at ``target``, if that is one; a folder there is an error."""
    info = stat_of(target, relative, follow=False)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise ScaffoldError(
            f"{target}: a folder is where the template renders the symlink {relative}. "
            "Move the folder or choose another --out."
        )
    if info is None or not stat.S_ISLNK(info.st_mode):
        return None
    return os.readlink(target)


def refuse_link(destination: Path, relative: PurePosixPath, link: Path) -> None:
    """Refuse to write ``relative``: ``link``, a folder on its way, is a symlink."""
    raise ConfinementError(
        f"{destination / relative}: {link} is a symlink to {os.readlink(link)}; "
        "scaffolder writes only into real folders of the destination (it never follows "
        "a link while it writes, so that no link can lead a file astray). Replace the "
        "link by the folder it points to, or choose another --out."
    )


def inside(
    root: Path,
    destination: Path,
    relative: PurePosixPath,
    walked: dict[str, Path | None] | None = None,
) -> tuple[Path, Path | None]:
    """The target path, refusing any that a symlink would lead out of the destination; and
    the first folder on the way that is a symlink (inside the destination), if any.
    ``walked`` keeps, per folder already looked at in this plan, that folder's answer: the
    files of one folder do not look at it again."""
    parts = relative.parts
    linked, start = None, 0
    if walked is not None:
        for cut in range(len(parts) - 1, 0, -1):
            folder = "/".join(parts[:cut])
            if folder in walked:
                linked, start = walked[folder], cut
                break
    probe = os.path.join(root, *parts[:start])
    for number in range(start, len(parts)):
        probe = os.path.join(probe, parts[number])
        if os.path.islink(probe):
            resolved = Path(probe).resolve()
            if resolved != root and root not in resolved.parents:
                raise ConfinementError(
                    f"{destination / relative}: {probe} is a symlink to {os.readlink(probe)}, "
                    "outside the destination; scaffolder will not write through it. "
                    "Remove the link or choose another --out."
                )
            if number + 1 < len(parts) and linked is None:
                linked = Path(probe)
        if walked is not None and number + 1 < len(parts):
            walked["/".join(parts[: number + 1])] = linked
    return destination / relative, linked


def check_length(root: Path, relative: PurePosixPath) -> None:
    """The temporary file the commit writes beside ``relative`` must fit PATH_MAX."""
    full = os.fsencode(os.path.join(root, relative))
    if len(full) + TEMP_NAME_EXTRA >= PATH_MAX:
        raise ScaffoldError(
            f"{relative}: its path in {root} is {len(full):,} bytes long; with the "
            f"{TEMP_NAME_EXTRA} bytes of the temporary file written beside it, that is "
            f"past {PATH_MAX - 1:,} bytes, the longest path the system takes. Choose a "
            "shorter --out, or shorten the values that name the folders."
        )


_SPECIAL = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def read_existing(target: Path, relative: PurePosixPath) -> bytes | None:
    """What ``target`` holds now, or None. Never opens anything but a regular file,
    and never blocks: a FIFO, a device or a socket there is an error."""
    info = stat_of(target, relative)  # inside() has refused symlinks that lead out
    if info is None:
        return None
    if stat.S_ISDIR(info.st_mode):
        raise ScaffoldError(
            f"{target}: a folder is where the blueprint renders the file {relative}. "
            "Move the folder or choose another --out."
        )
    _refuse_special(target, relative, info.st_mode)
    real = target.resolve() if target.is_symlink() else target
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(real, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ScaffoldError(f"{target}: cannot be read: {exc.strerror}.") from exc
    with os.fdopen(descriptor, "rb") as handle:
        _refuse_special(target, relative, os.fstat(handle.fileno()).st_mode)
        try:
            return handle.read()
        except OSError as exc:
            raise ScaffoldError(f"{target}: cannot be read: {exc.strerror}.") from exc


def stat_of(target: Path, relative: PurePosixPath, *, follow: bool = True) -> os.stat_result | None:
    """``target``'s status (its own, a symlink's, when not ``follow``), or None: nothing."""
    try:
        return os.stat(target) if follow else os.lstat(target)
    except FileNotFoundError:
        return None
    except NotADirectoryError as exc:
        raise ScaffoldError(
            f"{target}: a file stands where the blueprint needs a folder for {relative}."
        ) from exc
    except OSError as exc:
        raise ScaffoldError(f"{target}: cannot be read: {exc.strerror}.") from exc


def _refuse_special(target: Path, relative: PurePosixPath, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = _SPECIAL.get(stat.S_IFMT(mode), "not a regular file")
    raise ScaffoldError(
        f"{target}: {kind} is where the blueprint renders the file {relative}; "
        "scaffolder neither reads nor replaces one. Remove it or choose another --out."
    )
