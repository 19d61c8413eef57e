"""``scaffold extract``: derive a blueprint from examples, and draw what was found."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli.console import console, print_json
from scaffolder.cli.errors import handled
from scaffolder.cli.options import JsonOption, verbose

if TYPE_CHECKING:
    from rich.console import Console

    from scaffolder.extract import Extraction


def extract(
    ctx: typer.Context,
    examples: Annotated[
        list[Path],
        typer.Argument(
            metavar="EXAMPLE...",
            help="Two or more example files, or folders (a folder per example).",
            show_default=False,
        ),
    ],
    name: Annotated[
        str,
        typer.Option(
            "--name", "-n", help="The blueprint's name: lower-case words joined by hyphens."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the blueprint (default: ./.scaffold/blueprints/NAME).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the blueprint already in --out.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail on lines that differ in a way no name explains, instead of keeping "
            "them as per-example text variables.",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Derive a blueprint from two or more examples that differ by a few names."""
    from scaffolder.extract import extract as derive

    with handled(json_output=json_output, verbose=verbose(ctx)):
        result = derive(examples, name=name, out=out, force=force, strict=strict)
    if json_output:
        print_json(result.to_json())
    else:
        draw(result, console())


def draw(result: Extraction, out: Console) -> None:
    from rich.markup import escape

    out.print(f"[bold]{escape(result.name)}[/]: written to {escape(str(result.out))}")
    for variable in result.variables:
        if variable.kind.value == "text":
            continue  # listed as kept, below
        values = ", ".join(str(v) for v in variable.values)
        uses = ", ".join(f"{{{{ {u} }}}}" for u in variable.uses)
        out.print(f"  variable  {escape(variable.name)} ({variable.type}): {escape(values)}")
        out.print(f"            used as {escape(uses)}")
    for path in result.templates:
        out.print(f"  template  {escape(path)}")
    for check in result.checks:
        out.print(f"  check     {escape(check)}")
    for variable in result.kept:
        out.print(
            f"[yellow]kept[/]      {escape(variable.where)}: differs in a way no name explains; "
            f"kept per example as {escape(variable.name)}: {escape(repr(variable.line))}"
        )
    trust = " --trust" if result.needs_trust else ""
    out.print(
        f"verified: each of the {result.verified} examples renders back byte for byte. "
        f"Next: scaffold blueprint test {escape(str(result.out))}{trust}"
    )
