"""What the template sources share: reading back what a template's own tool rendered into
a private staging folder (files, symlinks, empty folders) by destination-relative path; and
keeping what a template's own code prints (tasks, hooks) off stdout, which may carry --json."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from scaffolder.blueprint import StagedFile
from scaffolder.errors import TemplateError


def read_tree(
    root: Path, reference: str, tool: str, keep_existing: Callable[[str], bool] | None = None
) -> dict[str, StagedFile]:
    """Everything ``tool`` wrote below ``root``, by ``root``-relative path: each file with
    its bytes and mode, each symlink with its target as written (never followed), and each
    empty folder. ``keep_existing`` says which paths keep a version the destination has."""
    found: dict[str, StagedFile] = {}
    keep = keep_existing or (lambda _: False)
    for folder, folders, names in os.walk(root):
        if folder != os.fspath(root) and not folders and not names:
            relative = Path(folder).relative_to(root).as_posix()
            mode = stat.S_IMODE(os.lstat(folder).st_mode)
            found[relative] = StagedFile(b"", mode, folder=True, keep_existing=keep(relative))
        for name in folders + names:
            path = Path(folder, name)
            info = path.lstat()
            relative = path.relative_to(root).as_posix()
            if stat.S_ISDIR(info.st_mode):
                continue  # walked into (os.walk does not follow a link to a folder)
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                link = os.readlink(path)
                found[relative] = StagedFile(b"", mode, link=link, keep_existing=keep(relative))
            elif stat.S_ISREG(info.st_mode):
                found[relative] = StagedFile(path.read_bytes(), mode, keep_existing=keep(relative))
            else:
                raise TemplateError(
                    f"{reference}: {tool} rendered {relative}, which is neither a file, a "
                    "symlink nor a folder (a FIFO or a socket?); scaffolder does not write "
                    f"those. Remove it from the template, or render it with {tool} itself."
                )
    return found


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """While the template's own code runs: whatever it prints goes to stderr."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
