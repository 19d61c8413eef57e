"""Drawing results: rich on a terminal, plain lines in a pipe, JSON with ``--json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scaffolder.cli.changes_output import DONE, PLANNED, draw_diffs, draw_files, is_large
from scaffolder.cli.console import console as console
from scaffolder.cli.console import error_console as error_console
from scaffolder.cli.console import print_json as print_json
from scaffolder.cli.progress_bar import RunProgress as RunProgress
from scaffolder.plan import FileStatus
from scaffolder.report import Outcome, Report

if TYPE_CHECKING:  # a run imports the checks only when it has some, the history only to list it
    from scaffolder.commit import Holder
    from scaffolder.history import History

# The files of a run, a line each or past 50 a table per folder, and the diffs of a dry run:
# scaffolder.cli.changes_output. The progress bars: scaffolder.cli.progress_bar.


def draw_report(
    report: Report,
    out: Console,
    *,
    batch: bool = False,
    verbose: bool = False,
    diff: bool = False,
) -> None:
    """One line per path (a large run: a table per folder, conflicts one by one, unless
    ``verbose``), diffs in a dry run (a large one: the first few, unless ``diff``), the
    checks, then the outcome.

    A batch lists only the files that change (identical ones are counted) and
    adds a summary table per blueprint.
    """
    if report.recovery.rolled_back:
        out.print(
            f"[yellow]recovered[/] an interrupted run in {escape(str(report.destination))}: "
            "its partial changes were rolled back"
        )
        draw_kept(report.recovery.kept, out)
    for note in report.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")
    draw_files(report, out, batch=batch, verbose=verbose)
    if report.dry_run:
        draw_diffs(report, out, every=diff, large=is_large(report, batch=batch))
    if batch:
        draw_summary(report, out)
    if report.checks:
        draw_checks(report, out, verdict=False)
    counts = ", ".join(
        f"{report.count(status)} {DONE[status]}" for status in FileStatus if report.count(status)
    )
    if report.outcome is Outcome.CONFLICTED and report.undone:
        draw_undo_conflicts(report, out)
    elif report.outcome is Outcome.CONFLICTED and report.update:
        draw_update_conflicts(report, out)
    elif report.outcome is Outcome.CONFLICTED:
        conflicts = [f.path for f in report.files if f.status is FileStatus.CONFLICT]
        out.print(
            f"[bold red]conflict:[/] {len(conflicts)} existing file"
            f"{'s differ' if len(conflicts) != 1 else ' differs'} from what the blueprint renders "
            f"({_named(conflicts)}). "
            + ("Nothing would be written. " if report.dry_run else "Nothing was written. ")
            + "Use --on-conflict overwrite to replace, --on-conflict skip to keep"
            + (" them." if report.dry_run else " them, or --dry-run to see the diffs.")
        )
    elif report.outcome is Outcome.CHECKS_FAILED:
        failed = [c.description for c in report.checks if c.status.value == "failed"]
        then = (
            f"the run was rolled back: every file it wrote in {escape(str(report.destination))} "
            "is as it was before"
            if report.rolled_back
            else "the files were kept (--keep-failed)"
        )
        out.print(f"[bold red]checks failed:[/] {escape(', '.join(failed))}; {then}.")
        draw_kept(report.kept, out)
    elif report.dry_run:
        planned = ", ".join(
            f"{report.count(status)} {PLANNED[status]}"
            for status in FileStatus
            if report.count(status)
        )
        out.print(f"dry run: {planned or 'nothing to do'}; nothing was written")
    elif report.undone:
        runs = ", ".join(report.undone)
        out.print(f"undone: run {runs}: {counts or 'nothing to do'} in {report.seconds:.2f}s")
    else:
        out.print(f"done: {counts or 'nothing to do'} in {report.seconds:.2f}s")


NAMED = 10  # conflicts a message names; past that it points at their lines above


def _named(conflicts: list[str]) -> str:
    """The files in conflict, for a message: named, or when many, where they are listed."""
    if len(conflicts) <= NAMED:
        return escape(", ".join(conflicts))
    return f"each one is listed above as `conflict`; {escape(', '.join(conflicts[:3]))}, …"


def draw_undo_conflicts(report: Report, out: Console) -> None:
    """Why an undo stopped: files changed since the run it reverts."""
    conflicts = [f.path for f in report.files if f.status is FileStatus.CONFLICT]
    out.print(
        f"[bold red]conflict:[/] {len(conflicts)} file{'s' if len(conflicts) != 1 else ''} "
        f"changed since run {', '.join(report.undone)} ({_named(conflicts)}). "
        + ("Nothing would be written. " if report.dry_run else "Nothing was written. ")
        + "Use --force to revert them anyway (the changes made to them since are lost)"
        + (" (the diffs are above)." if report.dry_run else "; --dry-run shows the diffs.")
    )


def draw_update_conflicts(report: Report, out: Console) -> None:
    """Why an update stopped: files whose changes could not be merged (or that changed
    meanwhile); the notes above say why, file by file."""
    conflicts = [f.path for f in report.files if f.status is FileStatus.CONFLICT]
    out.print(
        f"[bold red]conflict:[/] {len(conflicts)} file{'s' if len(conflicts) != 1 else ''} "
        "where the template's changes and the project's own could not be merged "
        f"({_named(conflicts)}). "
        + ("Nothing would be written. " if report.dry_run else "Nothing was written. ")
        + "Use --on-conflict overwrite to take the new version (of a Copier template: "
        "Copier's result with its conflict markers, or .rej files, as `copier update` does; "
        "of a native blueprint: its new render), or --on-conflict skip to keep your "
        "version of those files"
        + (
            " (the diffs are above, with the conflict markers)."
            if report.dry_run
            else "; --dry-run shows the diffs, with the conflict markers."
        )
    )


def waiting(holder: Holder) -> None:
    """Say, on stderr, that the run waits for another one."""
    error_console().print(
        f"[yellow]waiting[/] for {escape(holder.describe())}, which holds the destination's "
        "lock; it goes on when that run ends (Ctrl-C to give up, --no-wait not to wait)"
    )


def draw_kept(kept: tuple[str, ...], out: Console) -> None:
    """What a rollback left because the run did not write it."""
    if kept:
        out.print(
            f"[yellow]kept[/] {len(kept)} path{'s' if len(kept) != 1 else ''} that the run did "
            "not write, in folders it had created (so those folders stay too):"
        )
        for path in kept:
            out.print(f"      kept  {escape(repr(path)[1:-1])}")


CHECK_STYLES = {"passed": "green", "failed": "bold red", "not_run": "yellow"}  # by status
OUTPUT_LINES = 12  # lines of a failed tool's output shown; --json has all of it


def draw_checks(report: Report, out: Console, *, verdict: bool = True) -> None:
    """A row per check (files covered, result, time), then what each failure found."""
    from scaffolder.checks import CheckStatus, Found

    if verdict and report.recovery.rolled_back:  # `scaffold check` on its own
        out.print(
            f"[yellow]recovered[/] an interrupted run in {escape(str(report.destination))}: "
            "its partial changes were rolled back"
        )
    phases = any(check.phase for check in report.checks)
    # which Python ran each check: a column when it is not scaffold's own
    pythons = any(c.python and c.python.found is not Found.SCAFFOLD for c in report.checks)
    table = Table(box=box.SIMPLE_HEAD, title="checks", title_justify="left")
    for name in (["phase"] if phases else []) + ["blueprint", "check"]:
        table.add_column(name)
    if pythons:
        table.add_column("python", no_wrap=True)
    for name in ("files", "result", "time"):
        table.add_column(name, justify="right", no_wrap=True)
    for check in report.checks:
        style = CHECK_STYLES[check.status.value]
        table.add_row(
            *([escape(check.phase or "")] if phases else []),
            escape(check.blueprint),
            escape(check.description),
            *([escape(check.python.label if check.python else "")] if pythons else []),
            str(len(check.files)),
            f"[{style}]{escape(check.summary)}[/]",  # a pytest check's: "24 passed"
            f"{check.seconds:.2f}s",
        )
    out.print(table)
    draw_pythons(report, out, every=pythons)
    for check in report.checks:
        if check.status is not CheckStatus.FAILED:
            continue
        out.print(f"[bold red]{escape(check.description)}[/] ({escape(check.blueprint)}) failed:")
        for problem in check.problems:
            out.print(f"  {escape(problem.describe())}")
        lines = check.output.strip().splitlines()
        if lines:
            shown = lines[-OUTPUT_LINES:]
            if len(lines) > len(shown):
                out.print(f"  [dim]… {len(lines) - len(shown)} more lines in --json[/]")
            for line in shown:
                out.print(f"  [dim]│[/] {escape(line)}")
    if verdict:
        if report.outcome is Outcome.CHECKS_FAILED:
            out.print("[bold red]checks failed[/]")
        else:
            out.print(f"checks passed: {len(report.checks)} in {report.seconds:.2f}s")


def draw_pythons(report: Report, out: Console, *, every: bool) -> None:
    """Each Python the checks ran with (``every``), or those of the checks that failed."""
    from scaffolder.checks import CheckStatus

    shown = dict.fromkeys(
        c.python for c in report.checks if c.python and (every or c.status is CheckStatus.FAILED)
    )
    for python in shown:
        if python is not None:
            out.print(f"python: {escape(python.describe())}")


def draw_summary(report: Report, out: Console) -> None:
    """A row per blueprint (per phase in a plan): items, files by status, time.

    Only the statuses that occur get a column (created and identical always do).
    """
    phases = any(s.phase for s in report.summaries)
    statuses = [
        status
        for status in FileStatus
        if status in (FileStatus.CREATE, FileStatus.IDENTICAL)
        or any(s.counts.get(status) for s in report.summaries)
    ]
    table = Table(box=box.SIMPLE_HEAD, title="summary", title_justify="left")
    for name in (["phase"] if phases else []) + ["blueprint"]:
        table.add_column(name, no_wrap=True)
    for name in ("items", *(DONE[s] for s in statuses), "time"):
        table.add_column(name, justify="right", no_wrap=True)
    for summary in report.summaries:
        table.add_row(
            *([escape(summary.phase or "")] if phases else []),
            escape(summary.blueprint),
            str(summary.items),
            *(str(summary.counts.get(status, 0)) for status in statuses),
            f"{summary.seconds:.2f}s",
        )
    out.print(table)


HISTORY_ITEMS = 3  # item names shown per run; --json has all of them


def draw_history(history: History, out: Console) -> None:
    """A row per run, newest first: id, number, time, blueprints, items, files changed."""
    if history.recovery.rolled_back:
        out.print(
            f"[yellow]recovered[/] an interrupted run in {escape(str(history.destination))}: "
            "its partial changes were rolled back"
        )
    if not history.runs:
        out.print(f"no runs recorded in {escape(str(history.destination))}")
        return
    table = Table(box=box.SIMPLE_HEAD, title="history (newest first)", title_justify="left")
    for name in ("run", "#", "time (UTC)", "blueprints", "items", "files"):
        table.add_column(name, overflow="fold")
    done = {status.value: word for status, word in DONE.items()}
    for run in reversed(history.runs):
        names = [item.name or f"item {item.index}" for item in run.items]
        shown = ", ".join(names[:HISTORY_ITEMS])
        if len(names) > HISTORY_ITEMS:
            shown += f" (+{len(names) - HISTORY_ITEMS})"
        files = ", ".join(f"{n} {done.get(a, a)}" for a, n in sorted(run.counts().items()))
        table.add_row(
            run.id,
            str(run.number),
            run.time.replace("T", " ").removesuffix("Z"),
            escape(", ".join(run.blueprints)),
            escape(f"{len(names)}: {shown}" if names else "0"),
            files or "record only",
        )
    out.print(table)
    out.print("`scaffold undo` reverts the newest; `scaffold undo RUN` goes back to before RUN")
