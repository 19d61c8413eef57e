"""SIGKILL real ``scaffold`` processes mid-run; the next invocation puts the tree back.

DESIGN.md guarantee 2 (all or nothing, also after SIGKILL, via the journal on the next
invocation) and 8 (a lock from recovery to the end of the checks), as a user meets them:
``kill -9`` on ``scaffold new crud-endpoint --set resource=users --out svc`` (checks on
and off, into a fresh folder and into one holding an earlier run's record and files the
user edited, overwritten with ``--on-conflict overwrite``) and on a ``scaffold batch`` of
200 items. Each kill is aimed by polling (every ~1 ms) for the run's journal folder
``svc/.scaffold/journal/<id>`` and killing a varied delay after it appears (a fraction of
how long the journal exists in a clean run): at once, in the middle of the writes, after
them, and well into the checks.

After every kill:

(b) an invocation that must recover first and then fails validation (``resource=Bad-Name``)
    exits 1 and leaves the workspace exactly as it was before the killed run: every
    created file and folder gone (the destination too, if the run created it), every
    overwritten file (user edits, the earlier run record) back byte for byte, no journal,
    no lock, no temp file;
(a) the same command again exits 0 and leaves exactly what one clean run gives (a
    reference run of the same command on a copy of the same starting tree).

A kill can come after the commit point (the run is complete, only its cleanup was cut
short): then the tree after (b) is the complete run's. With checks on, the commit point
comes after the checks, so a kill while the journal is there must give the tree before.

Every workspace is a fresh copy under ``tmp_path``; each kill also kills the run's check
processes (the whole session), so nothing outlives a test.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import build_file_tree, snapshot
from tests.e2e_helpers import (
    RECORD,
    Kill,
    Tree,
    assert_tree,
    copy_tree,
    finish,
    kill_after_journal,
    kill_group,
    no_traceback,
    run,
    run_timing_journal,
    scaffold_files,
    start,
    write_items,
)

DEST = "svc"
NEW = ("new", "crud-endpoint", "--set", "resource=users", "--out", DEST)
OVERWRITE = ("--on-conflict", "overwrite")
NO_CHECK = ("--no-check",)
INVALID_NEW = ("new", "crud-endpoint", "--set", "resource=Bad-Name", "--out", DEST)

EARLIER_ITEMS = [f"r{n:04d}" for n in range(80)]  # the earlier batch, with its record
BATCH_ITEMS = [f"r{n:04d}" for n in range(200)]  # the killed batch: overwrites, creates

# What a user keeps in the destination, and what they edited of earlier runs' output.
USER_FILES_NEW: dict[str, str | bytes] = {
    f"{DEST}/NOTES.md": "# svc\n\nmy own notes, not generated\n",
    f"{DEST}/app/api/users.py": '"""Users API, edited by hand."""\n\nROUTES = ["/users"]\n',
    f"{DEST}/tests/test_users_api.py": "def test_mine():\n    assert True\n",
    f"{DEST}/data/seed.bin": bytes(range(256)) * 4,
}
USER_FILES_BATCH: dict[str, str | bytes] = {
    f"{DEST}/NOTES.md": "# svc\n\nmy own notes, not generated\n",
    f"{DEST}/data/seed.bin": bytes(range(256)) * 4,
    **{
        f"{DEST}/app/api/r{n:04d}.py": f'"""Edited by hand ({n})."""\n\nEDITED = {n}\n'
        for n in range(0, 80, 4)
    },
    **{f"{DEST}/tests/test_r{n:04d}_api.py": f"# my own tests {n}\n" for n in range(1, 80, 8)},
}


@dataclass(frozen=True)
class Scenario:
    id: str
    start: str  # "fresh" | "new-record" | "batch-record": the workspace before the run
    checks: bool
    # when to kill, after the journal appears: fractions of how long the journal exists in
    # a clean run of the same command (measured on the reference run), so that the kills
    # spread over the commit (and the checks) however fast this machine is
    fractions: tuple[float, ...]
    min_landed: int  # kills that must land while a journal exists, with the tree changed
    batch: bool = False


SCENARIOS = [
    # checks on: the journal exists for the ~2 s of the checks; kill in the commit (the first
    # few ms) and in the checks, well before their end (the commit point comes after them)
    Scenario("new-checks-fresh", "fresh", True, (0.0, 0.002, 0.15), 3),
    Scenario("new-checks-record-overwrite", "new-record", True, (0.0005, 0.02, 0.35), 3),
    # checks off: the journal exists for a few ms; the last kill lands after the run's end
    Scenario("new-nocheck-fresh", "fresh", False, (0.0, 0.05, 0.3, 3.0), 2),
    Scenario("new-nocheck-record-overwrite", "new-record", False, (0.0, 0.05, 0.3, 3.0), 2),
    # 200 items, ~600 files: the commit lasts a few hundred ms
    Scenario(
        "batch-200-record-overwrite",
        "batch-record",
        False,
        (0.0, 0.1, 0.3, 0.6, 2.0),
        3,
        batch=True,
    ),
]
BY_ID = {s.id: s for s in SCENARIOS}


@dataclass(frozen=True)
class Reference:
    tree: Tree  # the workspace after one clean run of the command
    window: float  # seconds the run's journal existed


@dataclass
class Workspaces:
    """Starting trees and the trees one clean run makes from them, built once per module."""

    root: Path
    items: Path
    invalid_items: Path
    _starts: dict[str, Path]
    _references: dict[tuple[str, tuple[str, ...]], Reference]

    def start(self, name: str, target: Path) -> Path:
        if name == "fresh":
            target.mkdir()
            return target
        return copy_tree(self._starts[name], target)

    def command(self, scenario: Scenario) -> tuple[str, ...]:
        if scenario.batch:
            base: tuple[str, ...] = ("batch", str(self.items), "--out", DEST, *OVERWRITE)
        else:
            base = NEW + (() if scenario.start == "fresh" else OVERWRITE)
        return base + (() if scenario.checks else NO_CHECK)

    def invalid(self, scenario: Scenario) -> tuple[str, ...]:
        if scenario.batch:
            return ("batch", str(self.invalid_items), "--out", DEST)
        return INVALID_NEW

    def reference(self, scenario: Scenario) -> Reference:
        """One clean run of the scenario's command, on a copy of its starting tree."""
        command = self.command(scenario)
        key = (scenario.start, command)
        if key not in self._references:
            # two clean runs, the shorter journal window: a first run on a cold machine can
            # take much longer, and kills aimed by it would all land after the commit
            windows, trees = [], []
            for attempt in range(2):
                folder = self.root / f"ref-{len(self._references)}-{attempt}"
                workspace = self.start(scenario.start, folder)
                result, window = run_timing_journal(command, workspace, workspace / DEST)
                assert result.returncode == 0, result.output
                assert window > 0, f"the run kept no journal\n{result.output}"
                windows.append(window)
                trees.append(snapshot(workspace))
                # a clean run leaves its files and its record, nothing else of scaffolder's
                assert scaffold_files(trees[-1], DEST) == [RECORD], scaffold_files(trees[-1], DEST)
            assert trees[0] == trees[1]  # the same command on the same tree: the same result
            self._references[key] = Reference(trees[0], min(windows))
        return self._references[key]


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> Workspaces:
    root = tmp_path_factory.mktemp("crash-e2e")
    items = write_items(root / "items.yaml", BATCH_ITEMS)
    invalid_items = write_items(root / "invalid.yaml", ["Bad-Name"])

    # an earlier `scaffold new` (its record is there), then the user's own files and edits
    new_record = root / "start-new-record"
    new_record.mkdir()
    earlier = run(("new", "crud-endpoint", "--set", "resource=projects", "--out", DEST,
                   "--no-check"), new_record)  # fmt: skip
    assert earlier.returncode == 0, earlier.output
    build_file_tree(new_record, USER_FILES_NEW)

    # an earlier batch of 80 items, then 20 of its routers and 10 of its tests edited
    batch_record = root / "start-batch-record"
    batch_record.mkdir()
    earlier_items = write_items(root / "earlier.yaml", EARLIER_ITEMS)
    earlier = run(("batch", str(earlier_items), "--out", DEST, "--no-check"), batch_record)
    assert earlier.returncode == 0, earlier.output
    build_file_tree(batch_record, USER_FILES_BATCH)

    for prepared in (new_record, batch_record):
        assert (prepared / DEST / RECORD).is_file()
    starts = {"new-record": new_record, "batch-record": batch_record}
    return Workspaces(root, items, invalid_items, starts, {})


def _landings(kills: list[Kill]) -> str:
    return "\n".join(f"  kill {n}: {kill.describe()}" for n, kill in enumerate(kills, 1))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_a_sigkilled_run_is_restored_by_the_next_invocation(
    scenario: Scenario, workspaces: Workspaces, tmp_path: Path
) -> None:
    command = workspaces.command(scenario)
    invalid = workspaces.invalid(scenario)
    reference = workspaces.reference(scenario)
    after_one_run = reference.tree
    kills: list[Kill] = []
    for number, fraction in enumerate(scenario.fractions, 1):
        delay = fraction * reference.window
        workspace = workspaces.start(scenario.start, tmp_path / f"kill-{number}")
        before = snapshot(workspace)
        assert before != after_one_run  # the run has something to write

        kill = kill_after_journal(command, workspace, workspace / DEST, delay, before)
        kills.append(kill)
        landed = kill.killed and kill.journal_at_kill
        where = f"{scenario.id}, kill {number}, {kill.describe()}\n{_landings(kills)}"

        # (b) recover, then fail validation: the tree exactly as before the killed run
        failed = run(invalid, workspace)
        no_traceback(failed)
        assert failed.returncode == 1, f"{where}\n{failed.output}"
        # killed in the commit or in the checks, with checks on, is before the commit point;
        # with checks off the commit point may have passed: then the run is complete
        acceptable = [before] if scenario.checks and landed else [before, after_one_run]
        assert_tree(
            snapshot(workspace),
            acceptable,
            f"{where}\nafter `scaffold {' '.join(invalid)}` (exit {failed.returncode}: "
            f"{failed.stderr.strip()[-400:]!r}) the tree is not as before the killed run",
        )
        assert "Bad-Name" in failed.stderr, f"{where}\n{failed.output}"

        # (a) the same command again: exactly what one clean run gives
        again = run(command, workspace)
        no_traceback(again)
        assert again.returncode == 0, f"{where}\n{again.output}"
        assert_tree(snapshot(workspace), after_one_run, f"{where}\nafter the same command again")

    print(f"\n{scenario.id} (journal for {reference.window * 1000:.1f} ms):\n{_landings(kills)}")
    inside = [k for k in kills if k.killed and k.journal_at_kill and k.changed]
    assert len(inside) >= scenario.min_landed, (
        f"only {len(inside)} of {len(kills)} kills landed while a journal existed:\n"
        f"{_landings(kills)}"
    )


@pytest.mark.parametrize(
    ("scenario", "fraction"),
    [(BY_ID["new-checks-record-overwrite"], 0.1), (BY_ID["batch-200-record-overwrite"], 0.2)],
    ids=["new-checks-record-overwrite", "batch-200-record-overwrite"],
)
def test_the_same_command_right_after_a_kill_recovers_and_completes(
    scenario: Scenario, fraction: float, workspaces: Workspaces, tmp_path: Path
) -> None:
    """The issue's acceptance: `kill -9`, then the same command again: exit 0, one clean run."""
    command = workspaces.command(scenario)
    reference = workspaces.reference(scenario)
    after_one_run = reference.tree
    delay = fraction * reference.window
    workspace = workspaces.start(scenario.start, tmp_path / "workspace")
    before = snapshot(workspace)
    kill = kill_after_journal(command, workspace, workspace / DEST, delay, before)
    assert kill.killed and kill.journal_at_kill and kill.changed, kill.describe()

    again = run(command, workspace)
    no_traceback(again)
    assert again.returncode == 0, f"{kill.describe()}\n{again.output}"
    assert_tree(snapshot(workspace), after_one_run, f"{kill.describe()}: after the same command")


def test_scaffold_check_recovers_a_killed_run_then_checks_the_restored_record(
    workspaces: Workspaces, tmp_path: Path
) -> None:
    """`scaffold check` is a run command too: it restores the tree (and with it the earlier
    run's record) before it checks, and a `scaffold check` killed in its checks changes
    nothing for the next one."""
    scenario = BY_ID["new-checks-record-overwrite"]
    delay = 0.1 * workspaces.reference(scenario).window  # in the checks
    workspace = workspaces.start(scenario.start, tmp_path / "workspace")
    before = snapshot(workspace)
    kill = kill_after_journal(
        workspaces.command(scenario), workspace, workspace / DEST, delay, before
    )
    assert kill.killed and kill.journal_at_kill and kill.changed, kill.describe()

    check = ("check", "--out", DEST)
    checked = run(check, workspace)
    no_traceback(checked)
    assert_tree(
        snapshot(workspace),
        before,
        f"{kill.describe()}: after `scaffold check` (exit {checked.returncode}: "
        f"{checked.stderr.strip()[-400:]!r}) the tree is not as before the killed run",
    )
    # the restored record is the earlier run's (resource=projects), whose checks pass
    assert checked.returncode == 0, checked.output
    assert "projects" in checked.stdout, checked.output

    # a `scaffold check` killed in its checks leaves nothing that matters to the next run
    proc = start(check, workspace)
    try:
        time.sleep(1.2)
    finally:
        kill_group(proc)
        finish(proc, check)
    failed = run(INVALID_NEW, workspace)
    no_traceback(failed)
    assert failed.returncode == 1 and "Bad-Name" in failed.stderr, failed.output
    assert_tree(snapshot(workspace), before, "after a killed `scaffold check` and a failed run")
