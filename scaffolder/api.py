"""The library API: everything the ``scaffold`` command does, callable from Python."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.blueprint import Blueprint
from scaffolder.catalog import Catalog, SearchPath, find_blueprints, resolve_blueprint, scan
from scaffolder.errors import BlueprintError, UsageError
from scaffolder.paths import OWN_FOLDER

# The stages are imported by the calls that run them: `scaffold list` and `--help` (and an
# `import scaffolder`) do not load the renderer, the commit and the checks.
if TYPE_CHECKING:
    from scaffolder.batches import BatchDone
    from scaffolder.commit import Holder
    from scaffolder.history import History
    from scaffolder.itemsfile import ItemsFile
    from scaffolder.pipeline import Options
    from scaffolder.plan import ConflictPolicy
    from scaffolder.progress import OnProgress
    from scaffolder.report import Report


def new(
    blueprint: str | Path | Blueprint,
    values: Mapping[str, Any] | None = None,
    *,
    out: str | Path = ".",
    dry_run: bool = False,
    on_conflict: ConflictPolicy | str = "fail",
    check: bool = True,
    keep_failed: bool = False,
    trust: bool = False,
    search: SearchPath | None = None,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
    vcs_ref: str | None = None,
    python: str | Path | None = None,
    progress: OnProgress | None = None,
) -> Report:
    """Render one blueprint once, then run its checks (rolled back if they fail).

    Another run holding ``out`` is waited for (``on_wait`` is told who it is), or with
    ``wait=False`` is a LockedError. ``vcs_ref`` is the tag, branch or commit of a git
    source (``gh:owner/repo``, a URL, a local git repository). ``python`` is the interpreter
    the checks use (``--python``); default: the ``VIRTUAL_ENV`` in effect, else a ``.venv``
    or ``venv`` in ``out`` or a folder above it, else scaffold's own. ``progress`` is told
    how far rendering, writing and the checks have got (:mod:`scaffolder.progress`).

    >>> report = new("crud-endpoint", {"resource": "users"}, out="service")
    >>> report.exit_code
    0
    """
    if not isinstance(blueprint, Blueprint):
        blueprint = resolve_blueprint(blueprint, search, vcs_ref)
    from scaffolder.pipeline import run_one

    options = _run_options(
        out, on_conflict, dry_run=dry_run, check=check, keep_failed=keep_failed, trust=trust,
        wait=wait, on_wait=on_wait, python=_python(python), progress=progress,
    )  # fmt: skip
    return run_one(blueprint, dict(values or {}), options)


def inline_items(
    data: Mapping[str, Any], folder: str | Path = ".", *, name: str = "items (inline)"
) -> ItemsFile:
    """Items given as data (what an items file would hold: ``blueprint`` and ``items``, or
    ``phases``), checked as a file would be, for :func:`run`. Blueprint folders and
    ``from:`` files it names are relative to ``folder``; messages call it ``name``.

    >>> report = run(inline_items({"blueprint": "crud-endpoint", "items": [{"resource": "users"}]}))
    """
    from scaffolder.itemsfile import read_items
    from scaffolder.yamlsource import SourceDocument

    return read_items(SourceDocument(data=dict(data), source=name), Path(folder) / name)


def run(
    items_file: str | Path | ItemsFile,
    *,
    out: str | Path = ".",
    dry_run: bool = False,
    on_conflict: ConflictPolicy | str = "fail",
    batch_size: int | None = None,
    jobs: int | None = None,
    check: bool = True,
    keep_failed: bool = False,
    trust: bool = False,
    search: SearchPath | None = None,
    on_batch: Callable[[BatchDone], None] | None = None,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
    vcs_ref: str | None = None,
    python: str | Path | None = None,
    progress: OnProgress | None = None,
) -> Report:
    """Render every item of an items file (one blueprint, or a plan of phases): a path,
    or items given as data (:func:`inline_items`).

    ``jobs`` batches render at once (default: the number of cores); the files
    written are the same whatever it is. ``vcs_ref`` wins over the file's ``vcs_ref:``.
    ``on_batch`` is told of each rendered batch; ``progress`` of how far rendering (items,
    per blueprint), writing (files) and the checks have got (:mod:`scaffolder.progress`).

    >>> report = run("examples/crud-endpoints.yaml", out="service")
    """
    if batch_size is not None and batch_size < 1:
        raise UsageError(f"--batch-size {batch_size}: give a whole number of at least 1.")
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give a whole number of at least 1.")
    from scaffolder.itemsfile import ItemsFile, load_items_file
    from scaffolder.pipeline import run_items

    options = _run_options(
        out, on_conflict, dry_run=dry_run, batch_size=batch_size, jobs=jobs or os.cpu_count() or 1,
        check=check, keep_failed=keep_failed, trust=trust, wait=wait, on_wait=on_wait,
        python=_python(python), progress=progress,
    )  # fmt: skip
    items = items_file if isinstance(items_file, ItemsFile) else load_items_file(items_file)
    return run_items(items, options, search=search, on_batch=on_batch, vcs_ref=vcs_ref)


def check(
    out: str | Path = ".",
    *,
    trust: bool = False,
    jobs: int | None = None,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
    python: str | Path | None = None,
    progress: OnProgress | None = None,
) -> Report:
    """Run the checks of the last run in ``out`` again (``python``, ``progress``: as in
    :func:`new`)."""
    from scaffolder.pipeline import Options, check_last_run

    options = Options(
        out=_existing(out, "check"),
        trust=trust,
        jobs=jobs or os.cpu_count() or 1,
        wait=wait,
        on_wait=on_wait,
        python=_python(python),
        progress=progress,
    )
    return check_last_run(Path(out), options)


def update(
    destinations: Sequence[str | Path] = (".",),
    *,
    vcs_ref: str | None = None,
    conflict: str = "inline",
    on_conflict: ConflictPolicy | str = "fail",
    answers_file: str | None = None,
    dry_run: bool = False,
    check: bool = True,
    keep_failed: bool = False,
    trust: bool = False,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
    python: str | Path | None = None,
    progress: OnProgress | None = None,
) -> Report:
    """Bring projects to the newest version of what made them, all in one transaction
    rooted in their common folder. A project made from a Copier template goes to a newer
    version of it (``vcs_ref``; default: the latest PEP 440 tag) by Copier's own update, run
    in a staging copy; Copier's merge conflicts (``conflict``: ``inline`` markers or ``rej``
    files) are conflicts of the plan. A project made by native blueprints (its
    ``.scaffold/last-run.json`` says which) has the items of its last run rendered again
    with the blueprints as they are now (from git: ``vcs_ref``, else the ref asked for
    then), merged three ways with what that run wrote: files you edited are ``merge``d,
    and where your edits and the blueprint's changes overlap the file is a conflict. For
    conflicts ``on_conflict`` decides: fail (the default) writes nothing; skip keeps your
    version; overwrite takes Copier's result (markers included) or the blueprint's render.

    >>> report = update(["services/api", "services/web"], vcs_ref="v2")
    """
    if conflict not in ("inline", "rej"):
        raise UsageError(f"--conflict {conflict!r}: choose inline or rej.")
    from scaffolder.updating import run_update

    # `out`: the destinations' common folder replaces it
    options = _run_options(
        ".", on_conflict, dry_run=dry_run, check=check, keep_failed=keep_failed, trust=trust,
        wait=wait, on_wait=on_wait, python=_python(python), progress=progress,
    )  # fmt: skip
    folders = [Path(d) for d in destinations] or [Path(".")]
    return run_update(
        folders, options, vcs_ref=vcs_ref, conflict=conflict, answers_file=answers_file
    )


def undo(
    out: str | Path = ".",
    run: str | None = None,
    *,
    force: bool = False,
    dry_run: bool = False,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
    progress: OnProgress | None = None,
) -> Report:
    """Revert the newest run in ``out`` from its history: the files it created deleted, the
    files it changed (or deleted) given back their old bytes and modes, in one atomic,
    journaled commit. With ``run`` (an id from :func:`history`), go back to before that run:
    it and every newer one are reverted together. A file changed since the run is a
    conflict (nothing written, ``report.outcome`` is ``conflicted``) unless ``force``.

    >>> undo("service").undone
    ('3f9a1c2e',)
    """
    from scaffolder.pipeline import Options, run_undo

    folder = _existing(out, "undo")
    options = Options(out=folder, dry_run=dry_run, wait=wait, on_wait=on_wait, progress=progress)
    return run_undo(folder, options, run, force=force)


def history(
    out: str | Path = ".", *, wait: bool = True, on_wait: Callable[[Holder], None] | None = None
) -> History:
    """The runs recorded in ``out``, oldest first: each one's id, time, blueprints, items
    and the files it changed (with what they were before and after)."""
    from scaffolder.pipeline import Options, list_history

    options = Options(out=Path(out), wait=wait, on_wait=on_wait)
    return list_history(Path(out), options)


def test_blueprint(
    blueprint: str | Path | Blueprint,
    *,
    search: SearchPath | None = None,
    keep: str | Path | None = None,
    trust: bool = False,
    vcs_ref: str | None = None,
    python: str | Path | None = None,
    on_example: Callable[[int, Report], None] | None = None,
) -> list[Report]:
    """Render each of a blueprint's examples into a fresh folder and run its checks.

    One report per example, in order. The folders are temporary unless ``keep``
    names a folder to render them in (``example-1``, ``example-2``, …). ``python``: as in
    :func:`new` (a temporary folder has no ``.venv``: give it, or activate one).
    ``on_example(number, report)`` is called after each example, while its folder is there.
    """
    if not isinstance(blueprint, Blueprint):
        blueprint = resolve_blueprint(blueprint, search, vcs_ref)
    if not blueprint.examples:
        where, key = (
            (blueprint.root / "blueprint.yaml", "`examples:`")
            if blueprint.source is None  # a template of another tool: its `_scaffold:` key
            else (blueprint.root, f"`_scaffold: {{examples: [...]}}` in its {blueprint.kind} file")
        )
        raise BlueprintError(
            f"{where}: no {key} to test. "
            "Add sample items: they document the blueprint and are its own test."
        )
    from scaffolder.pipeline import Options, run_one

    reports = []
    with tempfile.TemporaryDirectory(prefix="scaffold-test-") as temporary:
        base = Path(keep) if keep is not None else Path(temporary)
        for number, example in enumerate(blueprint.examples, start=1):
            # kept folders keep a failing example too: it is the one to look at
            options = Options(
                out=base / f"example-{number}",
                trust=trust,
                keep_failed=keep is not None,
                python=_python(python),
            )
            reports.append(run_one(blueprint, dict(example), options))
            if on_example is not None:
                on_example(number, reports[-1])
    return reports


def blueprints(search: SearchPath | None = None) -> list[Blueprint]:
    """Every blueprint found: built-in, the project's, and those on ``SCAFFOLD_PATH``."""
    return find_blueprints(search)


def catalog(search: SearchPath | None = None) -> Catalog:
    """The blueprints found, with the errors of those that failed to load."""
    return scan(search)


def _run_options(out: str | Path, on_conflict: ConflictPolicy | str, **settings: Any) -> Options:
    """The options of a run that writes: ``out`` and ``on_conflict`` as callers give them."""
    from scaffolder.pipeline import Options

    if OWN_FOLDER in Path(out).resolve().parts:
        raise UsageError(
            f"--out {out}: inside a {OWN_FOLDER} folder, where scaffolder keeps a project's "
            "journal, run record and history. Give the project's own folder."
        )
    return Options(out=Path(out), on_conflict=conflict_policy(on_conflict), **settings)


def _existing(out: str | Path, command: str) -> Path:
    """``out`` of a command that reads what runs left there: a folder that exists."""
    folder = Path(out)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise UsageError(
            f"--out {out}: {what}. `scaffold {command}` works on a folder that runs wrote "
            "into; give that folder."
        )
    return folder


def _python(given: str | Path | None) -> Path | None:
    return None if given is None else Path(given)


def conflict_policy(value: ConflictPolicy | str) -> ConflictPolicy:
    from scaffolder.plan import ConflictPolicy

    if isinstance(value, ConflictPolicy):
        return value
    try:
        return ConflictPolicy(value)
    except ValueError:
        choices = ", ".join(p.value for p in ConflictPolicy)
        raise UsageError(f"--on-conflict {value!r}: choose one of {choices}.") from None
