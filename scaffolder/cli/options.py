"""The options several commands share, and how every command ends: draw, then exit (errors:
:mod:`scaffolder.cli.errors`).

Light on purpose: typer reads every command's signature to answer ``scaffold --help``, so
the types here are the CLI's own (not the planner's), and what draws a run is imported
when a command needs it.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli.completion import blueprint_names
from scaffolder.errors import UsageError

if TYPE_CHECKING:
    from scaffolder.report import Report


class OnConflict(enum.Enum):
    """``--on-conflict``: the choices of :class:`scaffolder.plan.ConflictPolicy`, which the
    library takes by value (importing the planner would slow every command's start)."""

    FAIL = "fail"
    SKIP = "skip"
    OVERWRITE = "overwrite"


JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON report and nothing else.")]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Destination folder.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print the plan and diffs; write nothing.")
]
DiffOption = Annotated[
    bool,
    typer.Option(
        "--diff",
        help="With --dry-run: draw every file's diff (a run of more than 50 files draws "
        "the first 5 and counts the rest).",
    ),
]


def _verbose_too(ctx: typer.Context, value: bool) -> bool:
    """``scaffold COMMAND -v`` is ``scaffold -v COMMAND``."""
    if value:
        ctx.obj = {**(ctx.obj or {}), "verbose": True}
    return value


VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        callback=_verbose_too,
        help="List every file (a run of more than 50 files shows a table per folder); "
        "tracebacks with errors.",
    ),
]
ConflictOption = Annotated[
    OnConflict,
    typer.Option("--on-conflict", help="What to do with existing files that differ."),
]
NoCheckOption = Annotated[
    bool, typer.Option("--no-check", help="Do not run the blueprints' checks.")
]
KeepFailedOption = Annotated[
    bool,
    typer.Option("--keep-failed", help="Keep the files when a check fails (default: roll back)."),
]
NoWaitOption = Annotated[
    bool,
    typer.Option(
        "--no-wait", help="If another run holds the destination, exit 1 instead of waiting."
    ),
]
TrustOption = Annotated[
    bool,
    typer.Option(
        "--trust",
        help=(
            "Allow checks that run a blueprint's code (command, import, pytest) from "
            "blueprints that are not built in."
        ),
    ),
]
PythonOption = Annotated[
    Path | None,
    typer.Option(
        "--python",
        metavar="PATH",
        help=(
            "The Python the checks use (import, pytest, command, py_compile): an "
            "interpreter or a virtual environment's folder. Default: the VIRTUAL_ENV in "
            "effect, else a .venv or venv in the destination or a folder above it, else "
            "scaffold's own."
        ),
        show_default=False,
    ),
]
BlueprintArgument = Annotated[
    str,
    typer.Argument(
        metavar="BLUEPRINT", help="Blueprint name or folder.", autocompletion=blueprint_names
    ),
]
VcsRefOption = Annotated[
    str | None,
    typer.Option(
        "--vcs-ref",
        metavar="REF",
        help=(
            "The tag, branch or commit of a git source (gh:owner/repo, a URL, a local git "
            "repository). Default: the latest PEP 440 tag, else HEAD (Cookiecutter: the "
            "default branch)."
        ),
        show_default=False,
    ),
]


def verbose(ctx: typer.Context) -> bool:
    """Whether -v was given (before or after the command): every file is listed, and
    errors show their traceback."""
    return bool(ctx.obj and ctx.obj.get("verbose"))


def diff_needs_dry_run(diff: bool, dry_run: bool) -> None:
    """``--diff`` draws the diffs of a dry run: alone it would be ignored."""
    if diff and not dry_run:
        raise UsageError("--diff draws the diffs of a dry run: add --dry-run.")


def finish(
    report: Report,
    json_output: bool,
    *,
    batch: bool = False,
    verbose: bool = False,
    diff: bool = False,
) -> None:
    """Draw the report (or print it as JSON: every file, every diff) and exit with its code.
    ``verbose`` (-v) lists every file, ``diff`` (--diff) draws every diff of a dry run."""
    from scaffolder.cli import output

    if json_output:
        output.print_json(report.to_json())
    else:
        output.draw_report(report, output.console(), batch=batch, verbose=verbose, diff=diff)
    raise typer.Exit(report.exit_code)
