"""Drawing blueprints: `scaffold list`, `show` and `blueprint test`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

if TYPE_CHECKING:
    from scaffolder.blueprint import Blueprint
    from scaffolder.report import Report


def draw_blueprint_test(name: str, reports: list[Report], out: Console) -> None:
    """A line per example; the checks of those that failed."""
    from scaffolder.cli.output import draw_checks  # the drawing of runs: not for `list`

    for number, report in enumerate(reports, start=1):
        label = report.items[0].name if report.items and report.items[0].name else ""
        checks = len(report.checks)
        if report.exit_code == 0:
            out.print(
                f"[green]passed[/]  example {number} {escape(label)}: "
                f"{_count(len(report.files), 'file')}, {_count(checks, 'check')}"
            )
        else:
            out.print(f"[bold red]failed[/]  example {number} {escape(label)}:")
            if report.checks:
                draw_checks(report, out, verdict=False)
            else:
                out.print(f"  {report.outcome.value}")
    failed = sum(1 for r in reports if r.exit_code)
    verdict = f"[bold red]{failed} failed[/]" if failed else "[green]all passed[/]"
    out.print(f"{escape(name)}: {_count(len(reports), 'example')}, {verdict}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def draw_blueprints(blueprints: list[Blueprint], out: Console) -> None:
    # A long path folds onto more lines instead of ending in "…".
    table = Table("name", "kind", "pattern", "description", Column("from", overflow="fold"))
    for blueprint in blueprints:
        where = blueprint.origin.value
        if blueprint.origin.name != "BUILT_IN":
            where += f" ({blueprint.location})"
        table.add_row(
            escape(blueprint.name),
            blueprint.kind,
            escape(blueprint.pattern or ""),
            escape(blueprint.description),
            escape(where),
        )
    out.print(table)


def draw_warnings(messages: list[str], out: Console) -> None:
    for message in messages:
        out.print(f"[yellow]warning:[/] skipped a broken blueprint: {escape(message)}")


def blueprint_json(blueprint: Blueprint) -> dict[str, Any]:
    return {
        "name": blueprint.name,
        "pattern": blueprint.pattern,
        "description": blueprint.description,
        "origin": blueprint.origin.value,
        "kind": blueprint.kind,
        "path": blueprint.location,
        "variables": dict(blueprint.variables),
        "computed": dict(blueprint.computed),
        "files": [p.as_posix() for p in blueprint.template_files()],
        "checks": [c.describe() for c in blueprint.checks],
        "examples": list(blueprint.examples),
    }


def draw_blueprint(blueprint: Blueprint, out: Console) -> None:
    out.print(f"[bold]{escape(blueprint.name)}[/]  {escape(blueprint.pattern or '')}")
    out.print(escape(blueprint.description))
    out.print(
        f"from: {blueprint.origin.value} ({escape(blueprint.location)}), kind: {blueprint.kind}"
    )
    variables = Table("variable", "type", "required", "default", "description", title="variables")
    for name, prop in blueprint.properties.items():
        kind = prop.get("type", "enum" if "enum" in prop else "any")
        if "enum" in prop:
            kind = f"{kind}: {' | '.join(map(str, prop['enum']))}"
        default = json.dumps(prop["default"]) if "default" in prop else ""
        for templated in ("x-copier-default", "x-cookiecutter-default"):
            if templated in prop:  # rendered from the earlier answers
                default = str(prop[templated])
        variables.add_row(
            escape(name),
            escape(str(kind)),
            "yes" if name in blueprint.required else "",
            escape(default),
            escape(str(prop.get("description", ""))),
        )
    out.print(variables)
    if blueprint.computed:
        computed = Table("name", "value", title="computed")
        for name, text in blueprint.computed.items():
            computed.add_row(escape(name), escape(text))
        out.print(computed)
    out.print("[bold]files[/]")
    for path in blueprint.template_files():
        out.print(f"  {escape(path.as_posix())}")
    if blueprint.checks:
        out.print("[bold]checks[/]")
        for check in blueprint.checks:
            out.print(f"  {escape(check.describe())}")
