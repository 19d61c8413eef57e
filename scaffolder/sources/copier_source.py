"""Copier templates (a folder with ``copier.yml``) as blueprints.

Copier does what is Copier's: its questions are typed, defaulted (templated defaults too)
and validated by Copier's own code, every item at once and every problem reported; each
item is rendered by Copier itself into a private staging folder, answers file included,
exactly as ``copier copy`` renders it. What comes back is files, and from there the run is
like any other: plan, dry run, atomic commit, checks, rollback.

A template may declare scaffolder's checks (and a name, a description, examples) under
``_scaffold:`` in its ``copier.yml``; Copier ignores unknown ``_`` keys. Copier's ``_tasks``
run only with ``--trust`` (in the staging folder, before the commit, so that what they make
is planned and committed too); without it the run says which it left out. Jinja extensions
(``_jinja_extensions``) load the template's code, so they need ``--trust`` too.
"""

from __future__ import annotations

import difflib
import os
import shutil
import stat
import tempfile
import weakref
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from scaffolder.blueprint import Blueprint, Check, Origin, SourceProblem, Staged, parse_check
from scaffolder.errors import BlueprintError, TemplateError

if TYPE_CHECKING:
    from copier._main import Worker
    from copier._template import Template
    from copier._user_data import Question

# Copier is imported when a Copier template is used, not when scaffold starts.

KIND = "copier"
MANIFESTS = ("copier.yml", "copier.yaml")
_TYPES = {"str": "string", "path": "string", "int": "integer", "float": "number", "bool": "boolean"}
_SCAFFOLD_KEYS = frozenset({"name", "description", "pattern", "checks", "examples"})


def is_copier_dir(path: Path) -> bool:
    return any((path / name).is_file() for name in MANIFESTS)


def load_copier(
    root: Path, origin: Origin = Origin.PATH, reference: str | None = None
) -> Blueprint:
    """The Copier template in ``root`` as a blueprint. ``reference`` is the source as the
    user gave it, which Copier records as ``_src_path`` in the answers file."""
    from copier._template import Template
    from copier.errors import CopierError

    where = next(root / name for name in MANIFESTS if (root / name).is_file())
    template = Template(url=reference or str(root))
    try:
        config, questions = template.config_data, template.questions_data
        template_root = template.local_abspath / template.subdirectory
    except (CopierError, OSError, ValueError, TypeError) as exc:  # its own checks of copier.yml
        raise BlueprintError(f"{where}: not a Copier template Copier can read: {exc}") from exc
    source = CopierSource(template, reference or str(root))
    weakref.finalize(source, template._cleanup)
    scaffold = _scaffold_section(config.get("scaffold"), where)
    return Blueprint(
        name=str(scaffold.get("name") or root.resolve().name),
        description=str(scaffold.get("description") or f"the Copier template in {root}"),
        root=root,
        variables=MappingProxyType(source.schema(questions)),
        pattern=scaffold.get("pattern"),
        checks=tuple(_check(entry, where) for entry in scaffold.get("checks") or ()),
        examples=tuple(scaffold.get("examples") or ()),
        origin=origin,
        source=source,
        template_root=template_root,
    )


def _scaffold_section(section: Any, where: Path) -> Mapping[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, Mapping) or not set(section) <= _SCAFFOLD_KEYS:
        raise BlueprintError(
            f"{where}: _scaffold: a mapping with the keys {', '.join(sorted(_SCAFFOLD_KEYS))} "
            "(e.g. `_scaffold: {checks: [py_compile]}`)."
        )
    for key in ("checks", "examples"):
        if not isinstance(section.get(key) or [], list):
            raise BlueprintError(f"{where}: _scaffold.{key}: a list.")
    return section


def _check(entry: Any, where: Path) -> Check:
    if not (isinstance(entry, str) or (isinstance(entry, Mapping) and len(entry) == 1)):
        raise BlueprintError(
            f"{where}: _scaffold.checks: each check is a kind (`py_compile`) or one kind with "
            f"its options (`pytest: {{collect_only: true}}`), not {entry!r}."
        )
    return parse_check(entry)


class CopierSource:
    """One Copier template, loaded once per run, rendering any number of items."""

    kind = KIND

    def __init__(self, template: Template, reference: str) -> None:
        self._template = template
        self._reference = reference
        self.secrets = frozenset(template.secret_questions)

    def _worker(self, data: Mapping[str, Any], destination: Path, trust: bool) -> Worker:
        from copier._main import Worker
        from copier._settings import SettingsModel

        worker = Worker(
            src_path=self._reference,
            dst_path=destination,
            data=dict(data),
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=trust,
            skip_tasks=not trust,
            # Copier's own user settings (its `defaults:` and `trust:`) do not apply: what is
            # trusted here is said by --trust, and the same answers always render alike.
            settings=SettingsModel(),
        )
        worker.__dict__["template"] = self._template  # loaded (and cloned) once per run
        return worker

    def _questions(self, worker: Worker) -> list[tuple[str, Question]]:
        from copier._user_data import Question

        return [
            (
                name,
                Question(
                    answers=worker.answers,
                    context=worker._render_context(),
                    jinja_env=worker.jinja_env,
                    settings=worker.settings,
                    var_name=name,
                    **details,
                ),
            )
            for name, details in self._template.questions_data.items()
        ]

    def schema(self, questions: Mapping[str, Any]) -> dict[str, Any]:
        """A JSON Schema of the questions, for `scaffold show`, prompts and typing `--set`
        values. Validation is Copier's (:meth:`validate`)."""
        from copier._types import MISSING

        properties: dict[str, Any] = {}
        required = []
        for name, details in questions.items():
            if not isinstance(details, Mapping):
                details = {"default": details}  # `name: value`, Copier's short form
            prop: dict[str, Any] = {}
            kind = _TYPES.get(str(details.get("type") or _type_of(details.get("default"))))
            choices = _choices(details.get("choices"))
            if details.get("multiselect"):
                prop["type"] = "array"
                if choices is not None:
                    prop["items"] = {"enum": choices}
            else:
                if kind:
                    prop["type"] = kind
                if choices is not None:
                    prop["enum"] = choices
            default = details.get("default", MISSING)
            if default is MISSING:
                required.append(name)
            elif not (isinstance(default, str) and ("{{" in default or "{%" in default)):
                prop["default"] = default
            else:
                prop["x-copier-default"] = default  # rendered with the earlier answers
            if details.get("help"):
                prop["description"] = str(details["help"])
            if details.get("secret"):
                prop["writeOnly"] = True
            for key in ("when", "validator"):
                if key in details:
                    prop[f"x-copier-{key}"] = details[key]
            properties[str(name)] = prop
        return {"type": "object", "properties": properties, "required": required}

    def validate(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[SourceProblem]]:
        """Copier's types, choices, ``when`` and validators, in question order (a later
        default may be rendered from an earlier answer); every problem, not the first."""
        from copier._types import MISSING
        from copier._user_data import AnswersMap

        worker = self._worker(values, Path(tempfile.gettempdir()) / "scaffold-unused", False)
        template = self._template
        worker.answers = AnswersMap(
            init=dict(values), metadata=template.metadata, external=worker._external_data()
        )
        problems = []
        for name, question in self._questions(worker):
            try:
                if not question.get_when():
                    worker.answers.hide(name)
                    if question.get_default() is MISSING:
                        continue
                if name in worker.answers.init:
                    answer = question.parse_answer(worker.answers.init[name])
                    question.validate_answer(answer)
                else:
                    answer = question.get_default()
                    if answer is MISSING:
                        raise ValueError("is required")
                worker.answers.user[name] = answer
            except Exception as exc:  # Copier raises ValueError, and Jinja its own errors
                problems.append(_problem(name, exc))
        known = list(template.questions_data)
        for name in values:
            if name not in known:
                close = difflib.get_close_matches(str(name), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                message = f"unknown name {name!r}{hint}; known: {', '.join(known) or 'none'}"
                problems.append(SourceProblem(str(name), "additionalProperties", message))
        answers = {k: v for k, v in worker.answers.user.items() if k not in worker.answers.hidden}
        return answers, problems

    def render(self, values: Mapping[str, Any], *, folder_name: str, trust: bool) -> Staged:
        """Copier's ``copy`` of one item into a private staging folder, read back."""
        from copier.errors import CopierError, TaskError, UnsafeTemplateError

        staging = Path(tempfile.mkdtemp(prefix="scaffold-copier-"))
        try:
            # Copier sees the destination's name (`_folder_name`): the staging folder has it
            destination = staging / folder_name
            with self._worker(values, destination, trust) as worker:
                worker.run_copy()
            skipped = () if trust else tuple(_describe(task.cmd) for task in self._template.tasks)
            return Staged(MappingProxyType(_read_tree(destination, self._reference)), skipped)
        except UnsafeTemplateError as exc:
            raise BlueprintError(
                f"{self._reference}: the Copier template loads its own code ({exc}). "
                "Nothing was run or written. Read the template; if you trust it, run again "
                "with --trust."
            ) from exc
        except TaskError as exc:
            raise TemplateError(
                f"{self._reference}: a Copier task failed (exit code {exc.returncode}): "
                f"{_describe(exc.cmd)}. Nothing was written."
            ) from exc
        except CopierError as exc:
            raise TemplateError(f"{self._reference}: Copier: {exc}") from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _type_of(default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    return "str" if isinstance(default, str) or default is None else "yaml"


def _choices(choices: Any) -> list[Any] | None:
    if isinstance(choices, Mapping):  # {title: value}
        return [c["value"] if isinstance(c, Mapping) else c for c in choices.values()]
    if isinstance(choices, list):
        return [c[1] if isinstance(c, list) and len(c) == 2 else c for c in choices]
    return None


def _problem(name: str, exc: Exception) -> SourceProblem:
    text = str(exc)
    prefix = f"Validation error for question '{name}': "
    if text.startswith(prefix):
        return SourceProblem(name, "validator", text[len(prefix) :].strip())
    if text.startswith("Invalid choice"):
        return SourceProblem(name, "choices", text)
    if text == "is required":
        return SourceProblem(name, "required", text)
    return SourceProblem(name, "type", f"{type(exc).__name__}: {text}")


def _describe(command: Any) -> str:
    return command if isinstance(command, str) else " ".join(map(str, command))


def _read_tree(root: Path, reference: str) -> dict[str, tuple[bytes, int]]:
    """Every file Copier wrote, by destination-relative path, with its mode."""
    files: dict[str, tuple[bytes, int]] = {}
    for folder, folders, names in os.walk(root):
        for name in folders + names:
            path = Path(folder, name)
            info = path.lstat()
            relative = path.relative_to(root).as_posix()
            if stat.S_ISDIR(info.st_mode):
                continue  # walked into; an empty one is not planned (yet)
            if not stat.S_ISREG(info.st_mode):
                raise TemplateError(
                    f"{reference}: Copier rendered {relative}, which is not a regular file "
                    "(a symlink?); scaffolder does not plan those yet. Remove it from the "
                    "template, or use `copier copy` for this template."
                )
            files[relative] = (path.read_bytes(), stat.S_IMODE(info.st_mode))
    return files
