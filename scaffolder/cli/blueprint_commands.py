"""``scaffold blueprint …``: author and test blueprints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli.console import console, print_json
from scaffolder.cli.errors import handled
from scaffolder.cli.options import (
    JsonOption,
    PythonOption,
    TrustOption,
    VcsRefOption,
    verbose,
)

blueprint_app = typer.Typer(
    name="blueprint", help="Author and test blueprints.", no_args_is_help=True
)


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
    from scaffolder import api
    from scaffolder.cli import blueprint_output

    with handled(json_output=json_output, verbose=verbose(ctx)):
        reports = api.test_blueprint(name, keep=keep, trust=trust, vcs_ref=vcs_ref, python=python)
    failed = [number for number, r in enumerate(reports, start=1) if r.exit_code]
    if json_output:
        print_json({"examples": [r.to_json() for r in reports], "failed": failed})
    else:
        blueprint_output.draw_blueprint_test(name, reports, console())
    raise typer.Exit(1 if failed else 0)
