"""What the ``scaffold`` pytest fixture does: render a blueprint into a test's ``tmp_path``.

``scaffold.render("greeting", {"who": "Ada"})`` renders as ``scaffold new`` does (any source
the library supports: a name, a blueprint folder, a Copier or Cookiecutter template, local or
in git), runs the checks, and returns a :class:`Rendered`: the report, the folder and the
files it wrote. A user error (an invalid value, a template that fails) is not raised: it is
the result's ``error``, so that a test can assert on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scaffolder.api import new
from scaffolder.authoring.golden import rendered_files, reworded
from scaffolder.blueprint import Blueprint
from scaffolder.catalog import SearchPath
from scaffolder.checks.guards import ToolMissingError
from scaffolder.errors import ScaffoldError
from scaffolder.report import Report


@dataclass(frozen=True)
class Rendered:
    """One render: ``ok`` when it succeeded and its checks passed."""

    path: Path  # the folder it rendered into
    report: Report | None  # None when it stopped on an error
    error: ScaffoldError | None = None
    files: Mapping[str, str] = field(default_factory=dict)  # what it wrote: path -> text

    @property
    def ok(self) -> bool:
        return self.error is None and self.report is not None and self.report.exit_code == 0

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        return self.report.exit_code if self.report is not None else 1

    @property
    def problems(self) -> list[str]:
        """Why it is not ok: the error's message, or each failed check's problems."""
        if self.error is not None:
            return [self.error.message]
        if self.report is None or self.ok:
            return []
        found = []
        for check in self.report.checks:
            for problem in check.problems:
                where = f"{problem.file}:{problem.line}" if problem.line else problem.file
                found.append(
                    f"{check.description}: {where + ': ' if where else ''}{problem.message}"
                )
        return found or [f"the run ended {self.report.outcome.value}"]

    def __repr__(self) -> str:  # what pytest prints when `assert result.ok` fails
        # pytest shortens a long repr: what went wrong first, on one line
        state = "ok" if self.ok else " ".join("; ".join(self.problems).split())
        count = f"{len(self.files)} file" + ("" if len(self.files) == 1 else "s")
        return f"<Rendered {self.path.name}, {state}, {count}>"


class Scaffold:
    """The ``scaffold`` fixture: renders into fresh folders under ``tmp_path``."""

    def __init__(self, tmp_path: Path, search: SearchPath | None = None) -> None:
        self.tmp_path = tmp_path
        self.search = search
        self._renders = 0

    def render(
        self,
        blueprint: str | Path | Blueprint,
        values: Mapping[str, Any] | None = None,
        *,
        check: bool = True,
        trust: bool = True,
        out: str | Path | None = None,
        vcs_ref: str | None = None,
        python: str | Path | None = None,
        keep_failed: bool = False,
    ) -> Rendered:
        """Render ``blueprint`` once with ``values`` (defaults fill the rest) into
        ``out`` (default: a new folder ``tmp_path/render-<n>``; relative: under tmp_path).
        ``check=False`` skips the checks. ``trust`` (default True: the test names the
        blueprint it tests) lets its ``import``/``pytest``/``command`` checks and a
        template's tasks run; ``keep_failed`` keeps the files when a check fails."""
        self._renders += 1
        folder = self.tmp_path / (out if out is not None else f"render-{self._renders}")
        try:
            report = new(
                blueprint,
                values,
                out=folder,
                check=check,
                trust=trust,
                search=self.search,
                vcs_ref=vcs_ref,
                python=python,
                keep_failed=keep_failed,
            )
        except ToolMissingError as error:
            advice = "Install it, or render with check=False (or python=) in the test."
            return Rendered(folder, None, reworded(error, advice))
        except ScaffoldError as error:
            return Rendered(folder, None, error)
        texts = {
            path: content.decode("utf-8", errors="replace")
            for path, content in rendered_files(report).items()
        }
        return Rendered(folder, report, files=MappingProxyType(texts))
