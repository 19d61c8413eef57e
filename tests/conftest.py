"""Shared fixtures. Nothing here writes outside ``tmp_path``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import yaml

from scaffolder.blueprint import Blueprint, load_blueprint

SCAFFOLD = Path(sys.executable).parent / "scaffold"  # the installed command


def scaffold(
    cwd: Path, *args: str | Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real ``scaffold`` command in ``cwd`` (no ``SCAFFOLD_PATH``), capturing output."""
    env = {**os.environ, "SCAFFOLD_PATH": ""}
    command = [str(SCAFFOLD), *map(str, args)]
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def build_file_tree(root: Path, spec: Mapping[str, str | bytes]) -> Path:
    """Create files under ``root`` from ``{relative path: text or bytes}``."""
    for relative, content in spec.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under ``root``, for exact comparison.

    A run's history (``.scaffold/history/<number>-<id>.json`` and ``.pack``) is shown without
    what differs from one run to the next, the run's random id and its time
    (``…/history/<number>.json``, the rest of the entry as it is), so that the same run twice
    gives the same snapshot.
    """
    if not root.exists():
        return {}
    tree: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            tree[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            path = os.path.join(dirpath, name)
            tree[os.path.relpath(path, root)] = Path(path).read_bytes()
    return {_steady_name(path): _steady(path, content) for path, content in tree.items()}


_HISTORY_FILE = re.compile(r"((?:^|.*/)\.scaffold/history/[0-9]+)-[0-9a-f]{8}(\.json|\.pack)")
_HISTORY_STORE = re.compile(r"(?:^|.*/)\.scaffold/history(?:/.*)?")


def _steady_name(path: str) -> str:
    match = _HISTORY_FILE.fullmatch(path)
    return match.group(1) + match.group(2) if match else path


def _steady(path: str, content: bytes | None) -> bytes | None:
    if content is None or not path.endswith(".json") or not _HISTORY_FILE.fullmatch(path):
        return content
    try:
        entry = json.loads(content)
        del entry["id"], entry["time"]
    except (ValueError, TypeError, KeyError):
        return content  # not an entry a run wrote: as it is
    return json.dumps(entry, sort_keys=True).encode()


def without_history(tree: Mapping[str, bytes | None]) -> dict[str, bytes | None]:
    """``tree`` without the history of the runs (``.scaffold/history/``)."""
    return {path: content for path, content in tree.items() if not _HISTORY_STORE.fullmatch(path)}


MakeBlueprint = Callable[..., Blueprint]


@pytest.fixture(autouse=True)
def no_user_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own settings file (trusted blueprint folders) never changes a test."""
    monkeypatch.setenv("SCAFFOLD_SETTINGS", str(tmp_path / "no-settings.yaml"))


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in ``tmp_path``, with no ``SCAFFOLD_PATH``: the CLI finds only what a test made."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCAFFOLD_PATH", raising=False)


@pytest.fixture
def make_blueprint(tmp_path: Path) -> MakeBlueprint:
    """Write a blueprint inline and load it.

    ``make_blueprint({"{{ name }}.txt.jinja": "hi {{ name }}"}, variables={...})``
    """

    def make(
        templates: Mapping[str, str | bytes],
        *,
        name: str = "demo",
        variables: Mapping[str, object] | None = None,
        where: Path | None = None,
        **manifest: object,
    ) -> Blueprint:
        root = (where or tmp_path / "blueprints") / name
        data = {
            "name": name,
            "description": f"the {name} blueprint",
            "variables": variables
            or {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string", "pattern": "^[a-z_]+$"}},
            },
            **manifest,
        }
        build_file_tree(root, {"blueprint.yaml": yaml.safe_dump(data, sort_keys=False)})
        build_file_tree(root / "template", templates)
        (root / "template").mkdir(parents=True, exist_ok=True)
        return load_blueprint(root)

    return make
