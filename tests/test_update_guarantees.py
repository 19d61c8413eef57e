"""DESIGN.md guarantees 2 and 8 for a native `scaffold update`, the way they break in the field.

A project made by a real `scaffold batch` of a folder blueprint (v1: a module, a page and an
executable script per item), edited by its user (a few modules edited where v2 does not
change them, one made private, a file of their own), then the blueprint rewritten (v2: every
module and script changed, the pages dropped, a new file per item, and a check). Then:

- a real `scaffold update` SIGKILLed in its commit (aimed at events: the first new file
  renamed into place, the first dropped page deleted) with `--no-check`, and while its check
  runs (aimed at the check's own marker): the next invocation puts the project back exactly,
  every file byte- and mode-identical, the record and the history as before (or, with
  `--no-check` and a kill after the commit point, exactly one clean update);
- two real `scaffold update` (and an update and a `batch`) started on one folder: the second
  waits for the lock and then sees what the first left (or, `--no-wait`, exits 1 naming the
  holder), never a mixed tree;
- a disk too small for the update (a real 2 MiB tmpfs where the test may mount one, else a
  file system that raises ENOSPC): exit 1, a clear message, nothing changed.

Everything is written under ``tmp_path``; every process runs in its own session and is
killed with it.
"""

from __future__ import annotations

import re
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from scaffolder.errors import CommitError
from scaffolder.history import Run
from scaffolder.pipeline import Options
from scaffolder.plan import ConflictPolicy
from scaffolder.updating import run_update
from tests.conftest import build_file_tree, snapshot
from tests.e2e_helpers import (
    Result,
    Tree,
    assert_tree,
    finish,
    has_journal,
    kill_group,
    no_traceback,
    run,
    start,
)
from tests.test_disk_full import NoSpace, small_disk

__all__ = ["small_disk"]  # the fixture: a folder on a 2 MiB file system

DEST = "svc"
NAMES = [f"m{n:03d}" for n in range(60)]
EDITED = NAMES[:60:6]  # the user's edits, where v2 changes nothing: merged
PRIVATE = NAMES[1]  # made 0o600 by the user; v2 overwrites it
CHECK_SECONDS = 3  # v2's check: the journal stays (before the commit point) while it runs

MODULE_V1 = '"""Module {{ name }}."""\n\nNAME = "{{ name }}"\n\n\ndef value():\n    return 1\n'
MODULE_V2 = MODULE_V1.replace("return 1", "return 2")
SCRIPT_V1 = "#!/bin/sh\necho {{ name }}\n"
SCRIPT_V2 = "#!/bin/sh\necho {{ name }} v2\n"
UPDATE = ("update", DEST, "--trust")
UPDATE_NO_CHECK = ("update", DEST, "--no-check")


def write_blueprint(root: Path, version: int, marker: Path | None = None) -> Path:
    """The blueprint as it is at ``version`` (1 or 2), nothing left of the other."""
    shutil.rmtree(root / "template", ignore_errors=True)
    templates: dict[str, str | bytes] = {
        "mods/{{ name }}.py.jinja": MODULE_V1 if version == 1 else MODULE_V2,
        "bin/{{ name }}.sh.jinja": SCRIPT_V1 if version == 1 else SCRIPT_V2,
    }
    if version == 1:
        templates["docs/{{ name }}.md.jinja"] = "# {{ name }}\n"
    else:
        templates["more/{{ name }}.txt.jinja"] = "new in v2: {{ name }}\n"
    checks: list[object] = []
    if version == 2 and marker is not None:
        checks = [{"command": f"sh -c 'touch {marker}; sleep {CHECK_SECONDS}'"}]
    write_manifest(root, checks)
    build_file_tree(root / "template", templates)
    (root / "template/bin/{{ name }}.sh.jinja").chmod(0o755)
    return root


def write_manifest(root: Path, checks: list[object]) -> None:
    """The demo blueprint's manifest: one variable, ``name``, and ``checks``."""
    manifest = {
        "name": "demo",
        "description": "the demo blueprint",
        "variables": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "pattern": "^[a-z0-9_]+$"}},
        },
        "checks": checks,
    }
    build_file_tree(root, {"blueprint.yaml": yaml.safe_dump(manifest, sort_keys=False)})


def write_items(path: Path, blueprint: Path, names: list[str]) -> Path:
    data = {"blueprint": str(blueprint), "items": [{"name": name} for name in names]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def user_edits(destination: Path) -> None:
    for name in EDITED:
        module = destination / f"mods/{name}.py"
        module.write_text(
            module.read_text().replace('NAME = "', '# edited by hand\nNAME = "'), "utf-8"
        )
    (destination / f"mods/{PRIVATE}.py").chmod(0o600)
    (destination / "NOTES.md").write_text("my own notes\n", encoding="utf-8")


_HISTORY_FILE = re.compile(r"(.*/\.scaffold/history/[0-9]+)-[0-9a-f]{8}(\.json|\.pack)")


def modes(root: Path) -> dict[str, int]:
    """The mode of every file and folder under ``root`` (history names without their ids)."""
    found = {}
    for path in [root, *root.rglob("*")]:
        relative = path.relative_to(root).as_posix()
        match = _HISTORY_FILE.fullmatch(relative)
        found[match.group(1) + match.group(2) if match else relative] = stat.S_IMODE(
            path.lstat().st_mode
        )
    return found


@dataclass(frozen=True)
class State:
    """A workspace exactly: bytes (history entries without id and time) and modes."""

    tree: Tree
    modes: dict[str, int]

    @classmethod
    def of(cls, root: Path) -> State:
        return cls(snapshot(root), modes(root))


def assert_state(root: Path, expected: State | list[State], what: str) -> None:
    options = expected if isinstance(expected, list) else [expected]
    actual = State.of(root)
    assert_tree(actual.tree, [o.tree for o in options], what)
    matching = [o for o in options if o.tree == actual.tree]
    different = {
        path: (oct(mode), oct(matching[0].modes.get(path, 0)))
        for path, mode in actual.modes.items()
        if matching[0].modes.get(path) != mode
    }
    assert not different, f"{what}: modes differ (now, expected): {different}"


@dataclass(frozen=True)
class Prepared:
    root: Path
    start: Path  # the workspace: svc made by v1 and edited; the blueprint at v2
    marker: Path  # v2's check touches it as it starts (the same path in every copy)
    before: State
    after: State  # one clean `scaffold update --no-check` of a copy
    after_checked: State  # one clean `scaffold update --trust` (its check run)

    def copy(self, name: str) -> Path:
        """A fresh copy of the start, at ``root/name`` (the blueprint's path stays valid:
        it is outside the workspace)."""
        self.marker.unlink(missing_ok=True)
        return shutil.copytree(self.start, self.root / name, symlinks=True)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    root = tmp_path_factory.mktemp("update-guarantees")
    marker = root / "check-started"
    blueprint = write_blueprint(root / "bp", 1)
    items = write_items(root / "items.yaml", blueprint, NAMES)
    start_ = root / "start"
    start_.mkdir()
    made = run(("batch", str(items), "--out", DEST), start_)
    assert made.returncode == 0, made.output
    user_edits(start_ / DEST)
    write_blueprint(blueprint, 2, marker)
    before = State.of(start_)
    afters = []
    for name, command in (("ref-no-check", UPDATE_NO_CHECK), ("ref-checked", UPDATE)):
        workspace = shutil.copytree(start_, root / name, symlinks=True)
        done = run(command, workspace)
        assert done.returncode == 0, done.output
        afters.append(State.of(workspace))
    prepared = Prepared(root, start_, marker, before, afters[0], afters[1])
    after = prepared.after.tree
    # the update overwrites, merges, deletes and creates; the edits are kept
    assert f"{DEST}/docs/{NAMES[0]}.md" in before.tree and f"{DEST}/docs" not in after
    assert b"edited by hand" in after[f"{DEST}/mods/{EDITED[1]}.py"]  # type: ignore[operator]
    assert b"return 2" in after[f"{DEST}/mods/{EDITED[1]}.py"]  # type: ignore[operator]
    assert before.modes[f"{DEST}/bin/{NAMES[0]}.sh"] == 0o755
    assert before.modes[f"{DEST}/mods/{PRIVATE}.py"] == 0o600
    return prepared


# -- SIGKILL


def kill_when(
    args: tuple[str, ...], cwd: Path, happened: Callable[[], bool], delay: float = 0.0
) -> tuple[bool, bool]:
    """Start ``scaffold ARGS``; as soon as ``happened()`` (polled every ~1 ms), wait
    ``delay`` seconds and SIGKILL it. Returns (killed, a journal was left)."""
    proc = start(args, cwd)
    try:
        deadline = time.monotonic() + 90
        while not happened() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        assert happened(), f"the event never came: scaffold {' '.join(args)}"
        if delay:
            time.sleep(delay)
        kill_group(proc)
        proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            kill_group(proc)
            proc.communicate()
    return proc.returncode == -signal.SIGKILL, has_journal(cwd / DEST)


def event(name: str, prepared: Prepared, workspace: Path) -> Callable[[], bool]:
    """When to kill: ``renamed``, the first new file is renamed into place (the commit has
    started replacing files); ``deleting``, the first page v2 dropped is deleted (every file
    written, the deletions under way); ``check``, v2's check has started."""
    if name == "renamed":
        return (workspace / DEST / "more" / f"{NAMES[0]}.txt").exists
    if name == "deleting":
        page = workspace / DEST / "docs" / f"{NAMES[0]}.md"
        return lambda: not page.exists()
    return prepared.marker.exists


@pytest.mark.parametrize(
    ("checks", "when", "delay"),
    [
        (False, "renamed", 0.0),
        (False, "deleting", 0.0),
        (True, "renamed", 0.0),
        (True, "check", 0.0),
        (True, "check", 1.0),
    ],
    ids=["no-check-renaming", "no-check-deleting", "checks-renaming", "in-check", "in-check-late"],
)
def test_a_sigkilled_update_is_restored_exactly_by_the_next_invocation(
    prepared: Prepared, checks: bool, when: str, delay: float
) -> None:
    workspace = prepared.copy("kill")
    try:
        command = UPDATE if checks else UPDATE_NO_CHECK
        happened = event(when, prepared, workspace)
        killed, journal = kill_when(command, workspace, happened, delay)
        assert killed, "the update ended before it was killed"
        print(f"\nkilled at {when} +{delay}s: {'a journal' if journal else 'no journal'} left")
        changed = snapshot(workspace) != prepared.before.tree
        # with checks, the commit point comes after them: the kill is always before it
        assert journal or not checks, "no journal left by a kill before the commit point"
        assert changed, "the kill landed before the update changed anything"

        # the next invocation (`scaffold history` takes the lock, so it recovers first)
        listed = run(("history", "--out", DEST), workspace)
        no_traceback(listed)
        assert listed.returncode == 0, listed.output
        # a journal left: killed before the commit point (then the tree as before), or,
        # without checks, just after it (then the update complete); none: complete
        if not journal:
            expected = [prepared.after]
        elif checks:
            expected = [prepared.before]
        else:
            expected = [prepared.before, prepared.after]
        assert_state(workspace, expected, f"after a kill ({'journal' if journal else 'none'})")

        # the same update again: exactly one clean update
        again = run(command, workspace)
        no_traceback(again)
        assert again.returncode == 0, again.output
        assert_state(
            workspace,
            prepared.after_checked if checks else prepared.after,
            "after the same update again",
        )
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


# -- races on one folder


def _stop(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        if proc.poll() is None:
            kill_group(proc)
            proc.communicate()


def in_its_check(prepared: Prepared, proc: subprocess.Popen[str]) -> None:
    """Wait until the update ``proc`` runs its check (it holds the lock, its files written)."""
    deadline = time.monotonic() + 90
    while not prepared.marker.exists():
        assert proc.poll() is None, "the update ended before its check ran"
        assert time.monotonic() < deadline, "the update's check never started"
        time.sleep(0.002)


def while_an_update_checks(prepared: Prepared, workspace: Path, command: tuple[str, ...]) -> Result:
    """Start `scaffold update`, then ``command`` while the update runs its check (holding
    the lock): both succeed, the second after waiting for the first. The second's result."""
    holder = start(UPDATE, workspace)
    waiter = None
    try:
        in_its_check(prepared, holder)
        waiter = start(command, workspace)
        held = finish(holder, UPDATE)
        waited = finish(waiter, command)
    finally:
        _stop(holder, *([waiter] if waiter else []))
    no_traceback(held, waited)
    assert held.returncode == 0, held.output
    assert waited.returncode == 0, waited.output
    assert "waiting" in waited.stderr.lower(), waited.output
    return waited


def test_two_updates_started_together_run_one_after_the_other(prepared: Prepared) -> None:
    """The second waits for the first's lock (through its check), then finds nothing to
    do: exactly one clean update, never a mix."""
    workspace = prepared.copy("race-two")
    done_second = while_an_update_checks(prepared, workspace, UPDATE)
    assert "identical" in done_second.stdout, done_second.output
    assert_state(workspace, prepared.after_checked, "after two updates started together")


def test_no_wait_update_beside_a_running_one_is_refused_and_changes_nothing(
    prepared: Prepared,
) -> None:
    workspace = prepared.copy("race-no-wait")
    holder = start(UPDATE, workspace)
    try:
        in_its_check(prepared, holder)
        middle = State.of(workspace)  # the holder's files written, its check running
        refused = run((*UPDATE_NO_CHECK, "--no-wait"), workspace)
        still_running = holder.poll() is None
        held = finish(holder, UPDATE)
    finally:
        _stop(holder)
    no_traceback(refused, held)
    assert refused.returncode == 1, refused.output
    assert "lock" in refused.stderr.lower() and str(holder.pid) in refused.stderr, refused.output
    assert still_running, "the holder ended before the --no-wait update got its answer"
    assert middle.tree != prepared.before.tree  # the refused run met a tree mid-update
    assert held.returncode == 0, held.output
    assert_state(workspace, prepared.after_checked, "after the holder and the refused update")


def test_a_batch_started_during_an_update_waits_and_then_adds_to_the_updated_tree(
    prepared: Prepared,
) -> None:
    """An update holding the lock (in its check), a batch of new items into the same folder:
    the batch runs after the update, on what the update wrote; a later update is a no-op
    for the updated items and renders the batch's like any."""
    workspace = prepared.copy("race-batch")
    blueprint = prepared.root / "bp"
    more = write_items(prepared.root / "more-items.yaml", blueprint, ["z001", "z002"])
    batch = ("batch", str(more), "--out", DEST, "--no-check")
    while_an_update_checks(prepared, workspace, batch)

    # sequentially, on a copy: the update, then the batch
    reference = prepared.copy("race-batch-reference")
    assert run(UPDATE, reference).returncode == 0
    assert run(batch, reference).returncode == 0
    assert_state(workspace, State.of(reference), "after an update and a batch raced")


# -- a full disk


@pytest.fixture
def on_small_disk(small_disk: tuple[Path, bool], prepared: Prepared) -> Iterator[tuple[Path, bool]]:
    """The prepared workspace copied onto the small disk (the blueprint stays outside)."""
    disk, real = small_disk
    shutil.copytree(prepared.start, disk / "ws", symlinks=True)
    yield disk / "ws", real


def test_an_update_larger_than_the_disk_is_refused_and_changes_nothing(
    on_small_disk: tuple[Path, bool], prepared: Prepared
) -> None:
    workspace, real = on_small_disk
    blueprint = prepared.root / "bp"
    # v2 with a big new file per item: ~60 x 40 kB, more than the disk holds
    big = blueprint / "template/more/{{ name }}.txt.jinja"
    saved = big.read_bytes()
    big.write_text("new in v2: {{ name }}\n" + "x" * 40_000 + "\n", encoding="utf-8")
    try:
        before = State.of(workspace)
        if real:
            result = run(UPDATE_NO_CHECK, workspace)
            no_traceback(result)
            assert result.returncode == 1, result.output
            assert "not enough free space" in result.stderr, result.output
            assert "Free some space" in result.stderr, result.output
        else:
            fs = NoSpace(at=3)
            options = Options(out=workspace / DEST, check=False)
            with pytest.raises(CommitError, match="no space left on the disk"):
                run_update([workspace / DEST], options, fs=fs)
            assert fs.raised
        assert_state(workspace, before, "after an update the disk had no room for")
    finally:
        big.write_bytes(saved)


@pytest.mark.parametrize("at", [1, 40])
def test_a_disk_that_fills_during_an_update_leaves_it_as_before(
    on_small_disk: tuple[Path, bool], at: int
) -> None:
    """The space check passed, then something else took the space (a real filler on the
    tmpfs): the update stops with a clear error, every file as before (rollback writes
    nothing, so it completes on the full disk)."""
    workspace, real = on_small_disk
    ballast = workspace.parent / "ballast" if real else None
    before = State.of(workspace)
    fs = NoSpace(at, ballast)
    options = Options(out=workspace / DEST, check=False, on_conflict=ConflictPolicy.FAIL)
    with pytest.raises(CommitError) as caught:
        run_update([workspace / DEST], options, fs=fs)
    assert fs.raised, "the disk never filled"
    assert "no space left on the disk" in caught.value.message
    assert "as it was before the run" in caught.value.message
    if ballast is not None:
        ballast.unlink()
    assert_state(workspace, before, "after the disk filled during the update")


# -- reading the history once


def test_an_update_unpacks_each_run_of_the_history_once(
    prepared: Prepared, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records of the runs (what to render) and the bases of the files (what to merge
    with) come from the same packs: each is decompressed once per update, not once for each."""
    import scaffolder.history.store as store

    workspace = prepared.copy("unpack-once")
    more = write_items(prepared.root / "unpack-items.yaml", prepared.root / "bp", ["z003"])
    assert run(("batch", str(more), "--out", DEST, "--no-check"), workspace).returncode == 0
    assert len(store.read_history(workspace / DEST)) == 2
    unpacked: list[str] = []
    original = store.unpack

    def counting(destination: Path, run_: Run) -> object:
        unpacked.append(run_.id)
        return original(destination, run_)

    monkeypatch.setattr(store, "unpack", counting)
    report = run_update([workspace / DEST], Options(out=workspace / DEST, check=False))
    assert report.outcome.value == "succeeded", report
    assert sorted(unpacked) == sorted(set(unpacked)) and len(unpacked) == 2, unpacked


# -- symlinks in the destination


def test_links_in_an_updated_path_are_met_as_a_batch_meets_them(prepared: Prepared) -> None:
    """A folder of the project replaced by a link to a folder inside it: the update stops
    before writing, naming the link and the fix, as a batch does. A file replaced by a link
    to a file inside it: read through the link (its target holds what the last run wrote),
    and replaced by the new file, as `--on-conflict overwrite` does in a batch."""
    workspace = prepared.copy("links")
    project = workspace / DEST
    (project / "more").mkdir()  # v2 renders more/; here a link to a real folder
    (project / "more").rename(project / "elsewhere")
    (project / "more").symlink_to("elsewhere")
    before = State.of(workspace)
    refused = run(UPDATE_NO_CHECK, workspace)
    no_traceback(refused)
    assert refused.returncode == 1, refused.output
    assert f"{project / 'more'} is a symlink to elsewhere" in refused.stderr, refused.output
    assert "Replace the link by the folder it points to" in refused.stderr, refused.output
    assert_state(workspace, before, "after an update refused for a link")

    (project / "more").unlink()
    (project / "elsewhere").rmdir()
    script = project / "bin" / f"{NAMES[2]}.sh"
    script.rename(project / "real.sh")
    script.symlink_to("../real.sh")
    done = run(UPDATE_NO_CHECK, workspace)
    no_traceback(done)
    assert done.returncode == 0, done.output
    assert not script.is_symlink() and script.read_text() == f"#!/bin/sh\necho {NAMES[2]} v2\n"
    assert (project / "real.sh").read_text() == f"#!/bin/sh\necho {NAMES[2]}\n"
