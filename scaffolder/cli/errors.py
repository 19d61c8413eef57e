"""The one error handler: every error becomes a message and an exit code.

0 success, 1 user error, 2 usage error, 130 interrupted. A user error prints
its message only; ``-v`` adds the traceback. Light to import (every command enters it):
what draws an error is imported when one comes.

Two kinds of error reach it: those of the library (:class:`~scaffolder.errors.ScaffoldError`,
inside a command: :func:`handled`), and those of the argument parser (an unknown option, a bad
choice, a missing argument: raised before any command runs, :func:`parser_error`). With
``--json`` both print the same JSON error object on standard output and nothing else.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import typer

from scaffolder.cli.console import error_console, print_json
from scaffolder.errors import ScaffoldError, UsageError

INTERRUPTED = 130


@contextlib.contextmanager
def handled(*, json_output: bool = False, verbose: bool = False) -> Iterator[None]:
    try:
        yield
    except ScaffoldError as error:
        from rich.markup import escape

        if json_output:
            print_error_json(error)
        else:
            err = error_console()
            if verbose:
                err.print(escape(traceback.format_exc()))
            err.print(f"[bold red]error:[/] {escape(error.message)}")
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        error_console().print("[yellow]interrupted[/]: nothing was left half-written")
        raise typer.Exit(INTERRUPTED) from None


def print_error_json(error: ScaffoldError, **more: str) -> None:
    """The JSON report of a run that stopped on ``error`` (``more``: fields of its ``error``)."""
    from scaffolder.report import error_json

    data = error_json(error)
    data["error"].update(more)
    print_json(data)


class ParserError(Protocol):
    """What the argument parser raises: click's ``ClickException`` (typer carries its own
    click, so the class is found, not imported: :func:`parser_error_class`)."""

    exit_code: int

    def format_message(self) -> str: ...

    def show(self) -> None: ...


def parser_error_class() -> type[Exception]:
    """The class of every error the argument parser raises (``ClickException``): a base of
    the public ``typer.BadParameter``, in whichever click this typer parses with."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for ``--json``: read from the raw arguments, as a
    parser error may come before ``--json`` is parsed (or stop it from being parsed)."""
    before_end = args[: args.index("--")] if "--" in args else args
    return "--json" in before_end


def parser_error(error: Any, *, json_output: bool) -> int:
    """Print an error of the argument parser (as click would, or, with ``json_output``, as
    the JSON error of ``kind`` ``usage`` with the command it is about) and return its exit
    code (2 for a usage error)."""
    parsed: ParserError = error
    if not json_output:
        parsed.show()
        return parsed.exit_code
    message = parsed.format_message()
    usage = parsed.exit_code == UsageError.exit_code
    # the parser's other errors (exit 1: a file argument that does not open) are user errors
    found = UsageError(message) if usage else ScaffoldError(message)
    ctx = getattr(error, "ctx", None)
    if ctx is None:
        print_error_json(found)
    else:  # the command it is about: where to look
        command = ctx.command_path
        print_error_json(
            found,
            command=command,
            usage=f"{command} {' '.join(ctx.command.collect_usage_pieces(ctx))}",
            help=f"{command} --help",
        )
    return parsed.exit_code
