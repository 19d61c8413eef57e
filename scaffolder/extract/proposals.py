"""The checks a derived blueprint proposes, from what its examples hold.

Python files: ``py_compile``, and ``import`` of each module that is not a test (the modules
named with the templates' expressions: ``app.api.{{ resource }}``); test files: ``pytest``,
run; JSON, YAML and TOML files: their parse check; Markdown pages: the headings every example
has, as ``markdown`` sections. ``requires`` lists the modules the examples import that are
neither the standard library's nor their own, so a missing one is reported before anything
is written.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from scaffolder.extract import template
from scaffolder.extract.draft import Draft

_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^(```|~~~)")
_PARSED = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


def _is_test(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def propose(draft: Draft) -> list[Any]:
    firsts = [g.first for g in draft.groups]
    checks: list[Any] = []
    python = [i for i, f in enumerate(firsts) if f.path.endswith(".py")]
    if python:
        checks.append("py_compile")
    local = {PurePosixPath(f.path).parts[0].removesuffix(".py") for f in firsts}
    importable = [i for i in python if _importable(draft, i)]
    modules = [name for i in importable if (name := _module(draft, i)) is not None]
    if modules:
        needs = _imports(firsts[i].content for i in importable)
        checks.append(_with_requires({"modules": modules}, needs - local))
    tests = [i for i in python if _is_test(firsts[i].path)]
    if tests:
        needs = _imports(firsts[i].content for i in tests) - local
        checks.append({"pytest": _with_requires({"run": True}, needs | {"pytest"})})
    for kind in dict.fromkeys(
        _PARSED[suffix] for f in firsts if (suffix := PurePosixPath(f.path).suffix) in _PARSED
    ):
        checks.append(kind)
    sections = _common_headings(draft)
    if sections:
        checks.append({"markdown": {"sections": sections}})
    return [{"import": c} if isinstance(c, dict) and "modules" in c else c for c in checks]


def _importable(draft: Draft, index: int) -> bool:
    """A module worth importing: not a test, not a test folder's, not ``conftest``, and
    not an ``__init__.py`` that is the same in every example."""
    path = PurePosixPath(draft.groups[index].first.path)
    if _is_test(path.name) or path.name == "conftest.py":
        return False
    if any(part in ("tests", "test") for part in path.parts[:-1]):
        return False
    return path.name != "__init__.py" or draft.contents[index] is not None


def _with_requires(options: dict[str, Any], needs: set[str]) -> dict[str, Any]:
    return {**options, "requires": sorted(needs)} if needs else options


def _module(draft: Draft, index: int) -> str | None:
    """The dotted module name a Python template renders, as a template, if every example's
    path is one (``app/api/{{ resource }}.py`` -> ``app.api.{{ resource }}``)."""
    paths = [f.path for f in draft.groups[index].files]
    for path in paths:
        parts = PurePosixPath(path).with_suffix("").parts
        if not all(part.isidentifier() for part in parts):
            return None
    source = template.render_source(draft.paths[index])
    if "{{ path_" in source:
        return None  # a path no name explains
    module = source.removesuffix(".py").replace("/", ".")
    return module.removesuffix(".__init__") if module != "__init__" else None


def _imports(contents: Iterable[bytes]) -> set[str]:
    """The top-level names the sources import that are not the standard library's."""
    names: set[str] = set()
    for content in contents:
        try:
            tree = ast.parse(content)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "__future__"}


def _headings(text: str) -> list[str]:
    found, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            found.append(match.group(1))
    return found


def _common_headings(draft: Draft) -> list[str]:
    """The headings of the Markdown pages that every example's page has, in order."""
    common: list[str] = []
    for group in draft.groups:
        if not group.first.path.endswith((".md", ".markdown")):
            continue
        pages = [_headings(f.content.decode("utf-8", "replace")) for f in group.files]
        common.extend(h for h in pages[0] if all(h in page for page in pages[1:]))
    return list(dict.fromkeys(common))
