"""Drawing blueprints: `scaffold list`, `show` and `blueprint init`, `test` and `lint`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

if TYPE_CHECKING:
    from scaffolder.authoring.golden import GoldenResult, GoldenRun
    from scaffolder.authoring.lint import LintReport
    from scaffolder.blueprint import Blueprint
    from scaffolder.report import Report


def draw_blueprint_test(
    name: str, reports: list[Report], out: Console, golden: GoldenRun | None = None
) -> None:
    """A line per example; the checks of those that failed; each golden comparison."""
    from scaffolder.cli.output import draw_checks  # the drawing of runs: not for `list`

    compared = {g.example: g for g in golden.golden} if golden is not None else {}
    for number, report in enumerate(reports, start=1):
        label = report.items[0].name if report.items and report.items[0].name else ""
        title = f"example {number}{' ' + escape(label) if label else ''}"
        checks = len(report.checks)
        if report.exit_code == 0:
            golden_ok = number not in compared or compared[number].ok
            verdict = "[green]passed[/]" if golden_ok else "[bold red]failed[/]"
            out.print(
                f"{verdict}  {title}: "
                f"{_count(len(report.files), 'file')}, {_count(checks, 'check')}"
                + ("" if golden_ok else " passed")
            )
        else:
            out.print(f"[bold red]failed[/]  {title}:")
            if report.checks:
                draw_checks(report, out, verdict=False)
            else:
                out.print(f"  {report.outcome.value}")
        if number in compared:
            _draw_golden(compared[number], out)
    if golden is not None:
        for stale in golden.stale:
            out.print(
                f"[bold red]stale[/]   {escape(_relative(golden.folder / stale))}: no example of "
                "that number any more; run with --update-golden to remove it"
            )
    failed = len(golden.failed) if golden is not None else sum(1 for r in reports if r.exit_code)
    verdict = f"[bold red]{failed} failed[/]" if failed else "[green]all passed[/]"
    if golden is not None and golden.stale:
        verdict += f", [bold red]{_count(len(golden.stale), 'stale golden folder')}[/]"
    out.print(f"{escape(name)}: {_count(len(reports), 'example')}, {verdict}")


def _draw_golden(result: GoldenResult, out: Console) -> None:
    from scaffolder.authoring.golden import GoldenStatus
    from scaffolder.cli.changes_output import _draw_diff  # colours a diff as a dry run does

    folder = escape(_relative(result.folder))
    if result.status is GoldenStatus.MATCHED:
        out.print(f"  golden: matches {folder}")
    elif result.status is GoldenStatus.RECORDED:
        out.print(f"  golden: [green]recorded[/] in {folder}")
    elif result.status is GoldenStatus.NOT_RECORDED:
        out.print(
            f"  golden: [bold red]nothing recorded[/] in {folder}; record it with --update-golden"
        )
    elif result.status is GoldenStatus.NOT_RUN:
        out.print("  golden: [yellow]not compared[/] (the example failed)")
    else:
        out.print(f"  golden: [bold red]differs[/] from {folder}:")
        for difference in result.differences:
            out.print(f"    {difference.difference.value:>8}  {escape(difference.path)}")
        for difference in result.differences:
            if difference.diff:
                _draw_diff(difference.diff, out)
        out.print("  (if the change is intended, record it with --update-golden)")


def draw_lint(report: LintReport, out: Console) -> None:
    """A line per finding, ``file:line: kind: message``, then the count."""
    for finding in report.findings:
        where = finding.where()
        prefix = f"{escape(where)}: " if where else ""
        kind = finding.kind.value.replace("_", " ")
        out.print(f"{prefix}[bold yellow]{kind}[/]: {escape(finding.message)}")
    if report.clean:
        out.print(f"{escape(report.blueprint)}: [green]no findings[/]")
    else:
        found = _count(len(report.findings), "finding")
        out.print(f"{escape(report.blueprint)}: [bold red]{found}[/]")


def draw_init(
    name: str, path: Path, files: list[str], *, found_by_name: bool, out: Console
) -> None:
    shown = _relative(path)
    out.print(f"created the blueprint {escape(name)} in {escape(shown)}:")
    for file in files:
        out.print(f"  {escape(file)}")
    reference = name if found_by_name else shown
    out.print(f"try it: scaffold new {escape(reference)} --defaults --out x")
    out.print(f"test it: scaffold blueprint test {escape(reference)}")


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def draw_blueprints(
    blueprints: list[Blueprint],
    out: Console,
    shadows: Callable[[Blueprint], tuple[Blueprint, ...]] = lambda _: (),
) -> None:
    """A row per blueprint; one that hides others of its name says so ("shadows built-in")."""
    # A long path folds onto more lines instead of ending in "…".
    table = Table("name", "kind", "pattern", "description", Column("from", overflow="fold"))
    shadowing = False
    for blueprint in blueprints:
        where = blueprint.origin.value
        if blueprint.origin.name != "BUILT_IN":
            where += f" ({blueprint.location})"
        for hidden in shadows(blueprint):
            shadowing = True
            where += f"; shadows {hidden.origin.value}"
            if hidden.origin.name != "BUILT_IN":
                where += f" ({hidden.location})"
        table.add_row(
            escape(blueprint.name),
            blueprint.kind,
            escape(blueprint.pattern or ""),
            escape(blueprint.description),
            escape(where),
        )
    out.print(table)
    if shadowing:
        out.print(
            "A name found in several places is the nearest one's: ./.scaffold/blueprints, "
            "then the SCAFFOLD_PATH folders in order, then the built-in blueprints."
        )


def draw_search_warnings(messages: tuple[str, ...], out: Console) -> None:
    for message in messages:
        out.print(f"[yellow]warning:[/] {escape(message)}")


def draw_warnings(messages: list[str], out: Console) -> None:
    for message in messages:
        out.print(f"[yellow]warning:[/] skipped a broken blueprint: {escape(message)}")


def blueprint_json(blueprint: Blueprint) -> dict[str, Any]:
    return blueprint.to_json()


def draw_blueprint(blueprint: Blueprint, out: Console) -> None:
    out.print(f"[bold]{escape(blueprint.name)}[/]  {escape(blueprint.pattern or '')}")
    out.print(escape(blueprint.description))
    out.print(
        f"from: {blueprint.origin.value} ({escape(blueprint.location)}), kind: {blueprint.kind}"
    )
    patterns = any("pattern" in prop for prop in blueprint.properties.values())
    columns = ["variable", "type", "required", "default", "description"]
    variables = Table(*columns, title="variables")
    if patterns:  # only when a variable has one: most blueprints would show an empty column
        variables.add_column("pattern", overflow="fold")
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
            *([escape(str(prop.get("pattern", "")))] if patterns else []),
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
    if blueprint.examples:
        out.print("[bold]examples[/] (`scaffold blueprint test` renders each one)")
        for number, example in enumerate(blueprint.examples, start=1):
            text = json.dumps(example, default=str, ensure_ascii=False)
            if len(text) > _EXAMPLE_WIDTH:
                text = text[: _EXAMPLE_WIDTH - 1] + "… (--json shows it all)"
            out.print(f"  {number}. {escape(text)}")


_EXAMPLE_WIDTH = 300  # characters of an example `show` prints
