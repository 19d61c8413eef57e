"""A destination an attacker prepared: planted journals, links where scaffolder keeps its
journal and lock, folders swapped for links between planning and writing.

Every run starts by recovering interrupted runs, so a cloned repository can carry a journal
that the next `scaffold new` acts on. Whatever it says, nothing outside the destination is
deleted, written or copied in, and the destination is left as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scaffolder.blueprint import Blueprint
from scaffolder.commit import JOURNAL_FILE, FileSystem, commit
from scaffolder.errors import ScaffoldError
from scaffolder.pipeline import Options, run_one
from scaffolder.plan import ConflictPolicy
from tests.commit_victim import CountingFileSystem, build_plan, render
from tests.conftest import MakeBlueprint, build_file_tree, scaffold, snapshot
from tests.test_commit import Killed

OUTSIDE = {
    "keep.txt": "outside, must stay\n",
    ".bashrc": "export PATH=/usr/bin\n",
    "app/models.py": "outside models\n",
    "nested/deep.txt": "deep\n",
}
TEMPLATES = {
    "README.md.jinja": "# {{ name }}\n",
    "app/models.py.jinja": "class {{ name | pascal }}:\n    pass\n",
    "app/api.py.jinja": "NAME = {{ name | tojson }}\n",
}


@pytest.fixture
def blueprint(make_blueprint: MakeBlueprint) -> Blueprint:
    return make_blueprint(TEMPLATES, name="demo")


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """``repo/`` (the destination, with a user's files) and ``outside/`` beside it."""
    outside = build_file_tree(tmp_path / "outside", OUTSIDE)
    repo = build_file_tree(tmp_path / "repo", {"README.md": "# mine\n", "notes.txt": "mine\n"})
    return repo, outside


class DiesAtSecondFile(CountingFileSystem):
    """Dies (as in test_commit) when it is about to write the second file of the tree."""

    def before(self, number: int, name: str, args: tuple[Any, ...]) -> None:
        targets = [a for n, (a, *_) in self.calls if n == "write" and ".scaffold" not in a.parts]
        if len(targets) == 2:
            raise Killed


def interrupted(blueprint: Blueprint, repo: Path) -> Path:
    """A genuine journal, as a run killed half way through writing its files leaves it."""
    plan = build_plan(render(blueprint, {"name": "widget"}), repo)
    with pytest.raises(Killed):
        commit(plan, DiesAtSecondFile())
    (folder,) = (repo / ".scaffold/journal").iterdir()
    data = json.loads((folder / JOURNAL_FILE).read_text(encoding="utf-8"))
    assert data["state"] == "prepared"
    return folder


def move_out(folder: Path, outside: Path) -> Path:
    """Move ``folder`` outside and leave a symlink to it in its place."""
    moved = outside / f"planted-{folder.name}"
    shutil.move(folder, moved)
    folder.symlink_to(moved, target_is_directory=True)
    return moved


def backup_to_link(folder: Path, outside: Path) -> None:
    (backup,) = (folder / "backups").iterdir()
    backup.unlink()
    backup.symlink_to(outside / ".bashrc")


def folder_through_link(folder: Path, outside: Path) -> None:
    """The folder a journal entry runs through is now a link to an outside folder."""
    repo = folder.parents[2]
    shutil.rmtree(repo / "app")
    (repo / "app").symlink_to(outside / "app", target_is_directory=True)


def journal_is_link(folder: Path, outside: Path) -> None:
    journal = folder / JOURNAL_FILE
    planted = outside / "journal.json"
    planted.write_bytes(journal.read_bytes())
    journal.unlink()
    journal.symlink_to(planted)


def entry_leaves(folder: Path, outside: Path) -> None:
    journal = folder / JOURNAL_FILE
    data = json.loads(journal.read_text(encoding="utf-8"))
    data["entries"][0]["path"] = "../outside/keep.txt"
    data["created_dirs"].append("../outside/nested")
    journal.write_text(json.dumps(data), encoding="utf-8")


ATTACKS: dict[str, Callable[[Path, Path], object]] = {
    "journal folder is a link": lambda folder, outside: move_out(folder, outside),
    "journal root is a link": lambda folder, outside: move_out(folder.parent, outside),
    ".scaffold is a link": lambda folder, outside: move_out(folder.parents[1], outside),
    "backup is a link": backup_to_link,
    "entry through a linked folder": folder_through_link,
    "journal file is a link": journal_is_link,
    "entries leave the destination": entry_leaves,
}


@pytest.mark.parametrize("command", ["new", "check"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_a_planted_journal_touches_nothing_outside(
    blueprint: Blueprint, world: tuple[Path, Path], tmp_path: Path, attack: str, command: str
) -> None:
    repo, outside = world
    folder = interrupted(blueprint, repo)
    ATTACKS[attack](folder, outside)
    before_outside, before_repo = snapshot(outside), snapshot(repo)
    links = {p: os.readlink(p) for p in repo.rglob("*") if p.is_symlink()}
    if command == "new":
        args = ["new", blueprint.root, "--set", "name=widget", "--out", repo, "--no-check"]
    else:
        args = ["check", "--out", repo]
    result = scaffold(tmp_path, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot be read or trusted" in result.stderr or "will not follow" in result.stderr
    assert "Nothing was changed" in result.stderr or "Remove it" in result.stderr
    assert snapshot(outside) == before_outside, "something outside the destination changed"
    assert snapshot(repo) == before_repo, "the destination changed"
    assert {p: os.readlink(p) for p in repo.rglob("*") if p.is_symlink()} == links


def test_a_planted_lock_link_is_refused(
    blueprint: Blueprint, world: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, outside = world
    (repo / ".scaffold").mkdir()
    (repo / ".scaffold/lock").symlink_to(outside / ".bashrc")
    before_outside, before_repo = snapshot(outside), snapshot(repo)
    result = scaffold(tmp_path, "new", blueprint.root, "--set", "name=widget", "--out", repo)
    assert result.returncode == 1, result.stderr
    assert "will not follow" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(outside) == before_outside
    assert snapshot(repo) == before_repo


class SwappingFileSystem(FileSystem):
    """Before the ``at``-th file is written, swaps the folder ``app`` of the destination for a
    link to ``outside`` (what another process could do between planning and writing)."""

    def __init__(self, destination: Path, outside: Path, at: int) -> None:
        super().__init__()
        self.destination, self.outside, self.at, self.writes = destination, outside, at, 0

    def write(self, path: Path, content: bytes, mode: int = 0o644) -> None:
        if ".scaffold" not in path.parts:
            self.writes += 1
            if self.writes == self.at:
                app = self.destination / "app"
                app.rename(self.destination / "app-moved")
                app.symlink_to(self.outside / "app", target_is_directory=True)
        super().write(path, content, mode)


@pytest.mark.parametrize("at", [1, 2, 3])
def test_a_folder_swapped_for_a_link_while_writing_sends_nothing_outside(
    blueprint: Blueprint, world: tuple[Path, Path], at: int
) -> None:
    repo, outside = world
    (repo / "app").mkdir()
    before_outside = snapshot(outside)
    fs = SwappingFileSystem(repo, outside, at)
    options = Options(out=repo, check=False, on_conflict=ConflictPolicy.OVERWRITE)
    try:
        run_one(blueprint, {"name": "widget"}, options, fs=fs)
    except ScaffoldError as error:
        assert error.exit_code == 1
        assert "Nothing was written" in error.message
    assert fs.writes >= at, "the swap never happened"
    assert snapshot(outside) == before_outside, "a file was written through the link"
