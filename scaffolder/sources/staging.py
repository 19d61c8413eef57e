"""What the template sources share: reading back what a template's own tool rendered into
a private staging folder, as destination-relative path -> (bytes, mode); and keeping what a
template's own code prints (tasks, hooks) off stdout, which may carry --json."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from scaffolder.errors import TemplateError


def read_tree(root: Path, reference: str, tool: str) -> dict[str, tuple[bytes, int]]:
    """Every file ``tool`` wrote below ``root``, by ``root``-relative path, with its mode."""
    files: dict[str, tuple[bytes, int]] = {}
    for folder, folders, names in os.walk(root):
        for name in folders + names:
            path = Path(folder, name)
            info = path.lstat()
            relative = path.relative_to(root).as_posix()
            if stat.S_ISDIR(info.st_mode):
                continue  # walked into; an empty one is not planned (yet)
            if not stat.S_ISREG(info.st_mode):
                raise TemplateError(
                    f"{reference}: {tool} rendered {relative}, which is not a regular file "
                    "(a symlink?); scaffolder does not plan those yet. Remove it from the "
                    f"template, or render this template with {tool} itself."
                )
            files[relative] = (path.read_bytes(), stat.S_IMODE(info.st_mode))
    return files


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
