"""The ``scaffold`` command: parse arguments, call the library, draw the result."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scaffolder import __version__, api
from scaffolder.catalog import resolve_blueprint
from scaffolder.cli import output, prompts
from scaffolder.cli.errors import handled
from scaffolder.errors import UsageError
from scaffolder.plan import ConflictPolicy
from scaffolder.report import Report
from scaffolder.values import parse_assignments, questions, read_data_file

app = typer.Typer(
    name="scaffold",
    help="Decide once, render N times, prove the output, never leave a half-written tree.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

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


def _verbose(ctx: typer.Context) -> bool:
    return bool(ctx.obj and ctx.obj.get("verbose"))


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
    with handled(json_output=json_output, verbose=_verbose(ctx)):
        found = api.catalog()
    if json_output:
        output.print_json(
            {
                "blueprints": [output.blueprint_json(b) for b in found.blueprints],
                "broken": [error.message for error in found.broken],
            }
        )
    else:
        output.draw_blueprints(list(found.blueprints), output.console())
        output.draw_warnings([error.message for error in found.broken], output.error_console())


@app.command()
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="BLUEPRINT", help="Blueprint name or folder.")],
    vcs_ref: VcsRefOption = None,
    json_output: JsonOption = False,
) -> None:
    """A blueprint's variables, computed values, files and checks."""
    with handled(json_output=json_output, verbose=_verbose(ctx)):
        blueprint = resolve_blueprint(name, vcs_ref=vcs_ref)
    if json_output:
        output.print_json(output.blueprint_json(blueprint))
    else:
        output.draw_blueprint(blueprint, output.console())


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
    with handled(json_output=json_output, verbose=_verbose(ctx)):
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
    _finish(report, json_output)


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
    with handled(json_output=json_output, verbose=_verbose(ctx)):
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
    _finish(report, json_output, batch=True)


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
    with handled(json_output=json_output, verbose=_verbose(ctx)):
        report = api.check(
            out, trust=trust, wait=not no_wait, on_wait=output.waiting, python=python
        )
    if json_output:
        output.print_json(report.to_json())
    else:
        output.draw_checks(report, output.console())
    raise typer.Exit(report.exit_code)


class CopierConflict(enum.Enum):
    """How Copier leaves what it cannot merge (its --conflict)."""

    INLINE = "inline"
    REJ = "rej"


@app.command()
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
        ConflictPolicy,
        typer.Option(
            "--on-conflict",
            help="Files whose changes could not be merged: fail (write nothing), "
            "overwrite (write Copier's result, markers included; of a native blueprint, "
            "its new render), skip (keep your version).",
        ),
    ] = ConflictPolicy.FAIL,
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
) -> None:
    """Bring projects to the newest version of what made them, in one transaction: a Copier
    template's newer version by Copier's own update (in a staging copy of each), native
    blueprints as they are now by a three-way merge with what the last run wrote."""
    with handled(json_output=json_output, verbose=_verbose(ctx)):
        report = api.update(
            destinations or [Path(".")],
            vcs_ref=vcs_ref,
            conflict=conflict.value,
            on_conflict=on_conflict,
            answers_file=answers_file,
            dry_run=dry_run,
            check=not no_check,
            keep_failed=keep_failed,
            trust=trust,
            wait=not no_wait,
            on_wait=output.waiting,
            python=python,
        )
    _finish(report, json_output)


@app.command()
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
    no_wait: NoWaitOption = False,
    json_output: JsonOption = False,
) -> None:
    """Revert the newest run in a destination (run by run): delete the files it created,
    give the files it changed back their old bytes and modes; atomically."""
    with handled(json_output=json_output, verbose=_verbose(ctx)):
        report = api.undo(
            out, run_id, force=force, dry_run=dry_run, wait=not no_wait, on_wait=output.waiting
        )
    _finish(report, json_output)


@app.command()
def history(
    ctx: typer.Context,
    out: OutOption = Path("."),
    no_wait: NoWaitOption = False,
    json_output: JsonOption = False,
) -> None:
    """The runs recorded in a destination, newest first: id, time, blueprints, items, files."""
    with handled(json_output=json_output, verbose=_verbose(ctx)):
        found = api.history(out, wait=not no_wait, on_wait=output.waiting)
    if json_output:
        output.print_json(found.to_json())
    else:
        output.draw_history(found, output.console())


def _finish(report: Report, json_output: bool, *, batch: bool = False) -> None:
    """Draw the report (or print it as JSON) and exit with its code."""
    if json_output:
        output.print_json(report.to_json())
    else:
        output.draw_report(report, output.console(), batch=batch)
    raise typer.Exit(report.exit_code)


blueprint_app = typer.Typer(
    name="blueprint", help="Author and test blueprints.", no_args_is_help=True
)
app.add_typer(blueprint_app)


@blueprint_app.command("test")
def blueprint_test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="BLUEPRINT", help="Blueprint name or folder.")],
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Render the examples here (example-1, …) and keep them."),
    ] = None,
    trust: TrustOption = False,
    vcs_ref: VcsRefOption = None,
    python: PythonOption = None,
    json_output: JsonOption = False,
) -> None:
    """Render each of a blueprint's examples in a fresh folder and run its checks."""
    with handled(json_output=json_output, verbose=_verbose(ctx)):
        reports = api.test_blueprint(name, keep=keep, trust=trust, vcs_ref=vcs_ref, python=python)
    failed = [number for number, r in enumerate(reports, start=1) if r.exit_code]
    if json_output:
        output.print_json({"examples": [r.to_json() for r in reports], "failed": failed})
    else:
        output.draw_blueprint_test(name, reports, output.console())
    raise typer.Exit(1 if failed else 0)


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
