"""The ``scaffold`` command: parse arguments, call the library, draw the result.

Each command imports the library and the drawing it uses when it runs: ``scaffold --help``
and ``--version`` load typer and these modules only, ``scaffold list`` what finds blueprints
(tests/test_startup.py holds them to it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scaffolder import __version__
from scaffolder.cli import blueprint_commands, extract_command, project_commands
from scaffolder.cli.completion import blueprint_names
from scaffolder.cli.console import console, error_console, print_json
from scaffolder.cli.errors import handled
from scaffolder.cli.options import (
    BlueprintArgument,
    ConflictOption,
    DiffOption,
    DryRunOption,
    JsonOption,
    KeepFailedOption,
    NoCheckOption,
    NoWaitOption,
    OnConflict,
    OutOption,
    PythonOption,
    TrustOption,
    VcsRefOption,
    VerboseOption,
    diff_needs_dry_run,
    finish,
    verbose,
)
from scaffolder.errors import UsageError

app = typer.Typer(
    name="scaffold",
    help="Decide once, render N times, prove the output, never leave a half-written tree.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion, --show-completion
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="List every file of a run (past 50, a run shows a table per folder); "
            "show tracebacks with errors.",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = {"verbose": verbose}


@app.command("list")
def list_command(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """The blueprints found: built-in, ./.scaffold/blueprints and SCAFFOLD_PATH."""
    from scaffolder import api
    from scaffolder.cli import blueprint_output

    with handled(json_output=json_output, verbose=verbose(ctx)):
        found = api.catalog()
    if json_output:
        print_json(found.to_json())  # the same as the MCP server's list_blueprints
    else:
        blueprint_output.draw_blueprints(list(found.blueprints), console(), found.shadows)
        broken = [error.message for error in found.broken]
        blueprint_output.draw_warnings(broken, error_console())
        blueprint_output.draw_search_warnings(found.warnings, error_console())


@app.command()
def show(
    ctx: typer.Context,
    name: BlueprintArgument,
    vcs_ref: VcsRefOption = None,
    json_output: JsonOption = False,
) -> None:
    """A blueprint's variables, computed values, files and checks."""
    from scaffolder.catalog import resolve_blueprint
    from scaffolder.cli import blueprint_output

    _warn_about_search_path()
    with handled(json_output=json_output, verbose=verbose(ctx)):
        blueprint = resolve_blueprint(name, vcs_ref=vcs_ref)
    if json_output:
        print_json(blueprint_output.blueprint_json(blueprint))
    else:
        blueprint_output.draw_blueprint(blueprint, console())


@app.command()
def new(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="BLUEPRINT",
            help="Blueprint name or folder.",
            show_default=False,
            autocompletion=blueprint_names,
        ),
    ] = None,
    blueprint: Annotated[
        str | None,
        typer.Option(
            "--blueprint",
            "-b",
            help="Blueprint name or folder (instead of BLUEPRINT).",
            autocompletion=blueprint_names,
        ),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", metavar="NAME=VALUE", help="A variable's value; repeatable."),
    ] = None,
    data_file: Annotated[
        Path | None, typer.Option("--data-file", "-d", help="Values from a YAML or JSON file.")
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Never prompt: take the defaults.")
    ] = False,
    out: OutOption = Path("."),
    dry_run: DryRunOption = False,
    diff: DiffOption = False,
    on_conflict: ConflictOption = OnConflict.FAIL,
    no_check: NoCheckOption = False,
    keep_failed: KeepFailedOption = False,
    trust: TrustOption = False,
    no_wait: NoWaitOption = False,
    vcs_ref: VcsRefOption = None,
    python: PythonOption = None,
    json_output: JsonOption = False,
    every_file: VerboseOption = False,
) -> None:
    """Render one blueprint once, prompting on a terminal for missing values."""
    from scaffolder import api
    from scaffolder.catalog import resolve_blueprint
    from scaffolder.cli import output
    from scaffolder.values import parse_assignments, questions, read_data_file

    _warn_about_search_path()
    with handled(json_output=json_output, verbose=verbose(ctx)):
        diff_needs_dry_run(diff, dry_run)
        chosen = _one_blueprint(name, blueprint)
        found = resolve_blueprint(chosen, vcs_ref=vcs_ref)
        values: dict[str, Any] = read_data_file(data_file) if data_file else {}
        values.update(parse_assignments(found, assignments or ()))
        if _interactive() and not defaults and not json_output:
            from scaffolder.cli import prompts  # questionary: only to ask

            prompts.ask(questions(found, values), values)  # each answer into values
        with output.RunProgress(console(), shown=not json_output) as progress:
            report = api.new(
                found,
                values,
                out=out,
                dry_run=dry_run,
                on_conflict=on_conflict.value,
                check=not no_check,
                keep_failed=keep_failed,
                trust=trust,
                wait=not no_wait,
                on_wait=output.waiting,
                python=python,
                progress=progress.stage,
            )
    finish(report, json_output, verbose=verbose(ctx), diff=diff)


@app.command()
def batch(
    ctx: typer.Context,
    items_file: Annotated[
        Path, typer.Argument(metavar="ITEMS", help="Items file (YAML or JSON).", show_default=False)
    ],
    out: OutOption = Path("."),
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", help="Items per batch (default: the file's, else 6)."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Batches rendered at once (default: the cores)."),
    ] = None,
    dry_run: DryRunOption = False,
    diff: DiffOption = False,
    on_conflict: ConflictOption = OnConflict.FAIL,
    no_check: NoCheckOption = False,
    keep_failed: KeepFailedOption = False,
    trust: TrustOption = False,
    no_wait: NoWaitOption = False,
    vcs_ref: VcsRefOption = None,
    python: PythonOption = None,
    json_output: JsonOption = False,
    every_file: VerboseOption = False,
) -> None:
    """Render many items from an items file: one blueprint, or a plan of phases."""
    from scaffolder import api
    from scaffolder.cli import output

    _warn_about_search_path()
    with handled(json_output=json_output, verbose=verbose(ctx)):
        diff_needs_dry_run(diff, dry_run)
        with output.RunProgress(console(), shown=not json_output) as progress:
            report = api.run(
                items_file,
                out=out,
                dry_run=dry_run,
                on_conflict=on_conflict.value,
                batch_size=batch_size,
                jobs=jobs,
                check=not no_check,
                keep_failed=keep_failed,
                trust=trust,
                on_batch=progress.update,
                progress=progress.stage,
                wait=not no_wait,
                on_wait=output.waiting,
                vcs_ref=vcs_ref,
                python=python,
            )
    finish(report, json_output, batch=True, verbose=verbose(ctx), diff=diff)


@app.command()
def check(
    ctx: typer.Context,
    out: OutOption = Path("."),
    trust: TrustOption = False,
    no_wait: NoWaitOption = False,
    python: PythonOption = None,
    json_output: JsonOption = False,
) -> None:
    """Run the checks of the last run in a destination again."""
    from scaffolder import api
    from scaffolder.cli import output

    with (
        handled(json_output=json_output, verbose=verbose(ctx)),
        output.RunProgress(console(), shown=not json_output) as progress,
    ):
        report = api.check(
            out, trust=trust, wait=not no_wait, on_wait=output.waiting, python=python,
            progress=progress.stage,
        )  # fmt: skip
    if json_output:
        print_json(report.to_json())
    else:
        output.draw_checks(report, console())
    raise typer.Exit(report.exit_code)


@app.command("mcp")
def mcp_command(
    ctx: typer.Context,
    root: Annotated[
        Path,
        typer.Option(
            "--root", help="The project folder the server works in; it writes nowhere else."
        ),
    ] = Path("."),
    trust: TrustOption = False,
) -> None:
    """Serve the Model Context Protocol over stdio: assistants list, show, preview, run,
    check and undo (docs/assistants.md). Needs the MCP SDK: pip install '.[mcp]'."""
    from scaffolder.mcp import serve

    with handled(verbose=verbose(ctx)):
        serve(root, trust=trust)


app.command()(project_commands.update)
app.command()(project_commands.undo)
app.command()(project_commands.history)
app.command()(extract_command.extract)
app.add_typer(blueprint_commands.blueprint_app)


def _warn_about_search_path() -> None:
    """A ``SCAFFOLD_PATH`` folder that is not there, said on standard error (``--json``
    keeps standard output for the report; ``scaffold list --json`` carries it in its own
    ``warnings``): a blueprint expected from it would not be found."""
    from rich.markup import escape

    from scaffolder.catalog import SearchPath

    for warning in SearchPath.default().warnings():
        error_console().print(f"[yellow]warning:[/] {escape(warning)}")


def _one_blueprint(name: str | None, option: str | None) -> str:
    if name and option and name != option:
        raise UsageError(f"two blueprints given ({name!r} and --blueprint {option!r}); give one.")
    chosen = name or option
    if not chosen:
        raise UsageError(
            "which blueprint? Give its name: `scaffold new BLUEPRINT` (`scaffold list` shows them)."
        )
    return chosen


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
