"""A disk that fills up: the run stops with a clear error and the tree is exactly as before.

The destination lives on a real 2 MiB file system (a tmpfs the test mounts, where it may);
elsewhere the same runs meet a file system that raises ENOSPC, so the guarantee is still
exercised.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from scaffolder.commit import FileSystem
from scaffolder.errors import CommitError
from scaffolder.itemsfile import load_items_file
from scaffolder.pipeline import Options, run_items
from scaffolder.plan import ConflictPolicy
from tests.conftest import SCAFFOLD, MakeBlueprint, build_file_tree, snapshot

BODY = "x" * 20_000  # 20 kB per rendered file: 200 items need about 4 MB


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, bool]]:
    """A folder on a 2 MiB file system, and whether it is a real one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
        if os.geteuid() == 0
        else False
    )
    try:
        yield mount, made
    finally:
        if made:
            subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def items(tmp_path: Path, make_blueprint: MakeBlueprint) -> Path:
    blueprint = make_blueprint({"out/{{ name }}.txt.jinja": "{{ name }}\n" + BODY + "\n"})
    path = tmp_path / "items.yaml"
    data = {
        "blueprint": str(blueprint.root),
        "items": [{"name": name(i)} for i in range(200)],
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def name(number: int) -> str:
    """``item_aa``, ``item_ab``, …: names the blueprint's pattern (letters) accepts."""
    return "item_" + "abcdefghijklmnopqrstuvwxyz"[number // 26] + chr(ord("a") + number % 26)


def user_files(destination: Path) -> None:
    """The user's own files, some of which the run overwrites."""
    build_file_tree(
        destination,
        {
            "out/item_aa.txt": "my edit of item 0\n",
            "out/item_ab.txt": "my edit of item 1\n",
            "notes.txt": "mine\n",
        },
    )


class NoSpace(FileSystem):
    """ENOSPC at the ``at``-th file written into the destination (not the journal), or
    after ``ballast`` bytes of real filler took the disk's last free space."""

    def __init__(self, at: int, ballast: Path | None = None) -> None:
        super().__init__()
        self.at, self.ballast, self.writes, self.raised = at, ballast, 0, False

    def write(self, path: Path, content: bytes, mode: int = 0o644) -> None:
        if ".scaffold" not in path.parts:
            self.writes += 1
            if self.writes == self.at:
                if self.ballast is None:
                    self.raised = True
                    raise OSError(errno.ENOSPC, "No space left on device", str(path))
                with self.ballast.open("wb") as handle, pytest.raises(OSError):
                    while True:  # fill the disk for real
                        handle.write(b"\0" * 65536)
                        handle.flush()
        try:
            super().write(path, content, mode)
        except OSError as exc:
            self.raised = self.raised or exc.errno == errno.ENOSPC
            raise


def test_a_batch_larger_than_the_disk_is_refused_before_writing(
    small_disk: tuple[Path, bool], items: Path, tmp_path: Path
) -> None:
    disk, real = small_disk
    destination = disk / "project"
    user_files(destination)
    before = snapshot(disk)
    if real:
        command = [str(SCAFFOLD), "batch", str(items), "--out", str(destination)]
        result = subprocess.run(
            [*command, "--on-conflict", "overwrite"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "not enough free space" in result.stderr and "Free some space" in result.stderr
    else:
        fs = NoSpace(at=50)
        options = Options(out=destination, on_conflict=ConflictPolicy.OVERWRITE, check=False)
        with pytest.raises(CommitError, match="no space left on the disk"):
            run_items(load_items_file(items), options, fs=fs)
        assert fs.raised
    assert snapshot(disk) == before


@pytest.mark.parametrize("at", [1, 3, 7])
def test_a_disk_that_fills_while_writing_leaves_the_tree_as_before(
    small_disk: tuple[Path, bool], items: Path, at: int
) -> None:
    """The space check passed, then something else took the space: the rollback itself
    needs none (backups are renamed back), so it completes on the full disk."""
    disk, real = small_disk
    destination = disk / "project"
    user_files(destination)
    ballast = disk / "ballast" if real else None
    few = items.with_name("few.yaml")
    data = yaml.safe_load(items.read_text(encoding="utf-8"))
    few.write_text(yaml.safe_dump({**data, "items": data["items"][:20]}), encoding="utf-8")
    before = snapshot(disk)
    fs = NoSpace(at, ballast)
    options = Options(out=destination, on_conflict=ConflictPolicy.OVERWRITE, check=False)
    with pytest.raises(CommitError) as caught:
        run_items(load_items_file(few), options, fs=fs)
    assert fs.raised, "the disk never filled"
    assert "no space left on the disk" in caught.value.message
    assert "as it was before the run" in caught.value.message
    if ballast is not None:
        ballast.unlink()
    assert snapshot(disk) == before
