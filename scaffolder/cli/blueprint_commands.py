"""``scaffold blueprint …``: author and test blueprints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli.console import console, print_json
from scaffolder.cli.errors import handled
from scaffolder.cli.options import (
    BlueprintArgument,
    JsonOption,
    PythonOption,
    TrustOption,
    VcsRefOption,
    verbose,
)

blueprint_app = typer.Typer(
    name="blueprint", help="Author and test blueprints.", no_args_is_help=True
)


@blueprint_app.command("init")
def blueprint_init(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new blueprint's name.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The folder to create it in (default: ./.scaffold/blueprints, where "
            "`scaffold new NAME` finds it).",
            show_default=False,
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Start a blueprint: a commented manifest, one template, a check and examples."""
    from scaffolder.authoring.init import init_blueprint, starter_files
    from scaffolder.cli import blueprint_output

    with handled(json_output=json_output, verbose=verbose(ctx)):
        path = init_blueprint(name, out)
    files = sorted(starter_files(name))
    if json_output:
        print_json({"name": name, "path": str(path), "files": files})
    else:
        blueprint_output.draw_init(name, path, files, found_by_name=out is None, out=console())


@blueprint_app.command("test")
def blueprint_test(
    ctx: typer.Context,
    name: BlueprintArgument,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Render the examples here (example-1, …) and keep them."),
    ] = None,
    update_golden: Annotated[
        bool,
        typer.Option(
            "--update-golden",
            help="Record each example's output in the golden folder; later runs compare with it.",
        ),
    ] = False,
    golden: Annotated[
        Path | None,
        typer.Option(
            "--golden",
            metavar="DIR",
            help="The golden folder (default: the blueprint's golden/).",
            show_default=False,
        ),
    ] = None,
    trust: TrustOption = False,
    vcs_ref: VcsRefOption = None,
    python: PythonOption = None,
    json_output: JsonOption = False,
) -> None:
    """Render each of a blueprint's examples in a fresh folder and run its checks; compare
    the output with the golden folder when there is one."""
    from scaffolder.authoring.golden import golden_test
    from scaffolder.cli import blueprint_output

    with handled(json_output=json_output, verbose=verbose(ctx)):
        run = golden_test(
            name,
            update=update_golden,
            golden=golden,
            keep=keep,
            trust=trust,
            vcs_ref=vcs_ref,
            python=python,
        )
    if json_output:
        print_json(
            {
                "examples": [r.to_json() for r in run.reports],
                "failed": run.failed,
                "golden": [g.to_json() for g in run.golden],
                "golden_folder": str(run.folder),
                "stale": list(run.stale),
            }
        )
    else:
        blueprint_output.draw_blueprint_test(name, list(run.reports), console(), run)
    raise typer.Exit(run.exit_code)


@blueprint_app.command("lint")
def blueprint_lint(
    ctx: typer.Context,
    name: BlueprintArgument,
    vcs_ref: VcsRefOption = None,
    json_output: JsonOption = False,
) -> None:
    """Find unused and undeclared variables, unused computed values, invalid examples, file
    names that render empty, and import checks of modules no example renders."""
    from scaffolder.authoring.lint import lint
    from scaffolder.cli import blueprint_output

    with handled(json_output=json_output, verbose=verbose(ctx)):
        report = lint(name, vcs_ref=vcs_ref)
    if json_output:
        print_json(report.to_json())
    else:
        blueprint_output.draw_lint(report, console())
    raise typer.Exit(report.exit_code)
