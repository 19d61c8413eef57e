"""Cookiecutter templates (a folder with ``cookiecutter.json``) as blueprints.

Cookiecutter does what is Cookiecutter's: its context is read, overridden (choices,
booleans, dict variables) and its templated defaults rendered by Cookiecutter's own code
(``generate_context``, ``prompt_for_config``), every item at once and every problem
reported; each item is rendered by ``generate_files`` into a private staging folder, as
``cookiecutter --no-input -o DIR`` renders it (the project folder, ``{{cookiecutter.x}}/``,
included). Nothing of the user's home is read or written: no ``~/.cookiecutterrc``, no
replay file. What comes back is files, and from there the run is like any other.

Templates render in Jinja's sandbox (Cookiecutter's own environment, sandboxed). Hooks
(``hooks/pre_prompt``, ``pre_gen_project``, ``post_gen_project``) run only with ``--trust``,
in the staging folder, before the commit, so that what they make is planned and committed
too; without it the run says which it left out. A ``_scaffold`` key in ``cookiecutter.json``
declares scaffolder's checks, a name, a description and examples, as in a Copier template.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scaffolder.blueprint import Blueprint, Origin, SourceProblem, Staged
from scaffolder.errors import BlueprintError, TemplateError
from scaffolder.sources.cookiecutter_env import confine_names, session
from scaffolder.sources.copier_source import _check, _scaffold_section
from scaffolder.sources.staging import read_tree

# Cookiecutter is imported when a Cookiecutter template is used, not when scaffold starts.

KIND = "cookiecutter"
MANIFEST = "cookiecutter.json"
HOOKS = ("pre_prompt", "pre_gen_project", "post_gen_project")  # in the order they run


def is_cookiecutter_dir(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def load_cookiecutter(
    root: Path, origin: Origin = Origin.PATH, reference: str | None = None
) -> Blueprint:
    """The Cookiecutter template in ``root`` as a blueprint. ``reference`` is the source as
    the user gave it, which Cookiecutter gives templates as ``cookiecutter._template``."""
    from cookiecutter.exceptions import CookiecutterException, NonTemplatedInputDirException
    from cookiecutter.find import find_template
    from cookiecutter.generate import generate_context
    from cookiecutter.utils import create_env_with_context

    where = root / MANIFEST
    try:
        context = generate_context(str(where))
    except (CookiecutterException, OSError) as exc:
        raise BlueprintError(f"{where}: not a context Cookiecutter can read: {exc}") from exc
    raw = context["cookiecutter"]
    if not isinstance(raw, Mapping):
        raise BlueprintError(f"{where}: a JSON object of variables, not {_kind(raw)}.")
    _refuse_unsupported(root, where, raw)
    scaffold = _scaffold_section(raw.get("_scaffold"), where)
    with session(trust=False):
        try:
            find_template(root.resolve(), create_env_with_context(copy.deepcopy(context)))
        except NonTemplatedInputDirException as exc:
            raise BlueprintError(
                f"{root}: no project folder to render: a Cookiecutter template has one "
                "folder named like `{{cookiecutter.project_slug}}` beside its cookiecutter.json."
            ) from exc
        except CookiecutterException as exc:  # UnknownExtension: `_extensions` not installed
            raise BlueprintError(
                f"{where}: {exc}; install it, or remove it from _extensions."
            ) from exc
    source = CookiecutterSource(root, reference or str(root), raw)
    blueprint = Blueprint(
        name=str(scaffold.get("name") or root.resolve().name),
        description=str(scaffold.get("description") or f"the Cookiecutter template in {root}"),
        root=root,
        variables=MappingProxyType(source.schema()),
        pattern=scaffold.get("pattern"),
        checks=tuple(_check(entry, where) for entry in scaffold.get("checks") or ()),
        # every variable has a default: `cookiecutter --no-input` is the template's example
        examples=tuple(scaffold.get("examples") or ({},)),
        origin=origin,
        source=source,
        template_root=root,
    )
    blueprint.template_files()  # no symlink out of the template, no FIFO: BlueprintError
    return blueprint


def _refuse_unsupported(root: Path, where: Path, raw: Mapping[str, Any]) -> None:
    nested = {"template", "templates"} & set(raw)
    if nested:
        options = raw.get("templates")
        paths = [str(v.get("path")) for v in options.values()] if isinstance(options, dict) else []
        hint = f" ({', '.join(paths)})" if paths else ""
        raise BlueprintError(
            f"{where}: `{sorted(nested)[0]}` chooses among nested templates, which scaffolder "
            f"does not do; give the folder of the one you want instead{hint}."
        )
    for extension in raw.get("_extensions") or ():
        top = str(extension).split(".")[0]
        if (root / f"{top}.py").is_file() or (root / top).is_dir():
            raise BlueprintError(
                f"{where}: _extensions: {extension} is the template's own code, which "
                "scaffolder does not load. Use an installed extension, or run this "
                "template with cookiecutter itself."
            )


class CookiecutterSource:
    """One Cookiecutter template, read once per run, rendering any number of items."""

    kind = KIND
    secrets: frozenset[str] = frozenset()

    def __init__(self, root: Path, reference: str, raw: Mapping[str, Any]) -> None:
        from cookiecutter.hooks import find_hook

        self._root = root.resolve()
        self._reference = reference
        self._raw = raw
        self._public = [name for name in raw if not str(name).startswith("_")]
        hooks_dir = str(self._root / "hooks")
        self._hooks = {
            name: tuple(Path(s).relative_to(self._root).as_posix() for s in sorted(scripts))
            for name in HOOKS
            if (scripts := find_hook(name, hooks_dir))
        }
        self._contexts: dict[str, dict[str, Any]] = {}  # answers -> the context they make

    def schema(self) -> dict[str, Any]:
        """A JSON Schema of the variables, for `scaffold show`, prompts and typing `--set`
        values. Validation is Cookiecutter's (:meth:`validate`)."""
        prompts = self._raw.get("__prompts__")
        prompts = prompts if isinstance(prompts, Mapping) else {}
        properties = {}
        for name in self._public:
            prop = _property(self._raw[name])
            description = prompts.get(name)
            if isinstance(description, Mapping):  # a choice's: {__prompt__, choice: label}
                description = description.get("__prompt__")
            if description:
                prop["description"] = str(description)
            properties[str(name)] = prop
        schema: dict[str, Any] = {"type": "object", "properties": properties, "required": []}
        private = {k: v for k, v in self._raw.items() if k.startswith("_") and k != "__prompts__"}
        if private:  # not asked: `_` ones as they are, `__` ones rendered from the answers
            schema["x-cookiecutter-private"] = private
        return schema

    def validate(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[SourceProblem]]:
        """Cookiecutter's overrides (choices, booleans, dict variables) for each value, then
        its defaults rendered from the answers; every problem, not the first."""
        from cookiecutter.generate import apply_overwrites_to_context

        problems: list[SourceProblem] = []
        good: dict[str, Any] = {}
        for name, value in values.items():
            if name not in self._public:
                problems.append(self._unknown(str(name)))
                continue
            wrong = _type_problem(self._raw[name], value)
            if wrong:
                problems.append(SourceProblem(name, "type", wrong))
                continue
            try:  # the library's own checks, one value at a time
                apply_overwrites_to_context(copy.deepcopy(dict(self._raw)), {name: value})
            except ValueError as exc:
                rule = "choices" if isinstance(self._raw[name], list) else "type"
                problems.append(SourceProblem(name, rule, str(exc)))
                continue
            good[name] = value
        try:
            context = self._context(good, self._root)
        except _VariableProblem as problem:
            return good, [*problems, problem.args[0]]
        answers = {k: _plain(v) for k, v in context["cookiecutter"].items() if k in self._public}
        if not problems:
            self._contexts[_key(answers)] = context
        return answers, problems

    def _unknown(self, name: str) -> SourceProblem:
        known = self._public
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        if name in self._raw:
            hint = " (a private variable of the template: it is not asked)"
        message = f"unknown name {name!r}{hint}; known: {', '.join(known) or 'none'}"
        return SourceProblem(name, "additionalProperties", message)

    def _context(self, given: Mapping[str, Any], repo: Path) -> dict[str, Any]:
        """What ``cookiecutter --no-input`` makes of ``given`` (its extra context), as
        ``cookiecutter.main`` does it, without the user's config and replay files."""
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.generate import generate_context
        from cookiecutter.prompt import prompt_for_config
        from jinja2 import TemplateError as JinjaError

        with session(trust=False):
            try:
                context = generate_context(str(repo / MANIFEST), extra_context=dict(given))
                context["_cookiecutter"] = {
                    k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")
                }
                context["cookiecutter"].update(prompt_for_config(context, no_input=True))
            except (CookiecutterException, JinjaError, ValueError) as exc:
                raise _VariableProblem(_render_problem(exc, given)) from exc
        result: dict[str, Any] = context
        return result

    def render(self, values: Mapping[str, Any], *, folder_name: str, trust: bool) -> Staged:
        """Cookiecutter's ``generate_files`` for one item into a private staging folder,
        read back; ``folder_name`` is not Cookiecutter's business (its project folder is
        named by the template)."""
        from cookiecutter.exceptions import CookiecutterException, FailedHookException
        from cookiecutter.generate import generate_files
        from cookiecutter.hooks import run_pre_prompt_hook
        from jinja2 import TemplateError as JinjaError
        from jinja2.exceptions import SecurityError

        base = Path(tempfile.mkdtemp(prefix="scaffold-cookiecutter-"))
        staging, scratch = base / "out", base / "tmp"  # its output; its temporary files
        staging.mkdir()
        scratch.mkdir()
        repo, records = self._root, []
        try:
            with session(trust, scratch) as records:
                if trust and "pre_prompt" in self._hooks:  # on a copy, which it may change
                    repo = Path(run_pre_prompt_hook(repo))
                context = self._contexts.get(_key(values)) if repo == self._root else None
                context = copy.deepcopy(context or self._context(values, repo))
                context["cookiecutter"].update(
                    _template=self._reference,
                    _output_dir=str(staging),
                    _repo_dir=self._reference if repo == self._root else str(repo),
                    _checkout=None,
                )
                confine_names(repo, context)
                generate_files(
                    repo_dir=str(repo), context=context, output_dir=str(staging), accept_hooks=trust
                )
            files = read_tree(staging, self._reference, "Cookiecutter")
            skipped = () if trust else tuple(s for name in HOOKS for s in self._hooks.get(name, ()))
            return Staged(MappingProxyType(files), skipped)
        except _VariableProblem as problem:
            raise TemplateError(f"{self._reference}: {problem.args[0].message}") from problem
        except FailedHookException as exc:
            hook = next(
                (r.args[0] for r in records if isinstance(r.args, tuple) and r.args),
                "pre_prompt",
            )
            scripts = ", ".join(self._hooks.get(str(hook), ())) or str(hook)
            raise TemplateError(
                f"{self._reference}: the Cookiecutter hook {scripts} failed ({exc}). Nothing "
                "was written. Fix the hook, or run without --trust to leave the hooks out."
            ) from exc
        except SecurityError as exc:
            raise TemplateError(
                f"{self._reference}: {exc} Templates render in Jinja's sandbox, which refuses "
                "this; render a template you trust to do it with cookiecutter itself."
            ) from exc
        except (CookiecutterException, JinjaError, OSError, UnicodeError) as exc:
            raise TemplateError(f"{self._reference}: Cookiecutter: {_describe(exc)}") from exc
        finally:
            shutil.rmtree(base, ignore_errors=True)


class _VariableProblem(Exception):
    """A value Cookiecutter could not make: args[0] is the SourceProblem."""


def _render_problem(exc: Exception, given: Mapping[str, Any]) -> SourceProblem:
    message = getattr(exc, "message", None) or str(exc)
    match = re.search(r"variable '([^']+)'", message)
    name = match[1] if match else next(iter(given), "")
    cause = getattr(exc, "error", None)
    detail = getattr(cause, "message", None) or (str(cause) if cause else "")
    text = f"{message}: {detail}" if detail else message
    return SourceProblem(name, "default", f"{text} (its default in {MANIFEST})")


def _describe(exc: Exception) -> str:
    cause = getattr(exc, "error", None)
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    where = f" ({filename}, line {line})" if filename else ""
    detail = getattr(cause, "message", None)
    return f"{text}{where}: {detail}" if detail else f"{text}{where}"


def _key(answers: Mapping[str, Any]) -> str:
    return json.dumps(_plain(answers), sort_keys=True, default=repr)


def _plain(value: Any) -> Any:
    """An answer as plain data (Cookiecutter's dict answers are OrderedDicts)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _templated(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, Mapping):
        return any(_templated(k) or _templated(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_templated(v) for v in value)
    return False


def _property(raw: Any) -> dict[str, Any]:
    """One variable as JSON Schema: its type, choices and default as Cookiecutter makes it
    (a number becomes text; the first choice is the default)."""
    if isinstance(raw, bool):
        return {"type": "boolean", "default": raw}
    if isinstance(raw, list):
        prop: dict[str, Any] = {"type": "string"} if all(isinstance(c, str) for c in raw) else {}
        if _templated(raw):  # choices rendered from the earlier answers
            return {**prop, "x-cookiecutter-choices": raw}
        return {**prop, "enum": list(raw), **({"default": raw[0]} if raw else {})}
    if isinstance(raw, dict):
        prop = {"type": "object"}
    elif raw is None:
        return {"type": ["string", "null"], "default": None}
    else:
        prop, raw = {"type": "string"}, raw if isinstance(raw, str) else str(raw)
    if _templated(raw):
        prop["x-cookiecutter-default"] = raw  # rendered with the earlier answers
    else:
        prop["default"] = raw
    return prop


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    return "a list" if isinstance(value, list) else type(value).__name__


def _type_problem(raw: Any, value: Any) -> str | None:
    """What Cookiecutter would misread: a dict variable takes a mapping, a boolean takes
    true/false (or yes/no text), and any other variable one value."""
    one_value = not isinstance(value, Mapping | list | tuple | set)
    if isinstance(raw, dict):
        return None if isinstance(value, Mapping) else f"a mapping, not {_kind(value)}"
    if isinstance(raw, bool):
        return None if isinstance(value, bool | str) else f"true or false, not {_kind(value)}"
    if isinstance(raw, list):
        return None if one_value else f"one of {raw}, not {_kind(value)}"
    return None if one_value else f"one value (text), not {_kind(value)}"
