"""The benchmark's table: its rows, the targets of issue 11, and the section it writes in
docs/performance.md (between the two markers)."""

from __future__ import annotations

import os
import platform
import re
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

START, END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
NO_TARGET = "—"
X = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class Target:
    text: str  # as the table shows it, e.g. "≤ 1.5" and X
    limit: float
    on_ratio: bool = True  # False: the limit is on the scaffold figure itself (MB)
    strict: bool = False  # "< limit" rather than "≤ limit"

    def met(self, row: Row) -> bool:
        value = row.ratio if self.on_ratio else row.scaffold
        return value < self.limit if self.strict else value <= self.limit


@dataclass(frozen=True)
class Row:
    what: str
    n: str
    scaffold: float  # seconds, or MB for a memory row
    reference: float
    target: Target | None
    unit: str = "s"
    scaffold_mb: float | None = None
    reference_mb: float | None = None

    @property
    def ratio(self) -> float:
        return self.scaffold / self.reference

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self)

    def cells(self) -> list[str]:
        met = {None: NO_TARGET, True: "yes", False: "**no**"}[self.met]
        return [
            self.what,
            self.n,
            _figure(self.scaffold, self.unit, self.scaffold_mb),
            _figure(self.reference, self.unit, self.reference_mb),
            _ratio(self.ratio, self.unit),
            self.target.text if self.target else NO_TARGET,
            met,
        ]


HEADER = ["what", "N", "scaffold", "reference", "ratio", "target", "met?"]


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> list[str]:
    """One line per row that has a target: met or not, and by what figure."""
    lines = []
    for row in rows:
        if row.target is None:
            continue
        target = row.target
        figure = _ratio(row.ratio, row.unit) if target.on_ratio else _figure(row.scaffold, row.unit)
        state = "met" if row.met else "NOT met"
        lines.append(f"- {state}: {row.what}, N = {row.n}: {figure} (target {row.target.text})")
    return lines


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0))
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("scaffolder", "copier", "cookiecutter", "Jinja2")
    )
    return (
        f"{usable} cores ({model}), Python {platform.python_version()}, "
        f"{_os_name()} (Linux {platform.release()}); {versions}"
    )


def section(rows: list[Row], *, command: str, runs: str, took: float, load: str) -> str:
    met = [row for row in rows if row.met is True]
    missed = [row for row in rows if row.met is False]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            START,
            f"Measured {when} on {machine()}.",
            f"Load average at the start: {load}. {runs}. The whole run took {took / 60:.1f} min:",
            "",
            f"`{command}`",
            "",
            markdown(rows),
            "",
            f"Targets met: {len(met)} of {len(met) + len(missed)}.",
            "",
            *verdicts(rows),
            END,
        ]
    )


def rewrite(doc: Path, text: str) -> None:
    """Replace the marked section of ``doc`` with ``text`` (which carries the markers)."""
    old = doc.read_text()
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if len(pattern.findall(old)) != 1:
        raise SystemExit(f"{doc}: needs one {START} … {END} section to rewrite; found none.")
    doc.write_text(pattern.sub(lambda _: text, old))


def _figure(value: float, unit: str, peak_mb: float | None = None) -> str:
    shown = f"{value:.0f} MB" if unit == "MB" else f"{value:.2f} s"
    return shown if peak_mb is None else f"{shown}, {peak_mb:.0f} MB"


def _ratio(ratio: float, unit: str) -> str:
    if ratio < 1:
        inverse = f"{1 / ratio:.1f}" if ratio < 0.1 else f"{1 / ratio:.2f}"
        return f"{ratio:.3f}{X} ({inverse}{X} {'less' if unit == 'MB' else 'faster'})"
    return f"{ratio:.2f}{X}"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()
