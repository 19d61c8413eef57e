"""Where the commands print: the consoles and ``--json``. Light, so that a command that
only lists (``scaffold list``) does not load the drawing of runs (:mod:`.output`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def console() -> Console:
    from rich.console import Console  # not for --help

    # No emoji codes: ``:memo:`` in a path or a description is text, not a picture.
    return Console(highlight=False, soft_wrap=True, emoji=False)


def error_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))
