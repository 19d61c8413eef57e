"""`scaffold undo`: revert runs from their history, run by run, as a journaled run itself.

End to end with real `scaffold` processes, as a user meets it: after `scaffold new` into an
empty folder, undo leaves it empty (no `.scaffold/` either); after a run that overwrote the
user's files, undo gives back their bytes and modes; two runs (the second injecting into
`app/main.py`) come off one `undo` at a time, and `undo RUN` goes back to before RUN at once;
a file edited since the run stops undo (named, nothing written) unless `--force`; `--dry-run`
shows the plan and writes nothing; a `scaffold update` of a Copier project is undone with
the files it deleted back. An undo SIGKILLed at every step of its commit (and a real
`scaffold undo` killed mid-commit) leaves, after the next invocation's recovery, the tree
before the undo or after it, nothing in between. A hostile history is refused: paths that
leave the destination, links planted on the way, a history folder that is a link.
"""

from __future__ import annotations

import json
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scaffolder.pipeline import Options, run_undo
from tests.commit_victim import CountingFileSystem
from tests.conftest import build_file_tree, snapshot
from tests.e2e_helpers import (
    Result,
    Tree,
    assert_tree,
    kill_after_journal,
    no_traceback,
    run,
    write_items,
)
from tests.test_copier_update import make_template, no_user_configuration

__all__ = ["no_user_configuration"]  # the fixture: git and Copier without the user's settings

DEST = "svc"
UNDO = ("undo", "--out", DEST)
HISTORY = Path(DEST, ".scaffold", "history")
ROOT = Path(__file__).resolve().parents[1]


def new(resource: str, *extra: str) -> tuple[str, ...]:
    return ("new", "crud-endpoint", "--set", f"resource={resource}", "--out", DEST, "--no-check",
            *extra)  # fmt: skip


def ok(args: tuple[str, ...], cwd: Path) -> Result:
    result = run(args, cwd)
    no_traceback(result)
    assert result.returncode == 0, result.output
    return result


def failed(args: tuple[str, ...], cwd: Path) -> Result:
    result = run(args, cwd)
    no_traceback(result)
    assert result.returncode == 1, result.output
    return result


def modes(root: Path) -> dict[str, int]:
    """The permission bits of every file and folder below ``root``."""
    return {
        path.relative_to(root).as_posix(): stat.S_IMODE(path.lstat().st_mode)
        for path in root.rglob("*")
    }


def run_ids(cwd: Path) -> list[str]:
    """The runs `scaffold history --json` lists, newest first."""
    listed = json.loads(ok(("history", "--out", DEST, "--json"), cwd).stdout)
    return [entry["id"] for entry in listed["runs"]]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / DEST).mkdir()
    return tmp_path


def test_undo_after_new_leaves_the_empty_folder_it_was(workspace: Path) -> None:
    ok(new("users")[:-1], workspace)  # exactly as a user types it: the checks run
    (run_id,) = run_ids(workspace)
    assert snapshot(workspace / DEST)["app/api/users.py"]

    undone = ok(UNDO, workspace)

    assert snapshot(workspace / DEST) == {}  # the files, their folders, .scaffold/: all gone
    assert f"undone: run {run_id}: 8 deleted" in undone.stdout, undone.output
    assert "delete  app/api/users.py" in undone.stdout
    listed = ok(("history", "--out", DEST), workspace)
    assert "no runs recorded" in listed.stdout
    again = failed(UNDO, workspace)
    assert "no run to undo" in again.stderr and snapshot(workspace / DEST) == {}


def test_undo_gives_overwritten_files_back_their_bytes_and_modes(workspace: Path) -> None:
    build_file_tree(
        workspace / DEST,
        {
            "app/api/users.py": "# my own users API\nROUTES = []\n",
            "tests/test_users_api.py": b"#!/usr/bin/env python\nprint('mine')\n",
            "NOTES.md": "not generated\n",
        },
    )
    (workspace / DEST / "app/api/users.py").chmod(0o600)
    (workspace / DEST / "tests/test_users_api.py").chmod(0o755)
    before, before_modes = snapshot(workspace / DEST), modes(workspace / DEST)

    conflicted = failed(new("users"), workspace)  # without --on-conflict: nothing written
    assert "conflict" in conflicted.stdout and snapshot(workspace / DEST) == before
    made = ok(new("users", "--on-conflict", "overwrite"), workspace)
    assert "overwrite  app/api/users.py" in made.stdout
    assert (
        workspace / DEST / "app/api/users.py"
    ).read_text() != "# my own users API\nROUTES = []\n"

    undone = ok(UNDO, workspace)

    assert "2 overwritten" in undone.stdout and "6 deleted" in undone.stdout, undone.output
    assert_tree(snapshot(workspace / DEST), before, "after undo")
    assert modes(workspace / DEST) == before_modes


def test_undo_goes_back_run_by_run(workspace: Path) -> None:
    """The issue's acceptance: a batch that creates 30 files and injects into two app modules,
    undone, leaves the tree byte for byte as before it; a second undo goes back one more."""
    ok(new("users"), workspace)
    after_users = snapshot(workspace / DEST)
    ok(new("products", "--set", "package=shop"), workspace)  # a second app module: shop/main.py
    before = snapshot(workspace / DEST)
    items = workspace / "items.yaml"
    items.write_text(
        "blueprint: crud-endpoint\nitems:\n"
        + "".join(
            f"  - {{resource: r{n}, package: {'shop' if n % 2 else 'app'}}}\n" for n in range(10)
        )
    )
    batch = ok(("batch", str(items), "--out", DEST, "--no-check", "--json"), workspace)
    files = {f["path"]: f["status"] for f in json.loads(batch.stdout)["files"]}
    statuses = list(files.values())
    assert statuses.count("create") == 30 and statuses.count("inject") == 2, files
    assert files["app/main.py"] == files["shop/main.py"] == "inject", files
    after = snapshot(workspace / DEST)
    assert b"r8_router" in (after["app/main.py"] or b"")
    assert b"r9_router" in (after["shop/main.py"] or b"")
    newest, middle, oldest = run_ids(workspace)

    first = ok(UNDO, workspace)
    assert f"undone: run {newest}: 2 overwritten, 30 deleted" in first.stdout, first.output
    assert "overwrite  app/main.py" in first.stdout and "delete  app/api/r8.py" in first.stdout
    assert_tree(snapshot(workspace / DEST), before, "after the first undo")
    assert run_ids(workspace) == [middle, oldest]

    second = ok(UNDO, workspace)
    assert f"undone: run {middle}" in second.stdout
    assert_tree(snapshot(workspace / DEST), after_users, "after the second undo")
    assert run_ids(workspace) == [oldest]


def test_undo_run_goes_back_to_before_that_run(workspace: Path) -> None:
    ok(new("users"), workspace)
    after_users = snapshot(workspace / DEST)
    ok(new("projects"), workspace)
    ok(new("tags"), workspace)
    tags, projects, users = run_ids(workspace)

    unknown = failed(("undo", "deadbeef", "--out", DEST), workspace)
    assert "no run 'deadbeef'" in unknown.stderr and tags in unknown.stderr

    undone = ok(("undo", projects, "--out", DEST), workspace)

    assert f"undone: run {tags}, {projects}" in undone.stdout, undone.output
    assert_tree(snapshot(workspace / DEST), after_users, "after undoing two runs at once")
    assert run_ids(workspace) == [users]


def test_a_file_changed_since_the_run_stops_undo_unless_force(workspace: Path) -> None:
    ok(new("users"), workspace)
    edited = workspace / DEST / "app/api/users.py"
    edited.write_text(edited.read_text() + "# edited by hand\n")
    (workspace / DEST / "tests/test_users_api.py").unlink()  # gone already: nothing to undo
    before = snapshot(workspace / DEST)

    refused = failed(UNDO, workspace)

    assert "conflict  app/api/users.py" in refused.stdout, refused.output
    assert "1 file changed since run" in refused.stdout and "--force" in refused.stdout
    assert "Nothing was written" in refused.stdout
    assert snapshot(workspace / DEST) == before
    as_json = json.loads(run((*UNDO, "--json"), workspace).stdout)
    assert as_json["outcome"] == "conflicted" and len(as_json["undone"]) == 1
    assert {f["path"]: f["status"] for f in as_json["files"]}["app/api/users.py"] == "conflict"

    forced = ok((*UNDO, "--force"), workspace)

    assert "delete  app/api/users.py" in forced.stdout, forced.output
    assert "test_users_api.py" not in forced.stdout
    assert snapshot(workspace / DEST) == {}


def test_undo_dry_run_shows_the_plan_and_writes_nothing(workspace: Path) -> None:
    ok(new("users"), workspace)
    ok(new("projects"), workspace)
    before = snapshot(workspace / DEST)

    dry = ok((*UNDO, "--dry-run"), workspace)

    assert "overwrite  app/main.py" in dry.stdout and "delete  app/api/projects.py" in dry.stdout
    assert (
        "--- a/app/main.py" in dry.stdout and "-app.include_router(projects_router)" in dry.stdout
    )
    assert "--- a/app/api/projects.py" in dry.stdout and "+++ /dev/null" in dry.stdout
    assert "dry run: 1 to overwrite, 3 to delete; nothing was written" in dry.stdout, dry.output
    as_json = json.loads(ok((*UNDO, "--dry-run", "--json"), workspace).stdout)
    assert as_json["dry_run"] is True and as_json["undone"] == run_ids(workspace)[:1]
    assert snapshot(workspace / DEST) == before


def test_undo_of_a_copier_update_puts_deleted_files_back(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl")
    ok(("new", "./tpl", "--vcs-ref", "v1", "--out", DEST, "--defaults"), tmp_path)
    before = snapshot(tmp_path / DEST)
    assert "old.txt" in before and "docs/legacy/guide.md" in before

    updated = ok(("update", DEST, "--vcs-ref", "v2", "--json"), tmp_path)
    statuses = {f["path"]: f["status"] for f in json.loads(updated.stdout)["files"]}
    assert statuses["old.txt"] == "delete" and statuses["new.txt"] == "create"
    assert not (tmp_path / DEST / "old.txt").exists()

    undone = ok(UNDO, tmp_path)

    assert "create  old.txt" in undone.stdout and "delete  new.txt" in undone.stdout
    assert_tree(snapshot(tmp_path / DEST), before, "after undoing the update")


# -- interrupted: the undo is a journaled run; the next invocation recovers it

VICTIM = """
import sys
from pathlib import Path
from scaffolder.pipeline import Options, run_undo
from tests.commit_victim import KillingFileSystem
destination, kill_at = Path(sys.argv[1]), int(sys.argv[2])
run_undo(destination, Options(out=destination), fs=KillingFileSystem(kill_at))
sys.exit(3)
"""


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Tree, Tree]:
    """A workspace after a batch (40 items, ~125 files) over the user's own files, some
    overwritten; the tree before the batch and after it."""
    root = tmp_path_factory.mktemp("undo-kill")
    build_file_tree(root / DEST, {
        "NOTES.md": "mine\n",
        **{f"app/api/r{n:02d}.py": f"# edited by hand {n}\n" for n in range(0, 40, 5)},
    })  # fmt: skip
    before = snapshot(root / DEST)
    items = write_items(root / "items.yaml", [f"r{n:02d}" for n in range(40)])
    ok(("batch", str(items), "--out", DEST, "--no-check", "--on-conflict", "overwrite"), root)
    return root, before, snapshot(root / DEST)


def test_an_undo_killed_at_any_step_of_its_commit_is_recovered(
    batch_run: tuple[Path, Tree, Tree], tmp_path: Path
) -> None:
    """SIGKILL at the k-th file operation of the undo's commit, for k spread over all of
    them: after the next invocation (`scaffold history`, which recovers first), the tree is
    the batch's (killed before the commit point) or the one before the batch (after it)."""
    start, before_batch, after_batch = batch_run
    counting = shutil.copytree(start, tmp_path / "count", symlinks=True)
    fs = CountingFileSystem()
    report = run_undo(counting / DEST, Options(out=counting / DEST), fs=fs)
    assert report.exit_code == 0 and snapshot(counting / DEST) == before_batch
    total = len(fs.calls)
    assert total > 150, total  # every file of the batch deleted or restored, and the journal

    outcomes: dict[int, str] = {}
    for k in sorted({1, 3, *range(5, total, max(1, total // 6)), total - 2, total}):
        workspace = shutil.copytree(start, tmp_path / f"kill-{k}", symlinks=True)
        victim = subprocess.run(
            [sys.executable, "-c", VICTIM, str(workspace / DEST), str(k)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert victim.returncode == -signal.SIGKILL, (k, victim.stdout, victim.stderr)
        ok(("history", "--out", DEST), workspace)  # recovers, then lists
        tree = snapshot(workspace / DEST)
        assert_tree(tree, [after_batch, before_batch], f"killed at operation {k} of {total}")
        outcomes[k] = "before the undo" if tree == after_batch else "undone"
        if outcomes[k] == "before the undo":
            ok(UNDO, workspace)  # and the undo itself goes through afterwards
            assert_tree(snapshot(workspace / DEST), before_batch, f"k={k}: undo after recovery")
    assert set(outcomes.values()) == {"before the undo", "undone"}, outcomes


def test_a_real_scaffold_undo_sigkilled_mid_commit(
    batch_run: tuple[Path, Tree, Tree], tmp_path: Path
) -> None:
    start, before_batch, after_batch = batch_run
    for number, delay in enumerate((0.0, 0.005, 0.03), 1):
        workspace = shutil.copytree(start, tmp_path / f"kill-{number}", symlinks=True)
        kill = kill_after_journal(UNDO, workspace, workspace / DEST, delay, snapshot(workspace))
        if number == 1:
            assert kill.killed and kill.journal_at_kill, kill.describe()
        # recovers, then finds no such run (or none at all, when the undo had committed)
        recovering = failed(("undo", "nosuchrun", "--out", DEST), workspace)
        assert "no run" in recovering.stderr, recovering.output
        assert_tree(snapshot(workspace / DEST), [after_batch, before_batch], kill.describe())
        if snapshot(workspace / DEST) == after_batch:
            ok(UNDO, workspace)
        assert_tree(snapshot(workspace / DEST), before_batch, f"{kill.describe()}: then undo")


# -- a hostile history: nothing outside the destination is ever touched


def _entry_path(workspace: Path) -> Path:
    (entry,) = sorted((workspace / HISTORY).glob("*.json"))
    return entry


def _edit_entry(workspace: Path, change: Callable[[dict[str, Any]], None]) -> None:
    entry = _entry_path(workspace)
    data = json.loads(entry.read_text())
    change(data)
    entry.write_text(json.dumps(data))


def _escaping_path(path: str) -> Callable[[Path], None]:
    def tamper(workspace: Path) -> None:
        def change(data: dict[str, Any]) -> None:
            data["files"][0]["path"] = path.format(outside=workspace / "outside")

        _edit_entry(workspace, change)

    return tamper


def _setuid(workspace: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["files"][0]["after"]["mode"] = 0o4755

    _edit_entry(workspace, change)


def _link_out(workspace: Path) -> None:
    """`app/` moved out of the destination, a link to it in its place."""
    shutil.rmtree(workspace / "outside" / "app")
    (workspace / DEST / "app").rename(workspace / "outside" / "app")
    (workspace / DEST / "app").symlink_to(workspace / "outside" / "app")


def _link_inside(workspace: Path) -> None:
    (workspace / DEST / "app").rename(workspace / DEST / "real")
    (workspace / DEST / "app").symlink_to("real")


def _history_linked_out(workspace: Path) -> None:
    shutil.move(workspace / HISTORY, workspace / "outside" / "history")
    (workspace / HISTORY).symlink_to(workspace / "outside" / "history")


HOSTILE = {
    "parent-path": (_escaping_path("../outside/app/api/users.py"), "cannot be read or trusted"),
    "absolute-path": (_escaping_path("{outside}/app/api/users.py"), "cannot be read or trusted"),
    "journal-path": (_escaping_path(".scaffold/journal/x"), "cannot be read or trusted"),
    "setuid-mode": (_setuid, "cannot be read or trusted"),
    "link-out": (_link_out, "outside the destination"),
    "link-inside": (_link_inside, "is a symlink to real"),
    "history-linked-out": (_history_linked_out, "cannot be read or trusted"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_history_is_refused_and_nothing_is_touched(case: str, workspace: Path) -> None:
    tamper, message = HOSTILE[case]
    ok(new("users"), workspace)
    # outside the destination: what an escaping entry would delete, byte for byte the same
    shutil.copytree(workspace / DEST / "app", workspace / "outside" / "app")
    tamper(workspace)
    before = snapshot(workspace)

    refused = failed(UNDO, workspace)

    assert message in refused.stderr, refused.output
    assert snapshot(workspace) == before
    assert (workspace / "outside/app/api/users.py").is_file()
