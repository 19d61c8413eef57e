"""Durable in batches: a commit writes all its temp files, makes them durable with one flush
of the destination's file system (``syncfs``, git's ``core.fsyncMethod=batch``), then renames
them; only the journal is fsynced file by file.

What is counted is what reaches the operating system: ``os.fsync`` is watched (each call's
file found through ``/proc/self/fd``) and so is the file-system sync the flush makes. A
death or a failure at the flush, or between it and the renames, leaves temp files that were
never renamed: the rollback, and the recovery of a killed run (in process and of a real
``scaffold batch`` SIGKILLed there), remove them and give back the tree as it was.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import signal
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffolder.changes import ChangeSet
from scaffolder.commit import JOURNAL_FILE, FileSystem, commit, files, recover
from scaffolder.errors import CommitError
from scaffolder.plan import ConflictPolicy, Plan, plan
from scaffolder.render import Renderer
from scaffolder.variables import validate_item
from tests.commit_victim import CountingFileSystem
from tests.conftest import MakeBlueprint, build_file_tree, snapshot
from tests.e2e_helpers import (
    JOURNALS,
    RECORD,
    Tree,
    assert_tree,
    copy_tree,
    environment,
    no_traceback,
    run,
    scaffold_files,
    write_items,
)
from tests.test_commit import DyingFileSystem, FaultyFileSystem, Killed

ITEMS = 120  # two files each, in a folder each: 240 files, a third of them overwritten
OVERWRITTEN = range(0, ITEMS, 3)


def names() -> list[str]:
    return [
        "item_" + "abcdefghijklmnopqrstuvwxyz"[n // 26] + chr(97 + n % 26) for n in range(ITEMS)
    ]


@dataclass(frozen=True)
class Scene:
    destination: Path
    before: Tree
    changes: ChangeSet

    def plan(self) -> Plan:
        return plan(self.changes, self.destination, ConflictPolicy.OVERWRITE)

    @property
    def targets(self) -> int:
        return 2 * ITEMS


@pytest.fixture
def scene(tmp_path: Path, make_blueprint: MakeBlueprint) -> Scene:
    blueprint = make_blueprint(
        {
            "services/{{ name }}/main.py.jinja": "NAME = {{ name | tojson }}\n",
            "services/{{ name }}/README.md.jinja": "# {{ name }}\n",
        }
    )
    renderer = Renderer(blueprint)
    items = [validate_item(blueprint, {"name": name}) for name in names()]
    changes = ChangeSet.merge((item, renderer.render(item)) for item in items)
    mine = {f"services/{names()[n]}/main.py": f"# my edit {n}\n" for n in OVERWRITTEN}
    destination = build_file_tree(tmp_path / "out", {**mine, "notes.txt": "mine\n"})
    return Scene(destination, snapshot(destination), changes)


class FsyncSpy:
    """Every ``os.fsync`` that runs, by what it was given: a regular file or a folder."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.folders: list[str] = []
        self._fsync = os.fsync

    def __call__(self, fd: int) -> None:
        where = os.readlink(f"/proc/self/fd/{fd}")
        (self.files if stat.S_ISREG(os.fstat(fd).st_mode) else self.folders).append(where)
        self._fsync(fd)


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> FsyncSpy:
    spy = FsyncSpy()
    monkeypatch.setattr(os, "fsync", spy)
    return spy


@pytest.fixture
def flushes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file systems synced as a whole, by the folder that named each (the real sync runs)."""
    synced: list[str] = []
    real = files.sync_file_system

    def spy(fd: int, where: Path) -> bool:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd, where)

    monkeypatch.setattr(files, "sync_file_system", spy)
    return synced


def temp_files(destination: Path) -> list[Path]:
    return sorted(p for p in destination.rglob("*.tmp") if ".scaffold-" in p.name)


def assert_written(scene: Scene) -> None:
    for name in names():
        main = scene.destination / "services" / name / "main.py"
        assert main.read_text(encoding="utf-8") == f'NAME = "{name}"\n'
    assert (scene.destination / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert not temp_files(scene.destination)
    assert not (scene.destination / ".scaffold").exists()


# -- one flush, no fsync per file


def test_a_commit_of_many_files_flushes_once_and_fsyncs_none_of_them(
    scene: Scene, fsyncs: FsyncSpy, flushes: list[str]
) -> None:
    fs = CountingFileSystem()
    commit(scene.plan(), fs)
    assert_written(scene)
    calls = [name for name, _ in fs.calls]
    assert calls.count("write") == scene.targets + 3  # and the journal, three times
    assert calls.count("flush") == 1
    assert flushes == [str(scene.destination)]  # one sync, of the destination's file system
    # the only files fsynced one by one are the journal's three saves
    assert [Path(p).name for p in fsyncs.files] == ["journal.tmp"] * 3, fsyncs.files
    # the folders: those the journal was made in, the journal's own, and each folder a
    # rename went into (a folder per item), once each
    renamed_into = [str(scene.destination / "services" / name) for name in names()]
    assert all(fsyncs.folders.count(folder) == 1 for folder in renamed_into)
    assert len(fsyncs.folders) < ITEMS + 12, fsyncs.folders
    # in order: every temp file written, the flush, then the renames
    flush = calls.index("flush")
    assert set(calls[flush - scene.targets : flush]) == {"write"}
    assert set(calls[flush + 1 : flush + 1 + scene.targets]) == {"replace"}


def test_backups_copied_where_hard_links_fail_are_each_fsynced_before_any_target_is_replaced(
    scene: Scene, fsyncs: FsyncSpy, flushes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup may be renamed back over its original by a rollback after a power cut, so a
    copy is durable at once (a hard link shares the original's bytes, already durable)."""

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link (injected)")

    monkeypatch.setattr(os, "link", no_links)
    fs = CountingFileSystem()
    commit(scene.plan(), fs)
    assert_written(scene)
    backups = [p for p in fsyncs.files if "/backups/" in p]
    assert len(backups) == len(OVERWRITTEN)
    # each before the journal says "prepared" (its second save), hence before any rename
    assert fsyncs.files.index(backups[-1]) < [Path(p).name for p in fsyncs.files].index(
        "journal.tmp", 1
    )
    assert [name for name, _ in fs.calls].count("flush") == 1 and len(flushes) == 1


def test_without_syncfs_the_flush_is_one_sync(
    scene: Scene, fsyncs: FsyncSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "_syncfs", lambda: None)  # a C library without it
    syncs: list[None] = []
    real = os.sync
    monkeypatch.setattr(os, "sync", lambda: syncs.append(real()))
    commit(scene.plan())
    assert_written(scene)
    assert len(syncs) == 1
    assert [Path(p).name for p in fsyncs.files] == ["journal.tmp"] * 3


def test_where_no_file_system_sync_waits_each_file_is_fsynced(
    scene: Scene, fsyncs: FsyncSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not Linux: sync(2) may return before the writes are done, so each file written since
    the last flush is fsynced instead: every temp file, before the first rename."""
    monkeypatch.setattr(files, "_LINUX", False)
    fs = CountingFileSystem()
    commit(scene.plan(), fs)
    assert_written(scene)
    temps = [p for p in fsyncs.files if ".scaffold-" in Path(p).name]
    assert len(temps) == scene.targets and len(set(temps)) == scene.targets
    assert len(fsyncs.files) == scene.targets + 3  # and the journal's three saves
    assert [name for name, _ in fs.calls].count("flush") == 1


class MountedServices(FileSystem):
    """As if ``services/item_aa`` were another file system mounted in the destination."""

    def write(self, path: Path, content: bytes, mode: int = 0o644) -> None:
        super().write(path, content, mode)
        if "item_aa" in path.parts:
            self._unflushed[path] = -1


def test_a_file_system_mounted_below_the_destination_is_synced_too(
    scene: Scene, flushes: list[str]
) -> None:
    commit(scene.plan(), MountedServices())
    assert_written(scene)
    assert flushes == [str(scene.destination), str(scene.destination / "services/item_aa")]


# -- failing or dying at the flush, or between it and the renames


def reference_flush(scene: Scene, tmp_path: Path) -> int:
    """The number (from 1) of the flush among a clean commit's operations, on a copy."""
    copy = copy_tree(scene.destination, tmp_path / "reference")
    fs = CountingFileSystem()
    commit(plan(scene.changes, copy, ConflictPolicy.OVERWRITE), fs)
    return [name for name, _ in fs.calls].index("flush") + 1


def journal_state(destination: Path) -> str:
    (folder,) = (destination / JOURNALS).iterdir()
    return str(json.loads((folder / JOURNAL_FILE).read_text(encoding="utf-8"))["state"])


@pytest.mark.parametrize("when", ["at the flush", "right after the flush"])
def test_a_death_at_the_flush_or_right_after_it_recovers_to_the_old_tree(
    scene: Scene, tmp_path: Path, when: str
) -> None:
    flush = reference_flush(scene, tmp_path)
    with pytest.raises(Killed):
        commit(scene.plan(), DyingFileSystem(flush if when == "at the flush" else flush + 1))
    # every temp file is there, never renamed: the targets are untouched
    assert len(temp_files(scene.destination)) == scene.targets
    assert journal_state(scene.destination) == "prepared"
    tree = snapshot(scene.destination)
    assert {p: c for p, c in tree.items() if p in scene.before} == scene.before
    recovery = recover(scene.destination)
    assert recovery.rolled_back and not recovery.completed
    assert snapshot(scene.destination) == scene.before


@pytest.mark.parametrize("when", ["at the flush", "right after the flush"])
def test_a_failure_at_the_flush_or_right_after_it_rolls_back_at_once(
    scene: Scene, tmp_path: Path, when: str
) -> None:
    flush = reference_flush(scene, tmp_path)
    k = flush if when == "at the flush" else flush + 1
    with pytest.raises(CommitError, match="Nothing was written"):
        commit(scene.plan(), FaultyFileSystem(k, OSError(errno.EIO, "Input/output error")))
    assert snapshot(scene.destination) == scene.before


def test_a_file_system_sync_that_fails_fails_the_commit_and_rolls_it_back(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """syncfs's return value is checked: the error it reports stops the commit."""

    def failing(fd: int) -> int:
        ctypes.set_errno(errno.EIO)
        return -1

    monkeypatch.setattr(files, "_syncfs", lambda: failing)
    with pytest.raises(CommitError, match="Input/output error") as caught:
        commit(scene.plan())
    assert str(scene.destination) in caught.value.message
    assert snapshot(scene.destination) == scene.before


# -- a real `scaffold batch` SIGKILLed between its temp files and their renames

VICTIM = """
import os, signal, sys
from scaffolder.commit.files import FileSystem
when = sys.argv.pop(1)
flush = FileSystem.flush
def dying(self, path):
    if when == "after":
        flush(self, path)
    os.kill(os.getpid(), signal.SIGKILL)
FileSystem.flush = dying
from scaffolder.cli import main
sys.argv[0] = "scaffold"
main()
"""
DEST = "svc"
EARLIER = [f"r{n:03d}" for n in range(30)]
BATCH = [f"r{n:03d}" for n in range(60)]  # overwrites the earlier 30, creates 30


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace after an earlier batch, with the user's own notes and an edit of it."""
    root = tmp_path_factory.mktemp("batched-flush-e2e")
    workspace = root / "start"
    workspace.mkdir()
    earlier = run(("batch", str(write_items(root / "earlier.yaml", EARLIER)), "--out", DEST,
                   "--no-check"), workspace)  # fmt: skip
    assert earlier.returncode == 0, earlier.output
    build_file_tree(workspace, {f"{DEST}/NOTES.md": "mine\n", f"{DEST}/app/api/r000.py": "# me\n"})
    write_items(root / "batch.yaml", BATCH)
    write_items(root / "invalid.yaml", ["Bad-Name"])
    return workspace


def batch(start: Path, items: str) -> tuple[str, ...]:
    items_file = start.parent / items
    return ("batch", str(items_file), "--out", DEST, "--no-check", "--on-conflict", "overwrite")


@pytest.fixture(scope="module")
def clean_run(start: Path) -> Tree:
    """The workspace after one clean run of the batch."""
    workspace = copy_tree(start, start.parent / "clean")
    result = run(batch(start, "batch.yaml"), workspace)
    assert result.returncode == 0, result.output
    return snapshot(workspace)


def killed(start: Path, workspace: Path, when: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", VICTIM, when, *batch(start, "batch.yaml")],
        cwd=workspace, env=environment(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def target_of(temp: str) -> str:
    """The file the temp file ``.NAME.scaffold-ID.tmp`` is renamed over."""
    folder, name = os.path.split(temp)
    return os.path.join(folder, name[1:].rsplit(".scaffold-", 1)[0])


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_batch_sigkilled_between_its_temp_files_and_their_renames_is_recovered(
    start: Path, clean_run: Tree, tmp_path: Path, when: str
) -> None:
    workspace = copy_tree(start, tmp_path / "workspace")
    before = snapshot(workspace)
    victim = killed(start, workspace, when)
    assert victim.returncode == -signal.SIGKILL, victim.stdout + victim.stderr

    # killed with every temp file written (and, after the flush, durable), none renamed
    tree = snapshot(workspace)
    temps = {target_of(p) for p in tree if p.endswith(".tmp") and ".scaffold-" in p}
    written = {p for p, content in clean_run.items() if content not in (None, before.get(p))}
    history = f"{DEST}/.scaffold/history/"  # its names hold the run's id
    assert {p for p in temps if not p.startswith(history)} == {
        p for p in written if not p.startswith(history)
    }
    assert len(written) > 3 * (len(BATCH) - len(EARLIER))  # 3 files per new item, and more
    assert journal_state(workspace / DEST) == "prepared"
    assert {p: c for p, c in tree.items() if p in before} == before

    # the next run recovers first (here it then fails validation): the tree as before
    failed = run(batch(start, "invalid.yaml")[:4], workspace)
    no_traceback(failed)
    assert failed.returncode == 1 and "Bad-Name" in failed.stderr, failed.output
    assert_tree(snapshot(workspace), before, f"killed {when} the flush, then recovered")

    # and the same batch again gives what one clean run gives
    again = run(batch(start, "batch.yaml"), workspace)
    no_traceback(again)
    assert again.returncode == 0, again.output
    assert_tree(snapshot(workspace), clean_run, "the same batch again")
    assert scaffold_files(snapshot(workspace), DEST) == [RECORD]
