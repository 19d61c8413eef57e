"""Every Jinja text of a native blueprint, where it is, and the names it uses.

A blueprint's texts are its template files (``.jinja``, and the snippet templates of
``inject:``), the names of its template files and folders, its computed values, the options
of its checks, its ``inject:`` entries and its ``skip_if_exists`` patterns. The names a text
uses are those Jinja's :func:`jinja2.meta.find_undeclared_variables` finds: every name it
reads that it does not set itself (anywhere in the text).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta, nodes

from scaffolder.blueprint import MANIFEST, TEMPLATE_DIR, Blueprint
from scaffolder.render import TEMPLATE_SUFFIX
from scaffolder.yamlsource import SourceDocument

CHECK_NAMES = frozenset({"files"})  # what a check's options may use besides the values


@dataclass(frozen=True)
class Text:
    """One Jinja text of a blueprint."""

    source: str
    file: str  # relative to the blueprint's folder: template/…, blueprint.yaml
    line: int | None  # where the text starts in ``file`` (None: unknown)
    label: str  # how messages name it: ``computed.Model``, ``the name of template/…``
    known: frozenset[str] = frozenset()  # names it may use besides the item's
    whole_file: bool = False  # a template file: a line in the text is a line of the file
    computed: str | None = None  # the computed value this text defines


@dataclass(frozen=True)
class Uses:
    """The names one text reads, each with the line of its first use (when known)."""

    text: Text
    names: Mapping[str, int | None]


def blueprint_texts(blueprint: Blueprint, document: SourceDocument) -> Iterator[Text]:
    """Every Jinja text of a native blueprint, templates first."""
    base = blueprint.template_dir
    prefix = f"{TEMPLATE_DIR}/"
    snippets = [i.template for i in blueprint.injections if i.template is not None]
    for relative in [*(p.as_posix() for p in blueprint.template_files()), *snippets]:
        if relative.endswith(TEMPLATE_SUFFIX):
            text = (base / relative).read_text(encoding="utf-8", errors="replace")
            yield Text(text, prefix + relative, 1, prefix + relative, whole_file=True)
    for path in blueprint.template_files():
        for segment in path.parts:
            if "{" in segment:
                where = prefix + path.as_posix()
                yield Text(segment, where, None, f"its name {segment!r}")
    for name, value in blueprint.computed.items():
        line = document.line_of(("computed", name))
        yield Text(value, MANIFEST, line, f"computed.{name}", computed=name)
    for index, check in enumerate(blueprint.checks):
        line = document.line_of(("checks", index))
        for text in _strings(check.options):
            yield Text(text, MANIFEST, line, f"checks: {check.kind}", CHECK_NAMES)
    for index, injection in enumerate(blueprint.injections):
        line = document.line_of(("inject", index))
        parts = (injection.into, injection.snippet, injection.anchor, injection.end)
        for part in (*parts, injection.skip_if):
            if part is not None:
                yield Text(part, MANIFEST, line, injection.key)
    for index, pattern in enumerate(blueprint.skip_if_exists):
        line = document.line_of(("skip_if_exists", index))
        yield Text(pattern, MANIFEST, line, f"skip_if_exists.{index}")


def uses(env: jinja2.Environment, text: Text) -> Uses:
    """The names ``text`` reads; raises jinja2.TemplateSyntaxError if it does not parse."""
    tree = env.parse(text.source)
    # Jinja counts a name set in a branch (`{% if %}{% set x = … %}`) as read from outside
    # too, in case the branch is not taken: a name the text sets anywhere is its own
    stored = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "store"}
    undeclared = meta.find_undeclared_variables(tree) - stored
    lines: dict[str, int | None] = {}
    for node in tree.find_all(nodes.Name):
        if node.name in undeclared and node.name not in lines:
            lines[node.name] = _line(text, node.lineno)
    return Uses(text, {name: lines.get(name, text.line) for name in sorted(undeclared)})


def _line(text: Text, lineno: int) -> int | None:
    if text.whole_file:
        return lineno
    if text.line is None:
        return None
    return text.line  # a manifest value: the line of its key


def _strings(options: Any) -> Iterator[str]:
    if isinstance(options, str):
        if "{" in options:
            yield options
    elif isinstance(options, list):
        for value in options:
            yield from _strings(value)
    elif isinstance(options, dict):
        for value in options.values():
            yield from _strings(value)
