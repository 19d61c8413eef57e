"""The options several commands share, and how every command ends: draw, then exit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli import output
from scaffolder.plan import ConflictPolicy
from scaffolder.report import Report

JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON report and nothing else.")]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Destination folder.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print the plan and diffs; write nothing.")
]
ConflictOption = Annotated[
    ConflictPolicy,
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
    """Whether -v was given: errors then show their traceback."""
    return bool(ctx.obj and ctx.obj.get("verbose"))


def finish(report: Report, json_output: bool, *, batch: bool = False) -> None:
    """Draw the report (or print it as JSON) and exit with its code."""
    if json_output:
        output.print_json(report.to_json())
    else:
        output.draw_report(report, output.console(), batch=batch)
    raise typer.Exit(report.exit_code)
