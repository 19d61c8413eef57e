"""One run at a time per destination (DESIGN.md guarantee 8), with real ``scaffold`` processes.

Every run takes an exclusive lock on its destination (``<out>/.scaffold/lock``) before
anything else and holds it to the end of its checks. A second run waits for it (saying so
on stderr) and then runs; with ``--no-wait`` it exits 1 at once, naming the holder. Runs
started together therefore happen one after the other: each sees the tree the previous
one left, none "recovers" another's live journal, and nothing a user wrote is lost.

Everything is written under ``tmp_path``; every process is started in its own session
and killed with it if a test fails.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import build_file_tree, snapshot, without_history
from tests.e2e_helpers import (
    JOURNALS,
    RECORD,
    Result,
    Tree,
    assert_tree,
    finish,
    kill_group,
    no_traceback,
    run,
    scaffold_files,
    start,
    wait_for_journal,
    write_items,
)

DEST = "svc"
USERS = ("new", "crud-endpoint", "--set", "resource=users", "--out", DEST)  # checks: ~2-3 s
PROJECTS = ("new", "crud-endpoint", "--set", "resource=projects", "--out", DEST, "--no-check")
ITEMS = 150  # per batch: ~450 files, a commit of a few hundred ms

USER_NOTES = (f"{DEST}/NOTES.md", b"# svc\n\nmy own notes, not generated\n")
# a file of the user's at a path run C renders: C must stop on the conflict, not clobber it
APP = "app/main.py"  # every crud-endpoint run injects its router into it
USER_ROUTER = (f"{DEST}/app/api/c0075.py", b'"""The c0075 API, written by hand."""\n')


@dataclass(frozen=True)
class Clean:
    """Trees of the workspace after clean sequential runs (no other run around)."""

    users: Tree  # `scaffold new … resource=users` (with its checks)
    users_then_projects: Tree  # … then `scaffold new … resource=projects --no-check`


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Clean:
    workspace = tmp_path_factory.mktemp("concurrency-reference")
    first = run(USERS, workspace)
    assert first.returncode == 0, first.output
    users = snapshot(workspace)
    second = run(PROJECTS, workspace)
    assert second.returncode == 0, second.output
    users_then_projects = snapshot(workspace)
    for tree in (users, users_then_projects):
        assert scaffold_files(tree, DEST) == [RECORD], scaffold_files(tree, DEST)
    return Clean(users, users_then_projects)


def _stop(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        kill_group(proc)
        proc.communicate()


def test_four_batches_started_together_run_one_after_another(tmp_path: Path) -> None:
    """Runs A and B render the same 150 items (identical files), C and D other resources;
    C's renders include a path where the user has a file of their own."""
    names = {
        "A": [f"s{n:04d}" for n in range(ITEMS)],
        "B": [f"s{n:04d}" for n in range(ITEMS)],
        "C": [f"c{n:04d}" for n in range(ITEMS)],
        "D": [f"d{n:04d}" for n in range(ITEMS)],
    }
    items = {run_: write_items(tmp_path / f"items-{run_}.yaml", r) for run_, r in names.items()}

    def command(run_: str) -> tuple[str, ...]:
        return ("batch", str(items[run_]), "--out", DEST, "--no-check", "--json")

    # what each run renders, alone in a fresh folder (B renders what A renders)
    alone = {}
    for run_ in "ACD":
        (tmp_path / f"alone-{run_}").mkdir()
        alone[run_] = start(command(run_), tmp_path / f"alone-{run_}")
    rendered: dict[str, Tree] = {}
    try:
        for run_, proc in alone.items():
            result = finish(proc, command(run_))
            assert result.returncode == 0, result.output
            rendered[run_] = snapshot(tmp_path / f"alone-{run_}")
    finally:
        _stop(*(p for p in alone.values() if p.poll() is None))
    rendered["B"] = rendered["A"]

    workspace = tmp_path / "workspace"
    build_file_tree(workspace, dict([USER_NOTES, USER_ROUTER]))

    procs = {run_: start(command(run_), workspace) for run_ in names}
    try:
        results = {run_: finish(proc, command(run_)) for run_, proc in procs.items()}
    finally:
        _stop(*(p for p in procs.values() if p.poll() is None))
    tree = snapshot(workspace)

    problems: list[str] = []
    reports: dict[str, dict[str, Any]] = {}
    for run_, result in results.items():
        if "Traceback" in result.stdout + result.stderr:
            problems.append(f"run {run_} printed a traceback:\n{result.output}")
            continue
        try:
            reports[run_] = json.loads(result.stdout)
        except ValueError:
            reports[run_] = {}
        outcome = reports[run_].get("outcome")
        message = (result.stderr + json.dumps(reports[run_].get("error", ""))).lower()
        if result.returncode == 0 and outcome == "succeeded":
            continue
        if result.returncode == 1 and (outcome == "conflicted" or "lock" in message):
            continue
        problems.append(f"run {run_} ended unclearly:\n{result.output}")
    assert not problems, "\n\n".join(problems)

    # A, B and D have nothing to conflict with: once the lock is theirs they succeed;
    # C meets the user's file and stops before writing anything
    for run_ in "ABD":
        assert results[run_].returncode == 0, results[run_].output
    assert results["C"].returncode == 1, results["C"].output
    assert reports["C"].get("outcome") == "conflicted", results["C"].output

    # nothing the user wrote is lost
    for path, content in (USER_NOTES, USER_ROUTER):
        assert tree.get(path) == content, f"{path} was changed or removed"

    # every file a successful run reported as created or identical is there, as it rendered it
    # (but the app module, which every run injects its routers into: checked below)
    created: dict[str, list[str]] = {}
    for run_ in "ABD":
        for file in reports[run_]["files"]:
            if file["status"] in ("create", "identical") and file["path"] != APP:
                path = f"{DEST}/{file['path']}"
                assert tree.get(path) == rendered[run_][path], (
                    f"run {run_} reported {file['path']} {file['status']}, but it is "
                    f"{'missing' if path not in tree else 'not what the run rendered'}"
                )
            if file["status"] == "create":
                created.setdefault(file["path"], []).append(run_)
    # one after the other, each run sees what the previous ones left: a path that was not
    # there before is created by exactly one of them, and is identical for the others
    twice = {path: runs for path, runs in created.items() if len(runs) > 1}
    assert not twice, (
        f"{len(twice)} files were reported created by more than one run, so the runs "
        f"overlapped, e.g. {dict(list(twice.items())[:3])}; counts: "
        + ", ".join(f"{r}: {reports[r]['counts']}" for r in "ABD")
    )
    rendered_paths = {f["path"] for r in "ABD" for f in reports[r]["files"]}
    app_statuses = sorted(
        f["status"] for r in "ABD" for f in reports[r]["files"] if f["path"] == APP
    )
    assert app_statuses[0] == "create" and "create" not in app_statuses[1:], app_statuses
    assert set(created) == rendered_paths, sorted(rendered_paths - set(created))[:5]

    # no temp file, no journal, no lock: only the rendered files and the last run's record
    assert not [p for p in tree if p.endswith(".tmp")]
    assert f"{DEST}/{JOURNALS.as_posix()}" not in tree
    assert scaffold_files(tree, DEST) == [RECORD], scaffold_files(tree, DEST)
    # the app module includes the router of every item of A (= B) and D exactly once: each run
    # injected into what the one before it left, never into a stale copy
    app = tree[f"{DEST}/{APP}"].decode()
    for name in names["A"] + names["D"]:
        line = f"app.include_router({name}_router)\n"
        assert app.count(line) == 1, f"{line.strip()!r} is {app.count(line)} times in {APP}"
    assert "c0000_router" not in app, "the conflicted run C injected into the app module"
    expected: Tree = {}
    for run_ in "ABD":
        expected.update(without_history(rendered[run_]))  # each run's history is its own
    expected.update(dict([USER_NOTES, USER_ROUTER]))
    expected[f"{DEST}/{APP}"] = tree[f"{DEST}/{APP}"]
    records = [rendered[run_][f"{DEST}/{RECORD}"] for run_ in "ABD"]
    assert_tree(
        without_history(tree),
        [{**expected, f"{DEST}/{RECORD}": record} for record in records],
        "after the four runs the tree is not the union of the three successful ones "
        "(with one of their records)",
    )


def test_no_wait_on_a_locked_destination_exits_1_naming_the_holder_and_changes_nothing(
    tmp_path: Path, clean: Clean
) -> None:
    holder = start(USERS, tmp_path)
    refused: Result | None = None
    try:
        assert wait_for_journal(holder, tmp_path / DEST, timeout=60), "the first run wrote nothing"
        refused = run((*PROJECTS, "--no-wait"), tmp_path, timeout=60)
        holder_still_running = holder.poll() is None
        held = finish(holder, USERS)
    finally:
        if holder.poll() is None:
            _stop(holder)

    no_traceback(refused, held)
    assert refused.returncode == 1, refused.output
    assert "lock" in refused.stderr.lower(), refused.output
    assert str(holder.pid) in refused.stderr, (
        f"the holder's pid {holder.pid} is not named\n{refused.output}"
    )
    # it returned at once, while the holder (in its checks) still had the lock
    assert holder_still_running, "the first run ended before the --no-wait run got its answer"
    assert held.returncode == 0, held.output
    # the refused run wrote nothing, and did not disturb the holder: one clean run's tree
    assert_tree(snapshot(tmp_path), clean.users, "after the holder and the refused --no-wait run")


def test_a_second_run_waits_for_the_lock_then_runs(tmp_path: Path, clean: Clean) -> None:
    holder = start(USERS, tmp_path)
    waiter = None
    ended: dict[str, float] = {}
    try:
        assert wait_for_journal(holder, tmp_path / DEST, timeout=60), "the first run wrote nothing"
        waiter = start(PROJECTS, tmp_path)
        procs = {"holder": holder, "waiter": waiter}
        deadline = time.monotonic() + 90
        while len(ended) < 2 and time.monotonic() < deadline:
            for name, proc in procs.items():
                if name not in ended and proc.poll() is not None:
                    ended[name] = time.monotonic()
            time.sleep(0.005)
        held = finish(holder, USERS, timeout=1)
        waited = finish(waiter, PROJECTS, timeout=1)
    finally:
        _stop(*(p for p in (holder, waiter) if p is not None and p.poll() is None))

    no_traceback(held, waited)
    assert held.returncode == 0, held.output
    assert waited.returncode == 0, waited.output
    assert "waiting" in waited.stderr.lower(), waited.output
    assert ended["waiter"] >= ended["holder"], "the second run ended before the lock's holder"
    # one run after the other: exactly what the two give run in sequence
    assert_tree(snapshot(tmp_path), clean.users_then_projects, "after the holder and the waiter")
