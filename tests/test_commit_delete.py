"""Deletions in the commit (``scaffold update`` removes the files a template no longer has).

A deletion keeps the old file in the journal's ``backups/`` (a hard link) like an
overwrite, removes it at commit, then removes the folders that leaves empty; a rollback, or
the recovery of a killed run, makes those folders again (with their modes) and puts every
file back. The journal's new rules are as strict as the old ones, and a journal written by
the previous version (version 2) is still recovered. Last, end to end: real ``scaffold
update`` processes SIGKILLed mid-commit, and the next run restoring every file.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from scaffolder.changes import ChangeSet, RenderedFile
from scaffolder.commit import JOURNAL_FILE, commit, files, recover, write
from scaffolder.errors import CommitError
from scaffolder.plan import ConflictPolicy, FileStatus, Plan, plan_update
from tests.commit_victim import KillingFileSystem
from tests.conftest import build_file_tree, snapshot
from tests.e2e_helpers import (
    assert_tree,
    kill_after_journal,
    kill_when_exists,
    no_traceback,
    run,
    run_timing_journal,
)
from tests.test_commit import (
    DyingFileSystem,
    FaultyFileSystem,
    Killed,
    RecordingFileSystem,
    Tree,
    differences,
    state,
)
from tests.test_copier_update import git, no_user_configuration

__all__ = ["no_user_configuration"]  # the fixture: git and Copier without the user's settings

LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
EXISTING: dict[str, str | bytes] = {
    "README.md": "# old readme\n",  # overwritten
    "bin/run.sh": "#!/bin/sh\necho old\n",  # overwritten, 0o755 -> 0o750
    "old/docs/guide.md": "# guide\n",  # deleted, and its folders with it
    "old/docs/img/logo.png": LOGO,  # deleted
    "lib/legacy.py": "OLD = 1\n",  # deleted; lib/ stays (keep.py)
    "lib/keep.py": "KEEP = 1\n",
    "data/secret.bin": bytes(range(64)),  # deleted (0o600); data/ (0o750) goes too
    "notes.txt": "my own notes\n",  # not touched
}
MODES = {"bin/run.sh": 0o755, "data/secret.bin": 0o600, "old/docs": 0o700, "data": 0o750}
DELETED = ["data/secret.bin", "lib/legacy.py", "old/docs/guide.md", "old/docs/img/logo.png"]


def make_workspace(root: Path) -> Path:
    build_file_tree(root / "app", EXISTING)
    for path, mode in MODES.items():
        (root / "app" / path).chmod(mode)
    return root


def changes() -> ChangeSet:
    """What an update would give: two overwrites, a creation in new folders, four deletions."""
    files = [
        RenderedFile(PurePosixPath("README.md"), b"# new readme\n", 0o644,
                     PurePosixPath("README.md"), (1,), base=b"# old readme\n"),
        RenderedFile(PurePosixPath("bin/run.sh"), b"#!/bin/sh\necho new\n", 0o750,
                     PurePosixPath("bin/run.sh"), (1,), base=b"#!/bin/sh\necho old\n"),
        RenderedFile(PurePosixPath("src/new/module.py"), b"NEW = 1\n", 0o644,
                     PurePosixPath("src/new/module.py"), (1,)),
    ]  # fmt: skip
    for path in DELETED:
        content = EXISTING[path]
        base = content if isinstance(content, bytes) else content.encode()
        mode = MODES.get(path, 0o644)
        files.append(
            RenderedFile(PurePosixPath(path), b"", mode, PurePosixPath(path), (1,),
                         base=base, deleted=True)
        )  # fmt: skip
    return ChangeSet(tuple(sorted(files, key=lambda f: f.path)), {1: "app"})


def build_plan(dest: Path) -> Plan:
    return plan_update(changes(), dest, ConflictPolicy.FAIL)


def expected_after(before: Tree) -> Tree:
    files, modes = dict(before[0]), dict(before[1])
    for path in [*DELETED, "old/docs/img", "old/docs", "old", "data"]:
        files.pop(f"app/{path}")
        modes.pop(f"app/{path}")
    for path, content, mode in [
        ("app/README.md", b"# new readme\n", 0o644),
        ("app/bin/run.sh", b"#!/bin/sh\necho new\n", 0o750),
        ("app/src/new/module.py", b"NEW = 1\n", 0o644),
    ]:
        files[path], modes[path] = content, mode
    for folder in ("app/src", "app/src/new"):
        files[folder], modes[folder] = None, 0o777 & ~_umask()
    return files, modes


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@pytest.fixture
def without_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    monkeypatch.setattr(files, "sync_file_system", lambda fd, where: True)


def test_the_plan_of_an_update(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "w")
    planned = build_plan(workspace / "app")
    assert {p.path.as_posix(): p.status for p in planned.files} == {
        "README.md": FileStatus.OVERWRITE,
        "bin/run.sh": FileStatus.OVERWRITE,
        "src/new/module.py": FileStatus.CREATE,
        **dict.fromkeys(DELETED, FileStatus.DELETE),
    }
    assert [p.path.as_posix() for p in planned.deletes] == DELETED
    guide = next(p for p in planned.files if p.path.as_posix() == "old/docs/guide.md")
    assert guide.diff() == "--- a/old/docs/guide.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-# guide\n"


def test_the_plan_of_an_update_against_a_destination_that_changed(tmp_path: Path) -> None:
    """A file changed since the update was staged, or one Copier left in conflict, is a
    conflict (the policy decides); a file to delete that is gone already is left out."""
    workspace = make_workspace(tmp_path / "w")
    dest = workspace / "app"
    (dest / "README.md").write_text("# edited meanwhile\n")
    (dest / "lib/legacy.py").unlink()
    (dest / "old/docs/guide.md").write_text("# edited meanwhile\n")
    (dest / "bin/run.sh").write_text("#!/bin/sh\necho new\n")  # the update's result already
    (dest / "bin/run.sh").chmod(0o750)
    conflicted = RenderedFile(PurePosixPath("notes.txt"), b"<<<<<<< before updating\n", 0o644,
                              PurePosixPath("notes.txt"), (1,), base=b"my own notes\n",
                              conflicted=True)  # fmt: skip
    with_conflict = ChangeSet((*changes().files, conflicted), {1: "app"})
    found = {
        policy: {
            p.path.as_posix(): p.status for p in plan_update(with_conflict, dest, policy).files
        }
        for policy in ConflictPolicy
    }
    assert "lib/legacy.py" not in found[ConflictPolicy.FAIL]
    assert found[ConflictPolicy.FAIL]["bin/run.sh"] is FileStatus.IDENTICAL
    for path in ("README.md", "old/docs/guide.md", "notes.txt"):
        assert found[ConflictPolicy.FAIL][path] is FileStatus.CONFLICT
        assert found[ConflictPolicy.SKIP][path] is FileStatus.SKIP
    assert found[ConflictPolicy.OVERWRITE]["README.md"] is FileStatus.OVERWRITE
    assert found[ConflictPolicy.OVERWRITE]["old/docs/guide.md"] is FileStatus.DELETE
    assert found[ConflictPolicy.OVERWRITE]["notes.txt"] is FileStatus.OVERWRITE


def test_a_commit_deletes_files_and_the_folders_it_empties(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "w")
    before = state(workspace)
    result = commit(build_plan(workspace / "app"))
    assert [p.as_posix() for p in result.deleted] == DELETED
    after = state(workspace)
    assert after == expected_after(before), differences(expected_after(before), after)
    assert not (workspace / "app/.scaffold").exists()


def test_a_rollback_puts_deleted_files_and_folders_back(tmp_path: Path) -> None:
    """What a failed check does: the written run is undone, deletions included."""
    workspace = make_workspace(tmp_path / "w")
    before = state(workspace)
    transaction = write(build_plan(workspace / "app"))
    written = {k: v for k, v in state(workspace)[0].items() if ".scaffold" not in k}
    assert written == expected_after(before)[0]
    transaction.roll_back()
    assert state(workspace) == before, differences(before, state(workspace))


def reference(tmp_path: Path) -> tuple[Tree, Tree, list[tuple[str, tuple[Any, ...]]], int]:
    workspace = make_workspace(tmp_path / "reference")
    before = state(workspace)
    fs = RecordingFileSystem()
    commit(build_plan(workspace / "app"), fs)
    assert fs.commit_point is not None
    names = [name for name, _ in fs.calls[: fs.commit_point]]
    assert "remove" in names and "remove_dir" in names and "backup" in names
    return before, state(workspace), fs.calls, fs.commit_point


@pytest.mark.usefixtures("without_fsync")
@pytest.mark.parametrize(
    "fault",
    [lambda: OSError(errno.EIO, "Input/output error (injected)"), KeyboardInterrupt],
    ids=["EIO", "KeyboardInterrupt"],
)
def test_a_fault_at_any_operation_leaves_the_tree_as_before_or_committed(
    tmp_path: Path, fault: Callable[[], BaseException]
) -> None:
    before, after, calls, commit_point = reference(tmp_path)
    problems = []
    for k in range(1, len(calls) + 1):
        workspace = make_workspace(tmp_path / f"k{k}")
        fs = FaultyFileSystem(k, fault())
        with contextlib.suppress(CommitError, KeyboardInterrupt):
            commit(build_plan(workspace / "app"), fs)
        recover(workspace / "app")
        expected = before if k <= commit_point else after
        if (now := state(workspace)) != expected:
            problems.append(f"k={k} ({calls[k - 1][0]}): {differences(expected, now)}")
        shutil.rmtree(workspace)
    assert not problems, "\n".join(problems)


@pytest.mark.usefixtures("without_fsync")
def test_a_commit_killed_at_any_operation_is_undone_by_recover(tmp_path: Path) -> None:
    before, after, calls, commit_point = reference(tmp_path)
    problems = []
    for k in range(1, len(calls) + 1):
        workspace = make_workspace(tmp_path / f"k{k}")
        with pytest.raises(Killed):
            commit(build_plan(workspace / "app"), DyingFileSystem(k))
        recovery = recover(workspace / "app")
        expected = before if k <= commit_point else after
        if (now := state(workspace)) != expected:
            problems.append(f"k={k} ({calls[k - 1][0]}): {differences(expected, now)}")
        if k > commit_point and recovery.rolled_back:
            problems.append(f"k={k}: recover() rolled back a committed run")
        shutil.rmtree(workspace)
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
def test_a_sigkilled_commit_with_deletions_is_restored_by_recover(tmp_path: Path) -> None:
    """A real SIGKILL: right after the first deletion, after the folders went, and just
    before the commit point."""
    before, _, calls, commit_point = reference(tmp_path)
    removes = [
        n for n, (name, _) in enumerate(calls[:commit_point], 1) if name in ("remove", "remove_dir")
    ]
    for k in (removes[0] + 1, removes[-1] + 1, commit_point):
        workspace = make_workspace(tmp_path / f"killed{k}")
        child = os.fork()
        if child == 0:  # pragma: no cover - the child dies by SIGKILL
            try:
                commit(build_plan(workspace / "app"), KillingFileSystem(k))
            finally:
                os._exit(3)
        _, status = os.waitpid(child, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert state(workspace) != before
        assert recover(workspace / "app").rolled_back
        assert state(workspace) == before, f"k={k}: {differences(before, state(workspace))}"


# -- the journal: the rules for deletions, and the previous version's journals


def killed_before_the_commit_point(workspace: Path) -> Path:
    """A commit killed right before its commit point: every file written or removed, the
    journal prepared. Its journal file."""
    _, _, _, commit_point = reference(workspace.parent / f"{workspace.name}-reference")
    make_workspace(workspace)
    with pytest.raises(Killed):
        commit(build_plan(workspace / "app"), DyingFileSystem(commit_point))
    (journal,) = (workspace / "app/.scaffold/journal").iterdir()
    return journal / JOURNAL_FILE


def _entry(data: dict[str, Any], path: str) -> dict[str, Any]:
    return next(e for e in data["entries"] if e["path"] == path)


TAMPERINGS: dict[str, Callable[[dict[str, Any]], object]] = {
    "a deletion of a file that was not there": lambda d: _entry(d, "lib/legacy.py").update(
        existed=False
    ),
    "a deletion without its backup": lambda d: _entry(d, "lib/legacy.py").update(backup=None),
    # (an undo deletes the run record and history files: those deletions are a commit's)
    "a deletion in the journals' folder": lambda d: _entry(d, "lib/legacy.py").update(
        path=".scaffold/journal/x.json", temp=f".scaffold/journal/.x.json.scaffold-{d['id']}.tmp"
    ),
    "an unknown action": lambda d: _entry(d, "lib/legacy.py").update(action="move"),
    "an entry without its action": lambda d: _entry(d, "lib/legacy.py").pop("action"),
    "a removed folder that held no deleted file": lambda d: d["removed_dirs"].append(
        {"path": "src", "mode": 0o755}
    ),
    "a removed folder outside": lambda d: d["removed_dirs"].append(
        {"path": "../outside", "mode": 0o755}
    ),
    "a removed folder with a bad mode": lambda d: d["removed_dirs"][0].update(mode=0o10000),
    "removed folders outermost first": lambda d: d["removed_dirs"].reverse(),
    "a removed folder without a mode": lambda d: d["removed_dirs"][0].pop("mode"),
    "no list of removed folders": lambda d: d.pop("removed_dirs"),
    "a version 2 journal with a deletion": lambda d: d.update(version=2),
    "a version that is not a number": lambda d: d.update(version="3"),
    "a version that is a float": lambda d: d.update(version=3.0),
}


@pytest.mark.usefixtures("without_fsync")
def test_a_tampered_journal_with_deletions_is_refused_and_nothing_is_touched(
    tmp_path: Path,
) -> None:
    path = killed_before_the_commit_point(tmp_path / "w")
    original = json.loads(path.read_text())
    assert {e["action"] for e in original["entries"]} == {"write", "delete"}
    assert [r["path"] for r in original["removed_dirs"]] == [
        "old/docs/img",
        "old/docs",
        "data",
        "old",
    ]
    problems = []
    for label, tamper in TAMPERINGS.items():
        data = json.loads(json.dumps(original))
        tamper(data)
        path.write_text(json.dumps(data))
        now = state(tmp_path / "w")
        try:
            recover(tmp_path / "w/app")
            problems.append(f"{label}: recovered")
        except CommitError as error:
            if "cannot be read or trusted" not in error.message:
                problems.append(f"{label}: {error.message}")
        if state(tmp_path / "w") != now:
            problems.append(f"{label}: the tree changed")
    assert not problems, "\n".join(problems)
    path.write_text(json.dumps(original))
    assert recover(tmp_path / "w/app").rolled_back
    fresh = state(make_workspace(tmp_path / "fresh"))
    assert state(tmp_path / "w") == fresh


@pytest.mark.usefixtures("without_fsync")
def test_a_journal_of_the_previous_version_is_still_recovered(tmp_path: Path) -> None:
    """Version 2 wrote no deletions: entries without ``action``, no ``removed_dirs``."""
    workspace = make_workspace(tmp_path / "w")
    before = state(workspace)
    overwrites = ChangeSet(tuple(f for f in changes().files if not f.deleted), {1: "app"})
    planned = plan_update(overwrites, workspace / "app", ConflictPolicy.FAIL)
    fs = RecordingFileSystem()
    commit(planned, fs)
    assert fs.commit_point is not None
    shutil.rmtree(workspace)
    make_workspace(workspace)
    planned = plan_update(overwrites, workspace / "app", ConflictPolicy.FAIL)
    with pytest.raises(Killed):
        commit(planned, DyingFileSystem(fs.commit_point))
    (folder,) = (workspace / "app/.scaffold/journal").iterdir()
    data = json.loads((folder / JOURNAL_FILE).read_text())
    for entry in data["entries"]:
        del entry["action"]
    del data["removed_dirs"]
    (folder / JOURNAL_FILE).write_text(json.dumps({**data, "version": 2}, indent=1))
    assert state(workspace) != before
    assert recover(workspace / "app").rolled_back
    assert state(workspace) == before, differences(before, state(workspace))

    # ... and a version 2 journal with version 3's `action` is not one it wrote
    with pytest.raises(Killed):
        commit(plan_update(overwrites, workspace / "app", ConflictPolicy.FAIL),
               DyingFileSystem(fs.commit_point))  # fmt: skip
    (folder,) = (workspace / "app/.scaffold/journal").iterdir()
    data = json.loads((folder / JOURNAL_FILE).read_text())
    del data["removed_dirs"]
    (folder / JOURNAL_FILE).write_text(json.dumps({**data, "version": 2}))
    with pytest.raises(CommitError, match="cannot be read or trusted"):
        recover(workspace / "app")


# -- end to end: `scaffold update` SIGKILLed mid-commit


MANY = 120  # files the template renders: v2 changes 80, removes 30 (and their folder), adds 30
CHECK_SECONDS = 2  # v2's check: the journal stays (before the commit point) while it runs


def many_files_template(root: Path, marker: Path) -> Path:
    """v1 and v2 of a template; v2's check touches ``marker`` as it starts, then sleeps."""
    files: dict[str, str | bytes] = {
        "copier.yml": "project:\n  type: str\n  default: svc\n",
        "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    }
    files.update({f"pkg/m{n:03d}.py": f"VALUE = {n}\n" for n in range(MANY - 30)})
    files.update({f"docs/d{n:03d}.md": f"# page {n}\n" for n in range(30)})
    build_file_tree(root, files)
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "v1")
    git(root, "tag", "v1")
    run_check = f"sh -c 'touch {marker}; sleep {CHECK_SECONDS}'"
    check = f'_scaffold:\n  checks:\n    - command: "{run_check}"\n'
    build_file_tree(root, {"copier.yml": files["copier.yml"] + check})
    build_file_tree(root, {f"pkg/m{n:03d}.py": f"VALUE = {n}  # v2\n" for n in range(80)})
    build_file_tree(root, {f"more/n{n:03d}.txt": f"new {n}\n" for n in range(30)})
    git(root, "rm", "--quiet", "-r", "docs")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "v2")
    git(root, "tag", "v2")
    return root


def test_a_sigkilled_scaffold_update_is_restored_by_the_next_run(tmp_path: Path) -> None:
    """`kill -9` on `scaffold update` (80 files to overwrite, 30 to delete with their folder,
    30 to create), while it writes and while its check runs (every file written and deleted,
    the commit point not reached): the next run, which fails after recovering, leaves the
    project exactly as before, every deleted and overwritten file back byte for byte; the
    same command again gives what one clean run gives."""
    marker = tmp_path / "check-started"
    template = many_files_template(tmp_path / "many", marker)
    start = tmp_path / "start"
    start.mkdir()
    made = run(("new", str(template), "--vcs-ref", "v1", "--out", "svc", "--defaults"), start)
    assert made.returncode == 0, made.output
    for n in range(80, 90):  # the user's own edits, where v2 changes nothing
        with (start / f"svc/pkg/m{n:03d}.py").open("a") as handle:
            handle.write("# edited by the user\n")
    command = ("update", "svc", "--vcs-ref", "v2", "--trust")  # --trust: v2's check runs code
    recovering = ("update", "svc", "--vcs-ref", "v9")  # recovers first, then fails

    ref_workspace = shutil.copytree(start, tmp_path / "reference", symlinks=True)
    result, window = run_timing_journal(command, ref_workspace, ref_workspace / "svc")
    assert result.returncode == 0, result.output
    assert window > CHECK_SECONDS
    after_one_run = snapshot(ref_workspace)
    before = snapshot(start)
    assert "svc/docs/d000.md" in before and "svc/docs" not in after_one_run
    assert "edited by the user" in after_one_run["svc/pkg/m085.py"].decode()  # type: ignore[union-attr]

    restored = []  # kills after which files had been overwritten AND deleted, then restored
    # mid-write; then twice while its check runs (every file written, the commit point not
    # reached): aimed at the moment the check starts, so a slow machine cannot miss it
    kills = (None, 0.0, 0.8)
    for number, after_check in enumerate(kills, 1):
        workspace = shutil.copytree(start, tmp_path / f"kill-{number}", symlinks=True)
        marker.unlink(missing_ok=True)
        if after_check is None:
            kill = kill_after_journal(command, workspace, workspace / "svc", 0.0, before)
        else:
            kill = kill_when_exists(
                command, workspace, workspace / "svc", marker, after_check, before
            )
        at_kill = snapshot(workspace)
        overwritten = sum(  # the project's files (not scaffolder's own record and history)
            1
            for p in after_one_run
            if p in before and at_kill.get(p) != before[p] and not p.startswith("svc/.scaffold/")
        )
        deleted = sum(1 for p in before if p.startswith("svc/docs/") and p not in at_kill)
        where = (
            f"kill {number}: {kill.describe()}, {overwritten} files overwritten and "
            f"{deleted} deleted"
        )
        assert kill.killed and kill.journal_at_kill, where

        failed = run(recovering, workspace)
        no_traceback(failed)
        assert failed.returncode == 1 and "Unknown revision" in failed.stderr, failed.output
        # killed before the commit point (after the checks): the tree exactly as before
        assert_tree(snapshot(workspace), before, f"{where}: after the next run")
        if overwritten == 81 and deleted == 30:
            restored.append(where)

        if number == len(kills):  # (once: each update takes seconds)
            again = run(command, workspace)
            no_traceback(again)
            assert again.returncode == 0, f"{where}\n{again.output}"
            assert_tree(snapshot(workspace), after_one_run, f"{where}: after the same command")
    landed = "\n".join(restored)
    assert len(restored) >= 2, f"too few kills after every write and deletion:\n{landed}"
