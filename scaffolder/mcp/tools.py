"""What each tool does: its arguments checked, the library called, the result as JSON data.

Plain functions, no protocol: each takes the server's :class:`Service` and the tool's
arguments and returns the JSON the CLI's ``--json`` prints for the same command (a run's
report, ``scaffold show``'s blueprint, ``scaffold list``'s catalog, ``scaffold history``'s
runs). A problem raises :class:`ToolFailure` carrying the error report, in the report's
schema: the kind, the message and, for invalid values, every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder import api
from scaffolder.errors import ConfinementError, ScaffoldError, UsageError
from scaffolder.itemsfile import ItemsFile
from scaffolder.mcp.rooted import Root
from scaffolder.progress import OnProgress
from scaffolder.report import REPORT_VERSION, Outcome, error_json

Arguments = Mapping[str, Any]
INLINE = "items (inline)"  # how an error names the items given inline
TRUST = "trust"  # the kind of error a blueprint's code that needs --trust raises


class ToolFailure(Exception):
    """A tool could not do what it was asked; ``data`` says why (the report schema)."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data["error"]["message"])
        self.data = data

    @classmethod
    def of(cls, error: ScaffoldError) -> ToolFailure:
        data = error_json(error)
        if error.kind == TRUST:  # "run again with --trust" is the command line's way
            data["error"]["message"] += (
                "\nThis MCP server was started without --trust: an assistant cannot give it. "
                'Ask the user; they add "--trust" to the server\'s arguments in the '
                "assistant's MCP configuration (`scaffold mcp --root DIR --trust`) and "
                "restart it."
            )
        return cls(data)


@dataclass(frozen=True)
class Result:
    """A tool's answer: JSON data, and whether it reports a failure (a conflict, a failed
    check: the report says which)."""

    data: dict[str, Any]
    failed: bool = False


@dataclass(frozen=True)
class Service:
    """What every tool works in: the root, and whether blueprint code may run."""

    root: Root
    trust: bool = False
    progress: OnProgress | None = None  # told how far a run has got (the client asked)

    def out(self, arguments: Arguments) -> Path:
        return self.root.inside(arguments.get("out", "."), "out")


def argument_problems(arguments: Arguments, schema: Mapping[str, Any]) -> None:
    """Every way ``arguments`` break the tool's input ``schema``, at once."""
    from jsonschema import Draft202012Validator

    problems = []
    for error in sorted(Draft202012Validator(schema).iter_errors(arguments), key=str):
        field = ".".join(str(part) for part in error.absolute_path)
        message = error.message
        if error.validator == "required":
            missing = [k for k in error.validator_value if k not in (error.instance or {})]
            field = ".".join(filter(None, [field, *missing[:1]]))
        elif error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            known = sorted(error.schema.get("properties", {}))
            unknown = [k for k in error.instance if k not in known]
            field = ".".join(filter(None, [field, *unknown[:1]]))
            names = ", ".join(repr(name) for name in unknown)
            what = "argument" if not error.absolute_path else "name"
            message = f"unknown {what} {names}; known: {', '.join(known) or 'none'}"
        problems.append(
            {
                "item": None,
                "name": None,
                "field": field,
                "rule": str(error.validator),
                "message": message,
                "line": None,
                "source": None,
            }
        )
    if problems:
        count = len(problems)
        message = f"{count} invalid argument{'s' if count != 1 else ''}; nothing was written:"
        lines = [f"  {p['field'] or '(arguments)'}: {p['message']} [{p['rule']}]" for p in problems]
        raise ToolFailure(
            {
                "version": REPORT_VERSION,
                "outcome": Outcome.FAILED.value,
                "error": {
                    "kind": UsageError.kind,
                    "message": "\n".join([message, *lines]),
                    "problems": problems,
                },
            }
        )


def list_blueprints(service: Service, arguments: Arguments) -> Result:
    return Result(api.catalog(service.root.search).to_json())


def show_blueprint(service: Service, arguments: Arguments) -> Result:
    from scaffolder.catalog import resolve_blueprint

    reference = service.root.blueprint(arguments["blueprint"])
    return Result(resolve_blueprint(reference, service.root.search).to_json())


def new(service: Service, arguments: Arguments) -> Result:
    report = api.new(
        service.root.blueprint(arguments["blueprint"]),
        arguments.get("values") or {},
        **_run_settings(service, arguments),
    )
    return Result(report.to_json(), report.exit_code != 0)


def batch(service: Service, arguments: Arguments) -> Result:
    report = api.run(
        items_file(service, arguments),
        batch_size=arguments.get("batch_size"),
        **_run_settings(service, arguments),
    )
    return Result(report.to_json(), report.exit_code != 0)


def _run_settings(service: Service, arguments: Arguments) -> dict[str, Any]:
    """What ``new`` and ``batch`` take alike: from the arguments, and from the server."""
    return {
        "out": service.out(arguments),
        "dry_run": arguments.get("dry_run", False),
        "on_conflict": arguments.get("on_conflict", "fail"),
        "check": arguments.get("check", True),
        "keep_failed": arguments.get("keep_failed", False),
        "trust": service.trust,
        "search": service.root.search,
        "progress": service.progress,
    }


def preview(service: Service, arguments: Arguments) -> Result:
    """``new`` or ``batch`` (by the arguments given) as a dry run."""
    dry = {**arguments, "dry_run": True}
    if "blueprint" in arguments:
        if "items" in arguments or "items_file" in arguments:
            raise UsageError("preview: give a blueprint (and values), or items, not both.")
        return new(service, dry)
    if "values" in arguments:
        raise UsageError("preview: values need a blueprint; give one (or items instead).")
    if "items" not in arguments and "items_file" not in arguments:
        raise UsageError(
            "preview: what to preview? Give a blueprint (and its values), or items (inline), "
            "or an items_file."
        )
    return batch(service, dry)


def check(service: Service, arguments: Arguments) -> Result:
    report = api.check(service.out(arguments), trust=service.trust, progress=service.progress)
    return Result(report.to_json(), report.exit_code != 0)


def undo(service: Service, arguments: Arguments) -> Result:
    report = api.undo(
        service.out(arguments),
        arguments.get("run"),
        force=arguments.get("force", False),
        dry_run=arguments.get("dry_run", False),
        progress=service.progress,
    )
    return Result(report.to_json(), report.exit_code != 0)


def history(service: Service, arguments: Arguments) -> Result:
    return Result(api.history(service.out(arguments)).to_json())


def blueprint_new(blueprint: str) -> Callable[[Service, Arguments], Result]:
    """``new_<blueprint>``: ``new`` with the blueprint given."""

    def tool(service: Service, arguments: Arguments) -> Result:
        return new(service, {**arguments, "blueprint": blueprint})

    return tool


def items_file(service: Service, arguments: Arguments) -> ItemsFile:
    """The items to run: ``items_file``, inside the root, or ``items`` given inline (its
    relative paths are the root's; errors call it ``items (inline)``). What either names
    stays in the root too (blueprint folders, ``from:`` files; no git source), and its own
    checks that run code need ``--trust``, as a blueprint's do."""
    from scaffolder.itemsfile import load_items_file, read_items
    from scaffolder.yamlsource import SourceDocument

    root = service.root
    given, inline = arguments.get("items_file"), arguments.get("items")
    if given is None and inline is None:
        raise UsageError("which items? Give them inline (items) or an items file (items_file).")
    if given is not None and inline is not None:
        raise UsageError("give the items inline (items) or an items file (items_file), not both.")

    def inside(path: Path, what: str) -> Path:
        return root.inside(path, what)

    if inline is None:
        loaded = load_items_file(root.inside(arguments["items_file"], "items_file"), inside=inside)
    else:
        document = SourceDocument(data=dict(inline), source=INLINE)
        loaded = read_items(document, root.path / INLINE, inside=inside)
    for phase in loaded.phases:
        try:
            root.blueprint(phase.blueprint)  # a folder inside the root, or a name; not git
        except ConfinementError as error:
            raise ConfinementError(f"{phase.cite()}: {error}") from None
    runs_checks = not arguments.get("dry_run", False) and arguments.get("check", True)
    if runs_checks and not service.trust:
        _guard_item_checks(loaded)
    return loaded


def _guard_item_checks(loaded: ItemsFile) -> None:
    """The items' own ``checks:`` that run code (``command``, ``import``, ``pytest``): the
    caller's code, so refused without ``--trust`` whatever the blueprint."""
    from scaffolder.checks.guards import UntrustedError
    from scaffolder.checks.kinds import KINDS

    gated = [
        f"  {phase.cite()}: {check.describe()}"
        for phase in loaded.phases
        for check in phase.checks
        if check.kind in KINDS and KINDS[check.kind].runs_code
    ]
    if gated:
        raise UntrustedError(
            "the items' own checks run code on this machine (import, pytest and command "
            "checks do):\n" + "\n".join(gated) + "\nNothing was run or written."
        )


TOOLS: dict[str, Callable[[Service, Arguments], Result]] = {
    "list_blueprints": list_blueprints,
    "show_blueprint": show_blueprint,
    "preview": preview,
    "new": new,
    "batch": batch,
    "check": check,
    "undo": undo,
    "history": history,
}
