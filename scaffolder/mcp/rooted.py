"""The server's root: every folder and file a tool names is resolved inside it.

A destination, an items file or a blueprint folder is taken relative to the root; one
that leaves it (``..``, an absolute path elsewhere, a symlink pointing out) is a
:class:`~scaffolder.errors.ConfinementError` naming the path and the root. Blueprints from
git are refused: checking one out writes outside the root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffolder.catalog import SearchPath
from scaffolder.errors import ConfinementError


@dataclass(frozen=True)
class Root:
    """The project folder the server serves (resolved: no symlink in it)."""

    path: Path

    @classmethod
    def at(cls, folder: str | Path) -> Root:
        path = Path(folder).expanduser().resolve()
        if not path.is_dir():
            raise ConfinementError(f"--root {folder}: no such folder. Give an existing folder.")
        return cls(path)

    @property
    def search(self) -> SearchPath:
        """Where blueprints are found: the root's ``.scaffold/blueprints``, ``SCAFFOLD_PATH``,
        the built-in ones."""
        return SearchPath.default(cwd=self.path)

    def inside(self, given: str | Path, what: str) -> Path:
        """``given`` (relative to the root, or absolute) resolved, symlinks followed; an
        error when that is not the root or a path under it."""
        text = str(given)
        if "\x00" in text:
            raise ConfinementError(f"{what} {text!r}: a path cannot hold a NUL character.")
        resolved = (self.path / Path(text).expanduser()).resolve()
        if resolved != self.path and not resolved.is_relative_to(self.path):
            raise ConfinementError(
                f"{what} {text!r} is outside the server's root {self.path} (it resolves to "
                f"{resolved}). Give a path inside the root; `scaffold mcp --root DIR` sets it."
            )
        return resolved

    def blueprint(self, reference: str) -> str | Path:
        """A blueprint reference as the library takes it: a name as given, a folder
        resolved inside the root."""
        from scaffolder.sources.git import is_git_url

        if is_git_url(reference):
            raise ConfinementError(
                f"blueprint {reference!r}: the MCP server does not check out git sources "
                "(that writes outside its root). Use `scaffold new --blueprint URL` in a "
                "terminal, or clone the template into the root and give its folder."
            )
        if "/" in reference or reference.startswith((".", "~")):
            return self.inside(reference, "blueprint folder")
        return reference

    def relative(self, path: Path) -> str:
        """``path`` as the tools show it: relative to the root (``.`` for the root)."""
        return path.relative_to(self.path).as_posix() if path != self.path else "."
