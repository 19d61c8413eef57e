"""``scaffold blueprint lint``: what a blueprint declares against what it uses and renders.

Findings, each with the file and, where known, the line:

* a variable no template, file name, computed value, check or injection uses;
* a name a template uses that is neither a variable, a computed value nor a Jinja global;
* a computed value nothing uses;
* an example the variable schema refuses (or that does not render);
* a file whose name renders (partly) empty for an example (``{{ module }}.py`` -> ``.py``),
  or that no example writes at all (its name renders empty for every one);
* an ``import`` check naming a module that an example does not render.

Nothing is written: each example is rendered in memory, as ``scaffold new`` would render it.
The analysis of Jinja texts is for native blueprints; a Copier or Cookiecutter template gets
the checks of its examples and of its ``import`` checks.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from scaffolder.authoring.names import Text, Uses, blueprint_texts, uses
from scaffolder.blueprint import MANIFEST, TEMPLATE_DIR, Blueprint
from scaffolder.catalog import SearchPath, resolve_blueprint
from scaffolder.changes import RenderedFile
from scaffolder.errors import ScaffoldError
from scaffolder.render import TEMPLATE_SUFFIX, Renderer
from scaffolder.variables import Item, check_item
from scaffolder.yamlsource import SourceDocument, load_yaml


class FindingKind(enum.Enum):
    UNUSED_VARIABLE = "unused_variable"
    UNDECLARED_VARIABLE = "undeclared_variable"
    UNUSED_COMPUTED = "unused_computed"
    INVALID_EXAMPLE = "invalid_example"
    EMPTY_NAME = "empty_name"
    CHECK_MODULE_NOT_RENDERED = "check_module_not_rendered"
    TEMPLATE_ERROR = "template_error"  # a text that does not parse, an example that fails


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    message: str
    file: str | None = None  # relative to the blueprint's folder
    line: int | None = None
    example: int | None = None  # 1-based, when the finding is about one example

    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "example": self.example,
        }


@dataclass(frozen=True)
class LintReport:
    blueprint: str
    root: Path
    kind: str  # native, copier, cookiecutter
    findings: tuple[Finding, ...]
    examples: int

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def exit_code(self) -> int:
        return 0 if self.clean else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "blueprint": self.blueprint,
            "path": str(self.root),
            "kind": self.kind,
            "examples": self.examples,
            "clean": self.clean,
            "findings": [f.to_json() for f in self.findings],
        }


def lint(
    blueprint: str | Path | Blueprint,
    *,
    search: SearchPath | None = None,
    vcs_ref: str | None = None,
) -> LintReport:
    """Lint a blueprint (a name, a folder, a git source or a loaded one). A blueprint that
    does not load raises its BlueprintError, as every command does."""
    if not isinstance(blueprint, Blueprint):
        blueprint = resolve_blueprint(blueprint, search, vcs_ref)
    native = blueprint.source is None
    document = load_yaml(blueprint.root / MANIFEST) if native else None
    renderer = Renderer(blueprint)
    findings: list[Finding] = []
    if document is not None:
        findings.extend(_names(blueprint, document, renderer.env))
    items = list(_examples(blueprint, document, findings))
    rendered: dict[int, list[str]] = {}
    contexts: dict[int, dict[str, Any]] = {}
    for item in items:
        try:
            contexts[item.index] = renderer.context(item)
            files = [c for c in renderer.render(item) if isinstance(c, RenderedFile)]
        except ScaffoldError as error:
            findings.append(
                Finding(
                    FindingKind.TEMPLATE_ERROR,
                    f"example {item.index} does not render: {error.message}",
                    MANIFEST if native else None,
                    document.line_of(("examples", item.index - 1)) if document else None,
                    item.index,
                )
            )
            continue
        rendered[item.index] = [f.path.as_posix() for f in files if not f.folder]
    if native:  # file names, also of examples whose files do not render
        findings.extend(_empty_names(blueprint, renderer.env, contexts))
    findings.extend(_check_modules(blueprint, document, renderer.env, contexts, rendered))
    return LintReport(
        blueprint.name, blueprint.root, blueprint.kind, tuple(findings), len(blueprint.examples)
    )


def _names(
    blueprint: Blueprint, document: SourceDocument, env: jinja2.Environment
) -> Iterator[Finding]:
    """Variables and computed values declared and not used; names used and not declared."""
    found: list[Uses] = []
    for text in blueprint_texts(blueprint, document):
        try:
            found.append(uses(env, text))
        except jinja2.TemplateSyntaxError as exc:
            line = exc.lineno if text.whole_file else text.line
            yield Finding(
                FindingKind.TEMPLATE_ERROR,
                f"{_label(text)}template syntax error: {exc.message}",
                text.file,
                line,
            )
    variables, computed = set(blueprint.properties), set(blueprint.computed)
    known = variables | computed | set(env.globals)
    used: set[str] = set()
    for use in found:
        # a computed value's own name in its text is the variable it replaces
        used.update(n for n in use.names if n != use.text.computed or n in variables)
        for name, line in use.names.items():
            if name not in known and name not in use.text.known:
                close = difflib.get_close_matches(name, sorted(variables | computed), n=1)
                meant = f" (did you mean {close[0]!r}?)" if close else ""
                yield Finding(
                    FindingKind.UNDECLARED_VARIABLE,
                    f"{_label(use.text)}uses {name!r}, which is neither a variable nor a "
                    f"computed value{meant}. Declare it under variables.properties, or "
                    "compute it.",
                    use.text.file,
                    line,
                )
    declared: list[tuple[FindingKind, str, tuple[str, ...]]] = [
        *(
            (
                FindingKind.UNUSED_VARIABLE,
                f"variable {n!r} is declared",
                ("variables", "properties", n),
            )
            for n in blueprint.properties
        ),
        *(
            (FindingKind.UNUSED_COMPUTED, f"computed.{n} is computed", ("computed", n))
            for n in computed
        ),
    ]
    for kind, what, key in declared:
        if key[-1] not in used:
            yield Finding(
                kind,
                f"{what} but nothing uses it (no template, file name, computed value, check "
                "or injection). Use it, or remove it.",
                MANIFEST,
                document.line_of(key),
            )


def _label(text: Text) -> str:
    """How a message starts for a text: nothing for a template file (its finding names
    the file and the line), else ``computed.x: ``."""
    return "" if text.whole_file else f"{text.label}: "


def _examples(
    blueprint: Blueprint, document: SourceDocument | None, findings: list[Finding]
) -> Iterator[Item]:
    """The examples that validate; a finding for each problem of the others."""
    for index, example in enumerate(blueprint.examples, start=1):
        location = ("examples", index - 1)
        item, problems = check_item(blueprint, example, index, document=document, location=location)
        for problem in problems:
            field = f"{problem.field}: " if problem.field else ""
            findings.append(
                Finding(
                    FindingKind.INVALID_EXAMPLE,
                    f"example {index}: {field}{problem.message} [{problem.rule}]",
                    MANIFEST if document is not None else None,
                    problem.line,
                    index,
                )
            )
        if item is not None:
            yield item


_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def _empty_names(
    blueprint: Blueprint, env: jinja2.Environment, contexts: Mapping[int, dict[str, Any]]
) -> Iterator[Finding]:
    """Names that render empty in part for an example (``{{ module }}.py`` -> ``.py``), and
    templates that no example writes (a name renders empty for each one)."""
    if not contexts:
        return
    for path in blueprint.template_files():
        where = f"{TEMPLATE_DIR}/{path.as_posix()}"
        templated = [segment for segment in path.parts if "{" in segment]
        if not templated:
            continue
        left_out = 0
        for index, context in contexts.items():
            named = [(segment, _render(env, segment, context).strip()) for segment in templated]
            if any(not text for _, text in named):
                left_out += 1
                continue
            for segment, text in named:
                if "{%" in segment:
                    continue  # a conditional part: empty on purpose
                for expression in _EXPRESSION.findall(segment):
                    if not _render(env, expression, context).strip():
                        yield Finding(
                            FindingKind.EMPTY_NAME,
                            f"for example {index}, {expression} in the name {segment!r} "
                            f"renders empty: the file is named {_shown(segment, text)!r}. "
                            "Give that value a pattern that refuses an empty one, or a default.",
                            where,
                            example=index,
                        )
        if left_out == len(contexts):
            yield Finding(
                FindingKind.EMPTY_NAME,
                "its name renders empty for every example, so no example writes this file "
                "and `scaffold blueprint test` never checks it. Add an example that does.",
                where,
            )


def _shown(segment: str, text: str) -> str:
    if segment.endswith(TEMPLATE_SUFFIX) and text.endswith(TEMPLATE_SUFFIX):
        return text[: -len(TEMPLATE_SUFFIX)]
    return text


def _render(env: jinja2.Environment, text: str, context: Mapping[str, Any]) -> str:
    try:
        return env.from_string(text).render(context)
    except Exception:  # rendering the example reported it already: not a second finding
        return "?"


def _check_modules(
    blueprint: Blueprint,
    document: SourceDocument | None,
    env: jinja2.Environment,
    contexts: Mapping[int, dict[str, Any]],
    rendered: Mapping[int, Sequence[str]],
) -> Iterator[Finding]:
    """Each ``import`` check's modules, rendered for each example, against its files."""
    for number, check in enumerate(blueprint.checks):
        if check.kind != "import":
            continue
        line = document.line_of(("checks", number)) if document else None
        for index, files in rendered.items():
            context = {**contexts[index], "files": " ".join(files)}
            for module in _modules(check.options, env, context):
                if not _produces(files, module):
                    path = module.replace(".", "/")
                    yield Finding(
                        FindingKind.CHECK_MODULE_NOT_RENDERED,
                        f"checks: import {module}: example {index} renders neither {path}.py "
                        f"nor a package {path}/, so the check would fail on it. Fix the "
                        "module name, or the template's path.",
                        MANIFEST if document is not None else None,
                        line,
                        index,
                    )


def _modules(options: Any, env: jinja2.Environment, context: Mapping[str, Any]) -> list[str]:
    if isinstance(options, dict):
        options = options.get("modules")
    names = [options] if isinstance(options, str) else options
    if not isinstance(names, list):
        return []
    return [_render(env, n, context).strip() for n in names if isinstance(n, str)]


def _produces(files: Sequence[str], module: str) -> bool:
    path = PurePosixPath(*module.split("."))
    wanted = {f"{path}.py", f"{path}/__init__.py"}
    return any(f in wanted or f.startswith(f"{path}/") for f in files)
