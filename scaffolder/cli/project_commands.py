"""Commands on a project that runs have written: update, undo, history."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli.console import console, print_json
from scaffolder.cli.errors import handled
from scaffolder.cli.options import (
    DiffOption,
    DryRunOption,
    JsonOption,
    KeepFailedOption,
    NoCheckOption,
    NoWaitOption,
    OnConflict,
    OutOption,
    PythonOption,
    VerboseOption,
    diff_needs_dry_run,
    finish,
    verbose,
)


class CopierConflict(enum.Enum):
    """How Copier leaves what it cannot merge (its --conflict)."""

    INLINE = "inline"
    REJ = "rej"


def update(
    ctx: typer.Context,
    destinations: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="DEST",
            help="Projects made from Copier templates or by native blueprints "
            "(default: this folder).",
            show_default=False,
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option(
            "--vcs-ref",
            metavar="REF",
            help="The template version to update to: a tag, branch or commit "
            "(default: the latest PEP 440 tag, as in Copier; for a native blueprint from "
            "git, the ref its run asked for).",
            show_default=False,
        ),
    ] = None,
    conflict: Annotated[
        CopierConflict,
        typer.Option(
            "--conflict",
            help="How Copier marks what it cannot merge: inline markers, or .rej files.",
        ),
    ] = CopierConflict.INLINE,
    on_conflict: Annotated[
        OnConflict,
        typer.Option(
            "--on-conflict",
            help="Files whose changes could not be merged: fail (write nothing), "
            "overwrite (write Copier's result, markers included; of a native blueprint, "
            "its new render), skip (keep your version).",
        ),
    ] = OnConflict.FAIL,
    answers_file: Annotated[
        str | None,
        typer.Option(
            "--answers-file",
            "-a",
            metavar="PATH",
            help="The answers file, relative to each project (default: "
            ".copier-answers.yml, else the one YAML file at its top that names a template).",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
    diff: DiffOption = False,
    no_check: NoCheckOption = False,
    keep_failed: KeepFailedOption = False,
    trust: Annotated[
        bool,
        typer.Option(
            "--trust",
            help="Run the template's code: its _tasks and _migrations (in the staging copy), "
            "Jinja extensions, and checks that run code.",
        ),
    ] = False,
    no_wait: NoWaitOption = False,
    python: PythonOption = None,
    json_output: JsonOption = False,
    every_file: VerboseOption = False,
) -> None:
    """Bring projects to the newest version of what made them, in one transaction: a Copier
    template's newer version by Copier's own update (in a staging copy of each), native
    blueprints as they are now by a three-way merge with what the last run wrote."""
    from scaffolder import api
    from scaffolder.cli import output

    with handled(json_output=json_output, verbose=verbose(ctx)):
        diff_needs_dry_run(diff, dry_run)
        with output.RunProgress(console(), shown=not json_output) as progress:
            report = api.update(
                destinations or [Path(".")],
                vcs_ref=vcs_ref,
                conflict=conflict.value,
                on_conflict=on_conflict.value,
                answers_file=answers_file,
                dry_run=dry_run,
                check=not no_check,
                keep_failed=keep_failed,
                trust=trust,
                wait=not no_wait,
                on_wait=output.waiting,
                python=python,
                progress=progress.stage,
            )
    finish(report, json_output, verbose=verbose(ctx), diff=diff)


def undo(
    ctx: typer.Context,
    run_id: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN",
            help="Go back to before this run (an id from `scaffold history`), reverting "
            "the newer runs too. Default: the newest run.",
            show_default=False,
        ),
    ] = None,
    out: OutOption = Path("."),
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Revert files changed since the run too (those changes are lost)."
        ),
    ] = False,
    dry_run: DryRunOption = False,
    diff: DiffOption = False,
    no_wait: NoWaitOption = False,
    json_output: JsonOption = False,
    every_file: VerboseOption = False,
) -> None:
    """Revert the newest run in a destination (run by run): delete the files it created,
    give the files it changed back their old bytes and modes; atomically."""
    from scaffolder import api
    from scaffolder.cli import output

    with handled(json_output=json_output, verbose=verbose(ctx)):
        diff_needs_dry_run(diff, dry_run)
        with output.RunProgress(console(), shown=not json_output) as progress:
            report = api.undo(
                out, run_id, force=force, dry_run=dry_run, wait=not no_wait,
                on_wait=output.waiting, progress=progress.stage,
            )  # fmt: skip
    finish(report, json_output, verbose=verbose(ctx), diff=diff)


def history(
    ctx: typer.Context,
    out: OutOption = Path("."),
    no_wait: NoWaitOption = False,
    json_output: JsonOption = False,
) -> None:
    """The runs recorded in a destination, newest first: id, time, blueprints, items, files."""
    from scaffolder import api
    from scaffolder.cli import output

    with handled(json_output=json_output, verbose=verbose(ctx)):
        found = api.history(out, wait=not no_wait, on_wait=output.waiting)
    if json_output:
        print_json(found.to_json())
    else:
        output.draw_history(found, console())
