"""The ``scaffold`` command line."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import typer

from scaffolder.cli.app import app
from scaffolder.cli.errors import parser_error, parser_error_class, wants_json

__all__ = ["app", "main"]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``scaffold`` script. SIGTERM is treated like Ctrl-C.

    The parser's own errors (an unknown option, a bad choice, a missing argument) come here
    rather than being printed by click, so that ``--json`` anywhere on the command line
    turns them into a JSON error too (exit code 2)."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = app(prog_name="scaffold", standalone_mode=False)
    except parser_error_class() as error:
        sys.exit(parser_error(error, json_output=wants_json(sys.argv[1:])))
    except typer.Abort:
        print("Aborted!", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
