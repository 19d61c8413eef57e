"""Drawing the files of a run: a line each, or past :data:`FILE_LINES` a table per folder
(conflicts still one by one); the diffs of a dry run, the first :data:`DIFFS_SHOWN` of a
large run unless ``--diff``.

Fast whatever the size: the lines and diffs go to the console as plain styled segments (no
markup to parse, no syntax highlighting, no wrapping), and only what is shown is drawn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.segment import Segment, Segments
from rich.style import Style
from rich.table import Table

from scaffolder.plan import FileStatus
from scaffolder.report import FileReport, Report

FILE_LINES = 50  # past this many files to list, a table per folder (every line with -v)
DIFFS_SHOWN = 5  # diffs a large dry run draws (every one with --diff; all in --json)
FOLDER_ROWS = 30  # past this many folders, the table counts them a level up, then another

STYLES = {
    FileStatus.CREATE: "green",
    FileStatus.IDENTICAL: "blue",
    FileStatus.OVERWRITE: "yellow",
    FileStatus.CONFLICT: "bold red",
    FileStatus.SKIP: "yellow",
    FileStatus.DELETE: "red",
    FileStatus.INJECT: "cyan",
    FileStatus.MERGE: "magenta",
}


DONE = {
    FileStatus.CREATE: "created",
    FileStatus.IDENTICAL: "identical",
    FileStatus.OVERWRITE: "overwritten",
    FileStatus.CONFLICT: "in conflict",
    FileStatus.SKIP: "skipped",
    FileStatus.DELETE: "deleted",
    FileStatus.INJECT: "injected",
    FileStatus.MERGE: "merged",
}


PLANNED = {
    FileStatus.CREATE: "to create",
    FileStatus.IDENTICAL: "identical",
    FileStatus.OVERWRITE: "to overwrite",
    FileStatus.CONFLICT: "in conflict",
    FileStatus.SKIP: "to skip",
    FileStatus.DELETE: "to delete",
    FileStatus.INJECT: "to inject",
    FileStatus.MERGE: "to merge",
}

_STATUS_STYLES = {status: Style.parse(style) for status, style in STYLES.items()}
_DIFF_STYLES = {
    "+": Style(color="green"),
    "-": Style(color="red"),
    "@": Style(color="cyan"),
    "B": Style(bold=True),  # Binary files … differ
}
_DIFF_HEADERS = ("--- ", "+++ ")
_HEADER = Style(bold=True)
_NEWLINE = Segment("\n")
# what a terminal would act on (escape sequences, carriage returns, …), in a path or a diff
_CONTROL = {code: None for code in (*range(0x20), 0x7F) if code not in (0x09, 0x0A)}


def is_large(report: Report, *, batch: bool) -> bool:
    """Whether the run has more files to list than :data:`FILE_LINES`."""
    return len(_listed(report, batch=batch)) > FILE_LINES


def draw_files(report: Report, out: Console, *, batch: bool, verbose: bool) -> None:
    """A line per file (a batch: per file that changes); past :data:`FILE_LINES` of them,
    without ``verbose``, a table per folder and status, then each conflict on its line."""
    if verbose:
        _draw_lines(report.files, out)
    elif not is_large(report, batch=batch):
        _draw_lines(_listed(report, batch=batch), out)
    else:
        draw_folders(report, out)
        _draw_lines([f for f in report.files if f.status is FileStatus.CONFLICT], out)


def draw_folders(report: Report, out: Console) -> None:
    """A row per folder (folders a level up when there are more than :data:`FOLDER_ROWS`):
    its files by status. Only the statuses that occur get a column."""
    rows = folder_counts(report.files)
    statuses = [s for s in FileStatus if any(counts[s] for _, counts in rows)]
    words = PLANNED if report.dry_run else DONE
    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"files by folder ({len(report.files):,}; -v lists each one)",
        title_justify="left",
    )
    table.add_column("folder", overflow="fold")
    for status in statuses:
        table.add_column(words[status], justify="right", no_wrap=True)
    for folder, counts in rows:
        table.add_row(
            escape(folder.translate(_CONTROL)),
            *(f"[{STYLES[s]}]{counts[s]:,}[/]" if counts[s] else "[dim]0[/]" for s in statuses),
        )
    out.print(table)


def folder_counts(files: Sequence[FileReport]) -> list[tuple[str, Counter[FileStatus]]]:
    """The files' statuses counted per folder, folders sorted by name: each file's own
    folder, or (to keep to :data:`FOLDER_ROWS` rows) its folder so many levels from the
    top, named ``folder/…`` when it counts what is below it too."""
    parents = [PurePosixPath(f.path).parent.parts for f in files]
    depth = max((len(parts) for parts in parents), default=0)
    while depth > 0 and len({parts[:depth] for parts in parents}) > FOLDER_ROWS:
        depth -= 1
    counts: dict[tuple[str, ...], Counter[FileStatus]] = {}
    below: set[tuple[str, ...]] = set()  # the folders that count files of their subfolders
    for parts, file in zip(parents, files, strict=True):
        counts.setdefault(parts[:depth], Counter())[file.status] += 1
        if len(parts) > depth:
            below.add(parts[:depth])
    rows = [
        ("/".join(folder) + "/" if folder else "./") + ("…" if folder in below else "")
        for folder in counts
    ]
    return sorted(zip(rows, counts.values(), strict=True))


def draw_diffs(report: Report, out: Console, *, every: bool, large: bool) -> None:
    """The diffs of a dry run: all of them (``every``, or a run that is not ``large``), else
    the first :data:`DIFFS_SHOWN` (conflicts first: they are what needs a decision) and a
    line for the rest."""
    changed = [f for f in report.files if f.diff]
    shown = changed
    if large and not every:
        conflicts = [f for f in changed if f.status is FileStatus.CONFLICT]
        first = set(map(id, (conflicts + changed)[:DIFFS_SHOWN]))
        shown = [f for f in changed if id(f) in first]
    for file in shown:
        _draw_diff(file.diff or "", out)
    if len(shown) < len(changed):
        rest = len(changed) - len(shown)
        out.print(
            f"[dim]… and {rest:,} more file{'s' if rest != 1 else ''} with a diff: "
            "use --diff to see every diff (--json has them all)[/]"
        )


def _listed(report: Report, *, batch: bool) -> list[FileReport]:
    """The files a line each is for: a batch counts its identical files, it does not list
    them."""
    if not batch:
        return list(report.files)
    return [f for f in report.files if f.status is not FileStatus.IDENTICAL]


def _draw_lines(files: Iterable[FileReport], out: Console) -> None:
    """``    create  app/api/users.py``, a line per file."""
    segments: list[Segment] = []
    for file in files:
        status = Segment(f"{file.status.value:>10}", _STATUS_STYLES[file.status])
        segments += (status, Segment(f"  {file.path.translate(_CONTROL)}"), _NEWLINE)
    if segments:
        out.print(Segments(segments), end="")


def _draw_diff(diff: str, out: Console) -> None:
    """A unified diff, its lines coloured by their first character (no highlighting of the
    code: that cost seconds per thousand files)."""
    segments: list[Segment] = []
    for number, line in enumerate(diff.translate(_CONTROL).splitlines()):
        header = number < 2 and line.startswith(_DIFF_HEADERS)  # `--- a/…`, `+++ b/…`
        style = _HEADER if header else _DIFF_STYLES.get(line[:1])
        segments += (Segment(line, style), _NEWLINE)
    out.print(Segments(segments), end="")
