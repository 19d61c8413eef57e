"""The one error handler: every error becomes a message and an exit code.

0 success, 1 user error, 2 usage error, 130 interrupted. A user error prints
its message only; ``-v`` adds the traceback. Light to import (every command enters it):
what draws an error is imported when one comes.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator

import typer

from scaffolder.cli.console import error_console, print_json
from scaffolder.errors import ScaffoldError

INTERRUPTED = 130


@contextlib.contextmanager
def handled(*, json_output: bool = False, verbose: bool = False) -> Iterator[None]:
    try:
        yield
    except ScaffoldError as error:
        from rich.markup import escape

        from scaffolder.report import error_json

        if json_output:
            print_json(error_json(error))
        else:
            err = error_console()
            if verbose:
                err.print(escape(traceback.format_exc()))
            err.print(f"[bold red]error:[/] {escape(error.message)}")
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        error_console().print("[yellow]interrupted[/]: nothing was left half-written")
        raise typer.Exit(INTERRUPTED) from None
