"""What stops a run before anything is written: checks that would run the code of a
blueprint nobody trusts (the trust guard), and tools the checks need that are missing (the
tool guard), each looked up where its check will look for it: a module by the check's
Python, asked once for all its modules; a program on ``PATH``, that Python's folder first."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence

from scaffolder.checks import base
from scaffolder.checks.interpreter import (
    Found,
    Interpreter,
    ask,
    environment,
    scaffold_python,
)
from scaffolder.checks.kinds import KINDS
from scaffolder.checks.model import Target, Tool
from scaffolder.errors import ScaffoldError
from scaffolder.settings import TrustedSource, load_settings, settings_path


class ToolMissingError(ScaffoldError):
    """A check needs a tool that is not installed; found before anything is written."""

    kind = "tool"


class UntrustedError(ScaffoldError):
    """A blueprint that is not built in, nor trusted, has checks that run its code."""

    kind = "trust"


def guard_trust(
    targets: Sequence[Target], trust: bool, trusted: Iterable[TrustedSource | str] | None
) -> None:
    if trust:
        return
    # Each target knows its own blueprint's origin: a built-in blueprint that happens to
    # share a name with a local one (two phases of a plan) must not vouch for it.
    gated = [t for t in targets if KINDS[t.kind].runs_code and not t.built_in]
    if not gated:
        return
    if trusted is None:
        sources = load_settings().trust
    else:
        sources = tuple(
            e if isinstance(e, TrustedSource) else TrustedSource.parse(e) for e in trusted
        )
    untrusted = sorted(
        {
            f"{target.blueprint} ({target.description}) in {target.blueprint_root}"
            for target in gated
            if not any(source.covers(target.blueprint_root) for source in sources)
        }
    )
    if untrusted:
        raise UntrustedError(
            "a blueprint that is not built in has checks that run its code on this machine "
            "(import, pytest and command checks do):\n"
            + "\n".join(f"  {line}" for line in untrusted)
            + "\nNothing was run or written. Read the blueprint; if you trust it, run again "
            f"with --trust, or list its folder under `trust:` in {settings_path()}."
        )


Missing = dict[tuple[str, Interpreter], tuple[Tool, set[str]]]  # (name, python) -> checks


def guard_tools(targets: Sequence[Target]) -> None:
    """Every tool of every check, looked up; a missing one is a :class:`ToolMissingError`.

    Each Python that a check runs with is asked once (which also proves it runs: one that
    does not is an :class:`~scaffolder.checks.interpreter.InterpreterError`); scaffold's
    own is asked in-process.
    """
    needs = [(target, KINDS[target.kind].tools(target)) for target in targets]
    modules: dict[Interpreter, set[str]] = {}
    for target, tools in needs:
        names = modules.setdefault(_python(target), set())
        names.update(tool.name for tool in tools if tool.module)
    found = {python: _importable(python, sorted(names)) for python, names in modules.items()}
    missing: Missing = {}
    for target, tools in needs:
        python = _python(target)
        for tool in tools:
            there = found[python][tool.name] if tool.module else _on_path(tool.name, python)
            if not there:
                checks = missing.setdefault((tool.name, python), (tool, set()))[1]
                checks.add(f"{target.blueprint}: {target.description}")
    if missing:
        raise ToolMissingError(
            "a check needs a tool that is not installed; nothing was written:\n"
            + "\n".join(_missing_lines(missing))
            + "\nInstall it, or run with --no-check to skip the checks."
        )


def _missing_lines(missing: Missing) -> list[str]:
    """A line per tool and the checks that need it; after the modules of each Python, where
    they were looked up and how to install them there; a program, where it was looked for."""
    lines = []
    ordered = sorted(missing.items(), key=lambda entry: (entry[0][1].path, entry[0][0]))
    for python in dict.fromkeys(python for (_, python), _ in ordered):
        mine = [(tool, checks) for (_, there), (tool, checks) in ordered if there == python]
        for tool, checks in mine:
            lines.append(f"  {tool.name}: needed by {', '.join(sorted(checks))}.")
            if not tool.module:
                first = f", {python.scripts} first" if python.scripts else ""
                lines[-1] += f" Looked for on PATH{first}. Install {tool.name} and put it on PATH."
        packages = list(dict.fromkeys(tool.package for tool, _ in mine if tool.module))
        if packages:
            pip = "pip" if python.found is Found.SCAFFOLD else f"{python.path} -m pip"
            them = "them" if len(packages) > 1 else "it"
            lines.append(
                f"  Looked up with {python.describe()}. "
                f"Install {them} with: {pip} install {' '.join(packages)}"
            )
    return lines


def _python(target: Target) -> Interpreter:
    return target.python or scaffold_python()  # a check on data looks in scaffold itself


def _importable(python: Interpreter, names: Sequence[str]) -> dict[str, bool]:
    if python.own:
        return {name: base.module_available(name) for name in names}
    answer = ask(python, names)  # even for no module: proves that it runs
    found = answer.get("found")
    return {name: isinstance(found, dict) and found.get(name) is True for name in names}


def _on_path(program: str, python: Interpreter) -> bool:
    return shutil.which(program, path=environment(None, python).get("PATH")) is not None
