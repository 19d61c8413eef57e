"""Symlinks and empty folders in a template's output: planned like files (a link's target is
its content), refused when a link would point out of the destination, committed atomically
(a link made at a temp name and renamed over), and undone by a rollback or by the recovery
of a killed run, which unlink links and never follow them."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from scaffolder.changes import ChangeSet, RenderedFile
from scaffolder.commit import FileSystem, commit, pending, recover
from scaffolder.plan import ConflictPolicy, FileStatus, plan
from tests.conftest import build_file_tree, scaffold

COPIER_YML: dict[str, Any] = {
    "_preserve_symlinks": True,
    "name": {"type": "str", "default": "demo"},
}


@pytest.fixture(autouse=True)
def no_copier_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "copier-settings.yml"
    settings.write_text("{}\n")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))


def make_template(root: Path, links: dict[str, str], **extra: Any) -> Path:
    build_file_tree(
        root,
        {
            "copier.yml": yaml.safe_dump({**COPIER_YML, **extra}),
            "docs/guide.md.jinja": "# {{ name }}\n",
            "run.sh": "#!/bin/sh\n",
        },
    )
    (root / "empty/inner").mkdir(parents=True)
    for name, target in links.items():
        (root / name).symlink_to(target)
    return root


def entries(root: Path) -> dict[str, str | bytes | None]:
    """Every path below ``root`` (scaffolder's own left out): a link's target, a file's
    bytes, None for a folder. Nothing is followed."""
    found: dict[str, str | bytes | None] = {}
    if not root.exists():
        return found
    for folder, folders, names in os.walk(root):
        folders[:] = [f for f in folders if not (folder == str(root) and f == ".scaffold")]
        for name in folders + names:
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[relative] = os.readlink(path)
            elif path.is_dir():
                found[relative] = None
            else:
                found[relative] = path.read_bytes()
    return found


@pytest.mark.parametrize("target", ["../../etc/passwd", "/etc/passwd", "docs/../../outside"])
def test_a_link_out_of_the_destination_is_refused_with_nothing_written(
    tmp_path: Path, target: str
) -> None:
    make_template(tmp_path / "tpl", {"guide": "docs/guide.md", "evil": target})
    for dry_run in ((), ("--dry-run",)):
        result = scaffold(tmp_path, "new", "./tpl", "--out", "proj", "--defaults", *dry_run)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert f"proj/evil: the template renders a symlink to {target}" in result.stderr
        assert "points out of the destination" in result.stderr
        assert "Nothing was written" in result.stderr
        assert not (tmp_path / "proj").exists()


def test_links_and_empty_folders_are_planned_shown_and_made_again_identical(
    tmp_path: Path,
) -> None:
    make_template(tmp_path / "tpl", {"guide": "docs/guide.md", "manual": "docs"})
    dry = scaffold(tmp_path, "new", "./tpl", "--out", "proj", "--defaults", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "--- /dev/null\n+++ b/guide\n@@ -0,0 +1 @@\n+-> docs/guide.md" in dry.stdout
    assert "+-> docs\n" in dry.stdout and "create  empty/inner" in dry.stdout
    assert not (tmp_path / "proj").exists()

    made = scaffold(tmp_path, "new", "./tpl", "--out", "proj", "--defaults")
    assert made.returncode == 0, made.stdout + made.stderr
    assert entries(tmp_path / "proj") == {
        "docs": None,
        "docs/guide.md": b"# demo\n",
        "empty": None,
        "empty/inner": None,
        "guide": "docs/guide.md",
        "manual": "docs",
        "run.sh": b"#!/bin/sh\n",
    }
    again = scaffold(tmp_path, "new", "./tpl", "--out", "proj", "--defaults")
    assert again.returncode == 0 and "done: 5 identical" in again.stdout, again.stdout


def test_a_link_with_another_target_is_a_conflict_that_the_policy_decides(
    tmp_path: Path,
) -> None:
    make_template(tmp_path / "tpl", {"guide": "docs/guide.md"})
    proj = tmp_path / "proj"
    build_file_tree(proj, {"notes.md": "mine\n"})
    (proj / "guide").symlink_to("notes.md")
    before = entries(proj)

    failed = scaffold(tmp_path, "new", "./tpl", "--out", "proj", "--defaults")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "conflict  guide" in failed.stdout and entries(proj) == before
    dry = scaffold(
        tmp_path, "new", "./tpl", "--out", "proj", "--defaults", "--dry-run", "--on-conflict",
        "overwrite",
    )  # fmt: skip
    assert "--- a/guide\n+++ b/guide\n@@ -1 +1 @@\n--> notes.md\n+-> docs/guide.md" in dry.stdout

    skipped = scaffold(
        tmp_path, "new", "./tpl", "--out", "proj", "--defaults", "--on-conflict", "skip"
    )
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert os.readlink(proj / "guide") == "notes.md"
    overwritten = scaffold(
        tmp_path, "new", "./tpl", "--out", "proj", "--defaults", "--on-conflict", "overwrite"
    )
    assert overwritten.returncode == 0, overwritten.stdout + overwritten.stderr
    assert os.readlink(proj / "guide") == "docs/guide.md"


def test_a_failed_check_rolls_back_links_and_folders_and_restores_a_replaced_link(
    tmp_path: Path,
) -> None:
    make_template(
        tmp_path / "tpl",
        {"guide": "docs/guide.md", "manual": "docs"},
        _scaffold={"checks": [{"command": "false"}]},
    )
    proj = tmp_path / "proj"
    build_file_tree(proj, {"notes.md": "mine\n"})
    (proj / "manual").symlink_to("notes.md")  # replaced by the run, then put back
    before = entries(proj)

    result = scaffold(
        tmp_path, "new", "./tpl", "--out", "proj", "--defaults", "--trust", "--on-conflict",
        "overwrite",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "rolled back" in result.stdout + result.stderr
    assert entries(proj) == before
    assert pending(proj) == ()

    kept = scaffold(
        tmp_path, "new", "./tpl", "--out", "proj", "--defaults", "--trust", "--on-conflict",
        "overwrite", "--keep-failed",
    )  # fmt: skip
    assert kept.returncode == 1, kept.stdout + kept.stderr
    assert os.readlink(proj / "manual") == "docs" and (proj / "empty/inner").is_dir()


class Killed(BaseException):
    """The process 'dies': this operation and every later one fail, so that the commit's
    own rollback cannot run and the journal stays for the next run."""


class DiesAfterReplacing(FileSystem):
    """Dies at the first folder sync after a target was renamed into place (the commit
    syncs the folders once every target is)."""

    replaced = dead = False

    def replace(self, source: Path, target: Path) -> None:
        if self.dead:
            raise Killed
        super().replace(source, target)
        self.replaced = self.replaced or ".scaffold" not in Path(target).parts

    def sync_dir(self, path: Path) -> None:
        if self.dead or self.replaced:
            self.dead = True
            raise Killed
        super().sync_dir(path)

    def remove(self, path: Path) -> None:
        if self.dead:
            raise Killed
        super().remove(path)

    def remove_dir(self, path: Path) -> None:
        if self.dead:
            raise Killed
        super().remove_dir(path)


def test_recovery_unlinks_the_links_a_killed_run_made_and_restores_the_one_it_replaced(
    tmp_path: Path,
) -> None:
    proj = tmp_path / "proj"
    build_file_tree(proj, {"notes.md": "mine\n", "outside-looking.md": "x\n"})
    (proj / "manual").symlink_to("notes.md")
    before = entries(proj)

    def link(path: str, target: str) -> RenderedFile:
        return RenderedFile(PurePosixPath(path), b"", 0o777, PurePosixPath(path), (1,), link=target)

    changes = ChangeSet(
        (
            link("manual", "docs"),
            link("new/link", "../notes.md"),
            RenderedFile(
                PurePosixPath("empty/inner"), b"", 0o755, PurePosixPath("e"), (1,), folder=True
            ),
        ),
        {1: None},
    )
    planned = plan(changes, proj, ConflictPolicy.OVERWRITE)
    assert [f.status for f in planned.files] == [
        FileStatus.OVERWRITE,
        FileStatus.CREATE,
        FileStatus.CREATE,
    ]
    with pytest.raises(Killed):
        commit(planned, DiesAfterReplacing())
    assert os.readlink(proj / "new/link") == "../notes.md"  # written when it died
    assert os.readlink(proj / "manual") == "docs" and (proj / "empty/inner").is_dir()
    assert pending(proj)

    recovered = recover(proj)
    assert recovered.rolled_back and pending(proj) == ()
    assert entries(proj) == before
    assert stat.S_ISLNK((proj / "manual").lstat().st_mode)


def test_cookiecutter_empty_folders_are_made_as_cookiecutter_makes_them(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path / "tpl",
        {
            "cookiecutter.json": '{"project_slug": "demo"}',
            "{{cookiecutter.project_slug}}/README.md": "# {{ cookiecutter.project_slug }}\n",
        },
    )
    (tmp_path / "tpl/{{cookiecutter.project_slug}}/logs/{{cookiecutter.project_slug}}").mkdir(
        parents=True
    )
    result = scaffold(tmp_path, "new", "./tpl", "--out", "proj", "--defaults")
    assert result.returncode == 0, result.stdout + result.stderr
    assert entries(tmp_path / "proj") == {
        "demo": None,
        "demo/README.md": b"# demo\n",
        "demo/logs": None,
        "demo/logs/demo": None,
    }
