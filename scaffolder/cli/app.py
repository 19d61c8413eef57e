"""The ``scaffold`` command: parse arguments, call the library, draw the result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scaffolder import __version__, api
from scaffolder.catalog import resolve_blueprint
from scaffolder.cli import blueprint_commands, blueprint_output, output, project_commands, prompts
from scaffolder.cli.errors import handled
from scaffolder.cli.options import (
    ConflictOption,
    DryRunOption,
    JsonOption,
    KeepFailedOption,
    NoCheckOption,
    NoWaitOption,
    OutOption,
    PythonOption,
    TrustOption,
    VcsRefOption,
    finish,
    verbose,
)
from scaffolder.errors import UsageError
from scaffolder.plan import ConflictPolicy
from scaffolder.values import parse_assignments, questions, read_data_file

app = typer.Typer(
    name="scaffold",
    help="Decide once, render N times, prove the output, never leave a half-written tree.",
    no_args_is_help=True,
    add_completion=False,
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
        bool, typer.Option("--verbose", "-v", help="Show tracebacks with errors.")
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
    with handled(json_output=json_output, verbose=verbose(ctx)):
        found = api.catalog()
    if json_output:
        output.print_json(
            {
                "blueprints": [blueprint_output.blueprint_json(b) for b in found.blueprints],
                "broken": [error.message for error in found.broken],
            }
        )
    else:
        blueprint_output.draw_blueprints(list(found.blueprints), output.console())
        broken = [error.message for error in found.broken]
        blueprint_output.draw_warnings(broken, output.error_console())


@app.command()
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="BLUEPRINT", help="Blueprint name or folder.")],
    vcs_ref: VcsRefOption = None,
    json_output: JsonOption = False,
) -> None:
    """A blueprint's variables, computed values, files and checks."""
    with handled(json_output=json_output, verbose=verbose(ctx)):
        blueprint = resolve_blueprint(name, vcs_ref=vcs_ref)
    if json_output:
        output.print_json(blueprint_output.blueprint_json(blueprint))
    else:
        blueprint_output.draw_blueprint(blueprint, output.console())


@app.command()
def new(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="BLUEPRINT", help="Blueprint name or folder.", show_default=False),
    ] = None,
    blueprint: Annotated[
        str | None,
        typer.Option("--blueprint", "-b", help="Blueprint name or folder (instead of BLUEPRINT)."),
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
    on_conflict: ConflictOption = ConflictPolicy.FAIL,
    no_check: NoCheckOption = False,
    keep_failed: KeepFailedOption = False,
    trust: TrustOption = False,
    no_wait: NoWaitOption = False,
    vcs_ref: VcsRefOption = None,
    python: PythonOption = None,
    json_output: JsonOption = False,
) -> None:
    """Render one blueprint once, prompting on a terminal for missing values."""
    with handled(json_output=json_output, verbose=verbose(ctx)):
        chosen = _one_blueprint(name, blueprint)
        found = resolve_blueprint(chosen, vcs_ref=vcs_ref)
        values: dict[str, Any] = read_data_file(data_file) if data_file else {}
        values.update(parse_assignments(found, assignments or ()))
        if _interactive() and not defaults and not json_output:
            prompts.ask(questions(found, values), values)  # each answer into values
        report = api.new(
            found,
            values,
            out=out,
            dry_run=dry_run,
            on_conflict=on_conflict,
            check=not no_check,
            keep_failed=keep_failed,
            trust=trust,
            wait=not no_wait,
            on_wait=output.waiting,
            python=python,
        )
    finish(report, json_output)


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
    on_conflict: ConflictOption = ConflictPolicy.FAIL,
    no_check: NoCheckOption = False,
    keep_failed: KeepFailedOption = False,
    trust: TrustOption = False,
    no_wait: NoWaitOption = False,
    vcs_ref: VcsRefOption = None,
    python: PythonOption = None,
    json_output: JsonOption = False,
) -> None:
    """Render many items from an items file: one blueprint, or a plan of phases."""
    with handled(json_output=json_output, verbose=verbose(ctx)):
        progress = output.BatchProgress(output.console())
        with progress:
            report = api.run(
                items_file,
                out=out,
                dry_run=dry_run,
                on_conflict=on_conflict,
                batch_size=batch_size,
                jobs=jobs,
                check=not no_check,
                keep_failed=keep_failed,
                trust=trust,
                on_batch=None if json_output else progress.update,
                wait=not no_wait,
                on_wait=output.waiting,
                vcs_ref=vcs_ref,
                python=python,
            )
    finish(report, json_output, batch=True)


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
    with handled(json_output=json_output, verbose=verbose(ctx)):
        report = api.check(
            out, trust=trust, wait=not no_wait, on_wait=output.waiting, python=python
        )
    if json_output:
        output.print_json(report.to_json())
    else:
        output.draw_checks(report, output.console())
    raise typer.Exit(report.exit_code)


app.command()(project_commands.update)
app.command()(project_commands.undo)
app.command()(project_commands.history)
app.add_typer(blueprint_commands.blueprint_app)


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
