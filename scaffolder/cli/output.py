"""Drawing results: rich on a terminal, plain lines in a pipe, JSON with ``--json``."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from scaffolder.blueprint import Blueprint
from scaffolder.plan import FileStatus
from scaffolder.report import Outcome, Report

STYLES = {
    FileStatus.CREATE: "green",
    FileStatus.IDENTICAL: "blue",
    FileStatus.OVERWRITE: "yellow",
    FileStatus.CONFLICT: "bold red",
    FileStatus.SKIP: "yellow",
}


def console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def error_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def draw_report(report: Report, out: Console) -> None:
    if report.recovery.rolled_back:
        out.print(
            f"[yellow]recovered[/] an interrupted run in {escape(str(report.destination))}: "
            "its partial changes were rolled back"
        )
    for file in report.files:
        style = STYLES[file.status]
        out.print(f"[{style}]{file.status.value:>10}[/]  {escape(file.path)}")
    if report.dry_run:
        for file in report.files:
            if file.diff:
                out.print(Syntax(file.diff, "diff", theme="ansi_dark", background_color="default"))
    counts = ", ".join(
        f"{report.count(status)} {status.value}" for status in FileStatus if report.count(status)
    )
    if report.outcome is Outcome.CONFLICTED:
        conflicts = [f.path for f in report.files if f.status is FileStatus.CONFLICT]
        out.print(
            f"[bold red]conflict:[/] {len(conflicts)} existing file"
            f"{'s differ' if len(conflicts) != 1 else ' differs'} from what the blueprint renders "
            f"({escape(', '.join(conflicts))}). "
            + ("Nothing would be written. " if report.dry_run else "Nothing was written. ")
            + "Use --on-conflict overwrite to replace, --on-conflict skip to keep"
            + (" them." if report.dry_run else " them, or --dry-run to see the diffs.")
        )
    elif report.dry_run:
        out.print(f"dry run: {counts or 'nothing to do'}; nothing was written")
    else:
        out.print(f"done: {counts or 'nothing to do'} in {report.seconds:.2f}s")


def draw_blueprints(blueprints: list[Blueprint], out: Console) -> None:
    table = Table("name", "pattern", "description", "from")
    for blueprint in blueprints:
        where = blueprint.origin.value
        if blueprint.origin.name != "BUILT_IN":
            where += f" ({blueprint.root})"
        table.add_row(blueprint.name, blueprint.pattern or "", blueprint.description, escape(where))
    out.print(table)


def blueprint_json(blueprint: Blueprint) -> dict[str, Any]:
    return {
        "name": blueprint.name,
        "pattern": blueprint.pattern,
        "description": blueprint.description,
        "origin": blueprint.origin.value,
        "path": str(blueprint.root),
        "variables": dict(blueprint.variables),
        "computed": dict(blueprint.computed),
        "files": [p.as_posix() for p in blueprint.template_files()],
        "checks": [c.describe() for c in blueprint.checks],
        "examples": list(blueprint.examples),
    }


def draw_blueprint(blueprint: Blueprint, out: Console) -> None:
    out.print(f"[bold]{escape(blueprint.name)}[/]  {escape(blueprint.pattern or '')}")
    out.print(escape(blueprint.description))
    out.print(f"from: {blueprint.origin.value} ({escape(str(blueprint.root))})")
    variables = Table("variable", "type", "required", "default", "description", title="variables")
    for name, prop in blueprint.properties.items():
        kind = prop.get("type", "enum" if "enum" in prop else "any")
        if "enum" in prop:
            kind = f"{kind}: {' | '.join(map(str, prop['enum']))}"
        default = json.dumps(prop["default"]) if "default" in prop else ""
        variables.add_row(
            name,
            escape(str(kind)),
            "yes" if name in blueprint.required else "",
            escape(default),
            escape(str(prop.get("description", ""))),
        )
    out.print(variables)
    if blueprint.computed:
        computed = Table("name", "value", title="computed")
        for name, text in blueprint.computed.items():
            computed.add_row(name, escape(text))
        out.print(computed)
    out.print("[bold]files[/]")
    for path in blueprint.template_files():
        out.print(f"  {escape(path.as_posix())}")
    if blueprint.checks:
        out.print("[bold]checks[/]")
        for check in blueprint.checks:
            out.print(f"  {escape(check.describe())}")
