"""Shell completion of blueprint names (``scaffold new <TAB>``, ``show``, ``--blueprint``).

The shell runs ``scaffold`` at each TAB (Typer's completion: ``scaffold --install-completion``),
so this answers from the folder and manifest names alone: no blueprint is loaded or
validated. What looks like a path is left to the shell's own file completion.
"""

from __future__ import annotations

import os


def blueprint_names(incomplete: str) -> list[str]:
    """The names of the blueprints found (built-in, ``./.scaffold/blueprints``,
    ``SCAFFOLD_PATH``) that start with ``incomplete``; none when it is a path."""
    if incomplete.startswith((".", "~")) or os.sep in incomplete or "/" in incomplete:
        return []  # a folder: the shell completes file names when given nothing
    from scaffolder.catalog import blueprint_names as names  # only when asked: --help stays light

    return [name for name in names() if name.startswith(incomplete)]
