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

import contextlib
import difflib
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from scaffolder.blueprint import Blueprint, Check, Origin, SourceProblem, Staged, parse_check
from scaffolder.errors import BlueprintError, TemplateError
from scaffolder.sources.git import Checkout, checkout_at, copier_url
from scaffolder.sources.staging import read_tree, stdout_to_stderr

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
    checkout = checkout_at(root)
    template = _template(Template, root, reference, checkout)
    try:
        config, questions = template.config_data, template.questions_data
        template_root = template.local_abspath / template.subdirectory
        if checkout is not None:  # what needs git, read before the checkout hides .git
            for needs_git in ("commit", "commit_hash", "version", "git_index_modes"):
                getattr(template, needs_git)
    except (CopierError, OSError, ValueError, TypeError) as exc:  # its own checks of copier.yml
        raise BlueprintError(f"{where}: not a Copier template Copier can read: {exc}") from exc
    source = CopierSource(template, reference or str(root))
    weakref.finalize(source, template._cleanup)
    scaffold = _scaffold_section(config.get("scaffold"), where)
    described = f"in {root}" if checkout is None else f"{reference} at {template.commit}"
    return Blueprint(
        name=str(scaffold.get("name") or root.resolve().name),
        description=str(scaffold.get("description") or f"the Copier template {described}"),
        root=root,
        variables=MappingProxyType(source.schema(questions)),
        pattern=scaffold.get("pattern"),
        checks=tuple(_check(entry, where) for entry in scaffold.get("checks") or ()),
        examples=tuple(scaffold.get("examples") or ()),
        origin=origin,
        source=source,
        template_root=template_root,
    )


def _template(
    template_class: type[Template], root: Path, reference: str | None, checkout: Checkout | None
) -> Template:
    """Copier's template, never cloned by Copier itself: a folder is read as it is (for
    `scaffold list`, even a git repository); a git source comes checked out once per run
    (:mod:`scaffolder.sources.git`) and is recorded as Copier records it (``_src_path`` as
    typed, ``_commit`` the description of the commit checked out)."""
    if checkout is None:
        template = template_class(url=reference or str(root))
        template.__dict__["vcs"] = None
        return template
    template = template_class(url=copier_url(reference or checkout.url), ref=checkout.vcs_ref)
    template.__dict__.update(
        vcs="git", url_expanded=checkout.url, local_abspath=checkout.path.resolve()
    )
    return template


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
        self._jinja: Any = None  # one Jinja environment for every item (see _worker)

    def _worker(self, data: Mapping[str, Any], destination: Path, trust: bool) -> Worker:
        from copier._main import Worker
        from copier._settings import SettingsModel

        worker = Worker(
            src_path=self._reference,
            vcs_ref=self._template.ref,  # `_copier_conf.vcs_ref`, as `copier copy` gives it
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
        # Copier's environment depends on the template only; one for all items compiles each
        # templated name and file once per run instead of once per item. Items render one
        # after another, as within one Copier run.
        if self._jinja is None:
            self._jinja = _compiling_once(worker.jinja_env)
        worker.__dict__["jinja_env"] = self._jinja
        return worker

    def _questions(self, worker: Worker) -> Iterator[tuple[str, Question]]:
        """Each question in order, made when it is reached: its context (for templated
        defaults, ``when`` and validators) holds the answers given before it."""
        from copier._user_data import Question

        for name, details in self._template.questions_data.items():
            context = worker._render_context()
            yield (
                name,
                Question(
                    answers=worker.answers,
                    context=context,
                    jinja_env=worker.jinja_env,
                    settings=worker.settings,
                    var_name=name,
                    **details,
                ),
            )

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
            printing = stdout_to_stderr() if trust else contextlib.nullcontext()
            with self._worker(values, destination, trust) as worker, printing:
                worker.run_copy()  # its tasks (trusted) print to stderr: stdout may be --json
                # `_skip_if_exists`, rendered with this item's answers, as Copier matches it
                files = read_tree(
                    destination,
                    self._reference,
                    "Copier",
                    keep_existing=lambda path: bool(worker.match_skip(Path(path))),
                )
            skipped = () if trust else tuple(_describe(task.cmd) for task in self._template.tasks)
            return Staged(MappingProxyType(files), skipped)
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


def _compiling_once(env: Any) -> Any:
    """``env`` with ``from_string`` remembering what it compiled (Copier renders every path
    and templated setting through it; ``get_template`` already caches files)."""
    compile_string = env.from_string
    compiled: dict[str, Any] = {}

    def from_string(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return compile_string(source, globals, template_class)
        if source not in compiled:
            compiled[source] = compile_string(source)
        return compiled[source]

    env.from_string = from_string
    return env


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
