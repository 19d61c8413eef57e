"""Where the built-in blueprints and the JSON Schemas live.

In a wheel they ship inside the package (``scaffolder/_data/``); in a source
checkout (an editable install) they are the top-level ``blueprints/`` and
``schemas/`` folders.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``name`` (``blueprints`` or ``schemas``) of this installation."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"scaffolder's {name}/ folder is missing from this installation")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One of the project's JSON Schemas, e.g. ``blueprint`` or ``report``."""
    path = data_dir("schemas") / f"{name}.schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema
