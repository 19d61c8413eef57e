"""The user's settings: a YAML file outside any project, read on demand.

``$SCAFFOLD_SETTINGS`` names the file if set, else ``$XDG_CONFIG_HOME/scaffold/settings.yaml``
(``~/.config/scaffold/settings.yaml`` by default). A missing file is no settings. Its one key
so far, ``trust:``, lists the blueprint folders whose code scaffold may run without
``--trust``, as Copier's ``trust:`` does::

    trust:
      - ~/blueprints/           # ends in "/": every blueprint under this folder
      - ~/work/api/.scaffold/blueprints/handler   # exactly this blueprint
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import ScaffoldError
from scaffolder.yamlsource import load_yaml

__all__ = ["Settings", "SettingsError", "TrustedSource", "load_settings", "settings_path"]

ENVIRONMENT = "SCAFFOLD_SETTINGS"


class SettingsError(ScaffoldError):
    """The user's settings file is malformed; the message names the file and the line."""

    kind = "settings"


@dataclass(frozen=True)
class TrustedSource:
    """A folder whose blueprints are trusted: exactly that blueprint, or (``subtree``)
    every blueprint under it."""

    folder: Path
    subtree: bool = False

    @classmethod
    def parse(cls, entry: str | os.PathLike[str]) -> TrustedSource:
        """``~/blueprints/`` (every blueprint under it) or ``~/blueprints/handler`` (that
        one); ``~`` is expanded. The path must be absolute once expanded."""
        text = os.fspath(entry)
        if not text.strip():
            raise ValueError("an empty path")
        folder = Path(text).expanduser()
        if not folder.is_absolute():
            raise ValueError(f"{text!r} is not an absolute path (nor does it start with ~)")
        return cls(folder, subtree=text.endswith(("/", os.sep)))

    def covers(self, blueprint_root: str | os.PathLike[str]) -> bool:
        """Whether the blueprint in ``blueprint_root`` is trusted (resolved paths compared)."""
        trusted = self.folder.resolve()
        root = Path(blueprint_root).resolve()
        return root.is_relative_to(trusted) if self.subtree else root == trusted

    def describe(self) -> str:
        return f"{self.folder}/" if self.subtree else str(self.folder)


@dataclass(frozen=True)
class Settings:
    """What the settings file says; ``source`` is the file read, if there was one."""

    trust: tuple[TrustedSource, ...] = ()
    source: Path | None = None

    def trusts(self, blueprint_root: str | os.PathLike[str]) -> bool:
        return any(entry.covers(blueprint_root) for entry in self.trust)


def settings_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the user's settings are read from (the file need not exist)."""
    env = os.environ if environ is None else environ
    if env.get(ENVIRONMENT):
        return Path(env[ENVIRONMENT]).expanduser()
    config = env.get("XDG_CONFIG_HOME", "")
    # the XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored
    base = Path(config) if config and Path(config).is_absolute() else Path.home() / ".config"
    return base / "scaffold" / "settings.yaml"


def load_settings(path: Path | None = None) -> Settings:
    """The user's settings (from ``path``, or :func:`settings_path`); none if no file."""
    path = settings_path() if path is None else path
    try:
        if not path.exists():
            return Settings()
        document = load_yaml(path)
    except OSError as exc:
        raise SettingsError(
            f"{path}: cannot be read: {exc} (your scaffold settings file)"
        ) from None
    except ScaffoldError as exc:
        raise SettingsError(f"{exc.message} (your scaffold settings file)") from None
    data = document.data
    if data is None:
        return Settings(source=path)
    if not isinstance(data, dict):
        raise SettingsError(
            f"{path}:{document.line_of(()) or 1}: the settings must be a mapping, e.g. "
            "`trust: [~/blueprints/]`."
        )
    unknown = sorted(str(key) for key in data if key != "trust")
    if unknown:
        line = _key_line(path, unknown[0]) or document.line_of((unknown[0],)) or 1
        raise SettingsError(
            f"{path}:{line}: unknown setting {', '.join(unknown)}; known: trust. Fix or remove it."
        )
    entries = data.get("trust") or []
    if not isinstance(entries, list):
        raise SettingsError(
            f"{path}:{document.line_of(('trust',)) or 1}: trust must be a list of blueprint "
            "folders, e.g. `trust: [~/blueprints/, /srv/blueprints/handler]`."
        )
    trusted = []
    for index, entry in enumerate(entries):
        line = document.line_of(("trust", index)) or 1
        if not isinstance(entry, str):
            raise SettingsError(
                f"{path}:{line}: trust: each entry must be a folder path, not {entry!r}."
            )
        try:
            trusted.append(TrustedSource.parse(entry))
        except ValueError as exc:
            raise SettingsError(
                f"{path}:{line}: trust: {exc}. Give an absolute folder (or one under ~), "
                "ending in / to trust every blueprint under it."
            ) from None
    return Settings(tuple(trusted), source=path)


def _key_line(path: Path, key: str) -> int | None:
    """The line of a top-level ``key:`` (the document knows the line of its value only)."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if pattern.match(line):
            return number
    return None
