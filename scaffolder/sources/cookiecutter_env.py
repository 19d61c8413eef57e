"""How scaffolder uses Cookiecutter's library (see :mod:`.cookiecutter_source`): one use at
a time (it changes the working folder), its templates in Jinja's sandbox, its log kept
rather than printed, and no rendered name out of its output folder."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scaffolder.errors import TemplateError
from scaffolder.sources.staging import stdout_to_stderr

# Cookiecutter changes the working folder, and is patched here, while it renders
_LOCK = threading.RLock()


@functools.cache
def _sandboxed() -> type:
    """Cookiecutter's environment (its extensions, StrictUndefined), in Jinja's sandbox."""
    from cookiecutter.environment import StrictEnvironment
    from jinja2.sandbox import SandboxedEnvironment

    return type("SandboxedStrictEnvironment", (StrictEnvironment, SandboxedEnvironment), {})


class _Records(logging.Handler):
    """Cookiecutter's log, kept (which hook failed) rather than printed with a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Stopping generation because"):
            self.records.append(record)


@contextlib.contextmanager
def session(trust: bool, scratch: Path | None = None) -> Iterator[list[logging.LogRecord]]:
    """One use of Cookiecutter at a time, its templates sandboxed, its log kept. With
    ``trust`` (hooks run): what they print goes to stderr (stdout may be --json), and the
    temporary files Cookiecutter leaves (rendered hooks, the pre_prompt copy) to ``scratch``."""
    from cookiecutter import utils

    with _LOCK:
        handler = _Records()
        logger = logging.getLogger("cookiecutter")
        logger.addHandler(handler)
        original, utils.StrictEnvironment = utils.StrictEnvironment, _sandboxed()
        temporary = tempfile.tempdir
        try:
            if trust:
                tempfile.tempdir = str(scratch) if scratch else temporary
            with stdout_to_stderr() if trust else contextlib.nullcontext():
                yield handler.records
        finally:
            tempfile.tempdir = temporary
            utils.StrictEnvironment = original
            logger.removeHandler(handler)


def confine_names(repo: Path, context: dict[str, Any]) -> None:
    """Cookiecutter writes where a rendered name says, even out of its output folder
    (``../``, ``/``): refuse such a name before anything is rendered."""
    from cookiecutter.find import find_template
    from cookiecutter.utils import create_env_with_context
    from jinja2 import TemplateError as JinjaError

    env = create_env_with_context(context)
    project = Path(find_template(repo, env))
    walked = (Path(f, n) for f, folders, names in os.walk(project) for n in folders + names)
    for path in (project, *walked):
        relative = path.relative_to(repo).as_posix()
        try:
            rendered = env.from_string(relative).render(**context)
        except JinjaError:
            continue  # Cookiecutter says what is wrong with it
        if rendered.startswith(("/", os.sep)) or ".." in re.split(r"[/\\]", rendered):
            raise TemplateError(
                f"{repo / relative}: renders to {rendered!r}, out of the destination. "
                "Give values that make a plain name (no `..`, no leading `/`)."
            )
