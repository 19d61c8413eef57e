"""The three-way merge of one file: what the last run wrote (the base), what the destination
holds now (the user's version) and what the blueprint renders now.

The merge is git's own (``git merge-file``, run on temporary copies, with no configuration
of the user's or of any repository), so that a file merges as it would in ``git merge``:
line by line, the user's changes and the blueprint's kept where they touch different lines,
and conflict markers where they touch the same ones::

    <<<<<<< current
    the user's lines
    =======
    the blueprint's lines
    >>>>>>> blueprint

git is a separate program, not a library linked in: scaffolder stays MIT-licensed (the
``merge3`` package on PyPI, the other maintained implementation, is GPL). It is needed only
when both sides changed a file; a file only one side changed needs no merge. A binary file
(a NUL byte) changed on both sides cannot be merged line by line: it is a conflict, without
markers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import ScaffoldError

LABELS = ("current", "base", "blueprint")  # the markers' names, as Copier's inline ones
_BINARY_PROBE = 8000  # git's rule: a NUL byte in the first 8000 bytes makes a file binary
_TIMEOUT = 60.0  # seconds for one merge; git merges megabytes in far less


@dataclass(frozen=True)
class Merged:
    """The result of a three-way merge: the merged bytes (with conflict markers where the
    two sides changed the same lines), and how many places conflict (0: a clean merge).
    ``binary``: a binary file changed on both sides; ``content`` is then the blueprint's."""

    content: bytes
    conflicts: int = 0
    binary: bool = False

    @property
    def clean(self) -> bool:
        return self.conflicts == 0


def merge(base: bytes, current: bytes, new: bytes) -> Merged:
    """Merge the changes from ``base`` to ``current`` (the user's) and from ``base`` to
    ``new`` (the blueprint's)."""
    if current in (base, new):
        return Merged(new)
    if new == base:
        return Merged(current)
    if any(_binary(content) for content in (base, current, new)):
        return Merged(new, conflicts=1, binary=True)
    return _merge_file(base, current, new)


def _binary(content: bytes) -> bool:
    return b"\0" in content[:_BINARY_PROBE]


def _merge_file(base: bytes, current: bytes, new: bytes) -> Merged:
    git = shutil.which("git")
    if git is None:
        raise ScaffoldError(
            "a file you edited is changed by the blueprint too, and merging the two needs git "
            "(`git merge-file`), which is not on PATH. Nothing was written. Install git, or "
            "choose a side with --on-conflict overwrite (the blueprint's) or skip (yours)."
        )
    with tempfile.TemporaryDirectory(prefix="scaffold-merge-") as folder:
        names = []
        for label, content in zip(LABELS, (current, base, new), strict=True):
            path = Path(folder, label)
            path.write_bytes(content)
            names.append(str(path))
        labels = [argument for label in LABELS for argument in ("-L", label)]
        env = {
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "LC_ALL": "C",
        }
        try:
            done = subprocess.run(
                [git, "-c", "merge.conflictStyle=merge", "merge-file", "-p", *labels, *names],
                cwd=folder,  # no repository, so no repository's configuration either
                env=env,
                capture_output=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ScaffoldError(f"git merge-file could not merge a file: {exc}.") from exc
    if done.returncode < 0 or done.returncode > 127:  # killed, or git's own error (-1: 255)
        why = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise ScaffoldError(f"git merge-file could not merge a file: {why}.")
    return Merged(done.stdout, conflicts=done.returncode)
