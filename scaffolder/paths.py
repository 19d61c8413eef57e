"""What a rendered path may be: inside the destination, a real name, never scaffolder's own.

Rendering checks every path it produces with :func:`confine`; recovery checks every path
a journal names with the same rule, so a planted journal cannot lead it anywhere a
blueprint could not write.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from scaffolder.errors import ConfinementError, shorten

RESERVED = PurePosixPath(".scaffold/journal")
RECORD = PurePosixPath(".scaffold/last-run.json")
# The history of the runs: per run an entry (``<number>-<id>.json``) and a pack of the
# contents it names (``<number>-<id>.pack``). Written by the runs' own commits, like the
# record; never a rendered path.
HISTORY = PurePosixPath(".scaffold/history")
_OWN_FILE = re.compile(
    r"\.scaffold/(?:last-run\.json|history/[0-9]{6,}-[0-9a-f]{8}\.(?:json|pack))"
)
# The commit writes ``.{name}.scaffold-{12 hex}.tmp`` beside each file; a name is
# at most 255 bytes on every common file system.
TEMP_NAME_EXTRA = len(".") + len(".scaffold-") + 12 + len(".tmp")
MAX_NAME_BYTES = 255 - TEMP_NAME_EXTRA
# control characters (C0, DEL, C1) and lone surrogates: never in a file name
_DRIVE = re.compile(r"^[A-Za-z]:")
OWN_FOLDER = ".scaffold"  # RESERVED, RECORD and HISTORY are all below it
_FORBIDDEN_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\\\\]")


def confine(path: str, template: PurePosixPath | None = None) -> PurePosixPath:
    """A rendered path, checked to stay inside the destination."""
    origin = f" (from template {template})" if template else ""
    forbidden = _FORBIDDEN_IN_NAMES.search(path)
    if forbidden:
        raise ConfinementError(
            f"rendered path {shorten(path)}{origin} has a forbidden character "
            f"{forbidden.group()!r} (control characters, backslashes and lone surrogates "
            "are never part of a file name). Check the values that name the file."
        )
    if path.startswith("/") or _DRIVE.match(path):
        raise ConfinementError(
            f"rendered path {path!r}{origin} is absolute; blueprints may only write "
            "inside the destination. Make the template's name relative."
        )
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ConfinementError(
            f"rendered path {path!r}{origin} contains '..' and could leave the destination. "
            "Check the values that name the file."
        )
    if not parts:
        raise ConfinementError(f"rendered path {path!r}{origin} is empty.")
    for part in parts:
        if len(part) * 4 <= MAX_NAME_BYTES:  # short enough whatever its characters
            continue
        size = len(part.encode("utf-8"))
        if size > MAX_NAME_BYTES:
            raise ConfinementError(
                f"rendered path {shorten(path)}{origin}: the name {shorten(part)} is "
                f"{size} bytes long; the limit is {MAX_NAME_BYTES} bytes (255, the file "
                f"system's limit, less {TEMP_NAME_EXTRA} for the temporary file written "
                "beside it). Shorten the values that name the file."
            )
    joined = "/".join(parts)
    if not joined.startswith(OWN_FOLDER):  # the common case: nowhere near scaffolder's own
        return PurePosixPath(joined)
    result = PurePosixPath(joined)
    if result == RECORD:
        raise ConfinementError(
            f"rendered path {result}{origin} is scaffolder's record of the last run."
        )
    if result == RESERVED or RESERVED in result.parents:
        raise ConfinementError(
            f"rendered path {result}{origin} is inside {RESERVED}/, kept for scaffolder's journal."
        )
    if result == HISTORY or HISTORY in result.parents:
        raise ConfinementError(
            f"rendered path {result}{origin} is inside {HISTORY}/, kept for scaffolder's "
            "history of the runs."
        )
    return result


def is_confined(path: str) -> bool:
    """Whether ``path`` is exactly a path a blueprint may render (see :func:`confine`)."""
    try:
        return confine(path).as_posix() == path
    except ConfinementError:
        return False


def own_file(path: str) -> bool:
    """Whether ``path`` names one of scaffolder's own files that a commit writes or deletes
    (the record, a history entry or pack), exactly as a commit names it."""
    return _OWN_FILE.fullmatch(path) is not None


def link_leaves(path: PurePosixPath, target: str) -> bool:
    """Whether a symlink at the destination-relative ``path`` to ``target`` may point out of
    the destination, read lexically: an absolute target does; a relative one does when its
    leading ``..`` climb above the destination, and a ``..`` after a name is refused too (the
    system resolves it after following that name, which may be a link itself)."""
    if not target or target.startswith("/") or "\0" in target:
        return True
    parts = [p for p in target.split("/") if p not in ("", ".")]
    climbs = 0
    while climbs < len(parts) and parts[climbs] == "..":
        climbs += 1
    if ".." in parts[climbs:]:
        return True
    return climbs > len(path.parent.parts)
