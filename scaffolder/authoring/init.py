"""``scaffold blueprint init NAME``: a minimal, valid, commented blueprint to start from.

One variable, one template, a check and an example: ``scaffold new NAME --defaults`` works
with it as written. The folder is written whole or not at all: the files go into a hidden
temporary folder next to it, which is then renamed into place.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

from scaffolder.blueprint import MANIFEST, TEMPLATE_DIR
from scaffolder.catalog import PROJECT_DIR
from scaffolder.errors import BlueprintError, UsageError

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")  # as schemas/blueprint.schema.json says

_MANIFEST = """\
# A scaffolder blueprint: this manifest and the template/ folder next to it.
# Render it:   scaffold new {name} --defaults --out x
# Test it:     scaffold blueprint test {name}    (renders each example, runs the checks)
# Lint it:     scaffold blueprint lint {name}
# Every key is described in docs/authoring-blueprints.md.

name: {name}
description: A Python module with a greet() function (a starter blueprint; make it yours).

# The variables of ONE item, as a JSON Schema. Each property is a value the templates use;
# `--set who=Ada` gives one, prompts ask for the others, `--defaults` takes the defaults.
variables:
  type: object
  additionalProperties: false   # a mistyped --set name is an error, not ignored
  properties:
    who:
      type: string
      description: The name greet() says hello to
      default: World
      pattern: '^[A-Za-z][A-Za-z ]*$'   # letters and spaces: safe inside a Python string

# Derived values (Jinja expressions over the variables), usable in templates and file names.
# Filters: snake, camel, pascal, kebab, title, plural, singular.
# computed:
#   Who: "{{{{ who | pascal }}}}"

# Ground truth, run on the written files; a failing check rolls the run back.
# py_compile needs no --trust; import, pytest and command checks run the blueprint's code
# and need --trust for a blueprint that is not built in. See docs/checks.md.
checks:
  - py_compile

# Sample items: documentation, and the blueprint's own test (`scaffold blueprint test`).
examples:
  - {{who: World}}
  - {{who: Ada Lovelace}}
"""

# template/{module}.py.jinja: rendered (the .jinja suffix is dropped from its name). File and
# folder names are templates too: template/{{ module }}.py.jinja would take its name from a value.
_TEMPLATE = """\
\"\"\"Greetings for {{{{ who }}}}. Rendered from the {name} blueprint.\"\"\"


def greet() -> str:
    return "Hello, {{{{ who }}}}!"
"""


def default_folder(cwd: Path | None = None) -> Path:
    """Where ``init`` writes a blueprint unless told: the project's ``.scaffold/blueprints``,
    the first place ``scaffold new`` looks."""
    return (Path.cwd() if cwd is None else cwd) / PROJECT_DIR


def starter_files(name: str) -> dict[str, str]:
    """The starter blueprint's files, by path relative to its folder."""
    module = name.replace("-", "_")
    return {
        MANIFEST: _MANIFEST.format(name=name),
        f"{TEMPLATE_DIR}/{module}.py.jinja": _TEMPLATE.format(name=name),
    }


def init_blueprint(name: str, folder: str | Path | None = None) -> Path:
    """Write the starter blueprint ``name`` into ``folder/name`` (default: the project's
    ``.scaffold/blueprints``) and return its path. Refuses a name the manifest schema
    does not allow (a UsageError) and a folder that already exists (nothing is written)."""
    if not NAME.match(name):
        raise UsageError(
            f"{name!r}: not a blueprint name. Use lower-case words joined by hyphens, "
            "e.g. greeting or crud-endpoint."
        )
    parent = default_folder() if folder is None else Path(folder)
    target = parent / name
    if target.exists() or target.is_symlink():
        raise BlueprintError(
            f"{target}: already exists; nothing was written. Pick another name, or remove "
            "that folder to start it again."
        )
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = parent / f".{name}.{secrets.token_hex(4)}.tmp"
        staging.mkdir()  # with the umask's mode, like the folder it becomes
    except OSError as exc:
        raise BlueprintError(
            f"{parent}: cannot create the blueprint there: {exc.strerror}."
        ) from exc
    try:
        for relative, text in starter_files(name).items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        os.rename(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BlueprintError(
            f"{target}: cannot be written: {exc.strerror}; nothing was written."
        ) from exc
    return target
